"""Benchmark of `embedscope check` against what a user would otherwise run, in the same process.

    .venv/bin/python bench/check.py          # real GloVe 6B 50d, 400,000 × 50 (target ≤ 3 s)
    .venv/bin/python bench/check.py --big    # also 2,000,000 × 300 random (target ≤ 60 s)

Rows of the table:
- the full check (every finding, the space figures and the shift detector) vs its target;
- identical-row detection by hashing vs the obvious `np.unique(vectors, axis=0)`;
- duplicate words vs `pandas.Series(words).duplicated()` when pandas is installed;
- the shift detector vs gensim's `evaluate_word_analogies` (restrict 30,000) — the usual way a
  user notices a shifted words list (accuracy collapses) — and both verdicts on a list
  shifted by one line.
The 2M × 300 matrix is written once to bench/data/ (gitignored, 2.4 GB) and read
memory-mapped, as a real file would be.
"""
from __future__ import annotations

import argparse
import os
import sys
import time
from pathlib import Path

import numpy as np

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent / "resources" / "sample"))


def timed(fn, *args, **kw):
    t = time.perf_counter()
    out = fn(*args, **kw)
    return out, time.perf_counter() - t


def timed_cpu(fn, *args, **kw):
    """(result, wall seconds, CPU seconds of this process): on a shared machine the wall time
    includes waiting for a core; the CPU time is the work itself."""
    c = time.process_time()
    out, wall = timed(fn, *args, **kw)
    return out, wall, time.process_time() - c


def fmt(s: float | None) -> str:
    return "—" if s is None else (f"{s * 1000:.0f} ms" if s < 1 else f"{s:.2f} s")


def row(name, shape, ours, peer_name="", peer=None, note=""):
    ratio = f"{peer / ours:.1f}× faster" if (peer and ours and peer_name != "target") else ""
    print(f"{name:<26} {shape:<17} {fmt(ours):>9}   {peer_name:<34} {fmt(peer):>9}  "
          f"{ratio:<13} {note}")


def header():
    print(f"{'what':<26} {'rows × dim':<17} {'embedscope':>9}   {'peer':<34} {'peer time':>9}  "
          f"{'ratio':<13} note")
    print("-" * 130)


def bench_glove():
    from make_sample import glove_6b_50d

    from embedscope.core.check import check
    from embedscope.core.check_vectors import _identical, scan_rows
    from embedscope.core.embedding import Embedding
    from embedscope.core.jobs import Job
    from embedscope.core.shift import detect_shift

    words, vectors = glove_6b_50d()
    vectors = np.ascontiguousarray(vectors)
    shape = f"{vectors.shape[0]:,} × {vectors.shape[1]}"
    emb = Embedding(words, vectors)
    report, t_check, cpu = timed_cpu(check, emb)
    row("full check", shape, t_check, "target", 3.0,
        f"{'OK' if t_check <= 3 else 'MISSED'} (CPU {cpu:.2f} s); findings: "
        f"{', '.join(report.codes) or 'none'}")

    fresh = Embedding(words, vectors)
    scan, t_scan = timed(scan_rows, fresh.vectors, Job())
    _, t_ident = timed(_identical, fresh.words, fresh.vectors, scan)
    _, t_unique = timed(np.unique, vectors, axis=0)
    row("identical rows", shape, t_scan + t_ident, "np.unique(vectors, axis=0)", t_unique,
        "ours includes norms + NaN scan")
    try:
        import pandas as pd

        from embedscope.core.check_words import _duplicates

        _, t_dup = timed(_duplicates, words)
        s = pd.Series(words)
        _, t_pd = timed(lambda: (s.duplicated().sum(), s.str.lower().duplicated().sum()))
        row("duplicate / case words", shape, t_dup, "pandas duplicated (+ lower)", t_pd)
    except ImportError:
        pass

    fresh = Embedding(words, vectors)
    r0, t_shift = timed(detect_shift, fresh)
    bad = Embedding(["400000 50"] + words[:-1], vectors)
    r1, t_shift1 = timed(detect_shift, bad)
    peer, t_peer, peer_acc = gensim_analogies(words, vectors)
    _, t_peer1, peer_acc1 = gensim_analogies(["400000 50"] + words[:-1], vectors)
    row("shift detection (aligned)", shape, t_shift, "gensim evaluate_word_analogies", t_peer,
        f"ours: offset {r0.offset}; gensim accuracy {peer_acc:.1%}")
    row("shift detection (−1 line)", shape, t_shift1, "gensim evaluate_word_analogies", t_peer1,
        f"ours: offset {r1.offset:+d}; gensim accuracy {peer_acc1:.1%}")
    lost = Embedding(words[:300000] + words[300001:] + ["<extra>"], vectors)
    r2, t_shift2 = timed(detect_shift, lost)
    brk = r2.evidence.get("break")
    row("line lost at row 300,000", shape, t_shift2, "", None,
        f"ours: out of step from about row {brk['around_row']:,}" if brk else "ours: not seen")
    return t_check


