"""Tokenise and count a text corpus, fast, so an export can keep the words a model will meet.

The one tokeniser: an export's corpus source and the selection dock's "From corpus…" both count
with it, so they choose the same words from the same file.

Two tokenisers, both documented in `embedscope export --help` and written into the manifest:

- "words" (the default): a word is a run of letters, digits or underscores, with inner
  apostrophes or hyphens kept ("don't", "e-mail", "1990s"); every other character that is not
  white space is a token of its own (",", ".", "$"). This splits punctuation off words the way
  GloVe's and word2vec's vocabularies do, so "end." counts as "end" and ".".
- "whitespace": tokens are what `str.split()` gives, nothing removed.

Speed: the text is read line by line (capped at 1 M characters per read) and split on white
space with `str.split` + `Counter` (both in C); the "words" regex then runs once per *distinct*
piece, not per occurrence, which gives exactly the same counts (no token spans white space) at
almost the cost of a plain split.
"""
from __future__ import annotations

import os
import re
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

from .errors import EmbeddingFormatError
from .jobs import Job

TOKENIZERS = {
    "words": r"\w+(?:[-'’]\w+)*|[^\w\s]",
    "whitespace": None,
}
TOKENIZER_HELP = {
    "words": "letters/digits/underscore runs (inner ' and - kept), each other non-space "
             "character a token of its own",
    "whitespace": "split on white space only",
}

LINE_CAP = 1 << 20  # characters per read at most


@dataclass
class CorpusCounts:
    """How often each token occurs in a corpus, with how it was tokenised.

    `counts` maps token → occurrences; `tokens` is the total number of tokens. The fields
    (path, size, mtime, tokenizer, lowercase) say what the counts are of, so a caller can pass
    counts computed once to every preview while the user changes other options.
    """

    counts: dict[str, int]
    tokens: int
    path: str | None = None
    size: int = 0
    mtime: float = 0.0
    tokenizer: str = "words"
    lowercase: bool = False
    warnings: list[str] = field(default_factory=list)

    def most_common(self, n: int | None = None) -> list[tuple[str, int]]:
        """Tokens by descending count; ties keep the order they were first met."""
        items = sorted(self.counts.items(), key=lambda kv: -kv[1])
        return items if n is None else items[:n]

    def matches(self, path, tokenizer: str, lowercase: bool) -> bool:
        """True when these counts are of this file as it is now, tokenised this way."""
        try:
            st = os.stat(path)
        except OSError:
            return False
        return (self.path == str(Path(path).resolve()) and self.size == st.st_size
                and self.mtime == st.st_mtime and self.tokenizer == tokenizer
                and self.lowercase == lowercase)


def tokenize(text: str, tokenizer: str = "words", lowercase: bool = False) -> list[str]:
    """The tokens of a short text, by the same rules `count_corpus` uses (for mapping a
    sentence, and for tests)."""
    _check_tokenizer(tokenizer)
    if lowercase:
        text = text.lower()
    pattern = TOKENIZERS[tokenizer]
    return text.split() if pattern is None else re.findall(pattern, text)


def _check_tokenizer(tokenizer: str) -> None:
    if tokenizer not in TOKENIZERS:
        raise ValueError(f"unknown tokenizer '{tokenizer}' "
                         f"(expected one of {', '.join(TOKENIZERS)})")


def count_corpus(path, tokenizer: str = "words", lowercase: bool = False,
                 progress=None, should_stop=None) -> CorpusCounts:
    """Count the tokens of a UTF-8 text file (any size; read in chunks).

    Undecodable bytes become U+FFFD and are reported in `warnings`. Raises
    EmbeddingFormatError when the file cannot be opened; Cancelled when asked to stop.
    """
    _check_tokenizer(tokenizer)
    job = Job(progress, should_stop)
    path = Path(path)
    try:
        st = os.stat(path)
        if path.is_dir():
            raise EmbeddingFormatError(path, None, "is a folder", "a text file (the corpus)")
        fh = open(path, encoding="utf-8", errors="replace", newline="")
    except FileNotFoundError:
        raise EmbeddingFormatError(path, None, "no such file", "a text file (the corpus)") from None
    except PermissionError:
        raise EmbeddingFormatError(path, None, "cannot be read (permission denied)") from None
    pieces: Counter = Counter()
    total = st.st_size
    done_chars = 0
    carry = ""
    update = pieces.update
    job.step(0, total, "counting words")
    with fh:
        # Line by line (each read capped, so a file without line breaks still streams):
        # many small lists keep Counter's work in cache, measurably faster than big chunks.
        for n, line in enumerate(iter(lambda: fh.readline(LINE_CAP), "")):
            if carry:
                line = carry + line
                carry = ""
            if len(line) >= LINE_CAP and not line[-1].isspace():
                # A capped read may end inside a word: keep the tail for the next read.
                cut = len(line) - len(line.split()[-1]) if line.split() else len(line)
                carry = line[cut:]
                line = line[:cut]
            update(line.split())
            done_chars += len(line)
            if not n & 0x3FFF:
                job.step(min(done_chars, total), total, "counting words")
        if carry:
            update(carry.split())
    counts, tokens = _tokenize_pieces(pieces, tokenizer, lowercase)
    warnings = []
    bad = sum(c for t, c in counts.items() if "\ufffd" in t)
    if bad:
        warnings.append(f"{path.name}: {bad:,} tokens held bytes that are not valid UTF-8 "
                        "(replaced by \ufffd)")
    job.report(total, total, "counted")
    return CorpusCounts(counts=counts, tokens=tokens, path=str(path.resolve()), size=st.st_size,
                        mtime=st.st_mtime, tokenizer=tokenizer, lowercase=lowercase,
                        warnings=warnings)


def count_text(text: str, tokenizer: str = "words", lowercase: bool = False) -> CorpusCounts:
    """Counts of an in-memory text (a pasted sample, a test)."""
    _check_tokenizer(tokenizer)
    counts, tokens = _tokenize_pieces(Counter(text.split()), tokenizer, lowercase)
    return CorpusCounts(counts=counts, tokens=tokens, tokenizer=tokenizer, lowercase=lowercase)


def _tokenize_pieces(pieces: Counter, tokenizer: str,
                     lowercase: bool) -> tuple[dict[str, int], int]:
    """Turn counts of white-space pieces into counts of tokens, ordered by descending count."""
    pattern = TOKENIZERS[tokenizer]
    if pattern is None and not lowercase:
        out = pieces
    else:
        rx = re.compile(pattern) if pattern is not None else None
        out: Counter = Counter()
        for piece, n in pieces.items():
            if lowercase:
                piece = piece.lower()
            if rx is None:
                out[piece] += n
                continue
            toks = rx.findall(piece)
            if len(toks) == 1:
                out[toks[0]] += n
            else:
                for t in toks:
                    out[t] += n
    ordered = dict(sorted(out.items(), key=lambda kv: -kv[1]))
    return ordered, sum(ordered.values())
