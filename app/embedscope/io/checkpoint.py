"""Model checkpoints holding an embedding matrix: safetensors files and PyTorch state dicts,
each with a separate vocab file (vocab.txt, word_index.json, vocab.json or tokenizer.json).

The embedding is the 2-D tensor whose row count matches the vocabulary; when several could be
(tied input/output embeddings) or none is, the error lists the 2-D tensors with their shapes
and asks for `--tensor NAME`. safetensors is parsed here (8-byte little-endian header length,
JSON header, raw little-endian data) so a float32 tensor is memory-mapped straight from the
file. torch is optional: when installed it reads `.pt`/`.bin` (weights_only, memory-mapped);
without it, zip state dicts are still read by a small allow-list unpickler (see below) and only
pre-1.6 files ask for `pip install torch`.
"""
from __future__ import annotations

import json
import math
import pickle
import re
import zipfile
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from ..core.embedding import Embedding, Source
from ..core.errors import EmbeddingFormatError
from ..core.jobs import Job
from .compressed import DECOMPRESS_ERRORS
from .formats import reader, writer
from .numpy_files import ZIP_MAGIC, as_float32, attach_words, check_matrix, find_vocab, vocab_beside
from .parsing import load_json
from .words_file import read_words_file

# safetensors dtype → (numpy dtype as stored, bytes per value); BF16 is read as uint16 bits.
ST_DTYPES = {
    "F64": ("<f8", 8), "F32": ("<f4", 4), "F16": ("<f2", 2), "BF16": ("<u2", 2),
    "I64": ("<i8", 8), "I32": ("<i4", 4), "I16": ("<i2", 2), "I8": ("i1", 1),
    "U64": ("<u8", 8), "U32": ("<u4", 4), "U16": ("<u2", 2), "U8": ("u1", 1),
    "BOOL": ("?", 1), "F8_E4M3": ("u1", 1), "F8_E5M2": ("u1", 1),
}
FLOAT_DTYPES = ("F64", "F32", "F16", "BF16")
MAX_HEADER = 100 << 20  # safetensors itself refuses headers over 100 MB
# torch.save's legacy (pre-1.6) format: a pickle that starts with this magic number.
TORCH_LEGACY_MAGIC = b"\x80\x02\x8a\x0a\x6c\xfc\x9c\x46\xf9\x20\x6a\xa8\x50\x19"
TORCH_INSTALL = ("pip install torch (the CPU build is enough: pip install torch --index-url "
                 "https://download.pytorch.org/whl/cpu), or the checkpoint saved as safetensors")


@dataclass
class TensorInfo:
    """One tensor of a checkpoint, as its header describes it."""

    name: str
    dtype: str          # "F32", "BF16"… (safetensors) or "float32"… (torch)
    shape: tuple[int, ...]
    start: int = 0      # byte offsets of the data (safetensors: from the end of the header)
    end: int = 0

    @property
    def is_float(self) -> bool:
        return self.dtype in FLOAT_DTYPES or self.dtype in (
            "float32", "float16", "bfloat16", "float64")

    def describe(self) -> str:
        return f"{self.name} ({' × '.join(str(s) for s in self.shape)}, {self.dtype})"


# --- choosing the embedding tensor ---------------------------------------------------------

