"""Embedscope's own search code side by side with the libraries that do the same job: the exact
top-10 cosine search (4-bit copy + exact rescoring) and the approximate index, against faiss,
usearch, hnswlib and pynndescent, on GloVe 6B 50d (400,000 × 50) and the 2,000,000 × 300
clustered matrix of bench/query.py.

    .venv/bin/python bench/search_libraries.py            # 400,000 × 50 only
    .venv/bin/python bench/search_libraries.py --big      # also 2,000,000 × 300 (~8 GB RAM)
    .venv/bin/python bench/search_libraries.py --skip hnswlib,pynndescent   # leave some out

The graph indexes' builds (HNSW, pynndescent) take most of the time: minutes each on 400,000
× 50 with 2 cores, far longer on 2,000,000 × 300; --skip leaves them out.

Needs the dev extra (usearch, hnswlib; faiss-cpu is a dependency, pynndescent comes with umap).

Exact paths: a library may only propose candidates (its top k + 10); the words and scores shown
are computed the way gensim computes them (core/neighbours.py), and "same" counts queries whose
top 10 equals gensim's. Approximate paths: each search knob (lists read, ef, epsilon) is raised
until recall@10 on 50 tuning rows reaches 0.95, then recall and time are measured on other rows.
Memory is what the index holds beyond the matrix: its own size where the library reports it,
else (hnswlib, pynndescent) the process's resident size gained while building. Query times
are single queries, one after another, one thread.
"""
from __future__ import annotations

import argparse
import gc
import os
import sys
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "resources" / "sample"))
from make_sample import glove_6b_50d  # noqa: E402
from query import clustered_matrix  # noqa: E402

from embedscope.core import neighbours as nb  # noqa: E402
from embedscope.core import quantized  # noqa: E402
from embedscope.core.embedding import Embedding  # noqa: E402
from embedscope.core.threads import CORES, single_blas_thread  # noqa: E402

K = 10
TARGET = 0.95


def rss() -> int:
    """Resident bytes of this process now."""
    with open("/proc/self/statm") as f:
        return int(f.read().split()[1]) * os.sysconf("SC_PAGE_SIZE")


def _pct(ts, p):
    return float(np.percentile(ts, p)) * 1e3


class Row(dict):
    """One line of the table."""


def _add(table, row):
    table.append(row)
    print_row(row)


def unit_rows(emb: Embedding) -> np.ndarray:
    """Unit rows as float32 (zero rows stay zero): what the libraries index for cosine."""
    norms = nb.gensim_norms(emb).copy()
    norms[~(norms > 0)] = 1.0
    out = np.empty((emb.rows, emb.dim), dtype=np.float32)
    for s in range(0, emb.rows, 1 << 16):
        out[s:s + (1 << 16)] = np.asarray(emb.vectors[s:s + (1 << 16)]) / norms[s:s + (1 << 16),
                                                                                 None]
    return out


def query_unit(emb: Embedding, row: int) -> np.ndarray:
    return nb.query_vector(emb, [(1.0, emb.words[row])])


def gensim_rescore(emb: Embedding, q: np.ndarray, cand, row: int) -> list[int]:
    """The top 10 of library candidates, scored exactly as gensim scores them."""
    st = nb.search_state(emb)
    cand = np.unique(np.asarray(cand, dtype=np.int64))
    cand = cand[(cand >= 0) & (cand != row)]
    scores = nb._exact_cosines(emb, st, cand, q)
    order = np.argsort(-scores.astype(np.float64), kind="stable")[:K]
    return cand[order].tolist()


def timed_queries(fn, rows):
    """(answers, seconds) of fn(row) for each row, one at a time."""
    fn(int(rows[0]))  # warm
    out, ts = [], []
    for r in rows:
        t = time.perf_counter()
        out.append(fn(int(r)))
        ts.append(time.perf_counter() - t)
    return out, ts


def recall(got, truth) -> float:
    return float(np.mean([len(set(list(g)[:K]) & set(t)) / K for g, t in zip(got, truth)]))


def build(fn):
    """(result, seconds, resident bytes gained) of a build."""
    gc.collect()
    before = rss()
    t = time.perf_counter()
    out = fn()
    secs = time.perf_counter() - t
    gc.collect()
    return out, secs, max(0, rss() - before)


