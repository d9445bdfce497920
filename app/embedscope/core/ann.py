"""Approximate nearest neighbours for very large vocabularies: faiss's inverted-file index
(IndexIVFFlat) over the unit rows, with how often it finds the true top 10 measured here.

faiss clusters a sample of the unit rows into lists and files every row under its closest
centre; a query reads only the lists whose centres are closest to it. The lists read per
query (`n_probe`) are raised at build time until recall@10 against exact search reaches the
target on some rows, and recall is then measured on as many others and kept as
`recall_at_10`: an approximate answer always comes with how approximate it is. Exact search
stays core/neighbours.py's (gensim's scores, bit for bit). Why an inverted file and not a
graph (HNSW): the graphs answer faster but take ten times as long or more to build, and the
index is built on request, before its first query (bench/search_libraries.py; README, Speed).
"""
from __future__ import annotations

import time

import numpy as np

from .embedding import Embedding
from .jobs import Job
from .neighbours import Neighbour, gensim_norms, nearest, query_terms, query_vector

_BLOCK = 1 << 16


class ApproximateIndex:
    """An inverted-file index over an embedding's unit rows, for cosine search.

    `nearest(query, k)` takes what `neighbours.nearest` takes (word, words, vector).
    Attributes: `n_lists`, `n_probe` (lists read per query), `recall_at_10` (mean share of
    the exact top 10 found, on `recall_queries` sample rows not used for tuning),
    `build_seconds`.
    """

    def __init__(self, emb: Embedding, ivf, n_probe: int):
        self.emb = emb
        self._ivf = ivf
        self.n_probe = int(n_probe)
        self.recall_at_10 = float("nan")
        self.build_seconds = 0.0

    @property
    def n_lists(self) -> int:
        return int(self._ivf.nlist)

    def _search(self, q: np.ndarray, k: int, exclude, n_probe: int | None = None):
        """(rows, cosines) of the approximate top k of unit query `q`, rows `exclude` left out."""
        import faiss

        _one_thread(faiss)
        # per call, not set on the index: two threads may search with different n_probe
        params = faiss.SearchParametersIVF(nprobe=min(self.n_lists, n_probe or self.n_probe))
        scores, ids = self._ivf.search(np.ascontiguousarray(q, dtype=np.float32)[None, :],
                                       k + len(exclude), params=params)
        keep = (ids[0] >= 0) & ~np.isin(ids[0], np.fromiter(exclude, np.int64, len(exclude)))
        return ids[0][keep][:k], scores[0][keep][:k]

    def nearest(self, query, k: int = 10, exclude_query: bool = True,
                n_probe: int | None = None) -> list[Neighbour]:
        """Approximate cosine neighbours; same inputs and result type as `nearest`."""
        terms = query_terms(self.emb, query)
        q = query_vector(self.emb, terms, normalize=True)
        exclude = ({self.emb.word_to_row[t] for _, t in terms if isinstance(t, str)}
                   if exclude_query else set())
        ids, scores = self._search(q, k, exclude, n_probe)
        return [Neighbour(self.emb.words[int(i)], int(i), float(s)) for i, s in zip(ids, scores)]

    def measure_recall(self, query_rows, n_probe: int | None = None, k: int = 10) -> float:
        """Mean share of the exact top k (cosine, query row left out) that the index finds."""
        return _recall(self, query_rows, _exact_top(self.emb, query_rows, k), n_probe, k)


def _one_thread(faiss) -> None:
    """faiss runs on one thread in the calling thread (an OpenMP setting is per thread).
    OpenMP's idle threads spin-wait, like OpenBLAS's (core/threads.py): on shared cores a
    second thread that the system is slow to schedule holds a build, or a query of a
    millisecond, up many times over."""
    faiss.omp_set_num_threads(1)


def _exact_top(emb: Embedding, rows, k: int) -> list[set[int]]:
    """The exact cosine top k of each row (itself left out), by core/neighbours.py."""
    return [{n.row for n in nearest(emb, emb.words[int(r)], k=k)} for r in rows]


