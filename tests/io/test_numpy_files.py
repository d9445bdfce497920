""".npy / .npz matrices with their words: pairing, memory-mapping and every bad input."""
import io
import zipfile

import numpy as np
import pytest

import embedscope
from embedscope.cli import main as cli_main
from embedscope.core.embedding import is_memory_mapped
from embedscope.core.errors import EmbeddingFormatError
from embedscope.core.jobs import Cancelled
from embedscope.io.numpy_files import write_npz

WORDS = ["the", "of", "naïve", "日本", ". . ."]


@pytest.fixture
def matrix():
    return np.random.default_rng(3).standard_normal((5, 4)).astype(np.float32)


def _npy(tmp_path, matrix, words=WORDS, name="emb.npy", vocab_name="emb.vocab.txt"):
    np.save(tmp_path / name, matrix)
    if words is not None:
        (tmp_path / vocab_name).write_text("".join(w + "\n" for w in words), encoding="utf-8")
    return tmp_path / name


@pytest.mark.parametrize("vocab_name", ["emb.vocab.txt", "emb.words.txt", "emb.txt", "vocab.txt",
                                        "words.txt", "emb.tsv"])
def test_npy_finds_its_words_beside_it_and_is_memory_mapped(tmp_path, matrix, vocab_name):
    path = _npy(tmp_path, matrix, vocab_name=vocab_name)
    emb = embedscope.load(path)
    assert emb.source.format == "npy"
    assert emb.words == WORDS
    assert emb.source.vocab_path.endswith(vocab_name)
    assert np.array_equal(emb.vectors, matrix) and is_memory_mapped(emb.vectors)


def test_explicit_vocab_wins_over_the_one_beside(tmp_path, matrix):
    path = _npy(tmp_path, matrix)
    other = tmp_path / "other.txt"
    other.write_text("\n".join(f"x{i}" for i in range(5)) + "\n")
    assert embedscope.load(path, vocab=other).words == [f"x{i}" for i in range(5)]


def test_word_count_vocab_gives_count_attribute(tmp_path, matrix):
    path = _npy(tmp_path, matrix, words=None)
    (tmp_path / "vocab.txt").write_text("".join(f"{w}\t{10 - i}\n" for i, w in enumerate(WORDS)))
    emb = embedscope.load(path)
    assert emb.words == WORDS and emb.attributes["count"] == [10, 9, 8, 7, 6]


def test_words_file_of_the_wrong_length_names_both_files_and_counts(tmp_path, matrix):
    path = _npy(tmp_path, matrix, words=WORDS[:4])
    with pytest.raises(EmbeddingFormatError) as err:
        embedscope.load(path)
    msg = str(err.value)
    assert "emb.vocab.txt" in msg and "emb.npy" in msg and "4 words" in msg and "5 rows" in msg


def test_allow_mismatch_pairs_up_to_the_shorter_and_keeps_the_whole_list(tmp_path, matrix):
    path = _npy(tmp_path, matrix, words=WORDS + ["extra"])
    (tmp_path / "emb.vocab.txt").write_text("".join(f"{w}\t1\n" for w in WORDS + ["extra"]))
    emb = embedscope.load(path, allow_mismatch=True)
    assert emb.rows == 5 and emb.words == WORDS and len(emb.attributes["count"]) == 5
    assert emb.source.words_in_file == WORDS + ["extra"]
    assert any("6 words" in w and "5 rows" in w for w in emb.source.warnings)
    short = _npy(tmp_path, matrix, words=WORDS[:3], name="s.npy", vocab_name="s.vocab.txt")
    emb = embedscope.load(short, allow_mismatch=True)
    assert emb.rows == 3 and np.array_equal(emb.vectors, matrix[:3])


@pytest.mark.parametrize("array, problem", [
    (np.zeros(5, np.float32), r"shape \(5,\) \(1-D\)"),
    (np.zeros((5, 2, 2), np.float32), r"shape \(5, 2, 2\) \(3-D\)"),
    (np.zeros((5, 4), np.int64), "holds int64 values"),
    (np.zeros((0, 4), np.float32), "the matrix is empty"),
])
def test_npy_that_is_not_a_float_matrix(tmp_path, array, problem):
    path = _npy(tmp_path, array)
    with pytest.raises(EmbeddingFormatError, match=problem):
        embedscope.load(path)


def test_npy_of_python_objects_is_refused_without_unpickling(tmp_path):
    np.save(tmp_path / "emb.npy", np.array([[object()]], dtype=object), allow_pickle=True)
    with pytest.raises(EmbeddingFormatError, match="pickled Python objects"):
        embedscope.load(tmp_path / "emb.npy")