# --- exact ------------------------------------------------------------------------------------

def exact_paths(emb, unit, rows, truth, skip):
    table = []
    st = nb.search_state(emb)
    # the copy search_state keeps was made before the truth was taken; time a second one
    qz, secs, _ = build(lambda: quantized.QuantizedRows(emb.vectors, nb.gensim_norms(emb))
                        if st.quantized(emb) is not None else None)
    got, ts = timed_queries(lambda r: [n.row for n in nb.nearest(emb, emb.words[r], k=K)], rows)
    _add(table, Row(name="embedscope 4-bit copy + exact rescoring", build=secs,
                     mem=(qz.codes.nbytes + qz.err.nbytes if qz is not None else 0), ts=ts,
                     same=sum(g == t for g, t in zip(got, truth)), n=len(rows)))
    with single_blas_thread():
        got, ts = timed_queries(lambda r: nb._search_vector(
            emb, st, query_unit(emb, r), K, "cosine", [r], None, emb.rows,
            np.empty(emb.rows, np.float32), None), rows)
    _add(table, Row(name="one BLAS product over every row (plain path)", build=0.0, mem=0,
                     ts=ts, same=sum([n.row for n in g] == t for g, t in zip(got, truth)),
                     n=len(rows)))
    if "faiss-flat" not in skip:
        import faiss

        faiss.omp_set_num_threads(1)
        index, secs, _ = build(lambda: _faiss_flat(unit))
        mem = unit.nbytes

        def faiss_exact(r):
            q = query_unit(emb, r)
            _, ids = index.search(q[None, :], K + 10)
            return gensim_rescore(emb, q, ids[0], r)

        got, ts = timed_queries(faiss_exact, rows)
        _add(table, Row(name="faiss IndexFlatIP (unit rows) + gensim rescoring", build=secs,
                         mem=mem, ts=ts, same=sum(g == t for g, t in zip(got, truth)),
                         n=len(rows)))
        del index
    if "usearch-exact" not in skip:
        from usearch.index import search as usearch_search

        def usearch_exact(r):
            q = query_unit(emb, r)
            m = usearch_search(unit, q, K + 10, "ip", exact=True, threads=1)
            return gensim_rescore(emb, q, m.keys, r)

        got, ts = timed_queries(usearch_exact, rows)
        _add(table, Row(name="usearch exact search (unit rows) + gensim rescoring", build=0.0,
                         mem=0, ts=ts, same=sum(g == t for g, t in zip(got, truth)),
                         n=len(rows)))
    return table


def ivf_bytes(ivf) -> int:
    """What a faiss inverted-file index holds: codes and ids of every row, and the centres."""
    return ivf.ntotal * (ivf.code_size + 8) + ivf.nlist * ivf.d * 4


def _faiss_flat(unit):
    import faiss

    index = faiss.IndexFlatIP(unit.shape[1])
    index.add(unit)
    return index


# --- approximate ------------------------------------------------------------------------------

def tune(search, knobs, tune_rows, tune_truth):
    """The first knob whose recall@10 on the tuning rows reaches TARGET (else the last)."""
    for knob in knobs:
        got = [search(int(r), knob) for r in tune_rows]
        if recall(got, tune_truth) >= TARGET:
            return knob
    return knobs[-1]


def approx_row(name, search, knobs, built, tune_rows, tune_truth, rows, truth):
    index_secs, mem = built
    knob = tune(search, knobs, tune_rows, tune_truth)
    got, ts = timed_queries(lambda r: search(r, knob), rows)
    return Row(name=name, build=index_secs, mem=mem, ts=ts, recall=recall(got, truth),
               knob=knob, n=len(rows))


