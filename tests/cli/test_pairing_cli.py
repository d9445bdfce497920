"""The fix flags (--fix-shift, --drop-unpaired-rows, --drop-extra-words, --skip-header-line)
re-pair words and rows for one run, and a map computed before a fix is never written after it."""
from __future__ import annotations

import numpy as np
import pytest

from embedscope.cli import main


@pytest.fixture(scope="module")
def files(tmp_path_factory, sample):
    """3,000 real GloVe rows as .npy with words files: right, shifted one line (word i's vector
    on row i + 1), three lines short at the end, two words too many, a header line on top."""
    d = tmp_path_factory.mktemp("pairing_cli")
    words = sample.words[:3000]
    np.save(d / "m.npy", np.ascontiguousarray(sample.vectors[:3000]))

    def write(name, ws):
        (d / name).write_text("".join(w + "\n" for w in ws), encoding="utf-8")
        return d / name

    return {"matrix": d / "m.npy", "words": words,
            "good": write("good.txt", words),
            "shifted": write("shifted.txt", words[1:] + ["zzzextra"]),
            "short": write("short.txt", words[:-3]),
            "long": write("long.txt", words + ["zzz1", "zzz2"]),
            "header": write("header.txt", ["3000 50"] + words)}


def _coords(path):
    rows = [ln.split("\t") for ln in path.read_text(encoding="utf-8").splitlines()[1:]]
    return {w: (float(x), float(y)) for w, x, y in rows}


def test_fix_shift_after_an_unfixed_run_writes_the_fixed_coordinates(files, tmp_path, capsys):
    a, b, afresh = tmp_path / "a.tsv", tmp_path / "b.tsv", tmp_path / "afresh.tsv"
    base = ["project", str(files["matrix"]), "--limit", "1000", "--vocab", str(files["shifted"])]
    assert main(base + ["-o", str(a)]) == 0
    assert main(base + ["--fix-shift", "-o", str(b)]) == 0
    assert "(from cache)" not in capsys.readouterr().out
    assert main(base + ["--fix-shift", "-o", str(afresh), "--recompute"]) == 0
    ca, cb, cf = _coords(a), _coords(b), _coords(afresh)
    for w in ("city", "year", "government"):
        assert cb[w] == pytest.approx(cf[w], abs=1e-5), w
        assert ca[w] != pytest.approx(cb[w], abs=1e-3), w


def test_drop_unpaired_rows_opens_a_words_file_three_lines_short(files, capsys):
    assert main(["info", str(files["matrix"]), "--vocab", str(files["short"])]) == 2
    err = capsys.readouterr().err
    assert "--drop-unpaired-rows" in err and "embedscope check" in err
    assert main(["neighbours", str(files["matrix"]), "--vocab", str(files["short"]),
                 "--drop-unpaired-rows", "king"]) == 0
    out, err = capsys.readouterr()
    assert "queen" in out and "left out the last 3 rows" in err


def test_drop_extra_words_and_skip_header_line(files, capsys):
    assert main(["info", str(files["matrix"]), "--vocab", str(files["long"]),
                 "--drop-extra-words"]) == 0
    assert "left out the last 2 words" in capsys.readouterr().err
    assert main(["neighbours", str(files["matrix"]), "--vocab", str(files["header"]),
                 "--skip-header-line", "king"]) == 0
    out, err = capsys.readouterr()
    assert "queen" in out and "skipped the words file's first line '3000 50'" in err


def test_a_fix_for_the_other_end_is_refused_with_the_right_flag(files, capsys):
    assert main(["info", str(files["matrix"]), "--vocab", str(files["long"]),
                 "--drop-unpaired-rows"]) == 2
    assert "--drop-extra-words" in capsys.readouterr().err


def test_check_names_the_fix_flag(files, capsys):
    assert main(["check", str(files["matrix"]), "--vocab", str(files["short"])]) == 1
    out = capsys.readouterr().out
    assert "the last 3 row(s) have no word" in out
    assert "fix for one run: --drop-unpaired-rows" in out