def test_corrupt_npy_header(tmp_path, matrix):
    path = _npy(tmp_path, matrix)
    raw = bytearray(path.read_bytes())
    raw[10:30] = b"{'descr': <f4!!, 'fo"
    path.write_bytes(bytes(raw))
    with pytest.raises(EmbeddingFormatError, match=r"emb\.npy, header: corrupt \.npy header"):
        embedscope.load(path)


def test_truncated_npy_says_how_many_bytes_were_expected(tmp_path, matrix):
    path = _npy(tmp_path, matrix)
    raw = path.read_bytes()
    path.write_bytes(raw[:-7])
    with pytest.raises(EmbeddingFormatError, match=rf"byte {len(raw) - 7}: the file ends before"):
        embedscope.load(path)


def test_missing_words_file(tmp_path, matrix):
    path = _npy(tmp_path, matrix, words=None)
    with pytest.raises(EmbeddingFormatError, match="no words file was found beside it.*--vocab"):
        embedscope.load(path)
    with pytest.raises(EmbeddingFormatError, match="nope.txt: words file not found"):
        embedscope.load(path, vocab=tmp_path / "nope.txt")


def test_gensim_sidecar_alone_points_to_the_gensim_file(tmp_path, matrix):
    np.save(tmp_path / "model.kv.vectors.npy", matrix)
    (tmp_path / "model.kv").write_bytes(b"\x80\x04.")
    with pytest.raises(EmbeddingFormatError, match="model.kv.*--trust-pickle"):
        embedscope.load(tmp_path / "model.kv.vectors.npy")


@pytest.mark.parametrize("dtype", [np.float64, np.float16, ">f4"])
def test_other_float_types_become_float32(tmp_path, matrix, dtype):
    path = _npy(tmp_path, matrix.astype(dtype))
    emb = embedscope.load(path)
    assert emb.vectors.dtype == np.float32 and emb.vectors.dtype.isnative
    assert np.array_equal(emb.vectors, matrix.astype(dtype).astype(np.float32))


def test_non_finite_rows_of_a_converted_matrix_are_named(tmp_path, matrix):
    m = matrix.astype(np.float64)
    m[2, 1] = np.nan
    path = _npy(tmp_path, m)
    emb = embedscope.load(path)
    assert any("row with NaN or infinite" in w and "2 ('naïve')" in w for w in emb.source.warnings)


def test_conversion_can_be_cancelled(tmp_path):
    m = np.zeros((70000, 2), np.float64)
    path = _npy(tmp_path, m, words=[f"w{i}" for i in range(70000)])
    with pytest.raises(Cancelled):
        embedscope.load(path, should_stop=lambda: True)


# --- .npz -----------------------------------------------------------------------------------

def test_write_npz_reads_back_memory_mapped_with_its_words(tmp_path, matrix):
    write_npz(tmp_path / "e.npz", matrix, WORDS)
    emb = embedscope.load(tmp_path / "e.npz")
    assert emb.source.format == "npz" and emb.source.tensor == "vectors"
    assert emb.words == WORDS and np.array_equal(emb.vectors, matrix)
    assert is_memory_mapped(emb.vectors)
    with np.load(tmp_path / "e.npz", allow_pickle=False) as z:  # a plain npz for numpy too
        assert z["words"].dtype.kind == "U"


def test_compressed_npz_with_bytes_words(tmp_path, matrix):
    np.savez_compressed(tmp_path / "e.npz", embeddings=matrix.astype(np.float64),
                        vocab=np.array([w.encode() for w in WORDS]))
    emb = embedscope.load(tmp_path / "e.npz")
    assert emb.words == WORDS and np.array_equal(emb.vectors, matrix)


def test_npz_without_words_uses_the_words_file_beside_it(tmp_path, matrix):
    np.savez(tmp_path / "e.npz", matrix)
    (tmp_path / "e.vocab.txt").write_text("\n".join(WORDS) + "\n", encoding="utf-8")
    emb = embedscope.load(tmp_path / "e.npz")
    assert emb.words == WORDS and emb.source.vocab_path.endswith("e.vocab.txt")


def test_npz_words_saved_as_objects_are_refused_with_the_fix(tmp_path, matrix):
    np.savez(tmp_path / "e.npz", vectors=matrix, words=np.array(WORDS, dtype=object))
    with pytest.raises(EmbeddingFormatError, match="never unpickles.*dtype=str"):
        embedscope.load(tmp_path / "e.npz")