def questions_subset(every: int = 10) -> Path:
    """Every 10th question of each section of questions-words.txt (1,950 of 19,544): the
    full set takes gensim minutes on a shared 2-core machine and says nothing more here."""
    from gensim.test.utils import datapath

    out = HERE / "data" / f"questions-words.every{every}.txt"
    if not out.exists():
        out.parent.mkdir(parents=True, exist_ok=True)
        lines, n = [], 0
        for line in open(datapath("questions-words.txt"), encoding="utf-8"):
            if line.startswith(":"):
                lines.append(line)
                n = 0
            else:
                if n % every == 0:
                    lines.append(line)
                n += 1
        out.write_text("".join(lines), encoding="utf-8")
    return out


def gensim_analogies(words, vectors):
    from gensim.models import KeyedVectors

    kv = KeyedVectors(vectors.shape[1])
    kv.add_vectors(words, vectors)
    t = time.perf_counter()
    acc, _ = kv.evaluate_word_analogies(str(questions_subset()), restrict_vocab=30000,
                                        case_insensitive=True)
    return kv, time.perf_counter() - t, acc


def big_matrix(rows=2_000_000, dim=300) -> Path:
    path = HERE / "data" / f"random_{rows}x{dim}.npy"
    if path.exists():
        return path
    path.parent.mkdir(parents=True, exist_ok=True)
    print(f"writing {path} ({rows * dim * 4 / 1e9:.1f} GB, once) …", flush=True)
    out = np.lib.format.open_memmap(path.with_suffix(".tmp.npy"), mode="w+", dtype=np.float32,
                                    shape=(rows, dim))
    rng = np.random.default_rng(0)
    step = 100_000
    for s in range(0, rows, step):
        out[s:s + step] = rng.standard_normal((min(step, rows - s), dim), dtype=np.float32)
    out.flush()
    del out
    os.replace(path.with_suffix(".tmp.npy"), path)
    return path


def bench_big():
    from embedscope.core.check import check
    from embedscope.core.embedding import Embedding

    path = big_matrix()
    vectors = np.load(path, mmap_mode="r")
    words = [f"w{i}" for i in range(vectors.shape[0])]
    emb = Embedding(words, vectors)
    last = [0.0]

    def progress(done, total, message=""):
        now = time.perf_counter()
        if now - last[0] > 2:
            last[0] = now
            print(f"    … {100 * done / max(total, 1):5.1f}% {message}", flush=True)

    report, t, cpu = timed_cpu(check, emb, progress=progress)
    row("full check (--big)", f"{vectors.shape[0]:,} × {vectors.shape[1]}", t, "target", 60.0,
        f"{'OK' if t <= 60 else 'MISSED'} (CPU {cpu:.1f} s); findings: "
        f"{', '.join(report.codes) or 'none'}")


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--big", action="store_true", help="also check 2,000,000 × 300 (2.4 GB)")
    args = ap.parse_args()
    load = os.getloadavg()[0] if hasattr(os, "getloadavg") else float("nan")
    print(f"embedscope check benchmark — {os.cpu_count()} cores, load average {load:.1f}")
    header()
    bench_glove()
    if args.big:
        bench_big()
    return 0


if __name__ == "__main__":
    sys.exit(main())
