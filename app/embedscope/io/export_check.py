"""`verify_export`: does an export folder still hold what its manifest says, and — given the
source embedding — does every row come from the source or from a rule the manifest names?

The command line (`embedscope verify`) and the export dialog run the same check; it reads the
files through the ordinary readers, so any format an export writes is checked the same way.
"""
from __future__ import annotations

import time
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from ..core.errors import EmbeddingFormatError
from ..core.export import ATTRIBUTES_FILE, file_sha256
from ..core.jobs import Job
from .export_contents import (
    MANIFEST,
    VOCAB,
    WORD_INDEX,
    matrix_files,
    read_manifest,
    read_matrix,
    read_word_index,
    stored_matrix,
)
from .words_file import read_vocab

CHUNK_ROWS = 1 << 16
MAX_EXAMPLES = 5
# Manifest fields the check reads; an edited manifest without one of them is a finding.
REQUIRED_FIELDS = ("format", "files", "counts", "special_tokens", "pad_index", "unk_index",
                   "dtype", "stored_as", "normalized")


@dataclass
class ExportFinding:
    """One thing that does not hold. `file` and `place` say where ("row 17", "line 5");
    `count` is how many places share it, `examples` a few of them in words."""

    code: str
    file: str
    place: str | None
    message: str
    count: int = 1
    examples: list[str] = field(default_factory=list)
    severity: str = "error"   # "error" fails the check; "warning" is reported only

    def to_dict(self) -> dict:
        return {"code": self.code, "severity": self.severity, "file": self.file,
                "place": self.place, "message": self.message, "count": int(self.count),
                "examples": list(self.examples)}


@dataclass
class ExportReport:
    """The verdict on one export folder.

    `origins` counts how each row was accounted for when a source was given ("from the
    source", "padding", "missing word (random)", …); `checked` lists what was compared.
    """

    folder: str
    rows: int | None = None
    dim: int | None = None
    format: str | None = None
    source: str | None = None
    findings: list[ExportFinding] = field(default_factory=list)
    origins: dict[str, int] = field(default_factory=dict)
    checked: list[str] = field(default_factory=list)
    seconds: float = 0.0

    @property
    def ok(self) -> bool:
        return not any(f.severity == "error" for f in self.findings)

    @property
    def codes(self) -> list[str]:
        return [f.code for f in self.findings]

    def add(self, code, file, place, message, count=1, examples=(), severity="error") -> None:
        self.findings.append(ExportFinding(code, str(file), place, message, int(count),
                                           list(examples)[:MAX_EXAMPLES], severity))

    def to_dict(self) -> dict:
        return {"folder": self.folder, "ok": self.ok, "rows": self.rows, "dim": self.dim,
                "format": self.format, "source": self.source, "checked": list(self.checked),
                "origins": dict(self.origins),
                "findings": [f.to_dict() for f in self.findings],
                "seconds": round(self.seconds, 3)}


