"""How faithful a 2D map is: the share of each point's k nearest neighbours in the original
space (cosine) that are still among its k nearest on the map, averaged over a sample.

1.0 means every sampled word keeps its whole neighbourhood; a random scatter scores about
k / n. It lets a user tell a faithful map from a pretty one.
"""
from __future__ import annotations

import numpy as np

from .jobs import Job


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
    step = 1 << 15
    for s in range(0, n, step):
        if contiguous:
            block = np.asarray(emb.vectors[s:s + step], dtype=np.float32)
        else:
            block = np.asarray(emb.vectors[rows[s:s + step]], dtype=np.float32)
        sims = queries @ _unit(block).T
        own = (picks >= s) & (picks < s + len(block))
        sims[np.nonzero(own)[0], picks[own] - s] = -np.inf  # a point is not its own neighbour
        # Only columns that beat some row's current k-th best can enter its top-k: on big
        # inputs most blocks offer few, so the expensive partition runs on a thin slice.
        floor = best_sim.min(axis=1)
        cols = np.nonzero((sims > floor[:, None]).any(axis=0))[0]
        if len(cols):
            cand_sim = np.concatenate([best_sim, sims[:, cols]], axis=1)
            cand_idx = np.concatenate([best_idx, np.broadcast_to(cols + s, (m, len(cols)))],
                                      axis=1)
            top = np.argpartition(-cand_sim, k - 1, axis=1)[:, :k]
            best_sim = np.take_along_axis(cand_sim, top, axis=1)
            best_idx = np.take_along_axis(cand_idx, top, axis=1)
        job.step(min(n, s + step), 2 * n, "measuring quality")

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


def _unit(a: np.ndarray) -> np.ndarray:
    n = np.sqrt(np.einsum("ij,ij->i", a, a))
    n[n == 0] = 1.0
    return a / n[:, None]
