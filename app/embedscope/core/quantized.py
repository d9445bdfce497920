"""A 4-bit copy of the unit rows, turned onto their principal axes, that bounds every row's
cosine so that a search scores only a few hundred rows exactly.

A single query against 400,000 × 50 float32 rows reads 80 MB; the scores themselves are cheap.
This copy keeps each rotated unit row as 4-bit codes, one scale per axis (the codes of 50
dimensions take 24 bytes, an eighth of the row), plus the length the row lost to rounding. For
a unit query q on the same axes, with the per-axis scales folded into it and the result rounded
to signed bytes w (rounding error δ), a row with codes c has

    estimate  = scale · Σ c·w
    |cosine − estimate| ≤ row's rounding length + max|c|·|δ| + the uncoded axes' share

(Cauchy–Schwarz on each error). The sums are integers: on CPUs with VNNI one instruction forms
64 of the products, with AVX2 two (core/quantized_kernels.py).

A search (neighbours._cosine_pruned) makes two passes. The first streams through the copy and
keeps, per chunk of 16 rows, an upper bound of all its rows (largest estimate + largest error
length), and notes the chunks with the best estimates. Their rows are scored exactly: the k-th
best of those scores is a value the true k-th best cosine reaches. The second pass reads only
the chunks whose bound reaches that value and keeps their rows whose own bound does; those are
scored exactly. The answer is the exact one, after reading about an eighth of the matrix once.

Needs numba (imported when the copy is first built) and a CPU with AVX2 or VNNI;
`available()` says whether both are there (never with EMBEDSCOPE_PLAIN, see core/compiled.py).
"""
from __future__ import annotations

from typing import NamedTuple

import numpy as np

from . import compiled
from .quantized_layout import ROWS

_ROW_BLOCK = 1 << 16
# Slack for float32 rounding, in the estimates and between unit rows and gensim's raw-row scores.
_ROUNDING = 1e-4
_LEVELS = 7      # codes −8..7, scaled so that 99.9 % of each axis's values fit in ±7.5 steps


def available() -> bool:
    """Whether a search can use the copy: numba is there and this CPU runs an instruction form
    of the sums (core/quantized_kernels.py) — the plain loops would be slower than no copy."""
    k = compiled.kernels("quantized_kernels")
    return k is not None and k.WIDTH > 0


class QueryCodes(NamedTuple):
    """A unit query in the copy's terms: signed bytes (as int32 words for the instruction form),
    the integer offset of the +8 stored codes, the scale back to cosines and the query's
    share of the error bound."""

    words: np.ndarray
    bias: int
    scale: float
    slack: float