def verify_export(folder, source=None, progress=None, should_stop=None) -> ExportReport:
    """Check an export folder: the manifest's file sizes and hashes; that `vocab.txt`,
    `word_index.json` and the matrix agree (row count, order, every index in range); the
    special-token rows, the padding row exactly zero, dtype and normalisation as stated;
    `attributes.tsv`, when the manifest names one, a line per row led by vocab.txt's word; and,
    with `source` (the Embedding exported from), that every row equals its source row or is
    made the way the manifest says (special token, missing word, case fallback).

    Raises EmbeddingFormatError when the folder or its manifest cannot be read, Cancelled
    when `should_stop()` turns true; everything else that is wrong is a finding.
    """
    t0 = time.perf_counter()
    job = Job(progress, should_stop)
    folder = Path(folder)
    manifest = read_manifest(folder)
    rep = ExportReport(str(folder), format=manifest.get("format"))
    missing = [k for k in REQUIRED_FIELDS if k not in manifest]
    if missing:
        rep.add("manifest-incomplete", MANIFEST, None,
                "the manifest lacks " + ", ".join(f"'{k}'" for k in missing))
    _check_files(folder, manifest, rep, job.sub(0.0, 0.3))
    words = _read(rep, read_vocab, folder / VOCAB)
    index = _read(rep, read_word_index, folder / WORD_INDEX)
    emb = stored = None
    try:
        matrix_name, _ = matrix_files(manifest)
    except EmbeddingFormatError as exc:
        rep.add("manifest-incomplete", MANIFEST, exc.where, exc.problem)
        matrix_name = None
    if matrix_name is not None:
        try:
            stored = stored_matrix(folder, manifest)
            emb = read_matrix(folder, manifest, job.sub(0.3, 0.5).progress, job.should_stop)
        except EmbeddingFormatError as exc:
            rep.add("matrix-unreadable", Path(exc.path or matrix_name).name, exc.where,
                    f"{exc.problem}" + (f" (expected {exc.expected})" if exc.expected else ""))
    if words is not None:
        _check_vocab(words, rep)
        if index is not None:
            _check_word_index(words, index, manifest, rep)
    if emb is not None:
        rep.dim = emb.dim
        rep.rows = stored[0] if stored is not None else emb.rows
        _check_matrix(emb, stored, matrix_name, words, manifest, rep, job.sub(0.5, 0.7))
    elif words is not None:
        rep.rows = len(words)
    _check_counts(words, manifest, rep)
    if isinstance(manifest.get("attributes"), dict):
        _check_attributes(folder, words, manifest, rep)
    if source is not None:
        rep.source = source.source.path
        if emb is None or words is None:
            rep.add("source-not-compared", matrix_name or VOCAB, None,
                    "the rows could not be compared with the source: the matrix or vocab.txt "
                    "could not be read", severity="warning")
        else:
            _check_source(emb, words, source, manifest, matrix_name, rep, job.sub(0.7, 1.0))
    job.report(1000, 1000, "done")
    rep.seconds = time.perf_counter() - t0
    return rep


def _read(rep: ExportReport, reader, path: Path):
    try:
        return reader(path)
    except EmbeddingFormatError as exc:
        rep.add("unreadable", path.name, exc.where, exc.problem)
        return None


def _row(r: int, word: str | None = None) -> str:
    return f"row {r:,}" + (f" ('{word}')" if word is not None else "")


# --- files and hashes ----------------------------------------------------------------------------
def _check_files(folder: Path, manifest: dict, rep: ExportReport, job: Job) -> None:
    files = manifest.get("files")
    if not isinstance(files, list):
        return
    rep.checked.append("file sizes and sha256 against the manifest")
    listed = {f.get("name") for f in files if isinstance(f, dict)}
    for name in (VOCAB, WORD_INDEX):
        if name not in listed:
            rep.add("manifest-incomplete", MANIFEST, "'files'", f"{name} is not listed")
    total = sum(int(f.get("bytes") or 0) for f in files if isinstance(f, dict)) or 1
    done = 0
    for k, entry in enumerate(files):
        name = entry.get("name") if isinstance(entry, dict) else None
        if not isinstance(name, str) or Path(name).name != name or name in ("", ".", ".."):
            rep.add("manifest-incomplete", MANIFEST, f"'files' entry {k + 1}",
                    f"{name!r} is not the name of a file in the folder")
            continue
        path = folder / name
        if not path.is_file():
            rep.add("file-missing", name, None, f"{name} is listed in the manifest but missing")
            continue
        size = path.stat().st_size
        if "bytes" in entry and entry["bytes"] != size:
            rep.add("file-changed", name, None,
                    f"{name} has {size:,} bytes; the manifest says {entry['bytes']:,}")
        if not entry.get("sha256"):
            rep.add("manifest-incomplete", MANIFEST, f"'files' entry {k + 1}",
                    f"{name} has no sha256")
            continue
        digest = file_sha256(path, job.sub(done / total, min(1.0, (done + size) / total)))
        done += size
        if digest != entry["sha256"]:
            rep.add("file-changed", name, None,
                    f"{name} was changed after the export: its sha256 is {digest[:16]}…, "
                    f"the manifest says {str(entry['sha256'])[:16]}…")


