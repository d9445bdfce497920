"""Model checkpoints: safetensors and PyTorch state dicts, with the embedding tensor chosen by
the vocabulary's size, or by --tensor when that is ambiguous."""
import json
import struct
import sys

import numpy as np
import pytest

import embedscope
from embedscope.cli import main as cli_main
from embedscope.core.embedding import is_memory_mapped
from embedscope.core.errors import EmbeddingFormatError
from embedscope.io.checkpoint import read_safetensors_header, write_safetensors

WORDS = ["[PAD]", "the", "naïve", "日本", "##s", "😀"]


@pytest.fixture
def emb_matrix():
    return np.random.default_rng(5).standard_normal((6, 8)).astype(np.float32)


@pytest.fixture
def folder(tmp_path):
    (tmp_path / "vocab.txt").write_text("".join(w + "\n" for w in WORDS), encoding="utf-8")
    return tmp_path


def _model(emb_matrix, **extra):
    tensors = {
        "embeddings.position_embeddings.weight": np.zeros((16, 8), np.float32),
        "embeddings.word_embeddings.weight": emb_matrix,
        "encoder.layer.0.dense.weight": np.zeros((8, 8), np.float32),
        "encoder.layer.0.dense.bias": np.zeros(8, np.float32),
    }
    tensors.update(extra)
    return tensors


# --- safetensors ----------------------------------------------------------------------------

def test_safetensors_picks_the_tensor_with_one_row_per_word(folder, emb_matrix):
    write_safetensors(folder / "model.safetensors", _model(emb_matrix), {"format": "pt"})
    emb = embedscope.load(folder / "model.safetensors")
    assert emb.source.format == "safetensors"
    assert emb.source.tensor == "embeddings.word_embeddings.weight"
    assert emb.words == WORDS
    assert np.array_equal(emb.vectors, emb_matrix) and is_memory_mapped(emb.vectors)


def test_our_header_parser_agrees_with_the_safetensors_package(folder, emb_matrix):
    from safetensors import safe_open

    write_safetensors(folder / "model.safetensors", _model(emb_matrix), {"note": "x"})
    tensors, meta, _ = read_safetensors_header(folder / "model.safetensors")
    with safe_open(str(folder / "model.safetensors"), "np") as f:
        assert sorted(t.name for t in tensors) == sorted(f.keys())
        assert meta == f.metadata()
        for t in tensors:
            assert list(t.shape) == list(f.get_slice(t.name).get_shape())


def test_tied_embeddings_ask_for_tensor_and_tensor_picks_one(folder, emb_matrix):
    path = folder / "model.safetensors"
    write_safetensors(path, _model(emb_matrix, **{"lm_head.weight": emb_matrix * 2}))
    with pytest.raises(EmbeddingFormatError) as err:
        embedscope.load(path)
    msg = str(err.value)
    assert "embeddings.word_embeddings.weight (6 × 8, F32)" in msg
    assert "lm_head.weight (6 × 8, F32)" in msg and "--tensor NAME" in msg
    emb = embedscope.load(path, tensor="lm_head.weight")
    assert emb.source.tensor == "lm_head.weight" and np.array_equal(emb.vectors, emb_matrix * 2)


def test_no_tensor_matching_the_vocabulary_lists_the_shapes(folder, emb_matrix):
    write_safetensors(folder / "model.safetensors", _model(emb_matrix[:5]))
    with pytest.raises(EmbeddingFormatError) as err:
        embedscope.load(folder / "model.safetensors")
    msg = str(err.value)
    assert "no 2-D tensor has 6 rows" in msg and "vocab.txt" in msg
    assert "embeddings.word_embeddings.weight (5 × 8, F32)" in msg and "--tensor" in msg
    # Choosing it anyway still needs matching lengths, unless the mismatch is allowed.
    with pytest.raises(EmbeddingFormatError, match="6 words but model.safetensors has 5 rows"):
        embedscope.load(folder / "model.safetensors", tensor="embeddings.word_embeddings.weight")
    emb = embedscope.load(folder / "model.safetensors", tensor="embeddings.word_embeddings.weight",
                          allow_mismatch=True)
    assert emb.rows == 5 and emb.source.words_in_file == WORDS