def choose_tensor(path: Path, tensors: list[TensorInfo], tensor: str | None,
                  vocab_size: int | None, vocab_label: str | None) -> TensorInfo:
    """The tensor to read: `tensor` when named, else the only 2-D float tensor with one row
    per word. Anything else is an error that lists the candidates and asks for --tensor."""
    two_d = [t for t in tensors if len(t.shape) == 2]
    listing = "; ".join(t.describe() for t in two_d) or "none"
    if tensor is not None:
        found = next((t for t in tensors if t.name == tensor), None)
        if found is None:
            raise EmbeddingFormatError(path, None, f"no tensor named '{tensor}'",
                                       f"one of the 2-D tensors: {listing}")
        if len(found.shape) != 2:
            raise EmbeddingFormatError(path, f"tensor '{tensor}'",
                                       f"has shape {found.shape}",
                                       f"a 2-D tensor (rows × dimensions); 2-D tensors: {listing}")
        if not found.is_float:
            raise EmbeddingFormatError(path, f"tensor '{tensor}'", f"holds {found.dtype} values",
                                       "floating-point values (F32, F16, BF16 or F64)")
        return found
    if not two_d:
        raise EmbeddingFormatError(path, None, "the checkpoint has no 2-D tensor",
                                   "an embedding matrix of rows × dimensions")
    fit = [t for t in two_d if t.is_float and t.shape[0] == vocab_size]
    # The same bytes under two names (shared storage) are one candidate, not a choice.
    unique: list[TensorInfo] = []
    for t in fit:
        if not any(u.end and (u.start, u.end) == (t.start, t.end) for u in unique):
            unique.append(t)
    if len(unique) == 1:
        return unique[0]
    if unique:
        err = EmbeddingFormatError(
            path, None, f"several tensors have one row per word ({vocab_size:,} rows): "
            + "; ".join(t.describe() for t in unique), "--tensor NAME to choose one")
        err.candidates = [t.name for t in unique]  # the window offers these as a choice
        raise err
    err = EmbeddingFormatError(
        path, None, f"no 2-D tensor has {vocab_size:,} rows, one per word of "
        f"{Path(vocab_label).name if vocab_label else 'the words file'}; 2-D tensors: {listing}",
        "--tensor NAME to choose one (with a words file of matching length)")
    err.candidates = [t.name for t in two_d if t.is_float]
    raise err


def list_tensors(path) -> list[TensorInfo]:
    """Every tensor of a safetensors file or PyTorch checkpoint, for a chooser in the window.
    (A PyTorch file is loaded with weights_only, as `load` does.)"""
    path = Path(path)
    from .formats import read_head

    if _sniff_safetensors(read_head(path)):
        return read_safetensors_header(path)[0]
    try:
        import torch  # noqa: F401
    except ImportError:
        if not _is_torch_zip(path):
            raise EmbeddingFormatError(path, None, "reading this PyTorch checkpoint needs the "
                                       "torch package, which is not installed",
                                       TORCH_INSTALL) from None
        try:
            z = zipfile.ZipFile(path)
        except DECOMPRESS_ERRORS as exc:
            raise EmbeddingFormatError(path, None, f"not a readable PyTorch checkpoint ({exc})",
                                       "a file written by torch.save") from None
        with z:
            refs = _torch_zip_without_torch(path, z)[1]
        return [TensorInfo(n, TORCH_STORAGES[r.storage.kind][1], r.shape) for n, r in refs.items()]
    found: dict = {}
    _flatten(path, _torch_load(path, trust_pickle=False), found)
    return [TensorInfo(n, str(t.dtype).replace("torch.", ""), tuple(t.shape))
            for n, t in found.items()]


def _words_for(path: Path, vocab, tensors: list[TensorInfo]):
    """(words, attributes, warnings, words path); a missing words file lists the tensors too,
    so the user sees the shapes while looking for the right vocab."""
    if vocab is None and vocab_beside(path) is None:
        listing = "; ".join(t.describe() for t in tensors if len(t.shape) == 2) or "none"
        stem = path.name[: -len(path.suffix)] if path.suffix else path.name
        raise EmbeddingFormatError(
            path, None, f"a checkpoint has no words, and no vocab file was found beside it "
            f"(2-D tensors: {listing})",
            f"--vocab FILE (vocab.txt, vocab.json, word_index.json or tokenizer.json), or "
            f"{stem}.vocab.txt / vocab.txt next to it")
    vpath = find_vocab(path, vocab, "a checkpoint")
    words, attrs, warnings = read_words_file(vpath)
    return words, attrs, warnings, vpath


# --- safetensors ---------------------------------------------------------------------------