# --- words --------------------------------------------------------------------------------------
def _check_vocab(words: list[str], rep: ExportReport) -> None:
    rep.checked.append("vocab.txt: one distinct word per row")
    empty = [i for i, w in enumerate(words) if w == "" or w != w.strip("\r")]
    if empty:
        rep.add("vocab-bad-line", VOCAB, f"line {empty[0] + 1:,}",
                f"{len(empty):,} line(s) hold no word, e.g. line {empty[0] + 1:,}", len(empty),
                [f"line {i + 1:,}" for i in empty])
    seen: dict[str, int] = {}
    dup = []
    for i, w in enumerate(words):
        j = seen.setdefault(w, i)
        if j != i:
            dup.append((w, j, i))
    if dup:
        w, j, i = dup[0]
        rep.add("vocab-duplicate", VOCAB, f"line {i + 1:,}",
                f"'{w}' is on lines {j + 1:,} and {i + 1:,}: word_index.json can give only one "
                f"row" + (f" ({len(dup):,} repeated words)" if len(dup) > 1 else ""), len(dup),
                [f"'{w}' on lines {j + 1:,} and {i + 1:,}" for w, j, i in dup])


def _check_word_index(words: list[str], index: dict, manifest: dict, rep: ExportReport) -> None:
    """Every word of vocab.txt at its row; other keys only as the manifest's aliases (source
    words left out, each mapped to a kept row: not a special token's)."""
    rep.checked.append("word_index.json: every word, every row in range, same as vocab.txt")
    aliases = manifest.get("aliases") if isinstance(manifest.get("aliases"), dict) else {}
    n_aliases = aliases.get("count") or 0
    n = len(words)
    position: dict[str, int] = {}
    for i, w in enumerate(words):
        position.setdefault(w, i)
    bad_range, unknown, disagree = [], [], []
    for w, i in index.items():
        if isinstance(i, bool) or not isinstance(i, int) or not 0 <= i < n:
            bad_range.append(f"'{w}': {i!r}")
        elif w not in position:
            unknown.append((w, i))
        elif position[w] != i:
            disagree.append(f"'{w}' → row {i:,}, but vocab.txt has it on line {position[w] + 1:,} "
                            f"(row {position[w]:,})")
    if bad_range:
        rep.add("word-index-out-of-range", WORD_INDEX, bad_range[0].split(":")[0],
                f"{len(bad_range):,} index(es) are not a row 0–{n - 1:,} of the matrix, e.g. "
                f"{bad_range[0]}", len(bad_range), bad_range)
    if n_aliases:
        rep.checked.append("word_index.json: aliases as many as the manifest says, each to a "
                           "row of a word")
        specials = {sp.get("row") for sp in manifest.get("special_tokens") or []
                    if isinstance(sp, dict)}
        to_special = [f"'{w}' (row {i:,})" for w, i in unknown if i in specials]
        if to_special:
            rep.add("word-index-alias-to-special", WORD_INDEX, to_special[0].split(" ")[0],
                    f"{len(to_special):,} alias(es) map to a special token's row, not to a kept "
                    f"word's, e.g. {to_special[0]}", len(to_special), to_special)
        if len(unknown) != n_aliases:
            rep.add("word-index-unknown-word", WORD_INDEX, None,
                    f"{len(unknown):,} word(s) are not in vocab.txt, but the manifest names "
                    f"{n_aliases:,} aliases", abs(len(unknown) - n_aliases),
                    [f"'{w}' (row {i:,})" for w, i in unknown])
    elif unknown:
        shown = [f"'{w}' (row {i:,})" for w, i in unknown]
        rep.add("word-index-unknown-word", WORD_INDEX, f"'{unknown[0][0]}'",
                f"{len(unknown):,} word(s) are not in vocab.txt, e.g. {shown[0]}", len(unknown),
                shown)
    if disagree:
        rep.add("word-index-disagrees", WORD_INDEX, disagree[0].split(" ")[0],
                f"{len(disagree):,} word(s) have another row than in vocab.txt, e.g. "
                f"{disagree[0]}", len(disagree), disagree)
    absent = [w for w in position if w not in index]
    if absent:
        rep.add("word-index-missing", WORD_INDEX, None,
                f"{len(absent):,} word(s) of vocab.txt are not in it, e.g. '{absent[0]}' "
                f"(line {position[absent[0]] + 1:,})", len(absent), [f"'{w}'" for w in absent])


