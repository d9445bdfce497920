"""Writing an export folder in any output format of WRITERS, safely: into a temporary folder
beside the target, read back bit for bit, then renamed into place.

`preview(emb, plan)` says what would be written (cheap enough to call on each option change);
`write_export(emb, plan, out_dir)` writes the matrix file(s), `vocab.txt`, `word_index.json`,
a `USAGE.md` with PyTorch and Keras code for exactly these files, `attributes.tsv` when the
plan names an attribute table, and `manifest.json`.
"""
from __future__ import annotations

import json
import os
import re
import shutil
import time
import uuid
from json.encoder import encode_basestring
from pathlib import Path

import numpy as np

from ..core.errors import EmbeddingFormatError, EmbedscopeError, ExportRefusedError
from ..core.export import (
    ATTRIBUTES_FILE,
    ATTRIBUTES_ROLE,
    COMPANION_FILES,
    FROM_EMBEDDING,
    ExportPlan,
    ExportPreview,
    Layout,
    build_matrix,
    file_sha256,
    manifest_for,
    plan_layout,
    usage_text,
)
from ..core.export_aliases import find_aliases
from ..core.jobs import Job
from ..core.vocabulary import Corpus, SelectionError, WordsFile
from .attributes import AttributeTable, read_attribute_table, values_per_row
from .fasttext_bin import subwords_of
from .formats import Writer
from .registry import WRITERS


class ExportVerificationError(EmbedscopeError):
    """A written file did not read back as what was meant to be written."""


def writer_of(plan: ExportPlan) -> Writer:
    """The output format the plan names, or SelectionError listing the formats there are."""
    if plan.format not in WRITERS:
        raise SelectionError(f"unknown format '{plan.format}' "
                             f"(expected one of {', '.join(WRITERS)})")
    return WRITERS[plan.format]


def _check_words(words, writer: Writer) -> None:
    """ExportRefusedError for a word the files cannot hold."""
    for w in words:
        if w == "" or "\n" in w or "\r" in w:
            raise ExportRefusedError(f"the word {w!r} cannot be written one per line in vocab.txt")
    try:
        "".join(words).encode("utf-8")
    except UnicodeEncodeError:
        bad = next(w for w in words if not _utf8(w))
        raise ExportRefusedError(f"the word {bad!r} holds characters that are not text (lone "
                                 "surrogates) and cannot be written as UTF-8") from None
    if not writer.holds_spaces:
        if words and words[0].startswith("\ufeff"):
            raise ExportRefusedError(
                f"the first word {words[0]!r} starts with a byte-order mark (U+FEFF), which "
                f"readers of {writer.name} files may take for a file marker and drop: choose "
                f"{_formats_with_spaces()}, whose words file keeps it")
        for w in words:
            if len(w.split()) != 1 or w != w.strip() or "\t" in w:
                raise ExportRefusedError(
                    f"the word {w!r} contains white space, which the {writer.name} format uses "
                    f"to separate fields: choose {_formats_with_spaces()}")


def _check_words_for_attributes(words) -> None:
    """ExportRefusedError for a word attributes.tsv cannot hold in its first column."""
    bad = next((w for w in words if "\t" in w), None)
    if bad is not None:
        raise ExportRefusedError(f"the word {bad!r} holds a tab, which {ATTRIBUTES_FILE} uses to "
                                 "separate its columns: export without the attribute table")


def _formats_with_spaces() -> str:
    others = [name for name, wr in WRITERS.items() if wr.holds_spaces]
    return f"{', '.join(others[:-1])} or {others[-1]}"


def _utf8(word: str) -> bool:
    try:
        word.encode("utf-8")
        return True
    except UnicodeEncodeError:
        return False