def read_safetensors_header(path) -> tuple[list[TensorInfo], dict, int]:
    """(tensors, metadata, data start) of a safetensors file, checked against its size.

    The header length is never trusted for an allocation before it is checked against the
    file size; every tensor's byte range must fit its shape and lie inside the file."""
    path = Path(path)
    size = path.stat().st_size
    with open(path, "rb") as f:
        lead = f.read(8)
        if len(lead) < 8:
            raise EmbeddingFormatError(path, "byte 0", f"the file is only {size} bytes",
                                       "an 8-byte header length, a JSON header, then the data")
        n = int.from_bytes(lead, "little")
        if n > size - 8:
            raise EmbeddingFormatError(
                path, "byte 0", f"the header length says {n:,} bytes but only {size - 8:,} follow "
                "(truncated, or not a safetensors file)", "a header that fits inside the file")
        if n > MAX_HEADER:
            raise EmbeddingFormatError(path, "byte 0", f"a {n:,}-byte header",
                                       "a header under 100 MB")
        raw = f.read(n)
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise EmbeddingFormatError(path, f"byte {8 + exc.start:,} (in the header)",
                                   "the header is not UTF-8 text",
                                   "a JSON object of tensor descriptions") from None
    header = load_json(path, text, "JSON header", "a JSON object of tensor descriptions",
                       byte_offset=8)
    if not isinstance(header, dict):
        raise EmbeddingFormatError(path, "header", "the JSON header is not an object",
                                   '{"name": {"dtype", "shape", "data_offsets"}, …}')
    data_start = 8 + n
    metadata = header.pop("__metadata__", None) or {}
    tensors = []
    for name, d in header.items():
        try:
            dtype, shape, offsets = d["dtype"], d["shape"], d["data_offsets"]
        except (KeyError, TypeError, IndexError):
            raise EmbeddingFormatError(path, f"header, tensor '{name}'", "incomplete description",
                                       "dtype, shape and data_offsets [start, end]") from None
        if not (isinstance(dtype, str) and _counts(shape) and _counts(offsets)
                and len(offsets) == 2 and offsets[0] <= offsets[1]):
            raise EmbeddingFormatError(
                path, f"header, tensor '{name}'",
                f"dtype {dtype!r:.40}, shape {shape!r:.60}, data_offsets {offsets!r:.60}",
                "a dtype name, a shape of whole numbers ≥ 0 and data_offsets [start, end]")
        shape, (start, end) = tuple(shape), offsets
        if dtype in ST_DTYPES:
            need = math.prod(shape) * ST_DTYPES[dtype][1]
            if end - start != need or start < 0:
                raise EmbeddingFormatError(
                    path, f"header, tensor '{name}'",
                    f"data_offsets [{start}, {end}] hold {end - start:,} bytes",
                    f"{need:,} bytes for shape {list(shape)} of {dtype}")
        if data_start + end > size:
            raise EmbeddingFormatError(
                path, f"byte {size:,}", f"the file ends before tensor '{name}' does "
                f"(it needs bytes up to {data_start + end:,}; truncated?)", "the whole file")
        tensors.append(TensorInfo(name, dtype, shape, start, end))
    return tensors, metadata, data_start


def _counts(values) -> bool:
    """A JSON list of whole numbers, 0 or more (true and 2.0 are not: `type`, as bool is an
    int)."""
    return isinstance(values, list) and all(type(v) is int and v >= 0 for v in values)


def _sniff_safetensors(head) -> float:
    data = head.data
    if head.compression is not None or len(data) < 10 or data[8:9] != b"{":
        return 0.0
    n = int.from_bytes(data[:8], "little")
    try:
        size = head.path.stat().st_size
    except OSError:
        return 0.0
    if n < 2 or n > size - 8:
        return 0.0
    if 8 + n <= len(data):
        try:
            header = load_json(head.path, data[8: 8 + n])
        except EmbeddingFormatError:
            return 0.0
        return 1.0 if isinstance(header, dict) else 0.0
    return 0.9 if b'"dtype"' in data[8:] else 0.0


