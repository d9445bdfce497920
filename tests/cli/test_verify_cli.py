"""`embedscope verify` and `embedscope diff` on the command line: readable findings naming the
file and place, --json, exit 0 when all holds / identical, 1 with findings, 2 unreadable."""
from __future__ import annotations

import json
import shutil

import numpy as np
import pytest

from embedscope.cli import main

FORMATS = ("npy", "npz", "safetensors", "word2vec", "word2vec-bin", "glove", "tsv")


def run(capsys, *argv):
    code = main([str(a) for a in argv])
    out, err = capsys.readouterr()
    return code, out, err


@pytest.fixture(scope="module")
def exports(tmp_path_factory, sample_path):
    d = tmp_path_factory.mktemp("verify_cli")
    out = {}
    for fmt in FORMATS:
        assert main(["export", str(sample_path), "--top", "200", "--pad", "--unk", "--format",
                     fmt, "-o", str(d / fmt)]) == 0
        out[fmt] = d / fmt
    assert main(["export", str(sample_path), "--top", "205", "--unk", "-o",
                 str(d / "top205")]) == 0
    out["top205"] = d / "top205"
    return out


@pytest.mark.parametrize("fmt", FORMATS)
def test_a_clean_export_verifies_with_exit_0(fmt, exports, sample_path, capsys):
    code, out, err = run(capsys, "verify", exports[fmt], "--source", sample_path)
    assert code == 0, out + err
    assert "OK: the export holds what its manifest says" in out
    assert "200 from the source" in out


def test_a_tampered_row_exits_1_naming_file_and_row(exports, sample_path, tmp_path, capsys):
    folder = shutil.copytree(exports["npy"], tmp_path / "e")
    m = np.load(folder / "embeddings.npy")
    m[17, 0] -= 0.25
    np.save(folder / "embeddings.npy", m)
    code, out, err = run(capsys, "verify", folder, "--source", sample_path)
    assert code == 1
    word = (folder / "vocab.txt").read_text().split("\n")[17]
    assert "file-changed  (embeddings.npy)" in out
    assert f"row-differs-from-source  (embeddings.npy, row 17 ('{word}'))" in out
    assert "largest difference 0.25" in out


def test_json_report_lists_findings_with_file_and_place(exports, tmp_path, capsys):
    folder = shutil.copytree(exports["glove"], tmp_path / "e")
    lines = (folder / "embeddings.txt").read_text().split("\n")
    (folder / "embeddings.txt").write_text("\n".join(lines[:-6]) + "\n")  # five rows cut off
    code, out, err = run(capsys, "verify", folder, "--json")
    assert code == 1
    report = json.loads(out)
    assert report["ok"] is False
    rows = next(f for f in report["findings"] if f["code"] == "matrix-rows")
    assert rows["file"] == "embeddings.txt"
    assert rows["message"] == "embeddings.txt holds 197 words; vocab.txt has 202"


def test_a_source_other_than_the_one_exported_from_is_named(exports, sample, tmp_path, capsys):
    other = tmp_path / "other.npy"
    np.save(other, np.asarray(sample.vectors) * 2)
    (tmp_path / "other.vocab.txt").write_text("\n".join(sample.words) + "\n")
    code, out, err = run(capsys, "verify", exports["npy"], "--source", other)
    assert code == 1
    assert "source-changed  (other.npy)" in out and "not the file exported from" in out
    assert "200 rows differ" in out


def test_an_unreadable_folder_exits_2_with_a_message(tmp_path, capsys):
    code, out, err = run(capsys, "verify", tmp_path / "nothing")
    assert code == 2 and "no such folder" in err
    code, out, err = run(capsys, "verify", tmp_path)
    assert code == 2 and "has no manifest.json" in err


def test_diff_of_different_top_and_pad_lists_words_and_settings(exports, capsys):
    code, out, err = run(capsys, "diff", exports["npy"], exports["top205"])
    assert code == 1, err
    assert "removed     1: '<pad>'" in out
    assert out.count("\nadded       5: ") == 1
    assert "moved       201: '<unk>' 1 → 0" in out
    assert "values      the 201 words in both have the same values" in out
    assert 'setting     selection.pad: "<pad>" → null' in out
    assert "setting     pad_index: 0 → null" in out


def test_diff_json(exports, capsys):
    code, out, err = run(capsys, "diff", exports["npy"], exports["top205"], "--json")
    d = json.loads(out)
    assert code == 1 and d["identical"] is False
    assert d["removed"] == ["<pad>"] and len(d["added"]) == 5
    assert d["moved"][0] == {"word": "<unk>", "row_a": 1, "row_b": 0}
    assert d["settings"]["selection.pad"] == {"a": "<pad>", "b": None}


def test_diff_of_an_export_with_itself_is_empty_exit_0(exports, capsys):
    code, out, err = run(capsys, "diff", exports["npy"], exports["npy"])
    assert code == 0
    assert "the same words in the same rows, the same values and settings" in out


def test_diff_with_an_unreadable_folder_exits_2(exports, tmp_path, capsys):
    code, out, err = run(capsys, "diff", exports["npy"], tmp_path)
    assert code == 2 and "has no manifest.json" in err