def approx_paths(emb, unit, tune_rows, tune_truth, rows, truth, skip):
    table = []
    D = unit.shape[1]
    if "home" not in skip:
        from embedscope.core.ann import build_index

        index, secs, _ = build(lambda: build_index(emb, target_recall=TARGET))
        mem = ivf_bytes(index._ivf)

        def home(r, knob):
            return [n.row for n in index.nearest(emb.words[r], k=K, n_probe=knob)]

        knobs, p = [], max(1, index.n_lists // 128)
        while p < index.n_lists:  # the build's own tuning steps
            knobs.append(p)
            p = max(p + 1, int(p * 1.5))
        _add(table, approx_row(f"embedscope core/ann.py ({index.n_lists} lists)", home,
                                knobs + [index.n_lists],
                                (secs, mem), tune_rows, tune_truth, rows, truth))
        del index
        gc.collect()
    if "faiss-ivf" not in skip:
        import faiss

        faiss.omp_set_num_threads(CORES)
        n_lists = int(min(2048, max(16, 2 * np.sqrt(emb.rows))))  # twice core/ann.py's

        def make_ivf():
            quant = faiss.IndexFlatIP(D)
            ivf = faiss.IndexIVFFlat(quant, D, n_lists, faiss.METRIC_INNER_PRODUCT)
            ivf.cp.niter = 10
            rng = np.random.default_rng(0)
            ivf.train(unit[np.sort(rng.choice(len(unit), min(len(unit), 40 * n_lists),
                                              replace=False))])
            ivf.add(unit)
            return ivf

        ivf, secs, _ = build(make_ivf)
        mem = ivf_bytes(ivf)
        faiss.omp_set_num_threads(1)

        def faiss_ivf(r, knob):
            ivf.nprobe = knob
            _, ids = ivf.search(unit[r][None, :], K + 1)
            return [i for i in ids[0].tolist() if i != r][:K]

        _add(table, approx_row(f"faiss IndexIVFFlat ({n_lists} lists)", faiss_ivf,
                                [1, 2, 4, 6, 8, 12, 16, 24, 32, 48, 64, 96, 128, 192, 256],
                                (secs, mem), tune_rows, tune_truth, rows, truth))
        del ivf
        gc.collect()
    if "faiss-hnsw" not in skip:
        import faiss

        faiss.omp_set_num_threads(CORES)

        def make_hnsw():
            h = faiss.IndexHNSWFlat(D, 32, faiss.METRIC_INNER_PRODUCT)
            h.hnsw.efConstruction = 40
            h.add(unit)
            return h

        hnsw, secs, _ = build(make_hnsw)
        mem = (hnsw.ntotal * D * 4
               + faiss.vector_to_array(hnsw.hnsw.neighbors).nbytes)
        faiss.omp_set_num_threads(1)

        def faiss_hnsw(r, knob):
            hnsw.hnsw.efSearch = knob
            _, ids = hnsw.search(unit[r][None, :], K + 1)
            return [i for i in ids[0].tolist() if i != r][:K]

        _add(table, approx_row("faiss IndexHNSWFlat (M 32)", faiss_hnsw,
                                [16, 24, 32, 48, 64, 96, 128, 192, 256, 384, 512],
                                (secs, mem), tune_rows, tune_truth, rows, truth))
        del hnsw
        gc.collect()
    if "usearch" not in skip:
        from usearch.index import Index

        def make_usearch():
            u = Index(ndim=D, metric="ip", dtype="f32", connectivity=16, expansion_add=128)
            u.add(np.arange(len(unit)), unit, threads=CORES)
            return u

        uidx, secs, _ = build(make_usearch)
        mem = uidx.memory_usage

        def usearch_hnsw(r, knob):
            uidx.expansion_search = knob
            m = uidx.search(unit[r], K + 1, threads=1)
            return [i for i in m.keys.tolist() if i != r][:K]

        _add(table, approx_row("usearch HNSW (f32, M 16)", usearch_hnsw,
                                [16, 24, 32, 48, 64, 96, 128, 192, 256, 384, 512],
                                (secs, mem), tune_rows, tune_truth, rows, truth))
        del uidx
        gc.collect()
    if "hnswlib" not in skip:
        import hnswlib

        def make_hnswlib():
            h = hnswlib.Index(space="ip", dim=D)
            h.init_index(max_elements=len(unit), M=16, ef_construction=100)
            h.add_items(unit, num_threads=CORES)
            h.set_num_threads(1)
            return h

        hl, secs, mem = build(make_hnswlib)

        def hnswlib_search(r, knob):
            hl.set_ef(knob)
            ids, _ = hl.knn_query(unit[r], k=K + 1)
            return [i for i in ids[0].tolist() if i != r][:K]

        _add(table, approx_row("hnswlib (M 16)", hnswlib_search,
                                [16, 24, 32, 48, 64, 96, 128, 192, 256, 384, 512],
                                (secs, mem), tune_rows, tune_truth, rows, truth))
        del hl
        gc.collect()
    if "pynndescent" not in skip:
        from pynndescent import NNDescent

        def make_nnd():
            n = NNDescent(unit, metric="dot", n_neighbors=30, n_jobs=CORES, random_state=0,
                          low_memory=True)
            n.prepare()
            return n

        nnd, secs, mem = build(make_nnd)

        def nnd_search(r, knob):
            ids, _ = nnd.query(unit[r][None, :], k=K + 1, epsilon=knob)
            return [i for i in ids[0].tolist() if i != r][:K]

        _add(table, approx_row("pynndescent (30 neighbours)", nnd_search,
                                [0.0, 0.05, 0.1, 0.15, 0.2, 0.25, 0.3, 0.4],
                                (secs, mem), tune_rows, tune_truth, rows, truth))
        del nnd
        gc.collect()
    return table


# --- one matrix -------------------------------------------------------------------------------

def run(title, emb, n_queries, skip, big):
    print(f"\n{title}  (load average {os.getloadavg()[0]:.1f})", flush=True)
    rng = np.random.default_rng(1)
    picks = rng.choice(min(emb.rows, 200_000) if not big else emb.rows, 50 + n_queries,
                       replace=False)
    tune_rows, rows = picks[:50], picks[50:]
    nb.nearest(emb, emb.words[0])
    nb.prepare(emb)
    truth = {int(r): [n.row for n in nb.nearest(emb, emb.words[int(r)], k=K)] for r in picks}
    unit = unit_rows(emb)
    print_header("exact top-10 cosine", exact=True)
    exact_paths(emb, unit, rows, [truth[int(r)] for r in rows], skip)
    print_header("approximate top-10 cosine (knob tuned to recall@10 ≥ 0.95 on 50 other rows)",
                 exact=False)
    approx_paths(emb, unit, tune_rows, [truth[int(r)] for r in tune_rows], rows,
                 [truth[int(r)] for r in rows], skip)


def print_header(title, exact):
    print(f"\n  {title}", flush=True)
    last = "same top-10" if exact else "recall@10 (knob)"
    print(f"  | {'path':<52} | build s | memory MB | p50 ms | p95 ms | {last} |")
    print(f"  |{'-' * 54}|---------|-----------|--------|--------|{'-' * (len(last) + 2)}|")


def print_row(r):
    tail = f"{r['same']}/{r['n']}" if "same" in r else f"{r['recall']:.3f} ({r['knob']})"
    print(f"  | {r['name']:<52} | {r['build']:7.1f} | {r['mem'] / 1e6:9.0f} | "
          f"{_pct(r['ts'], 50):6.2f} | {_pct(r['ts'], 95):6.2f} | {tail} |", flush=True)


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--big", action="store_true", help="also the 2,000,000 × 300 matrix")
    ap.add_argument("--skip-400k", action="store_true", help="only the --big part")
    ap.add_argument("--skip", default="", help="comma-separated: home,faiss-flat,faiss-ivf,"
                    "faiss-hnsw,usearch-exact,usearch,hnswlib,pynndescent")
    ap.add_argument("--queries", type=int, default=200, help="timed queries (400k; big: /4)")
    args = ap.parse_args()
    skip = set(filter(None, args.skip.split(",")))
    print(f"machine: {os.cpu_count()} cores, load average {os.getloadavg()[0]:.1f} at start")
    if not args.skip_400k:
        words, vectors = glove_6b_50d()
        emb = Embedding(words, np.ascontiguousarray(vectors, dtype=np.float32))
        run("GloVe 6B 50d, 400,000 × 50", emb, args.queries, skip, big=False)
        del emb
        gc.collect()
    if args.big:
        vectors = clustered_matrix()
        emb = Embedding([f"w{i}" for i in range(len(vectors))], vectors)
        run("2,000,000 × 300 clustered synthetic", emb, max(20, args.queries // 4), skip,
            big=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
