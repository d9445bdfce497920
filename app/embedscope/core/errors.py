"""Errors a user can cause, each naming the file, the place in it and what was expected."""
from __future__ import annotations

from pathlib import Path


class EmbedscopeError(Exception):
    """Base of every error Embedscope reports to a user (CLI prints it, GUI shows it)."""


class EmbeddingFormatError(EmbedscopeError):
    """A file could not be read as an embedding.

    `path` is the file, `where` the place in it ("line 12", "byte 4096", "header"),
    `expected` what should have been there. The message reads as one sentence.
    """

    def __init__(self, path, where: str | None, problem: str, expected: str | None = None):
        self.path = str(path) if path is not None else None
        self.where = where
        self.problem = problem
        self.expected = expected
        parts = []
        if self.path:
            parts.append(f"{Path(self.path).name}")
        if where:
            parts.append(where)
        head = ", ".join(parts)
        msg = f"{head}: {problem}" if head else problem
        if expected:
            msg += f" (expected {expected})"
        super().__init__(msg)


class PickleRefusedError(EmbeddingFormatError):
    """A file is a Python pickle (gensim .model/.kv); loading it would run code from the file."""

    def __init__(self, path):
        super().__init__(
            path,
            None,
            "this is a Python pickle (gensim's own save format); loading a pickle runs code "
            "stored in the file, so Embedscope refuses it unless you trust where it came from",
            "--trust-pickle on the command line, or confirming in the window",
        )


class NotEnoughMemoryError(EmbeddingFormatError):
    """Reading a file needs more memory than the machine has free: refused before allocating
    when a header declares the size, or reported when an allocation failed."""

    def __init__(self, path, where: str | None, problem: str, needed: int | None = None):
        self.needed = needed
        super().__init__(path, where, problem,
                         "a machine with more free memory, or a smaller file")


def gib(nbytes: float) -> str:
    """'37.5 GiB' — a byte count as a user reads it in a memory message."""
    if nbytes >= 1 << 28:
        return f"{nbytes / (1 << 30):,.1f} GiB"
    return f"{nbytes / (1 << 20):,.1f} MiB"


class UnknownWordError(EmbedscopeError, KeyError):
    """Words asked for are not in the vocabulary; `suggestions` maps each to close spellings."""

    def __init__(self, words, suggestions: dict[str, list[str]] | None = None):
        self.words = list(words)
        self.suggestions = suggestions or {}
        bits = []
        for w in self.words:
            s = self.suggestions.get(w)
            bits.append(f"'{w}'" + (f" (did you mean: {', '.join(s)}?)" if s else ""))
        EmbedscopeError.__init__(self, "not in the vocabulary: " + "; ".join(bits))

    def __str__(self):  # KeyError would quote the message otherwise
        return self.args[0]


class ExportRefusedError(EmbedscopeError):
    """An export would overwrite something the user has, or has nothing to write."""


class SavedFileError(EmbeddingFormatError):
    """A recipe or session file that cannot be used: not JSON, a version this program does not
    know, or an entry of the wrong kind. `where` names the entry ("plan.sources[2]")."""


class SourceChangedError(EmbedscopeError):
    """A recipe or session names a source (or words file, corpus) whose bytes are not the ones
    it was made from; `differences` say which file and how."""

    def __init__(self, differences: list[str]):
        self.differences = list(differences)
        super().__init__("; ".join(self.differences))
