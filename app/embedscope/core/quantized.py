"""A small 8-bit copy of the unit rows, turned onto their principal axes, that rules rows out of
a cosine search before any row is scored exactly.

A single query against 400,000 × 50 float32 rows reads 80 MB; the scores themselves are cheap.
This copy keeps, per row, the rotated unit vector as int8 with one scale per part: the leading
W coordinates (`lead`, scanned for every row) and the rest (`tail`, read only for rows that
might qualify), plus the length each part lost to rounding and the length of the tail. For a
unit query q, rotated and split the same way into q1 and q2, a row's cosine is at most

    scan bound:   lead estimate + lead error·|q1| + tail length·|q2|
    refined bound: lead estimate + tail estimate + lead error·|q1| + tail error·|q2|

(Cauchy–Schwarz on the rounding errors and on the tail). A search scans the leading codes of
every row, keeping each block's largest estimate and largest scan bound; scores a few rows
exactly to learn a k-th best cosine; then looks only inside blocks whose scan bound reaches it,
keeps the rows whose refined bound does, and scores those exactly — so the answer is the exact
one, found by reading about a sixth of the matrix.

The loops are compiled with numba (imported when the copy is first built); `available()` says
whether it can be.
"""
from __future__ import annotations

import numpy as np

_ROW_BLOCK = 1 << 16
# Widths of the scanned coordinates: multiples of 32 so every row is whole vector loads.
_LANES = 32
# Slack for float32 rounding, in the estimates and between unit rows and gensim's raw-row scores.
_ROUNDING = np.float32(1e-4)
# Rows per block: the search looks only inside blocks whose largest bound reaches the k-th
# best cosine. Callers split the scan at multiples of this.
BLOCK = 64


def _dot(codes, i, q):
    acc = np.float32(0.0)
    for j in range(codes.shape[1]):
        acc += np.float32(codes[i, j]) * q[j]
    return acc


