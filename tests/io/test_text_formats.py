"""word2vec / fastText / GloVe text as users meet it: line-end styles, a byte-order mark, words
with spaces, compression, chunk boundaries, progress and cancel, and `embedscope info`."""
from __future__ import annotations

import bz2
import gzip
import json
import lzma
import zipfile

import numpy as np
import pytest

import embedscope
from embedscope.cli import main as cli_main
from embedscope.core.compiled import plain
from embedscope.core.jobs import Cancelled
from embedscope.io import word2vec_text
from embedscope.io.word2vec_text import write_glove_text, write_word2vec_text

WORDS = ["the", ",", "naïve", "日本", "x"]


@pytest.fixture(autouse=True)
def _compiled_scanner(monkeypatch):
    """These small files would take the Python line reader; test the compiled scanner, which
    big files use (the Python reader has its own equivalence test below)."""
    monkeypatch.setattr(word2vec_text, "SMALL_FILE", 0)


@pytest.fixture
def vals():
    return np.random.default_rng(3).standard_normal((5, 4)).astype(np.float32)


def _text(words, vals, header=True, sep=" ", end="\n", tail=""):
    lines = [f"{len(words)} {vals.shape[1]}"] if header else []
    for w, row in zip(words, vals):
        lines.append(w + sep + sep.join(repr(float(v)) for v in row) + tail)
    return end.join(lines) + end


def _same(emb, words, vals):
    assert emb.words == list(words)
    np.testing.assert_array_equal(emb.vectors, vals)


@pytest.mark.parametrize("variant", ["lf", "crlf", "bom", "trailing-space", "no-final-newline",
                                     "blank-lines-at-end", "tabs"])
@pytest.mark.parametrize("header", [True, False])
def test_line_styles_read_the_same(tmp_path, vals, variant, header):
    end = "\r\n" if variant == "crlf" else "\n"
    text = _text(WORDS, vals, header=header, end=end,
                 sep="\t" if variant == "tabs" else " ",
                 tail=" " if variant == "trailing-space" else "")
    if variant == "no-final-newline":
        text = text.rstrip("\n")
    if variant == "blank-lines-at-end":
        text += "\n\n  \n"
    raw = text.encode()
    if variant == "bom":
        raw = b"\xef\xbb\xbf" + raw
    path = tmp_path / "v.txt"
    path.write_bytes(raw)
    fmt = "word2vec" if header else "glove"
    emb = embedscope.load(path, use_cache=False, format=None if variant != "tabs" else fmt)
    assert emb.source.format == fmt
    _same(emb, WORDS, vals)
    assert emb.source.warnings == []
    assert emb.source.header == ((5, 4) if header else None)


def test_python_fallback_reads_the_same_values(tmp_path, gensim_data, monkeypatch):
    """Without numba the line-by-line reader gives the very same words, values and flags."""
    files = [gensim_data / "lee_fasttext.vec", gensim_data / "high_precision.kv.txt"]
    spaced = tmp_path / "spaced.txt"
    spaced.write_text("a b 1 2\n. . . 3 nan\nc 1e500 -0\n", encoding="utf-8")
    files.append(spaced)
    compiled = [embedscope.load(f, use_cache=False) for f in files]
    monkeypatch.setenv("EMBEDSCOPE_PLAIN", "1")
    monkeypatch.setattr(word2vec_text, "SMALL_FILE", 1 << 40)
    for f, ref in zip(files, compiled):
        emb = embedscope.load(f, use_cache=False)
        assert emb.words == ref.words
        assert np.array_equal(emb.vectors.view(np.uint32), ref.vectors.view(np.uint32))
        assert emb.source.warnings == ref.source.warnings


def test_a_small_file_loads_without_the_compiled_scanner(gensim_data):
    import subprocess
    import sys

    code = ("import sys, embedscope; e = embedscope.load(sys.argv[1], use_cache=False); "
            "assert e.rows == 76; assert 'numba' not in sys.modules, 'numba imported'")
    subprocess.run([sys.executable, "-c", code, str(gensim_data / "test_glove.txt")], check=True)


