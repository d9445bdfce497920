"""How the words were paired with the rows, and the fixes that re-pair them.

A `Pairing` says which stretch of the words file sits on which stretch of the matrix: word
`words_from + i` of the file is on row `rows_from + i`, for `count` pairs. Everything computed
from an embedding and kept (maps on disk, search copies, indexes) is keyed by
`pairing_key(emb)`, the file's fingerprint plus this pairing, so a re-paired embedding never
reuses what was computed for the old one.

The fixes (`FIXES`) are the repairs the alignment check can propose; each returns a new
Embedding with its own pairing and leaves the files alone. The window's buttons and the CLI's
flags (`--drop-unpaired-rows`, `--drop-extra-words`, `--skip-header-line`, `--fix-shift`) are
built from this table.
"""
from __future__ import annotations

import dataclasses
import hashlib
import os
from dataclasses import dataclass
from typing import Callable

import numpy as np

from .embedding import Embedding


@dataclass(frozen=True)
class Pairing:
    """Word `words_from + i` of the words file is paired with row `rows_from + i`, for `count`
    pairs (None: as many as were read). `fixes` says in the user's words what was done."""

    words_from: int = 0
    rows_from: int = 0
    count: int | None = None
    fixes: tuple[str, ...] = ()

    @property
    def as_read(self) -> bool:
        """Whether word i sits on row i, as the files were read (no re-pairing)."""
        return self.words_from == 0 and self.rows_from == 0


def pairing_of(emb: Embedding) -> Pairing:
    return emb.source.pairing or Pairing(count=emb.rows)


def pairing_key(emb: Embedding) -> str:
    """The identity of what an embedding pairs: the file's fingerprint, plus where the words
    and rows start when a fix moved them. Two embeddings with the same key have the same
    vector for every row index, so whatever was computed for one holds for the other."""
    fp = emb.source.fingerprint
    p = pairing_of(emb)
    if p.as_read:
        return fp
    h = hashlib.sha256(f"{fp}:{p.words_from}:{p.rows_from}".encode())
    return f"{fp[:8]}{h.hexdigest()[:8]}"


def full_vectors(emb: Embedding) -> np.ndarray:
    """The whole matrix behind `emb.vectors`. A load that went on despite a words file
    shorter than the matrix (load(..., allow_mismatch=True)) cut the matrix to the words; the
    cut is a view, so the rows without a word are still found behind it."""
    v = emb.vectors
    if emb.source.words_in_file is None or len(emb.source.words_in_file) != emb.rows:
        return v
    start = v.__array_interface__["data"][0]
    a = getattr(v, "base", None)
    while isinstance(a, np.ndarray):
        if (a.ndim == 2 and a.shape[1] == v.shape[1] and a.shape[0] > v.shape[0]
                and a.__array_interface__["data"][0] == start and a.dtype == v.dtype):
            v = a
        a = a.base
    return v


def _words_in_file(emb: Embedding) -> list[str]:
    w = emb.source.words_in_file
    return list(w) if w is not None else emb.words


def repair(emb: Embedding, words_from: int, rows_from: int, note: str) -> Embedding:
    """`emb` with word `words_from + i` of its words file paired with row `rows_from + i` of
    its matrix, as many pairs as both have; a new Embedding (the vectors stay a view)."""
    words = _words_in_file(emb)
    vectors = full_vectors(emb)
    n = min(len(words) - words_from, vectors.shape[0] - rows_from)
    if n <= 0:
        raise ValueError(f"moving the words by {rows_from - words_from:+d} leaves no row "
                         "paired with a word")
    full_attrs = emb.source.words_in_file is None
    attrs = ({k: list(v[words_from:words_from + n]) for k, v in emb.attributes.items()}
             if full_attrs else {})
    old = pairing_of(emb)
    pairing = Pairing(old.words_from + words_from, old.rows_from + rows_from, n,
                      old.fixes + (note,))
    src = dataclasses.replace(emb.source, warnings=list(emb.source.warnings) + [note],
                              words_in_file=None, pairing=pairing)
    return Embedding(words[words_from:words_from + n], vectors[rows_from:rows_from + n], attrs,
                     src)


def _plural(n: int, one: str, many: str | None = None) -> str:
    return f"{n:,} {one if n == 1 else (many or one + 's')}"


def drop_unpaired_rows(emb: Embedding, offset: int = 0) -> Embedding:
    """Leave out the rows at the end of the matrix that have no word."""
    words, rows = len(_words_in_file(emb)), full_vectors(emb).shape[0]
    return repair(emb, 0, 0, f"left out the last {_plural(max(0, rows - words), 'row')}, "
                  "which had no word" if rows > words else "no row was without a word")


