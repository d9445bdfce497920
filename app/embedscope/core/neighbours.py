"""Exact nearest neighbours of a word, of several words, or of a raw vector.

Cosine scores are computed exactly as gensim's `KeyedVectors.most_similar` computes them
(weighted mean of unit vectors, unit-normalised in float64, then `vectors @ mean / norms` in
float32), so the words *and* the scores agree with gensim to the last bit. Speed comes from
reading less: for large vocabularies a 4-bit copy of the rows on their principal axes
(core/quantized.py, an eighth of the matrix) bounds every row's cosine and rules out all but a
few hundred rows before any is scored exactly (`_cosine_pruned`). Without it, the top k are
found from per-block maxima (a few hundred numbers) instead of partitioning all V scores, and
the products are split over the cores by us, each part a single-threaded BLAS call (the
policy is core/threads.py's). Many queries at once (`nearest_many`) share one matrix product
per group of queries; its candidates are re-scored exactly as a single query scores them.
"""
from __future__ import annotations

import threading
import weakref
from typing import NamedTuple

import numpy as np

from . import quantized
from .embedding import Embedding
from .errors import UnknownWordError
from .expression import parse_expression
from .threads import CORES, shared_pool, single_blas_thread

METRICS = ("cosine", "dot", "euclidean")

# Row blocks for the matrix–vector product: a very large or memory-mapped matrix is streamed
# (and a cancel noticed) in blocks of about 512 MB. Blocks are few on purpose: each BLAS call
# pays a thread start-up that, on a busy machine, costs as much as the product itself.
_BLOCK_VALUES = 1 << 27
_ROW_BLOCK = 1 << 18  # rows per block when computing norms
# Scores are grouped in blocks of this many rows to find a threshold for the top k.
_MAX_BLOCK = 256


class Neighbour(NamedTuple):
    """One result: the word, its row in the embedding, and its score (cosine similarity, dot
    product, or Euclidean distance depending on the metric)."""

    word: str
    row: int
    score: float


class _SearchState:
    """What a search keeps per embedding: gensim-compatible norms and a scores buffer."""

    def __init__(self, emb: Embedding):
        self.emb = weakref.ref(emb)
        vectors = emb.vectors
        # np.linalg.norm, exactly as gensim's fill_norms: its float32 rounding differs from
        # einsum's in the last bit for some rows, and scores must match gensim's bit for bit.
        norms = np.empty(emb.rows, dtype=np.float32)
        for s in range(0, emb.rows, _ROW_BLOCK):
            norms[s : s + _ROW_BLOCK] = np.linalg.norm(
                np.asarray(vectors[s : s + _ROW_BLOCK]), axis=1)
        self.norms = norms
        self._sq_norms = None
        self._quantized = None
        self._building = None
        self._lock_build = threading.Lock()
        self._buffer = np.empty(emb.rows, dtype=np.float32)
        self._lock = threading.Lock()

    def quantized(self, emb: Embedding, wait: bool = False):
        """The 4-bit rotated copy for pruned cosine search (core/quantized.py), or None.

        Built once, in a background thread started by the first call, so no query waits for
        it (about a second on 400,000 rows, numba's import included): queries before it is
        ready search the plain way. `wait=True` builds it now. None also when the embedding
        is too small or too big for it to pay.
        """
        with self._lock_build:
            if self._quantized is None and not _worth_quantizing(emb):
                self._quantized = False
            if self._quantized is None and self._building is None:
                self._building = threading.Thread(target=self._build, args=(emb,),
                                                  name="embedscope-quantize", daemon=True)
                self._building.start()
            building = self._building
        if wait and building is not None:
            building.join()
        return self._quantized or None

    def _build(self, emb: Embedding) -> None:
        try:
            built = _build_quantized(emb, self.norms) or False
        except Exception:  # noqa: BLE001 - an optional speed-up: searches go on without it
            built = False
        self._quantized = built
        self._building = None

    @property
    def sq_norms(self) -> np.ndarray:
        if self._sq_norms is None:
            self._sq_norms = self.norms.astype(np.float32) ** 2
        return self._sq_norms

    def scores_buffer(self, n: int):
        """The reusable buffer when free (one query at a time), else a fresh array."""
        if self._lock.acquire(blocking=False):
            return self._buffer[:n], self._lock
        return np.empty(n, dtype=np.float32), None


