"""Approximate nearest neighbours for very large vocabularies: an inverted-file index.

The unit rows are clustered (spherical k-means on a sample); each row is filed under its
closest centroid and the rows are stored list by list, so a query reads only the few lists
whose centroids are closest to it — a few percent of the matrix — with plain BLAS products.
Built on request (progress and cancel between blocks). How often it finds the true top 10
is measured against exact search on held-out sample rows and kept as `recall_at_10`; the
number of lists read per query is raised at build time until that recall reaches the target.

numpy only: no compiled extension to install, nothing imported when the app starts.
"""
from __future__ import annotations

import time

import numpy as np

from .embedding import Embedding
from .jobs import Job
from .neighbours import Neighbour, gensim_norms, query_terms, query_vector
from .threads import CORES, single_blas_thread

_BLOCK = 1 << 16


def _unit_block(emb: Embedding, norms: np.ndarray, rows) -> np.ndarray:
    block = np.asarray(emb.vectors[rows], dtype=np.float32)
    n = norms[rows].copy()
    n[n == 0] = 1.0
    return block / n[:, None]


class ApproximateIndex:
    """An inverted-file (IVF) index over an embedding's unit rows, for cosine search.

    `nearest(query, k)` takes what `neighbours.nearest` takes (word, words, vector).
    Attributes: `n_lists`, `n_probe` (lists read per query), `recall_at_10` (mean share of
    the exact top 10 found, on `recall_queries` sample rows not used for tuning),
    `build_seconds`.
    """

    def __init__(self, emb, centroids, order, offsets, rows_by_list, n_probe):
        self.emb = emb
        self.centroids = centroids          # (n_lists, D) unit float32
        self.order = order                  # original row of each stored row
        self.offsets = offsets              # list i holds stored rows offsets[i]:offsets[i+1]
        self.rows_by_list = rows_by_list    # (V, D) unit rows, stored list by list
        self.n_probe = int(n_probe)
        self.recall_at_10 = float("nan")
        self.build_seconds = 0.0

    @property
    def n_lists(self) -> int:
        return self.centroids.shape[0]

    def _search(self, q: np.ndarray, k: int, exclude, n_probe: int | None = None):
        n_probe = min(self.n_lists, n_probe or self.n_probe)
        cs = self.centroids @ q
        if n_probe < self.n_lists:
            probe = np.argpartition(-cs, n_probe - 1)[:n_probe]
        else:
            probe = np.arange(self.n_lists)
        scores, ids = [], []
        for li in probe:
            s, e = self.offsets[li], self.offsets[li + 1]
            if e > s:
                scores.append(self.rows_by_list[s:e] @ q)
                ids.append(self.order[s:e])
        if not scores:
            return np.empty(0, np.int64), np.empty(0, np.float32)
        scores = np.concatenate(scores)
        ids = np.concatenate(ids)
        if len(exclude):
            keep = ~np.isin(ids, np.asarray(list(exclude), dtype=np.int64))
            scores, ids = scores[keep], ids[keep]
        kk = min(k, len(scores))
        if kk < len(scores):
            top = np.argpartition(-scores, kk - 1)[:kk]
        else:
            top = np.arange(len(scores))
        top = top[np.lexsort((ids[top], -scores[top]))]
        return ids[top], scores[top]

    def nearest(self, query, k: int = 10, exclude_query: bool = True,
                n_probe: int | None = None) -> list[Neighbour]:
        """Approximate cosine neighbours; same inputs and result type as `nearest`."""
        terms = query_terms(self.emb, query)
        q = query_vector(self.emb, terms, normalize=True)
        exclude = ({self.emb.word_to_row[t] for _, t in terms if isinstance(t, str)}
                   if exclude_query else set())
        # A query is a dozen small products: OpenBLAS threads would cost more than they do.
        with single_blas_thread():
            ids, scores = self._search(q, k, exclude, n_probe)
        return [Neighbour(self.emb.words[int(i)], int(i), float(s)) for i, s in zip(ids, scores)]

    def measure_recall(self, query_rows, n_probe: int | None = None, k: int = 10) -> float:
        """Mean share of the exact top k (cosine, query row left out) that the index finds."""
        query_rows = np.asarray(query_rows, dtype=np.int64)
        exact = _exact_top(self, query_rows, k)
        hits = 0
        for qi, r in enumerate(query_rows):
            q = _unit_block(self.emb, gensim_norms(self.emb), np.array([r]))[0]
            ids, _ = self._search(q, k, {int(r)}, n_probe)
            hits += len(set(ids.tolist()) & set(exact[qi].tolist()))
        return hits / (k * len(query_rows))


