"""`.npy` / `.npz` matrices with a separate words file (or, for `.npz`, a words array inside).

The pairing of matrix and words is explicit (`vocab=`) or found beside the matrix by name
(see `vocab_beside`). `.npy` files and uncompressed `.npz` members open memory-mapped; nothing
is ever unpickled (`allow_pickle=False` throughout, object arrays are refused).
"""
from __future__ import annotations

import tokenize
import zipfile
from pathlib import Path

import numpy as np

from ..core.embedding import Embedding, Source
from ..core.errors import EmbeddingFormatError
from ..core.jobs import Job
from .compressed import DECOMPRESS_ERRORS
from .formats import reader, writer
from .parsing import decode_tokens, refuse_unless_fits
from .words_file import read_words_file

NPY_MAGIC = b"\x93NUMPY"
ZIP_MAGIC = b"PK\x03\x04"
# Names an .npz's matrix and words arrays usually go by, best first.
MATRIX_NAMES = ("vectors", "embeddings", "embedding", "weights", "weight", "emb", "matrix",
                "syn0", "W", "E", "arr_0")
WORDS_NAMES = ("words", "vocab", "tokens", "vocabulary", "index_to_key", "labels", "keys")
CHUNK_ROWS = 1 << 16
HEADER_WORDS = ("word", "words", "token", "tokens", "label", "vocab", "term")


# --- finding and attaching the words -------------------------------------------------------

def vocab_beside(path: Path) -> Path | None:
    """The words file that goes with a matrix, found by name in the same folder.

    `X.npy` pairs with `X.vocab.txt`, `X.words.txt`, `X.vocab`, `X.txt`, `X.tsv`, `X.json`,
    `X.vocab.json`, then the folder's `vocab.txt`, `words.txt`, `vocab.json`, `word_index.json`,
    `tokenizer.json` (the last three as Hugging Face and Keras save them).
    """
    found = vocab_candidates(path)
    return found[0] if found else None


def vocab_candidates(path: Path) -> list[Path]:
    """Every words file beside a matrix that `vocab_beside` could pair it with, in its order of
    preference: when there are several, the window asks which one is meant."""
    path = Path(path)
    stems = [path.name[: -len(path.suffix)] if path.suffix else path.name]
    if path.suffix.lower() in (".gz", ".bz2", ".xz", ".zip") and Path(stems[0]).suffix:
        stems.append(Path(stems[0]).stem)  # emb.npy.gz pairs with emb.vocab.txt too
    names = [f"{stem}{tail}" for stem in stems
             for tail in (".vocab.txt", ".words.txt", ".vocab", ".words", ".txt", ".tsv", ".json",
                          ".vocab.json", "_vocab.txt")]
    names += ["vocab.txt", "words.txt", "vocab.json", "word_index.json", "tokenizer.json"]
    found = []
    for n in dict.fromkeys(names):
        cand = path.with_name(n)
        if cand.is_file() and cand != path and not _holds_vectors(cand):
            found.append(cand)
    return found


def _holds_vectors(path: Path) -> bool:
    """True when a would-be words file is itself an embedding text (`glove.txt` beside the
    `glove.npy` made from it): its lines end in several numbers, not in at most a count."""
    try:
        with open(path, "rb") as f:
            lines = f.read(1 << 14).split(b"\n")[:3]
    except OSError:
        return True
    for line in lines[:2]:
        parts = line.split()
        if len(parts) >= 4:
            try:
                [float(x) for x in parts[-3:]]
                return True
            except ValueError:
                pass
    return False


def find_vocab(path: Path, vocab, what: str = "a bare matrix") -> Path:
    """The words file: `vocab` when given, else the one beside `path`, else a clear error."""
    if vocab is not None:
        vocab = Path(vocab)
        if not vocab.is_file():
            raise EmbeddingFormatError(vocab, None, "words file not found")
        return vocab
    found = vocab_beside(path)
    if found is not None:
        return found
    hint = ""
    gensim = _gensim_parent(path)
    if gensim is not None:
        hint = (f"; this looks like the matrix part of gensim's {gensim.name}, which holds the "
                f"words: open that file with --trust-pickle instead")
    stem = path.name[: -len(path.suffix)] if path.suffix else path.name
    raise EmbeddingFormatError(
        path, None, f"{what} has no words, and no words file was found beside it{hint}",
        f"--vocab FILE, or a file named {stem}.vocab.txt or vocab.txt next to it")


