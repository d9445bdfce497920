"""How faithful a 2D map is: the share of each point's k nearest neighbours in the original
space (cosine) that are still among its k nearest on the map, averaged over a sample.

1.0 means every sampled word keeps its whole neighbourhood; a random scatter scores about
k / n. It lets a user tell a faithful map from a pretty one.
"""
from __future__ import annotations

import numpy as np

from .jobs import Job

STEP = 1 << 13  # columns per block: small enough that a block of similarities stays in cache


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

    # Original space: exact cosine top-k of each sampled point, block by block.
    queries = _unit(np.asarray(emb.vectors[rows[picks]], dtype=np.float32))
    m = len(picks)
    best_sim = np.full((m, k), -np.inf, dtype=np.float32)
    best_idx = np.zeros((m, k), dtype=np.int64)
    contiguous = rows[0] == 0 and rows[-1] == n - 1 and n == emb.rows
    # A small first block sets each sampled point's k-th best similarity; after that only
    # the few entries above it are merged, so 1,000 points × 400,000 rows stays under a second.
    bounds = [0, min(n, 4096)]
    while bounds[-1] < n:
        bounds.append(min(n, bounds[-1] + STEP))
    for s, e in zip(bounds[:-1], bounds[1:]):
        if contiguous:
            block = np.asarray(emb.vectors[s:e], dtype=np.float32)
        else:
            block = np.asarray(emb.vectors[rows[s:e]], dtype=np.float32)
        sims = queries @ _unit(block).T
        own = (picks >= s) & (picks < e)
        sims[np.nonzero(own)[0], picks[own] - s] = -np.inf  # a point is not its own neighbour
        best_sim, best_idx = _merge(best_sim, best_idx, sims, s, k)
        job.step(e, 2 * n, "measuring quality")

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


def _merge(best_sim, best_idx, sims, offset, k):
    """Each row's k best of (its current best, this block's entries above its k-th best)."""
    m = len(best_sim)
    if offset == 0:  # the first block: a plain top-k
        top = np.argpartition(-sims, k - 1, axis=1)[:, :k]
        return np.take_along_axis(sims, top, axis=1), top.astype(np.int64)
    floor = best_sim.min(axis=1)
    # One pass for each row's best in the block; only rows that gain anything are searched.
    gaining = np.nonzero(sims.max(axis=1) > floor)[0]
    if not len(gaining):
        return best_sim, best_idx
    r, c = np.nonzero(sims[gaining] > floor[gaining, None])
    r = gaining[r]
    all_r = np.concatenate([np.repeat(np.arange(m), k), r])
    all_v = np.concatenate([best_sim.ravel(), sims[r, c]])
    all_i = np.concatenate([best_idx.ravel(), c.astype(np.int64) + offset])
    order = np.lexsort((-all_v, all_r))
    all_r, all_v, all_i = all_r[order], all_v[order], all_i[order]
    pos = np.arange(len(all_r)) - np.searchsorted(all_r, all_r, side="left")
    keep = pos < k  # every row has at least k entries (its current best), in order
    return all_v[keep].reshape(m, k), all_i[keep].reshape(m, k)


def _unit(a: np.ndarray) -> np.ndarray:
    n = np.sqrt(np.einsum("ij,ij->i", a, a))
    n[n == 0] = 1.0
    return a / n[:, None]
