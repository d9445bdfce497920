"""A model folder (config.json, model.safetensors or pytorch_model.bin, tokenizer.json or
vocab.txt) read as one embedding: the input-embedding table with the tokenizer's tokens.

The table is the 2-D tensor with vocab_size rows and hidden-size columns (config.json), named
like an input embedding (`word_embeddings`, `embed_tokens`, `wte`, `shared`…); the tokens come
from tokenizer.json (ids and added tokens) or vocab.txt. What was used, and why, is recorded on
`source.model` for `info` and for the model audit of `check`. Sharded checkpoints (an
`*.index.json` naming the shard of each tensor) are read through their index.
"""
from __future__ import annotations

import json
import os
import tempfile
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from ..core.check_words import is_special
from ..core.embedding import Embedding, ModelFolder
from ..core.errors import EmbeddingFormatError
from ..core.jobs import Job
from .checkpoint import (
    TensorInfo,
    list_tensors,
    read_safetensors,
    read_safetensors_header,
    read_torch,
)
from .words_file import read_words_file

WEIGHTS_INDEXES = ("model.safetensors.index.json", "pytorch_model.bin.index.json")
WEIGHTS_FILES = ("model.safetensors", "pytorch_model.bin")
VOCAB_FILES = ("tokenizer.json", "vocab.txt", "vocab.json")
# Formats of other frameworks a folder may hold instead; named in the error so the user knows
# why a folder full of weights has "none".
FOREIGN_WEIGHTS = ("tf_model.h5", "flax_model.msgpack", "model.onnx")
# Name parts of an input-embedding table, most specific first (the first match wins a tie
# between tensors that hold the same values, such as T5's shared / encoder.embed_tokens).
INPUT_NAMES = ("word_embeddings", "embed_tokens", "tok_embeddings", "token_embedding",
               "word_emb", "wte", "embed_in", "shared")
# Name parts of an output layer (the softmax over the vocabulary), never the input table.
OUTPUT_NAMES = ("lm_head", "decoder", "embed_out", "output", "cls.predictions", "pred_layer",
                "proj_out", "generator")
VOCAB_SIZE_KEYS = ("vocab_size", "n_vocab", "padded_vocab_size")
HIDDEN_KEYS = ("hidden_size", "d_model", "n_embd", "dim", "embedding_size", "embed_dim",
               "word_embed_proj_dim")
# Without a config, a table may still be padded past the tokenizer (to a multiple of 8, 64
# or 128); more rows than that are not this tokenizer's table.
MAX_PADDING = 128


@dataclass
class FolderTensor:
    """A tensor of the folder's weights and the file (shard) that holds it."""

    file: Path
    info: TensorInfo

    @property
    def name(self) -> str:
        return self.info.name

    @property
    def shape(self) -> tuple[int, ...]:
        return self.info.shape

    def describe(self) -> str:
        return self.info.describe() + (f" in {self.file.name}" if self.file else "")


def is_model_folder(path) -> bool:
    """Whether a folder holds model weights Embedscope can read (for File → Open folder)."""
    path = Path(path)
    return path.is_dir() and bool(_weights_files(path, quiet=True)[0])


def folder_tensors(path) -> list[TensorInfo]:
    """Every tensor of a model folder's weights, all shards (for the window's tensor chooser)."""
    return [t.info for t in _tensors(_weights_files(Path(path))[0])]


# --- the pieces of a folder ----------------------------------------------------------------

