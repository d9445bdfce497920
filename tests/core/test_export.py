"""Exports: every row is its source row or its stated initialisation, the words and indices
are as asked, every format reads back, and nothing partial is ever left behind."""
from __future__ import annotations

import hashlib
import json
import re
import time

import numpy as np
import pytest

import embedscope
from embedscope.core.embedding import Embedding
from embedscope.core.errors import ExportRefusedError
from embedscope.core.export import ExportPlan, matrix_stats
from embedscope.core.jobs import Cancelled
from embedscope.core.vocabulary import Corpus, Regex, TopWords, Words
from embedscope.io import export_folder as export_mod
from embedscope.io.export_folder import ExportVerificationError, preview, write_export
from embedscope.io.registry import WRITERS
from embedscope.io.words_file import words_source


def _listing(folder):
    return sorted(p.name for p in folder.iterdir())


def _usage_blocks(text):
    return re.findall(r"```python\n(.*?)```", text, flags=re.S)


def test_rows_equal_source_rows_pad_is_zero_unk_is_mean(sample, tmp_path):
    plan = ExportPlan(sources=[Words(["cat", "Paris", "qqzzyx", "the"]), TopWords(100)],
                      pad="<pad>", unk="<unk>", oov="random", seed=7)
    m = write_export(sample, plan, tmp_path / "out")
    out = tmp_path / "out"
    assert _listing(out) == ["USAGE.md", "embeddings.npy", "manifest.json", "vocab.txt",
                             "word_index.json"]
    mat = np.load(out / "embeddings.npy")
    words = (out / "vocab.txt").read_text(encoding="utf-8").split("\n")[:-1]
    index = json.loads((out / "word_index.json").read_text(encoding="utf-8"))
    assert words[:6] == ["<pad>", "<unk>", "cat", "Paris", "qqzzyx", "the"]
    assert words[6:] == [w for w in sample.words[:100] if w != "the"]
    assert index == {w: i for i, w in enumerate(words)}
    assert mat.dtype == np.float32 and mat.shape == (len(words), 50)
    assert not mat[0].any() and np.signbit(mat[0]).sum() == 0  # exactly +0.0
    full = np.asarray(sample.vectors, dtype=np.float64)
    np.testing.assert_allclose(mat[1], full.mean(axis=0), rtol=1e-5, atol=1e-6)
    assert np.array_equal(mat[2], sample.vector("cat"))
    assert np.array_equal(mat[3], sample.vector("paris"))  # case fallback
    for i, w in enumerate(words[5:], start=5):
        assert np.array_equal(mat[i], sample.vector(w)), w
    c = m["counts"]
    assert (c["rows"], c["words"], c["by_case_fallback"], c["missing"]) == (len(words), 103, 1, 1)
    assert m["missing_words"] == ["qqzzyx"]
    assert m["pad_index"] == 0 and m["unk_index"] == 1
    assert m["case_fallback"] == [["Paris", "paris"]]


def test_random_rows_are_seeded_and_match_the_matrix_statistics(sample, tmp_path):
    missing = [f"zzmissing{i}" for i in range(4000)]
    plan = ExportPlan(sources=[Words(missing)], oov="random", seed=3)
    write_export(sample, plan, tmp_path / "a")
    write_export(sample, plan, tmp_path / "b")
    a = np.load(tmp_path / "a" / "embeddings.npy")
    b = np.load(tmp_path / "b" / "embeddings.npy")
    assert np.array_equal(a, b)
    mean, std = matrix_stats(sample)
    np.testing.assert_allclose(a.mean(axis=0), mean, atol=4 * std.max() / np.sqrt(4000))
    np.testing.assert_allclose(a.std(axis=0), std, rtol=0.08)
    plan.seed = 4
    write_export(sample, plan, tmp_path / "c")
    assert not np.array_equal(a, np.load(tmp_path / "c" / "embeddings.npy"))


