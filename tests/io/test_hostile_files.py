"""The damaged and hostile files an adversarial pass found, one test each: every one ends in a
message naming the file and the place (the CLI exits 2), within seconds and without asking
for memory the file cannot justify."""
from __future__ import annotations

import gzip
import io
import json
import pickle
import struct
import time
import zipfile

import numpy as np
import pytest

import embedscope
from embedscope import cli
from embedscope.core.check import check
from embedscope.core.errors import EmbeddingFormatError, NotEnoughMemoryError
from embedscope.io.word2vec_binary import write_word2vec_binary

WORDS = ["the", "of", "and", "to", "a", "in"]


@pytest.fixture
def matrix():
    return np.random.default_rng(3).standard_normal((len(WORDS), 8)).astype(np.float32)


def _refused(path, match, **kw):
    with pytest.raises(EmbeddingFormatError, match=match):
        embedscope.load(path, use_cache=False, **kw)


def _cli(capsys, *argv):
    code = cli.main(list(map(str, argv)))
    err = capsys.readouterr().err
    assert "Traceback" not in err
    return code, err


# --- damaged zip containers ------------------------------------------------------------------

@pytest.mark.parametrize("name", ["v.npz", "v.zip", "m.pt"])
def test_a_zip_cut_short_by_an_interrupted_download(tmp_path, matrix, name, capsys):
    p = tmp_path / name
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as z:
        if name == "v.zip":
            z.writestr("v.txt", "6 8\n" + "".join(
                w + " " + " ".join(map(str, r)) + "\n" for w, r in zip(WORDS, matrix)))
        else:
            z.writestr("vectors.npy" if name == "v.npz" else "archive/data.pkl", b"x" * 5000)
    p.write_bytes(buf.getvalue()[: len(buf.getvalue()) // 2])
    (tmp_path / "vocab.txt").write_text("\n".join(WORDS))
    _refused(p, r"(damaged|cut short|not a recognised)")
    code, err = _cli(capsys, "info", p)
    assert code == 2 and name in err


def test_a_zip_member_with_an_unknown_compression_method(tmp_path):
    p = tmp_path / "v.zip"
    with zipfile.ZipFile(p, "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr("v.txt", "2 2\na 1 2\nb 3 4\n")
    raw = bytearray(p.read_bytes())
    for at in (8, raw.rfind(b"PK\x01\x02") + 10):     # method field: local and central header
        raw[at: at + 2] = struct.pack("<H", 99)
    p.write_bytes(bytes(raw))
    _refused(p, r"v\.zip.*(cannot be read|damaged)")


# --- numpy, safetensors, fastText headers ----------------------------------------------------

@pytest.mark.parametrize("shape", ["(-50, 8)", "(True, 8)"])
def test_npy_shapes_that_are_not_sizes(tmp_path, shape):
    header = "{'descr': '<f4', 'fortran_order': False, 'shape': %s, }" % shape
    header += " " * (118 - len(header)) + "\n"
    p = tmp_path / "v.npy"
    p.write_bytes(b"\x93NUMPY\x01\x00" + struct.pack("<H", len(header)) + header.encode()
                  + b"\0" * 400)
    (tmp_path / "v.vocab.txt").write_text("\n".join(WORDS))
    _refused(p, r"v\.npy, header: the header gives shape")


@pytest.mark.parametrize("desc", [
    {"dtype": ["F32"], "shape": [6, 8], "data_offsets": [0, 192]},
    {"dtype": "F32", "shape": [1e400, 8], "data_offsets": [0, 192]},
    {"dtype": "F32", "shape": [6, 8], "data_offsets": [0, 1e400]},
    {"dtype": "F32", "shape": [-6, -8], "data_offsets": [0, 192]},
    {"dtype": "F32", "shape": [True, 8], "data_offsets": [0, 32]},
])
def test_safetensors_descriptions_that_are_not_sizes(tmp_path, desc):
    body = json.dumps({"w": desc}).replace("Infinity", "1e400").encode()
    p = tmp_path / "m.safetensors"
    p.write_bytes(struct.pack("<Q", len(body)) + body + b"\0" * 192)
    (tmp_path / "vocab.txt").write_text("\n".join(WORDS))
    _refused(p, r"m\.safetensors, header, tensor 'w'", format="safetensors")


def test_safetensors_header_nested_deeply(tmp_path):
    body = b"[" * 100_000 + b"]" * 100_000
    p = tmp_path / "m.safetensors"
    p.write_bytes(struct.pack("<Q", len(body)) + body)
    _refused(p, "nested more than 100 levels deep", format="safetensors")


def _fasttext_bytes(tmp_path):
    from gensim.test.utils import datapath

    return bytearray(open(datapath("crime-and-punishment.bin"), "rb").read())


def test_fasttext_prune_size_far_beyond_the_file(tmp_path):
    raw = _fasttext_bytes(tmp_path)
    raw[64 + 20: 64 + 28] = struct.pack("<q", 2 ** 62)
    (tmp_path / "ft.bin").write_bytes(bytes(raw))
    _refused(tmp_path / "ft.bin", r"ft\.bin, byte 84: a pruned-index size of 4,611,686")


@pytest.mark.parametrize("cut", [91, 200])
def test_fasttext_cut_short(tmp_path, cut):
    (tmp_path / "ft.bin").write_bytes(bytes(_fasttext_bytes(tmp_path)[:cut]))
    _refused(tmp_path / "ft.bin", r"ft\.bin, (header|byte \d+|dictionary header)")


# --- words files and tokenizer.json ----------------------------------------------------------

@pytest.mark.parametrize("name,text", [
    ("v.json", "[" * 100_000 + "]" * 100_000),
    ("tokenizer.json", '{"model": {"vocab": ' + "[" * 100_000 + "]" * 100_000 + "}}"),
    ("v.vocab.txt", '{"a":' * 100_000 + "1" + "}" * 100_000),
])
def test_json_nested_100000_deep(tmp_path, matrix, name, text, capsys):
    np.save(tmp_path / "v.npy", matrix)
    (tmp_path / name).write_text(text)
    _refused(tmp_path / "v.npy", f"{name}.*nested more than 100 levels deep",
             vocab=tmp_path / name)
    code, err = _cli(capsys, "check", tmp_path / "v.npy", "--vocab", tmp_path / name)
    assert code == 2 and "nested" in err


@pytest.mark.parametrize("model,match", [
    ({"vocab": [[], ["of"], ["and"], ["to"], ["a"], ["in"]]}, r"model\.vocab\[0\]"),
    ({"vocab": [1, 2, 3, 4, 5, 6]}, r"model\.vocab\[0\]"),
    ({"vocab": {w: i for i, w in enumerate(WORDS)}, "added": 5}, "added_tokens"),
])
def test_tokenizer_json_items_that_are_not_tokens(tmp_path, matrix, model, match):
    np.save(tmp_path / "v.npy", matrix)
    tok = {"model": {"vocab": model["vocab"]}}
    if "added" in model:
        tok["added_tokens"] = model["added"]
    (tmp_path / "tokenizer.json").write_text(json.dumps(tok))
    _refused(tmp_path / "v.npy", match, vocab=tmp_path / "tokenizer.json")


def test_tokenizer_json_single_item_lists_are_tokens(tmp_path, matrix):
    np.save(tmp_path / "v.npy", matrix)
    tok = {"model": {"vocab": [[w] for w in WORDS]}}
    (tmp_path / "tokenizer.json").write_text(json.dumps(tok))
    emb = embedscope.load(tmp_path / "v.npy", vocab=tmp_path / "tokenizer.json")
    assert emb.words == WORDS
    check(emb)


def test_integer_tokens_are_refused_not_loaded(tmp_path, matrix):
    np.save(tmp_path / "v.npy", matrix)
    (tmp_path / "v.json").write_text(json.dumps([1, 2, 3, 4, 5, 6]))
    _refused(tmp_path / "v.npy", "holds things other than words", vocab=tmp_path / "v.json")
    tok = {"model": {"vocab": {w: i for i, w in enumerate(WORDS[:-1])}},
           "added_tokens": [{"id": 5, "content": 7}]}
    (tmp_path / "tokenizer.json").write_text(json.dumps(tok))
    emb = embedscope.load(tmp_path / "v.npy", vocab=tmp_path / "tokenizer.json",
                          allow_mismatch=True)
    assert all(isinstance(w, str) for w in emb.words)


# --- PyTorch checkpoints that nest without end -------------------------------------------------

def _shared_48_deep():
    d = {"weight": None}
    for _ in range(48):
        d = {"a": d, "b": d}
    return d


@pytest.mark.parametrize("with_torch", [True, False])
@pytest.mark.parametrize("shape", ["holds itself", "shares children 48 deep"])
def test_torch_dicts_that_hold_themselves_or_share_children(tmp_path, matrix, monkeypatch,
                                                            with_torch, shape):
    torch = pytest.importorskip("torch")
    sd = {"emb.weight": torch.from_numpy(matrix)}
    if shape == "holds itself":
        sd["self"] = sd
    else:
        inner = _shared_48_deep()
        sd["deep"] = inner
    torch.save(sd, tmp_path / "m.pt")
    (tmp_path / "vocab.txt").write_text("\n".join(WORDS))
    if not with_torch:
        monkeypatch.setitem(__import__("sys").modules, "torch", None)
    start = time.perf_counter()
    emb = embedscope.load(tmp_path / "m.pt", tensor="emb.weight")
    assert time.perf_counter() - start < 5
    assert emb.words == WORDS and np.array_equal(emb.vectors, matrix)


def test_the_refusal_of_a_pickled_object_is_our_own_sentence(tmp_path, matrix, capsys):
    torch = pytest.importorskip("torch")

    class Payload:
        def __reduce__(self):
            return (print, ("ran",))

    torch.save({"w": torch.from_numpy(matrix), "x": Payload()}, tmp_path / "m.pt")
    (tmp_path / "vocab.txt").write_text("\n".join(WORDS))
    code, err = _cli(capsys, "info", tmp_path / "m.pt")
    assert code == 2 and "asks for print" in err and "--trust-pickle" in err
    assert "only for a file whose origin you trust" in err
    assert "weights_only" not in err and "Re-running" not in err


# --- hangs -------------------------------------------------------------------------------------

def test_word2vec_binary_with_a_zero_filled_tail(tmp_path, matrix):
    p = tmp_path / "v.bin"
    write_word2vec_binary(p, WORDS, matrix)
    p.write_bytes(p.read_bytes() + b"\0" * 100_000)
    start = time.perf_counter()
    emb = embedscope.load(p, use_cache=False)
    assert time.perf_counter() - start < 5
    assert emb.words == WORDS and np.array_equal(emb.vectors, matrix)
    assert any("100,000 zero bytes" in w for w in emb.source.warnings)


def test_word2vec_binary_with_long_vectors_and_a_tail_of_junk(tmp_path):
    """Long vectors are matched entry after entry: a damaged tail costs no search."""
    vecs = np.random.default_rng(1).standard_normal((3, 2000)).astype(np.float32)
    p = tmp_path / "v.bin"
    write_word2vec_binary(p, ["a", "b", "c"], vecs)
    p.write_bytes(p.read_bytes() + b"x" * 7999 + b" " + b"\0" * 7000)
    emb = embedscope.load(p, use_cache=False)
    assert emb.words == ["a", "b", "c"] and np.array_equal(emb.vectors, vecs)
    assert any("cut short" in w for w in emb.source.warnings)


def test_a_tsv_line_longer_than_64_mb_is_refused_and_long_lines_are_read(tmp_path,
                                                                          monkeypatch):
    from embedscope.io import projector

    monkeypatch.setattr(projector, "BLOCK", 1 << 10)
    p = tmp_path / "vectors.tsv"
    row = "\t".join(["0.25"] * 50_000)
    p.write_text(row + "\n" + row + "\n")
    (tmp_path / "metadata.tsv").write_text("a\nb\n")
    emb = embedscope.load(p)
    assert emb.vectors.shape == (2, 50_000)
    monkeypatch.setattr(projector, "MAX_LINE", 100_000)
    _refused(p, r"vectors\.tsv, line 1: the line is longer than 64 MB")


# --- memory ------------------------------------------------------------------------------------

def test_blank_lines_do_not_size_the_matrix(tmp_path, monkeypatch):
    """A tiny gzip holding a header, two rows and megabytes of blank lines once sized the
    matrix by its line count (64 MB of them asked numpy for 37.5 GiB)."""
    from embedscope.io import parsing, word2vec_text

    held = []

    class Recording(parsing.RowBuffer):
        def reserve(self, n):
            out = super().reserve(n)
            held.append(self.data.shape[0])
            return out

    monkeypatch.setattr(word2vec_text, "RowBuffer", Recording)
    rows = "".join(f"w{i} " + " ".join(["0.5"] * 300) + "\n" for i in range(2))
    p = tmp_path / "v.txt.gz"
    p.write_bytes(gzip.compress(("2 300\n" + rows).encode() + b"\n" * (16 << 20), 6))
    assert p.stat().st_size < 100_000
    emb = embedscope.load(p, use_cache=False)
    assert emb.vectors.shape == (2, 300) and emb.words == ["w0", "w1"]
    assert max(held) * 300 * 4 < 200 << 20      # not 16M rows × 300 floats (19 GB)


def test_a_compressed_array_larger_than_free_memory_is_refused_before_allocating(
        tmp_path, matrix, monkeypatch):
    from embedscope.io import parsing

    p = tmp_path / "v.npz"
    with open(p, "wb") as f:
        np.savez_compressed(f, vectors=np.zeros((2000, 300), np.float32),
                            words=np.array([f"w{i}" for i in range(2000)]))
    monkeypatch.setattr(parsing, "available_memory", lambda: 1 << 20)
    with pytest.raises(NotEnoughMemoryError, match=r"not enough memory to read array 'vectors'"
                       r": it needs 2\.3 MiB and 1\.0 MiB is free"):
        embedscope.load(p)


def test_running_out_of_memory_is_a_message(tmp_path, matrix, monkeypatch, capsys):
    from embedscope.io import registry

    np.save(tmp_path / "v.npy", matrix)
    (tmp_path / "v.vocab.txt").write_text("\n".join(WORDS))

    def exhausted(*_a, **_k):
        raise MemoryError("Unable to allocate 37.5 GiB for an array with shape (1, 1)")

    monkeypatch.setattr(registry.READERS["npy"], "read", exhausted)
    with pytest.raises(NotEnoughMemoryError,
                       match=r"v\.npy: not enough memory to read it.*37\.5 GiB"):
        embedscope.load(tmp_path / "v.npy")
    code, err = _cli(capsys, "info", tmp_path / "v.npy")
    assert code == 2 and "37.5 GiB" in err


# --- the header's dimension against the rows ---------------------------------------------------

def test_a_header_dimension_smaller_than_the_rows_is_a_warning_and_a_check_error(tmp_path,
                                                                                  capsys):
    rng = np.random.default_rng(0)
    p = tmp_path / "v.txt"
    p.write_text("50 7\n" + "".join(
        f"w{i} " + " ".join(f"{x:.6f}" for x in rng.standard_normal(8)) + "\n"
        for i in range(50)))
    emb = embedscope.load(p)
    assert any("the header says 7 dimensions but most lines hold 8 values" in w
               for w in emb.source.warnings)
    f = check(emb).get("dim-mismatch")
    assert f is not None and f.severity == "error"
    code, out = cli.main(["check", str(p)]), capsys.readouterr().out
    assert code == 1 and "OK" not in out


# --- the command line's last line of defence ------------------------------------------------

def test_an_internal_error_says_it_is_a_bug_and_names_the_version(tmp_path, matrix,
                                                                   monkeypatch, capsys):
    from embedscope import __version__
    from embedscope.commands import info

    def broken(args):
        raise ZeroDivisionError("division by zero")

    monkeypatch.setattr(info, "run", broken)
    code, err = _cli(capsys, "info", tmp_path / "whatever.txt")
    assert code == 3
    assert f"embedscope {__version__}: internal error (ZeroDivisionError" in err
    assert "please report it" in err


def test_a_self_referencing_pickle_without_torch(tmp_path, matrix, monkeypatch):
    """A state dict pickled by hand (no torch needed to write it) that holds itself."""
    monkeypatch.setitem(__import__("sys").modules, "torch", None)

    class Storage:
        pass

    buf = io.BytesIO()
    d: dict = {}
    d["self"] = d
    pickle.dump(d, buf, protocol=2)
    p = tmp_path / "m.pt"
    with zipfile.ZipFile(p, "w", zipfile.ZIP_STORED) as z:
        z.writestr("archive/data.pkl", buf.getvalue())
        z.writestr("archive/version", "3\n")
    (tmp_path / "vocab.txt").write_text("\n".join(WORDS))
    _refused(p, "no 2-D tensor")