def _gensim_parent(path: Path) -> Path | None:
    """`model.kv` for gensim's sidecar `model.kv.vectors.npy` (and `.wv.vectors`, `.syn1neg`...)."""
    name = path.name
    for tail in (".wv.vectors.npy", ".vectors.npy", ".vectors_vocab.npy", ".vectors_ngrams.npy",
                 ".wv.syn0.npy", ".syn0.npy", ".syn1neg.npy", ".syn0_lockf.npy",
                 ".vectors_lockf.npy"):
        if name.endswith(tail):
            parent = path.with_name(name[: -len(tail)])
            if parent.is_file():
                return parent
    return None


def attach_words(matrix_path: Path, matrix: np.ndarray, words: list[str], attrs: dict,
                 warnings: list[str], words_label: str, allow_mismatch: bool = False,
                 source: Source | None = None, job: Job | None = None) -> Embedding:
    """Pair a checked 2-D float matrix with its words, or say clearly why they do not pair.

    With `allow_mismatch`, differing counts pair up to the shorter and keep the whole words
    list in `source.words_in_file`, so `embedscope check` can tell which end is off.
    """
    src = source or Source()
    src.warnings.extend(warnings)
    rows = matrix.shape[0]
    if len(words) == rows + 1 and words and words[0].strip().lower() in HEADER_WORDS:
        # A one-column list with a title line ("word"), as spreadsheets write them.
        src.warnings.append(f"{Path(words_label).name}: took the first line '{words[0]}' for a "
                            "header, not a word (the rest matched the rows one to one)")
        words = words[1:]
        attrs = {k: v[1:] for k, v in attrs.items()}
    if len(words) != rows:
        if not allow_mismatch:
            raise EmbeddingFormatError(
                words_label, None,
                f"the words file has {len(words):,} words but {Path(matrix_path).name} has "
                f"{rows:,} rows", "one word per row of the matrix")
        n = min(len(words), rows)
        src.words_in_file = list(words)
        src.warnings.append(
            f"{Path(words_label).name} has {len(words):,} words but {Path(matrix_path).name} has "
            f"{rows:,} rows: paired the first {n:,} "
            "(run `embedscope check` to see which end is off)")
        words = words[:n]
        attrs = {k: v[:n] for k, v in attrs.items()}
        matrix = matrix[:n]
    matrix = as_float32(matrix_path, matrix, job or Job())
    return Embedding(words, matrix, attrs, src)


def check_matrix(path, shape, dtype, where: str | None = None) -> None:
    """A matrix Embedscope can use: 2-D, non-empty, floating point (checked before reading)."""
    dtype = np.dtype(dtype)
    if dtype.hasobject:
        raise EmbeddingFormatError(path, where, "the array holds pickled Python objects, which "
                                   "Embedscope never unpickles", "an array of float numbers")
    if len(shape) != 2:
        raise EmbeddingFormatError(path, where, f"the array has shape {tuple(shape)} "
                                   f"({len(shape)}-D)", "a 2-D matrix (rows × dimensions)")
    if not np.issubdtype(dtype, np.floating):
        raise EmbeddingFormatError(path, where, f"the array holds {dtype} values",
                                   "floating-point values (float16, float32 or float64)")
    if shape[0] == 0 or shape[1] == 0:
        raise EmbeddingFormatError(path, where, f"the matrix is empty ({shape[0]} × {shape[1]})",
                                   "at least one row and one dimension")


def as_float32(path, matrix: np.ndarray, job: Job) -> np.ndarray:
    """The matrix as native float32: float32 memory-maps pass through untouched; float16,
    float64 or big-endian sources become one float32 copy, built in chunks so the load can
    report progress and be cancelled."""
    if matrix.dtype == np.float32 and matrix.dtype.isnative:
        return matrix
    out = np.empty(matrix.shape, dtype=np.float32)
    n = matrix.shape[0]
    for s in range(0, n, CHUNK_ROWS):
        out[s: s + CHUNK_ROWS] = matrix[s: s + CHUNK_ROWS]
        job.step(min(s + CHUNK_ROWS, n), n, "converting to float32")
    return out


def nonfinite_warning(matrix: np.ndarray, words: list[str], name: str) -> str | None:
    """A warning naming rows with NaN or infinite values (None when all are finite).

    Used on matrices already in memory; memory-mapped ones are not scanned at load (that
    would read gigabytes before the window shows) — `embedscope check` reports them."""
    bad = np.flatnonzero(~np.isfinite(matrix).all(axis=1))
    if not len(bad):
        return None
    shown = ", ".join(f"{i} ('{words[i]}')" if i < len(words) else str(i) for i in bad[:5])
    more = f" and {len(bad) - 5:,} more" if len(bad) > 5 else ""
    return f"{name}: {len(bad):,} row{'s' if len(bad) > 1 else ''} with NaN or infinite " \
           f"values: {shown}{more}"


