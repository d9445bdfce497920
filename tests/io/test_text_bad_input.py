"""Broken text and binary embedding files: each gives a load with warnings or an
EmbeddingFormatError naming the file, the line or byte and what was expected — never a
traceback, never a hang, never an allocation sized by a lying header."""
from __future__ import annotations

import gzip
import resource

import numpy as np
import pytest

import embedscope
from embedscope.cli import main as cli_main
from embedscope.core.errors import EmbeddingFormatError
from embedscope.io.word2vec_binary import write_word2vec_binary
from embedscope.io.word2vec_text import write_glove_text, write_word2vec_text


@pytest.fixture(autouse=True, params=["compiled", "python"])
def reader_kind(request, monkeypatch):
    """Every case through both the compiled scanner (big files) and the line reader (small)."""
    from embedscope.io import word2vec_text

    monkeypatch.setattr(word2vec_text, "SMALL_FILE", 0 if request.param == "compiled" else 1 << 40)
    if request.param == "python":
        monkeypatch.setenv("EMBEDSCOPE_PLAIN", "1")
    return request.param


@pytest.fixture
def emb_data():
    rng = np.random.default_rng(1)
    words = [f"word{i}" for i in range(50)]
    return words, rng.standard_normal((50, 8)).astype(np.float32)


def _load(path, **kw):
    return embedscope.load(path, use_cache=False, **kw)


def _write(tmp_path, text, name="bad.txt"):
    p = tmp_path / name
    p.write_bytes(text if isinstance(text, bytes) else text.encode("utf-8"))
    return p


# --- text ----------------------------------------------------------------------------------
def test_text_cut_mid_line_loads_the_complete_rows_with_a_warning(tmp_path, emb_data):
    words, vals = emb_data
    good = tmp_path / "good.txt"
    write_word2vec_text(good, words, vals)
    raw = good.read_bytes()
    cut = _write(tmp_path, raw[: raw.rfind(b"\n", 0, len(raw) - 1) + 30])
    emb = _load(cut)
    assert emb.rows == 49 and emb.words == words[:49]
    np.testing.assert_array_equal(emb.vectors, vals[:49])
    assert emb.source.header == (50, 8) and emb.source.body_rows == 49
    assert emb.source.warnings[0] == "the header says 50 rows but the file holds 49"
    assert "ends in the middle of line 51" in emb.source.warnings[1]


def test_a_row_with_too_few_values_names_the_line(tmp_path):
    p = _write(tmp_path, "3 4\na 1 2 3 4\nb 1 2 3\nc 1 2 3 4\n")
    with pytest.raises(EmbeddingFormatError) as e:
        _load(p)
    assert str(e.value) == ("bad.txt, line 3: found a word and 3 value(s) (expected a word "
                            "followed by 4 numbers (the dimension the header gives))")


def test_a_row_without_a_word_names_the_line(tmp_path):
    p = _write(tmp_path, "a 1 2\nb 3 4\n5 6\n")
    with pytest.raises(EmbeddingFormatError, match=r"bad.txt, line 3: found a word and 1 value"):
        _load(p, format="glove")


def test_a_row_with_too_many_values_warns_that_the_word_may_hold_a_number(tmp_path):
    p = _write(tmp_path, "3 2\na 1 2\nb 9 3 4\nc 5 6\n")
    emb = _load(p)
    assert emb.words == ["a", "b 9", "c"]
    np.testing.assert_array_equal(emb.vectors[1], [3, 4])
    assert any("end in a number" in w and "line 3 'b 9'" in w for w in emb.source.warnings)


def test_a_value_that_is_not_a_number_names_line_and_field(tmp_path):
    p = _write(tmp_path, "a 1 2\nb 3 x4\n")
    with pytest.raises(EmbeddingFormatError, match=r"line 2, field 3: 'x4' is not a number"):
        _load(p, format="glove")


