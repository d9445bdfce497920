"""gensim as the oracle: every embedding file in gensim's own test data reads to the same words
in the same order and bit-identical float32 values, and files each library writes read back
identically in the other."""
from __future__ import annotations

import numpy as np
import pytest

import embedscope
from embedscope.io.word2vec_binary import write_word2vec_binary
from embedscope.io.word2vec_text import write_glove_text, write_word2vec_text

GENSIM_FILES = [
    ("test_glove.txt", "glove", False, True),
    ("lee_fasttext.vec", "word2vec", False, False),
    ("euclidean_vectors.bin", "word2vec-bin", True, False),
    ("crime-and-punishment.vec", "word2vec", False, False),
    ("high_precision.kv.txt", "word2vec", False, False),
    ("high_precision.kv.bin", "word2vec-bin", True, False),
    ("pang_lee_polarity_fasttext.vec", "word2vec", False, False),
    ("poincare_vectors.bin", "word2vec-bin", True, False),
]


def test_a_header_claiming_more_rows_loads_with_a_warning_where_gensim_fails(gensim_data):
    # gensim's pretrained.vec says "3 5" and holds one row; gensim raises EOFError.
    emb = embedscope.load(gensim_data / "pretrained.vec", use_cache=False)
    assert emb.words == ["dummy"] and emb.vectors[0, 0] == np.float32("0.069324")
    assert emb.source.header == (3, 5) and emb.source.body_rows == 1
    assert emb.source.warnings == ["the header says 3 rows but the file holds 1"]


def _gensim(path, binary, no_header):
    from gensim.models import KeyedVectors

    return KeyedVectors.load_word2vec_format(str(path), binary=binary, no_header=no_header,
                                             unicode_errors="replace")


def _same_bits(a, b) -> bool:
    a, b = np.asarray(a, np.float32), np.asarray(b, np.float32)
    return a.shape == b.shape and np.array_equal(a.view(np.uint32), b.view(np.uint32))


@pytest.mark.parametrize("name,fmt,binary,no_header", GENSIM_FILES)
def test_gensim_test_files_read_identically(gensim_data, name, fmt, binary, no_header):
    path = gensim_data / name
    emb = embedscope.load(path, use_cache=False)
    assert emb.source.format == fmt               # found by content, not by extension
    kv = _gensim(path, binary, no_header)
    assert emb.words == list(kv.index_to_key)
    assert _same_bits(emb.vectors, kv.vectors)


def test_broken_utf8_words_are_replaced_as_gensim_does_and_named(gensim_data):
    emb = embedscope.load(gensim_data / "pang_lee_polarity_fasttext.vec", use_cache=False)
    (warning,) = [w for w in emb.source.warnings if "UTF-8" in w]
    assert warning.startswith("5 word(s)") and "line 284 'clich\ufffds'" in warning


@pytest.mark.parametrize("name", ["crime-and-punishment.bin", "lee_fasttext_new.bin"])
def test_native_fasttext_word_vectors_equal_gensims(gensim_data, name):
    """A fastText .bin: each word's vector is composed from its n-gram buckets, bit for bit as
    gensim's load_facebook_vectors does."""
    from gensim.models.fasttext import load_facebook_vectors

    emb = embedscope.load(gensim_data / name, use_cache=False)
    assert emb.source.format == "fasttext-bin"
    kv = load_facebook_vectors(str(gensim_data / name))
    assert emb.words == list(kv.index_to_key)
    assert _same_bits(emb.vectors, kv.vectors)


def test_native_fasttext_python_fallback_is_identical(gensim_data, monkeypatch):

    path = gensim_data / "crime-and-punishment.bin"
    ref = embedscope.load(path, use_cache=False)
    monkeypatch.setenv("EMBEDSCOPE_PLAIN", "1")  # as without numba
    emb = embedscope.load(path, use_cache=False)
    assert emb.words == ref.words and _same_bits(emb.vectors, ref.vectors)


def test_a_fasttext_classifier_gives_its_word_vectors_matching_its_vec_file(gensim_data):
    # gensim refuses supervised models; their word vectors are still what the .vec holds
    emb = embedscope.load(gensim_data / "pang_lee_polarity_fasttext.bin", use_cache=False)
    vec = embedscope.load(gensim_data / "pang_lee_polarity_fasttext.vec", use_cache=False)
    assert emb.words == vec.words
    np.testing.assert_allclose(emb.vectors, vec.vectors, atol=1e-4, rtol=1e-3)
    assert emb.source.warnings[0].startswith("the model also has 2 labels (a classifier)")