@pytest.mark.parametrize("name, problem", [
    ("nope", "no tensor named 'nope'"),
    ("encoder.layer.0.dense.bias", r"has shape \(8,\)"),
])
def test_bad_tensor_names(folder, emb_matrix, name, problem):
    write_safetensors(folder / "model.safetensors", _model(emb_matrix))
    with pytest.raises(EmbeddingFormatError, match=problem):
        embedscope.load(folder / "model.safetensors", tensor=name)


@pytest.mark.parametrize("dtype", ["float16", "float64", "bfloat16"])
def test_other_float_types_become_float32(folder, emb_matrix, dtype):
    torch = pytest.importorskip("torch") if dtype == "bfloat16" else None
    if torch is not None:
        from safetensors.torch import save_file

        t = torch.from_numpy(emb_matrix).to(torch.bfloat16)
        save_file({"wte": t}, str(folder / "m.safetensors"))
        expected = t.to(torch.float32).numpy()
    else:
        write_safetensors(folder / "m.safetensors", {"wte": emb_matrix.astype(dtype)})
        expected = emb_matrix.astype(dtype).astype(np.float32)
    emb = embedscope.load(folder / "m.safetensors")
    assert emb.vectors.dtype == np.float32
    assert np.array_equal(emb.vectors, expected)


def test_bf16_conversion_without_torch_matches_the_bits(folder, emb_matrix):
    """bfloat16 written by hand: the top 16 bits of each float32."""
    top = (emb_matrix.view(np.uint32) >> 16).astype("<u2")
    header = json.dumps({"w": {"dtype": "BF16", "shape": [6, 8],
                               "data_offsets": [0, top.nbytes]}}).encode()
    (folder / "m.safetensors").write_bytes(struct.pack("<Q", len(header)) + header + top.tobytes())
    emb = embedscope.load(folder / "m.safetensors")
    assert np.array_equal(emb.vectors.view(np.uint32), top.astype(np.uint32) << 16)


def test_truncated_header(folder, emb_matrix):
    path = folder / "m.safetensors"
    write_safetensors(path, _model(emb_matrix))
    raw = path.read_bytes()
    path.write_bytes(raw[:40])
    with pytest.raises(EmbeddingFormatError, match=r"byte 0: the header length says"):
        embedscope.load(path, format="safetensors")


def test_truncated_data_names_the_tensor(folder, emb_matrix):
    path = folder / "m.safetensors"
    write_safetensors(path, {"a": np.zeros((2, 8), np.float32), "z": emb_matrix})
    raw = path.read_bytes()
    path.write_bytes(raw[:-20])
    with pytest.raises(EmbeddingFormatError, match=rf"byte {len(raw) - 20:,}: the file ends "
                       r"before tensor 'z' does"):
        embedscope.load(path)


def test_header_that_is_not_json(folder):
    body = b'{"w": {"dtype": "F32", ' + b"x" * 20
    (folder / "m.safetensors").write_bytes(struct.pack("<Q", len(body)) + body + b"\0" * 64)
    with pytest.raises(EmbeddingFormatError, match=r"byte \d+ \(in the JSON header\)"):
        embedscope.load(folder / "m.safetensors", format="safetensors")


def test_offsets_that_disagree_with_the_shape(folder):
    header = json.dumps({"w": {"dtype": "F32", "shape": [6, 8], "data_offsets": [0, 100]}}).encode()
    (folder / "m.safetensors").write_bytes(struct.pack("<Q", len(header)) + header + b"\0" * 200)
    with pytest.raises(EmbeddingFormatError, match="tensor 'w'.*100 bytes.*expected 192 bytes"):
        embedscope.load(folder / "m.safetensors")


def test_missing_vocab_lists_the_tensors(tmp_path, emb_matrix):
    write_safetensors(tmp_path / "model.safetensors", _model(emb_matrix))
    with pytest.raises(EmbeddingFormatError) as err:
        embedscope.load(tmp_path / "model.safetensors")
    assert "no vocab file" in str(err.value) and "word_embeddings.weight (6 × 8" in str(err.value)
    assert "--vocab" in str(err.value)