def pair(path: Path, matrix: np.ndarray, vocab, job=None, allow_mismatch: bool = False,
         source: Source | None = None) -> Embedding:
    """Attach the words file (explicit or found beside `path`) to a 2-D matrix."""
    check_matrix(path, matrix.shape, matrix.dtype)
    vpath = find_vocab(path, vocab)
    words, attrs, warnings = read_words_file(vpath, expected_rows=matrix.shape[0])
    src = source or Source()
    src.vocab_path = str(vpath)
    return attach_words(path, matrix, words, attrs, warnings, str(vpath), allow_mismatch, src,
                        job)


# --- .npy ----------------------------------------------------------------------------------

def read_npy_header(fp, path, where: str | None = None):
    """(shape, fortran_order, dtype, header_end) of the .npy stream `fp` starting at its
    current position, with errors that say what is wrong with the header."""
    start = fp.tell() if hasattr(fp, "tell") else 0
    outer, fp = fp, _HeaderReads(fp)
    try:
        version = np.lib.format.read_magic(fp)
    except ValueError:
        raise EmbeddingFormatError(path, where or "byte 0", "not a .npy file (bad magic bytes)",
                                   "the .npy magic string \\x93NUMPY") from None
    except DECOMPRESS_ERRORS as exc:
        raise EmbeddingFormatError(path, where or "byte 0", f"the data is damaged ({exc})",
                                   "an intact file") from None
    expected = "a header like {'descr': '<f4', 'fortran_order': False, 'shape': (rows, dim)}"
    try:
        if version == (1, 0):
            shape, fortran, dtype = np.lib.format.read_array_header_1_0(fp)
        else:  # 2.0 and 3.0 share the layout; 3.0 only allows UTF-8 in field names
            shape, fortran, dtype = np.lib.format.read_array_header_2_0(fp)
    # numpy reads the header with Python's tokenizer and literal_eval: a damaged one raises
    # whatever those raise (a deep nesting: RecursionError; a huge number: OverflowError).
    except (SyntaxError, TypeError, EOFError, tokenize.TokenError, RecursionError,
            OverflowError, *DECOMPRESS_ERRORS) as exc:
        raise EmbeddingFormatError(path, where or "header", f"corrupt .npy header "
                                   f"({str(exc)[:200]})", expected) from None
    if any(isinstance(n, bool) or n < 0 for n in shape):
        raise EmbeddingFormatError(path, where or "header", f"the header gives shape {shape}",
                                   "a shape of whole numbers, 0 or more")
    end = outer.tell() if hasattr(outer, "tell") else None
    return tuple(shape), bool(fortran), np.dtype(dtype), (end - start if end is not None else None)


MAX_NPY_HEADER = 1 << 20   # numpy itself refuses headers over 10,000 bytes, after reading them


class _HeaderReads:
    """The stream numpy reads a header from, refusing reads a header never needs: numpy
    reads the length a damaged header claims (up to 4 GB) before checking it."""

    def __init__(self, fp):
        self._fp = fp

    def read(self, n):
        if n > MAX_NPY_HEADER:
            raise ValueError(f"the header claims {n:,} bytes")
        return self._fp.read(n)


def _sniff_npy(head) -> float:
    return 1.0 if head.data.startswith(NPY_MAGIC) else 0.0