def _bf16_to_float32(bits: np.ndarray, job: Job) -> np.ndarray:
    """bfloat16 is the top half of a float32: shift the 16 bits up (exact, no rounding)."""
    out = np.empty(bits.shape, dtype=np.float32)
    view = out.view(np.uint32)
    n = bits.shape[0]
    step = 1 << 16
    for s in range(0, n, step):
        view[s: s + step] = bits[s: s + step].astype(np.uint32) << 16
        job.step(min(s + step, n), n, "converting bfloat16 to float32")
    return out


@reader("safetensors", "safetensors checkpoint + vocab file", extensions=(".safetensors",),
        sniff=_sniff_safetensors)
def read_safetensors(path, *, vocab=None, tensor=None, job=None, allow_mismatch=False, **_):
    path = Path(path)
    job = job or Job()
    tensors, _meta, data_start = read_safetensors_header(path)
    if tensor is not None:  # a mistyped name is reported before any vocab problem
        choose_tensor(path, tensors, tensor, None, None)
    words, attrs, warnings, vpath = _words_for(path, vocab, tensors)
    t = choose_tensor(path, tensors, tensor, len(words), str(vpath))
    check_matrix(path, t.shape, np.float32, f"tensor '{t.name}'")
    stored = np.dtype(ST_DTYPES[t.dtype][0])
    matrix = np.memmap(path, dtype=stored, mode="r", offset=data_start + t.start, shape=t.shape)
    if t.dtype == "BF16":
        matrix = _bf16_to_float32(matrix, job)
    src = Source(vocab_path=str(vpath), tensor=t.name)
    return attach_words(path, matrix, words, attrs, warnings, str(vpath), allow_mismatch, src,
                        job)


def write_safetensors(path, tensors: dict, metadata: dict | None = None) -> None:
    """Write numpy arrays as a safetensors file, the same bytes for the same arrays.

    Written here rather than by the safetensors package, whose writer orders the metadata
    differently on each run: an export rerun from a recipe must give identical files. Tensors
    go widest dtype first, then by name, as the package lays them out (aligned reads). A failed
    write (disk full, no permission) is an OSError, as with every other writer."""
    codes = {np.dtype(v): k for k, (v, _) in ST_DTYPES.items()
             if k not in ("BF16", "F8_E4M3", "F8_E5M2")}
    arrays = {}
    for name, value in tensors.items():
        a = np.asarray(value)
        a = np.ascontiguousarray(a.astype(a.dtype.newbyteorder("<")))
        if a.dtype not in codes:
            raise ValueError(f"safetensors has no dtype for {a.dtype} (tensor '{name}')")
        arrays[str(name)] = a
    header: dict = {}
    if metadata:
        header["__metadata__"] = {str(k): str(v) for k, v in sorted(metadata.items())}
    offset = 0
    order = sorted(arrays, key=lambda n: (-arrays[n].dtype.itemsize, n))
    for name in order:
        a = arrays[name]
        header[name] = {"dtype": codes[a.dtype], "shape": list(a.shape),
                        "data_offsets": [offset, offset + a.nbytes]}
        offset += a.nbytes
    raw = json.dumps(header, separators=(",", ":"), ensure_ascii=False).encode("utf-8")
    raw += b" " * (-len(raw) % 8)  # the data starts 8-byte aligned
    with open(path, "wb") as f:
        f.write(len(raw).to_bytes(8, "little"))
        f.write(raw)
        for name in order:
            f.write(arrays[name].tobytes())


def _read_back(folder: Path):
    from safetensors.numpy import load_file

    return None, load_file(str(folder / "embeddings.safetensors"))["weight"]


@writer("safetensors", "safetensors", files={"embeddings.safetensors": "matrix"},
        holds_spaces=True, holds_float16=True, read_back=_read_back,
        load_code=["from safetensors.numpy import load_file", "",
                   'weights = load_file("embeddings.safetensors")["weight"]'])