def drop_extra_words(emb: Embedding, offset: int = 0) -> Embedding:
    """Leave out the words at the end of the words file that have no row."""
    words, rows = len(_words_in_file(emb)), full_vectors(emb).shape[0]
    return repair(emb, 0, 0, f"left out the last {_plural(max(0, words - rows), 'word')} of the "
                  "words file, which had no row" if words > rows else "no word was without a row")


def skip_header_line(emb: Embedding, offset: int = 0) -> Embedding:
    """Skip the words file's first line (a header line such as "400000 50" read as a word)."""
    first = _words_in_file(emb)[0] if _words_in_file(emb) else ""
    return repair(emb, 1, 0, f"skipped the words file's first line '{first}', a header line, "
                  "not a word")


def move_words(emb: Embedding, offset: int) -> Embedding:
    """Pair word i with row i + offset (offset > 0: the words list lacks lines at its top;
    < 0: it has extra lines there). Words and rows that fall off the ends are left out."""
    offset = int(offset)
    if offset == 0:
        return repair(emb, 0, 0, "the words were not moved")
    lines = _plural(abs(offset), "line")
    note = (f"the words moved by {offset:+d} ({lines} {'down' if offset > 0 else 'up'}): word i "
            f"now sits on row i{offset:+d}")
    return repair(emb, max(0, -offset), max(0, offset), note)


@dataclass(frozen=True)
class Fix:
    """A repair the check can propose: `name` is the CLI flag without its dashes, `button`
    what the window's button says, `apply(emb, offset)` returns the re-paired Embedding
    (`offset` matters only for moving the words)."""

    name: str
    button: str
    help: str
    apply: Callable[[Embedding, int], Embedding]

    def button_text(self, offset: int = 0) -> str:
        if self.name != "fix-shift":
            return self.button
        return (f"Move the words down {_plural(abs(offset), 'line')}" if offset > 0
                else f"Move the words up {_plural(abs(offset), 'line')}")


FIXES: dict[str, Fix] = {f.name: f for f in (
    Fix("drop-unpaired-rows", "Leave out the rows without a word",
        "when the words file is shorter than the matrix, leave out the rows at its end that "
        "have no word", drop_unpaired_rows),
    Fix("drop-extra-words", "Leave out the words without a row",
        "when the words file is longer than the matrix, leave out the words at its end that "
        "have no row", drop_extra_words),
    Fix("skip-header-line", "Skip the header line",
        "skip the words file's first line (a header such as '400000 50' read as a word)",
        skip_header_line),
    Fix("fix-shift", "Move the words",
        "if the words look a few lines out of step with the rows (see 'embedscope check'), "
        "move them so each sits on its own vector", move_words),
)}


def apply_fix(emb: Embedding, name: str, offset: int = 0) -> Embedding:
    """Apply the fix called `name` (a key of FIXES) for this session; no file is written."""
    return FIXES[name].apply(emb, int(offset))


def corrected_words(emb: Embedding) -> list[str]:
    """The words file a fixed embedding implies, line i for row i of the matrix: what to save so
    the matrix and the words line up without a fix. Rows a fix left out at the top (the words
    moved down) get a placeholder line naming the row, so every later line stays on its row;
    rows left out at the end get no line."""
    p = pairing_of(emb)
    return [f"<no-word-row-{r}>" for r in range(p.rows_from)] + list(emb.words)


def words_file_note(emb: Embedding) -> str:
    """Which words file the embedding uses, and how it was picked, in the user's words."""
    src = emb.source
    if not src.vocab_path:
        return "words from the file itself"
    name = os.path.basename(src.vocab_path)
    if src.vocab_given:
        return f"words from {name}"
    if src.model is not None and src.model.vocab_because:
        return f"words from {name} ({src.model.vocab_because})"
    return f"words from {name} (found beside the matrix by its name)"


def tensor_note(emb: Embedding) -> str:
    """Which checkpoint tensor holds the vectors, and why it was taken; '' for other files."""
    src = emb.source
    if not src.tensor:
        return ""
    if src.tensor_given:
        return f"tensor {src.tensor} (your choice)"
    if src.model is not None and src.model.chosen_because:
        return f"tensor {src.tensor} ({src.model.chosen_because})"
    return f"tensor {src.tensor} (the only matrix with one row per word)"
