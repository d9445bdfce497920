"""An export's words come back exactly as written: Embedscope (loading the export, or using
its vocab.txt as a words list) and a plain `open().read().split("\\n")` give the same words in
the same order for every token the export accepts; tokens it cannot hold are refused."""
from __future__ import annotations

import numpy as np
import pytest

import embedscope
from embedscope.core.embedding import Embedding
from embedscope.core.errors import ExportRefusedError
from embedscope.core.export import ExportPlan
from embedscope.core.vocabulary import TopWords
from embedscope.io.export_check import verify_export
from embedscope.io.export_folder import write_export
from embedscope.io.words_file import read_words_file, words_source

AWKWARD = {
    "digits after a space": ["chapter 1", "page 10", "part 3"],
    "word<TAB>digits": ["x\t12", "y\t3", "z\t0"],
    "a table": ["word\tcount", "a\t1", "b\t2"],
    "a BOM on the first word": ["\ufeffstart", "middle", "end"],
    "braces": ["{", "}"],
    "a JSON list": ["[", '"a"', "]"],
    "brackets and specials": ["[PAD]", "[UNK]", "<s>", "##ing"],
    "blanks inside": [" lead", "trail ", "a  b", "\u2028sep", "\x0bvt"],
}


def _export(words, tmp_path, fmt="npy"):
    emb = Embedding(words, np.arange(len(words) * 3, dtype=np.float32).reshape(-1, 3))
    out = tmp_path / "export"
    write_export(emb, ExportPlan(sources=[TopWords(len(words))], format=fmt), out,
                 hash_source=False)
    return out


@pytest.mark.parametrize("words", AWKWARD.values(), ids=AWKWARD.keys())
def test_the_words_reload_exactly(words, tmp_path):
    out = _export(words, tmp_path)
    with open(out / "vocab.txt", encoding="utf-8") as f:
        assert f.read().split("\n")[:-1] == words
    assert read_words_file(out / "vocab.txt")[0] == words
    assert words_source(str(out / "vocab.txt")).words == words
    assert embedscope.load(out / "embeddings.npy", use_cache=False).words == words
    assert verify_export(out).ok


def test_a_words_file_outside_an_export_is_still_read_by_its_layout(tmp_path):
    out = _export(["chapter 1", "page 10"], tmp_path)
    # without its manifest the file is just a words file, and "word count" lines are counts
    (out / "manifest.json").unlink()
    words, attrs, _ = read_words_file(out / "vocab.txt")
    assert words == ["chapter", "page"] and attrs == {"count": [1, 10]}


@pytest.mark.parametrize("word", ["", "two\nlines", "carriage\rreturn", "lone\udc80surrogate"])
def test_tokens_vocab_txt_cannot_hold_are_refused(word, tmp_path):
    with pytest.raises(ExportRefusedError, match="cannot be written"):
        _export(["fine", word], tmp_path)
    assert not (tmp_path / "export").exists()


@pytest.mark.parametrize("words", AWKWARD.values(), ids=AWKWARD.keys())
@pytest.mark.parametrize("fmt", ["npz", "safetensors", "word2vec", "glove", "word2vec-bin",
                                 "tsv"])
def test_every_format_reloads_the_words_or_refuses_them(words, fmt, tmp_path):
    from embedscope.io.registry import WRITERS

    try:
        out = _export(words, tmp_path, fmt)
    except ExportRefusedError as exc:
        assert "white space" in str(exc) or "byte-order mark" in str(exc)
        return
    matrix = out / WRITERS[fmt].matrix_file
    assert embedscope.load(matrix, use_cache=False).words == words
    assert verify_export(out).ok
