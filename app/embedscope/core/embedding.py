"""The Embedding: a matrix of V rows × D columns and the V words in row order.

This is the pair a user takes into transfer learning. Everything else in Embedscope reads it.
"""
from __future__ import annotations

import hashlib
import os
from dataclasses import dataclass, field
from functools import cached_property
from typing import Sequence

import numpy as np

from .subwords import Subwords


@dataclass
class ModelFolder:
    """What a model folder's reader chose and why: `info` shows it and `check` audits the
    table with it (rows past the tokenizer, special tokens, padding row, tied output)."""

    folder: str
    weights: list[str]                 # the files whose bytes make the table (index + shard)
    vocab_file: str
    config_file: str | None
    chosen_because: str                # why this tensor is the input-embedding table
    vocab_size: int                    # tokens the tokenizer knows (ids 0 … vocab_size - 1)
    config_vocab_size: int | None = None
    special_tokens: dict[str, int] = field(default_factory=dict)  # token → id
    pad_id: int | None = None          # from config.json, else the tokenizer's pad token
    tied_to: str | None = None         # the output tensor that holds the same values
    tied_because: str | None = None
    vocab_because: str = ""

    def to_dict(self) -> dict:
        return {"folder": self.folder, "weights": list(self.weights),
                "vocab_file": self.vocab_file, "config_file": self.config_file,
                "chosen_because": self.chosen_because, "vocab_because": self.vocab_because,
                "vocab_size": self.vocab_size, "config_vocab_size": self.config_vocab_size,
                "special_tokens": dict(self.special_tokens), "pad_id": self.pad_id,
                "tied_to": self.tied_to, "tied_because": self.tied_because}


@dataclass
class Source:
    """Where an embedding came from: the user sees this in `info`, manifests and the status bar."""

    path: str | None = None
    format: str = "memory"
    size: int = 0               # bytes on disk (0 when built in memory)
    mtime: float = 0.0
    vocab_path: str | None = None
    tensor: str | None = None   # checkpoint tensor name, when read from one
    # Whether the user named the words file / the tensor; else they were found by the reader
    # (the words file beside the matrix by name, the one tensor with a row per word).
    vocab_given: bool = False
    tensor_given: bool = False
    header: tuple[int, int] | None = None  # (rows, dim) a header claimed, when the file had one
    warnings: list[str] = field(default_factory=list)
    # The whole words file when its length differed from the matrix's rows and the load was
    # allowed to go on (load(..., allow_mismatch=True)); the check reports which end is off.
    words_in_file: list[str] | None = None
    body_rows: int | None = None  # rows actually found in a text body (vs. header's claim)
    # Which words sit on which rows when a fix re-paired them (core.pairing.Pairing); None
    # when word i sits on row i, as read.
    pairing: object | None = None
    load_seconds: float = 0.0
    from_cache: bool = False
    model: ModelFolder | None = None  # set when the source is a model folder
    # A native fastText model's character n-gram rows, which give words outside its
    # vocabulary a vector (None for every other format, and for a model opened from the cache).
    subwords: Subwords | None = None

    @cached_property
    def fingerprint(self) -> str:
        """A short id stable for the same file content, cheap even for a 3 GB file.

        Path, size and mtime plus a hash of the first and last MiB: caches keyed by it
        notice an edited file without rereading gigabytes.
        """
        h = hashlib.sha256()
        for part in (self.path, self.vocab_path, self.tensor, self.format):
            h.update(repr(part).encode())
        # A model folder's table lives in its weights files, not at `path` (the folder).
        weights = tuple(self.model.weights) if self.model is not None else ()
        for p in (self.path, self.vocab_path, *weights):
            if p and os.path.isfile(p):
                st = os.stat(p)
                h.update(f"{st.st_size}:{st.st_mtime_ns}".encode())
                with open(p, "rb") as f:
                    h.update(f.read(1 << 20))
                    if st.st_size > (2 << 20):
                        f.seek(-(1 << 20), os.SEEK_END)
                        h.update(f.read(1 << 20))
        return h.hexdigest()[:16]


def is_memory_mapped(a) -> bool:
    """Whether an array, or the buffer it views, is a memory-map of a file."""
    while a is not None:
        if isinstance(a, np.memmap) or type(a).__name__ == "mmap":
            return True
        a = getattr(a, "base", None)
    return False


def _first_occurrence(words) -> dict[str, int]:
    """Word → first row, iterating in row order. Built in C by dict.update(zip()) (several
    times faster than a Python loop on 400,000 words); only a list with duplicates, where
    update keeps the last row, takes the slow pass."""
    index: dict[str, int] = {}
    # In chunks: one dict(zip()) over 400,000 words holds Python's GIL for ~0.3 s, which
    # would stall the window while a background job builds the index.
    for s in range(0, len(words), 20_000):
        index.update(zip(words[s:s + 20_000], range(s, s + 20_000)))
    if len(index) < len(words):
        index = {}
        for i, w in enumerate(words):
            index.setdefault(w, i)
    return index


