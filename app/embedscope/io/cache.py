"""The parse cache: after a text or binary file is parsed once, its matrix is kept as a .npy in
the user's cache folder, so the next open is a memory-map (400,000 × 50 in a few hundredths of
a second) instead of a parse.

An entry is a folder `<file id>-<state id>` under `cache_dir("matrices")` holding
`vectors.npy`, `words.txt` (UTF-8, one word per line: these formats cannot hold a word with a
line break) and `meta.json` (warnings, header, rows). The file id hashes the absolute path,
the format and the words file; the state id adds size, modification time (nanoseconds) and a
digest of the content of both (see `content_digest`), so an edited file misses the cache —
even one replaced by other content of the same size and time (`cp -p`, `rsync -t`, an archive
extraction) — and its old entry is removed when the new one is written. Entries are written
in a temporary folder and renamed into place, so a crash never leaves a half-written entry;
anything unreadable in an entry makes it a miss (and it is deleted), never an error.

Size: least recently used entries are evicted once the cache passes 5 GiB (or
$EMBEDSCOPE_CACHE_MAX_BYTES); a matrix bigger than that limit is not cached at all.
"""
from __future__ import annotations

import hashlib
import json
import os
import shutil
import tempfile
import time
from pathlib import Path

import numpy as np

from ..core.cache_dir import cache_dir
from ..core.embedding import Embedding, Source

VERSION = 1
DEFAULT_MAX_BYTES = 5 << 30
STALE_TEMP_SECONDS = 3600


def max_bytes() -> int:
    try:
        return int(os.environ.get("EMBEDSCOPE_CACHE_MAX_BYTES", DEFAULT_MAX_BYTES))
    except ValueError:
        return DEFAULT_MAX_BYTES


DIGEST_WHOLE = 4 << 20    # files up to this size are hashed whole
DIGEST_PIECE = 64 << 10   # else: the head, the tail and DIGEST_SAMPLES pieces between
DIGEST_SAMPLES = 32