def test_words_with_spaces_take_the_last_d_fields(tmp_path):
    path = tmp_path / "840b.txt"
    path.write_text("the 1 2\n. . . 3 4\nat name@domain.com 5 6\nx 7 8\n", encoding="utf-8")
    emb = embedscope.load(path, use_cache=False)
    assert emb.words == ["the", ". . .", "at name@domain.com", "x"]
    np.testing.assert_array_equal(emb.vectors[:, 0], [1, 3, 5, 7])
    assert emb.source.format == "glove"
    (w,) = emb.source.warnings
    assert w.startswith("2 word(s) contain spaces") and "line 2 '. . .'" in w


def test_numbers_outside_the_fast_path_match_python_float(tmp_path):
    texts = ["0.1", "-0", "1e500", "-inf", "nan", "NaN", "Infinity", "3.4028235e38", "1e-46",
             "0.12345678901234567890123", "123456789012345678901234567890", "+1.5", ".5", "5.",
             "1E3", "2.5e-10", "1e-30", "0.000000000000000000000000000001"]
    line = "w " + " ".join(texts) + "\n"
    path = tmp_path / "odd.txt"
    path.write_text(f"1 {len(texts)}\n" + line, encoding="utf-8")
    emb = embedscope.load(path, use_cache=False)
    with np.errstate(over="ignore"):
        expected = np.array([np.float32(float(t)) for t in texts], dtype=np.float32)
    assert np.array_equal(emb.vectors[0], expected, equal_nan=True)
    assert np.signbit(emb.vectors[0, 1])
    assert any("NaN or infinite" in w for w in emb.source.warnings)


@pytest.mark.parametrize("compiled", [True, False])
def test_chunk_boundaries_do_not_change_anything(tmp_path, monkeypatch, gensim_data, compiled):
    src = tmp_path / "mixed.vec"
    raw = (gensim_data / "pang_lee_polarity_fasttext.vec").read_bytes()   # has broken UTF-8
    src.write_bytes(raw.replace(b"\n", b"\r\n", 300) + b"x 1" + b" 2" * 50)  # cut last line
    ref = embedscope.load(src, use_cache=False)
    if not compiled:
        monkeypatch.setenv("EMBEDSCOPE_PLAIN", "1")
    monkeypatch.setattr(word2vec_text, "CHUNK_BYTES", 997)   # cuts lines everywhere
    emb = embedscope.load(src, use_cache=False)
    assert emb.words == ref.words and np.array_equal(emb.vectors, ref.vectors)
    assert emb.source.warnings == ref.source.warnings and len(ref.source.warnings) == 2
    assert emb.rows == 1694 and "ends in the middle of line 1,696" in emb.source.warnings[0]


def _compress(path, kind):
    raw = path.read_bytes()
    out = path.with_name(path.name + {"gzip": ".gz", "bz2": ".bz2", "xz": ".xz",
                                      "zip": ".zip"}[kind])
    if kind == "gzip":
        out.write_bytes(gzip.compress(raw))
    elif kind == "bz2":
        out.write_bytes(bz2.compress(raw))
    elif kind == "xz":
        out.write_bytes(lzma.compress(raw))
    else:
        with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as z:
            z.writestr(path.name, raw)
    return out


@pytest.mark.parametrize("kind", ["gzip", "bz2", "xz", "zip"])
@pytest.mark.parametrize("header", [True, False])
def test_compressed_text(tmp_path, vals, kind, header):
    path = tmp_path / "v.txt"
    (write_word2vec_text if header else write_glove_text)(path, WORDS, vals)
    comp = _compress(path, kind)
    comp = comp.rename(comp.with_name("renamed.dat"))     # content decides, not the name
    emb = embedscope.load(comp, use_cache=False)
    assert emb.source.format == ("word2vec" if header else "glove")
    _same(emb, WORDS, vals)


def test_progress_reports_bytes_and_cancel_stops(tmp_path, monkeypatch):
    rng = np.random.default_rng(0)
    path = tmp_path / "big.txt"
    write_word2vec_text(path, [f"w{i}" for i in range(3000)], rng.standard_normal((3000, 20)))
    monkeypatch.setattr(word2vec_text, "CHUNK_BYTES", 50_000)
    seen = []
    embedscope.load(path, use_cache=False, progress=lambda d, t, m="": seen.append((d, t)))
    size = path.stat().st_size
    assert len(seen) > 5 and all(t == size for _, t in seen) and seen[-1][0] == size
    assert [d for d, _ in seen] == sorted(d for d, _ in seen)
    calls = []
    with pytest.raises(Cancelled):
        embedscope.load(path, use_cache=False,
                        should_stop=lambda: calls.append(1) or len(calls) > 2)