class Embedding:
    """Words and vectors, row i of `vectors` belonging to `words[i]`.

    `vectors` is float32 (V, D), memory-mapped where the source allows it; treat it as
    read-only. `attributes` holds per-word columns a file carried (Projector metadata).
    Duplicate words keep every row; `row(word)` finds the first occurrence, as gensim does.
    """

    def __init__(
        self,
        words: Sequence[str],
        vectors: np.ndarray,
        attributes: dict[str, list] | None = None,
        source: Source | None = None,
    ):
        vectors = np.asarray(vectors)
        if vectors.ndim != 2:
            raise ValueError(f"vectors must be 2-D, got shape {vectors.shape}")
        if vectors.dtype != np.float32:
            vectors = vectors.astype(np.float32)
        if len(words) != vectors.shape[0]:
            raise ValueError(f"{len(words)} words for {vectors.shape[0]} rows")
        self.words: list[str] = list(words)
        self.vectors: np.ndarray = vectors
        self.attributes: dict[str, list] = dict(attributes or {})
        self.source: Source = source or Source()

    # --- shape -------------------------------------------------------------------------
    @property
    def rows(self) -> int:
        return self.vectors.shape[0]

    @property
    def dim(self) -> int:
        return self.vectors.shape[1]

    def __len__(self) -> int:
        return self.rows

    def __repr__(self) -> str:
        name = os.path.basename(self.source.path) if self.source.path else "in memory"
        return f"<Embedding {name}: {self.rows} × {self.dim} ({self.source.format})>"

    @property
    def memory_mapped(self) -> bool:
        """Whether the vectors are read from disk on demand (an np.memmap or a view of an mmap)."""
        return is_memory_mapped(self.vectors)

    # --- words ---------------------------------------------------------------------------
    @cached_property
    def word_to_row(self) -> dict[str, int]:
        """Word → first row holding it (later duplicates are shadowed, as in gensim)."""
        return _first_occurrence(self.words)

    def __contains__(self, word: str) -> bool:
        return word in self.word_to_row

    def row(self, word: str) -> int:
        """Row of `word`; raises UnknownWordError with close spellings when absent."""
        try:
            return self.word_to_row[word]
        except KeyError:
            from .errors import UnknownWordError

            raise UnknownWordError([word], {word: self.suggest(word)}) from None

    def vector(self, word: str) -> np.ndarray:
        return self.vectors[self.row(word)]

    @cached_property
    def lower_to_row(self) -> dict[str, int]:
        """Lower-cased word → first row, for case-insensitive lookups and fallbacks."""
        return _first_occurrence([w.lower() for w in self.words])

    def suggest(self, word: str, n: int = 3) -> list[str]:
        """Close spellings of an unknown word, among the 50,000 most frequent words."""
        import difflib

        low = word.lower()
        if low in self.lower_to_row and self.words[self.lower_to_row[low]] != word:
            return [self.words[self.lower_to_row[low]]]
        pool = self.words[:50000]
        return difflib.get_close_matches(word, pool, n=n, cutoff=0.75)

    # --- derived matrices (computed once, kept) ---------------------------------------------
    @cached_property
    def norms(self) -> np.ndarray:
        """L2 norm of each row, float32 (computed in blocks so a memory-map is not copied)."""
        out = np.empty(self.rows, dtype=np.float32)
        step = 1 << 16
        for s in range(0, self.rows, step):
            block = np.asarray(self.vectors[s : s + step], dtype=np.float32)
            out[s : s + step] = np.sqrt(np.einsum("ij,ij->i", block, block))
        return out

    @cached_property
    def unit_vectors(self) -> np.ndarray:
        """Rows scaled to unit length (zero rows stay zero), float32, like gensim's
        `get_normed_vectors()`; used by cosine neighbours, analogies and checks."""
        norms = self.norms.copy()
        norms[norms == 0] = 1.0
        out = np.empty((self.rows, self.dim), dtype=np.float32)
        step = 1 << 16
        for s in range(0, self.rows, step):
            out[s : s + step] = self.vectors[s : s + step] / norms[s : s + step, None]
        return out

    # --- making new embeddings ---------------------------------------------------------------
    def take(self, rows, source: Source | None = None) -> "Embedding":
        """A new Embedding of the given rows (in the given order)."""
        rows = np.asarray(rows, dtype=np.int64)
        attrs = {k: [v[i] for i in rows] for k, v in self.attributes.items()}
        return Embedding([self.words[i] for i in rows], np.asarray(self.vectors[rows]), attrs,
                         source or self.source)