def test_fasttext_bin_read_as_word2vec_binary_says_what_it_is(gensim_data):
    with pytest.raises(embedscope.core.errors.EmbeddingFormatError,
                       match="native fastText model"):
        embedscope.load(gensim_data / "crime-and-punishment.bin", format="word2vec-bin",
                        use_cache=False)


def test_a_cut_fasttext_model_names_the_place(gensim_data, tmp_path):
    raw = (gensim_data / "crime-and-punishment.bin").read_bytes()
    for keep, where in ((4000, "the dictionary ends early"), (len(raw) // 2, "an input matrix")):
        p = tmp_path / "cut.bin"
        p.write_bytes(raw[:keep])
        with pytest.raises(embedscope.core.errors.EmbeddingFormatError,
                           match=rf"cut.bin, byte [\d,]+: {where}"):
            embedscope.load(p, use_cache=False)


@pytest.fixture
def tricky_embedding():
    """Words and float32 values that are hard to write exactly: extremes, subnormals, -0.0,
    long decimals, non-ASCII words."""
    rng = np.random.default_rng(7)
    vals = rng.standard_normal((300, 12)).astype(np.float32)
    vals *= np.float32(10.0) ** rng.integers(-40, 38, size=vals.shape).astype(np.float32)
    vals[0, :6] = [np.finfo(np.float32).max, np.finfo(np.float32).tiny, 1e-45, -0.0, 0.1, 1 / 3]
    vals[~np.isfinite(vals)] = 1.5
    words = [f"w{i}" for i in range(300)]
    words[:4] = ["naïve", "日本", "emoji😀", "</s>"]
    return words, vals


@pytest.mark.parametrize("writer,binary,no_header", [
    (write_word2vec_text, False, False),
    (write_glove_text, False, True),
    (write_word2vec_binary, True, False),
])
def test_our_writers_read_back_exactly_by_gensim_and_by_us(tmp_path, tricky_embedding, writer,
                                                           binary, no_header):
    words, vals = tricky_embedding
    path = tmp_path / ("out.bin" if binary else "out.txt")
    writer(path, words, vals)
    kv = _gensim(path, binary, no_header)
    assert list(kv.index_to_key) == words and _same_bits(kv.vectors, vals)
    emb = embedscope.load(path, use_cache=False)
    assert emb.words == words and _same_bits(emb.vectors, vals)
    assert emb.source.warnings == []


@pytest.mark.parametrize("binary", [False, True])
def test_files_gensim_writes_read_identically(tmp_path, tricky_embedding, binary):
    from gensim.models import KeyedVectors

    words, vals = tricky_embedding
    kv = KeyedVectors(vals.shape[1])
    kv.add_vectors(words, vals)
    path = tmp_path / "gensim.w2v"
    kv.save_word2vec_format(str(path), binary=binary)
    emb = embedscope.load(path, use_cache=False)
    assert emb.source.format == ("word2vec-bin" if binary else "word2vec")
    back = _gensim(path, binary, False)
    assert emb.words == list(back.index_to_key) == words
    assert _same_bits(emb.vectors, back.vectors)


@pytest.mark.parametrize("plain", [False, True])
def test_fasttext_words_outside_the_vocabulary_get_gensims_vector(gensim_data, monkeypatch,
                                                                  plain):
    """Words the model never saw get the vector fastText builds from their character n-grams,
    bit for bit as gensim's load_facebook_vectors(path)[word], compiled or plain."""
    from gensim.models.fasttext import load_facebook_vectors

    from embedscope.io.fasttext_bin import read_subwords

    if plain:
        monkeypatch.setenv("EMBEDSCOPE_PLAIN", "1")
    path = gensim_data / "lee_fasttext_new.bin"
    emb = embedscope.load(path, use_cache=False)
    kv = load_facebook_vectors(str(path))
    unseen = ["qzxwvj", "unsquashable", "Zürichsee", "ä", "naïveté", "東京", "x y"]
    assert not any(w in kv.key_to_index for w in unseen)
    got = emb.source.subwords.vectors(unseen)
    assert _same_bits(got, np.stack([kv[w] for w in unseen]))
    again = read_subwords(path).vectors(unseen)   # as for an embedding from the parse cache
    assert _same_bits(again, got)
