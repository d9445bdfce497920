"""Reading back an export folder (`embedscope export … -o DIR`): its manifest, `vocab.txt`,
`word_index.json` and matrix, each with an error naming the file and the place in it."""
from __future__ import annotations

import json
from pathlib import Path

from ..core.embedding import Embedding
from ..core.errors import EmbeddingFormatError
from ..core.export import ATTRIBUTES_FILE
from .words_file import MANIFEST, VOCAB

WORD_INDEX = "word_index.json"
# Files an export has beside its matrix file(s): every one, and attributes.tsv when asked for.
COMPANIONS = (VOCAB, WORD_INDEX, "USAGE.md", MANIFEST, ATTRIBUTES_FILE)


def read_manifest(folder) -> dict:
    """The manifest of an export folder; EmbeddingFormatError when there is none to read."""
    folder = Path(folder)
    if not folder.exists():
        raise EmbeddingFormatError(folder, None, "no such folder", "an export folder")
    if not folder.is_dir():
        raise EmbeddingFormatError(folder, None, "is a file, not a folder",
                                   "an export folder written by 'embedscope export'")
    path = folder / MANIFEST
    if not path.is_file():
        raise EmbeddingFormatError(folder, None, f"has no {MANIFEST}",
                                   "an export folder written by 'embedscope export'")
    try:
        with open(path, encoding="utf-8") as f:
            manifest = json.load(f)
    except UnicodeDecodeError as exc:
        raise EmbeddingFormatError(path, f"byte {exc.start:,}", "not UTF-8 text",
                                   "the JSON manifest") from None
    except json.JSONDecodeError as exc:
        raise EmbeddingFormatError(path, f"line {exc.lineno}, column {exc.colno}",
                                   f"unreadable JSON ({exc.msg})", "the JSON manifest") from None
    if not isinstance(manifest, dict):
        raise EmbeddingFormatError(path, None, "the JSON is not an object",
                                   "the manifest's fields in one JSON object")
    return manifest


def read_word_index(path) -> dict:
    """The word → row map of `word_index.json` (values as written, checked by the caller)."""
    path = Path(path)
    try:
        with open(path, encoding="utf-8") as f:
            index = json.load(f)
    except FileNotFoundError:
        raise EmbeddingFormatError(path, None, "missing", "a JSON word → row map") from None
    except UnicodeDecodeError as exc:
        raise EmbeddingFormatError(path, f"byte {exc.start:,}", "not UTF-8 text",
                                   "a JSON word → row map") from None
    except json.JSONDecodeError as exc:
        raise EmbeddingFormatError(path, f"line {exc.lineno}, column {exc.colno}",
                                   f"unreadable JSON ({exc.msg})",
                                   "a JSON word → row map") from None
    if not isinstance(index, dict):
        raise EmbeddingFormatError(path, None, "the JSON is not an object",
                                   'a word → row map like {"the": 2}')
    return index


def matrix_files(manifest: dict) -> tuple[str, str | None]:
    """(matrix file, file of its words or None) named by the manifest's file list: the file
    whose role is "matrix", and a words file of the format's own (the Projector metadata)."""
    files = [f for f in manifest.get("files") or [] if isinstance(f, dict) and "name" in f]
    matrix = next((f["name"] for f in files if f.get("role") == "matrix"), None)
    if matrix is None:
        raise EmbeddingFormatError(MANIFEST, "'files'", "no file has the role 'matrix'",
                                   "the list of written files with name, role, bytes, sha256")
    others = [f["name"] for f in files if f["name"] != matrix and f["name"] not in COMPANIONS]
    return matrix, (others[0] if others else None)


def read_matrix(folder, manifest: dict, progress=None, should_stop=None) -> Embedding:
    """The export's matrix through the ordinary readers, with the words its format holds
    (`vocab.txt` for a bare matrix). A words list of another length than the matrix loads
    anyway: `source.words_in_file` then holds the whole list, as `load(allow_mismatch=True)`
    leaves it."""
    from .registry import load

    folder = Path(folder)
    name, words_file = matrix_files(manifest)
    path = folder / name
    fmt = manifest.get("format")
    if words_file is not None:
        vocab = folder / words_file
    elif fmt in ("npy", "safetensors"):
        vocab = folder / VOCAB
    else:
        vocab = None
    return load(path, vocab=vocab, format=fmt, use_cache=False, allow_mismatch=True,
                progress=progress, should_stop=should_stop)


def stored_matrix(folder, manifest: dict) -> tuple[int, str] | None:
    """(rows, dtype) the matrix file's own header states, for the formats that can hold
    float16 (npy, safetensors); None for the others, which hold float32 text or arrays."""
    folder = Path(folder)
    name, _ = matrix_files(manifest)
    path = folder / name
    fmt = manifest.get("format")
    if fmt == "npy":
        from .numpy_files import read_npy_header

        with open(path, "rb") as f:
            shape, _, dtype, _ = read_npy_header(f, path)
        return int(shape[0]), str(dtype)
    if fmt == "safetensors":
        from .checkpoint import read_safetensors_header

        tensors = read_safetensors_header(path)[0]
        if len(tensors) != 1:
            raise EmbeddingFormatError(path, "header", f"{len(tensors)} tensors",
                                       "the one tensor 'weight'")
        names = {"F32": "float32", "F16": "float16", "BF16": "bfloat16", "F64": "float64"}
        return int(tensors[0].shape[0]), names.get(tensors[0].dtype, tensors[0].dtype)
    return None
