"""Grouping words by their vectors: k-means clusters of the mapped words, for colouring the map."""
from __future__ import annotations

import numpy as np

from .embedding import Embedding
from .jobs import Job

FIT_SAMPLE = 20_000   # rows the centres are fitted on; more only costs time, not clearer groups
CHUNK = 50_000        # rows labelled at a time, between progress reports


def cluster_rows(emb: Embedding, rows, k: int = 8, seed: int = 0, fit_sample: int = FIT_SAMPLE,
                 progress=None, should_stop=None) -> np.ndarray:
    """Cluster (0 … k-1) of each of `rows` by k-means (scikit-learn) on their unit vectors, so
    words group by direction as cosine neighbours do. The centres are fitted on at most
    `fit_sample` of the rows, then every row gets its nearest centre; the same rows and seed
    give the same clusters."""
    from sklearn.cluster import KMeans

    job = Job(progress, should_stop)
    rows = np.asarray(rows, dtype=np.int64)
    if not len(rows):
        return np.empty(0, dtype=np.int64)
    job.step(0, 1000, "reading the vectors")
    x = np.asarray(emb.vectors[rows], dtype=np.float32)
    norms = np.linalg.norm(x, axis=1, keepdims=True)
    norms[norms == 0] = 1  # an all-zero row stays at the origin rather than turning into NaN
    x /= norms
    rng = np.random.default_rng(seed)
    fit = x if len(x) <= fit_sample else x[np.sort(rng.choice(len(x), fit_sample, replace=False))]
    k = max(1, min(int(k), len(fit)))
    job.step(100, 1000, "finding the clusters")
    model = KMeans(n_clusters=k, n_init=1, random_state=seed).fit(fit)
    labels = np.empty(len(x), dtype=np.int64)
    for start in range(0, len(x), CHUNK):
        end = min(len(x), start + CHUNK)
        job.step(500 + 500 * start // len(x), 1000, "labelling the words")
        labels[start:end] = model.predict(x[start:end])
    job.report(1000, 1000, "done")
    return labels
