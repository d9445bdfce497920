"""Small model folders built by the tests: a BERT-like table padded past its tokenizer, with a
group of never-trained [unused*] rows, in the layouts transformers saves."""
from __future__ import annotations

import json
from pathlib import Path

import numpy as np

SPECIALS = ["[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]"]
UNUSED = [f"[unused{i}]" for i in range(20)]
WORDS = [f"word{i}" for i in range(150)]
ADDED = ["<ent>", "<rel>"]           # added tokens that are not special
TOKENS = SPECIALS + UNUSED + WORDS + ADDED   # ids 0 … 176
VOCAB_SIZE = 192                     # the table: padded to a multiple of 64
DIM = 32
TABLE = "bert.embeddings.word_embeddings.weight"


def table(seed: int = 0, pad_row_zero: bool = False) -> np.ndarray:
    """Trained-looking rows (norms spread around 5.7), [unused*] rows left at a small random
    initialisation (norm ≈ 0.1, a tight group), padded rows initialised the same way."""
    rng = np.random.default_rng(seed)
    m = rng.standard_normal((VOCAB_SIZE, DIM)) * rng.lognormal(0, 0.2, (VOCAB_SIZE, 1))
    unused = slice(len(SPECIALS), len(SPECIALS) + len(UNUSED))
    m[unused] = rng.normal(0, 0.02, (len(UNUSED), DIM))
    m[len(TOKENS):] = rng.normal(0, 0.02, (VOCAB_SIZE - len(TOKENS), DIM))
    if pad_row_zero:
        m[0] = 0
    return m.astype(np.float32)


def other_tensors(seed: int = 1) -> dict[str, np.ndarray]:
    rng = np.random.default_rng(seed)
    return {
        "bert.embeddings.position_embeddings.weight": rng.standard_normal((64, DIM)),
        "bert.embeddings.token_type_embeddings.weight": rng.standard_normal((2, DIM)),
        "bert.embeddings.LayerNorm.weight": np.ones(DIM),
        "bert.encoder.layer.0.attention.self.query.weight": rng.standard_normal((DIM, DIM)),
    }


def write_tokenizer_json(folder: Path) -> None:
    vocab = {t: i for i, t in enumerate(SPECIALS + UNUSED + WORDS)}
    added = [{"id": i, "content": t, "special": True} for i, t in enumerate(SPECIALS)]
    added += [{"id": len(vocab) + j, "content": t, "special": False} for j, t in enumerate(ADDED)]
    (folder / "tokenizer.json").write_text(json.dumps(
        {"version": "1.0", "added_tokens": added,
         "model": {"type": "WordPiece", "unk_token": "[UNK]", "vocab": vocab}}))


def write_vocab_txt(folder: Path) -> None:
    (folder / "vocab.txt").write_text("".join(t + "\n" for t in TOKENS))


def make_model_folder(folder, *, vocab: str = "tokenizer.json", weights: str = "safetensors",
                      tied: bool = False, ambiguous: bool = False, pad_row_zero: bool = False,
                      config: dict | None = None) -> Path:
    """A model folder. `weights`: "safetensors", "torch" (pytorch_model.bin) or "sharded"
    (model.safetensors.index.json + two shards, the table in the second)."""
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    cfg = {"model_type": "bert", "vocab_size": VOCAB_SIZE, "hidden_size": DIM,
           "pad_token_id": 0}
    if tied:
        cfg["tie_word_embeddings"] = True
    cfg.update(config or {})
    (folder / "config.json").write_text(json.dumps(cfg))
    (write_tokenizer_json if vocab == "tokenizer.json" else write_vocab_txt)(folder)
    emb = table(pad_row_zero=pad_row_zero)
    tensors = {TABLE: emb, **other_tensors()}
    if tied:
        tensors["cls.predictions.decoder.weight"] = emb.copy()
    if ambiguous:
        del tensors[TABLE]
        rng = np.random.default_rng(7)
        tensors["encoder.embed_tokens.weight"] = emb
        tensors["decoder.embed_tokens.weight"] = rng.standard_normal(emb.shape)
    tensors = {k: np.ascontiguousarray(v, dtype=np.float32) for k, v in tensors.items()}
    if weights == "safetensors":
        from safetensors.numpy import save_file

        save_file(tensors, str(folder / "model.safetensors"))
    elif weights == "torch":
        import torch

        torch.save({k: torch.from_numpy(v) for k, v in tensors.items()},
                   folder / "pytorch_model.bin")
    elif weights == "sharded":
        from safetensors.numpy import save_file

        names = list(tensors)
        first = {k: tensors[k] for k in names if k != TABLE and "embed" not in k}
        second = {k: tensors[k] for k in names if k not in first}
        save_file(first, str(folder / "model-00001-of-00002.safetensors"))
        save_file(second, str(folder / "model-00002-of-00002.safetensors"))
        weight_map = {k: "model-00001-of-00002.safetensors" for k in first}
        weight_map.update({k: "model-00002-of-00002.safetensors" for k in second})
        (folder / "model.safetensors.index.json").write_text(json.dumps(
            {"metadata": {"total_size": 0}, "weight_map": weight_map}))
    else:
        raise ValueError(weights)
    return folder
