"""Export recipes: an export plan saved as a small file and run again with no window.

A recipe is JSON: the standard library reads and writes it (TOML it only reads), it keeps
any word exactly, and with one entry per line it diffs well. It holds every option of the plan
(explicit word lists whole, so a plan made from a selection on the plot travels with its
words), the source it was made for (path, sha256) and the sha256 of every words file, corpus
and attribute table the plan reads, so that rerunning it on the same files gives the same
bytes. Paths inside the recipe's folder are stored relative to it, so a folder holding both
moves as one.
"""
from __future__ import annotations

import hashlib
import json
import os
from dataclasses import dataclass
from pathlib import Path

from .._version import __version__
from ..core.errors import ExportRefusedError, SavedFileError, SourceChangedError
from ..core.export import ExportPlan, file_sha256
from ..core.jobs import Job
from ..core.pairing import repair
from ..core.vocabulary import Corpus, SelectionError, WordsFile
from .words_file import words_source

RECIPE_KIND = "embedscope export recipe"
RECIPE_VERSION = 1
RECIPE_SUFFIX = ".recipe.json"


@dataclass
class Recipe:
    """A recipe as read: the plan, and what it was made from (paths made absolute)."""

    path: Path
    plan: ExportPlan
    source: dict              # path, format, vocab_path, tensor, rows, dim, size, sha256,
                              # pairing
    inputs: dict[str, str]    # each words file, corpus and attribute table the plan reads →
                              # its sha256 then


# --- paths beside the saved file ------------------------------------------------------------
def stored_path(path, base) -> str | None:
    """How a saved file names `path`: relative (with /) when it lies in `base`'s folder or
    below, so the folder can move; absolute otherwise."""
    if path is None:
        return None
    p = Path(path).expanduser().resolve()
    try:
        return p.relative_to(Path(base).expanduser().resolve()).as_posix()
    except ValueError:
        return str(p)


def resolved_path(text, base) -> str | None:
    """The absolute path a saved file's `stored_path` names."""
    if text is None:
        return None
    p = Path(text).expanduser()
    return str(p if p.is_absolute() else (Path(base) / p).resolve())


# --- identity of the files read -----------------------------------------------------------------
def source_files(emb) -> list[str]:
    """The files whose bytes make the embedding: the file itself, or a model folder's
    weights files."""
    src = emb.source
    if src.model is not None:
        return list(src.model.weights)
    return [src.path] if src.path and os.path.isfile(src.path) else []


def source_sha256(emb, job: Job | None = None) -> str | None:
    """sha256 of the source file (for a model folder, of its weights files' hashes in order);
    None for an embedding built in memory."""
    files = source_files(emb)
    if not files:
        return None
    if len(files) == 1:
        return file_sha256(files[0], job)
    h = hashlib.sha256()
    for f in files:
        h.update(f"{Path(f).name} {file_sha256(f, job)}\n".encode())
    return h.hexdigest()


def pairing_entry(emb) -> dict | None:
    """How a fix re-paired the words and rows (core.pairing), as a saved file holds it; None
    when word i sits on row i as the files were read."""
    p = emb.source.pairing
    if p is None:
        return None
    return {"words_from": p.words_from, "rows_from": p.rows_from, "count": p.count,
            "fixes": list(p.fixes)}


def re_pair(emb, entry: dict):
    """`emb` (loaded with its words file's length unchecked) paired as `pairing_entry` says.
    SavedFileError when the entry does not fit these files any more."""
    try:
        fixed = repair(emb, int(entry["words_from"]), int(entry["rows_from"]),
                       "; ".join(entry.get("fixes") or []) or "re-paired as saved")
    except (KeyError, TypeError, ValueError) as exc:
        raise SavedFileError(None, "source.pairing",
                             f"cannot pair the words as saved ({exc})") from None
    if entry.get("count") is not None and fixed.rows != entry["count"]:
        raise SavedFileError(None, "source.pairing", f"re-pairing gives {fixed.rows:,} rows, "
                             f"not the {entry['count']:,} saved (the files changed)")
    return fixed