_STATES: "weakref.WeakKeyDictionary[Embedding, _SearchState]" = weakref.WeakKeyDictionary()
_STATES_LOCK = threading.Lock()


def search_state(emb: Embedding) -> _SearchState:
    """The per-embedding search state, built on first use and kept while the embedding lives."""
    with _STATES_LOCK:
        st = _STATES.get(emb)
        if st is None:
            st = _SearchState(emb)
            _STATES[emb] = st
        return st


def prepare(emb: Embedding) -> None:
    """Build what fast searches of `emb` use (norms, the 4-bit copy) now, instead of in the
    background after the first query."""
    search_state(emb).quantized(emb, wait=True)


def gensim_norms(emb: Embedding) -> np.ndarray:
    """Row norms rounded exactly as gensim's `fill_norms` rounds them (float32)."""
    return search_state(emb).norms


# --- query vectors ------------------------------------------------------------------------

def _unitvec64(vec64: np.ndarray) -> np.ndarray:
    """gensim's `matutils.unitvec` for a float64 vector: BLAS dnrm2, then dscal by 1/length."""
    from scipy.linalg.blas import dnrm2

    length = dnrm2(vec64)
    if length > 0.0:
        return vec64 * (1.0 / length)
    return vec64


def query_terms(emb: Embedding, query) -> list[tuple[float, object]]:
    """Normalise a query (word, expression such as "king - man + woman", list of words, list
    of (weight, word) pairs, or a vector) into (weight, word-or-vector) terms; unknown words
    raise UnknownWordError listing all."""
    if isinstance(query, np.ndarray) and query.ndim == 1:
        terms = [(1.0, query)]
    elif isinstance(query, str):
        if query not in emb.word_to_row and any(c in query for c in "+-* "):
            terms = parse_expression(query, emb.word_to_row)
        else:
            terms = [(1.0, query)]
    else:
        terms = []
        for item in query:
            if isinstance(item, tuple):
                weight, token = item
                terms.append((float(weight), token))
            else:
                terms.append((1.0, item))
        if not terms:
            raise ValueError("an empty query: give at least one word or a vector")
    unknown = [t for _, t in terms if isinstance(t, str) and t not in emb.word_to_row]
    if unknown:
        unknown = list(dict.fromkeys(unknown))
        raise UnknownWordError(unknown, {w: emb.suggest(w) for w in unknown})
    for _, t in terms:
        if not isinstance(t, str):
            t = np.asarray(t)
            if t.shape != (emb.dim,):
                raise ValueError(f"a query vector must have {emb.dim} values, got shape {t.shape}")
    return terms


def query_vector(emb: Embedding, terms, normalize: bool = True) -> np.ndarray:
    """The float32 query vector for weighted terms.

    With `normalize` this is gensim's `get_mean_vector(pre_normalize=True,
    post_normalize=True)` step for step (same float32/float64 roundings): each word's unit
    vector times its weight, summed into a float32 mean, divided by the sum of |weights|, then
    unit-normalised. Without it, the weighted mean of the raw vectors (for dot and Euclidean).
    """
    norms = gensim_norms(emb)
    mean = np.zeros(emb.dim, dtype=np.float32)
    total = np.float64(0.0)
    for weight, token in terms:
        w = np.float64(weight)
        if isinstance(token, str):
            row = emb.word_to_row[token]
            vec = np.asarray(emb.vectors[row])
            if normalize:
                vec = vec / norms[row]
        else:
            vec = np.asarray(token)
        mean += w * vec
        total += abs(w)
    out = mean / total if total > 0 else mean.astype(np.float64)
    if normalize:
        out = _unitvec64(np.asarray(out, dtype=np.float64))
    return np.asarray(out, dtype=np.float32)


# --- scores and the top k --------------------------------------------------------------------

_SPLIT_MIN_ROWS = 131_072  # below this one thread finishes before a second one starts


