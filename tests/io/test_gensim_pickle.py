"""gensim's pickled files: refused by default without running anything, loaded when trusted."""
import pickle

import numpy as np
import pytest

import embedscope
from embedscope.cli import main as cli_main
from embedscope.core.errors import EmbeddingFormatError, PickleRefusedError


class _Payload:
    """Unpickling this creates a marker file: the proof the file's code ran."""

    def __init__(self, marker):
        self.marker = marker

    def __reduce__(self):
        return (open, (self.marker, "w"))


@pytest.fixture
def crafted(tmp_path):
    marker = tmp_path / "RAN"
    path = tmp_path / "vectors.kv"
    with open(path, "wb") as f:
        pickle.dump(_Payload(str(marker)), f, protocol=4)
    return path, marker


def test_crafted_pickle_is_refused_by_load_and_does_not_run(crafted):
    path, marker = crafted
    with pytest.raises(PickleRefusedError, match="--trust-pickle"):
        embedscope.load(path)
    with pytest.raises(PickleRefusedError):
        embedscope.load(path, format="gensim")
    assert not marker.exists()


def test_crafted_pickle_is_refused_by_info_with_exit_2(crafted, capsys):
    path, marker = crafted
    assert cli_main(["info", str(path)]) == 2
    err = capsys.readouterr().err
    assert "pickle" in err and "--trust-pickle" in err
    assert not marker.exists()


@pytest.mark.parametrize("protocol", [2, 3, 4, 5])
def test_pickles_are_recognised_by_content_whatever_the_name(tmp_path, protocol):
    path = tmp_path / "embeddings.bin"  # the name of a word2vec binary, the content of a pickle
    path.write_bytes(pickle.dumps({"a": 1}, protocol=protocol))
    with pytest.raises(PickleRefusedError):
        embedscope.load(path)


def test_other_readers_never_unpickle_a_pickle_either(crafted):
    path, marker = crafted
    for fmt in ("npy", "npz", "tsv", "safetensors"):
        with pytest.raises(EmbeddingFormatError):
            embedscope.load(path, format=fmt, vocab=path)
    assert not marker.exists()


def _keyed_vectors():
    from gensim.models import KeyedVectors

    rng = np.random.default_rng(11)
    words = ["the", "of", "naïve", "日本", "😀", ". . ."]
    kv = KeyedVectors(7)
    kv.add_vectors(words, rng.standard_normal((6, 7)).astype(np.float32))
    for i, w in enumerate(words):
        kv.set_vecattr(w, "count", 100 - i)
    return kv


def test_trusted_keyed_vectors_equal_the_original(tmp_path):
    kv = _keyed_vectors()
    kv.save(str(tmp_path / "v.kv"))
    emb = embedscope.load(tmp_path / "v.kv", trust_pickle=True)
    assert emb.source.format == "gensim"
    assert emb.words == kv.index_to_key
    assert np.array_equal(emb.vectors, kv.vectors)
    assert emb.attributes["count"] == [kv.get_vecattr(w, "count") for w in kv.index_to_key]


def test_sidecar_vectors_are_memory_mapped(tmp_path):
    kv = _keyed_vectors()
    kv.save(str(tmp_path / "v.kv"), sep_limit=0)  # force the .npy sidecar
    assert (tmp_path / "v.kv.vectors.npy").exists()
    emb = embedscope.load(tmp_path / "v.kv", trust_pickle=True)
    base = emb.vectors
    while base is not None and not isinstance(base, np.memmap):
        base = getattr(base, "base", None)
    assert isinstance(base, np.memmap)
    assert np.array_equal(emb.vectors, kv.vectors)


def test_trusted_word2vec_and_fasttext_models_give_their_word_vectors(tmp_path):
    from gensim.models import FastText, Word2Vec
    from gensim.test.utils import common_texts

    for cls in (Word2Vec, FastText):
        model = cls(common_texts, vector_size=8, min_count=1, epochs=1, seed=1, workers=1)
        model.save(str(tmp_path / f"{cls.__name__}.model"))
        emb = embedscope.load(tmp_path / f"{cls.__name__}.model", trust_pickle=True)
        assert emb.words == model.wv.index_to_key
        assert np.array_equal(emb.vectors, model.wv.vectors)
        assert emb.attributes["count"] == [model.wv.get_vecattr(w, "count")
                                           for w in model.wv.index_to_key]


def test_trusted_pickle_that_is_not_gensim(tmp_path):
    path = tmp_path / "d.pkl"
    path.write_bytes(pickle.dumps({"the": [1.0, 2.0]}, protocol=4))
    with pytest.raises(EmbeddingFormatError, match="holds a dict, not word vectors"):
        embedscope.load(path, trust_pickle=True)


def test_cli_trust_pickle(tmp_path, capsys):
    import json

    _keyed_vectors().save(str(tmp_path / "v.kv"))
    assert cli_main(["info", str(tmp_path / "v.kv"), "--trust-pickle", "--json"]) == 0
    d = json.loads(capsys.readouterr().out)
    assert (d["format"], d["rows"], d["dim"]) == ("gensim", 6, 7)


@pytest.mark.parametrize("name", ["model-from-gensim-3.8.0.w2v", "old_keyedvectors_320.dat"])
def test_files_saved_by_older_gensim_equal_gensims_own_load(gensim_data, name):
    from gensim.utils import SaveLoad

    emb = embedscope.load(gensim_data / name, trust_pickle=True)
    obj = SaveLoad.load(str(gensim_data / name))
    kv = getattr(obj, "wv", obj)
    assert emb.words == list(kv.index_to_key)
    assert np.array_equal(emb.vectors, kv.vectors)


@pytest.mark.parametrize("name, problem", [
    ("phrases-3.6.0.model", "holds a Phrases, not word vectors"),
    ("fasttext_old_sep", "gensim could not load it"),
])
def test_gensim_pickles_without_usable_vectors_give_one_line(gensim_data, name, problem):
    with pytest.raises(EmbeddingFormatError, match=problem):
        embedscope.load(gensim_data / name, trust_pickle=True)