def source_identity(emb, base, sha256: str | None = None, job: Job | None = None) -> dict:
    """The source as a saved file names it; `sha256` when already known (a manifest's)."""
    src = emb.source
    vocab = src.vocab_path if src.vocab_path and os.path.isfile(src.vocab_path) else None
    return {
        "path": stored_path(src.path, base), "format": src.format,
        "vocab_path": stored_path(src.vocab_path, base), "tensor": src.tensor,
        "rows": emb.rows, "dim": emb.dim, "size": src.size,
        "sha256": sha256 if sha256 is not None else source_sha256(emb, job),
        "vocab_sha256": file_sha256(vocab, job) if vocab else None,
        "pairing": pairing_entry(emb),
    }


# --- writing ---------------------------------------------------------------------------------
def recipe_dict(emb, plan: ExportPlan, recipe_path, source_sha256: str | None = None,
                progress=None, should_stop=None) -> dict:
    """What `save_recipe` writes. Hashing a big source takes a while: pass the manifest's
    `source.sha256` when the export was just written. A fix that re-paired words and rows
    (`--fix-shift`, the Check panel's buttons) is saved as the pairing it made, so a rerun
    pairs them the same way."""
    if not emb.source.path:
        raise ExportRefusedError("this embedding was built in memory: a recipe needs the file "
                                 "it is exported from")
    job = Job(progress, should_stop)
    base = Path(recipe_path).expanduser().resolve().parent
    plan_dict = plan.to_dict(all_words=True)
    for s in plan_dict["sources"]:
        if s["kind"] in (WordsFile.kind, Corpus.kind):
            s["sha256"] = file_sha256(s["path"], job) if os.path.isfile(s["path"]) else None
            s["path"] = stored_path(s["path"], base)
        s.pop("tokenizer_rule", None)  # a manifest's explanation, not an option
    if plan.attributes:
        # Beside the option, not in it: read_recipe takes it out before rebuilding the plan.
        plan_dict["attributes_sha256"] = (file_sha256(plan.attributes, job)
                                          if os.path.isfile(plan.attributes) else None)
        plan_dict["attributes"] = stored_path(plan.attributes, base)
    return {
        "kind": RECIPE_KIND, "version": RECIPE_VERSION, "written_by": f"embedscope {__version__}",
        "source": source_identity(emb, base, source_sha256, job),
        "plan": plan_dict,
    }


def write_json(path, data: dict) -> Path:
    """Write a saved file whole or not at all (a crash leaves the old one)."""
    path = Path(path).expanduser()
    tmp = path.with_name(f".{path.name}.writing")
    with open(tmp, "w", encoding="utf-8", newline="\n") as f:
        json.dump(data, f, ensure_ascii=False, indent=2)
        f.write("\n")
    os.replace(tmp, path)
    return path


def save_recipe(path, emb, plan: ExportPlan, source_sha256: str | None = None,
                progress=None, should_stop=None) -> Path:
    """Write the plan for `emb` as a recipe at `path` (arguments as `recipe_dict`'s)."""
    plan.validate()
    return write_json(path, recipe_dict(emb, plan, path, source_sha256, progress, should_stop))


# --- reading ---------------------------------------------------------------------------------
def read_json(path, kind: str, version: int) -> dict:
    """A saved file's JSON object, checked to be a `kind` file of a version this program reads."""
    path = Path(path).expanduser()
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise SavedFileError(path, None, f"cannot read the file ({exc.strerror})") from None
    except UnicodeDecodeError as exc:
        raise SavedFileError(path, f"byte {exc.start}", "not UTF-8 text",
                             f"an {kind} (JSON)") from None
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        raise SavedFileError(path, f"line {exc.lineno}, column {exc.colno}", exc.msg,
                             f"an {kind} (JSON)") from None
    if not isinstance(data, dict) or data.get("kind") != kind:
        raise SavedFileError(path, None, "not an " + kind, f'"kind": "{kind}"')
    if data.get("version") != version:
        raise SavedFileError(path, "version", f"version {data.get('version')!r} is not one "
                             f"this Embedscope {__version__} reads", f"version {version}")
    return data