def test_oov_zeros_and_drop_are_reported(sample, tmp_path):
    plan = ExportPlan(sources=[Words(["cat", "qqzzyx", "dog"])], oov="zeros", pad="<pad>")
    m = write_export(sample, plan, tmp_path / "z")
    mat = np.load(tmp_path / "z" / "embeddings.npy")
    assert not mat[2].any() and m["counts"]["missing_initialised"] == 1
    plan.oov = "drop"
    m = write_export(sample, plan, tmp_path / "d")
    assert (tmp_path / "d" / "vocab.txt").read_text() == "<pad>\ncat\ndog\n"
    assert m["dropped_words"] == ["qqzzyx"] and m["counts"]["dropped"] == 1


def test_specials_initialisations_and_clash_with_a_word(sample, tmp_path):
    plan = ExportPlan(sources=[Words(["cat", "<s>"])], pad="<pad>", unk="<unk>",
                      unk_init="zeros", specials=["<s>", "</s>"], special_init="mean")
    m = write_export(sample, plan, tmp_path / "o")
    mat = np.load(tmp_path / "o" / "embeddings.npy")
    words = (tmp_path / "o" / "vocab.txt").read_text().split()
    assert words == ["<pad>", "<unk>", "<s>", "</s>", "cat"]
    assert not mat[1].any()
    mean, _ = matrix_stats(sample)
    assert np.array_equal(mat[2], mean.astype(np.float32))
    assert [s["token"] for s in m["special_tokens"]] == ["<pad>", "<unk>", "<s>", "</s>"]
    assert any("special" in w for w in m["warnings"])
    assert m["missing_words"] == [] and m["counts"]["missing"] == 0  # <s> has its special row


def test_keep_indices_of_a_bert_vocab_uses_its_pad_and_unk(sample, tmp_path):
    vocab = tmp_path / "vocab.txt"
    vocab.write_text("[PAD]\nthe\n[UNK]\nParis\nqqzzyx\ncat\n", encoding="utf-8")
    plan = ExportPlan(sources=[words_source(str(vocab), keep_indices=True)], pad="<pad>",
                      unk="<unk>", specials=["[MASK]"])
    m = write_export(sample, plan, tmp_path / "o")
    mat = np.load(tmp_path / "o" / "embeddings.npy")
    words = (tmp_path / "o" / "vocab.txt").read_text().split()
    assert words == ["[PAD]", "the", "[UNK]", "Paris", "qqzzyx", "cat", "[MASK]"]
    assert m["pad_index"] == 0 and m["unk_index"] == 2
    assert not mat[0].any()
    assert np.array_equal(mat[1], sample.vector("the"))
    assert np.array_equal(mat[3], sample.vector("paris"))
    assert np.array_equal(mat[5], sample.vector("cat"))
    usage = (tmp_path / "o" / "USAGE.md").read_text(encoding="utf-8")
    assert "UNK = 2" in usage and "padding_idx=0" in usage and "vocab.txt`: the ids" in usage
    # a vocabulary without a padding token gets one after its last row, and USAGE.md says so
    nopad = tmp_path / "nopad.txt"
    nopad.write_text("the\ncat\n", encoding="utf-8")
    m = write_export(sample, ExportPlan(sources=[words_source(str(nopad), keep_indices=True)],
                                        pad="<pad>"), tmp_path / "q")
    assert m["pad_index"] == 2 and any("after its last row" in w for w in m["warnings"])
    usage = (tmp_path / "q" / "USAGE.md").read_text(encoding="utf-8")
    assert "padding_idx=2" in usage and "mask_zero" not in usage
    assert not np.load(tmp_path / "q" / "embeddings.npy")[2].any()
    with pytest.raises(Exception, match="shift the rows"):
        write_export(sample, ExportPlan(sources=[words_source(str(vocab), keep_indices=True)],
                                        oov="drop"), tmp_path / "p")


def test_normalize_and_float16(sample, tmp_path):
    plan = ExportPlan(sources=[TopWords(500)], pad="<pad>", normalize=True, dtype="float16")
    write_export(sample, plan, tmp_path / "o")
    mat = np.load(tmp_path / "o" / "embeddings.npy")
    assert mat.dtype == np.float16 and not mat[0].any()
    unit = sample.unit_vectors[:500].astype(np.float16)
    assert np.array_equal(mat[1:], unit)
    np.testing.assert_allclose(np.linalg.norm(mat[1:].astype(np.float32), axis=1), 1, atol=2e-3)