def content_digest(path) -> str:
    """A fast digest of a file's content: all of it when small; else its first and last
    64 KiB and 32 pieces spread evenly between (2 MiB read, whatever the size), so files of
    the same size and time whose content differs are told apart without reading gigabytes."""
    h = hashlib.blake2b(digest_size=16)
    with open(path, "rb") as f:
        size = os.fstat(f.fileno()).st_size
        if size <= DIGEST_WHOLE:
            h.update(f.read())
        else:
            span = size - DIGEST_PIECE
            for k in range(DIGEST_SAMPLES + 2):
                f.seek(span * k // (DIGEST_SAMPLES + 1))
                h.update(f.read(DIGEST_PIECE))
    return h.hexdigest()


def _ids(path, format_name: str, vocab) -> tuple[str, str]:
    p = Path(path).resolve()
    v = Path(vocab).resolve() if vocab is not None else None
    ident = f"{p}\0{format_name}\0{v or ''}\0v{VERSION}"
    state = ident
    for f in (p, v):
        if f is not None:
            st = f.stat()
            state += f"\0{st.st_size}:{st.st_mtime_ns}:{content_digest(f)}"
    return (hashlib.sha256(ident.encode()).hexdigest()[:16],
            hashlib.sha256(state.encode()).hexdigest()[:16])


def entry_dir(path, format_name: str, vocab=None) -> Path:
    """Where the cache entry of this file (in its current state) lives."""
    file_id, state_id = _ids(path, format_name, vocab)
    return cache_dir("matrices") / f"{file_id}-{state_id}"


def _remove(d: Path) -> None:
    shutil.rmtree(d, ignore_errors=True)


def _lines(blob: bytes, block: int = 1 << 17) -> list[str]:
    """`blob.decode("utf-8").split("\n")`, a block of lines at a time: one split of 400,000
    words holds Python's GIL for 0.1–0.2 s, and the window, whose UI thread needs the GIL to
    draw, froze that long on every reopen; between blocks the UI thread gets its turn."""
    out: list[str] = []
    start, n = 0, len(blob)
    while True:
        end = blob.find(b"\n", min(start + block, n))
        if end < 0:
            out.extend(blob[start:].decode("utf-8").split("\n"))
            return out
        out.extend(blob[start:end].decode("utf-8").split("\n"))
        start = end + 1


def lookup(path, format_name: str, vocab=None) -> Embedding | None:
    """The cached Embedding of this file (vectors memory-mapped), or None on any miss."""
    try:
        d = entry_dir(path, format_name, vocab)
    except OSError:
        return None
    if not d.is_dir():
        return None
    try:
        meta = json.loads((d / "meta.json").read_text(encoding="utf-8"))
        if meta.get("version") != VERSION:
            raise ValueError("old cache layout")
        vectors = np.load(d / "vectors.npy", mmap_mode="r", allow_pickle=False)
        rows = int(meta["rows"])
        if vectors.dtype != np.float32 or vectors.ndim != 2 or vectors.shape[0] != rows:
            raise ValueError("matrix does not match its description")
        if meta.get("words_json"):
            words = json.loads((d / "words.json").read_text(encoding="utf-8"))
        else:
            words = _lines((d / "words.txt").read_bytes()) if rows else []
        if len(words) != rows:
            raise ValueError("words do not match the matrix")
        os.utime(d / "meta.json")   # recently used: last to be evicted
    except Exception:  # noqa: BLE001 - a damaged or partial entry is a miss, makes room anew
        _remove(d)
        return None
    header = meta.get("header")
    src = Source(
        header=tuple(header) if header else None,
        warnings=list(meta.get("warnings", [])),
        body_rows=meta.get("body_rows"),
        vocab_path=meta.get("vocab_path"),
        tensor=meta.get("tensor"),
        from_cache=True,
    )
    return Embedding(words, vectors, meta.get("attributes") or None, src)


def store(path, format_name: str, vocab, emb: Embedding) -> Path | None:
    """Keep a parsed embedding for next time. Never raises: a cache that cannot be written
    (disk full, read-only folder) just means the next open parses again."""
    tmp = None
    try:
        limit = max_bytes()
        if emb.vectors.nbytes > limit:
            return None
        final = entry_dir(path, format_name, vocab)
        root = final.parent
        if final.is_dir():
            return final
        tmp = Path(tempfile.mkdtemp(prefix=".tmp-", dir=root))
        np.save(tmp / "vectors.npy", np.asarray(emb.vectors, dtype=np.float32))
        blob = "\n".join(emb.words)
        words_json = blob.count("\n") != max(0, len(emb.words) - 1)
        if words_json:
            (tmp / "words.json").write_text(json.dumps(emb.words, ensure_ascii=False),
                                            encoding="utf-8")
        else:
            (tmp / "words.txt").write_bytes(blob.encode("utf-8", errors="surrogatepass"))
        src = emb.source
        meta = {
            "version": VERSION,
            "path": str(Path(path).resolve()),
            "format": format_name,
            "rows": int(emb.rows),
            "dim": int(emb.dim),
            "header": list(src.header) if src.header else None,
            "body_rows": src.body_rows,
            "warnings": list(src.warnings),
            "vocab_path": src.vocab_path,
            "tensor": src.tensor,
            "attributes": emb.attributes or None,
            "words_json": words_json,
            "created": time.time(),
        }
        (tmp / "meta.json").write_text(json.dumps(meta, ensure_ascii=False), encoding="utf-8")
        try:
            os.rename(tmp, final)
        except OSError:          # another process stored the same entry first
            _remove(tmp)
            return final if final.is_dir() else None
        tmp = None
        file_id = final.name.split("-")[0]
        for other in root.glob(f"{file_id}-*"):   # entries of this file's earlier states
            if other != final:
                _remove(other)
        evict(limit, keep=final)
        return final
    except Exception:  # noqa: BLE001 - a cache that cannot be written never fails a load
        if tmp is not None:
            _remove(tmp)
        return None


def _entry_size(d: Path) -> int:
    total = 0
    for f in d.iterdir():
        try:
            total += f.stat().st_size
        except OSError:
            pass
    return total


def evict(limit: int | None = None, keep: Path | None = None) -> list[Path]:
    """Remove least recently used entries until the cache is under `limit` bytes; also
    leftovers of writes that crashed. Returns the removed folders."""
    limit = max_bytes() if limit is None else limit
    root = cache_dir("matrices")
    removed = []
    entries = []
    now = time.time()
    for d in root.iterdir():
        if not d.is_dir():
            continue
        if d.name.startswith(".tmp-"):
            try:
                if now - d.stat().st_mtime > STALE_TEMP_SECONDS:
                    _remove(d)
                    removed.append(d)
            except OSError:
                pass
            continue
        try:
            used = (d / "meta.json").stat().st_mtime
        except OSError:
            used = 0.0
        entries.append((used, d, _entry_size(d)))
    total = sum(e[2] for e in entries)
    for _used, d, size in sorted(entries, key=lambda e: e[0]):
        if total <= limit:
            break
        if keep is not None and d == keep:
            continue
        _remove(d)
        removed.append(d)
        total -= size
    return removed