def _exact_top(index: ApproximateIndex, query_rows: np.ndarray, k: int) -> np.ndarray:
    """Exact cosine top k of several query rows at once, by blocks over the stored rows."""
    emb = index.emb
    Q = _unit_block(emb, gensim_norms(emb), query_rows)
    m = len(query_rows)
    best_s = np.full((m, 0), -np.inf, dtype=np.float32)
    best_i = np.zeros((m, 0), dtype=np.int64)
    R = index.rows_by_list
    for s in range(0, R.shape[0], _BLOCK):
        S = Q @ R[s:s + _BLOCK].T
        ids = index.order[s:s + _BLOCK]
        S[ids[None, :] == query_rows[:, None]] = -np.inf
        kk = min(k, S.shape[1])
        part = np.argpartition(-S, kk - 1, axis=1)[:, :kk]
        best_s = np.concatenate([best_s, np.take_along_axis(S, part, 1)], axis=1)
        best_i = np.concatenate([best_i, ids[part]], axis=1)
        keep = np.argsort(-best_s, axis=1, kind="stable")[:, :k]
        best_s = np.take_along_axis(best_s, keep, 1)
        best_i = np.take_along_axis(best_i, keep, 1)
    return best_i


def _in_parallel(fn, items, job: Job, message: str) -> None:
    """Run fn(item) for every item on one worker per core, each with single-threaded BLAS
    (OpenBLAS's own threads spin-wait when the cores are shared); progress and cancel from
    this thread."""
    from concurrent.futures import FIRST_COMPLETED, ThreadPoolExecutor, wait

    items = list(items)
    with single_blas_thread(), ThreadPoolExecutor(CORES) as pool:
        pending = {pool.submit(fn, it) for it in items}
        done_count = 0
        try:
            while pending:
                done, pending = wait(pending, timeout=0.2, return_when=FIRST_COMPLETED)
                for fut in done:
                    fut.result()
                    done_count += 1
                job.step(done_count, len(items), message)
        except BaseException:
            for fut in pending:
                fut.cancel()
            raise


def build_index(emb: Embedding, *args, **kwargs) -> "ApproximateIndex":
    """Build an inverted-file index for approximate cosine search over `emb`; see
    `_build_index` for the options. BLAS runs single-threaded throughout (work is spread over
    the cores by blocks instead)."""
    with single_blas_thread():
        return _build_index(emb, *args, **kwargs)


