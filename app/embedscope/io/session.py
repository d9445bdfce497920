"""Session files: what the window showed, saved as one small JSON file and opened again.

The window (gui/session.py) gathers its state into a plain dict; this module writes it with
paths beside the session file stored relative to it, stamps each opened file (size, modified
time, sha256 of its first and last MiB: cheap even for a 3 GB file, and an edit almost anywhere
changes one of them), and on reading says which of those files changed since.

Layout (version 1; every entry but "source" may be absent or null):
    source      {"path", "vocab_path", "tensor", "format", "files": {path: stamp},
                 "pairing": how a fix re-paired words and rows (io.recipe.pairing_entry)}
    selection   [{"name": where the words came from, "words": [...]}]  (named word lists)
    map         {"method", "params", "seed", "axes", "first": N or "words": [...],
                 "points", "view": [[x0, x1], [y0, y1]], "density": bool, "clusters": bool}
    attributes  {"tables": [paths], "words_files": [paths], "shown": the attribute shown,
                 "filter": {"attribute", "low", "high"} or {"attribute", "categories": [...]},
                 "show_only": whether the map shows only the points the filter keeps}
    colour      the colour mode's label (an attribute's label too)
    picked      the word picked on the map
    neighbours  {"word", "k", "metric"}
    analogy     {"expression", "k", "method"}
    comparison  {"path", "vocab_path", "tensor", "files", "align", "k", "sample"}
    export      {"plan": ExportPlan.to_dict(all_words=True), "folder", "open"}
"""
from __future__ import annotations

import copy
import hashlib
import os
import time
from pathlib import Path

from .._version import __version__
from ..core.errors import SavedFileError
from .recipe import read_json, resolved_path, stored_path, write_json

SESSION_KIND = "embedscope session"
SESSION_VERSION = 1
SESSION_SUFFIX = ".session.json"
_ENDS = 1 << 20  # bytes hashed at each end of a file


def file_stamp(path) -> dict | None:
    """Size, modified time and sha256 of the first and last MiB of a file (None if absent)."""
    if not path or not os.path.isfile(path):
        return None
    st = os.stat(path)
    h = hashlib.sha256()
    with open(path, "rb") as f:
        h.update(f.read(_ENDS))
        if st.st_size > 2 * _ENDS:
            f.seek(-_ENDS, os.SEEK_END)
            h.update(f.read(_ENDS))
    return {"size": st.st_size, "mtime": round(st.st_mtime, 3), "sha256_ends": h.hexdigest()}


def stamps(*paths) -> dict:
    """{path: stamp} of the files that exist among `paths`."""
    found = {str(p): file_stamp(p) for p in paths if p}
    return {p: s for p, s in found.items() if s is not None}


def stamp_changes(path: str, stamp: dict) -> list[str]:
    """How the file at `path` differs from its stamp, in words; empty when it does not."""
    now = file_stamp(path)
    name = Path(path).name
    if now is None:
        return [f"{name} is gone ({path})"]
    out = []
    if now["size"] != stamp.get("size"):
        out.append(f"{name} is {now['size']:,} bytes, was {stamp.get('size', 0):,}")
    elif now["sha256_ends"] != stamp.get("sha256_ends"):
        out.append(f"{name} has different contents (same size)")
    if abs(now["mtime"] - float(stamp.get("mtime", 0))) > 0.01:
        when = time.strftime("%Y-%m-%d %H:%M", time.localtime(now["mtime"]))
        out.append(f"{name} was modified on {when}, after the session was saved"
                   if now["mtime"] > float(stamp.get("mtime", 0)) else
                   f"{name} has another modified time ({when})")
    return out


def changes(session: dict) -> list[str]:
    """How the source (and the comparison's second embedding) changed on disk since the
    session was saved; empty when nothing did."""
    out = []
    for part in ("source", "comparison"):
        entry = session.get(part) or {}
        for path, stamp in (entry.get("files") or {}).items():
            out += stamp_changes(path, stamp)
    return out


# --- paths ----------------------------------------------------------------------------------
def _paths(data: dict, convert) -> dict:
    """A copy of a session with every path passed through `convert`."""
    data = copy.deepcopy(data)
    for part in ("source", "comparison"):
        entry = data.get(part)
        if isinstance(entry, dict):
            for key in ("path", "vocab_path"):
                entry[key] = convert(entry.get(key))
            if isinstance(entry.get("files"), dict):
                entry["files"] = {convert(p): s for p, s in entry["files"].items()}
    attributes = data.get("attributes")
    if isinstance(attributes, dict):
        for key in ("tables", "words_files"):
            if isinstance(attributes.get(key), list):
                attributes[key] = [convert(p) for p in attributes[key]]
    export = data.get("export")
    if isinstance(export, dict):
        export["folder"] = convert(export.get("folder"))
        for s in (export.get("plan") or {}).get("sources", []):
            if isinstance(s, dict) and isinstance(s.get("path"), str):
                s["path"] = convert(s["path"])
    return data


def save_session(path, state: dict) -> Path:
    """Write the window's state (absolute paths) as a session file at `path`."""
    path = Path(path).expanduser().resolve()
    base = path.parent
    data = {"kind": SESSION_KIND, "version": SESSION_VERSION,
            "written_by": f"embedscope {__version__}"}
    data.update(_paths(state, lambda p: stored_path(p, base) if isinstance(p, str) else p))
    return write_json(path, data)


def read_session(path) -> dict:
    """The session at `path` with its paths made absolute again. SavedFileError names what is
    wrong with a file that is not a session this version reads."""
    path = Path(path).expanduser().resolve()
    data = read_json(path, SESSION_KIND, SESSION_VERSION)
    source = data.get("source")
    if not isinstance(source, dict) or not isinstance(source.get("path"), str):
        raise SavedFileError(path, "source", "no embedding file named",
                             '"source": {"path": …}')
    for part in ("selection", "map", "attributes", "neighbours", "analogy", "comparison",
                 "export"):
        value = data.get(part)
        kind = list if part == "selection" else dict
        if value is not None and not isinstance(value, kind):
            raise SavedFileError(path, part, f"{value!r} is not a {kind.__name__}")
    return _paths(data, lambda p: resolved_path(p, path.parent) if isinstance(p, str) else p)
