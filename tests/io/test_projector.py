"""TensorFlow Embedding Projector TSV: the pair it loads, read and written exactly."""
import numpy as np
import pytest

import embedscope
from embedscope.core.errors import EmbeddingFormatError
from embedscope.io import projector
from embedscope.io.projector import write_projector_tsv


def _pair(tmp_path, vectors_text, metadata_text, stem="vectors", meta="metadata.tsv"):
    v = tmp_path / f"{stem}.tsv"
    v.write_text(vectors_text, encoding="utf-8", newline="")
    if metadata_text is not None:
        (tmp_path / meta).write_text(metadata_text, encoding="utf-8", newline="")
    return v


def test_projector_files_are_detected_and_values_parse_as_the_projector_does(tmp_path):
    path = _pair(tmp_path, "0.1\t-2.5e-3\t7\n1e10\t-0\t.5\n", "cat\nchien\n")
    emb = embedscope.load(path)
    assert emb.source.format == "tsv"
    assert emb.words == ["cat", "chien"]
    # parseFloat (float64) then Float32Array: float64 rounded to float32.
    expected = np.array([[0.1, -2.5e-3, 7], [1e10, -0.0, 0.5]], dtype=np.float64).astype(np.float32)
    assert np.array_equal(emb.vectors.view(np.uint32), expected.view(np.uint32))


def test_several_metadata_columns_have_a_header_and_become_attributes(tmp_path):
    path = _pair(tmp_path, "1\t2\n3\t4\n5\t6\n",
                 "Label\tcount\tgenre\nthe\t100\tfunction\nrock\t7\tnoun\nNaïve\t\tadj\n")
    emb = embedscope.load(path)
    assert emb.words == ["the", "rock", "Naïve"]
    assert emb.attributes == {"count": [100, 7, None], "genre": ["function", "noun", "adj"]}


def test_first_column_is_the_word_when_none_is_named(tmp_path):
    path = _pair(tmp_path, "1\t2\n3\t4\n", "name\tgroup\nalpha\tA\nbeta\tB\n")
    emb = embedscope.load(path)
    assert emb.words == ["alpha", "beta"] and emb.attributes == {"group": ["A", "B"]}


@pytest.mark.parametrize("stem, meta", [
    ("glove", "glove_metadata.tsv"), ("glove", "glove.metadata.tsv"),
    ("glove_vectors", "glove_metadata.tsv"), ("glove", "metadata.tsv"),
])
def test_metadata_found_beside_by_name(tmp_path, stem, meta):
    path = _pair(tmp_path, "1\t2\n", "only\n", stem=stem, meta=meta)
    emb = embedscope.load(path)
    assert emb.words == ["only"] and emb.source.vocab_path.endswith(meta)


def test_metadata_given_explicitly(tmp_path):
    path = _pair(tmp_path, "1\t2\n", None)
    (tmp_path / "labels.txt").write_text("x\n")
    assert embedscope.load(path, vocab=tmp_path / "labels.txt").words == ["x"]


def test_missing_metadata_says_where_it_was_looked_for(tmp_path):
    path = _pair(tmp_path, "1\t2\n", None, stem="emb")
    with pytest.raises(EmbeddingFormatError, match="emb_metadata.tsv"):
        embedscope.load(path)


def test_row_with_a_missing_value_names_the_line(tmp_path):
    path = _pair(tmp_path, "1\t2\t3\n4\t\t6\n", "a\nb\n")
    with pytest.raises(EmbeddingFormatError,
                       match=r"vectors\.tsv, line 2, column 2: an empty field \(a missing value\)"):
        embedscope.load(path)


def test_row_with_too_few_values_names_the_line(tmp_path):
    path = _pair(tmp_path, "1\t2\t3\n1\t2\t3\n4\t5\n", "a\nb\nc\n")
    with pytest.raises(EmbeddingFormatError, match=r"line 3: 2 values \(expected 3"):
        embedscope.load(path)


def test_rows_that_cancel_out_in_total_are_still_caught(tmp_path):
    # 4 + 2 values = 2 × 3: a total count alone would not notice.
    path = _pair(tmp_path, "1\t2\t3\n1\t2\t3\t4\n5\t6\n", "a\nb\nc\n")
    with pytest.raises(EmbeddingFormatError, match=r"line 2: 4 values"):
        embedscope.load(path)


def test_text_in_a_vector_names_line_and_column(tmp_path):
    path = _pair(tmp_path, "1\t2\n3\tfour\n", "a\nb\n")
    with pytest.raises(EmbeddingFormatError, match=r"line 2, column 2: 'four' is not a number"):
        embedscope.load(path, format="tsv")


