"""TensorFlow Embedding Projector files: `vectors.tsv` (tab-separated numbers, no words) with
`metadata.tsv` (one column of words without a header, or several columns with a header row).

Numbers are parsed by numpy's C reader (`loadtxt`) in 16 MB blocks (never a Python loop over
floats), as float64 then rounded to float32 — what the Projector itself does with `parseFloat`
into a Float32Array.
"""
from __future__ import annotations

import io
import re
from pathlib import Path

import numpy as np

from ..core.embedding import Source
from ..core.errors import EmbeddingFormatError
from ..core.jobs import Job
from .formats import reader, writer
from .numpy_files import attach_words, nonfinite_warning
from .words_file import read_words_file

BLOCK = 16 << 20
MAX_LINE = 64 << 20   # a longer "line" is not a row of numbers (a binary file, or damage)
# Unambiguous (`\d+(\.\d*)?`, not `\d+\.?\d*`): a long run of digits that fails to match must not
# be split every possible way (quadratic: 16 KB of digits took seconds).
_NUMBER = re.compile(rb"\s*[-+]?(\d+(\.\d*)?([eE][-+]?\d+)?|\.\d+([eE][-+]?\d+)?|nan|NaN|inf|"
                     rb"Infinity|-?Infinity)\s*\Z")


# --- finding the metadata ------------------------------------------------------------------

def metadata_beside(path: Path) -> Path | None:
    """`X_metadata.tsv`, `X.metadata.tsv`, then `Y_metadata.tsv` / `Ymetadata.tsv` for a file
    named `Y_vectors.tsv` / `Yvectors.tsv`, then the folder's `metadata.tsv`."""
    path = Path(path)
    stem = path.name[: -len(path.suffix)] if path.suffix else path.name
    names = [f"{stem}_metadata.tsv", f"{stem}.metadata.tsv", f"{stem}-metadata.tsv"]
    for tail in ("vectors", "vecs", "tensors", "embeddings"):
        if stem.lower().endswith(tail) and len(stem) > len(tail):
            names.append(stem[: -len(tail)] + "metadata.tsv")
    names.append("metadata.tsv")
    for n in names:
        cand = path.with_name(n)
        if cand.is_file() and cand != path:
            return cand
    return None


# --- sniffing ------------------------------------------------------------------------------

def _looks_numeric_row(line: bytes) -> int:
    """Number of fields when `line` is only tab-separated numbers (at least 2), else 0."""
    fields = line.rstrip(b"\r").split(b"\t")
    if len(fields) < 2:
        return 0
    return len(fields) if all(_NUMBER.match(f) for f in fields) else 0


def _sniff_tsv(head) -> float:
    data = head.data
    if data.startswith(b"\xef\xbb\xbf"):
        data = data[3:]
    lines = data.split(b"\n")
    complete = lines if len(data) < (1 << 16) else lines[:-1]
    complete = [ln for ln in complete[:50] if ln.strip()]
    if not complete:
        # A single row longer than the sniffing window: judge the fields seen so far.
        part = lines[0].rsplit(b"\t", 1)[0]
        return 0.6 if _looks_numeric_row(part) >= 2 else 0.0
    counts = [_looks_numeric_row(ln) for ln in complete]
    if counts[0] == 0 or 2 * sum(1 for c in counts if c) < len(counts):
        return 0.0
    # A few odd rows still mean Projector TSV: the reader then names the bad line.
    return 0.9 if len(set(counts)) == 1 else 0.7


# --- reading -------------------------------------------------------------------------------