def test_corpus_export_covers_tokens_and_usage_maps_a_sentence(sample, tmp_path, monkeypatch):
    corpus = tmp_path / "train.txt"
    corpus.write_text("The cat sat on the mat, the Zorblax said.\n" * 4 + "the dog\n",
                      encoding="utf-8")
    plan = ExportPlan(sources=[Corpus(str(corpus), lowercase=True, min_count=2)], pad="<pad>",
                      unk="<unk>")
    m = write_export(sample, plan, tmp_path / "o")
    cov = m["coverage"][0]
    assert cov["tokens"] == 4 * 11 + 2
    assert cov["missing_examples"] == ["zorblax"]
    # "the" of the last line too; "dog" (once) is not kept
    assert cov["tokens_covered"] == 4 * 10 + 1
    assert m["sentence_mapping"] == {"tokenizer": "words", "lowercase": True}
    usage = (tmp_path / "o" / "USAGE.md").read_text(encoding="utf-8")
    assert "padding_idx=0" in usage and "trainable=False" in usage and "mask_zero=True" in usage
    monkeypatch.chdir(tmp_path / "o")
    ns: dict = {}
    exec(_usage_blocks(usage)[0], ns)
    words = (tmp_path / "o" / "vocab.txt").read_text().split("\n")
    assert ns["to_indices"]("The CAT sat, Zorblax!") == [words.index("the"), words.index("cat"),
                                                         words.index("sat"), words.index(","),
                                                         words.index("zorblax"), 1]
    # zorblax has a (random) row of its own: it was chosen; "!" was not, so it maps to <unk>


@pytest.mark.parametrize("fmt", ["npz", "safetensors", "word2vec", "word2vec-bin", "glove", "tsv"])
def test_every_format_reads_back_with_embedscope(fmt, sample, tmp_path):
    plan = ExportPlan(sources=[TopWords(300), Words(["qqzzyx"])], pad="<pad>", unk="<unk>",
                      format=fmt, dtype="float16" if fmt == "safetensors" else "float32")
    m = write_export(sample, plan, tmp_path / "o")
    out = tmp_path / "o"
    main = out / WRITERS[fmt].matrix_file
    kw = {"vocab": out / "vocab.txt"} if fmt == "safetensors" else {}
    if fmt == "safetensors":
        kw["tensor"] = "weight"
    back = embedscope.load(main, use_cache=False, **kw)
    assert back.words == (out / "vocab.txt").read_text(encoding="utf-8").split("\n")[:-1]
    assert back.words[:3] == ["<pad>", "<unk>", "the"]
    assert not back.vectors[0].any()
    expect = sample.vectors[:300]
    if fmt == "safetensors":
        expect = expect.astype(np.float16).astype(np.float32)
    assert np.array_equal(back.vectors[2:302], expect)
    assert m["verified"] is True
    assert {f["name"] for f in m["files"]} >= {main.name, "vocab.txt", "word_index.json"}


@pytest.mark.parametrize("fmt,binary,no_header", [("word2vec", False, False),
                                                  ("word2vec-bin", True, False),
                                                  ("glove", False, True)])
def test_gensim_reads_the_word2vec_exports(fmt, binary, no_header, sample, tmp_path):
    from gensim.models import KeyedVectors

    plan = ExportPlan(sources=[TopWords(200)], pad="<pad>", unk="<unk>", format=fmt)
    write_export(sample, plan, tmp_path / "o")
    path = tmp_path / "o" / WRITERS[fmt].matrix_file
    kv = KeyedVectors.load_word2vec_format(str(path), binary=binary, no_header=no_header)
    assert kv.index_to_key[:3] == ["<pad>", "<unk>", "the"]
    assert np.array_equal(kv.vectors[2:], sample.vectors[:200])
    assert not kv["<pad>"].any()
    # USAGE.md's loading code gives the same matrix
    usage = (tmp_path / "o" / "USAGE.md").read_text(encoding="utf-8")
    assert "load_word2vec_format" in usage


