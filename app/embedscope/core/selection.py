"""Gathering words: lasso and box masks on the map, and the selection a user builds up.

Shapes are given in data coordinates and turned into boolean masks with numpy (no matplotlib),
so a test can pass a polygon directly instead of dragging a mouse. The `Selection` keeps the
gathered rows in the order they were added, with where each came from (lasso, neighbours,
search, a words file, a corpus) and, for a corpus, how often the word occurred.
"""
from __future__ import annotations

from collections import Counter

import numpy as np

from .corpus import count_corpus
from .words import lookup


# --- shapes → masks ----------------------------------------------------------------------------
def rect_mask(points, rect) -> np.ndarray:
    """True for points inside the rectangle (x0, y0, x1, y1), corners in any order, edges in."""
    pts = np.asarray(points)
    x0, y0, x1, y1 = (float(v) for v in rect)
    x0, x1 = min(x0, x1), max(x0, x1)
    y0, y1 = min(y0, y1), max(y0, y1)
    x, y = pts[:, 0], pts[:, 1]
    return (x >= x0) & (x <= x1) & (y >= y0) & (y <= y1)


def polygon_mask(points, polygon) -> np.ndarray:
    """True for points inside a polygon (vertices (m, 2), closed implicitly), by the even-odd
    rule: a horizontal ray from the point crosses the outline an odd number of times.

    Vectorised over points, one pass per edge; only points inside the polygon's bounding box are
    tested, so a small lasso on 400,000 points costs little.
    """
    pts = np.asarray(points, dtype=np.float64)
    poly = np.asarray(polygon, dtype=np.float64)
    out = np.zeros(len(pts), dtype=bool)
    if poly.ndim != 2 or len(poly) < 3 or len(pts) == 0:
        return out
    poly = poly[:, :2]
    lo, hi = poly.min(axis=0), poly.max(axis=0)
    cand = np.flatnonzero((pts[:, 0] >= lo[0]) & (pts[:, 0] <= hi[0])
                          & (pts[:, 1] >= lo[1]) & (pts[:, 1] <= hi[1]))
    if len(cand) == 0:
        return out
    x, y = pts[cand, 0], pts[cand, 1]
    inside = np.zeros(len(cand), dtype=bool)
    xj, yj = poly[-1]
    for xi, yi in poly:
        if yi != yj:  # horizontal edges never cross a horizontal ray
            crosses = (yi > y) != (yj > y)
            x_at = xi + (y - yi) * (xj - xi) / (yj - yi)
            inside ^= crosses & (x < x_at)
        xj, yj = xi, yi
    out[cand] = inside
    return out


# --- the selection ----------------------------------------------------------------------------
class Selection:
    """An ordered set of rows of one embedding, each remembering where it came from."""

    def __init__(self):
        self._origin: dict[int, str] = {}   # row → origin, insertion-ordered
        self.counts: dict[int, int] = {}    # row → occurrences, for words gathered from a corpus

    def __len__(self) -> int:
        return len(self._origin)

    def __contains__(self, row) -> bool:
        return int(row) in self._origin

    @property
    def rows(self) -> np.ndarray:
        return np.fromiter(self._origin, dtype=np.int64, count=len(self._origin))

    def origin(self, row: int) -> str:
        return self._origin[int(row)]

    def add(self, rows, origin: str, counts=None) -> int:
        """Add rows (a mask or indices); returns how many were new. Rows already present keep
        their first origin; corpus counts add up."""
        rows = np.asarray(rows)
        if rows.dtype == bool:
            rows = np.flatnonzero(rows)
        added = 0
        for i, r in enumerate(rows.tolist()):
            if r not in self._origin:
                self._origin[r] = origin
                added += 1
            if counts is not None:
                self.counts[r] = self.counts.get(r, 0) + int(counts[i])
        return added

    def replace(self, rows, origin: str) -> None:
        self.clear()
        self.add(rows, origin)

    def remove(self, rows) -> int:
        n = 0
        for r in np.asarray(rows, dtype=np.int64).ravel().tolist():
            if self._origin.pop(r, None) is not None:
                n += 1
            self.counts.pop(r, None)
        return n

    def clear(self) -> None:
        self._origin.clear()
        self.counts.clear()

    def mask(self, n_rows: int) -> np.ndarray:
        m = np.zeros(n_rows, dtype=bool)
        if self._origin:
            m[self.rows] = True
        return m

    def by_origin(self) -> dict[str, int]:
        """How many rows came from each origin, e.g. {"lasso": 120, "neighbours": 10}."""
        return dict(Counter(self._origin.values()))

    def words(self, emb) -> list[str]:
        return [emb.words[r] for r in self._origin]


# --- corpora -------------------------------------------------------------------------------------
def corpus_words(emb, path, min_count: int = 1, progress=None, should_stop=None
                 ) -> tuple[np.ndarray, np.ndarray, int]:
    """The vocabulary words a text corpus uses: (rows, occurrences, tokens not in vocabulary),
    most frequent first.

    Tokenised and looked up as an export's corpus source is (`core.corpus`, the default
    "words" tokeniser; `core.words.lookup` with case fallback), so both choose the same words
    from the same file. Tokens that find the same row ("The", "the") add up.
    """
    counts = count_corpus(path, progress=progress, should_stop=should_stop)
    tokens = list(counts.counts)
    rows, _ = lookup(emb, tokens)
    by_row: Counter = Counter()
    oov = 0
    for r, c in zip(rows.tolist(), counts.counts.values()):
        if r < 0:
            oov += c
        else:
            by_row[r] += c
    items = [(r, c) for r, c in by_row.most_common() if c >= min_count]
    return (np.asarray([r for r, _ in items], dtype=np.int64),
            np.asarray([c for _, c in items], dtype=np.int64), oov)