@reader("npy", ".npy matrix + words file", extensions=(".npy",), sniff=_sniff_npy)
def read_npy(path, *, vocab=None, job=None, allow_mismatch=False, **_):
    path = Path(path)
    job = job or Job()
    from .compressed import compression_of, open_binary

    if compression_of(path) is not None:
        # vectors.npy.gz: no memory map possible, read the decompressed stream once.
        # The data is read as it comes, never allocated from the header's claim alone.
        need = 0
        data = bytearray()
        try:
            with open_binary(path) as f:
                shape, fortran, dtype, _ = read_npy_header(f, path)
                check_matrix(path, shape, dtype, "header")
                need = shape[0] * shape[1] * dtype.itemsize
                refuse_unless_fits(path, "header", need, f"read its {shape[0]:,} × "
                                   f"{shape[1]:,} {dtype} values")
                while len(data) < need:
                    chunk = f.read(min(16 << 20, need - len(data)))
                    if not chunk:
                        break
                    data += chunk
                    job.step(len(data), need, "decompressing")
        except DECOMPRESS_ERRORS as exc:
            raise EmbeddingFormatError(path, f"byte {len(data):,} of the data",
                                       f"damaged compressed file ({exc})",
                                       "an intact file") from None
        if len(data) < need:
            raise EmbeddingFormatError(
                path, f"byte {len(data):,} of the data", "the data ends early (truncated?)",
                f"{need:,} bytes for {shape[0]:,} × {shape[1]:,} {dtype} values")
        matrix = np.frombuffer(data, dtype=dtype).reshape(shape, order="F" if fortran else "C")
        emb = pair(path, matrix, vocab, job, allow_mismatch)
        _warn_nonfinite(emb, path)
        return emb
    with open(path, "rb") as f:
        shape, fortran, dtype, offset = read_npy_header(f, path)
    check_matrix(path, shape, dtype, "header")
    need = offset + shape[0] * shape[1] * dtype.itemsize
    size = path.stat().st_size
    if size < need:
        raise EmbeddingFormatError(
            path, f"byte {size:,}", "the file ends before its data does (truncated?)",
            f"{need:,} bytes for {shape[0]:,} × {shape[1]:,} {dtype} values after the header")
    matrix = np.memmap(path, dtype=dtype, mode="r", offset=offset, shape=shape,
                       order="F" if fortran else "C")
    emb = pair(path, matrix, vocab, job, allow_mismatch)
    if matrix.dtype != np.float32 or not matrix.dtype.isnative:
        _warn_nonfinite(emb, path)  # converted, so it is in memory and cheap to scan
    return emb


def _warn_nonfinite(emb: Embedding, path: Path) -> None:
    w = nonfinite_warning(emb.vectors, emb.words, path.name)
    if w:
        emb.source.warnings.append(w)


# --- .npz ----------------------------------------------------------------------------------

def _zip_names(path) -> list[str] | None:
    try:
        with zipfile.ZipFile(path) as z:
            return z.namelist()
    except DECOMPRESS_ERRORS:
        return None


def _sniff_npz(head) -> float:
    if not head.data.startswith(ZIP_MAGIC) or head.compression is not None:
        return 0.0
    names = _zip_names(head.path)
    return 1.0 if names and all(n.endswith(".npy") for n in names) else 0.0


class _Member:
    """One array inside an .npz, described from its header without reading its data."""

    def __init__(self, z: zipfile.ZipFile, info: zipfile.ZipInfo, path: Path):
        self.info = info
        self.name = info.filename[:-4] if info.filename.endswith(".npy") else info.filename
        try:
            with z.open(info) as f:
                self.shape, self.fortran, self.dtype, self.header_len = read_npy_header(
                    f, path, f"array '{self.name}'")
        except DECOMPRESS_ERRORS as exc:   # the member's zip entry itself is damaged
            raise EmbeddingFormatError(path, f"array '{self.name}'", f"damaged zip entry ({exc})",
                                       "an intact .npz") from None

    def describe(self) -> str:
        return f"{self.name} {' × '.join(str(s) for s in self.shape) or 'scalar'} {self.dtype}"

    @property
    def is_matrix(self) -> bool:
        return (len(self.shape) == 2 and np.issubdtype(self.dtype, np.floating)
                and not self.dtype.hasobject)

    @property
    def is_words(self) -> bool:
        return len(self.shape) == 1 and self.dtype.kind in "US"


def _data_offset(path: Path, info: zipfile.ZipInfo) -> int:
    """Byte offset of a stored member's content: after its local header, whose name and extra
    fields may differ in length from the central directory's copy."""
    with open(path, "rb") as f:
        try:
            f.seek(info.header_offset)
            local = f.read(30)
        except (OSError, ValueError, OverflowError):   # an offset no file has
            local = b""
    if len(local) < 30 or not local.startswith(ZIP_MAGIC):
        raise EmbeddingFormatError(path, f"byte {info.header_offset:,}",
                                   f"damaged zip entry for '{info.filename}'", "a zip local header")
    name_len = int.from_bytes(local[26:28], "little")
    extra_len = int.from_bytes(local[28:30], "little")
    return info.header_offset + 30 + name_len + extra_len


