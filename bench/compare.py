"""Benchmark `compare`: two 400,000 × 50 embeddings (real GloVe 6B 50d and a "fine-tuned" copy).

Embedscope's compare() against what a user writes with gensim: for each of the 10,000 most
frequent words, `most_similar(word, topn=10, restrict_vocab=10000)` in both spaces and a Python
set Jaccard. Both run in this process, one after the other; the ratio is printed.

    .venv/bin/python bench/compare.py            # full: gensim side takes a minute or two
    .venv/bin/python bench/compare.py --quick    # gensim side on 1,000 words, extrapolated

Targets (issue 9): neighbourhood overlap for 10,000 shared words ≤ 10 s; per-word cosine for all
shared words ≤ 1 s.
"""
from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "resources" / "sample"))
from make_sample import glove_6b_50d  # noqa: E402

from embedscope.core.compare import compare  # noqa: E402
from embedscope.core.embedding import Embedding  # noqa: E402


def fine_tuned_copy(vectors: np.ndarray, seed=0) -> np.ndarray:
    """A stand-in for fine-tuning: every vector drifts a little, 2% of the 10,000 most
    frequent words move a lot."""
    rng = np.random.default_rng(seed)
    out = vectors + 0.05 * rng.standard_normal(vectors.shape).astype(np.float32)
    moved = rng.choice(10_000, 200, replace=False)
    out[moved] += 1.5 * rng.standard_normal((200, vectors.shape[1])).astype(np.float32)
    return out


def gensim_overlap(words, va, vb, n_words, k=10, universe=10_000):
    from gensim.models import KeyedVectors

    kvs = []
    for v in (va, vb):
        kv = KeyedVectors(vector_size=v.shape[1])
        kv.add_vectors(words, v)
        kv.fill_norms()
        kvs.append(kv)
    t = time.perf_counter()
    overlaps = []
    for w in words[:n_words]:
        na = {x for x, _ in kvs[0].most_similar(w, topn=k, restrict_vocab=universe)}
        nb = {x for x, _ in kvs[1].most_similar(w, topn=k, restrict_vocab=universe)}
        overlaps.append(len(na & nb) / len(na | nb))
    return time.perf_counter() - t, np.array(overlaps)


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--quick", action="store_true", help="gensim side on 1,000 words only")
    args = ap.parse_args()
    words, vectors = glove_6b_50d()
    va = np.ascontiguousarray(vectors, dtype=np.float32)
    vb = fine_tuned_copy(va)
    a, b = Embedding(words, va), Embedding(words, vb)
    a.unit_vectors, b.unit_vectors  # noqa: B018 — normalise once, as gensim's fill_norms does

    t = time.perf_counter()
    cos_only = compare(a, b, sample=2)  # per-word cosine for all 400,000 shared words
    t_cos = time.perf_counter() - t
    t = time.perf_counter()
    result = compare(a, b, k=10, sample=10_000)
    t_all = time.perf_counter() - t

    n_gensim = 1_000 if args.quick else 10_000
    t_gensim, ov_gensim = gensim_overlap(words, va, vb, n_gensim)
    t_gensim_10k = t_gensim * 10_000 / n_gensim
    agree = np.mean(np.isclose(ov_gensim, result.overlap[:n_gensim], atol=1e-6))

    print(f"{'what':<52} {'seconds':>9}")
    cosine, overlap = "Embedscope: per-word cosine, 400,000 shared words", \
        "Embedscope: full compare, overlap of 10,000 words"
    print(f"{cosine:<52} {t_cos:>9.3f}  (target ≤ 1 s)")
    print(f"{overlap:<52} {t_all:>9.3f}  (target ≤ 10 s)")
    label = "gensim most_similar loop, 10,000 words" + (" (extrapolated)" if args.quick else "")
    print(f"{label:<52} {t_gensim_10k:>9.3f}")
    print(f"ratio gensim / Embedscope: {t_gensim_10k / t_all:.1f}×")
    print(f"overlaps equal to gensim's on {100 * agree:.1f}% of {n_gensim:,} words "
          "(differences: float ties at rank 10)")
    print(f"median cosine {result.median_cosine:.4f}, median overlap {result.median_overlap:.4f}, "
          f"kept half {100 * result.kept_half:.1f}%")
    _ = cos_only
    return 0


if __name__ == "__main__":
    sys.exit(main())