def _build_index(
    emb: Embedding,
    n_lists: int | None = None,
    target_recall: float = 0.95,
    recall_queries: int = 100,
    sample_size: int = 50_000,
    iterations: int = 6,
    seed: int = 0,
    progress=None,
    should_stop=None,
) -> ApproximateIndex:
    """Build an inverted-file index for approximate cosine search over `emb`.

    `n_lists` defaults to about √V (1,000 lists for a million rows, at most 2,048). The lists read per
    query start at 1/128 of them and grow by half until recall@10 on `recall_queries` tuning rows
    reaches `target_recall`; `recall_at_10` is then measured on as many other rows.
    Raises Cancelled when `should_stop()` turns true.
    """
    start = time.perf_counter()
    job = Job(progress, should_stop)
    rng = np.random.default_rng(seed)
    V, D = emb.rows, emb.dim
    norms = gensim_norms(emb)
    if n_lists is None:
        n_lists = int(min(2048, max(16, np.sqrt(V))))
    n_lists = int(min(n_lists, V))

    # 1. spherical k-means on a sample of unit rows. Rows are compared with centroids on
    # their leading principal axes (at most 64): 5x less work for filing millions of rows,
    # and a row filed slightly off costs only recall, which is measured below.
    sample_rows = np.sort(rng.choice(V, size=min(V, max(sample_size, 20 * n_lists)),
                                     replace=False))
    X = _unit_block(emb, norms, sample_rows)
    if D > 64:
        _, vecs = np.linalg.eigh((X.T @ X).astype(np.float64))
        axes = np.ascontiguousarray(vecs[:, ::-1][:, :64], dtype=np.float32)
    else:
        axes = np.eye(D, dtype=np.float32)
    Xr = X @ axes
    C = X[rng.choice(len(X), n_lists, replace=False)].copy()
    kjob = job.sub(0.0, 0.3)
    for it in range(iterations):
        Cr = C @ axes
        labels = np.empty(len(X), dtype=np.int64)
        for s in range(0, len(X), _BLOCK):
            labels[s:s + _BLOCK] = np.argmax(Xr[s:s + _BLOCK] @ Cr.T, axis=1)
            kjob.check()
        # per-list sums by sorting (np.add.at is ~50x slower for this)
        by_list = np.argsort(labels, kind="stable")
        counts = np.bincount(labels, minlength=n_lists)
        starts = np.concatenate([[0], np.cumsum(counts)[:-1]])
        sums = np.zeros_like(C)
        present = counts > 0
        sums[present] = np.add.reduceat(X[by_list], starts[present], axis=0)
        lengths = np.linalg.norm(sums, axis=1)
        empty = lengths == 0
        if empty.any():  # re-seed empty lists with random sample rows
            sums[empty] = X[rng.choice(len(X), int(empty.sum()), replace=False)]
            lengths[empty] = 1.0
        C = (sums / lengths[:, None]).astype(np.float32)
        kjob.step(it + 1, iterations, "clustering a sample")
    del X, Xr
    Cr = np.ascontiguousarray((C @ axes).T)

    # 2. file every row under its closest centroid (blocks on one worker per core)
    ajob = job.sub(0.3, 0.7)
    assign = np.empty(V, dtype=np.int32)

    def file_block(s):
        job.check()
        rows = np.arange(s, min(V, s + _BLOCK))
        assign[s:s + len(rows)] = np.argmax((_unit_block(emb, norms, rows) @ axes) @ Cr, axis=1)

    _in_parallel(file_block, range(0, V, _BLOCK), ajob, "filing rows")
    order = np.argsort(assign, kind="stable").astype(np.int64)
    offsets = np.zeros(n_lists + 1, dtype=np.int64)
    np.cumsum(np.bincount(assign, minlength=n_lists), out=offsets[1:])
    del assign

    # 3. store the unit rows list by list (contiguous, so a list is one sgemv)
    sjob = job.sub(0.7, 0.85)
    stored = np.empty((V, D), dtype=np.float32)
    for s in range(0, V, _BLOCK):
        rows = order[s:s + _BLOCK]
        stored[s:s + len(rows)] = _unit_block(emb, norms, rows)
        sjob.step(s + len(rows), V, "storing lists")

    index = ApproximateIndex(emb, C, order, offsets, stored, max(1, n_lists // 128))

    # 4. tune the lists read per query on one set of rows, measure recall on another
    rjob = job.sub(0.85, 1.0)
    picks = rng.choice(V, size=min(V, 2 * recall_queries), replace=False)
    tune, held_out = picks[:recall_queries], picks[recall_queries:]
    exact_tune = _exact_top(index, tune, 10)
    rjob.step(1, 3, "measuring recall")
    while True:
        hits = 0
        for qi, r in enumerate(tune):
            q = _unit_block(emb, norms, np.array([r]))[0]
            ids, _ = index._search(q, 10, {int(r)})
            hits += len(set(ids.tolist()) & set(exact_tune[qi].tolist()))
        recall = hits / (10 * len(tune))
        if recall >= target_recall or index.n_probe >= n_lists:
            break
        index.n_probe = min(n_lists, max(index.n_probe + 1, int(index.n_probe * 1.5)))
        rjob.check()
    rjob.step(2, 3, "measuring recall")
    index.recall_at_10 = index.measure_recall(held_out) if len(held_out) else recall
    rjob.step(3, 3, "done")
    index.build_seconds = time.perf_counter() - start
    return index
