"""`embedscope check`: a readable report or one JSON object; exit 0 clean, 1 errors, 2 when the
file cannot be loaded."""
from __future__ import annotations

import json

import numpy as np
import pytest

from embedscope.cli import main


@pytest.fixture(scope="module")
def files(tmp_path_factory, sample):
    """5,000 real GloVe rows (every 4th of the sample) as .npy, and words files that go with
    it: right, with a header line on top, shifted by two lines, and short by one at the top."""
    d = tmp_path_factory.mktemp("check_cli")
    words = sample.words[::4]
    vecs = np.ascontiguousarray(sample.vectors[::4])
    np.save(d / "m.npy", vecs)
    bad = vecs.copy()
    bad[7, 3] = np.nan
    np.save(d / "nan.npy", bad)

    def write(name, ws):
        (d / name).write_text("".join(w + "\n" for w in ws), encoding="utf-8")
        return d / name

    return {
        "dir": d, "words": words, "vecs": vecs,
        "matrix": d / "m.npy", "nan": d / "nan.npy",
        "good": write("good.txt", words),
        "header": write("header.txt", [f"{len(words)} 50"] + words),
        "shift2": write("shift2.txt", words[2:] + ["zzz1", "zzz2"]),
        "short": write("short.txt", words[1:]),
    }


def run(capsys, *argv):
    code = main(["check", *map(str, argv)])
    out, err = capsys.readouterr()
    return code, out, err


def test_clean_file_json(capsys, files):
    code, out, _ = run(capsys, files["matrix"], "--vocab", files["good"], "--json")
    d = json.loads(out)
    assert code == 0
    assert {"rows", "dim", "vocab_size", "ok", "findings"} <= set(d)
    assert (d["rows"], d["dim"], d["vocab_size"], d["ok"]) == (5000, 50, 5000, True)
    assert d["findings"] == []


def test_clean_file_readable(capsys, files):
    code, out, _ = run(capsys, files["matrix"], "--vocab", files["good"])
    assert code == 0
    assert "OK" in out and "5,000 rows × 50 dimensions" in out
    assert "mean cosine of random pairs" in out  # the space figures are always shown


def test_header_line_in_the_words_file(capsys, files):
    code, out, _ = run(capsys, files["matrix"], "--vocab", files["header"], "--json")
    d = json.loads(out)
    assert code == 1 and d["ok"] is False and d["vocab_size"] == 5001
    f = next(f for f in d["findings"] if f["code"] == "count-mismatch")
    assert f["severity"] == "error" and "header line" in f["message"]
    assert set(f) >= {"code", "severity", "message", "count", "examples"}


def test_words_missing_at_the_top(capsys, files):
    code, out, _ = run(capsys, files["matrix"], "--vocab", files["short"], "--json")
    d = json.loads(out)
    assert code == 1 and d["rows"] == 5000 and d["vocab_size"] == 4999
    f = next(f for f in d["findings"] if f["code"] == "count-mismatch")
    assert "missing at the top" in f["message"]


def test_shifted_words_json_carries_the_offset(capsys, files):
    code, out, _ = run(capsys, files["matrix"], "--vocab", files["shift2"], "--json")
    d = json.loads(out)
    assert code == 1
    f = next(f for f in d["findings"] if f["code"] == "vocab-shift")
    assert f["offset"] == 2 and f["severity"] == "error" and f["examples"]


def test_shifted_words_readable(capsys, files):
    code, out, _ = run(capsys, files["matrix"], "--vocab", files["shift2"])
    assert code == 1
    assert "PROBLEMS FOUND" in out and "ERROR    vocab-shift" in out and "offset +2" in out
    assert "--fix-shift" in out


@pytest.mark.parametrize("which", ["shift2", "header", "short"])
def test_fix_shift_repairs_the_pairing_for_the_run(capsys, files, which):
    code, out, err = run(capsys, files["matrix"], "--vocab", files[which], "--fix-shift",
                         "--json")
    d = json.loads(out)
    assert code == 0, d["findings"]
    assert not [f for f in d["findings"] if f["severity"] == "error"]
    assert "moved by" in err
    # Nothing was written: the words file is as it was.
    assert files[which].read_text(encoding="utf-8").count("\n") in (4999, 5000, 5001)


def test_fix_shift_on_a_clean_file_moves_nothing(capsys, files):
    code, out, err = run(capsys, files["matrix"], "--vocab", files["good"], "--fix-shift")
    assert code == 0 and "no shift found" in err


def test_nan_rows_are_errors(capsys, files):
    code, out, _ = run(capsys, files["nan"], "--vocab", files["good"])
    assert code == 1 and "non-finite" in out


def test_cut_off_word2vec_text(capsys, files, tmp_path):
    from embedscope.io.word2vec_text import write_word2vec_text

    path = tmp_path / "cut.vec"
    write_word2vec_text(path, files["words"][:300], files["vecs"][:300])
    data = path.read_bytes()
    path.write_bytes(data[: len(data) - 200])  # an interrupted download, mid-line
    code, out, _ = run(capsys, path, "--json")
    d = json.loads(out)
    assert code == 1 and d["rows"] < 300
    f = next(f for f in d["findings"] if f["code"] == "header-mismatch")
    assert "cut off" in f["message"]


def test_clean_glove_text(capsys, gensim_data):
    code, out, _ = run(capsys, gensim_data / "lee_fasttext.vec", "--json")
    d = json.loads(out)
    assert code == 0 and d["ok"] and d["rows"] == 1762
    assert not [f for f in d["findings"] if f["code"] in ("vocab-shift", "count-mismatch")]


def test_missing_file_exits_2(capsys, tmp_path):
    code, out, err = run(capsys, tmp_path / "nope.npy")
    assert code == 2 and "no such file" in err and out == ""


def test_unreadable_file_exits_2(capsys, tmp_path):
    p = tmp_path / "junk.bin"
    p.write_bytes(bytes(range(256)) * 10)
    code, _, err = run(capsys, p)
    assert code == 2 and err.startswith("embedscope:")


def test_help_lists_examples(capsys):
    assert main(["check", "--help"]) == 0
    out = capsys.readouterr().out
    assert "embedscope check" in out and "--json" in out and "--fix-shift" in out


def test_cut_off_glove_text_without_header(capsys, files, tmp_path):
    from embedscope.io.word2vec_text import write_glove_text

    path = tmp_path / "cut.txt"
    write_glove_text(path, files["words"][:300], files["vecs"][:300])
    data = path.read_bytes()
    path.write_bytes(data[: len(data) - 200])
    code, out, _ = run(capsys, path, "--json")
    d = json.loads(out)
    assert code == 1
    f = next(f for f in d["findings"] if f["code"] == "truncated")
    assert "cut off" in f["message"]


def test_fix_shift_works_for_other_commands(capsys, files):
    code = main(["info", str(files["matrix"]), "--vocab", str(files["header"]), "--fix-shift",
                 "--json"])
    out, err = capsys.readouterr()
    assert code == 0 and json.loads(out)["rows"] == 5000 and "moved by -1" in err


def test_fix_shift_refuses_a_mismatch_it_cannot_fix(capsys, files, tmp_path):
    words = files["words"]
    vocab = tmp_path / "lost.txt"
    vocab.write_text("".join(w + "\n" for w in words[:2500] + words[2501:]), encoding="utf-8")
    code = main(["info", str(files["matrix"]), "--vocab", str(vocab), "--fix-shift"])
    _, err = capsys.readouterr()
    assert code == 2 and "part-way" in err