def test_line_numbers_stay_right_across_blocks(tmp_path, monkeypatch):
    monkeypatch.setattr(projector, "BLOCK", 64)
    lines = ["0.25\t0.5\t0.75"] * 40
    lines[33] = "0.25\t0.5"
    path = _pair(tmp_path, "\n".join(lines) + "\n", "".join(f"w{i}\n" for i in range(40)))
    with pytest.raises(EmbeddingFormatError, match=r"line 34: 2 values"):
        embedscope.load(path)


def test_blocks_crlf_bom_and_blank_lines(tmp_path, monkeypatch):
    monkeypatch.setattr(projector, "BLOCK", 50)
    rng = np.random.default_rng(0)
    m = rng.standard_normal((30, 3)).astype(np.float32)
    rows = ["\t".join("%.9g" % x for x in r) for r in m]
    rows.insert(10, "")
    text = "\ufeff" + "\r\n".join(rows) + "\r\n\r\n"
    path = _pair(tmp_path, text, "".join(f"w{i}\n" for i in range(30)))
    emb = embedscope.load(path)
    assert np.array_equal(emb.vectors, m)


def test_metadata_count_must_match(tmp_path):
    path = _pair(tmp_path, "1\t2\n3\t4\n", "a\nb\nc\n")
    with pytest.raises(EmbeddingFormatError, match="3 words but vectors.tsv has 2 rows"):
        embedscope.load(path)
    emb = embedscope.load(path, allow_mismatch=True)
    assert emb.words == ["a", "b"] and emb.source.words_in_file == ["a", "b", "c"]


def test_non_finite_values_load_with_a_warning_naming_rows(tmp_path):
    path = _pair(tmp_path, "1\t2\nnan\t4\n5\tinf\n", "a\nb\nc\n")
    emb = embedscope.load(path)
    assert any("2 rows with NaN or infinite values: 1 ('b'), 2 ('c')" in w
               for w in emb.source.warnings)


def test_writer_single_column_has_no_header(tmp_path):
    write_projector_tsv(tmp_path / "v.tsv", tmp_path / "m.tsv", ["the", "naïve"],
                        np.array([[0.5, -1.0], [3.0, 0.125]], np.float32))
    assert (tmp_path / "m.tsv").read_bytes() == "the\nnaïve\n".encode()
    assert (tmp_path / "v.tsv").read_bytes() == b"0.5\t-1\n3\t0.125\n"


def test_writer_with_attributes_writes_a_header_row(tmp_path):
    write_projector_tsv(tmp_path / "v.tsv", tmp_path / "m.tsv", ["the", "of"],
                        np.full((2, 3), 0.5, np.float32),
                        {"count": [9, None], "pos": ["DET", "ADP"]})
    assert (tmp_path / "m.tsv").read_text() == "word\tcount\tpos\nthe\t9\tDET\nof\t\tADP\n"
    emb = embedscope.load(tmp_path / "v.tsv", vocab=tmp_path / "m.tsv")
    assert emb.attributes == {"count": [9, None], "pos": ["DET", "ADP"]}


def test_writer_refuses_a_word_holding_a_tab(tmp_path):
    with pytest.raises(EmbeddingFormatError, match="row 1, column 'word'"):
        write_projector_tsv(tmp_path / "v.tsv", tmp_path / "m.tsv", ["ok", "a\tb"],
                            np.ones((2, 2), np.float32))
    assert not (tmp_path / "v.tsv").exists()


def test_round_trip_is_bit_identical_for_awkward_floats(tmp_path):
    rng = np.random.default_rng(7)
    m = (rng.standard_normal((400, 9)) * 10.0 ** rng.integers(-38, 38, (400, 9))).astype(np.float32)
    m[0, :4] = [np.float32(1e-45), -0.0, np.finfo(np.float32).max, np.finfo(np.float32).tiny]
    words = [f"w{i}" for i in range(400)]
    write_projector_tsv(tmp_path / "v.tsv", tmp_path / "v_metadata.tsv", words, m)
    emb = embedscope.load(tmp_path / "v.tsv")
    assert np.array_equal(emb.vectors.view(np.uint32), m.view(np.uint32))


def test_single_column_metadata_with_a_title_line_still_pairs(tmp_path):
    path = _pair(tmp_path, "1\t2\n3\t4\n", "word\ncat\ndog\n")
    emb = embedscope.load(path)
    assert emb.words == ["cat", "dog"]
    assert any("first line 'word' for a header" in w for w in emb.source.warnings)
