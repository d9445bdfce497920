"""word2vec binary as written by gensim, by the original word2vec C tool (a newline after each
vector), with words that are not UTF-8, compressed, and across chunk boundaries."""
from __future__ import annotations

import gzip
import json

import numpy as np
import pytest

import embedscope
from embedscope.cli import main as cli_main
from embedscope.core.errors import ExportRefusedError
from embedscope.io import word2vec_binary
from embedscope.io.word2vec_binary import write_word2vec_binary


@pytest.fixture
def data():
    rng = np.random.default_rng(5)
    # words of varied byte lengths, so vectors start at every offset modulo 4
    words = ["the", "of", "naïve", "日本語", "a", "</s>", "x" * 13, "ß"]
    words += [f"w{i}" for i in range(392)]
    return words, rng.standard_normal((400, 7)).astype(np.float32)


def _c_tool_layout(words, vals, newline=True, raw_words=None) -> bytes:
    """Bytes as word2vec.c writes them: header, then word, space, floats, newline."""
    out = [f"{len(words)} {vals.shape[1]}\n".encode()]
    for i, row in enumerate(vals):
        w = raw_words[i] if raw_words is not None else words[i].encode()
        out.append(w + b" " + row.astype("<f4").tobytes() + (b"\n" if newline else b""))
    return b"".join(out)


def _same(emb, words, vals):
    assert emb.words == list(words)
    assert np.array_equal(emb.vectors.view(np.uint32), np.asarray(vals, np.float32).view(np.uint32))


def test_round_trip_through_our_writer(tmp_path, data):
    words, vals = data
    p = tmp_path / "v.bin"
    write_word2vec_binary(p, words, vals)
    assert p.read_bytes().startswith(b"400 7\nthe ")
    emb = embedscope.load(p, use_cache=False)
    assert emb.source.format == "word2vec-bin" and emb.source.warnings == []
    _same(emb, words, vals)


def test_writer_output_is_byte_identical_to_gensims(tmp_path, data):
    from gensim.models import KeyedVectors

    words, vals = data
    kv = KeyedVectors(7)
    kv.add_vectors(words, vals)
    kv.save_word2vec_format(str(tmp_path / "g.bin"), binary=True)
    write_word2vec_binary(tmp_path / "o.bin", words, vals)
    assert (tmp_path / "o.bin").read_bytes() == (tmp_path / "g.bin").read_bytes()


def test_newline_after_each_vector_as_word2vec_c_writes(tmp_path, data):
    words, vals = data
    p = tmp_path / "c.bin"
    p.write_bytes(_c_tool_layout(words, vals))
    emb = embedscope.load(p, use_cache=False)
    _same(emb, words, vals)
    assert emb.source.warnings == []


def test_words_that_are_not_utf8_become_replacement_characters_with_a_warning(tmp_path, data):
    from gensim.models import KeyedVectors

    words, vals = data
    raw = [w.encode() for w in words]
    raw[1] = "café".encode("latin-1")          # b"caf\xe9"
    raw[5] = "日本".encode("utf-8")[:4]          # cut inside a character
    p = tmp_path / "latin.bin"
    p.write_bytes(_c_tool_layout(words, vals, newline=False, raw_words=raw))
    emb = embedscope.load(p, use_cache=False)
    kv = KeyedVectors.load_word2vec_format(str(p), binary=True, unicode_errors="replace")
    assert emb.words == list(kv.index_to_key)
    assert emb.words[1] == "caf\ufffd" and emb.words[5].startswith("日")
    (w,) = emb.source.warnings
    assert w.startswith("2 word(s) are not valid UTF-8") and "row 1 'caf\ufffd'" in w


@pytest.mark.parametrize("chunk", [64, 1000, 4097])
@pytest.mark.parametrize("newline", [False, True])
def test_chunk_boundaries_anywhere(tmp_path, monkeypatch, data, chunk, newline):
    words, vals = data
    p = tmp_path / "v.bin"
    p.write_bytes(_c_tool_layout(words, vals, newline=newline))
    monkeypatch.setattr(word2vec_binary, "CHUNK_BYTES", chunk)
    _same(embedscope.load(p, use_cache=False), words, vals)


def test_same_length_words_take_the_strided_copy(tmp_path):
    vals = np.random.default_rng(2).standard_normal((1000, 5)).astype(np.float32)
    words = [f"w{i:06d}" for i in range(1000)]
    p = tmp_path / "fixed.bin"
    write_word2vec_binary(p, words, vals)
    _same(embedscope.load(p, use_cache=False), words, vals)


def test_gzip_binary(tmp_path, data):
    words, vals = data
    p = tmp_path / "v.bin"
    write_word2vec_binary(p, words, vals)
    gz = tmp_path / "v.bin.gz"
    gz.write_bytes(gzip.compress(p.read_bytes()))
    emb = embedscope.load(gz, use_cache=False)
    assert emb.source.format == "word2vec-bin"
    _same(emb, words, vals)


def test_writer_refuses_words_a_binary_file_cannot_hold(tmp_path, data):
    _, vals = data
    with pytest.raises(ExportRefusedError, match=r"word 1 \('\. \. \.'\) holds a space"):
        write_word2vec_binary(tmp_path / "v.bin", ["a", ". . ."], vals[:2])


def test_info_json_on_binary(tmp_path, data, capsys):
    words, vals = data
    p = tmp_path / "v.bin"
    write_word2vec_binary(p, words, vals)
    assert cli_main(["info", str(p), "--json", "--no-cache"]) == 0
    d = json.loads(capsys.readouterr().out)
    assert (d["format"], d["rows"], d["dim"], d["warnings"], d["header"]) == \
        ("word2vec-bin", 400, 7, [], [400, 7])


def test_a_fasttext_dictionary_claiming_too_many_words_is_refused(gensim_data, tmp_path):
    import struct

    raw = bytearray((gensim_data / "crime-and-punishment.bin").read_bytes())
    struct.pack_into("<3i", raw, 64, 2_000_000_000, 291, 0)   # vocab_size, nwords, nlabels
    p = tmp_path / "lying.bin"
    p.write_bytes(bytes(raw))
    with pytest.raises(embedscope.core.errors.EmbeddingFormatError,
                       match=r"lying.bin, dictionary header: it claims 2,000,000,000 entries"):
        embedscope.load(p, use_cache=False)