def preview(emb, plan: ExportPlan, progress=None, should_stop=None,
            head_rows: int = 20) -> ExportPreview:
    """What `write_export` would write: rows, coverage, the first rows, the manifest-to-be."""
    t0 = time.perf_counter()
    writer = writer_of(plan)
    if plan.oov == "subwords":
        subwords_of(emb)
    layout = plan_layout(emb, plan, progress, should_stop)
    manifest = manifest_for(emb, plan, layout, writer.files, writer.holds_float16)
    warnings = list(layout.warnings)
    try:
        _check_words(layout.words, writer)
        if plan.attributes:
            _check_words_for_attributes(layout.words)
    except ExportRefusedError as exc:
        warnings.append(str(exc))
    if layout.rows == len(layout.specials):
        warnings.append("no words selected")
    return ExportPreview(layout.rows, emb.dim, layout.words, layout.head(emb, plan, head_rows),
                         layout.selection.coverage, manifest, warnings,
                         time.perf_counter() - t0)


# --- where the files go ----------------------------------------------------------------------
def _inputs(emb, plan: ExportPlan) -> list[Path]:
    """Every file the export reads: none of them may be replaced by it."""
    paths = [emb.source.path, emb.source.vocab_path, plan.attributes]
    for s in plan.sources:
        if isinstance(s, (WordsFile, Corpus)):
            paths.append(s.path)
    return [Path(p).resolve() for p in paths if p]


def _inside(path: Path, folder: Path) -> bool:
    try:
        path.relative_to(folder)
        return True
    except ValueError:
        return False


def check_target(emb, plan: ExportPlan, out_dir, force: bool = False) -> Path:
    """The resolved output folder, or ExportRefusedError saying why it may not be written."""
    out = Path(out_dir).expanduser().resolve()
    for p in _inputs(emb, plan):
        if p == out:
            raise ExportRefusedError(f"{out} is an input file of this export; "
                                     "choose a new folder for the output")
        if _inside(p, out) and out.exists():
            raise ExportRefusedError(f"{out} holds {p.name}, an input of this export; writing "
                                     "there would replace it: choose another folder")
    if out.exists() and not out.is_dir():
        raise ExportRefusedError(f"{out} is a file, not a folder; the export writes a folder")
    if out.is_dir() and any(out.iterdir()):
        if not force:
            raise ExportRefusedError(f"{out} is not empty; choose an empty or new folder, or "
                                     "replace its contents with --force")
        home = Path.home().resolve()
        cwd = Path.cwd().resolve()
        if out == Path(out.anchor) or out == home or _inside(cwd, out):
            raise ExportRefusedError(f"refusing to replace {out} (a root, home or working "
                                     "folder) even with --force")
    return out


# --- the safe write ----------------------------------------------------------------------------
# Hidden folders beside the target: `.NAME.writing-PID-HEX` while files are written,
# `.NAME.replaced-PID-HEX` for the old contents while --force swaps them. The process id says
# whether the run that made one is still going; the next run cleans up after one that is not.
_HIDDEN = re.compile(r"(writing|replaced)-(\d+)-[0-9a-f]{12}")
# Earlier versions named them without the writer's process id; those are taken as stopped once
# nothing has touched them for an hour (no export spends an hour between two file writes).
_HIDDEN_WITHOUT_PID = re.compile(r"(writing|replaced)-[0-9a-f]{8,12}")
_UNTOUCHED_SECONDS = 3600


def _hidden(out: Path, kind: str) -> Path:
    return out.parent / f".{out.name}.{kind}-{os.getpid()}-{uuid.uuid4().hex[:12]}"


def _running(pid: int) -> bool:
    """Whether process `pid` still runs: its hidden folders must not be touched."""
    if pid == os.getpid():
        return True
    if os.name == "nt":
        # os.kill(pid, 0) would end the process there; ask whether it can be opened instead.
        import ctypes

        handle = ctypes.windll.kernel32.OpenProcess(0x1000, False, pid)  # query-limited access
        if not handle:
            return False
        ctypes.windll.kernel32.CloseHandle(handle)
        return True
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True  # someone else's process
    return True