def _diagnose(path: Path, block: bytes, first_line: int, dim: int | None):
    """Find the first bad line of a block that failed the fast parse, and raise for it."""
    for k, raw in enumerate(block.split(b"\n")):
        line = raw.rstrip(b"\r")
        if not line.strip():
            continue
        fields = line.split(b"\t")
        if dim is None:
            dim = len(fields)  # the first line of the file sets the width
        where = f"line {first_line + k:,}"
        for j, f in enumerate(fields):
            try:
                float(f)
            except ValueError:
                shown = f.decode("utf-8", "replace")[:40]
                what = "an empty field (a missing value)" if not f.strip() else f"'{shown}'"
                raise EmbeddingFormatError(path, f"{where}, column {j + 1}",
                                           f"{what} is not a number",
                                           f"{dim or 'D'} tab-separated numbers") from None
        if dim is not None and len(fields) != dim:
            raise EmbeddingFormatError(path, where, f"{len(fields)} values",
                                       f"{dim} tab-separated values, as on the first line")
    raise EmbeddingFormatError(path, f"lines {first_line:,}…", "the values could not be parsed",
                               f"{dim or 'D'} tab-separated numbers per line")


def _parse_block(path: Path, block: bytes, first_line: int, dim: int | None):
    """(float32 rows, dim) of a block of whole lines; blank lines are skipped."""
    clean = block.replace(b"\r\n", b"\n") if b"\r" in block else block
    while b"\n\n" in clean:
        clean = clean.replace(b"\n\n", b"\n")
    clean = clean.strip(b"\n")
    if not clean.strip():
        return np.empty((0, dim or 0), np.float32), dim
    try:
        # numpy's C reader: it also insists on the same number of columns on every line.
        values = np.loadtxt(io.BytesIO(clean), dtype=np.float64, delimiter="\t", comments=None,
                            ndmin=2)
    except ValueError:
        _diagnose(path, block, first_line, dim)
    if dim is not None and values.shape[1] != dim:
        _diagnose(path, block, first_line, dim)
    return values.astype(np.float32), values.shape[1]


def read_vectors_tsv(path, job: Job | None = None) -> np.ndarray:
    """The float32 matrix of a Projector `vectors.tsv` (any compression), with progress."""
    from .compressed import open_binary

    path = Path(path)
    job = job or Job()
    total = path.stat().st_size
    parts: list[np.ndarray] = []
    dim = None
    line_no = 1
    done = 0
    # The unfinished last line of what was read, kept as pieces: joined only once its end
    # arrives, so a very long line is not copied again with every block.
    carry: list[bytes] = []
    carried = 0
    with open_binary(path) as f:
        first = True
        while True:
            data = f.read(BLOCK)
            if first and data.startswith(b"\xef\xbb\xbf"):
                data = data[3:]
            first = False
            if not data:
                block, carry = b"".join(carry), []
            else:
                cut = data.rfind(b"\n")
                if cut < 0:
                    carry.append(data)
                    carried += len(data)
                    if carried > MAX_LINE:
                        raise EmbeddingFormatError(path, f"line {line_no:,}",
                                                   "the line is longer than 64 MB",
                                                   "lines of tab-separated numbers")
                    done += len(data)
                    continue
                block = b"".join(carry + [data[: cut + 1]])
                carry, carried = [data[cut + 1:]], len(data) - cut - 1
            if block:
                rows, dim = _parse_block(path, block, line_no, dim)
                if rows.size:
                    parts.append(rows)
                line_no += block.count(b"\n")
            done += len(data)
            job.step(min(done, total), total, "reading vectors")
            if not data:
                break
    if not parts:
        raise EmbeddingFormatError(path, None, "no vectors in the file",
                                   "lines of tab-separated numbers")
    return parts[0] if len(parts) == 1 else np.concatenate(parts)


@reader("tsv", "TensorFlow Projector vectors.tsv + metadata.tsv", extensions=(".tsv",),
        sniff=_sniff_tsv)