def test_npz_with_several_matrices_lists_them_and_takes_tensor(tmp_path, matrix):
    np.savez(tmp_path / "e.npz", a=matrix, b=matrix * 2)
    (tmp_path / "e.vocab.txt").write_text("\n".join(WORDS) + "\n", encoding="utf-8")
    with pytest.raises(EmbeddingFormatError, match=r"a 5 × 4 float32; b 5 × 4 float32.*--tensor"):
        embedscope.load(tmp_path / "e.npz")
    emb = embedscope.load(tmp_path / "e.npz", tensor="b")
    assert np.array_equal(emb.vectors, matrix * 2) and emb.source.tensor == "b"


def test_npz_whose_words_array_has_the_wrong_length(tmp_path, matrix):
    np.savez(tmp_path / "e.npz", vectors=matrix, words=np.array(WORDS[:2]))
    with pytest.raises(EmbeddingFormatError, match="2 words but e.npz has 5 rows"):
        embedscope.load(tmp_path / "e.npz")


def test_npz_with_a_truncated_member(tmp_path, matrix):
    buf = io.BytesIO()
    np.save(buf, matrix)
    with zipfile.ZipFile(tmp_path / "e.npz", "w") as z:
        z.writestr("vectors.npy", buf.getvalue()[:-10])
        z.writestr("words.npy", _npy_bytes(np.array(WORDS)))
    with pytest.raises(EmbeddingFormatError, match="array 'vectors'.*cut short"):
        embedscope.load(tmp_path / "e.npz")


def _npy_bytes(a):
    buf = io.BytesIO()
    np.save(buf, a)
    return buf.getvalue()


def test_cli_info_json_on_npy(tmp_path, matrix, capsys):
    import json

    path = _npy(tmp_path, matrix)
    assert cli_main(["info", str(path), "--json"]) == 0
    d = json.loads(capsys.readouterr().out)
    assert (d["format"], d["rows"], d["dim"], d["warnings"]) == ("npy", 5, 4, [])
    assert d["memory_mapped"] is True


def test_the_bundled_sample_loads_memory_mapped(sample):
    assert sample.source.format == "npy" and is_memory_mapped(sample.vectors)


def test_npz_header_claiming_huge_data_is_refused_before_allocating(tmp_path):
    header = io.BytesIO()
    np.lib.format.write_array_header_1_0(
        header, {"descr": "<f4", "fortran_order": False, "shape": (5_000_000_000, 300)})
    with zipfile.ZipFile(tmp_path / "e.npz", "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr("vectors.npy", b"\x93NUMPY\x01\x00" + header.getvalue()[8:] + b"\0" * 64)
    with pytest.raises(EmbeddingFormatError, match="header claims 6,000,000,000,000 bytes"):
        embedscope.load(tmp_path / "e.npz", vocab=__file__)


def test_npz_bytes_words_with_invalid_utf8_warn_naming_rows(tmp_path, matrix):
    np.savez(tmp_path / "e.npz", vectors=matrix,
             words=np.array([b"ok", b"bad\xff", b"fine", b"x", b"\xc3("]))
    emb = embedscope.load(tmp_path / "e.npz")
    assert emb.words[1] == "bad\ufffd"
    assert any("rows 1, 4" in w for w in emb.source.warnings)


def test_gzipped_npy_and_a_truncated_one(tmp_path, matrix):
    import gzip

    _npy(tmp_path, matrix)
    raw = (tmp_path / "emb.npy").read_bytes()
    (tmp_path / "emb.npy").unlink()
    (tmp_path / "g.npy.gz").write_bytes(gzip.compress(raw))
    (tmp_path / "g.vocab.txt").write_text("\n".join(WORDS) + "\n", encoding="utf-8")
    emb = embedscope.load(tmp_path / "g.npy.gz")
    assert emb.source.format == "npy" and np.array_equal(emb.vectors, matrix)
    (tmp_path / "g.npy.gz").write_bytes(gzip.compress(raw[:-12]))
    with pytest.raises(EmbeddingFormatError, match="the data ends early"):
        embedscope.load(tmp_path / "g.npy.gz")


def test_an_embedding_text_beside_the_matrix_is_not_taken_for_its_words(tmp_path, matrix):
    """glove.npy converted from glove.txt in the same folder: glove.txt is not a words file."""
    _npy(tmp_path, matrix, words=None, name="glove.npy")
    (tmp_path / "glove.txt").write_text(
        "".join(f"{w} " + " ".join("%.6g" % x for x in row) + "\n"
                for w, row in zip(WORDS, matrix)),
        encoding="utf-8")
    with pytest.raises(EmbeddingFormatError, match="no words file was found"):
        embedscope.load(tmp_path / "glove.npy")
    (tmp_path / "vocab.txt").write_text("\n".join(WORDS) + "\n", encoding="utf-8")
    assert embedscope.load(tmp_path / "glove.npy").source.vocab_path.endswith("vocab.txt")