def test_glove_reader_takes_a_header_it_is_given(tmp_path, vals):
    path = tmp_path / "v.txt"
    write_word2vec_text(path, WORDS, vals)
    emb = embedscope.load(path, format="glove", use_cache=False)
    _same(emb, WORDS, vals)
    assert emb.source.header == (5, 4)


def test_word2vec_format_on_headerless_text_says_to_use_glove(tmp_path, vals):
    path = tmp_path / "v.txt"
    write_glove_text(path, WORDS, vals)
    with pytest.raises(embedscope.core.errors.EmbeddingFormatError,
                       match=r"v.txt, line 1: .*--format glove"):
        embedscope.load(path, format="word2vec", use_cache=False)


def test_writers_are_exact_and_refuse_line_breaks(tmp_path, vals):
    path = tmp_path / "v.txt"
    write_word2vec_text(path, WORDS, vals)
    assert path.read_text(encoding="utf-8").splitlines()[0] == "5 4"
    write_glove_text(path, WORDS, vals)
    assert path.read_text(encoding="utf-8").startswith("the ")
    with pytest.raises(embedscope.core.errors.ExportRefusedError, match="line break"):
        write_glove_text(path, ["a\nb"], vals[:1])


def test_info_on_text_files(tmp_path, gensim_data, capsys):
    assert cli_main(["info", str(gensim_data / "lee_fasttext.vec"), "--json", "--no-cache"]) == 0
    d = json.loads(capsys.readouterr().out)
    assert (d["format"], d["rows"], d["dim"], d["warnings"]) == ("word2vec", 1762, 10, [])
    assert cli_main(["info", str(gensim_data / "test_glove.txt"), "--no-cache"]) == 0
    out = capsys.readouterr().out
    assert "glove" in out and "76" in out and "50" in out
    bad = tmp_path / "bad.txt"
    bad.write_text("2 3\na 1 2 3\nb 1 2\n", encoding="utf-8")
    assert cli_main(["info", str(bad)]) == 2
    err = capsys.readouterr().err
    assert "bad.txt, line 3: found a word and 2 value(s)" in err and "Traceback" not in err


@pytest.mark.skipif(plain(), reason="EMBEDSCOPE_PLAIN: the plain writer prints '%.9g'")
def test_written_text_is_the_shortest_exact_decimal(tmp_path, sample):
    """GloVe's values came from '%.6g' text; writing them back gives that very text, so a
    GloVe export is byte-identical to the published file for the rows it keeps."""
    words, vals = sample.words[:2000], np.asarray(sample.vectors[:2000])
    path = tmp_path / "g.txt"
    write_glove_text(path, words, vals)
    fmt = " ".join(["%.6g"] * vals.shape[1])
    expected = "".join(w + " " + fmt % tuple(r) + "\n" for w, r in zip(words, vals.tolist()))
    assert path.read_text(encoding="utf-8") == expected


@pytest.mark.parametrize("compiled", [True, False])
def test_writers_round_trip_every_kind_of_float32(tmp_path, monkeypatch, compiled):
    rng = np.random.default_rng(11)
    bits = rng.integers(0, 2**32, size=(400, 50), dtype=np.uint64).astype(np.uint32)
    vals = bits.view(np.float32).copy()          # every exponent, subnormals, nan, ±inf
    vals[0, :8] = [0.0, -0.0, np.nan, np.inf, -np.inf, 1e-45, 3.4028235e38, 1e16]
    if not compiled:
        monkeypatch.setenv("EMBEDSCOPE_PLAIN", "1")
    path = tmp_path / "r.txt"
    write_word2vec_text(path, [f"w{i}" for i in range(400)], vals)
    lines = path.read_text(encoding="utf-8").splitlines()[1:]
    with np.errstate(over="ignore"):
        back = np.array([[np.float32(float(t)) for t in ln.split(" ")[1:]] for ln in lines])
    nan = np.isnan(vals)
    assert np.array_equal(np.isnan(back), nan)
    assert np.array_equal(back.view(np.uint32)[~nan], vals.view(np.uint32)[~nan])
