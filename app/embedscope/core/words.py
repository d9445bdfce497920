"""Looking words up in an embedding: as written, then by case fallback.

The one lookup behind the export's word sources, the selection dock, `project --words` and the
window's word box, so the same word finds the same row everywhere.
"""
from __future__ import annotations

import weakref

import numpy as np


def lookup(emb, words, case_fallback: bool = True) -> tuple[np.ndarray, dict[str, str]]:
    """Rows of `words` (-1 when missing) and {asked: found} for those found by case fallback.

    The fallback tries the word lowercased, then any word that lowercases to the same
    ("paris" finds "Paris" in a cased embedding); the first such row wins.
    """
    exact = emb.word_to_row
    get = exact.get
    rows = np.fromiter((get(w, -1) for w in words), dtype=np.int64, count=len(words))
    fallback: dict[str, str] = {}
    if not case_fallback:
        return rows, fallback
    cased = None
    for i in np.flatnonzero(rows < 0):
        w = words[i]
        low = w.lower()
        r = get(low)
        if r is None:
            # The usual other spellings first (one dict probe each), then, for an embedding
            # that has cased words at all, every word that lowercases the same.
            for variant in (low.capitalize(), low.upper(), low.title()):
                r = get(variant)
                if r is not None:
                    break
        if r is None:
            if cased is None:
                cased = _cased_index(emb)
            r = cased.get(low)
        if r is not None:
            rows[i] = r
            fallback[w] = emb.words[r]
    return rows, fallback


def row_of(emb, word: str) -> int | None:
    """Row of one word (as written, then by case fallback), or None."""
    r = int(lookup(emb, [word])[0][0])
    return r if r >= 0 else None


def rows_of(emb, words) -> tuple[np.ndarray, list[str]]:
    """Rows of the words found (by case fallback too), each row once, in the order given, and
    the words not found, each once."""
    words = list(dict.fromkeys(words))
    rows, _ = lookup(emb, words)
    found = rows[rows >= 0]
    _, first = np.unique(found, return_index=True)
    missing = [w for w, r in zip(words, rows.tolist()) if r < 0]
    return found[np.sort(first)], missing


_CASED: "weakref.WeakKeyDictionary" = weakref.WeakKeyDictionary()


def _cased_index(emb) -> dict[str, int]:
    """Lowercased form → first row, over only the words that are not already lowercase.

    A word whose lowercase form is itself in the vocabulary was found by the plain lookup, so
    this smaller index is all the any-case fallback needs (cheaper than `emb.lower_to_row`)."""
    hit = _CASED.get(emb)
    if hit is None:
        hit = {}
        # A lowercased embedding (GloVe 6B, most fastText wiki sets) shows no capital letter
        # among its first 10,000 words; scanning all its rows would find nothing.
        head = emb.words[:10000]
        if not any(w != w.lower() for w in head) and len(emb.words) > len(head):
            _CASED[emb] = hit
            return hit
        for i, w in enumerate(emb.words):
            if not w.islower():
                low = w.lower()
                if low != w:
                    hit.setdefault(low, i)
        _CASED[emb] = hit
    return hit