def test_manifest_hashes_match_the_files(sample, sample_path, tmp_path):
    m = write_export(sample, ExportPlan(sources=[TopWords(10)], unk="<unk>"), tmp_path / "o")
    assert m["source"]["sha256"] == hashlib.sha256(sample_path.read_bytes()).hexdigest()
    on_disk = json.loads((tmp_path / "o" / "manifest.json").read_text(encoding="utf-8"))
    assert on_disk["counts"] == m["counts"]
    for f in on_disk["files"]:
        data = (tmp_path / "o" / f["name"]).read_bytes()
        assert hashlib.sha256(data).hexdigest() == f["sha256"] and len(data) == f["bytes"]
    assert on_disk["embedscope_version"] == embedscope.__version__
    assert on_disk["selection"]["sources"] == [{"kind": "top", "n": 10, "combine": "union"}]


def test_preview_matches_the_export_and_is_fast(sample, tmp_path):
    plan = ExportPlan(sources=[TopWords(5000), Regex("[a-z]+", combine="intersect"),
                               Words(["Zorblax"])], pad="<pad>", unk="<unk>")
    t0 = time.perf_counter()
    pv = preview(sample, plan)
    assert time.perf_counter() - t0 < 1.0
    assert [h["word"] for h in pv.head[:3]] == ["<pad>", "<unk>", "the"]
    assert pv.head[2]["from"] == "the" and pv.head[0]["init"] == "zeros"
    m = write_export(sample, plan, tmp_path / "o")
    assert pv.rows == m["counts"]["rows"]
    assert pv.manifest["counts"] == m["counts"]
    assert pv.words == (tmp_path / "o" / "vocab.txt").read_text().split("\n")[:-1]


# --- writing safety ------------------------------------------------------------------------
def test_refuses_a_non_empty_folder_without_force_and_replaces_it_with_force(sample, tmp_path):
    out = tmp_path / "o"
    out.mkdir()
    (out / "mine.txt").write_text("keep me")
    plan = ExportPlan(sources=[TopWords(10)])
    with pytest.raises(ExportRefusedError, match="not empty"):
        write_export(sample, plan, out)
    assert _listing(out) == ["mine.txt"]
    write_export(sample, plan, out, force=True)
    assert "mine.txt" not in _listing(out) and "embeddings.npy" in _listing(out)
    assert _listing(tmp_path) == ["o"]  # no temporary or set-aside folder left


def test_the_folder_gets_the_usual_permissions(sample, tmp_path):
    import os

    write_export(sample, ExportPlan(sources=[TopWords(3)]), tmp_path / "o")
    umask = os.umask(0)
    os.umask(umask)
    assert (tmp_path / "o").stat().st_mode & 0o777 == 0o777 & ~umask


def test_an_empty_folder_is_fine_and_a_file_is_refused(sample, tmp_path):
    (tmp_path / "empty").mkdir()
    write_export(sample, ExportPlan(sources=[TopWords(3)]), tmp_path / "empty")
    (tmp_path / "afile").write_text("x")
    with pytest.raises(ExportRefusedError, match="is a file"):
        write_export(sample, ExportPlan(sources=[TopWords(3)]), tmp_path / "afile", force=True)


def test_refuses_to_replace_the_folder_holding_the_source(tmp_path):
    src = tmp_path / "src"
    src.mkdir()
    np.save(src / "m.npy", np.eye(3, dtype=np.float32))
    (src / "m.vocab.txt").write_text("a\nb\nc\n")
    emb = embedscope.load(src / "m.npy")
    for target in (src, src / "m.npy", tmp_path):
        with pytest.raises(ExportRefusedError, match="input"):
            write_export(emb, ExportPlan(sources=[TopWords(2)]), target, force=True)
    assert _listing(src) == ["m.npy", "m.vocab.txt"]


def test_nothing_selected_is_refused(sample, tmp_path):
    with pytest.raises(ExportRefusedError, match="no words"):
        write_export(sample, ExportPlan(sources=[Regex("zzzzqqq")], pad="<pad>"), tmp_path / "o")
    assert _listing(tmp_path) == []