@pytest.mark.parametrize("claimed", [7, 5_000_000_000])
def test_a_header_claiming_more_rows_warns_and_never_allocates_from_it(tmp_path, claimed):
    p = _write(tmp_path, f"{claimed} 3\na 1 2 3\nb 4 5 6\n")
    before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    emb = _load(p)
    grown_mb = (resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - before) / 1024
    assert emb.rows == 2 and grown_mb < 100
    assert emb.source.header == (claimed, 3) and emb.source.body_rows == 2
    assert emb.source.warnings == [f"the header says {claimed:,} rows but the file holds 2"]


def test_a_header_claiming_fewer_rows_reads_them_all_and_warns(tmp_path):
    p = _write(tmp_path, "1 3\na 1 2 3\nb 4 5 6\n")
    emb = _load(p)
    assert emb.words == ["a", "b"]
    assert emb.source.warnings == ["the header says 1 rows but the file holds 2"]


def test_a_header_with_a_wrong_dimension_fails_at_the_first_row(tmp_path):
    p = _write(tmp_path, "2 300000000\na 1 2 3\nb 4 5 6\n")
    with pytest.raises(EmbeddingFormatError, match=r"line 2: found a word and 3 value.*300000000"):
        _load(p)


def test_dimension_zero(tmp_path):
    p = _write(tmp_path, "2 0\na\nb\n")
    with pytest.raises(EmbeddingFormatError,
                       match=r"line 1 \(header\): the header gives dimension 0"):
        _load(p, format="word2vec")


def test_a_header_and_nothing_else(tmp_path):
    p = _write(tmp_path, "10 3\n")
    with pytest.raises(EmbeddingFormatError, match="holds no vectors"):
        _load(p, format="word2vec")


@pytest.mark.parametrize("content", [b"", b"\n\n  \n"])
def test_empty_file(tmp_path, content):
    p = _write(tmp_path, content)
    with pytest.raises(EmbeddingFormatError,
                       match=r"bad.txt: the file (is empty|holds only blank)"):
        _load(p)
    with pytest.raises(EmbeddingFormatError,
                       match=r"bad.txt: the file (is empty|holds only blank)"):
        _load(p, format="glove")


def test_random_bytes_are_not_recognised(tmp_path):
    p = _write(tmp_path, np.random.default_rng(0).bytes(200_000), name="noise.bin")
    with pytest.raises(EmbeddingFormatError, match="noise.bin, start of file: not a recognised"):
        _load(p)


@pytest.mark.parametrize("fmt", ["glove", "word2vec", "word2vec-bin"])
def test_random_bytes_forced_into_a_format_fail_cleanly(tmp_path, fmt):
    p = _write(tmp_path, np.random.default_rng(0).bytes(200_000), name="noise.bin")
    with pytest.raises(EmbeddingFormatError, match=r"noise.bin, (line|byte|start)"):
        _load(p, format=fmt)


def test_non_finite_values_load_with_a_warning_naming_rows(tmp_path):
    p = _write(tmp_path, "a 1 2\nb nan 2\nc 3 inf\nd -Infinity 1e999\ne 1 2\n")
    emb = _load(p)
    assert np.isnan(emb.vectors[1, 0]) and np.isinf(emb.vectors[3]).all()
    (w,) = emb.source.warnings
    assert w == "3 row(s) hold NaN or infinite values: line 2 'b', line 3 'c', line 4 'd'"


def test_invalid_utf8_words_load_with_replacement_and_a_warning(tmp_path):
    p = _write(tmp_path, b"caf\xe9 1 2\nok 3 4\n\xff\xfe 5 6\n")
    emb = _load(p)
    assert emb.words == ["caf\ufffd", "ok", "\ufffd\ufffd"]
    (w,) = emb.source.warnings
    assert w.startswith("2 word(s) are not valid UTF-8") and "line 3" in w


def test_a_very_long_line_is_an_error_not_a_hang(tmp_path, monkeypatch):
    from embedscope.io import word2vec_text

    monkeypatch.setattr(word2vec_text, "MAX_LINE", 1 << 20)
    monkeypatch.setattr(word2vec_text, "CHUNK_BYTES", 1 << 18)
    p = _write(tmp_path, "a 1 2\nb " + "1 " * (1 << 20) + "\n")
    with pytest.raises(EmbeddingFormatError, match="line 2: the line is longer than 64 MB"):
        _load(p, format="glove")


