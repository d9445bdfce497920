"""Benchmark of `embedscope coverage` on a ~100 MB corpus, beside the corpus count it starts
from (the count is the same one `export --corpus` makes).

    .venv/bin/python bench/corpus_coverage.py            # ~100 MB corpus (target ≤ 30 s in all)
    .venv/bin/python bench/corpus_coverage.py --mb 20    # a smaller one

The corpus is made once from the bundled sample's 20,000 words, drawn Zipf-distributed (word
of rank r with weight 1/r, as real text is), with 2 % made-up words no vocabulary holds, and
written to bench/data/ (gitignored).
"""
from __future__ import annotations

import argparse
import time
from pathlib import Path

import numpy as np

HERE = Path(__file__).resolve().parent
TARGET_SECONDS = 30.0


def make_corpus(words: list[str], mb: int) -> Path:
    path = HERE / "data" / f"zipf_{mb}mb.txt"
    if path.exists():
        return path
    path.parent.mkdir(parents=True, exist_ok=True)
    rng = np.random.default_rng(0)
    oov = [f"zq{i}x" for i in range(5000)]
    pool = np.array(words + oov, dtype=object)
    weight = np.concatenate([1.0 / np.arange(1, len(words) + 1),
                             np.full(len(oov), 0.02 / len(oov))])
    weight[: len(words)] *= 0.98 / weight[: len(words)].sum()
    tmp = path.with_suffix(".part")
    with open(tmp, "w", encoding="utf-8") as f:
        while f.tell() < mb << 20:
            picks = pool[rng.choice(len(pool), size=(50_000, 20), p=weight)]
            f.write("\n".join(" ".join(line) for line in picks) + "\n")
    tmp.rename(path)
    return path


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--mb", type=int, default=100, help="corpus size in MB (default 100)")
    args = ap.parse_args()

    import embedscope
    from embedscope.core.corpus import count_corpus
    from embedscope.core.coverage import corpus_coverage
    from embedscope.resources import sample_path

    emb = embedscope.load(sample_path())
    corpus = make_corpus(emb.words, args.mb)
    size = corpus.stat().st_size

    t = time.perf_counter()
    counts = count_corpus(corpus)
    count_s = time.perf_counter() - t
    t = time.perf_counter()
    report = corpus_coverage(emb, counts)
    cov_s = time.perf_counter() - t

    print(f"corpus {corpus.name}: {size / 2**20:.0f} MB, {counts.tokens:,} tokens, "
          f"{len(counts.counts):,} distinct words")
    print(f"{'what':<44} {'seconds':>8}")
    print("-" * 54)
    print(f"{'corpus count (count_corpus, as export)':<44} {count_s:>8.2f}")
    print(f"{'coverage from the counts (corpus_coverage)':<44} {cov_s:>8.2f}")
    total = count_s + cov_s
    print(f"{'embedscope coverage in all':<44} {total:>8.2f}   target ≤ {TARGET_SECONDS:.0f} s "
          f"{'(met)' if total <= TARGET_SECONDS else '(MISSED)'}")
    print(f"token coverage {100 * report.token_coverage:.2f}%, rows for 90/95/99 %: "
          + ", ".join(str(report.rows_for(p)) for p in (0.9, 0.95, 0.99)))


if __name__ == "__main__":
    main()