def _read_member(path: Path, z: zipfile.ZipFile, m: _Member, job: Job) -> np.ndarray:
    """A member's array: memory-mapped when stored uncompressed (np.savez), else read in
    chunks (np.savez_compressed) so the load shows progress and can be cancelled."""
    order = "F" if m.fortran else "C"
    nbytes = int(np.prod(m.shape)) * m.dtype.itemsize
    if m.info.compress_type == zipfile.ZIP_STORED:
        offset = _data_offset(path, m.info) + m.header_len
        if offset + nbytes > path.stat().st_size or m.info.file_size < m.header_len + nbytes:
            raise EmbeddingFormatError(path, f"array '{m.name}'", "its data is cut short",
                                       f"{nbytes:,} bytes of {m.dtype} values")
        if nbytes == 0:
            return np.empty(m.shape, m.dtype)
        return np.memmap(path, dtype=m.dtype, mode="r", offset=offset, shape=m.shape, order=order)
    # The zip's own sizes bound what the header may claim, so a lying header never makes us
    # allocate: deflate cannot expand data more than ~1032 times.
    if m.info.file_size < m.header_len + nbytes or nbytes > 1100 * max(m.info.compress_size, 1):
        raise EmbeddingFormatError(path, f"array '{m.name}'",
                                   f"its header claims {nbytes:,} bytes of data but the zip entry "
                                   f"holds {max(m.info.file_size - m.header_len, 0):,}",
                                   "an intact .npz")
    refuse_unless_fits(path, f"array '{m.name}'", nbytes, f"read array '{m.name}'")
    out = np.empty(m.shape, dtype=m.dtype, order=order)
    flat = out.reshape(-1, order="A").view(np.uint8)
    done = 0
    try:
        with z.open(m.info) as f:
            f.read(m.header_len)
            step = 16 << 20
            while done < nbytes:
                got = f.readinto(memoryview(flat)[done: done + step])
                if not got:
                    break
                done += got
                job.step(done, nbytes, f"reading {m.name}")
    except DECOMPRESS_ERRORS as exc:
        raise EmbeddingFormatError(path, f"array '{m.name}'", f"damaged compressed data ({exc})",
                                   "an intact .npz") from None
    if done < nbytes:
        raise EmbeddingFormatError(path, f"array '{m.name}', byte {done:,}",
                                   "its data is cut short", f"{nbytes:,} bytes")
    return out


def _pick_matrix(path: Path, members: list[_Member], tensor, words_len) -> _Member:
    by_name = {m.name: m for m in members}
    if tensor is not None:
        name = tensor[:-4] if tensor.endswith(".npy") else tensor
        if name not in by_name:
            raise EmbeddingFormatError(path, None, f"no array named '{tensor}'",
                                       "one of: " + "; ".join(m.describe() for m in members))
        m = by_name[name]
        check_matrix(path, m.shape, m.dtype, f"array '{m.name}'")
        return m
    cands = [m for m in members if m.is_matrix]
    if len(cands) == 1:
        return cands[0]
    if not cands:
        if len(members) == 1:
            m = members[0]
            check_matrix(path, m.shape, m.dtype, f"array '{m.name}'")
        raise EmbeddingFormatError(path, None, "no 2-D float array inside",
                                   "a matrix of rows × dimensions; found: "
                                   + "; ".join(m.describe() for m in members))
    if words_len is not None:
        fit = [m for m in cands if m.shape[0] == words_len]
        if len(fit) == 1:
            return fit[0]
        cands = fit or cands
    named = [m for n in MATRIX_NAMES for m in cands if m.name == n]
    if named:
        return named[0]
    raise EmbeddingFormatError(path, None, "several 2-D arrays could be the embedding: "
                               + "; ".join(m.describe() for m in cands),
                               "--tensor NAME to choose one")


def _decode_bytes_words(items: list[bytes], path: Path, name: str):
    """Words from a bytes array; invalid UTF-8 becomes U+FFFD with a warning naming the rows."""
    words, bad = decode_tokens(items)
    warnings = []
    if bad:
        shown = ", ".join(str(i) for i in bad[:10]) + (f" and {len(bad) - 10:,} more"
                                                        if len(bad) > 10 else "")
        warnings.append(f"{path.name} array '{name}': bytes that are not valid UTF-8 in "
                        f"row{'s' if len(bad) > 1 else ''} {shown} were replaced by \ufffd")
    return words, warnings


def _sniff_words_member(members: list[_Member]) -> _Member | None:
    words = [m for m in members if m.is_words]
    for n in WORDS_NAMES:
        for m in words:
            if m.name == n:
                return m
    return words[0] if len(words) == 1 else None