# --- attributes.tsv -----------------------------------------------------------------------------
def _check_attributes(folder: Path, words: list[str] | None, manifest: dict,
                      rep: ExportReport) -> None:
    """attributes.tsv: listed and present, a header then one line per row, each line as many
    cells as the header and led by the word of its row in vocab.txt."""
    entry = manifest["attributes"]
    name = ATTRIBUTES_FILE
    rep.checked.append(f"{name}: one line per row, its word as in vocab.txt")
    listed = {f.get("name") for f in manifest.get("files") or [] if isinstance(f, dict)}
    if name not in listed:
        rep.add("manifest-incomplete", MANIFEST, "'files'",
                f"the manifest names attributes but does not list {name}")
    path = folder / name
    if not path.is_file():
        if name not in listed:  # a listed file that is missing is already a finding
            rep.add("file-missing", name, None, f"the manifest names attributes, but {name} "
                    "is missing")
        return
    try:
        text = path.read_text(encoding="utf-8")
    except UnicodeDecodeError as exc:
        rep.add("unreadable", name, f"byte {exc.start:,}", "not UTF-8 text")
        return
    lines = text.split("\n")
    if lines[-1] == "":
        lines.pop()
    if not lines:
        rep.add("attributes-lines", name, "line 1", f"{name} is empty; it should start with a "
                "header line")
        return
    header, body = lines[0].split("\t"), lines[1:]
    columns = entry.get("columns")
    if header[0] != "word" or (isinstance(columns, list) and len(header) != len(columns) + 1):
        rep.add("attributes-header", name, "line 1",
                f"the header is {lines[0]!r}; expected 'word' and "
                f"{len(columns) if isinstance(columns, list) else 'the table'}'s columns")
    rows = len(words) if words is not None else (manifest.get("counts") or {}).get("rows")
    if isinstance(rows, int) and len(body) != rows:
        rep.add("attributes-lines", name, f"line {len(body) + 1:,}",
                f"{name} has {len(body):,} lines after its header; the export has {rows:,} rows")
    ragged = [i for i, line in enumerate(body) if line.count("\t") != len(header) - 1]
    if ragged:
        i = ragged[0]
        rep.add("attributes-cells", name, f"line {i + 2:,}",
                f"line {i + 2:,} has {body[i].count(chr(9)) + 1} cells where the header has "
                f"{len(header)}" + (f" ({len(ragged):,} such lines)" if len(ragged) > 1 else ""),
                len(ragged), [f"line {i + 2:,}" for i in ragged])
    if words is None:
        return
    other = [(i, line.split("\t", 1)[0]) for i, line in enumerate(body[:len(words)])
             if line.split("\t", 1)[0] != words[i]]
    if other:
        i, w = other[0]
        rep.add("attributes-word", name, f"line {i + 2:,}",
                f"line {i + 2:,} of {name} is for '{w}', but row {i:,} is '{words[i]}' (line "
                f"{i + 1:,} of vocab.txt)" + (f"; {len(other):,} lines differ"
                                             if len(other) > 1 else ""),
                len(other), [f"line {i + 2:,}: '{w}' vs '{words[i]}'" for i, w in other])


# --- the matrix ---------------------------------------------------------------------------------
def _blocks(vectors, rows, job: Job, message: str):
    """Row blocks of a (possibly memory-mapped) matrix as float32 arrays, cancellable."""
    for s in range(0, rows, CHUNK_ROWS):
        job.step(s, rows, message)
        yield s, np.asarray(vectors[s: s + CHUNK_ROWS], dtype=np.float32)


