"""How faithful a 2D map is: the share of each point's k nearest neighbours in the original
space (cosine) that are still among its k nearest on the map, averaged over a sample.

1.0 means every sampled word keeps its whole neighbourhood; a random scatter scores about
k / n. It lets a user tell a faithful map from a pretty one.
"""
from __future__ import annotations

import numpy as np

from .compiled import compiled
from .jobs import Job
from .threads import CORES, run_on_cores

STEP = 1 << 13   # columns per block: a block of similarities stays in cache
PROBE = 1 << 13  # random columns that set each point's floor
# From this many points the compiled top-k pass is used (it needs numba, whose import costs
# ~0.4 s and ~100 MB the first time); below, the numpy probe-and-floor pass is quick enough.
COMPILED_FROM = 100_000


def neighbour_preservation(emb, rows, coords, k: int = 10, sample: int = 1000, seed=0,
                           job: Job | None = None) -> float | None:
    """Mean share (0..1) of kept neighbours for `sample` points drawn from `rows`.

    Neighbours are searched among all projected points, not only the sample, so the figure
    reads the same whatever the sample size. None when there are too few points."""
    job = job or Job()
    rows = np.asarray(rows, dtype=np.int64)
    coords = np.asarray(coords, dtype=np.float64)
    n = len(rows)
    k = min(int(k), n - 1)
    if k < 1:
        return None
    rng = np.random.default_rng(0 if seed is None else seed)
    picks = np.sort(rng.choice(n, min(int(sample), n), replace=False))

    kernel = compiled(_fold_top_k) if len(rows) >= COMPILED_FROM else None
    if kernel is not None and len(rows) > PROBE:
        best_idx = _original_neighbours_compiled(emb, rows, picks, k, job, kernel)
    else:
        best_idx = _original_neighbours(emb, rows, picks, k, job)
    m = len(picks)

    # The map: k nearest by Euclidean distance in 2D (a k-d tree; ties broken by the tree).
    from scipy.spatial import cKDTree

    tree = cKDTree(coords)
    _, near2d = tree.query(coords[picks], k=k + 1)
    kept = 0
    for i in range(m):
        mine = near2d[i][near2d[i] != picks[i]][:k]
        kept += len(np.intersect1d(mine, best_idx[i], assume_unique=True))
    job.step(1, 1, "quality measured")
    return kept / (m * k)


def _fold_top_k(sims, first_col, vals, idx):
    """Fold a block of similarities (picked points × columns first_col...) into each point's
    running top k: vals[i] descending, idx[i] their columns; the earlier column wins a tie."""
    k = vals.shape[1]
    for i in range(sims.shape[0]):
        row = sims[i]
        floor = vals[i, k - 1]
        for c in range(row.shape[0]):
            v = row[c]
            if v > floor:
                j = k - 1
                while j > 0 and vals[i, j - 1] < v:
                    vals[i, j] = vals[i, j - 1]
                    idx[i, j] = idx[i, j - 1]
                    j -= 1
                vals[i, j] = v
                idx[i, j] = first_col + c
                floor = vals[i, k - 1]


def _original_neighbours_compiled(emb, rows, picks, k, job, fold):
    """Exact cosine top-k (itself excluded) of each picked point among all `rows`, (m, k):
    one matrix product per block of columns and one compiled pass that keeps each point's
    best k, the picked points split between the cores (each a single-threaded product)."""
    n, m = len(rows), len(picks)
    contiguous = rows[0] == 0 and rows[-1] == n - 1 and n == emb.rows
    # the cached unit rows (checks and analogies use them too) when all rows are mapped
    unit = emb.unit_vectors if contiguous else None
    queries = _unit(np.asarray(emb.vectors[rows[picks]], dtype=np.float32))
    vals = np.full((m, k), -np.inf, dtype=np.float32)
    idx = np.zeros((m, k), dtype=np.int64)
    workers = min(CORES, 4)
    parts = np.array_split(np.arange(m), workers)
    done = [0] * workers

    def work(w):
        part = parts[w]
        if not len(part):
            return
        q = queries[part]
        me = picks[part]
        pv, pi = vals[part], idx[part]
        for s in range(0, n, STEP):
            job.check()
            e = min(n, s + STEP)
            block = unit[s:e] if unit is not None else _unit(
                np.asarray(emb.vectors[rows[s:e]], dtype=np.float32))
            sims = q @ block.T
            own = np.flatnonzero((me >= s) & (me < e))  # a point is not its own neighbour
            sims[own, me[own] - s] = -np.inf
            fold(sims, s, pv, pi)
            done[w] = e
        vals[part], idx[part] = pv, pi

    run_on_cores(work, workers, job, lambda: (sum(done), workers * n), "measuring quality")
    return idx


def _original_neighbours(emb, rows, picks, k, job):
    """Exact cosine top-k (itself excluded) of each picked point among all `rows`, (m, k).

    A probe of PROBE random columns gives each picked point a floor: its k-th best there is
    at most its true k-th best. One pass over every block then keeps only the few entries at
    or above the floor, and the top k are taken from those. One matrix product per block and
    one comparison is all the big pass costs."""
    n, m = len(rows), len(picks)
    queries = _unit(np.asarray(emb.vectors[rows[picks]], dtype=np.float32))
    contiguous = rows[0] == 0 and rows[-1] == n - 1 and n == emb.rows

    def block(s, e):
        if contiguous:
            return _unit(np.asarray(emb.vectors[s:e], dtype=np.float32))
        return _unit(np.asarray(emb.vectors[rows[s:e]], dtype=np.float32))

    def similarities(cols_vectors, cols):
        """cols: sorted column numbers; a point is not its own neighbour."""
        sims = queries @ cols_vectors.T
        at = np.minimum(np.searchsorted(cols, picks), len(cols) - 1)
        mine = np.nonzero(cols[at] == picks)[0]
        sims[mine, at[mine]] = -np.inf
        return sims

    if n <= PROBE:
        sims = similarities(block(0, n), np.arange(n))
        return np.argpartition(-sims, k - 1, axis=1)[:, :k].astype(np.int64)

    probe = np.sort(np.random.default_rng(0).choice(n, PROBE, replace=False))
    probe_vectors = _unit(np.asarray(emb.vectors[rows[probe]], dtype=np.float32))
    psims = similarities(probe_vectors, probe)
    # The slack covers the last-bit differences of the same product computed in another block.
    floor = -np.partition(-psims, k - 1, axis=1)[:, k - 1] - 1e-5
    found_r, found_c, found_v = [], [], []
    for s in range(0, n, STEP):
        e = min(n, s + STEP)
        sims = similarities(block(s, e), np.arange(s, e))
        gaining = np.nonzero(sims.max(axis=1) >= floor)[0]
        if len(gaining):
            r, c = np.nonzero(sims[gaining] >= floor[gaining, None])
            found_r.append(gaining[r])
            found_c.append(c.astype(np.int64) + s)
            found_v.append(sims[gaining[r], c])
        job.step(e, 2 * n, "measuring quality")
    r = np.concatenate(found_r)
    c = np.concatenate(found_c)
    v = np.concatenate(found_v)
    order = np.lexsort((-v, r))
    r, c = r[order], c[order]
    pos = np.arange(len(r)) - np.searchsorted(r, r, side="left")
    keep = pos < k  # each row has at least its k probe entries, best first
    return c[keep].reshape(m, k)


def _unit(a: np.ndarray) -> np.ndarray:
    n = np.sqrt(np.einsum("ij,ij->i", a, a))
    n[n == 0] = 1.0
    return a / n[:, None]