def _scan(lead, lead_scale, lead_err, tail_len, q1, a, b, est, block_est, block_bound, lo, hi):
    """For rows lo..hi (lo a multiple of BLOCK): est[i], the leading-part estimate, and per
    block the largest estimate and the largest scan bound."""
    w = lead.shape[1]
    for b0 in range(lo, hi, BLOCK):
        b1 = min(hi, b0 + BLOCK)
        for i in range(b0, b1):
            row = lead[i]
            acc = np.float32(0.0)
            for j in range(w):
                acc += np.float32(row[j]) * q1[j]
            est[i] = acc * lead_scale[i]
        best_est = np.float32(-np.inf)
        best_bound = np.float32(-np.inf)
        for i in range(b0, b1):
            e = est[i]
            best_est = max(best_est, e)
            best_bound = max(best_bound, e + lead_err[i] * a + tail_len[i] * b)
        block_est[b0 // BLOCK] = best_est
        block_bound[b0 // BLOCK] = best_bound


def _refine(rows, est, tail, tail_scale, q2, out):
    """out[m] = the full estimate (leading + tail) of row rows[m]."""
    for m in range(rows.shape[0]):
        i = rows[m]
        out[m] = est[i] + _dot_jit(tail, i, q2) * tail_scale[i]


def _survivors(blocks, n, est, tail, tail_scale, lead_err, tail_len, tail_err, q2, a, b,
               threshold, out):
    """Rows of `blocks` (below n) whose refined bound reaches `threshold`, into out; returns
    how many."""
    count = 0
    for m in range(blocks.shape[0]):
        b0 = blocks[m] * BLOCK
        for i in range(b0, min(n, b0 + BLOCK)):
            if est[i] + lead_err[i] * a + tail_len[i] * b < threshold:
                continue  # the scan bound already rules it out
            full = est[i] + _dot_jit(tail, i, q2) * tail_scale[i]
            if full + lead_err[i] * a + tail_err[i] * b >= threshold:
                out[count] = i
                count += 1
    return count


_kernels = None


def _load_kernels():
    global _kernels
    if _kernels is None:
        try:
            import numba
        except ImportError:
            _kernels = False
        else:
            # reassociation lets the dot products use vector registers (the slack covers the
            # reordered float32 sums); infinities stay allowed for the maxima.
            jit = numba.njit(cache=True, nogil=True, error_model="numpy",
                             fastmath={"reassoc", "contract", "nsz"})
            g = globals()
            g["_dot_jit"] = numba.njit(cache=True, nogil=True, error_model="numpy",
                                       fastmath={"reassoc", "contract", "nsz"},
                                       inline="always")(_dot)
            _kernels = (jit(_scan), jit(_refine), jit(_survivors))
    return _kernels or None


def available() -> bool:
    return _load_kernels() is not None


class QuantizedRows:
    """The 8-bit rotated copy of an embedding's unit rows (see the module docstring)."""

    def __init__(self, vectors, norms: np.ndarray, width: int | None = None, seed: int = 0):
        V, D = vectors.shape
        width = min(D, leading_width(D) if width is None else width)
        safe = norms.astype(np.float32, copy=True)
        safe[~(safe > 0) | ~np.isfinite(safe)] = 1.0  # zero, NaN and infinite rows
        rng = np.random.default_rng(seed)
        sample = np.sort(rng.choice(V, size=min(V, 50_000), replace=False))
        S = np.asarray(vectors[sample], dtype=np.float64) / safe[sample, None]
        S = S[np.isfinite(S).all(axis=1)]
        _, axes = np.linalg.eigh(S.T @ S)
        self.rotation = np.ascontiguousarray(axes[:, ::-1], dtype=np.float32)
        self.width = width
        self.lead = np.zeros((V, -(-width // _LANES) * _LANES), dtype=np.int8)
        self.tail = np.zeros((V, D - width), dtype=np.int8)
        self.lead_scale = np.empty(V, dtype=np.float32)
        self.tail_scale = np.empty(V, dtype=np.float32)
        # per row: rounding error of the lead, length of the tail, rounding error of the tail
        self.lead_err = np.empty(V, dtype=np.float32)
        self.tail_len = np.empty(V, dtype=np.float32)
        self.tail_err = np.empty(V, dtype=np.float32)
        for s in range(0, V, _ROW_BLOCK):
            raw = np.asarray(vectors[s:s + _ROW_BLOCK], dtype=np.float32)
            # A row with NaN or infinite values gets an exact score of NaN, which no search
            # ever returns; coded as zeros it cannot upset the codes of the rest.
            raw = np.where(np.isfinite(raw).all(axis=1, keepdims=True), raw, np.float32(0))
            block = (raw / safe[s:s + _ROW_BLOCK, None]) @ self.rotation
            e = s + len(block)
            for part, codes, scale, err in (
                    (block[:, :width], self.lead, self.lead_scale, self.lead_err),
                    (block[:, width:], self.tail, self.tail_scale, self.tail_err)):
                top = np.abs(part).max(axis=1) if part.shape[1] else np.zeros(len(part))
                sc = np.where(top > 0, top / np.float32(127), np.float32(1.0)).astype(np.float32)
                c = np.rint(part / sc[:, None]).astype(np.int8)
                codes[s:e, :part.shape[1]] = c
                scale[s:e] = sc
                err[s:e] = np.linalg.norm(part - c * sc[:, None], axis=1)
            self.tail_len[s:e] = np.linalg.norm(block[:, width:], axis=1)
        self.lead_err += _ROUNDING
        self.tail_err += _ROUNDING

    def split_query(self, q: np.ndarray):
        """(q1 padded to the scanned width, q2, |q1|, |q2|) of a unit query on the axes."""
        qr = q.astype(np.float32) @ self.rotation
        q1 = np.zeros(self.lead.shape[1], dtype=np.float32)
        q1[:self.width] = qr[:self.width]
        q2 = np.ascontiguousarray(qr[self.width:])
        return q1, q2, float(np.linalg.norm(q1)), float(np.linalg.norm(q2))

    def scan(self, q1, a: float, b: float, est, block_est, block_bound, lo: int, hi: int):
        """Leading estimates of rows lo..hi into `est`, block maxima of the estimates and of
        the scan bounds into `block_est` / `block_bound` (lo a multiple of BLOCK; releases the
        GIL)."""
        _load_kernels()[0](self.lead, self.lead_scale, self.lead_err, self.tail_len, q1,
                           np.float32(a), np.float32(b), est, block_est, block_bound, lo, hi)

    def best_rows(self, est, block_est, q2, m: int, exclude: np.ndarray) -> np.ndarray:
        """About m rows (not in `exclude`) with the highest full estimates, from the blocks
        with the highest leading estimates — candidates whose exact scores give a k-th best."""
        n = len(est)
        nb = len(block_est)
        need = 2 * (m + len(exclude))
        if need >= nb:
            rows = np.arange(n)
        else:
            t = np.partition(block_est, nb - need)[nb - need]
            rows = _block_rows(np.flatnonzero(block_est >= t), n)
        if len(exclude):
            rows = rows[~np.isin(rows, exclude)]
        full = np.empty(len(rows), dtype=np.float32)
        _load_kernels()[1](rows, est, self.tail, self.tail_scale, q2, full)
        if len(rows) > m:
            rows = rows[np.argpartition(-full, m - 1)[:m]]
        return rows

    def survivors(self, est, block_bound, q2, a: float, b: float, threshold: float):
        """Rows whose refined bound reaches `threshold` (ascending), looked for only inside
        the blocks whose largest scan bound does."""
        blocks = np.flatnonzero(block_bound >= threshold)
        out = np.empty(len(blocks) * BLOCK, dtype=np.int64)
        count = _load_kernels()[2](blocks, len(est), est, self.tail, self.tail_scale,
                                   self.lead_err, self.tail_len, self.tail_err, q2,
                                   np.float32(a), np.float32(b),
                                   np.float32(threshold), out)
        return out[:count]


def _block_rows(blocks: np.ndarray, n: int) -> np.ndarray:
    """The rows (below n) of the given blocks."""
    rows = (blocks[:, None] * BLOCK + np.arange(BLOCK)).ravel()
    return rows[rows < n]


def leading_width(dim: int) -> int:
    """How many leading coordinates every search scans: about five eighths, whole vector loads."""
    return max(_LANES, -(-(dim * 5 // 8) // _LANES) * _LANES)