def test_failure_halfway_leaves_nothing_and_keeps_the_old_folder(sample, tmp_path, monkeypatch):
    out = tmp_path / "o"
    out.mkdir()
    (out / "old.txt").write_text("old")
    def write_half_then_fail(*args, **kwargs):
        raise OSError("disk full (simulated)")

    monkeypatch.setattr(export_mod, "_verify", write_half_then_fail)
    with pytest.raises(OSError, match="disk full"):
        write_export(sample, ExportPlan(sources=[TopWords(10)]), out, force=True)
    assert _listing(tmp_path) == ["o"] and _listing(out) == ["old.txt"]
    with pytest.raises(OSError, match="disk full"):
        write_export(sample, ExportPlan(sources=[TopWords(10)]), tmp_path / "new" / "deep")
    # the temporary folder and the parents made for this export are gone
    assert _listing(tmp_path) == ["o"]


def test_a_writer_failing_midway_leaves_nothing(sample, tmp_path, monkeypatch):
    import embedscope.io.checkpoint as checkpoint

    def half_written(path, tensors, metadata=None):
        with open(path, "wb") as f:
            f.write(b"\x00" * 100)
        raise RuntimeError("writer crashed")

    monkeypatch.setattr(checkpoint, "write_safetensors", half_written)
    with pytest.raises(RuntimeError, match="writer crashed"):
        write_export(sample, ExportPlan(sources=[TopWords(10)], format="safetensors"),
                     tmp_path / "o")
    assert _listing(tmp_path) == []


def test_a_file_that_reads_back_wrong_is_caught(sample, tmp_path, monkeypatch):
    real_save = np.save

    def corrupt_save(path, arr, **kw):
        arr = arr.copy()
        arr[5, 3] += 1.0
        real_save(path, arr, **kw)

    monkeypatch.setattr(export_mod.np, "save", corrupt_save)
    with pytest.raises(ExportVerificationError, match="row 5"):
        write_export(sample, ExportPlan(sources=[TopWords(10)]), tmp_path / "o")
    assert _listing(tmp_path) == []


def test_cancel_leaves_nothing(sample, tmp_path):
    calls = []

    def stop():
        calls.append(1)
        return len(calls) > 2

    with pytest.raises(Cancelled):
        write_export(sample, ExportPlan(sources=[TopWords(100)]), tmp_path / "o",
                     should_stop=stop)
    assert _listing(tmp_path) == []


def test_words_with_spaces_are_refused_for_text_formats(tmp_path):
    emb = Embedding(["new york", "paris"], np.ones((2, 3), np.float32))
    with pytest.raises(ExportRefusedError, match="white space"):
        write_export(emb, ExportPlan(sources=[TopWords(2)], format="word2vec"), tmp_path / "o")
    write_export(emb, ExportPlan(sources=[TopWords(2)], format="npy"), tmp_path / "p")
    assert (tmp_path / "p" / "vocab.txt").read_text() == "new york\nparis\n"


def test_the_preview_names_where_each_row_comes_from(sample):
    plan = ExportPlan(sources=[Words(["Paris", "qqzzyx", "cat"])], pad="<pad>", unk="<unk>",
                      specials=["<s>"])
    pv = preview(sample, plan)
    assert [h["origin"] for h in pv.head] == ["padding", "unknown words", "special token",
                                             "source row (case fallback)",
                                             "not in the embedding", "source row"]
    assert [h["init"] for h in pv.head] == ["zeros", "mean", "random", "source", "random",
                                           "source"]


def test_an_unknown_output_format_is_refused_naming_the_formats(sample, tmp_path):
    from embedscope.core.vocabulary import SelectionError

    with pytest.raises(SelectionError, match="unknown format 'parquet'.*npy, npz"):
        write_export(sample, ExportPlan(sources=[TopWords(3)], format="parquet"), tmp_path / "o")
    assert _listing(tmp_path) == []


def test_core_export_imports_nothing_from_io():
    import ast
    import inspect

    from embedscope.core import export as core_export

    def absolute(node):
        if isinstance(node, ast.Import):
            return [a.name for a in node.names]
        base = core_export.__name__.split(".")[:-node.level] if node.level else []
        module = ".".join(base + ([node.module] if node.module else []))
        return [module] + [f"{module}.{a.name}" for a in node.names]

    tree = ast.parse(inspect.getsource(core_export))
    names = [m for n in ast.walk(tree) if isinstance(n, (ast.Import, ast.ImportFrom))
             for m in absolute(n)]
    assert "embedscope._version" in names  # the check sees relative imports
    assert not [m for m in names if m == "embedscope.io" or m.startswith("embedscope.io.")]