def _recall(index: ApproximateIndex, rows, exact: list[set[int]], n_probe, k: int = 10) -> float:
    """Mean share of each row's exact top k (`exact`) that the index finds for it."""
    norms = gensim_norms(index.emb)
    hits = 0
    for r, want in zip(rows, exact):
        q = np.asarray(index.emb.vectors[int(r)], dtype=np.float32) / norms[int(r)]
        ids, _ = index._search(q, k, {int(r)}, n_probe)
        hits += len(want.intersection(ids.tolist()))
    return hits / (k * max(1, len(rows)))


def _unit_block(emb: Embedding, norms: np.ndarray, rows) -> tuple[np.ndarray, np.ndarray]:
    """(row numbers, unit rows) of a block of rows (a slice or row numbers), leaving out rows
    that are zero or not finite: they have no direction and are never a neighbour."""
    ids = np.arange(*rows.indices(emb.rows)) if isinstance(rows, slice) else np.asarray(rows)
    block = np.asarray(emb.vectors[rows], dtype=np.float32)
    n = norms[rows]
    ok = (n > 0) & np.isfinite(n)
    return ids[ok], block[ok] / n[ok, None]


def build_index(
    emb: Embedding,
    n_lists: int | None = None,
    target_recall: float = 0.95,
    recall_queries: int = 100,
    sample_size: int = 50_000,
    seed: int = 0,
    progress=None,
    should_stop=None,
) -> ApproximateIndex:
    """Build an inverted-file index for approximate cosine search over `emb`.

    `n_lists` defaults to about √V (1,000 lists for a million rows, at most 2,048), trained by
    6 rounds of k-means on `sample_size` rows (at least 40 per list). The lists read per
    query start at 1/128 of them and grow by half until recall@10 on `recall_queries` tuning
    rows reaches `target_recall`; `recall_at_10` is then measured on as many other rows.
    Raises Cancelled when `should_stop()` turns true (between blocks; the clustering of the
    sample is one call into faiss).
    """
    import faiss

    _one_thread(faiss)
    start = time.perf_counter()
    job = Job(progress, should_stop)
    rng = np.random.default_rng(seed)
    V, D = emb.rows, emb.dim
    norms = gensim_norms(emb)
    if n_lists is None:
        n_lists = int(min(2048, max(16, np.sqrt(V))))
    n_lists = int(max(1, min(n_lists, V // 40 or 1)))

    # 1. cluster a sample of unit rows into the lists
    job.step(0, 1000, "clustering a sample")
    sample = np.sort(rng.choice(V, size=min(V, max(sample_size, 40 * n_lists)), replace=False))
    _, X = _unit_block(emb, norms, sample)
    ivf = faiss.IndexIVFFlat(faiss.IndexFlatIP(D), D, n_lists, faiss.METRIC_INNER_PRODUCT)
    ivf.cp.seed = seed
    ivf.cp.niter = 6
    ivf.train(X)
    del X

    # 2. file every row under its closest centre
    fill = job.sub(0.3, 0.8)
    for s in range(0, V, _BLOCK):
        rows, unit = _unit_block(emb, norms, slice(s, s + _BLOCK))
        ivf.add_with_ids(unit, rows)
        fill.step(min(V, s + _BLOCK), V, "filing rows")

    # 3. tune the lists read per query on one set of rows, measure recall on another
    index = ApproximateIndex(emb, ivf, max(1, n_lists // 128))
    tuning = job.sub(0.8, 1.0)
    finite = np.flatnonzero((norms > 0) & np.isfinite(norms))
    picks = rng.choice(finite, size=min(len(finite), 2 * recall_queries), replace=False)
    tune, held_out = picks[:recall_queries], picks[recall_queries:]
    exact = _exact_top(emb, tune, 10)
    tuning.step(1, 3, "measuring recall")
    while True:
        recall = _recall(index, tune, exact, None)
        if recall >= target_recall or index.n_probe >= n_lists:
            break
        index.n_probe = min(n_lists, max(index.n_probe + 1, int(index.n_probe * 1.5)))
        tuning.check()
    tuning.step(2, 3, "measuring recall")
    index.recall_at_10 = index.measure_recall(held_out) if len(held_out) else recall
    tuning.step(3, 3, "done")
    index.build_seconds = time.perf_counter() - start
    return index