def write_safetensors_export(folder: Path, words, values, metadata) -> None:
    """The matrix as tensor "weight"; the metadata names the words file and the special rows."""
    write_safetensors(folder / "embeddings.safetensors", {"weight": values}, metadata)


# --- PyTorch -------------------------------------------------------------------------------

def _is_torch_zip(path: Path) -> bool:
    try:
        with zipfile.ZipFile(path) as z:
            return any(n.endswith("data.pkl") for n in z.namelist())
    except DECOMPRESS_ERRORS:
        return False


def _sniff_torch(head) -> float:
    if head.compression is not None:
        return 0.0
    if head.data.startswith(TORCH_LEGACY_MAGIC):
        return 0.95
    if head.data.startswith(ZIP_MAGIC) and _is_torch_zip(head.path):
        return 0.95
    return 0.0


# A checkpoint's dicts nest a few levels ({"model": {"state_dict": …}}); a pickle can make a
# dict hold itself, or share children level after level (2**48 paths from 2 KB).
MAX_NESTING = 100
MAX_ENTRIES = 1_000_000


def _walk(path: Path, obj, is_leaf, out: dict, unwrap=None) -> None:
    """name → leaf for every leaf in nested dicts, each dict walked once (a dict reached
    again by another path, or holding itself, adds nothing), with bounded depth and size."""
    seen: set[int] = set()
    todo = [(obj, "", 0)]
    entries = 0
    while todo:
        obj, prefix, depth = todo.pop()
        if unwrap is not None:
            obj = unwrap(obj)
        if is_leaf(obj):
            out.setdefault(prefix or "tensor", obj)
            continue
        if not isinstance(obj, dict) or id(obj) in seen:
            continue
        seen.add(id(obj))
        if depth >= MAX_NESTING:
            raise EmbeddingFormatError(path, f"'{prefix[:80]}'", f"dicts nested more than "
                                       f"{MAX_NESTING} levels deep", "a state dict of tensors")
        entries += len(obj)
        if entries > MAX_ENTRIES:
            raise EmbeddingFormatError(path, None, f"more than {MAX_ENTRIES:,} entries in its "
                                       "dicts", "a state dict of tensors")
        todo.extend((v, f"{prefix}.{k}" if prefix else str(k), depth + 1)
                    for k, v in reversed(list(obj.items())))


def _flatten(path: Path, obj, out: dict) -> None:
    """name → tensor for every tensor in nested dicts ({"state_dict": {...}}, {"model": ...})."""
    import torch

    def unwrap(o):
        if not isinstance(o, (torch.Tensor, dict)) and callable(getattr(o, "state_dict", None)):
            return o.state_dict()  # a whole nn.Module
        return o

    _walk(path, obj, lambda o: isinstance(o, torch.Tensor), out, unwrap)


def _torch_load(path: Path, trust_pickle: bool):
    try:
        import torch
    except ImportError:
        raise EmbeddingFormatError(path, None, "reading a PyTorch checkpoint needs the torch "
                                   "package, which is not installed", TORCH_INSTALL) from None
    try:
        try:
            return torch.load(path, weights_only=True, map_location="cpu", mmap=True)
        except RuntimeError as exc:
            if "mmap" not in str(exc):
                raise
            # Files from torch.save before 1.6 (or _use_new_zipfile_serialization=False)
            # cannot be memory-mapped; they are read into memory instead.
            return torch.load(path, weights_only=True, map_location="cpu")
    except pickle.UnpicklingError as exc:
        refused = _refused_global(str(exc))
        if refused is None:
            raise EmbeddingFormatError(path, None, "not a readable PyTorch checkpoint "
                                       f"({_damage(str(exc))})",
                                       "a file written by torch.save") from None
        if not trust_pickle:
            raise EmbeddingFormatError(
                path, None, f"refused: the checkpoint holds Python objects besides tensors (it "
                f"asks for {refused}), and loading them would run code stored in the file",
                "a plain state_dict of tensors; --trust-pickle loads it anyway, and is only for "
                "a file whose origin you trust") from None
        try:
            return torch.load(path, weights_only=False, map_location="cpu")
        except Exception as exc2:  # noqa: BLE001 - anything a trusted pickle may raise
            raise EmbeddingFormatError(path, None, f"not a readable PyTorch checkpoint ({exc2})",
                                       "a file written by torch.save") from None
    except Exception as exc:  # noqa: BLE001 - zip, EOF and storage errors of a damaged file
        raise EmbeddingFormatError(path, None, f"not a readable PyTorch checkpoint "
                                   f"({exc.__class__.__name__}: {str(exc).split('. ')[0][:200]})",
                                   "a file written by torch.save") from None


