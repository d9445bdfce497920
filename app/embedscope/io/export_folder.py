"""Writing an export folder in any output format of WRITERS, safely: into a temporary folder
beside the target, read back bit for bit, then renamed into place.

`preview(emb, plan)` says what would be written (cheap enough to call on each option change);
`write_export(emb, plan, out_dir)` writes the matrix file(s), `vocab.txt`, `word_index.json`,
a `USAGE.md` with PyTorch and Keras code for exactly these files, and `manifest.json`.
"""
from __future__ import annotations

import json
import os
import shutil
import time
import uuid
from json.encoder import encode_basestring
from pathlib import Path

import numpy as np

from ..core.errors import EmbedscopeError, ExportRefusedError
from ..core.export import (
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
    if not writer.holds_spaces:
        for w in words:
            if len(w.split()) != 1 or w != w.strip() or "\t" in w:
                others = [name for name, wr in WRITERS.items() if wr.holds_spaces]
                raise ExportRefusedError(
                    f"the word {w!r} contains white space, which the {writer.name} format uses "
                    f"to separate fields: choose {', '.join(others[:-1])} or {others[-1]}")


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
    paths = [emb.source.path, emb.source.vocab_path]
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
def write_export(emb, plan: ExportPlan, out_dir, force: bool = False, progress=None,
                 should_stop=None, hash_source: bool = True) -> dict:
    """Write the export into `out_dir` and return its manifest.

    Nothing partial is ever left: files go into a temporary folder next to `out_dir`, are read
    back and compared with what was meant, and only then renamed into place (with `force`, the
    old folder is set aside and removed only after the new one is in place). Raises
    ExportRefusedError (nothing selected, a non-empty folder without force, an input file in the
    way), ExportVerificationError, SelectionError (an option that does not exist), Cancelled.
    """
    job = Job(progress, should_stop)
    writer = writer_of(plan)
    plan.validate()
    out = check_target(emb, plan, out_dir, force)
    if plan.oov == "subwords":
        subwords_of(emb)
    layout_part = 0.02 if plan.alias else 0.2   # when asked for, aliasing is most of the work
    layout = plan_layout(emb, plan, job.sub(0.0, layout_part).progress, job.should_stop)
    if layout.rows == len(layout.specials):
        raise ExportRefusedError("no words were selected: nothing to export")
    _check_words(layout.words, writer)
    if plan.alias:
        layout.aliases = find_aliases(emb, layout, FROM_EMBEDDING, plan.alias_min_similarity,
                                      job.sub(layout_part, 0.2).progress, job.should_stop)
    job.step(200, 1000, "building the matrix")
    matrix = build_matrix(emb, plan, layout)
    manifest = manifest_for(emb, plan, layout, writer.files, writer.holds_float16,
                            hash_source=hash_source, job=job.sub(0.2, 0.3))
    job.step(300, 1000, "writing")
    # What the format stores: float16 rounding is kept, the storage is float32 where it must be.
    stored = matrix if writer.holds_float16 or matrix.dtype == np.float32 \
        else matrix.astype(np.float32)

    parent = out.parent
    made_parents = []
    p = parent
    while not p.exists():
        made_parents.append(p)
        p = p.parent
    parent.mkdir(parents=True, exist_ok=True)
    # Our own name rather than mkdtemp: mkdtemp's folder is private (0700) and would stay so
    # after the rename; mkdir gives the user's usual permissions.
    tmp = parent / f".{out.name}.writing-{uuid.uuid4().hex[:12]}"
    tmp.mkdir()
    try:
        _write_files(tmp, writer, plan, layout, stored, manifest, job.sub(0.3, 0.7))
        job.step(700, 1000, "reading back")
        _verify(tmp, writer, layout, stored, job.sub(0.7, 0.95))
        roles = {**writer.files, **COMPANION_FILES}
        manifest["files"] = [{"name": name, "role": role, "bytes": (tmp / name).stat().st_size,
                              "sha256": file_sha256(tmp / name)} for name, role in roles.items()]
        manifest["verified"] = True
        with open(tmp / "manifest.json", "w", encoding="utf-8", newline="\n") as f:
            json.dump(manifest, f, ensure_ascii=False, indent=2)
            f.write("\n")
        job.check()
        _move_into_place(tmp, out)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        for d in made_parents:  # folders made for this export only: gone with it
            try:
                d.rmdir()
            except OSError:
                break
        raise
    job.report(1000, 1000, "done")
    manifest["output_dir"] = str(out)
    return manifest


def _move_into_place(tmp: Path, out: Path) -> None:
    if out.is_dir() and not any(out.iterdir()):
        out.rmdir()
        try:
            os.rename(tmp, out)
        except BaseException:
            out.mkdir(exist_ok=True)  # the user's empty folder stays as it was
            raise
        return
    if not out.exists():
        os.rename(tmp, out)
        return
    old = out.with_name(f".{out.name}.replaced-{uuid.uuid4().hex[:8]}")
    os.rename(out, old)
    try:
        os.rename(tmp, out)
    except BaseException:
        os.rename(old, out)  # the old contents come back before anything is lost
        raise
    shutil.rmtree(old, ignore_errors=True)


def _write_files(tmp: Path, writer: Writer, plan: ExportPlan, layout: Layout,
                 stored: np.ndarray, manifest: dict, job: Job) -> None:
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


def _verify(tmp: Path, writer: Writer, layout: Layout, stored: np.ndarray, job: Job) -> None:
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
