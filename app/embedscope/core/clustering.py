"""Grouping words by their vectors: k-means clusters of the mapped words (for colouring the map
and naming its regions) and the most central words that name each cluster."""
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


def central_rows(emb: Embedding, rows, labels, n: int = 3, pool: int | None = 1000
                 ) -> list[np.ndarray]:
    """For each cluster 0 … max(labels), the `n` of its rows whose unit vectors lie closest (by
    cosine) to the cluster's mean direction, most central first: the words that name it.

    The names come from the cluster's `pool` lowest rows (None: all of them) — the most
    frequent words in common files: among 400,000 GloVe words the most central of all are rare
    tokens ("se5", "36.39") that name nothing to a reader. The mean is over every member."""
    rows = np.asarray(rows, dtype=np.int64)
    labels = np.asarray(labels, dtype=np.int64)
    k = int(labels.max()) + 1 if len(labels) else 0
    out = []
    for c in range(k):
        members = rows[labels == c]
        if not len(members):
            out.append(np.empty(0, dtype=np.int64))
            continue
        centre = np.zeros(emb.dim, dtype=np.float64)
        for s in range(0, len(members), 50_000):  # a block at a time: no copy of every row
            x = _unit(emb.vectors[members[s: s + 50_000]])
            centre += x.sum(axis=0)
        names = members if pool is None or len(members) <= pool else \
            np.sort(members)[:pool]
        sims = _unit(emb.vectors[names]) @ centre.astype(np.float32)
        out.append(names[np.argsort(-sims, kind="stable")[:n]])
    return out


def _unit(vectors) -> np.ndarray:
    x = np.asarray(vectors, dtype=np.float32)
    norms = np.linalg.norm(x, axis=1, keepdims=True)
    norms[norms == 0] = 1
    return x / norms
