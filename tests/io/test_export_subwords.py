"""`export --oov subwords`: a chosen word a native fastText model lacks gets the vector fastText
builds from its character n-grams (gensim's `load_facebook_vectors(path)[word]`), the manifest
and the summary say which words got one, and `verify` holds for such an export."""
from __future__ import annotations

import json

import numpy as np
import pytest

import embedscope
from embedscope.cli import main
from embedscope.core.export import ExportPlan
from embedscope.core.vocabulary import SelectionError, Words
from embedscope.io.export_check import verify_export
from embedscope.io.export_folder import preview, write_export

UNSEEN = ["qzxwvj", "unsquashable", "Zürichsee"]


@pytest.fixture(scope="module")
def model(gensim_data):
    return gensim_data / "lee_fasttext_new.bin"


@pytest.fixture(scope="module")
def gensim_vectors(model):
    from gensim.models.fasttext import load_facebook_vectors

    return load_facebook_vectors(str(model))


def test_missing_words_get_fasttexts_subword_vector(model, gensim_vectors, tmp_path):
    emb = embedscope.load(model)
    plan = ExportPlan(sources=[Words(["the", *UNSEEN, "government"])], pad="<pad>", unk="<unk>",
                      oov="subwords", case_fallback=False)
    m = write_export(emb, plan, tmp_path / "o")
    mat = np.load(tmp_path / "o" / "embeddings.npy")
    vocab = (tmp_path / "o" / "vocab.txt").read_text(encoding="utf-8").split("\n")[:-1]
    assert vocab == ["<pad>", "<unk>", "the", *UNSEEN, "government"]
    for r, w in enumerate(vocab[2:], start=2):
        np.testing.assert_array_equal(mat[r], gensim_vectors[w])   # in the vocabulary or not
    assert m["counts"]["by_subwords"] == 3 and m["subword_words"] == UNSEEN
    assert m["initialisation"]["missing_words"] == "subwords"
    assert m["initialisation"]["subwords"]["minn"] == gensim_vectors.min_n
    assert m["missing_words"] == UNSEEN
    usage = (tmp_path / "o" / "USAGE.md").read_text(encoding="utf-8")
    assert "3 of the words are not in the fastText model's vocabulary" in usage


def test_a_model_opened_from_the_cache_still_has_its_subwords(model, gensim_vectors, tmp_path):
    embedscope.load(model)                       # fills the parse cache
    emb = embedscope.load(model)
    assert emb.source.from_cache and emb.source.subwords is None
    plan = ExportPlan(sources=[Words(UNSEEN)], oov="subwords")
    write_export(emb, plan, tmp_path / "o")
    mat = np.load(tmp_path / "o" / "embeddings.npy")
    np.testing.assert_array_equal(mat, np.stack([gensim_vectors[w] for w in UNSEEN]))


def test_the_preview_says_where_each_row_comes_from(model):
    emb = embedscope.load(model)
    pv = preview(emb, ExportPlan(sources=[Words(["the", "qzxwvj"])], oov="subwords"))
    assert [(h["word"], h["init"]) for h in pv.head] == [("the", "source"),
                                                         ("qzxwvj", "subwords")]
    assert pv.head[1]["origin"] == "not in the vocabulary: fastText subwords"


def test_subwords_need_a_fasttext_source(sample):
    with pytest.raises(SelectionError, match="native fastText model"):
        preview(sample, ExportPlan(sources=[Words(["qzxwvj"])], oov="subwords"))


def test_the_cli_reports_the_words_and_verify_holds(model, tmp_path, capsys):
    out = tmp_path / "o"
    code = main(["export", str(model), "--word", "the", "--word", "qzxwvj", "--word",
                 "unsquashable", "--oov", "subwords", "--normalize", "-o", str(out)])
    stdout, err = capsys.readouterr()
    assert code == 0, err
    assert "2 missing word(s) built from fastText's character n-grams: qzxwvj, unsquashable" \
        in stdout
    report = verify_export(out, embedscope.load(model))
    assert report.ok, [f.message for f in report.findings]
    assert report.origins["missing word (fastText subwords)"] == 2
    manifest = json.loads((out / "manifest.json").read_text(encoding="utf-8"))
    assert manifest["counts"]["missing_initialised"] == 2


def test_verify_catches_an_edited_subword_row(model, tmp_path):
    from embedscope.core.export import file_sha256

    out = tmp_path / "o"
    write_export(embedscope.load(model), ExportPlan(sources=[Words(["the", "qzxwvj"])],
                                                    oov="subwords"), out)
    mat = np.load(out / "embeddings.npy")
    mat[1] += 0.5
    np.save(out / "embeddings.npy", mat)
    manifest = json.loads((out / "manifest.json").read_text(encoding="utf-8"))
    for f in manifest["files"]:
        if f["name"] == "embeddings.npy":
            f["sha256"], f["bytes"] = file_sha256(out / f["name"]), (out / f["name"]).stat().st_size
    (out / "manifest.json").write_text(json.dumps(manifest), encoding="utf-8")
    report = verify_export(out, embedscope.load(model))
    assert "special-row-value" in report.codes
    assert "character n-grams" in report.findings[report.codes.index("special-row-value")].message


def test_cli_refuses_subwords_for_another_format_with_exit_2(sample_path, tmp_path, capsys):
    code = main(["export", str(sample_path), "--word", "qzxwvj", "--oov", "subwords", "-o",
                 str(tmp_path / "o")])
    assert code == 2
    assert "native fastText model" in capsys.readouterr().err


def test_a_model_trained_and_saved_by_gensim_exports_its_unseen_words(tmp_path):
    """Other n-gram lengths and bucket counts than the shipped model: a tiny fastText trained
    with gensim and saved in fastText's own format."""
    from gensim.models import FastText
    from gensim.models.fasttext import load_facebook_vectors, save_facebook_model

    sentences = [["the", "cat", "sat", "on", "the", "mat"], ["a", "dog", "ran", "off"],
                 ["cats", "and", "dogs", "sat", "together"]] * 20
    model = FastText(vector_size=8, window=2, min_count=1, min_n=2, max_n=4, bucket=997,
                     epochs=2, seed=1, workers=1)
    model.build_vocab(sentences)
    model.train(sentences, total_examples=len(sentences), epochs=2)
    path = tmp_path / "tiny.bin"
    save_facebook_model(model, str(path))
    kv = load_facebook_vectors(str(path))
    unseen = ["doggo", "matting", "xq", "ünïcode"]
    emb = embedscope.load(path, use_cache=False)
    write_export(emb, ExportPlan(sources=[Words(["cat", *unseen])], oov="subwords"),
                 tmp_path / "o")
    mat = np.load(tmp_path / "o" / "embeddings.npy")
    np.testing.assert_array_equal(mat, np.stack([kv[w] for w in ["cat", *unseen]]))