# --- PyTorch zip checkpoints without torch ----------------------------------------------------
# The frozen app ships without torch (1 GB), yet most `.pt`/`.bin` state dicts are a zip of a
# small pickle (the dict and how to rebuild each tensor) plus one raw little-endian file per
# storage. This reader allows exactly the few names a state dict's pickle uses — the same
# idea as torch's own weights_only unpickler — and memory-maps the chosen tensor's storage.

TORCH_STORAGES = {
    "FloatStorage": ("<f4", "float32"), "HalfStorage": ("<f2", "float16"),
    "DoubleStorage": ("<f8", "float64"), "BFloat16Storage": ("<u2", "bfloat16"),
    "LongStorage": ("<i8", "int64"), "IntStorage": ("<i4", "int32"),
    "ShortStorage": ("<i2", "int16"), "CharStorage": ("i1", "int8"),
    "ByteStorage": ("u1", "uint8"), "BoolStorage": ("?", "bool"),
}


@dataclass
class _StorageRef:
    kind: str   # "FloatStorage"…
    key: str    # the member data/<key> holding its bytes
    numel: int


@dataclass
class _TensorRef:
    storage: _StorageRef
    offset: int
    shape: tuple
    stride: tuple


class _StorageType:
    def __init__(self, name):
        self.name = name


def _rebuild_tensor(storage, storage_offset, size, stride, *_ignored):
    return _TensorRef(storage, int(storage_offset), tuple(size), tuple(stride))


def _rebuild_parameter(data, *_ignored):
    return data


class _StateDictUnpickler(pickle.Unpickler):
    """Unpickles a state dict's data.pkl and nothing else: any other name is refused before
    it could be called."""

    def find_class(self, module, name):
        import collections

        allowed = {
            ("collections", "OrderedDict"): collections.OrderedDict,
            ("torch._utils", "_rebuild_tensor_v2"): _rebuild_tensor,
            ("torch._utils", "_rebuild_parameter"): _rebuild_parameter,
            ("torch._utils", "_rebuild_parameter_with_state"): _rebuild_parameter,
        }
        if (module, name) in allowed:
            return allowed[(module, name)]
        if module == "torch" and name in TORCH_STORAGES:
            return _StorageType(name)
        raise pickle.UnpicklingError(f"Unsupported global: GLOBAL {module}.{name}")

    def persistent_load(self, pid):
        if not (isinstance(pid, tuple) and len(pid) == 5 and pid[0] == "storage"
                and isinstance(pid[1], _StorageType)):
            raise pickle.UnpicklingError(f"unexpected storage reference {pid!r:.80}")
        return _StorageRef(pid[1].name, str(pid[2]), int(pid[4]))


def _flatten_refs(path: Path, obj, out: dict) -> None:
    _walk(path, obj, lambda o: isinstance(o, _TensorRef), out)