def _check_matrix(emb, stored, name: str, words, manifest: dict, rep: ExportReport,
                  job: Job) -> None:
    rep.checked.append(f"{name}: rows and words against vocab.txt")
    matrix_rows = stored[0] if stored is not None else emb.rows
    own_words = emb.source.vocab_path is None or Path(emb.source.vocab_path).name != VOCAB
    if words is not None:
        if own_words:
            mine = emb.source.words_in_file or emb.words
            if len(mine) != len(words):
                rep.add("matrix-rows", name, None,
                        f"{name} holds {len(mine):,} words; vocab.txt has {len(words):,}")
            diff = [i for i, (a, b) in enumerate(zip(mine, words)) if a != b]
            if diff:
                i = diff[0]
                rep.add("matrix-words", name, _row(i),
                        f"row {i:,} of {name} is '{mine[i]}' but line {i + 1:,} of vocab.txt "
                        f"is '{words[i]}' ({len(diff):,} rows differ)", len(diff),
                        [f"row {i:,}: '{mine[i]}' vs '{words[i]}'" for i in diff])
        if matrix_rows != len(words):
            rep.add("matrix-rows", name, None,
                    f"{name} has {matrix_rows:,} rows; vocab.txt has {len(words):,} words")
    stored_as = manifest.get("stored_as")
    if stored is not None:
        rep.checked.append(f"{name}: stored dtype against the manifest")
        if stored_as is not None and stored[1] != stored_as:
            rep.add("dtype", name, "header",
                    f"{name} stores {stored[1]}; the manifest says {stored_as}")
    elif stored_as not in (None, "float32"):
        rep.add("dtype", MANIFEST, "'stored_as'",
                f"the manifest says {stored_as}, but a {manifest.get('format')} file holds "
                "float32")
    half = manifest.get("dtype") == "float16"
    normalized = bool(manifest.get("normalized"))
    pad = manifest.get("pad_index")
    n = emb.rows
    nonfinite, not_half, not_unit = [], [], []
    pad_values = None
    for s, block in _blocks(emb.vectors, n, job, f"reading {name}"):
        finite = np.isfinite(block).all(axis=1)
        nonfinite += (s + np.flatnonzero(~finite)).tolist()
        if half:
            back = block.astype(np.float16).astype(np.float32)
            same = (back == block) | ~np.isfinite(block)
            not_half += (s + np.flatnonzero(~same.all(axis=1))).tolist()
        if normalized:
            norms = np.sqrt(np.einsum("ij,ij->i", block, block, dtype=np.float64))
            tol = 2e-3 if half else 1e-5
            off = finite & (np.abs(norms - 1) > tol) & (norms != 0)
            not_unit += (s + np.flatnonzero(off)).tolist()
        if isinstance(pad, int) and s <= pad < s + len(block):
            pad_values = block[pad - s]

    def word(r):
        return words[r] if words is not None and r < len(words) else None

    if nonfinite:
        r = nonfinite[0]
        rep.add("non-finite", name, _row(r, word(r)),
                f"{len(nonfinite):,} row(s) hold NaN or infinite values, e.g. {_row(r, word(r))}",
                len(nonfinite), [_row(r, word(r)) for r in nonfinite])
    if not_half:
        r = not_half[0]
        rep.add("dtype", name, _row(r, word(r)),
                f"the manifest says float16, but {len(not_half):,} row(s) hold values float16 "
                f"cannot, e.g. {_row(r, word(r))}", len(not_half),
                [_row(r, word(r)) for r in not_half])
    if not_unit:
        r = not_unit[0]
        rep.add("not-normalized", name, _row(r, word(r)),
                f"the manifest says rows are unit length, but {len(not_unit):,} are not, e.g. "
                f"{_row(r, word(r))}", len(not_unit), [_row(r, word(r)) for r in not_unit])
    if pad is not None:
        rep.checked.append("the padding row is exactly zero")
        if not isinstance(pad, int) or not 0 <= pad < n:
            rep.add("special-token", MANIFEST, "'pad_index'",
                    f"pad_index {pad!r} is not a row of the matrix (0–{n - 1:,})")
        elif pad_values is not None and (pad_values != 0).any():
            nz = np.flatnonzero(pad_values != 0)
            rep.add("padding-not-zero", name, _row(pad, word(pad)),
                    f"the padding {_row(pad, word(pad))} is not exactly zero: {len(nz)} of "
                    f"{len(pad_values)} values are not, the largest {np.abs(pad_values).max():.4g}")