def recover_interrupted(out) -> list[str]:
    """Tidy up after an export to `out` that was killed: its temporary folders are removed, and
    if it was killed between setting the old export aside and moving the new one in, the old
    one is renamed back to `out`. Returns what was done, for the manifest's warnings."""
    out = Path(out).expanduser().resolve()
    prefix = f".{out.name}."
    stale: dict[str, list[Path]] = {"writing": [], "replaced": []}
    try:
        entries = list(os.scandir(out.parent))
    except OSError:
        return []  # no parent folder yet, or one we cannot list: nothing of ours is there
    for e in entries:
        if not e.name.startswith(prefix):
            continue
        if not e.is_dir(follow_symlinks=False):
            continue
        m = _HIDDEN.fullmatch(e.name[len(prefix):])
        if m and not _running(int(m.group(2))):
            stale[m.group(1)].append(Path(e.path))
            continue
        m = _HIDDEN_WITHOUT_PID.fullmatch(e.name[len(prefix):])
        if m and time.time() - e.stat(follow_symlinks=False).st_mtime > _UNTOUCHED_SECONDS:
            stale[m.group(1)].append(Path(e.path))
    notes = []
    set_aside = sorted(stale["replaced"], key=lambda p: p.stat().st_mtime)
    if set_aside and not out.exists():
        os.rename(set_aside.pop(), out)
        notes.append(f"the previous export in {out} was put back: an earlier export to it was "
                     "stopped between setting it aside and moving the new one in")
    for p in stale["writing"] + set_aside:
        shutil.rmtree(p, ignore_errors=True)
    if stale["writing"] or set_aside:
        notes.append(f"removed {len(stale['writing']) + len(set_aside)} hidden folder(s) left "
                     f"beside {out} by earlier exports that were stopped")
    return notes


_SHORT_WRITE = re.compile(r"(\d+) requested and (\d+) written")


class ExportWriteError(EmbedscopeError, OSError):
    """The export could not be written (no space left, no permission, a file in the way): names
    the path and the system's reason. An OSError too, for callers that handle file errors."""

    def __init__(self, message: str, errno: int | None = None):
        OSError.__init__(self, message)
        self.errno = errno


def _write_error(exc: OSError, out: Path) -> ExportWriteError:
    reason = exc.strerror or str(exc)
    short = _SHORT_WRITE.search(reason)
    if short:  # numpy's words for a write the system cut short, without an errno
        reason = (f"only {int(short[2]):,} of {int(short[1]):,} bytes could be written: the disk "
                  "is full or a file size limit (ulimit -f) was reached")
    where = f" ({exc.filename})" if exc.filename else ""
    return ExportWriteError(f"could not write the export {out}: {reason}{where}; {out} is as it "
                            "was before", exc.errno)


def _check_writable(out: Path) -> list[Path]:
    """ExportRefusedError when `out` cannot be made or written, before any work is done; the
    folders that will have to be made for it (outermost last)."""
    missing = []
    p = out.parent
    while not p.exists():
        missing.append(p)
        p = p.parent
    if not p.is_dir():
        raise ExportRefusedError(f"{p} is a file, so no folder can be made inside it for {out}")
    if not os.access(p, os.W_OK | os.X_OK):
        raise ExportRefusedError(f"{p} is read-only: {out} cannot be written there")
    if out.is_dir() and not os.access(out, os.W_OK | os.X_OK):
        raise ExportRefusedError(f"{out} is read-only: make it writable, or choose another folder")
    return missing