def _member_bytes(path: Path, z: zipfile.ZipFile, name: str) -> bytes:
    """A small member's content; sizes the zip directory cannot honestly claim (more than the
    file holds, or more than deflate can expand, ~1032 times) are refused before reading."""
    info = z.getinfo(name)
    size = path.stat().st_size
    if info.compress_size > size or info.file_size > 1100 * info.compress_size + 1024:
        raise EmbeddingFormatError(path, name, f"the zip entry claims {info.file_size:,} bytes "
                                   f"from {info.compress_size:,} (the file has {size:,})",
                                   "an intact checkpoint")
    try:
        return z.read(name)
    except DECOMPRESS_ERRORS as exc:
        raise EmbeddingFormatError(path, name, f"damaged zip entry ({exc})",
                                   "an intact checkpoint") from None


def _torch_zip_without_torch(path: Path, z: zipfile.ZipFile):
    """(prefix, name → _TensorRef, big_endian) of a torch zip checkpoint, read with no torch."""
    pkl = next((n for n in z.namelist() if n.endswith("/data.pkl") or n == "data.pkl"), None)
    if pkl is None:
        raise EmbeddingFormatError(path, None, "a zip without data.pkl",
                                   "a PyTorch checkpoint written by torch.save")
    prefix = pkl[: -len("data.pkl")]
    big = False
    import io

    if f"{prefix}byteorder" in z.namelist():
        big = _member_bytes(path, z, f"{prefix}byteorder").strip() == b"big"
    data = _member_bytes(path, z, pkl)
    try:
        obj = _StateDictUnpickler(io.BytesIO(data)).load()
    except pickle.UnpicklingError as exc:
        raise EmbeddingFormatError(
            path, None, "the checkpoint holds more than a state dict of tensors, and the torch "
            f"package that could read it is not installed ({str(exc)[:160]})", TORCH_INSTALL
        ) from None
    except Exception as exc:  # noqa: BLE001 - truncated or damaged pickle
        raise EmbeddingFormatError(path, prefix + "data.pkl", f"unreadable ({exc})",
                                   "a file written by torch.save") from None
    refs: dict = {}
    _flatten_refs(path, obj, refs)
    return prefix, refs, big


def _map_torch_tensor(path: Path, z: zipfile.ZipFile, prefix: str, ref: _TensorRef,
                      name: str, big: bool) -> np.ndarray:
    """A tensor's values memory-mapped from its storage member (stored uncompressed)."""
    from .numpy_files import _data_offset

    code, _ = TORCH_STORAGES[ref.storage.kind]
    dtype = np.dtype(code).newbyteorder(">") if big and code[0] == "<" else np.dtype(code)
    member = f"{prefix}data/{ref.storage.key}"
    try:
        info = z.getinfo(member)
    except KeyError:
        raise EmbeddingFormatError(path, f"tensor '{name}'", f"its storage {member} is missing",
                                   "a complete checkpoint") from None
    need = ref.storage.numel * dtype.itemsize
    if info.compress_type != zipfile.ZIP_STORED or info.file_size < need:
        raise EmbeddingFormatError(path, f"tensor '{name}'",
                                   f"its storage {member} holds {info.file_size:,} bytes "
                                   f"({'compressed' if info.compress_type else 'stored'})",
                                   f"{need:,} stored bytes")
    last = ref.offset + sum((n - 1) * st for n, st in zip(ref.shape, ref.stride) if n)
    if any(st < 0 for st in ref.stride) or (math.prod(ref.shape) and last >= ref.storage.numel):
        raise EmbeddingFormatError(path, f"tensor '{name}'", "its shape and strides reach past "
                                   "its storage", f"at most {ref.storage.numel:,} values")
    start = _data_offset(path, info)
    if start + need > path.stat().st_size:
        raise EmbeddingFormatError(path, f"tensor '{name}'", "its storage is cut short "
                                   "(truncated file?)", f"{need:,} bytes")
    base = np.memmap(path, dtype=dtype, mode="r", offset=start, shape=(ref.storage.numel,))
    return np.lib.stride_tricks.as_strided(
        base[ref.offset:], shape=ref.shape,
        strides=tuple(st * dtype.itemsize for st in ref.stride), writeable=False)


