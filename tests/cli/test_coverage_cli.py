"""`embedscope coverage SOURCE --corpus FILE`: the rows a vocabulary needs for a corpus."""
from __future__ import annotations

import json

from embedscope.cli import main


def run(capsys, *argv):
    code = main(["coverage", *map(str, argv)])
    out, err = capsys.readouterr()
    return code, out, err


def test_json_has_the_curve_the_rows_needed_and_the_missing_words(capsys, sample_path,
                                                                  tmp_path):
    corpus = tmp_path / "c.txt"
    corpus.write_text("the the the the the of of , naïve Zzyzx\n", encoding="utf-8")
    code, out, _ = run(capsys, sample_path, "--corpus", corpus, "--json")
    assert code == 0
    d = json.loads(out)
    assert {"tokens", "types", "curve", "rows_for", "missing"} <= set(d)
    assert d["tokens"]["total"] == 10 and d["types"]["total"] == 5
    assert d["curve"] == [[1, 0.5], [2, 0.7], [3, 0.8]]
    assert d["rows_for"] == {"0.9": None, "0.95": None, "0.99": None}
    assert d["missing"] == [
        {"word": "naïve", "count": 1, "suggestion": ["naive"], "by": "accents removed"},
        {"word": "Zzyzx", "count": 1, "suggestion": None, "by": None}]
    code, out, _ = run(capsys, sample_path, "--corpus", corpus, "--json", "--missing", "0")
    assert json.loads(out)["missing"] == []

def test_text_report_and_unreadable_corpus(capsys, sample_path, tmp_path):
    corpus = tmp_path / "c.txt"
    corpus.write_text("the of and Zzyzx\n", encoding="utf-8")
    code, out, _ = run(capsys, sample_path, "--corpus", corpus)
    assert code == 0
    assert "rows for    90% of the tokens: out of reach (75.00% at most)" in out
    assert "Zzyzx  1" in out
    code, _, err = run(capsys, sample_path, "--corpus", tmp_path / "nope.txt")
    assert code == 2 and "nope.txt" in err


def test_empty_corpus_and_model_folder(capsys, tmp_path):
    from model_folders import make_model_folder

    folder = make_model_folder(tmp_path / "m")
    empty = tmp_path / "empty.txt"
    empty.write_text("", encoding="utf-8")
    code, out, _ = run(capsys, folder, "--corpus", empty, "--json")
    d = json.loads(out)
    assert code == 0 and d["tokens"]["total"] == 0 and d["curve"] == []
    assert d["rows_for"] == {"0.9": None, "0.95": None, "0.99": None}
    code, out, _ = run(capsys, folder, "--corpus", empty)
    assert code == 0 and "0 tokens" in out
    text = tmp_path / "t.txt"
    text.write_text("word1 word1 word2 [CLS] unknownword\n", encoding="utf-8")
    code, out, _ = run(capsys, folder, "--corpus", text, "--tokenizer", "whitespace", "--json")
    d = json.loads(out)
    assert d["curve"][-1] == [3, 0.8] and d["missing"][0]["word"] == "unknownword"
