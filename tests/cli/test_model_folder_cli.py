"""`embedscope info|check|neighbours|export MODEL_DIR`: a model folder is one source."""
from __future__ import annotations

import json

import pytest

from embedscope.cli import main
from model_folders import TABLE, VOCAB_SIZE, make_model_folder


def run(capsys, *argv):
    code = main([*map(str, argv)])
    out, err = capsys.readouterr()
    return code, out, err


@pytest.fixture(scope="module")
def folder(tmp_path_factory):
    return make_model_folder(tmp_path_factory.mktemp("cli") / "bert", tied=True)


def test_info_says_which_files_and_tensor_and_why(capsys, folder):
    code, out, _ = run(capsys, "info", folder)
    assert code == 0
    assert "weights     model.safetensors" in out
    assert "words file  tokenizer.json" in out
    assert f"tensor      {TABLE}" in out
    assert "because   rows = vocab_size 192 (config.json), columns = hidden_size 32" in out
    assert "15 row(s) past its last id" in out
    code, out, _ = run(capsys, "info", folder, "--json")
    d = json.loads(out)
    assert d["format"] == "model-folder" and d["rows"] == VOCAB_SIZE
    assert d["model"]["tied_to"] == "cls.predictions.decoder.weight"
    assert d["model"]["special_tokens"]["[CLS]"] == 2


def test_ambiguous_folder_exits_2_listing_candidates(capsys, tmp_path):
    amb = make_model_folder(tmp_path / "amb", ambiguous=True)
    code, _, err = run(capsys, "info", amb)
    assert code == 2
    assert "decoder.embed_tokens.weight" in err and "encoder.embed_tokens.weight" in err
    assert "--tensor" in err
    code, out, _ = run(capsys, "info", amb, "--tensor", "decoder.embed_tokens.weight")
    assert code == 0 and "named with --tensor" in out


def test_check_reports_the_model_audit(capsys, folder):
    code, out, _ = run(capsys, "check", folder, "--json")
    codes = {f["code"]: f for f in json.loads(out)["findings"]}
    assert codes["rows-past-tokenizer"]["count"] == 15
    assert codes["untrained-rows"]["count"] == 20
    assert "tied-output" in codes and "special-tokens" in codes


def test_neighbours_and_export_read_the_folder(capsys, folder, tmp_path):
    code, out, _ = run(capsys, "neighbours", folder, "word3")
    assert code == 0 and "word" in out
    code, _, err = run(capsys, "export", folder, "--top", "100", "-o", tmp_path / "out")
    assert code == 0, err
    assert (tmp_path / "out" / "vocab.txt").read_text().splitlines()[0] == "[PAD]"
