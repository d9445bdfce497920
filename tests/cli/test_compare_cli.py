"""`embedscope compare` on files: JSON shape, exit codes."""
import json

import numpy as np

from embedscope.cli import main


def _write(dirpath, words, vectors):
    dirpath.mkdir()
    np.save(dirpath / "embeddings.npy", vectors.astype(np.float32))
    (dirpath / "vocab.txt").write_text("\n".join(words) + "\n", encoding="utf-8")
    return dirpath / "embeddings.npy"


def test_compare_json_reports_movers(tmp_path, sample, capsys):
    words = sample.words[:800]
    va = np.asarray(sample.vectors[:800])
    vb = va.copy()
    vb[7] = -vb[7]  # "'s"... whatever row 7 is: its vector flipped, it must move most
    a = _write(tmp_path / "a", words, va)
    b = _write(tmp_path / "b", words[:700], vb[:700])
    assert main(["compare", str(a), str(b), "--json", "--sample", "500"]) == 0
    out = json.loads(capsys.readouterr().out)
    assert {"shared", "only_a", "only_b", "align", "median_cosine", "median_overlap",
            "movers"} <= set(out)
    assert out["shared"] == 700 and out["only_a"] == 100 and out["only_b"] == 0
    assert out["movers"][0]["word"] == words[7]
    assert out["movers"][0]["cosine"] < -0.99


def test_compare_unloadable_file_exits_2(tmp_path, capsys):
    bad = tmp_path / "bad.npy"
    bad.write_bytes(b"not an embedding at all")
    assert main(["compare", str(bad), str(bad)]) == 2
    assert "bad.npy" in capsys.readouterr().err