class QuantizedRows:
    """The 4-bit rotated copy of an embedding's unit rows (see the module docstring)."""

    def __init__(self, vectors, norms: np.ndarray, seed: int = 0):
        V, D = vectors.shape
        self.rows = V
        self.planes = D // 8
        coded = 8 * self.planes
        safe = norms.astype(np.float32, copy=True)
        safe[~(safe > 0) | ~np.isfinite(safe)] = 1.0  # zero, NaN and infinite rows
        rng = np.random.default_rng(seed)
        sample = np.sort(rng.choice(V, size=min(V, 50_000), replace=False))
        S = np.asarray(vectors[sample], dtype=np.float32) / safe[sample, None]
        S = S[np.isfinite(S).all(axis=1) & (np.abs(S).sum(axis=1) > 0)]
        # Any orthonormal axes keep the bounds true; principal ones keep them narrow, and a
        # float32 product is close enough to find them.
        _, axes = np.linalg.eigh((S.T @ S).astype(np.float64))
        self.rotation = np.ascontiguousarray(axes[:, ::-1], dtype=np.float32)
        top = np.percentile(np.abs(S @ self.rotation[:, :coded]), 99.9, axis=0)
        self.axis_scale = np.where(top > 0, top / _LEVELS, 1.0)
        chunks = -(-V // ROWS)
        self.codes = np.zeros((chunks, self.planes, 4 * ROWS), dtype=np.uint8)
        # Rows past V (the last chunk's padding) and broken rows get NaN: never kept.
        self.err = np.full(chunks * ROWS, np.nan, dtype=np.float32)
        self.code_len = 0.0   # the largest |c| of any row (bounds the query's rounding share)
        self.tail_len = 0.0   # the largest length of any row on the uncoded axes
        self.kernels = kernels = compiled.kernels("quantized_kernels")
        for s in range(0, V, _ROW_BLOCK):
            raw = np.asarray(vectors[s:s + _ROW_BLOCK], dtype=np.float32)
            n = len(raw)
            good = np.isfinite(raw).all(axis=1) & (norms[s:s + n] > 0) & np.isfinite(norms[s:s + n])
            if not good.all():
                raw = np.where(good[:, None], raw, np.float32(0))
            # float32: its rounding (about 1e-6 here) is far inside _ROUNDING
            unit = (raw / safe[s:s + n, None]) @ self.rotation
            codes = np.empty((n, coded), dtype=np.uint8)
            code_top, tail_top = kernels.code_rows(unit, 1 / self.axis_scale, self.axis_scale,
                                                   good, _ROUNDING, codes, self.err[s:s + n])
            self.code_len = max(self.code_len, float(np.sqrt(code_top)))
            self.tail_len = max(self.tail_len, float(np.sqrt(tail_top)))
            self._store(codes, s)
        # per chunk, the largest error length (−inf when every row is broken): a chunk's best
        # estimate plus this and the query's slack bounds all its rows
        err = self.err.reshape(-1, ROWS)
        self.chunk_err = np.where(np.isnan(err), -np.inf, err).max(axis=1).astype(np.float32)
        self.simd = self._simd_works()

    def _simd_works(self) -> bool:
        """Whether the instruction form (quantized_kernels.FORM) compiles and agrees with the
        plain loops here. Also compiles (or loads from numba's cache) every loop a search uses,
        so that the first query does not wait for it."""
        if not self.kernels.WIDTH:
            return False
        q = self.rotation[:, 0].copy()  # a unit vector
        try:
            qc = self.query(q, simd=True)
            n = min(self.rows, 64 * ROWS)
            upper, picked = self.first_pass(qc, n, 4)
            self.second_pass(qc, upper, picked, np.zeros((n, len(q)), np.float32),
                             np.ones(n, np.float32), q, 1, np.zeros(0, np.int64), n, n)
            return bool(np.array_equal(self.estimates(self.query(q, simd=False)),
                                       self.estimates(qc)))
        except Exception:  # noqa: BLE001 - e.g. an LLVM that names the instructions otherwise
            return False

    def _store(self, c: np.ndarray, start: int) -> None:
        """Lay rows start.. (codes 0..15, start a multiple of 16) into the chunk layout."""
        n = len(c)
        pad = -n % ROWS
        if pad:
            c = np.concatenate([c, np.full((pad, c.shape[1]), 8, dtype=c.dtype)])
        # (chunk, row, plane, half, 4) → byte = low half | high half << 4 → (chunk, plane, row, 4)
        c = c.reshape(-1, ROWS, self.planes, 2, 4)
        packed = c[:, :, :, 0, :] | (c[:, :, :, 1, :] << 4)
        first = start // ROWS
        self.codes[first:first + len(packed)] = packed.transpose(0, 2, 1, 3).reshape(
            len(packed), self.planes, 4 * ROWS)

    def dequantized(self, rows: np.ndarray) -> np.ndarray:
        """The coded rows back as numbers (rotated axes, the coded dimensions only)."""
        chunk, r = np.divmod(np.asarray(rows), ROWS)
        data = self.codes[chunk[:, None, None], np.arange(self.planes)[:, None],
                          4 * r[:, None, None] + np.arange(4)]  # (rows, planes, 4 bytes)
        codes = np.concatenate([data & 15, data >> 4], axis=2)  # (rows, planes, 8)
        return (codes.reshape(len(chunk), -1).astype(np.float64) - 8) * self.axis_scale

    def query(self, q: np.ndarray, simd: bool | None = None) -> QueryCodes:
        """The unit query `q` in the copy's terms; `simd=False` asks for the plain loops."""
        kernels = self.kernels
        ints = np.empty(8 * self.planes, dtype=np.int8)
        bias, scale, slack = kernels.query_codes(q, self.rotation, self.axis_scale,
                                                 self.code_len, self.tail_len, _ROUNDING, ints)
        use_simd = kernels.WIDTH and (self.simd if simd is None else simd)
        return QueryCodes(ints.view(np.int32) if use_simd else ints, bias, scale, slack)

    def estimates(self, qc: QueryCodes, n: int | None = None) -> np.ndarray:
        """Every row's estimate (rows 0..n); each cosine lies within err + slack of it."""
        n = self.rows if n is None else n
        out = np.empty(n, dtype=np.float32)
        self.kernels.estimates(self.codes, self.err, qc.words, qc.bias,
                                  np.float32(qc.scale), n, out)
        return out

    def first_pass(self, qc: QueryCodes, n: int, pick: int):
        """First pass over the chunks holding rows 0..n (releases the GIL): per chunk an upper
        bound less the query's slack, and the `pick` chunks with the best estimates."""
        chunks = -(-n // ROWS)
        upper = np.empty(chunks, dtype=np.float32)
        picked = np.empty(min(pick, chunks), dtype=np.int64)
        self.kernels.first_pass(self.codes, qc.words, qc.bias, np.float32(qc.scale),
                                   self.chunk_err, chunks, upper, picked)
        return upper, picked

    def second_pass(self, qc: QueryCodes, upper: np.ndarray, picked: np.ndarray, vectors,
                    norms: np.ndarray, q: np.ndarray, k: int, exclude: np.ndarray, n: int,
                    limit: int):
        """The rows (below n, not excluded) whose upper bound reaches the k-th best exact cosine
        among the picked chunks' rows (ascending); None when more than `limit` do, or when
        fewer than k rows could be scored."""
        first = (picked[:, None] * ROWS + np.arange(ROWS)).ravel()
        first = first[first < n]
        out = np.empty(limit + ROWS, dtype=np.int64)
        count = self.kernels.second_pass(
            self.codes, self.err, qc.words, qc.bias, np.float32(qc.scale), qc.slack, upper,
            first, np.asarray(vectors[first], dtype=np.float32), norms[first], q, k, exclude,
            n, out)
        return out[:count] if 0 <= count <= limit else None
