"""`export --alias`: every source word the pruning left out maps, in word_index.json, to its
nearest kept row by cosine (spaCy's prune_vectors); the manifest gives how many and the weakest
similarity, `--alias-min-similarity` drops weak ones, USAGE.md says so, `verify` accepts it."""
from __future__ import annotations

import json

import numpy as np
import pytest

from embedscope.cli import main
from embedscope.core.embedding import Embedding
from embedscope.core.export import ExportPlan
from embedscope.core.vocabulary import SelectionError, TopWords, Words
from embedscope.io.export_check import verify_export
from embedscope.io.export_folder import write_export


def _index(folder):
    return json.loads((folder / "word_index.json").read_text(encoding="utf-8"))


def test_every_left_out_word_maps_to_its_nearest_kept_row(sample, tmp_path):
    out = tmp_path / "o"
    m = write_export(sample, ExportPlan(sources=[TopWords(500)], pad="<pad>", unk="<unk>",
                                        alias=True), out)
    index = _index(out)
    vocab = (out / "vocab.txt").read_text(encoding="utf-8").split("\n")[:-1]
    assert len(index) == sample.rows + 2             # every source word has a row
    assert m["aliases"]["count"] == sample.rows - 500 == m["counts"]["aliases"]
    unit = sample.unit_vectors
    kept = unit[:500]
    rng = np.random.default_rng(1)
    for w in rng.choice(sample.words[500:], 40, replace=False):
        sims = kept @ unit[sample.row(w)]
        assert vocab[index[w]] == sample.words[int(np.argmax(sims))]       # brute force agrees
    weakest = min(float(kept[sample.row(vocab[index[w]])] @ unit[sample.row(w)])
                  for w in sample.words[500:])
    assert m["aliases"]["weakest_similarity"] == pytest.approx(weakest, abs=1e-5)
    for w in vocab:                                 # kept words keep their own rows
        assert vocab[index[w]] == w
    usage = (out / "USAGE.md").read_text(encoding="utf-8")
    assert f"also maps {sample.rows - 500:,} words of the source that this export left out" \
        in usage


def test_min_similarity_drops_the_weak_aliases(sample, tmp_path):
    m_all = write_export(sample, ExportPlan(sources=[TopWords(300)], alias=True), tmp_path / "a")
    m = write_export(sample, ExportPlan(sources=[TopWords(300)], alias=True,
                                        alias_min_similarity=0.6), tmp_path / "b")
    al = m["aliases"]
    assert al["weakest_similarity"] >= 0.6 and al["min_similarity"] == 0.6
    assert al["count"] + al["dropped_below_min"] == m_all["aliases"]["count"] > al["count"] > 0
    assert len(_index(tmp_path / "b")) == 300 + al["count"]


def test_zero_rows_get_no_alias_and_special_rows_are_never_targets(tmp_path):
    rng = np.random.default_rng(0)
    vecs = rng.standard_normal((50, 8)).astype(np.float32)
    vecs[40] = 0.0
    emb = Embedding([f"w{i}" for i in range(50)], vecs)
    m = write_export(emb, ExportPlan(sources=[Words(["w1", "w2", "w3"])], pad="<pad>",
                                     unk="<unk>", alias=True), tmp_path / "o")
    index = _index(tmp_path / "o")
    assert "w40" not in index and m["aliases"]["without_direction"] == 1
    assert {index[f"w{i}"] for i in range(4, 50) if i != 40} <= {2, 3, 4}


def test_verify_accepts_aliases_and_catches_extra_keys(sample, tmp_path):
    out = tmp_path / "o"
    write_export(sample, ExportPlan(sources=[TopWords(1000)], pad="<pad>", alias=True), out)
    report = verify_export(out, sample)
    assert report.ok, [f.message for f in report.findings]
    manifest = json.loads((out / "manifest.json").read_text(encoding="utf-8"))
    manifest["aliases"]["count"] -= 1
    (out / "manifest.json").write_text(json.dumps(manifest), encoding="utf-8")
    assert "word-index-unknown-word" in verify_export(out).codes


def test_an_alias_to_a_special_row_is_caught(sample, tmp_path):
    from embedscope.core.export import file_sha256

    out = tmp_path / "o"
    write_export(sample, ExportPlan(sources=[TopWords(100)], pad="<pad>", alias=True), out)
    index = _index(out)
    index[sample.words[500]] = 0
    (out / "word_index.json").write_text(json.dumps(index), encoding="utf-8")
    manifest = json.loads((out / "manifest.json").read_text(encoding="utf-8"))
    for f in manifest["files"]:
        if f["name"] == "word_index.json":
            f["sha256"], f["bytes"] = file_sha256(out / f["name"]), (out / f["name"]).stat().st_size
    (out / "manifest.json").write_text(json.dumps(manifest), encoding="utf-8")
    assert verify_export(out).codes == ["word-index-alias-to-special"]


def test_a_similarity_outside_minus_one_to_one_is_refused(sample, tmp_path):
    with pytest.raises(SelectionError, match="from -1 to 1"):
        write_export(sample, ExportPlan(sources=[TopWords(10)], alias=True,
                                        alias_min_similarity=1.5), tmp_path / "o")


def test_cli_alias_summary_and_argument_errors(sample_path, tmp_path, capsys):
    code = main(["export", str(sample_path), "--top", "2000", "--alias",
                 "--alias-min-similarity", "0.5", "-o", str(tmp_path / "o")])
    out, err = capsys.readouterr()
    assert code == 0, err
    assert "left-out word(s) map to their nearest kept row in word_index.json" in out
    assert "below 0.5 left out" in out
    code = main(["export", str(sample_path), "--top", "20", "--alias-min-similarity", "0.5",
                 "-o", str(tmp_path / "p")])
    assert code == 2 and "--alias-min-similarity needs --alias" in capsys.readouterr().err