def _split_dot(mat, q: np.ndarray, out: np.ndarray) -> None:
    """out = mat @ q, the rows shared among one worker per core (the calling thread does the
    first share), each share a single-threaded sgemv (callers hold `single_blas_thread`): each
    worker is its own share of a busy machine, without OpenBLAS's spin-waits. Split points are
    multiples of 64 rows: sgemv groups rows by 4, so every row rounds exactly as in one
    product over the whole matrix."""
    n = out.shape[0]
    if CORES < 2 or n < _SPLIT_MIN_ROWS:
        np.dot(mat[:n], q, out=out)
        return
    pool = shared_pool()
    bounds = [0] + [((n * i) // CORES) // 64 * 64 for i in range(1, CORES)] + [n]
    futures = [pool.submit(np.dot, mat[a:b], q, out=out[a:b])
               for a, b in zip(bounds[1:-1], bounds[2:])]
    np.dot(mat[:bounds[1]], q, out=out[:bounds[1]])
    for f in futures:
        f.result()


def _matvec(vectors, q: np.ndarray, out: np.ndarray, job=None) -> np.ndarray:
    """out[i] = vectors[i] · q over the first len(out) rows, in row blocks.

    BLAS sgemv per block (split over the cores): per-row results are bit-identical to one call
    over the whole matrix (and so to gensim's), because sgemv never mixes rows.
    """
    n = out.shape[0]
    step = max(_ROW_BLOCK, _BLOCK_VALUES // max(1, vectors.shape[1]))
    with single_blas_thread():
        if n <= step:
            _split_dot(vectors, q, out)
            return out
        for s in range(0, n, step):
            e = min(n, s + step)
            _split_dot(np.asarray(vectors[s:e]), q, out[s:e])
            if job is not None:
                job.step(e, n, "scoring")
    return out


def top_rows(key: np.ndarray, k: int, exclude=(), tolerance: float = 0.0) -> np.ndarray:
    """Rows of the k largest values of `key` (NaN never chosen), ignoring `exclude`.

    Ordered by value (largest first), ties by row (the more frequent word first). Instead of
    partitioning all V values, the largest value of each block of 256 rows is taken; the
    (k + excluded)-th largest of those is a value at least that many rows reach, so every row
    of the top k is at or above it. With `tolerance`, rows that far below also qualify (for
    callers who re-score candidates exactly).
    """
    n = key.shape[0]
    exclude = np.unique(np.asarray(list(exclude), dtype=np.int64))
    exclude = exclude[(exclude >= 0) & (exclude < n)]
    need = k + len(exclude)
    if k <= 0 or n == 0:
        return np.empty(0, dtype=np.int64)
    full = (n // _MAX_BLOCK) * _MAX_BLOCK
    threshold = -np.inf
    if full and need * 4 < n // _MAX_BLOCK:
        block_max = np.fmax.reduce(key[:full].reshape(-1, _MAX_BLOCK), axis=1)
        if full < n:
            block_max = np.append(block_max, np.fmax.reduce(key[full:]))
        block_max = np.nan_to_num(block_max, nan=-np.inf)
        threshold = np.partition(block_max, len(block_max) - need)[len(block_max) - need]
    if threshold == -np.inf:
        cand = np.flatnonzero(~np.isnan(key))
    else:
        cand = np.flatnonzero(key >= threshold - tolerance)
    if len(exclude):
        cand = cand[~np.isin(cand, exclude)]
    vals = key[cand]
    order = np.lexsort((cand, -vals.astype(np.float64)))
    return cand[order[: k if tolerance == 0 else len(order)]]


def scores_for(emb: Embedding, q: np.ndarray, metric: str = "cosine", restrict: int | None = None,
               out: np.ndarray | None = None, job=None) -> np.ndarray:
    """Scores of every row (of the first `restrict`) against query vector `q`.

    cosine: `vectors @ q / norms` (q already unit length; NaN for all-zero rows, as gensim);
    dot: `vectors @ q`; euclidean: the distance to q.
    """
    if metric not in METRICS:
        raise ValueError(f"unknown metric '{metric}' (expected one of {', '.join(METRICS)})")
    st = search_state(emb)
    n = emb.rows if not restrict else min(int(restrict), emb.rows)
    if out is None:
        out = np.empty(n, dtype=np.float32)
    _matvec(emb.vectors, np.ascontiguousarray(q, dtype=np.float32), out[:n], job)
    out = out[:n]
    if metric == "cosine":
        with np.errstate(invalid="ignore", divide="ignore"):
            np.divide(out, st.norms[:n], out=out)
    elif metric == "euclidean":
        out *= -2.0
        out += st.sq_norms[:n]
        out += np.float32(np.dot(q, q))
        np.maximum(out, 0, out=out)
        np.sqrt(out, out=out)
    return out


def nearest(
    emb: Embedding,
    query,
    k: int = 10,
    metric: str = "cosine",
    exclude_query: bool = True,
    restrict: int | None = None,
    job=None,
) -> list[Neighbour]:
    """The k nearest rows to `query`: a word, a list of words (or (weight, word) pairs; their
    weighted mean is the query, as gensim's `most_similar(positive=...)`), or a vector.

    `metric` is "cosine" (default; scores equal gensim's `most_similar`), "dot" (dot product
    with the weighted mean of the raw vectors) or "euclidean" (distance to that mean; smallest
    first). The query's own words are left out unless `exclude_query=False`. `restrict=N`
    searches only the first N rows (the most frequent words in frequency-ordered files).
    Raises UnknownWordError naming every unknown word with close spellings.
    """
    if metric not in METRICS:
        raise ValueError(f"unknown metric '{metric}' (expected one of {', '.join(METRICS)})")
    terms = query_terms(emb, query)
    q = query_vector(emb, terms, normalize=(metric == "cosine"))
    exclude = [emb.word_to_row[t] for _, t in terms if isinstance(t, str)] if exclude_query else []
    return search_vector(emb, q, k, metric, exclude, restrict, job)


# Pruned cosine search pays from this many rows on (below it one product is already quick),
# and up to this much work building the rotated copy (rows × dim²): 3,000,000 × 300 (the
# GoogleNews vectors) builds in about 15 s in the background.
_PRUNE_MIN_ROWS = 100_000
_PRUNE_MAX_WORK = 3e11
_PRUNE_GIVE_UP = 0.25   # fraction of rows left after the bound at which plain search is cheaper


def _worth_quantizing(emb: Embedding) -> bool:
    """Whether the 4-bit copy pays: enough rows, not too much work to build it, numba there."""
    V, D = emb.rows, emb.dim
    return V >= _PRUNE_MIN_ROWS and D >= 16 and V * D * D <= _PRUNE_MAX_WORK


def _build_quantized(emb: Embedding, norms: np.ndarray):
    """The 4-bit rotated copy of the unit rows (core/quantized.py), or None when it does not
    pay: too few or too many rows, numba missing, or a CPU without the instructions its sums
    use (or where they fail their self-check)."""
    if not _worth_quantizing(emb) or not quantized.available():
        return None
    qz = quantized.QuantizedRows(emb.vectors, norms)
    return qz if qz.simd else None


def _rows_dot(vectors, rows: np.ndarray, q: np.ndarray) -> np.ndarray:
    """vectors[rows] @ q with the same float32 rounding as one product over all rows.

    OpenBLAS's sgemv works on groups of 4 rows and rounds a leftover tail differently; padding
    the gathered rows to a multiple of 16 keeps every row in a full group, as it is in the
    full product.
    """
    m = len(rows)
    padded = -(-m // 16) * 16
    if padded != m:
        rows = np.concatenate([rows, np.full(padded - m, rows[0] if m else 0, dtype=np.int64)])
    return (np.asarray(vectors[rows]) @ q)[:m]


def _exact_dots(vectors, rows: np.ndarray, q: np.ndarray, n: int) -> np.ndarray:
    """vectors[rows] @ q (rows sorted) rounded as one sgemv over the first n rows rounds them.

    `_rows_dot` holds for rows in the product's full groups; the last n mod 64 rows are a tail
    that sgemv sums another way, so those come from a product over the tail alone (which,
    starting at a multiple of 64, is grouped as in the whole product).
    """
    tail = (n // 64) * 64
    split = int(np.searchsorted(rows, tail))
    out = np.empty(len(rows), dtype=np.float32)
    if split:
        out[:split] = _rows_dot(vectors, rows[:split], q)
    if split < len(rows):
        out[split:] = (np.asarray(vectors[tail:n]) @ q)[rows[split:] - tail]
    return out


def _cosine_pruned(emb, st, q, k, exclude, n):
    """Exact cosine top k via the 4-bit bounds (core/quantized.py), or None when they rule out
    too little.

    Scores of the rows kept are computed as gensim computes them (one sgemv over the rows,
    divided by the norms), which gives the same float32 values as its full product.
    """
    qz = st.quantized(emb)
    if qz is None:
        return None
    qc = qz.query(q)
    # One thread: the pass is bound by memory bandwidth, which a second thread barely adds to,
    # and a second thread that the OS is slow to schedule would hold the query up.
    upper, picked = qz.first_pass(qc, n, k + 6)
    keep = qz.second_pass(qc, upper, picked, emb.vectors, st.norms, q, k, exclude, n,
                          limit=int(_PRUNE_GIVE_UP * n))
    if keep is None:
        return None
    scores = _exact_cosines(emb, st, keep, q)
    order = np.argsort(-scores.astype(np.float64), kind="stable")[:k]  # ties: lower row first
    order = order[np.isfinite(scores[order])]
    return [Neighbour(emb.words[int(keep[i])], int(keep[i]), float(scores[i])) for i in order]


def _exact_cosines(emb, st, rows, q):
    """gensim's cosine scores of `rows` (NaN rows as −inf)."""
    with np.errstate(invalid="ignore", divide="ignore"):
        scores = _rows_dot(emb.vectors, rows, q) / st.norms[rows]
    return np.where(np.isnan(scores), -np.inf, scores)


def search_vector(emb: Embedding, q: np.ndarray, k: int = 10, metric: str = "cosine",
                  exclude=(), restrict: int | None = None, job=None) -> list[Neighbour]:
    """The k best rows for a ready query vector (unit length for cosine), leaving out rows
    `exclude`."""
    if k <= 0:
        return []
    st = search_state(emb)
    n = emb.rows if not restrict else min(int(restrict), emb.rows)
    if metric == "cosine" and k <= 100:
        pruned = _cosine_pruned(emb, st, np.ascontiguousarray(q, dtype=np.float32), k,
                                np.unique(np.asarray(list(exclude), dtype=np.int64)), n)
        if pruned is not None:
            return pruned
    buf, lock = st.scores_buffer(n)
    try:
        return _search_vector(emb, st, q, k, metric, exclude, restrict, n, buf, job)
    finally:
        if lock is not None:
            lock.release()


def _search_vector(emb, st, q, k, metric, exclude, restrict, n, buf, job):
    """search_vector's work, scores written into `buf`."""
    if metric == "euclidean":
        # Rank by 2·v·q − |v|² (same order as the distance, no square root over V), then
        # measure the candidates' distances directly so near neighbours are not lost to
        # cancellation in |v|² − 2·v·q + |q|².
        _matvec(emb.vectors, np.ascontiguousarray(q, dtype=np.float32), buf, job)
        buf *= 2.0
        buf -= st.sq_norms[:n]
        scale = float(np.max(st.sq_norms[:n])) + float(np.dot(q, q)) if n else 0.0
        cand = top_rows(buf, k, exclude, tolerance=1e-5 * scale + 1e-6)
        dist = np.linalg.norm(np.asarray(emb.vectors[np.sort(cand)]) - q, axis=1)
        rows = np.sort(cand)
        order = np.lexsort((rows, dist))[:k]
        return [Neighbour(emb.words[int(rows[i])], int(rows[i]), float(dist[i]))
                for i in order]
    scores = scores_for(emb, q, metric, restrict, out=buf, job=job)
    rows = top_rows(scores, k, exclude)
    return [Neighbour(emb.words[int(r)], int(r), float(scores[r])) for r in rows]


# --- many queries at once --------------------------------------------------------------------

# From this many queries on, one matrix product serves them all: a single query reads the
# whole matrix for one vector, a product of 64 reads it once for all of them.
_BATCH_FROM = 2
# Scores of a group of queries at once take at most this many bytes (rows × queries × 4).
_BATCH_BYTES = 1 << 27
_BATCH_MAX = 64


def nearest_many(emb: Embedding, queries, k: int = 10, metric: str = "cosine",
                 exclude_query: bool = True, restrict: int | None = None,
                 job=None) -> list[list[Neighbour]]:
    """`nearest` for each of `queries` (each a word, a list of words or a vector), in order.

    The same words and scores as one `nearest` call per query, computed together: one
    product of a group of queries with the matrix finds each query's candidates, and the
    candidates are scored exactly as `nearest` scores them (gensim's sgemv rounding).
    Euclidean queries are answered one at a time.
    """
    if metric not in METRICS:
        raise ValueError(f"unknown metric '{metric}' (expected one of {', '.join(METRICS)})")
    queries = list(queries)
    if metric == "euclidean" or len(queries) < _BATCH_FROM:
        return [nearest(emb, q, k, metric, exclude_query, restrict, job) for q in queries]
    terms = [query_terms(emb, q) for q in queries]
    Q = np.stack([query_vector(emb, t, normalize=(metric == "cosine")) for t in terms])
    excludes = [[emb.word_to_row[t] for _, t in ts if isinstance(t, str)] if exclude_query
                else [] for ts in terms]
    return search_vectors(emb, Q, k, metric, excludes, restrict, job)


def search_vectors(emb: Embedding, Q: np.ndarray, k: int = 10, metric: str = "cosine",
                   excludes=None, restrict: int | None = None, job=None) -> list[list[Neighbour]]:
    """`search_vector` for every row of `Q` (cosine or dot), `excludes[i]` the rows query i
    leaves out; a group of queries shares one matrix product."""
    if metric not in ("cosine", "dot"):
        raise ValueError(f"search_vectors takes cosine or dot, not '{metric}'")
    Q = np.ascontiguousarray(Q, dtype=np.float32)
    m = Q.shape[0]
    excludes = excludes if excludes is not None else [()] * m
    if k <= 0 or m == 0:
        return [[] for _ in range(m)]
    st = search_state(emb)
    n = emb.rows if not restrict else min(int(restrict), emb.rows)
    vectors = emb.vectors
    group = int(max(1, min(_BATCH_MAX, _BATCH_BYTES // (4 * max(1, n)))))
    # The product rounds differently from gensim's one-query sgemv by a few units in the last
    # place of a score; rows that close to the k-th best are kept and re-scored exactly.
    norm_max = float(np.nanmax(st.norms[:n])) if n else 0.0
    out: list[list[Neighbour]] = [[] for _ in range(m)]
    scores = np.empty((min(group, m), n), dtype=np.float32)

    def answer(i0, i1, S):
        """Candidates of queries i0..i1 from their product rows S, re-scored exactly."""
        for i in range(i0, i1):
            q = Q[i]
            scale = 1.0 if metric == "cosine" else norm_max * float(np.linalg.norm(q))
            cand = top_rows(S[i - i0], k, excludes[i], tolerance=1e-5 * scale + 1e-7)
            cand = np.sort(cand)
            exact = _exact_dots(vectors, cand, q, n)
            if metric == "cosine":
                with np.errstate(invalid="ignore", divide="ignore"):
                    exact /= st.norms[cand]
                exact[np.isnan(exact)] = -np.inf
            order = np.argsort(-exact.astype(np.float64), kind="stable")[:k]
            order = order[np.isfinite(exact[order])]
            out[i] = [Neighbour(emb.words[int(cand[j])], int(cand[j]), float(exact[j]))
                      for j in order]

    def work(i0, i1, S):
        np.dot(Q[i0:i1], np.asarray(vectors[:n]).T, out=S)
        if metric == "cosine":
            with np.errstate(invalid="ignore", divide="ignore"):
                np.divide(S, st.norms[:n], out=S)
        answer(i0, i1, S)

    with single_blas_thread():
        for g0 in range(0, m, group):
            g1 = min(m, g0 + group)
            S = scores[: g1 - g0]
            # the group's queries shared among the cores, each share one single-threaded sgemm
            cuts = np.linspace(g0, g1, min(CORES, g1 - g0) + 1).astype(int)
            futures = [shared_pool().submit(work, a, b, S[a - g0:b - g0])
                       for a, b in zip(cuts[1:-1], cuts[2:])]
            work(cuts[0], cuts[1], S[: cuts[1] - g0])
            for f in futures:
                f.result()
            if job is not None:
                job.step(g1, m, "finding neighbours")
    return out
