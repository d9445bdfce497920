"""Compare two embeddings of (partly) the same words: what fine-tuning moved, where two
pretrained sets disagree.

Rows are matched by word over the shared vocabulary. Per word we give the cosine between its
vector in A and in B (after an optional orthogonal Procrustes alignment of A onto B) and the
overlap (Jaccard) of its k nearest neighbours in A and in B — the measure people understand
(Boggust et al., "Embedding Comparator", 2022).

Neighbourhoods are computed within a *universe*: the `sample` most frequent shared words
(A's row order), 10,000 by default, as the Embedding Comparator does. Searching all 400,000 words
for each of them would cost ~100× more and mostly adds rare words nobody reads.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from functools import cached_property

import numpy as np

from .embedding import Embedding
from .errors import EmbedscopeError, UnknownWordError
from .jobs import Job


class CompareError(EmbedscopeError):
    """The two embeddings cannot be compared as asked (no shared words, dimensions differ)."""


@dataclass
class Mover:
    word: str
    cosine: float
    overlap: float | None  # None when the word is outside the neighbourhood universe


@dataclass
class Comparison:
    """Everything `compare()` found; arrays are indexed like `shared`."""

    shared: list[str]               # shared words, in A's row order
    rows_a: np.ndarray              # row of each shared word in A
    rows_b: np.ndarray              # row of each shared word in B
    only_a: list[str]
    only_b: list[str]
    align: str                      # "none" or "procrustes"
    residual: float | None          # Procrustes: mean squared distance of aligned unit vectors
    cosine: np.ndarray              # per shared word, float32
    overlap: np.ndarray             # per shared word, float32; NaN outside the universe
    k: int
    universe: int                   # how many shared words the neighbourhoods were computed in
    rotation: np.ndarray | None = field(default=None, repr=False)

    @cached_property
    def index_of_word(self) -> dict[str, int]:
        """Position in `shared` of each shared word."""
        return {w: i for i, w in enumerate(self.shared)}

    @property
    def median_cosine(self) -> float:
        return float(np.median(self.cosine)) if len(self.cosine) else float("nan")

    @property
    def median_overlap(self) -> float:
        ov = self.overlap[~np.isnan(self.overlap)]
        return float(np.median(ov)) if len(ov) else float("nan")

    @property
    def kept_half(self) -> float:
        """Share of words whose neighbourhood kept at least half its members (|A∩B| ≥ k/2)."""
        ov = self.overlap[~np.isnan(self.overlap)]
        if not len(ov):
            return float("nan")
        # Jaccard j of two k-sets sharing m members: j = m / (2k - m)  =>  m = 2kj / (1 + j)
        shared_members = 2 * self.k * ov / (1 + ov)
        return float(np.mean(shared_members >= self.k / 2 - 1e-6))

    def movers(self, n: int = 20, most: bool = True, by: str = "cosine") -> list[Mover]:
        """The n words that moved most (or least): by lowest cosine, or lowest overlap
        (words outside the universe are left out when ranking by overlap)."""
        if by == "overlap":
            idx = np.flatnonzero(~np.isnan(self.overlap))
            key = self.overlap[idx] + 1e-3 * self.cosine[idx]  # ties: lower cosine first
        else:
            idx = np.arange(len(self.shared))
            ov = np.where(np.isnan(self.overlap), 1.0, self.overlap)
            key = self.cosine + 1e-6 * ov[idx]
        order = idx[np.argsort(key if most else -key, kind="stable")][:n]
        return [self.mover(int(i)) for i in order]

    def mover(self, i: int) -> Mover:
        ov = self.overlap[i]
        return Mover(self.shared[i], float(self.cosine[i]), None if np.isnan(ov) else float(ov))

    def to_dict(self, n_movers: int = 20) -> dict:
        def num(x):
            return None if x is None or (isinstance(x, float) and np.isnan(x)) else round(x, 6)

        return {
            "shared": len(self.shared),
            "only_a": len(self.only_a),
            "only_b": len(self.only_b),
            "align": self.align,
            "residual": num(self.residual),
            "k": self.k,
            "universe": self.universe,
            "median_cosine": num(self.median_cosine),
            "median_overlap": num(self.median_overlap),
            "kept_half_share": num(self.kept_half),
            "movers": [{"word": m.word, "cosine": num(m.cosine), "overlap": num(m.overlap)}
                       for m in self.movers(n_movers)],
        }


def shared_vocabulary(a: Embedding, b: Embedding):
    """(shared words in A's order, their rows in A, rows in B, words only in A, only in B)."""
    if a.words == b.words and len(a.word_to_row) == a.rows:
        # the common case after fine-tuning: the very same vocabulary, row for row
        rows = np.arange(a.rows, dtype=np.int64)
        return list(a.words), rows, rows, [], []
    b_index = b.word_to_row
    words, ra, rb = [], [], []
    for w, i in a.word_to_row.items():  # first occurrence of each word, in A's row order
        j = b_index.get(w)
        if j is not None:
            words.append(w)
            ra.append(i)
            rb.append(j)
    a_index = a.word_to_row
    only_a = [w for w in a.word_to_row if w not in b_index]
    only_b = [w for w in b.word_to_row if w not in a_index]
    return words, np.asarray(ra, np.int64), np.asarray(rb, np.int64), only_a, only_b


def procrustes(xa: np.ndarray, xb: np.ndarray) -> np.ndarray:
    """The orthogonal map R minimising ||xa R - xb|| (Schönemann 1966): R = U Vᵀ from
    svd(xaᵀ xb). With different dimensions R is semi-orthogonal (Da × Db)."""
    m = xa.T.astype(np.float64) @ xb.astype(np.float64)
    u, _, vt = np.linalg.svd(m, full_matrices=False)
    return (u @ vt).astype(np.float32)


def _unit(x: np.ndarray) -> np.ndarray:
    n = np.linalg.norm(x, axis=1, keepdims=True)
    n[n == 0] = 1
    return (x / n).astype(np.float32)


def top_k_within(x: np.ndarray, k: int, job: Job, start: float, end: float) -> np.ndarray:
    """Indices of each row's k nearest rows of unit matrix x by cosine, itself excluded."""
    n = x.shape[0]
    k = min(k, n - 1)
    out = np.empty((n, k), dtype=np.int64)
    xt = np.ascontiguousarray(x.T)  # contiguous right operand: sgemm runs ~2x faster
    block = 512
    for s in range(0, n, block):
        e = min(n, s + block)
        scores = x[s:e] @ xt
        scores[np.arange(e - s), np.arange(s, e)] = -np.inf
        # Partition for the k largest directly: negating first makes numpy's introselect
        # ~25x slower on 512 x 10,000 blocks.
        part = np.argpartition(scores, -k, axis=1)[:, -k:]
        out[s:e] = part
        job.step(int(1000 * (start + (end - start) * e / n)), 1000, "neighbourhoods")
    return out


def jaccard_rows(na: np.ndarray, nb: np.ndarray) -> np.ndarray:
    """Jaccard overlap of corresponding rows of two (n, k) index arrays."""
    n, k = na.shape
    both = np.concatenate([na, nb], axis=1)
    both.sort(axis=1)
    # members present in both sets appear twice in the sorted concatenation
    common = (both[:, 1:] == both[:, :-1]).sum(axis=1)
    return (common / (2 * k - common)).astype(np.float32)


def compare(
    a: Embedding,
    b: Embedding,
    align: str = "none",
    k: int = 10,
    sample: int | None = 10_000,
    progress=None,
    should_stop=None,
) -> Comparison:
    """Compare A with B over their shared words.

    `align="procrustes"` rotates A onto B (fitted on all shared words' unit vectors) before
    per-word cosines; neighbourhoods are rotation-invariant, so overlaps do not depend on it.
    `sample` limits the neighbourhood universe to that many most frequent shared words
    (None or 0: all shared words — slow for hundreds of thousands).
    """
    if align not in ("none", "procrustes"):
        raise CompareError(f"unknown alignment '{align}' (expected none or procrustes)")
    job = Job(progress, should_stop)
    job.step(0, 1000, "matching words")
    words, ra, rb, only_a, only_b = shared_vocabulary(a, b)
    if not words:
        raise CompareError("the two embeddings share no words")
    if align == "none" and a.dim != b.dim:
        raise CompareError(
            f"A has {a.dim} dimensions and B {b.dim}: vectors of different spaces can only be "
            "compared after alignment (use --align procrustes)")
    identity = len(ra) == a.rows == b.rows and ra[-1] == len(ra) - 1 and np.array_equal(ra, rb)
    ua = a.unit_vectors if identity else a.unit_vectors[ra]  # no 2 × V × D copy when aligned
    ub = b.unit_vectors if identity else b.unit_vectors[rb]
    job.step(100, 1000, "aligning")
    rotation, residual = None, None
    if align == "procrustes":
        rotation = procrustes(ua, ub)
        ua = _unit(ua @ rotation)
        residual = float(np.mean(np.sum((ua - ub) ** 2, axis=1)))
    cosine = np.einsum("ij,ij->i", ua, ub).astype(np.float32)
    np.clip(cosine, -1.0, 1.0, out=cosine)
    job.step(200, 1000, "neighbourhoods")
    universe = len(words) if not sample else min(int(sample), len(words))
    overlap = np.full(len(words), np.nan, dtype=np.float32)
    if universe >= 2:
        na = top_k_within(ua[:universe], k, job, 0.2, 0.6)
        nb = top_k_within(ub[:universe], k, job, 0.6, 1.0)
        overlap[:universe] = jaccard_rows(na, nb)
    job.report(1000, 1000, "done")
    return Comparison(words, ra, rb, only_a, only_b, align, residual, cosine, overlap,
                      min(k, max(universe - 1, 0)), universe, rotation)


def _is_every_row(rows: np.ndarray, n: int) -> bool:
    """Whether `rows` is 0, 1, …, n-1: the shared words are the whole matrix, in order."""
    return len(rows) == n and (n == 0 or rows[-1] == n - 1) and np.array_equal(rows, np.arange(n))


def side_by_side(comparison: Comparison, a: Embedding, b: Embedding, word: str, k: int = 10):
    """A word's k nearest shared words in A and in B, by cosine: (list_a, list_b, words in
    both), each list [(word, cosine), …] best first and never holding the word itself.

    Neighbours are looked for among the shared words only, so the two lists are comparable;
    when the shared words are a whole matrix in row order it is used as it is (no copy of
    hundreds of thousands of rows per word)."""
    i = comparison.index_of_word.get(word)
    if i is None:
        raise UnknownWordError([word])
    lists = []
    for emb, rows in ((a, comparison.rows_a), (b, comparison.rows_b)):
        u = emb.unit_vectors
        scores = u @ u[rows[i]] if _is_every_row(rows, emb.rows) else u[rows] @ u[rows[i]]
        scores[i] = -np.inf
        n = min(k, len(scores) - 1)
        if n <= 0:
            lists.append([])
            continue
        top = np.argpartition(-scores, n - 1)[:n]
        top = top[np.argsort(-scores[top], kind="stable")]
        lists.append([(comparison.shared[j], float(scores[j])) for j in top])
    common = {w for w, _ in lists[0]} & {w for w, _ in lists[1]}
    return lists[0], lists[1], common
