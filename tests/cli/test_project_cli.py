"""`embedscope project`: writes word/x/y with a header, prints the quality figure, and exits
1 for unknown words, 2 for bad arguments or files."""
from __future__ import annotations

import json

import pytest

from embedscope.cli import main


def _read_tsv(path):
    lines = path.read_text(encoding="utf-8").splitlines()
    rows = [ln.split("\t") for ln in lines[1:]]
    return lines[0], {w: (float(x), float(y)) for w, x, y in rows}, [r[0] for r in rows]


def test_pca_writes_coords_and_prints_quality(sample_path, tmp_path, capsys):
    out = tmp_path / "pca.tsv"
    assert main(["project", str(sample_path), "--method", "pca", "--limit", "2000",
                 "-o", str(out)]) == 0
    header, coords, order = _read_tsv(out)
    assert header == "word\tx\ty"
    assert len(coords) == 2000 and order[:3] == ["the", ",", "."]
    text = capsys.readouterr().out
    assert "quality:" in text and "nearest" in text and "variance along x, y" in text
    # The second run comes from the cache.
    assert main(["project", str(sample_path), "--limit", "2000", "-o", str(out)]) == 0
    assert "(from cache)" in capsys.readouterr().out


def test_axes_with_a_words_file(sample_path, tmp_path, capsys):
    words = tmp_path / "words.txt"
    words.write_text("king\nqueen\nterrible\nexcellent\nnotawordzzz\n", encoding="utf-8")
    out = tmp_path / "axes.tsv"
    assert main(["project", str(sample_path), "--method", "axes", "--axes",
                 "man:woman,bad:good", "--words", str(words), "-o", str(out), "--json"]) == 0
    captured = capsys.readouterr()
    summary = json.loads(captured.out)
    assert summary["points"] == 4 and summary["axes"] == [["man", "woman"], ["bad", "good"]]
    assert "not in the vocabulary" in summary["notes"][0]
    _, coords, order = _read_tsv(out)
    assert order == ["king", "queen", "terrible", "excellent"]
    assert coords["king"][0] < coords["queen"][0]
    assert coords["terrible"][1] < coords["excellent"][1]


def test_tsne_through_the_command(sample_path, tmp_path, capsys):
    out = tmp_path / "tsne.tsv"
    assert main(["project", str(sample_path), "--method", "tsne", "--limit", "300",
                 "--perplexity", "10", "--iterations", "20",
                 "--early-iterations", "10", "--seed", "1", "-o", str(out)]) == 0
    _, coords, _ = _read_tsv(out)
    assert len(coords) == 300
    assert "quality:" in capsys.readouterr().out


def test_stdout_output(sample_path, capsys):
    assert main(["project", str(sample_path), "--around", "paris", "--n-around", "30",
                 "-o", "-"]) == 0
    captured = capsys.readouterr()
    lines = captured.out.splitlines()
    assert lines[0] == "word\tx\ty" and lines[1].startswith("paris\t") and len(lines) == 32
    assert "quality:" in captured.err


@pytest.mark.parametrize("extra, code, message", [
    (["--method", "axes", "--axes", "man:womann"], 1, "womann"),
    (["--method", "axes"], 2, "needs --axes"),
    (["--method", "axes", "--axes", "man-woman"], 2, "one ':'"),
    (["--method", "pca", "--perplexity", "5"], 2, "--perplexity"),
    (["--seed", "abc"], 2, "--seed: expected a whole number, not 'abc'"),
    (["--words", "/nonexistent/words.txt"], 2, "words.txt"),
    (["--method", "umap", "--limit", "5"], 2, "at least 10"),
])
def test_refusals_exit_codes(sample_path, tmp_path, capsys, extra, code, message):
    out = tmp_path / "o.tsv"
    assert main(["project", str(sample_path), "-o", str(out)] + extra) == code
    assert message in capsys.readouterr().err
    assert not out.exists()


def test_unloadable_file_exits_2(tmp_path, capsys):
    bad = tmp_path / "x.txt"
    bad.write_text("not an embedding\n")
    assert main(["project", str(bad), "-o", str(tmp_path / "o.tsv")]) == 2