def _check_counts(words, manifest: dict, rep: ExportReport) -> None:
    """The manifest's counts and special tokens against the files."""
    counts = manifest.get("counts")
    if not isinstance(counts, dict):
        return
    rep.checked.append("the manifest's counts and special tokens against the files")

    def say(place, message):
        rep.add("manifest-counts", MANIFEST, place, message)

    if words is not None and counts.get("rows") != len(words):
        say("'counts.rows'", f"counts.rows is {counts.get('rows')!r}; vocab.txt has "
            f"{len(words):,} rows")
    if rep.dim is not None and counts.get("dim") != rep.dim:
        say("'counts.dim'", f"counts.dim is {counts.get('dim')!r}; the matrix has {rep.dim}")
    specials = manifest.get("special_tokens") or []
    try:
        if counts["words"] + len(specials) != counts["rows"]:
            say("'counts.words'", f"{counts['words']:,} words and {len(specials)} special "
                f"tokens do not make the {counts['rows']:,} rows")
        if counts["from_embedding"] + counts["missing_initialised"] != counts["words"]:
            say("'counts.from_embedding'",
                f"{counts['from_embedding']:,} words from the embedding and "
                f"{counts['missing_initialised']:,} missing do not make the "
                f"{counts['words']:,} words")
    except (KeyError, TypeError):
        say("'counts'", "counts lacks rows, words, from_embedding or missing_initialised")
    special_rows = set()
    for k, sp in enumerate(specials):
        row = sp.get("row") if isinstance(sp, dict) else None
        token = sp.get("token") if isinstance(sp, dict) else None
        if not isinstance(row, int) or words is None or not 0 <= row < len(words):
            rep.add("special-token", MANIFEST, f"'special_tokens' entry {k + 1}",
                    f"special token {token!r} is at row {row!r}, not a row of the export")
            continue
        special_rows.add(row)
        if words[row] != token:
            rep.add("special-token", VOCAB, f"line {row + 1:,}",
                    f"the manifest puts special token '{token}' at row {row:,}, but vocab.txt "
                    f"has '{words[row]}' there")
    for key in ("pad_index", "unk_index"):
        r = manifest.get(key)
        if r is not None and r not in special_rows:
            rep.add("special-token", MANIFEST, f"'{key}'",
                    f"{key} {r!r} is not the row of any of the manifest's special tokens")


# --- against the source -------------------------------------------------------------------------
def _expected(block: np.ndarray, normalized: bool, half: bool) -> np.ndarray:
    """Source rows as the export writes them: unit length if normalised, float16-rounded."""
    x = np.asarray(block, dtype=np.float32)
    if normalized:
        norms = np.sqrt(np.einsum("ij,ij->i", x, x))
        norms[norms == 0] = 1.0
        x = x / norms[:, None]
    if half:
        x = x.astype(np.float16).astype(np.float32)
    return x


def _source_mean(source, job: Job) -> np.ndarray:
    """The mean of the source's finite rows, as the export computes it (core.export)."""
    total = np.zeros(source.dim, np.float64)
    used = 0
    for _, block in _blocks(source.vectors, source.rows, job, "mean of the source"):
        finite = np.isfinite(block).all(axis=1)
        total += block[finite].sum(axis=0, dtype=np.float64)
        used += int(finite.sum())
    return (total / max(used, 1)).astype(np.float32)