def write_export(emb, plan: ExportPlan, out_dir, force: bool = False, progress=None,
                 should_stop=None, hash_source: bool = True) -> dict:
    """Write the export into `out_dir` and return its manifest.

    Nothing partial is ever left: files go into a hidden folder next to `out_dir`, are read
    back and compared with what was meant, and only then moved into place. An existing empty
    folder is kept and the files moved into it (manifest.json last); with `force`, a non-empty
    folder is set aside, the new one renamed in, and the old one removed only then. A run that
    was killed is tidied up after by the next (`recover_interrupted`). Raises
    ExportRefusedError (nothing selected, a non-empty folder without force, an input file in the
    way, a read-only folder, a file where a folder must be), ExportWriteError (the system
    refused a write: no space, no permission), ExportVerificationError, SelectionError (an
    option that does not exist), Cancelled.
    """
    job = Job(progress, should_stop)
    writer = writer_of(plan)
    plan.validate()
    try:
        notes = recover_interrupted(out_dir)
        out = check_target(emb, plan, out_dir, force)
        made_parents = _check_writable(out)
    except OSError as exc:  # a folder on the way that cannot even be looked into
        raise _write_error(exc, Path(out_dir)) from None
    # A table that cannot be read stops the export before any work, and before any file.
    table = _read_table(plan.attributes, emb) if plan.attributes else None
    if plan.oov == "subwords":
        subwords_of(emb)
    layout_part = 0.02 if plan.alias else 0.2   # when asked for, aliasing is most of the work
    layout = plan_layout(emb, plan, job.sub(0.0, layout_part).progress, job.should_stop)
    if layout.rows == len(layout.specials):
        raise ExportRefusedError("no words were selected: nothing to export")
    _check_words(layout.words, writer)
    attributes_text = None
    if table is not None:
        _check_words_for_attributes(layout.words)
        attributes_text, attributes_entry, replaced = _attribute_lines(table, layout)
    if plan.alias:
        layout.aliases = find_aliases(emb, layout, FROM_EMBEDDING, plan.alias_min_similarity,
                                      job.sub(layout_part, 0.2).progress, job.should_stop)
    job.step(200, 1000, "building the matrix")
    matrix = build_matrix(emb, plan, layout)
    manifest = manifest_for(emb, plan, layout, writer.files, writer.holds_float16,
                            hash_source=hash_source, job=job.sub(0.2, 0.3))
    manifest["warnings"].extend(notes)
    if table is not None:
        manifest["attributes"] = dict(attributes_entry, sha256=file_sha256(table.path))
        if replaced:
            manifest["warnings"].append(
                f"{replaced:,} value(s) or column name(s) of {Path(table.path).name} held a tab "
                f"or a line break, written as a space in {ATTRIBUTES_FILE} so each row stays "
                "one line")
    job.step(300, 1000, "writing")
    # What the format stores: float16 rounding is kept, the storage is float32 where it must be.
    stored = matrix if writer.holds_float16 or matrix.dtype == np.float32 \
        else matrix.astype(np.float32)

    tmp = None
    try:
        out.parent.mkdir(parents=True, exist_ok=True)
        # Our own name rather than mkdtemp: mkdtemp's folder is private (0700) and would stay so
        # after the rename; mkdir gives the user's usual permissions.
        tmp = _hidden(out, "writing")
        tmp.mkdir()
        _write_files(tmp, writer, plan, layout, stored, manifest, attributes_text,
                     job.sub(0.3, 0.7))
        job.step(700, 1000, "reading back")
        _verify(tmp, writer, layout, stored, attributes_text, job.sub(0.7, 0.95))
        roles = {**writer.files, **COMPANION_FILES}
        if attributes_text is not None:
            roles[ATTRIBUTES_FILE] = ATTRIBUTES_ROLE
        manifest["files"] = [{"name": name, "role": role, "bytes": (tmp / name).stat().st_size,
                              "sha256": file_sha256(tmp / name)} for name, role in roles.items()]
        manifest["verified"] = True
        with open(tmp / "manifest.json", "w", encoding="utf-8", newline="\n") as f:
            json.dump(manifest, f, ensure_ascii=False, indent=2)
            f.write("\n")
        job.check()
        _move_into_place(tmp, out)
    except BaseException as exc:
        if tmp is not None:
            shutil.rmtree(tmp, ignore_errors=True)
        for d in made_parents:  # folders made for this export only: gone with it
            try:
                d.rmdir()
            except OSError:
                break
        if isinstance(exc, OSError) and not isinstance(exc, EmbedscopeError):
            raise _write_error(exc, out) from exc
        raise
    job.report(1000, 1000, "done")
    manifest["output_dir"] = str(out)
    return manifest


