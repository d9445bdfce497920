"""Projections kept on disk, so reopening a file shows its last map at once.

One `.npz` per projection under `cache_dir("projections")`, named by the embedding's pairing
key (the file's fingerprint and how its words were paired with its rows, core.pairing) and a
hash of (rows, method, parameters, seed, axes): a map made before a fix that re-paired the
words is never shown after it. Files are written to a
temporary name and renamed, so a crash never leaves half a cache entry. An embedding built in
memory has no file fingerprint, so its key uses a hash of the projected vectors instead.
"""
from __future__ import annotations

import hashlib
import json
import os
import tempfile

import numpy as np

from .cache_dir import cache_dir
from .pairing import pairing_key
from .projection_result import Projection

VERSION = 1  # bump when the meaning of a stored projection changes


def _source_id(emb, rows: np.ndarray) -> str:
    if emb.source.path:
        return pairing_key(emb)
    h = hashlib.sha256(b"memory")
    h.update(np.ascontiguousarray(emb.vectors[rows], dtype=np.float32).tobytes())
    return "mem" + h.hexdigest()[:13]


def key_for(emb, rows, method, params, seed, axes) -> str:
    rows = np.ascontiguousarray(rows, dtype="<i8")
    h = hashlib.sha256()
    h.update(json.dumps({"v": VERSION, "method": method, "params": params, "seed": seed,
                         "axes": axes, "n": len(rows)}, sort_keys=True, default=str).encode())
    h.update(rows.tobytes())
    return f"{_source_id(emb, rows)}-{h.hexdigest()[:24]}"


def _path(key: str):
    return cache_dir("projections") / f"{key}.npz"


def lookup(emb, key: str, rows: np.ndarray):
    """The cached Projection for `key`, or None (a missing or unreadable file is a miss)."""
    path = _path(key)
    if not path.is_file():
        return None
    proj = _read(path)
    if proj is None or not np.array_equal(proj.rows, rows):
        return None
    _remember_last(emb, key)
    return proj


def last(emb):
    """The projection last computed or opened for this embedding's file, or None."""
    if not emb.source.path:
        return None
    pointer = cache_dir("projections") / f"{pairing_key(emb)}.last.json"
    try:
        key = json.loads(pointer.read_text(encoding="utf-8"))["key"]
    except (OSError, ValueError, KeyError, TypeError):
        return None
    path = _path(key)
    return _read(path) if path.is_file() else None


def store(emb, key: str, proj) -> None:
    """Write the projection atomically; a full disk or read-only cache just skips caching."""
    meta = {"method": proj.method, "params": proj.params, "quality": proj.quality,
            "explained_variance": proj.explained_variance, "seconds": proj.seconds,
            "seed": proj.seed, "axes": proj.axes, "timings": proj.timings, "v": VERSION}
    folder = cache_dir("projections")
    try:
        fd, tmp = tempfile.mkstemp(dir=folder, prefix=".tmp-", suffix=".npz")
        try:
            with os.fdopen(fd, "wb") as f:
                np.savez(f, coords=proj.coords, rows=proj.rows,
                         meta=np.array(json.dumps(meta, default=str)))
            os.replace(tmp, _path(key))
        except BaseException:
            if os.path.exists(tmp):
                os.unlink(tmp)
            raise
        _remember_last(emb, key)
    except OSError:
        pass


def _remember_last(emb, key: str) -> None:
    if not emb.source.path:
        return
    folder = cache_dir("projections")
    pointer = folder / f"{pairing_key(emb)}.last.json"
    try:
        fd, tmp = tempfile.mkstemp(dir=folder, prefix=".tmp-", suffix=".json")
        with os.fdopen(fd, "w", encoding="utf-8") as f:
            json.dump({"key": key}, f)
        os.replace(tmp, pointer)
    except OSError:
        pass


def _read(path):
    try:
        with np.load(path, allow_pickle=False) as z:
            coords = np.asarray(z["coords"], dtype=np.float32)
            rows = np.asarray(z["rows"], dtype=np.int64)
            meta = json.loads(str(z["meta"]))
    except Exception:  # noqa: BLE001 - a damaged or foreign file is only a cache miss
        return None
    if meta.get("v") != VERSION or coords.shape != (len(rows), 2):
        return None
    ev = meta.get("explained_variance")
    axes = meta.get("axes")
    return Projection(coords=coords, rows=rows, method=meta["method"], params=meta["params"],
                      quality=meta.get("quality"),
                      explained_variance=tuple(ev) if ev is not None else None,
                      seconds=float(meta.get("seconds", 0.0)), from_cache=True,
                      seed=meta.get("seed"),
                      axes=[tuple(a) for a in axes] if axes else None,
                      timings=meta.get("timings") or {})