def _check_source(emb, words: list[str], source, manifest: dict, name: str, rep: ExportReport,
                  job: Job) -> None:
    from ..core.vocabulary import lookup

    src_info = manifest.get("source") or {}
    expected_sha = src_info.get("sha256")
    if expected_sha and source.source.path and Path(source.source.path).is_file():
        rep.checked.append("the source file's sha256 against the manifest")
        digest = file_sha256(source.source.path, job.sub(0.0, 0.3))
        if digest != expected_sha:
            rep.add("source-changed", Path(source.source.path).name, None,
                    f"this is not the file exported from: its sha256 is {digest[:16]}…, the "
                    f"manifest's source has {expected_sha[:16]}…")
    if source.dim != emb.dim:
        rep.add("source-dim", Path(source.source.path or "source").name, None,
                f"the source has {source.dim} dimensions, the export {emb.dim}: rows not compared")
        return
    rep.checked.append("every row against its source row or the manifest's rule for it")
    n = min(emb.rows, len(words))
    selection = manifest.get("selection") or {}
    init = manifest.get("initialisation") or {}
    oov = init.get("missing_words", selection.get("oov"))
    counts = manifest.get("counts") or {}
    specials = {sp["row"]: sp for sp in manifest.get("special_tokens") or []
                if isinstance(sp, dict) and isinstance(sp.get("row"), int)}
    pairs = {a: b for a, b in manifest.get("case_fallback") or []}
    pairs_complete = len(pairs) >= int(counts.get("by_case_fallback") or 0)
    listed_missing = set(manifest.get("missing_words") or [])
    missing_complete = len(listed_missing) >= int(counts.get("missing") or 0)
    normalized, half = bool(manifest.get("normalized")), manifest.get("dtype") == "float16"
    exact = source.word_to_row

    src_rows = np.full(n, -1, np.int64)
    via = {}                       # export row → the source word it was found as (fallback)
    rule_rows: dict[str, list[int]] = {"zeros": [], "mean": [], "random": []}
    origins: Counter = Counter()
    unexplained, unlisted = [], []
    for r in range(n):
        if r % CHUNK_ROWS == 0:
            job.sub(0.3, 0.5).step(r, n, "placing the rows")
        w = words[r]
        sp = specials.get(r)
        if sp is not None and sp.get("token") == w:
            kind = "padding" if r == manifest.get("pad_index") else "special token"
            how = "zeros" if kind == "padding" else sp.get("init", "random")
            origins[f"{kind} ({how})"] += 1
            if kind != "padding":  # checked with the matrix, source or not
                rule_rows.setdefault(how, []).append(r)
            continue
        s = exact.get(w)
        if s is not None:
            src_rows[r] = s
            continue
        found = pairs.get(w)
        if found is None and not pairs_complete and selection.get("case_fallback", True):
            rows, fb = lookup(source, [w], True)
            found = fb.get(w)
        if found is not None and found in exact:
            src_rows[r] = exact[found]
            via[r] = found
            continue
        if oov == "subwords" and (w in listed_missing or not missing_complete):
            origins["missing word (fastText subwords)"] += 1
            rule_rows.setdefault("subwords", []).append(r)
            continue
        if oov in ("random", "zeros") and (w in listed_missing or not missing_complete):
            origins[f"missing word ({oov})"] += 1
            rule_rows[oov].append(r)
            if w not in listed_missing:
                unlisted.append(r)
            continue
        unexplained.append(r)

    # Rows copied from the source: compare in source-row order (fast on a memory-map).
    have = np.flatnonzero(src_rows >= 0)
    order = have[np.argsort(src_rows[have], kind="stable")]
    tol = (1e-3 if half else 1e-6) if normalized else 0.0
    differ: list[tuple[int, float]] = []
    cjob = job.sub(0.5, 0.9)
    for k in range(0, len(order), CHUNK_ROWS):
        cjob.step(k, len(order), "comparing rows with the source")
        rows = order[k: k + CHUNK_ROWS]
        want = _expected(source.vectors[src_rows[rows]], normalized, half)
        got = np.asarray(emb.vectors[rows], dtype=np.float32)
        gap = np.abs(got - want).max(axis=1) if emb.dim else np.zeros(len(rows))
        gap = np.where(np.isnan(gap), np.inf, gap)
        for r, g in zip(rows[gap > tol].tolist(), gap[gap > tol].tolist()):
            differ.append((r, g))
    origins["from the source"] = int(len(have) - len(via))
    if via:
        origins["from the source by case fallback"] = len(via)
    differ.sort()

    def src_text(r):
        s = int(src_rows[r])
        return (f"the source's row {s:,}" + (f" ('{via[r]}', by case fallback)" if r in via
                                             else ""))

    if differ:
        r, g = differ[0]
        worst_r, worst = max(differ, key=lambda t: t[1])
        more = (f"; {len(differ):,} rows differ, the largest difference {worst:.4g} at "
                f"{_row(worst_r, words[worst_r])}" if len(differ) > 1 else "")
        rep.add("row-differs-from-source", name, _row(r, words[r]),
                f"{_row(r, words[r])} differs from {src_text(r)}: largest difference {g:.4g}"
                + more, len(differ),
                [f"{_row(r, words[r])} vs {src_text(r)}: {g:.4g}" for r, g in differ])

    _check_rule_rows(emb, source, rule_rows, words, normalized, half, name, rep,
                     job.sub(0.9, 1.0))
    if unexplained:
        r = unexplained[0]
        origins["not explained"] = len(unexplained)
        rep.add("row-unexplained", name, _row(r, words[r]),
                f"{len(unexplained):,} row(s) are not from the source and not explained by the "
                f"manifest, e.g. {_row(r, words[r])}: the word is not in the source, not a "
                "special token, and not among the manifest's missing words or case fallbacks",
                len(unexplained), [_row(r, words[r]) for r in unexplained])
    if unlisted and oov == "random":
        r = unlisted[0]
        rep.add("row-unexplained", name, _row(r, words[r]),
                f"{len(unlisted):,} row(s) are not from the source and not explained by the "
                f"manifest, e.g. {_row(r, words[r])}: the word is not in the source and the "
                "manifest lists only some of the missing words, so its random row cannot be "
                "told from an edited one", len(unlisted), [_row(r, words[r]) for r in unlisted],
                severity="warning")
    from_source = int(len(have))
    if "from_embedding" in counts and counts["from_embedding"] != from_source:
        rep.add("manifest-counts", MANIFEST, "'counts.from_embedding'",
                f"the manifest says {counts['from_embedding']:,} rows come from the embedding; "
                f"{from_source:,} words of the export are in the source")
    rep.origins = {k: int(v) for k, v in sorted(origins.items(), key=lambda kv: -kv[1])}