def test_vocab_from_tokenizer_json_or_word_index(tmp_path, emb_matrix):
    write_safetensors(tmp_path / "model.safetensors", _model(emb_matrix))
    tok = {"model": {"vocab": {w: i for i, w in enumerate(WORDS)}}}
    (tmp_path / "tokenizer.json").write_text(json.dumps(tok), encoding="utf-8")
    assert embedscope.load(tmp_path / "model.safetensors").words == WORDS
    index = {w: i + 1 for i, w in enumerate(WORDS[:5])}
    (tmp_path / "word_index.json").write_text(json.dumps(index))
    emb = embedscope.load(tmp_path / "model.safetensors", vocab=tmp_path / "word_index.json")
    assert emb.words == ["<row 0>"] + WORDS[:5]


def test_cli_info_reports_the_tensor(folder, emb_matrix, capsys):
    write_safetensors(folder / "model.safetensors", _model(emb_matrix))
    assert cli_main(["info", str(folder / "model.safetensors"), "--json"]) == 0
    d = json.loads(capsys.readouterr().out)
    assert d["format"] == "safetensors" and d["tensor"] == "embeddings.word_embeddings.weight"
    assert (d["rows"], d["dim"]) == (6, 8)
    write_safetensors(folder / "tied.safetensors", _model(emb_matrix, lm_head=emb_matrix + 1))
    assert cli_main(["info", str(folder / "tied.safetensors")]) == 2
    assert "--tensor" in capsys.readouterr().err


# --- PyTorch --------------------------------------------------------------------------------

def test_torch_state_dict(folder, emb_matrix):
    torch = pytest.importorskip("torch")
    sd = {k: torch.from_numpy(v.copy()) for k, v in _model(emb_matrix).items()}
    torch.save(sd, folder / "pytorch_model.bin")
    emb = embedscope.load(folder / "pytorch_model.bin")
    assert emb.source.format == "torch"
    assert emb.source.tensor == "embeddings.word_embeddings.weight"
    assert emb.words == WORDS and np.array_equal(emb.vectors, emb_matrix)


def test_torch_nested_bf16_and_legacy_format(folder, emb_matrix):
    torch = pytest.importorskip("torch")
    t = torch.from_numpy(emb_matrix).to(torch.bfloat16)
    torch.save({"epoch": 3, "state_dict": {"encoder.embedding.weight": t}}, folder / "ckpt.pt",
               _use_new_zipfile_serialization=False)
    emb = embedscope.load(folder / "ckpt.pt")
    assert emb.source.format == "torch"
    assert emb.source.tensor == "state_dict.encoder.embedding.weight"
    assert np.array_equal(emb.vectors, t.to(torch.float32).numpy())


@pytest.mark.parametrize("with_torch", [True, False])
def test_torch_tied_weights_sharing_storage_are_one_candidate(folder, emb_matrix, monkeypatch,
                                                              with_torch):
    torch = pytest.importorskip("torch")
    w = torch.from_numpy(emb_matrix.copy())
    torch.save({"wte.weight": w, "lm_head.weight": w}, folder / "m.pt")
    torch.save({"wte.weight": w, "lm_head.weight": w.clone()}, folder / "m2.pt")
    if not with_torch:
        monkeypatch.setitem(sys.modules, "torch", None)
    assert np.array_equal(embedscope.load(folder / "m.pt").vectors, emb_matrix)
    with pytest.raises(EmbeddingFormatError, match="lm_head.weight.*--tensor"):
        embedscope.load(folder / "m2.pt")


class _Payload:
    """Unpickling this creates a marker file: the proof a checkpoint's code ran."""

    def __init__(self, marker):
        self.marker = marker

    def __reduce__(self):
        return (open, (self.marker, "w"))


def test_torch_checkpoint_with_code_is_refused_and_does_not_run(folder, emb_matrix):
    torch = pytest.importorskip("torch")
    marker = folder / "RAN"
    torch.save({"w": torch.from_numpy(emb_matrix), "evil": _Payload(str(marker))}, folder / "m.pt")
    with pytest.raises(EmbeddingFormatError, match="--trust-pickle"):
        embedscope.load(folder / "m.pt")
    assert not marker.exists()


def _without_torch(monkeypatch):
    monkeypatch.setitem(sys.modules, "torch", None)  # import torch now raises ImportError