def _read_torch_without_torch(path: Path, vocab, tensor, allow_mismatch, job) -> Embedding:
    try:
        z = zipfile.ZipFile(path)
    except DECOMPRESS_ERRORS:
        raise EmbeddingFormatError(path, None, "reading this PyTorch checkpoint (the pre-1.6 "
                                   "format) needs the torch package, which is not installed",
                                   TORCH_INSTALL) from None
    with z:
        prefix, refs, big = _torch_zip_without_torch(path, z)
        infos = [TensorInfo(n, TORCH_STORAGES[r.storage.kind][1], r.shape) for n, r in refs.items()]
        for info, r in zip(infos, refs.values()):
            if r.shape and math.prod(r.shape):  # shared storage: tied weights are one candidate
                info.start = hash((r.storage.key, r.offset, r.stride, r.shape)) & ((1 << 62) - 1)
                info.end = info.start + 1
        if tensor is not None:
            choose_tensor(path, infos, tensor, None, None)
        words, attrs, warnings, vpath = _words_for(path, vocab, infos)
        info = choose_tensor(path, infos, tensor, len(words), str(vpath))
        check_matrix(path, info.shape, np.float32, f"tensor '{info.name}'")
        matrix = _map_torch_tensor(path, z, prefix, refs[info.name], info.name, big)
    if info.dtype == "bfloat16":
        matrix = _bf16_to_float32(matrix, job)
    src = Source(vocab_path=str(vpath), tensor=info.name)
    return attach_words(path, matrix, words, attrs, warnings, str(vpath), allow_mismatch, src,
                        job)


def _refused_global(message: str) -> str | None:
    """The Python name a weights_only load refused ("posix.system"), or None when torch's
    error is about something else (a damaged pickle)."""
    m = re.search(r"GLOBAL ([\w.]+)", message)
    return m.group(1) if m else None


def _damage(message: str) -> str:
    """What is wrong with a pickle, from torch's weights_only error without its advice (which
    suggests loading with weights_only=False — the dangerous thing — and a documentation link)."""
    for part in message.replace("WeightsUnpickler error:", "\n\n").split("\n\n"):
        part = part.strip()
        if part and not re.search(r"weights_only|Weights only|torch\.load|documentation|https?:",
                                  part):
            return part[:160]
    return "unreadable pickle"


@reader("torch", "PyTorch checkpoint (.pt/.bin state dict) + vocab file",
        extensions=(".pt", ".pth", ".bin", ".ckpt"), sniff=_sniff_torch)
def read_torch(path, *, vocab=None, tensor=None, trust_pickle=False, job=None,
               allow_mismatch=False, **_):
    path = Path(path)
    job = job or Job()
    try:
        import torch  # noqa: F401
    except ImportError:
        return _read_torch_without_torch(path, vocab, tensor, allow_mismatch, job)
    obj = _torch_load(path, trust_pickle)
    found: dict = {}
    _flatten(path, obj, found)
    import torch

    infos = []
    for name, t in found.items():
        info = TensorInfo(name, str(t.dtype).replace("torch.", ""), tuple(t.shape))
        if t.layout == torch.strided and t.numel():
            # Shared storage (tied weights saved once) counts as one candidate.
            info.start = t.data_ptr()
            info.end = t.data_ptr() + t.numel() * t.element_size()
        infos.append(info)
    if tensor is not None:
        choose_tensor(path, infos, tensor, None, None)
    words, attrs, warnings, vpath = _words_for(path, vocab, infos)
    info = choose_tensor(path, infos, tensor, len(words), str(vpath))
    check_matrix(path, info.shape, np.float32, f"tensor '{info.name}'")
    t = found[info.name].detach()
    if t.dtype == torch.float32:
        matrix = t.numpy()  # shares the checkpoint's memory map when torch could map it
    else:
        matrix = t.to(torch.float32).numpy()
    src = Source(vocab_path=str(vpath), tensor=info.name)
    return attach_words(path, as_float32(path, matrix, job), words, attrs, warnings, str(vpath),
                        allow_mismatch, src, job)