@reader("npz", ".npz arrays (matrix + words array or words file)", extensions=(".npz",),
        sniff=_sniff_npz)
def read_npz(path, *, vocab=None, tensor=None, job=None, allow_mismatch=False, **_):
    path = Path(path)
    job = job or Job()
    try:
        z = zipfile.ZipFile(path)
    except DECOMPRESS_ERRORS as exc:
        raise EmbeddingFormatError(path, None, f"not a readable .npz ({exc})",
                                   "a zip of .npy arrays as numpy.savez writes") from None
    with z:
        members = []
        for info in z.infolist():
            if info.filename.endswith("/"):   # (is_dir fails on a damaged empty name)
                continue
            if not info.filename.endswith(".npy"):
                raise EmbeddingFormatError(path, f"member '{info.filename}'", "not a .npy array",
                                           "only .npy arrays inside an .npz")
            members.append(_Member(z, info, path))
        if not members:
            raise EmbeddingFormatError(path, None, "the .npz holds no arrays",
                                       "a matrix array, and optionally a words array")
        words_member = None if vocab is not None else _sniff_words_member(members)
        objects = [m for m in members if m.name in WORDS_NAMES and m.dtype.hasobject]
        matrix_m = _pick_matrix(path, members, tensor,
                                words_member.shape[0] if words_member else None)
        matrix = _read_member(path, z, matrix_m, job)
        src = Source(tensor=matrix_m.name)
        if words_member is not None:
            raw = _read_member(path, z, words_member, job)
            warnings = []
            if raw.dtype.kind == "S":
                words, warnings = _decode_bytes_words(raw.tolist(), path, words_member.name)
            else:
                words = raw.tolist()
            emb = attach_words(path, matrix, words, {}, warnings, f"{path.name} array "
                               f"'{words_member.name}'", allow_mismatch, src, job)
        else:
            if vocab is None and objects and vocab_beside(path) is None:
                raise EmbeddingFormatError(
                    path, f"array '{objects[0].name}'",
                    "the words were saved as Python objects (a pickle), which Embedscope never "
                    "unpickles", "words saved as text: np.savez(..., words=np.array(words, "
                    "dtype=str)), or a words file given with --vocab")
            vpath = find_vocab(path, vocab, "the .npz")
            words, attrs, warnings = read_words_file(vpath, expected_rows=matrix.shape[0])
            src.vocab_path = str(vpath)
            emb = attach_words(path, matrix, words, attrs, warnings, str(vpath), allow_mismatch,
                               src, job)
    if not isinstance(matrix, np.memmap):
        _warn_nonfinite(emb, path)
    return emb


def write_npz(path, vectors, words) -> None:
    """An uncompressed .npz with arrays "vectors" (float32) and "words" (a unicode array, so
    it loads with allow_pickle=False); uncompressed so readers can memory-map the matrix."""
    vectors = np.ascontiguousarray(vectors, dtype=np.float32)
    words_arr = np.array(list(words), dtype=str)
    if words_arr.shape != (vectors.shape[0],):
        raise ValueError(f"{len(words_arr)} words for {vectors.shape[0]} rows")
    # np.savez appends ".npz" to names without it; an open file keeps the exact path.
    with open(path, "wb") as f:
        np.savez(f, vectors=vectors, words=words_arr)


def _read_back_npy(folder: Path):
    return None, np.load(folder / "embeddings.npy", allow_pickle=False)


@writer("npy", "NumPy .npy", files={"embeddings.npy": "matrix"}, holds_spaces=True,
        holds_float16=True, read_back=_read_back_npy,
        load_code=["import numpy as np", "", 'weights = np.load("embeddings.npy")'])
def write_npy_export(folder: Path, words, values, metadata) -> None:
    np.save(folder / "embeddings.npy", values, allow_pickle=False)


def _read_back_npz(folder: Path):
    with np.load(folder / "embeddings.npz", allow_pickle=False) as z:
        return [str(w) for w in z["words"].tolist()], z["vectors"]


@writer("npz", "NumPy .npz", files={"embeddings.npz": "matrix"}, holds_spaces=True,
        holds_float16=False, read_back=_read_back_npz,
        load_code=["import numpy as np", "", 'weights = np.load("embeddings.npz")["vectors"]'])
def write_npz_export(folder: Path, words, values, metadata) -> None:
    write_npz(folder / "embeddings.npz", values, words)
