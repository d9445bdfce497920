"""Round trips through every format: what a writer writes, `embedscope.load` reads back with the
same words and bit-identical float32 values, detecting the format by content alone."""
import importlib

import numpy as np
import pytest

import embedscope
from embedscope.io.checkpoint import write_safetensors
from embedscope.io.numpy_files import write_npz
from embedscope.io.projector import write_projector_tsv
from embedscope.io.words_file import write_words_file

SPECIAL = ["the", ",", "naïve", "Zürich", "日本語", "😀", "can't", "1984", "-", "ʻokina",
           "e\u0301", "Ω", "x" * 60, "ﬁ", "Ελληνικά", "العربية"]


def _words(n):
    return SPECIAL + [f"w{i}" for i in range(n - len(SPECIAL))]


def _matrix(n, d, seed=0):
    rng = np.random.default_rng(seed)
    m = (rng.standard_normal((n, d)) * 10.0 ** rng.integers(-20, 20, (n, d))).astype(np.float32)
    m[0, :4] = [-0.0, np.float32(1e-45), np.finfo(np.float32).max, np.finfo(np.float32).tiny]
    return m


def _writer(module, name):
    try:
        return getattr(importlib.import_module(f"embedscope.io.{module}"), name)
    except (ImportError, AttributeError):
        return None


# Each writer: (expected format, write(folder, words, matrix) -> path to open).
def _npz(d, words, m):
    write_npz(d / "emb.npz", m, words)
    return d / "emb.npz"


def _npy_vocab(d, words, m):
    np.save(d / "emb.npy", m)
    write_words_file(d / "emb.vocab.txt", words)
    return d / "emb.npy"


def _npy_counts(d, words, m):
    np.save(d / "emb.npy", m)
    write_words_file(d / "vocab.txt", words, counts=range(len(words), 0, -1))
    return d / "emb.npy"


def _tsv(d, words, m):
    write_projector_tsv(d / "vectors.tsv", d / "metadata.tsv", words, m)
    return d / "vectors.tsv"


def _tsv_attributes(d, words, m):
    write_projector_tsv(d / "emb.tsv", d / "emb_metadata.tsv", words, m,
                        {"count": list(range(len(words))), "group": ["a", "b"] * (len(words) // 2)})
    return d / "emb.tsv"


def _safetensors(d, words, m):
    write_safetensors(d / "model.safetensors",
                      {"embed.weight": m, "bias": np.zeros(m.shape[1], np.float32),
                       "proj": np.zeros((m.shape[1], 3), np.float32)}, {"format": "pt"})
    write_words_file(d / "vocab.txt", words)
    return d / "model.safetensors"


def _torch(d, words, m):
    torch = pytest.importorskip("torch")
    torch.save({"embed.weight": torch.from_numpy(m.copy()), "bias": torch.zeros(m.shape[1])},
               d / "pytorch_model.bin")
    write_words_file(d / "vocab.txt", words)
    return d / "pytorch_model.bin"


def _by_name(module, func, filename):
    def write(d, words, m):
        w = _writer(module, func)
        if w is None:
            pytest.skip(f"embedscope.io.{module}.{func} is not written yet")
        w(d / filename, words, m)
        return d / filename
    return write


WRITERS = {
    "npz": ("npz", _npz),
    "npy+vocab": ("npy", _npy_vocab),
    "npy+counts": ("npy", _npy_counts),
    "tsv": ("tsv", _tsv),
    "tsv+attributes": ("tsv", _tsv_attributes),
    "safetensors": ("safetensors", _safetensors),
    "torch": ("torch", _torch),
    "word2vec-text": ("word2vec", _by_name("word2vec_text", "write_word2vec_text", "emb.vec")),
    "glove-text": ("glove", _by_name("word2vec_text", "write_glove_text", "emb.txt")),
    "word2vec-binary": ("word2vec-bin", _by_name("word2vec_binary", "write_word2vec_binary",
                                                 "emb.bin")),
}


@pytest.mark.parametrize("kind", list(WRITERS))
def test_round_trip_is_exact_and_detected(tmp_path, kind):
    fmt, write = WRITERS[kind]
    words, m = _words(300), _matrix(300, 12)
    path = write(tmp_path, words, m)
    emb = embedscope.load(path, use_cache=False)
    assert emb.source.format == fmt
    assert emb.words == words
    assert emb.vectors.dtype == np.float32
    assert np.array_equal(emb.vectors.view(np.uint32), m.view(np.uint32))
    if kind == "npy+counts":
        assert emb.attributes["count"] == list(range(300, 0, -1))
    if kind == "tsv+attributes":
        assert emb.attributes["count"] == list(range(300))


@pytest.mark.parametrize("kind", ["npz", "npy+vocab", "tsv", "safetensors", "glove-text"])
def test_tokens_with_spaces_survive_where_the_format_allows_them(tmp_path, kind):
    fmt, write = WRITERS[kind]
    words = ["the", ". . .", " lead", "trail ", "New York", "a  b"] + [f"w{i}" for i in range(6)]
    if kind == "glove-text":
        # "trail " then the separating space: text cannot tell that space from the token's.
        words[3] = "trail"
    m = _matrix(12, 5, seed=1)
    path = write(tmp_path, words, m)
    emb = embedscope.load(path, use_cache=False)
    assert emb.source.format == fmt
    assert emb.words == words
    assert np.array_equal(emb.vectors.view(np.uint32), m.view(np.uint32))


def test_bundled_sample_through_every_writer_of_this_module(tmp_path, sample):
    """The real GloVe rows (20,000 × 50) survive npz, Projector TSV and safetensors exactly."""
    rows = sample.take(np.arange(5000))
    m = np.asarray(rows.vectors)
    for kind in ("npz", "tsv", "safetensors"):
        d = tmp_path / kind
        d.mkdir()
        emb = embedscope.load(WRITERS[kind][1](d, rows.words, m))
        assert emb.words == rows.words
        assert np.array_equal(emb.vectors, m), kind