def read_recipe(path) -> Recipe:
    """The recipe at `path`, its words files read again. SavedFileError names the entry that
    is wrong; EmbeddingFormatError a words file that cannot be read."""
    path = Path(path).expanduser().resolve()
    data = read_json(path, RECIPE_KIND, RECIPE_VERSION)
    base = path.parent
    source = data.get("source")
    if not isinstance(source, dict) or not isinstance(source.get("path"), str):
        raise SavedFileError(path, "source", "no source path", "the embedding file it names")
    source = dict(source, path=resolved_path(source["path"], base),
                  vocab_path=resolved_path(source.get("vocab_path"), base))
    plan_dict = data.get("plan")
    if not isinstance(plan_dict, dict) or not isinstance(plan_dict.get("sources", []), list):
        raise SavedFileError(path, "plan", "no export plan", "the export's options")
    plan_dict = dict(plan_dict, sources=[dict(s) if isinstance(s, dict) else s
                                         for s in plan_dict.get("sources", [])])
    inputs = {}
    for s in plan_dict["sources"]:
        if isinstance(s, dict) and isinstance(s.get("path"), str):
            s["path"] = resolved_path(s["path"], base)
            if s.get("sha256"):
                inputs[s["path"]] = s.pop("sha256")
    attributes_sha256 = plan_dict.pop("attributes_sha256", None)
    if isinstance(plan_dict.get("attributes"), str):
        plan_dict["attributes"] = resolved_path(plan_dict["attributes"], base)
        if attributes_sha256:
            inputs[plan_dict["attributes"]] = attributes_sha256
    try:
        plan = ExportPlan.from_dict(plan_dict, words_source)
    except SelectionError as exc:
        raise SavedFileError(path, "plan", str(exc)) from None
    return Recipe(path, plan, source, inputs)


def differences(recipe: Recipe, emb, progress=None, should_stop=None) -> list[str]:
    """How `emb` and the plan's words files and corpora differ from those the recipe was made
    from (by sha256); empty when they are the same bytes."""
    job = Job(progress, should_stop)
    out = []
    want = recipe.source.get("sha256")
    name = Path(recipe.source["path"]).name
    if (emb.rows, emb.dim) != (recipe.source.get("rows"), recipe.source.get("dim")):
        out.append(f"the source has {emb.rows:,} × {emb.dim}, the recipe was made for "
                   f"{name} with {recipe.source.get('rows')} × {recipe.source.get('dim')}")
    elif want:
        got = source_sha256(emb, job)
        if got != want:
            out.append(f"{Path(emb.source.path or '').name or 'the source'} has sha256 "
                       f"{(got or 'none')[:16]}…, the recipe was made for {name} with sha256 "
                       f"{want[:16]}…")
    want_vocab = recipe.source.get("vocab_sha256")
    vocab = emb.source.vocab_path
    if want_vocab and vocab and os.path.isfile(vocab) and file_sha256(vocab, job) != want_vocab:
        out.append(f"the words file {Path(vocab).name} is not the one the recipe was made with "
                   "(sha256 differs)")
    for p, want_input in recipe.inputs.items():
        what = "the attribute table " if p == recipe.plan.attributes else ""
        if not os.path.isfile(p):
            out.append(f"{what}{p} is gone")
        elif file_sha256(p, job) != want_input:
            out.append(f"{what}{Path(p).name} changed since the recipe was saved (sha256 "
                       "differs)")
    return out


def check_same_source(recipe: Recipe, emb, progress=None, should_stop=None) -> None:
    """SourceChangedError when `differences` finds any."""
    found = differences(recipe, emb, progress, should_stop)
    if found:
        raise SourceChangedError(found)