def _check_rule_rows(emb, source, rule_rows: dict, words, normalized: bool, half: bool,
                     name: str, rep: ExportReport, job: Job) -> None:
    """Rows the manifest says start as zeros, as the source's mean vector or (a fastText
    source) as the vector of the word's character n-grams."""
    from .fasttext_bin import subwords_of

    bad = []
    built = rule_rows.get("subwords") or []
    subwords = subwords_of(source) if built else None
    if built and subwords is None:
        rep.add("source-not-compared", name, None,
                f"{len(built):,} row(s) built from fastText subwords were not compared: the "
                "source given is not a native fastText model", severity="warning")
    elif built:
        want = _expected(subwords.vectors([words[r] for r in built]), normalized, half)
        got = np.asarray(emb.vectors[np.asarray(built)], dtype=np.float32)
        tol = (1e-3 if half else 1e-6) if normalized else 0.0
        gaps = np.abs(got - want).max(axis=1)
        bad += [(r, "the vector of its character n-grams", float(g))
                for r, g in zip(built, gaps) if not g <= tol]
    zeros = rule_rows.get("zeros") or []
    if zeros:
        vals = np.asarray(emb.vectors[np.asarray(zeros)], dtype=np.float32)
        bad += [(r, "zeros", float(np.abs(v).max())) for r, v in zip(zeros, vals) if v.any()]
    means = rule_rows.get("mean") or []
    if means:
        want = _expected(_source_mean(source, job)[None, :], normalized, half)[0]
        scale = max(1.0, float(np.abs(want).max()))
        tol = (2.0 ** -10 if half else 1e-5) * scale
        vals = np.asarray(emb.vectors[np.asarray(means)], dtype=np.float32)
        for r, v in zip(means, vals):
            gap = float(np.abs(v - want).max())
            if not gap <= tol:
                bad.append((r, "the source's mean vector", gap))
    if bad:
        r, what, g = bad[0]
        rep.add("special-row-value", name, _row(r, words[r]),
                f"{_row(r, words[r])} should be {what} as the manifest says, but differs by up "
                f"to {g:.4g}" + (f" ({len(bad)} such rows)" if len(bad) > 1 else ""), len(bad),
                [f"{_row(r, words[r])}: {what}, off by {g:.4g}" for r, what, g in bad])