def _move_into_place(tmp: Path, out: Path) -> None:
    if out.is_dir() and not any(out.iterdir()):
        # The user's own (empty) folder is kept, with its permissions and owner: the files
        # move into it, manifest.json last, so a folder with a manifest is a complete export.
        names = sorted((p.name for p in tmp.iterdir()), key=lambda n: n == "manifest.json")
        moved = []
        try:
            for name in names:
                os.rename(tmp / name, out / name)
                moved.append(name)
        except BaseException:
            for name in moved:  # the folder goes back to empty, as the user left it
                os.rename(out / name, tmp / name)
            raise
        tmp.rmdir()
        return
    if not out.exists():
        os.rename(tmp, out)
        return
    # Killed between these two renames, the old export waits as .replaced-…; the next export
    # to this folder renames it back (recover_interrupted).
    old = _hidden(out, "replaced")
    os.rename(out, old)
    try:
        os.rename(tmp, out)
    except BaseException:
        os.rename(old, out)  # the old contents come back before anything is lost
        raise
    shutil.rmtree(old, ignore_errors=True)


def _write_files(tmp: Path, writer: Writer, plan: ExportPlan, layout: Layout,
                 stored: np.ndarray, manifest: dict, attributes_text: str | None,
                 job: Job) -> None:
    words = layout.words
    writer.write(tmp, words, stored, {"words": "vocab.txt", "rows": str(layout.rows),
                                      "pad_index": str(layout.pad_row),
                                      "unk_index": str(layout.unk_row)})
    job.step(1, 3, "writing the words")
    with open(tmp / "vocab.txt", "w", encoding="utf-8", newline="\n") as f:
        f.write("\n".join(words))
        f.write("\n")
    entries = [f"{encode_basestring(w)}: {i}" for i, w in enumerate(words)]
    if layout.aliases is not None:    # after the rows' own words, in the source's row order
        entries += [f"{encode_basestring(w)}: {r}"
                    for w, r in zip(layout.aliases.words, layout.aliases.rows.tolist())]
    with open(tmp / "word_index.json", "w", encoding="utf-8", newline="\n") as f:
        # One entry per line, readable and diffable; json's C string encoder keeps it fast.
        f.write("{\n" + ",\n".join(entries) + "\n}\n")
    job.step(2, 3, "writing USAGE.md")
    with open(tmp / "USAGE.md", "w", encoding="utf-8", newline="\n") as f:
        f.write(usage_text(plan, layout, manifest, writer.load_code))
    if attributes_text is not None:
        with open(tmp / ATTRIBUTES_FILE, "w", encoding="utf-8", newline="\n") as f:
            f.write(attributes_text)