def test_long_lines_within_reason_load(tmp_path):
    vals = np.arange(200_000, dtype=np.float32).reshape(2, -1)
    p = tmp_path / "wide.txt"
    write_glove_text(p, ["a", "b"], vals)
    np.testing.assert_array_equal(_load(p).vectors, vals)


def test_truncated_gzip_names_the_place(tmp_path, emb_data):
    words, vals = emb_data
    p = tmp_path / "v.txt"
    write_word2vec_text(p, words, vals)
    gz = tmp_path / "v.txt.gz"
    gz.write_bytes(gzip.compress(p.read_bytes())[:-200])
    with pytest.raises(EmbeddingFormatError, match=r"v.txt.gz, after [\d,]+ bytes of decompressed "
                                                   r"text: the gzip data is damaged or cut short"):
        _load(gz)


# --- binary ----------------------------------------------------------------------------------
def test_binary_cut_mid_vector_loads_the_complete_rows_with_a_warning(tmp_path, emb_data):
    words, vals = emb_data
    p = tmp_path / "v.bin"
    write_word2vec_binary(p, words, vals)
    raw = p.read_bytes()
    p.write_bytes(raw[:-10])
    emb = _load(p)
    assert emb.words == words[:49]
    np.testing.assert_array_equal(emb.vectors, vals[:49])
    assert emb.source.warnings[0] == "the header says 50 rows but the file holds 49"
    assert "ends in the middle of entry 50 (byte" in emb.source.warnings[1]


@pytest.mark.parametrize("claimed", [60, 5_000_000_000, 10])
def test_binary_lying_header(tmp_path, emb_data, claimed):
    words, vals = emb_data
    p = tmp_path / "v.bin"
    write_word2vec_binary(p, words, vals)
    raw = p.read_bytes()
    p.write_bytes(f"{claimed} 8".encode() + raw[raw.index(b"\n"):])
    emb = _load(p)
    assert emb.words == words and emb.source.header == (claimed, 8)
    assert emb.source.warnings == [f"the header says {claimed:,} rows but the file holds 50"]


def test_binary_dimension_zero_and_no_header(tmp_path):
    p = _write(tmp_path, b"3 0\nabc", name="v.bin")
    with pytest.raises(EmbeddingFormatError,
                       match=r"v.bin, line 1 \(header\): the header gives dimension 0"):
        _load(p, format="word2vec-bin")
    p = _write(tmp_path, b"hello\x00\x01 world", name="v.bin")
    with pytest.raises(EmbeddingFormatError, match=r"v.bin, line 1: found 'hello.*header"):
        _load(p, format="word2vec-bin")


def test_binary_header_and_nothing_else(tmp_path):
    p = _write(tmp_path, b"5 10\n", name="v.bin")
    with pytest.raises(EmbeddingFormatError, match="holds no vectors"):
        _load(p, format="word2vec-bin")


def test_binary_non_finite_values_are_named(tmp_path, emb_data):
    words, vals = emb_data
    vals = vals.copy()
    vals[[3, 7], 2] = [np.nan, -np.inf]
    p = tmp_path / "v.bin"
    write_word2vec_binary(p, words, vals)
    emb = _load(p)
    assert emb.source.warnings == [
        "2 row(s) hold NaN or infinite values: row 3 'word3', row 7 'word7'"]


def test_cli_reports_bad_files_on_stderr_with_exit_2(tmp_path, capsys):
    p = _write(tmp_path, "2 0\na\nb\n")
    assert cli_main(["info", str(p), "--no-cache"]) == 2
    captured = capsys.readouterr()
    assert captured.out == ""
    assert "bad.txt, line 1 (header): the header gives dimension 0" in captured.err
    p2 = _write(tmp_path, b"", name="empty.txt")
    assert cli_main(["info", str(p2)]) == 2
    assert "empty.txt: the file is empty" in capsys.readouterr().err