def read_config(folder: Path) -> tuple[dict, Path | None]:
    """config.json as a dict (its `text_config` merged under it, for models that nest the
    language model's settings), or {} when the folder has none."""
    path = folder / "config.json"
    if not path.is_file():
        return {}, None
    try:
        config = json.loads(path.read_text(encoding="utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise EmbeddingFormatError(path, None, f"unreadable JSON ({exc})",
                                   "a model's config.json") from None
    if not isinstance(config, dict):
        raise EmbeddingFormatError(path, None, "is not a JSON object", "a model's config.json")
    nested = config.get("text_config")
    if isinstance(nested, dict):
        config = {**nested, **{k: v for k, v in config.items() if k not in nested}}
    return config, path


def _config_int(config: dict, keys) -> tuple[str, int] | None:
    for k in keys:
        v = config.get(k)
        if isinstance(v, int) and not isinstance(v, bool) and v > 0:
            return k, v
    return None


def _weights_files(folder: Path, quiet: bool = False) -> tuple[list[Path], Path | None]:
    """(weights files, index file) of a folder; safetensors first, as transformers prefers it."""
    for name in WEIGHTS_INDEXES:
        index = folder / name
        if index.is_file():
            try:
                weight_map = json.loads(index.read_text(encoding="utf-8"))["weight_map"]
                files = sorted({str(f) for f in weight_map.values()})
            except (UnicodeDecodeError, json.JSONDecodeError, KeyError, TypeError,
                    AttributeError):
                if quiet:
                    return [], None
                raise EmbeddingFormatError(index, "weight_map", "missing or unreadable",
                                           'a JSON object {"weight_map": {tensor: shard file}}'
                                           ) from None
            missing = [f for f in files if not (folder / f).is_file()]
            if missing and not quiet:
                raise EmbeddingFormatError(index, "weight_map", "names shard file(s) not in the "
                                           f"folder: {', '.join(missing)}", "every shard present")
            return [folder / f for f in files], index
    for name in WEIGHTS_FILES:
        if (folder / name).is_file():
            return [folder / name], None
    single = sorted(folder.glob("*.safetensors"))
    if len(single) == 1:
        return single, None
    return [], None


def _tensors(files: list[Path]) -> list[FolderTensor]:
    out = []
    for f in files:
        infos = (read_safetensors_header(f)[0] if f.suffix == ".safetensors"
                 else list_tensors(f))
        out.extend(FolderTensor(f, t) for t in infos)
    return out


@dataclass
class Vocabulary:
    path: Path
    words: list[str]
    warnings: list[str]
    because: str
    special_tokens: dict[str, int]


def read_vocabulary(folder: Path, vocab=None) -> Vocabulary:
    """The tokenizer's tokens in id order, and its special tokens with their ids."""
    if vocab is not None:
        path, because = Path(vocab), "given with --vocab"
        if not path.is_file():
            raise EmbeddingFormatError(path, None, "words file not found")
    else:
        path = next((folder / n for n in VOCAB_FILES if (folder / n).is_file()), None)
        if path is None:
            spm = (" (tokenizer.model is a SentencePiece model, which Embedscope does not "
                   "read; transformers' tokenizer.save_pretrained writes tokenizer.json)"
                   if (folder / "tokenizer.model").is_file() else "")
            raise EmbeddingFormatError(
                folder, None, f"the model folder has no tokenizer vocabulary{spm}",
                f"one of {', '.join(VOCAB_FILES)} in the folder, or --vocab FILE")
        because = {"tokenizer.json": "tokenizer.json: token ids and added tokens",
                   "vocab.txt": "vocab.txt: one token per line, id = line number",
                   "vocab.json": "vocab.json: token → id"}[path.name]
    words, _attrs, warnings = read_words_file(path)
    if not words:
        raise EmbeddingFormatError(path, None, "holds no tokens", "the tokenizer's vocabulary")
    return Vocabulary(path, words, warnings, because, _special_tokens(folder, path, words))


def _special_tokens(folder: Path, vocab_path: Path, words: list[str]) -> dict[str, int]:
    """Special tokens → ids: tokenizer.json's added tokens marked special, the tokens named in
    special_tokens_map.json, else the usual names ([PAD], <s>, …) found in the vocabulary."""
    index: dict[str, int] = {}
    for i, w in enumerate(words):
        index.setdefault(w, i)
    found: dict[str, int] = {}
    if vocab_path.name == "tokenizer.json" or vocab_path.suffix == ".json":
        try:
            data = json.loads(vocab_path.read_text(encoding="utf-8"))
        except (UnicodeDecodeError, json.JSONDecodeError):
            data = None
        added = data.get("added_tokens") if isinstance(data, dict) else None
        for t in added if isinstance(added, list) else ():
            if (isinstance(t, dict) and t.get("special") and isinstance(t.get("content"), str)
                    and isinstance(t.get("id"), int)):
                found[t["content"]] = t["id"]
    smap = folder / "special_tokens_map.json"
    if smap.is_file():
        try:
            data = json.loads(smap.read_text(encoding="utf-8"))
        except (UnicodeDecodeError, json.JSONDecodeError):
            data = {}
        values = data.values() if isinstance(data, dict) else ()
        for v in values:
            for item in v if isinstance(v, list) else [v]:
                tok = item.get("content") if isinstance(item, dict) else item
                if isinstance(tok, str) and tok in index:
                    found.setdefault(tok, index[tok])
    if not found:
        # BERT's [unused*] rows are reserved, not special: they are never fed to the model.
        found = {w: i for w, i in index.items()
                 if is_special(w) and not w.lower().startswith("[unused")}
    return dict(sorted(found.items(), key=lambda kv: kv[1]))


# --- choosing the table ---------------------------------------------------------------------

def _name_rank(name: str, parts) -> int | None:
    low = name.lower()
    return next((i for i, p in enumerate(parts) if p in low), None)


def _is_output(name: str) -> bool:
    """Named as an output layer, and not as an input table ("decoder.embed_tokens" is the
    decoder's input; "cls.predictions.decoder" is BERT's output layer)."""
    return (_name_rank(name, OUTPUT_NAMES) is not None
            and _name_rank(name, INPUT_NAMES) is None)


def choose_table(folder: Path, tensors: list[FolderTensor], config: dict, n_tokens: int,
                 tensor: str | None) -> tuple[FolderTensor, str, list[FolderTensor]]:
    """(table, why it was chosen, other tensors that fit as well and may hold the same values).

    Raises EmbeddingFormatError listing the candidates (and `.candidates`, their names, for
    the window's chooser) when the folder leaves the choice open."""
    two_d = [t for t in tensors if len(t.shape) == 2 and t.info.is_float]
    listing = "; ".join(t.describe() for t in two_d) or "none"
    if tensor is not None:
        found = next((t for t in tensors if t.name == tensor), None)
        if found is None or found not in two_d:
            what = f"no tensor named '{tensor}'" if found is None else (
                f"tensor '{tensor}' is not a 2-D floating-point table ({found.describe()})")
            err = EmbeddingFormatError(folder, None, what, f"one of the 2-D tensors: {listing}")
            err.candidates = [t.name for t in two_d]
            raise err
        return found, "named with --tensor", []
    vs = _config_int(config, VOCAB_SIZE_KEYS)
    hidden = {k: kv[1] for k in HIDDEN_KEYS if (kv := _config_int(config, (k,)))}
    if vs is not None:
        fit = [t for t in two_d if t.shape[0] == vs[1]]
        rows_why = f"rows = {vs[0]} {vs[1]:,} (config.json)"
    else:
        fit = [t for t in two_d if n_tokens <= t.shape[0] < n_tokens + MAX_PADDING]
        rows_why = f"rows = the tokenizer's {n_tokens:,} tokens (no vocab_size in a config.json)"
    if hidden:
        fit = [t for t in fit if t.shape[1] in hidden.values()]

    def shape_why(t: FolderTensor) -> str:
        key = next((k for k, v in hidden.items() if v == t.shape[1]), None)
        return rows_why + (f", columns = {key} {t.shape[1]}" if key else "")

    named = sorted((t for t in fit if _name_rank(t.name, INPUT_NAMES) is not None),
                   key=lambda t: _name_rank(t.name, INPUT_NAMES))
    unnamed = [t for t in fit if not _is_output(t.name) and t not in named]
    if named:
        part = INPUT_NAMES[_name_rank(named[0].name, INPUT_NAMES)]
        return (named[0], f"{shape_why(named[0])}; its name holds '{part}', an input-embedding "
                f"name", named[1:])
    if len(unnamed) == 1:
        others = [t for t in fit if t is not unnamed[0]]
        tail = (f" ({', '.join(t.name for t in others)} has that shape too but is named as an "
                "output layer)") if others else ""
        return unnamed[0], f"{shape_why(unnamed[0])}; the only tensor of that shape{tail}", []
    choices = unnamed or fit
    if choices:
        err = EmbeddingFormatError(
            folder, None, "several tensors could be the input-embedding table: "
            + "; ".join(t.describe() for t in choices), "--tensor NAME to choose one")
        err.candidates = [t.name for t in choices]
        raise err
    want = (f"{vs[1]:,} rows ({vs[0]} in config.json)" if vs is not None
            else f"{n_tokens:,} rows or a few more (one per token of the tokenizer)")
    if hidden:
        want += " × " + " or ".join(f"{v} ({k})" for k, v in hidden.items())
    err = EmbeddingFormatError(folder, None, f"no tensor has {want}; 2-D tensors: {listing}",
                               "--tensor NAME to choose one")
    err.candidates = [t.name for t in two_d]
    raise err


# --- reading ----------------------------------------------------------------------------------

def _read_table(t: FolderTensor, vocab: Vocabulary, trust_pickle: bool, job: Job,
                allow_mismatch: bool = False) -> Embedding:
    """The tensor as an Embedding whose rows past the tokenizer's last id are named
    '<row N>' (the words files' name for a row without a word)."""
    read = read_safetensors if t.file.suffix == ".safetensors" else read_torch
    rows = t.shape[0]
    if rows <= len(vocab.words):
        return read(t.file, vocab=vocab.path, tensor=t.name, trust_pickle=trust_pickle, job=job,
                    allow_mismatch=allow_mismatch)
    # The checkpoint readers pair a table with a words file of one word per row, so the
    # padded list is handed to them as one (a JSON list keeps any token exactly).
    words = vocab.words + [f"<row {i}>" for i in range(len(vocab.words), rows)]
    with tempfile.TemporaryDirectory(prefix="embedscope-") as tmp:
        padded = Path(tmp) / "tokens.json"
        padded.write_text(json.dumps(words, ensure_ascii=False), encoding="utf-8")
        emb = read(t.file, vocab=padded, tensor=t.name, trust_pickle=trust_pickle, job=job)
    emb.source.warnings[:0] = list(vocab.warnings)
    return emb


def _same_values(a: np.ndarray, b: np.ndarray) -> bool:
    """Whether two tables hold equal values (a few rows first, then all, in blocks)."""
    if a.shape != b.shape:
        return False
    probe = np.linspace(0, a.shape[0] - 1, num=min(16, a.shape[0])).astype(np.int64)
    if not np.array_equal(np.asarray(a[probe]), np.asarray(b[probe])):
        return False
    step = 1 << 14
    return all(np.array_equal(np.asarray(a[s:s + step]), np.asarray(b[s:s + step]))
               for s in range(0, a.shape[0], step))


def _tied_output(table: FolderTensor, emb: Embedding, tensors: list[FolderTensor],
                 config: dict, vocab: Vocabulary, trust_pickle: bool) -> tuple[str | None,
                                                                              str | None]:
    """(output tensor tied to the table, how that was seen), or (None, None)."""
    same_shape = [t for t in tensors if t is not table and t.shape == table.shape
                  and t.info.is_float]
    for t in same_shape:
        if (t.file == table.file and t.info.end
                and (t.info.start, t.info.end) == (table.info.start, table.info.end)):
            return t.name, f"{t.name} shares its storage with {table.name}"
    for t in sorted(same_shape, key=lambda t: not _is_output(t.name)):
        other = _read_table(t, vocab, trust_pickle, Job())
        if _same_values(emb.vectors, other.vectors):
            return t.name, f"{t.name} holds the same values as {table.name}"
    if config.get("tie_word_embeddings") is True:
        outputs = [t for t in same_shape if _is_output(t.name)]
        if not outputs:
            return None, ("config.json sets tie_word_embeddings: true and the weights hold no "
                          f"separate output layer: the output layer reuses {table.name}")
    return None, None


def _pad_id(config: dict, special: dict[str, int]) -> int | None:
    v = config.get("pad_token_id")
    if isinstance(v, int) and not isinstance(v, bool) and v >= 0:
        return v
    return next((i for w, i in special.items()
                 if w.strip("[]<>|").lower() in ("pad", "padding")), None)


def read_model_folder(path, *, vocab=None, tensor=None, trust_pickle=False, job=None,
                      allow_mismatch=False) -> Embedding:
    """The input-embedding table of a model folder, with the tokenizer's tokens."""
    folder = Path(path)
    job = job or Job()
    if not folder.is_dir():
        raise EmbeddingFormatError(folder, None, "is a file, not a folder",
                                   "a model folder (config.json, weights, tokenizer)")
    files, index = _weights_files(folder)
    if not files:
        foreign = [n for n in FOREIGN_WEIGHTS if (folder / n).is_file()]
        found = f" (it holds {', '.join(foreign)}, which Embedscope does not read)" if foreign \
            else ""
        raise EmbeddingFormatError(
            folder, None, f"no model weights found{found}",
            "model.safetensors, model.safetensors.index.json (sharded), pytorch_model.bin or "
            "pytorch_model.bin.index.json in the folder")
    config, config_path = read_config(folder)
    voc = read_vocabulary(folder, vocab)
    tensors = _tensors(files)
    table, because, alike = choose_table(folder, tensors, config, len(voc.words), tensor)
    emb = _read_table(table, voc, trust_pickle, job, allow_mismatch)
    for t in alike:  # T5's shared / encoder.embed_tokens: one table saved under two names
        if not _same_values(emb.vectors, _read_table(t, voc, trust_pickle, Job()).vectors):
            err = EmbeddingFormatError(
                folder, None, "several tensors could be the input-embedding table: "
                + "; ".join(x.describe() for x in [table, *alike]), "--tensor NAME to choose one")
            err.candidates = [x.name for x in [table, *alike]]
            raise err
    if alike:
        because += f" ({', '.join(t.name for t in alike)} hold the same values)"
    tied_to, tied_because = _tied_output(table, emb, tensors, config, voc, trust_pickle)
    weights = ([str(index)] if index else []) + [str(table.file)]
    vs = _config_int(config, VOCAB_SIZE_KEYS)
    src = emb.source
    src.model = ModelFolder(
        folder=str(folder), weights=weights, vocab_file=str(voc.path),
        config_file=str(config_path) if config_path else None, chosen_because=because,
        vocab_size=len(voc.words), config_vocab_size=vs[1] if vs else None,
        special_tokens=voc.special_tokens, pad_id=_pad_id(config, voc.special_tokens),
        tied_to=tied_to, tied_because=tied_because, vocab_because=voc.because)
    src.path, src.format, src.tensor = str(folder), "model-folder", table.name
    src.vocab_path = str(voc.path)
    stats = [os.stat(f) for f in files]
    src.size = sum(st.st_size for st in stats)
    src.mtime = max(st.st_mtime for st in stats)
    return emb