def _verify(tmp: Path, writer: Writer, layout: Layout, stored: np.ndarray,
            attributes_text: str | None, job: Job) -> None:
    """Read every written file back and compare it with what was meant to be written."""
    name = writer.matrix_file
    words = layout.words

    def fail(what):
        raise ExportVerificationError(f"{name} did not read back as written: {what}")

    back_words, got = writer.read_back(tmp)
    if back_words is not None and back_words != words:
        i = next((k for k, (a, b) in enumerate(zip(back_words, words)) if a != b),
                 min(len(back_words), len(words)))
        fail(f"word {i} is {back_words[i] if i < len(back_words) else None!r}, "
             f"expected {words[i] if i < len(words) else None!r}")
    got = np.asarray(got)
    if got.shape != stored.shape:
        fail(f"shape {got.shape}, expected {stored.shape}")
    if got.dtype != stored.dtype:
        fail(f"dtype {got.dtype}, expected {stored.dtype}")
    # Bitwise: what was written must come back bit for bit (and memcmp is fast).
    if np.ascontiguousarray(got).tobytes() != np.ascontiguousarray(stored).tobytes():
        bad = int(np.flatnonzero(~np.all((got == stored) | (np.isnan(got) & np.isnan(stored)),
                                         axis=1))[0])
        fail(f"row {bad} ('{words[bad]}') differs")
    job.step(1, 2, "reading back the words")
    text = (tmp / "vocab.txt").read_text(encoding="utf-8")
    if text.split("\n")[:-1] != words:
        raise ExportVerificationError("vocab.txt did not read back as written")
    with open(tmp / "word_index.json", encoding="utf-8") as f:
        index = json.load(f)
    aliases = layout.aliases
    entries = list(zip(words, range(len(words))))
    if aliases is not None:
        entries += zip(aliases.words, aliases.rows.tolist())
    if len(index) != len(entries) or any(index.get(w) != i for w, i in entries):
        raise ExportVerificationError("word_index.json did not read back as written")
    if attributes_text is not None and \
            (tmp / ATTRIBUTES_FILE).read_text(encoding="utf-8") != attributes_text:
        raise ExportVerificationError(f"{ATTRIBUTES_FILE} did not read back as written")


# --- attributes.tsv ----------------------------------------------------------------------------
def _read_table(path, emb) -> AttributeTable:
    """The attribute table of a plan joined onto `emb`: EmbeddingFormatError (naming the file
    and line) when it cannot be read or has no column beside its words."""
    table = read_attribute_table(path, emb)
    if not table.attributes:
        raise EmbeddingFormatError(path, "line 1 (the header)",
                                   "no column beside the word column",
                                   f"a header naming the word column and the columns to write "
                                   f"in {ATTRIBUTES_FILE}")
    return table


_TO_SPACE = str.maketrans({"\t": " ", "\n": " ", "\r": " "})


def _one_line(text: str) -> tuple[str, bool]:
    """`text` with tabs and line breaks made spaces, and whether there were any."""
    if "\t" not in text and "\n" not in text and "\r" not in text:
        return text, False
    return text.replace("\r\n", " ").translate(_TO_SPACE), True


def _attribute_lines(table: AttributeTable, layout: Layout) -> tuple[str, dict, int]:
    """(text of attributes.tsv, the manifest's "attributes" entry, how many values had tabs or
    line breaks made spaces). A row copied from a source row has that row's values; a row made
    up (padding, unknown word, special token, missing word) those the table gives its exact
    word, or none."""
    columns = values_per_row(table, layout.source_rows, layout.words)
    replaced = 0
    header = ["word"]
    for name in columns:
        name, changed = _one_line(name)
        header.append(name)
        replaced += changed
    cells = []
    for values in columns.values():
        fixed = []
        for v in values:
            v, changed = _one_line(v)
            fixed.append(v)
            replaced += changed
        cells.append(fixed)
    with_value = np.zeros(layout.rows, dtype=bool)
    for values in cells:
        with_value |= np.fromiter((v != "" for v in values), bool, layout.rows)
    lines = ["\t".join(header)]
    lines += ["\t".join(row) for row in zip(layout.words, *cells)]
    entry = {
        "file": ATTRIBUTES_FILE,
        "path": str(Path(table.path).resolve()),
        "columns": [{"name": a.name, "kind": a.kind} for a in table.attributes],
        "table_rows": table.table_rows,
        "words_matched": table.matched,
        "rows_with_value": int(with_value.sum()),
        "rule": "a row copied from the source has the values the table gives its word (as "
                "written, else by case fallback); a padding, unknown-word, special or missing-"
                "word row those of the table line naming exactly its token, else none (empty)",
    }
    return "\n".join(lines) + "\n", entry, replaced