def test_legacy_torch_file_without_torch_says_pip_install_torch(folder, emb_matrix, monkeypatch):
    torch = pytest.importorskip("torch")
    torch.save({"w": torch.from_numpy(emb_matrix)}, folder / "m.pt",
               _use_new_zipfile_serialization=False)
    _without_torch(monkeypatch)
    with pytest.raises(EmbeddingFormatError, match="pip install torch"):
        embedscope.load(folder / "m.pt")


@pytest.mark.parametrize("dtype", ["float32", "bfloat16", "float16"])
def test_state_dicts_read_without_torch_equal_torchs_own_reading(folder, emb_matrix, monkeypatch,
                                                                 dtype):
    """The frozen app has no torch: a zip state dict is still read, memory-mapped."""
    torch = pytest.importorskip("torch")
    m = torch.nn.Embedding(6, 8)
    with torch.no_grad():
        m.weight.copy_(torch.from_numpy(emb_matrix))
    sd = {"embed": m.to(getattr(torch, dtype)).state_dict(), "pos": torch.zeros(4, 8),
          "transposed": torch.arange(48, dtype=torch.float32).reshape(8, 6).t(),
          "step": torch.tensor(3)}
    torch.save(sd, folder / "m.pt")
    expected = sd["embed"]["weight"].to(torch.float32).numpy()
    _without_torch(monkeypatch)
    # Two 6-row tensors (the embedding and a transposed view): the user must choose.
    with pytest.raises(EmbeddingFormatError, match=r"embed.weight \(6 × 8, " + dtype):
        embedscope.load(folder / "m.pt")
    emb = embedscope.load(folder / "m.pt", tensor="embed.weight")
    assert emb.words == WORDS and np.array_equal(emb.vectors, expected)
    if dtype == "float32":
        assert is_memory_mapped(emb.vectors)
    emb_t = embedscope.load(folder / "m.pt", tensor="transposed")
    assert np.array_equal(emb_t.vectors, sd["transposed"].numpy())


def test_code_in_a_checkpoint_is_refused_without_torch_too(folder, emb_matrix, monkeypatch):
    torch = pytest.importorskip("torch")
    marker = folder / "RAN"
    torch.save({"w": torch.from_numpy(emb_matrix), "evil": _Payload(str(marker))}, folder / "m.pt")
    _without_torch(monkeypatch)
    with pytest.raises(EmbeddingFormatError, match="Unsupported global: GLOBAL io.open"):
        embedscope.load(folder / "m.pt")
    assert not marker.exists()


def test_damaged_torch_file(folder):
    pytest.importorskip("torch")
    from embedscope.io.checkpoint import TORCH_LEGACY_MAGIC

    (folder / "m.pt").write_bytes(TORCH_LEGACY_MAGIC + b"garbage")
    with pytest.raises(EmbeddingFormatError, match="not a readable PyTorch checkpoint"):
        embedscope.load(folder / "m.pt")


def test_ambiguity_carries_the_candidates_and_list_tensors_shows_all(folder, emb_matrix):
    from embedscope.io.checkpoint import list_tensors

    path = folder / "model.safetensors"
    write_safetensors(path, _model(emb_matrix, **{"lm_head.weight": emb_matrix * 2}))
    with pytest.raises(EmbeddingFormatError) as err:
        embedscope.load(path)
    assert sorted(err.value.candidates) == ["embeddings.word_embeddings.weight", "lm_head.weight"]
    shapes = {t.name: t.shape for t in list_tensors(path)}
    assert shapes["lm_head.weight"] == (6, 8) and shapes["encoder.layer.0.dense.bias"] == (8,)


def test_list_tensors_of_a_torch_file_with_and_without_torch(folder, emb_matrix, monkeypatch):
    torch = pytest.importorskip("torch")
    from embedscope.io.checkpoint import list_tensors

    torch.save({"w": torch.from_numpy(emb_matrix), "b": torch.zeros(3, dtype=torch.float16)},
               folder / "m.pt")
    with_torch = {(t.name, t.dtype, t.shape) for t in list_tensors(folder / "m.pt")}
    monkeypatch.setitem(sys.modules, "torch", None)
    without = {(t.name, t.dtype, t.shape) for t in list_tensors(folder / "m.pt")}
    assert with_torch == without == {("w", "float32", (6, 8)), ("b", "float16", (3,))}