def read_projector(path, *, vocab=None, job=None, allow_mismatch=False, **_):
    path = Path(path)
    job = job or Job()
    if vocab is not None:
        meta = Path(vocab)
    else:
        meta = metadata_beside(path)
        if meta is None:
            stem = path.name[: -len(path.suffix)] if path.suffix else path.name
            raise EmbeddingFormatError(
                path, None, "Projector vectors have no words, and no metadata file was found "
                "beside them", f"--vocab FILE, or metadata.tsv or {stem}_metadata.tsv next to it")
    matrix = read_vectors_tsv(path, job)
    words, attrs, warnings = read_words_file(meta, expected_rows=matrix.shape[0], projector=True)
    src = Source(vocab_path=str(meta))
    emb = attach_words(path, matrix, words, attrs, warnings, str(meta), allow_mismatch, src, job)
    w = nonfinite_warning(emb.vectors, emb.words, path.name)
    if w:
        emb.source.warnings.append(w)
    return emb


# --- writing -------------------------------------------------------------------------------

def _cell(path, value, row: int, column: str) -> str:
    text = "" if value is None else str(value)
    if "\t" in text or "\n" in text:
        raise EmbeddingFormatError(path, f"row {row}, column '{column}'",
                                   f"{text[:40]!r} holds a tab or a line break",
                                   "metadata cells without tabs or line breaks")
    return text


def write_projector_tsv(vectors_path, metadata_path, words, vectors, attributes=None) -> None:
    """Write the pair the TensorFlow Embedding Projector loads: `vectors_path` with one row of
    tab-separated numbers per word, `metadata_path` with the words — one per line without a
    header, or, when `attributes` are given, a header row `word<TAB>name…` then one row per word.

    Values are written with 9 significant digits, enough for every float32 to read back
    bit-identical (through float64 as the Projector parses, or straight to float32).
    """
    vectors = np.asarray(vectors)
    if vectors.ndim != 2:
        raise ValueError(f"vectors must be 2-D, got shape {vectors.shape}")
    words = list(words)
    if len(words) != vectors.shape[0]:
        raise ValueError(f"{len(words)} words for {vectors.shape[0]} rows")
    attributes = {k: list(v) for k, v in (attributes or {}).items()}
    for k, v in attributes.items():
        if len(v) != len(words):
            raise ValueError(f"attribute '{k}' has {len(v)} values for {len(words)} words")
    # Check the metadata before writing anything, so a bad token leaves no half-written pair.
    names = list(attributes)
    meta_lines = []
    if names:
        meta_lines.append("\t".join(["word"] + [_cell(metadata_path, n, 0, "header")
                                                for n in names]) + "\n")
        for i, w in enumerate(words):
            cells = [_cell(metadata_path, w, i, "word")]
            cells += [_cell(metadata_path, attributes[n][i], i, n) for n in names]
            meta_lines.append("\t".join(cells) + "\n")
    else:
        for i, w in enumerate(words):
            meta_lines.append(_cell(metadata_path, w, i, "word") + "\n")
    dim = vectors.shape[1]
    row_format = "\t".join(["%.9g"] * dim) + "\n"
    step = max(1, 200_000 // max(dim, 1))
    with open(vectors_path, "w", encoding="ascii", newline="\n") as f:
        for s in range(0, vectors.shape[0], step):
            block = np.asarray(vectors[s: s + step], dtype=np.float32)
            # One %-format over the whole block: C speed, and float32 → float64 is exact.
            values = tuple(block.astype(np.float64).ravel().tolist())
            f.write((row_format * block.shape[0]) % values)
    with open(metadata_path, "w", encoding="utf-8", newline="\n") as f:
        f.write("".join(meta_lines))


def _read_back(folder: Path):
    back = read_projector(folder / "vectors.tsv", vocab=str(folder / "metadata.tsv"))
    return back.words, np.asarray(back.vectors)


@writer("tsv", "Projector TSV",
        files={"vectors.tsv": "matrix", "metadata.tsv": "words (Projector metadata)"},
        holds_spaces=False, holds_float16=False, read_back=_read_back,
        load_code=["import numpy as np", "",
                   'weights = np.loadtxt("vectors.tsv", delimiter="\\t", dtype=np.float32, '
                   'ndmin=2)'])
def write_projector_export(folder: Path, words, values, metadata) -> None:
    write_projector_tsv(folder / "vectors.tsv", folder / "metadata.tsv", words, values)
