"""What the text and binary embedding readers share: a row buffer that never trusts a header
for its size, token decoding that survives broken UTF-8, and the wording of load warnings."""
from __future__ import annotations

import json
import os

import numpy as np

from ..core.errors import EmbeddingFormatError, NotEnoughMemoryError, gib

# Chunk of the file parsed at a time: big enough that per-chunk overhead vanishes, small
# enough that progress and cancel stay responsive and temporaries stay small next to the matrix.
CHUNK_BYTES = 16 << 20
# A larger dimension is a damaged header, not an embedding (one vector would be 64 MB).
MAX_DIM = 1 << 24
# Deeper JSON is not a words file or a checkpoint header; refused before Python's own
# recursion limit turns it into a RecursionError.
MAX_JSON_DEPTH = 100


def available_memory() -> int | None:
    """Bytes this process can still allocate: free memory (with reclaimable cache and free
    swap), and no more than what is left under an address-space limit. None when unknown."""
    free = None
    try:
        with open("/proc/meminfo", "rb") as f:
            info = {ln.split(b":")[0]: int(ln.split()[1]) * 1024 for ln in f if ln.strip()}
        free = info.get(b"MemAvailable", info.get(b"MemFree", 0)) + info.get(b"SwapFree", 0)
    except (OSError, ValueError, IndexError):
        pass
    try:
        import resource

        soft = resource.getrlimit(resource.RLIMIT_AS)[0]
        if soft != resource.RLIM_INFINITY:
            with open("/proc/self/statm", "rb") as f:
                used = int(f.read().split()[0]) * os.sysconf("SC_PAGE_SIZE")
            left = max(0, soft - used)
            free = left if free is None else min(free, left)
    except (ImportError, OSError, ValueError, IndexError):
        pass
    return free


def refuse_unless_fits(path, where: str | None, nbytes: int, what: str) -> None:
    """Raise NotEnoughMemoryError before allocating `nbytes` that cannot fit in free memory."""
    free = available_memory()
    if free is not None and nbytes > free:
        raise NotEnoughMemoryError(
            path, where, f"not enough memory to {what}: it needs {gib(nbytes)} and "
            f"{gib(free)} is free", nbytes)


NOT_JSON = object()


def load_json(path, text, where: str | None = None, expected: str = "JSON",
              byte_offset: int | None = None, strict: bool = True):
    """json.loads with errors that name the file and place; nesting deeper than
    MAX_JSON_DEPTH is refused (a words file or header is never deep) instead of raising
    RecursionError. `where` names the part of the file (e.g. "JSON header"); with
    `byte_offset` (where the JSON starts in the file) a syntax error names the byte. With
    `strict=False` text that is not JSON at all gives NOT_JSON (too deep is still an error)."""
    too_deep = False
    try:
        data = json.loads(text)
    except RecursionError:
        too_deep = True
    except UnicodeDecodeError as exc:
        raise EmbeddingFormatError(path, f"byte {exc.start:,}" + (f" ({where})" if where else ""),
                                   "the text is not UTF-8", expected) from None
    except json.JSONDecodeError as exc:
        if not strict:
            return NOT_JSON
        if byte_offset is not None:
            place = f"byte {byte_offset + exc.pos:,} (in the {where})"
        else:
            place = f"{where}, " if where else ""
            place += f"line {exc.lineno}, column {exc.colno}"
        raise EmbeddingFormatError(path, place,
                                   f"invalid JSON ({exc.msg})", expected) from None
    except ValueError as exc:   # a number of thousands of digits: Python refuses to read it
        if not strict:
            return NOT_JSON
        raise EmbeddingFormatError(path, where, f"invalid JSON ({str(exc)[:100]})",
                                   expected) from None
    if too_deep or _depth_over(data, MAX_JSON_DEPTH):
        raise EmbeddingFormatError(path, where, f"the JSON is nested more than "
                                   f"{MAX_JSON_DEPTH} levels deep", expected)
    return data


def _depth_over(data, limit: int) -> bool:
    """Whether lists and objects nest deeper than `limit` (walked without recursion)."""
    todo = [(data, 1)]
    while todo:
        obj, depth = todo.pop()
        if isinstance(obj, dict):
            obj = obj.values()
        elif not isinstance(obj, list):
            continue
        if depth > limit:
            return True
        todo.extend((v, depth + 1) for v in obj if isinstance(v, (dict, list)))
    return False


class ChunkBuffer:
    """A file read chunk by chunk into ONE reusable buffer: the unparsed tail moves to the front
    and the next bytes are read in behind it. Fresh memory per chunk would cost a page fault
    per 4 KiB every time — as much as parsing on a multi-gigabyte file."""

    def __init__(self, stream, chunk: int, initial: bytes = b""):
        self.stream = stream
        self.chunk = chunk
        self.buf = bytearray(chunk + len(initial))
        self.buf[: len(initial)] = initial
        self.have = len(initial)
        self.eof = False

    def fill(self) -> None:
        """Read up to one more chunk behind what is held (sets `eof` at the end)."""
        need = self.have + self.chunk
        if need > len(self.buf):
            self.buf.extend(bytes(need - len(self.buf)))
        with memoryview(self.buf) as mv:
            n = self.stream.readinto(mv[self.have: need])
        self.have += n
        if n == 0:
            self.eof = True

    def consume(self, n: int) -> None:
        """Drop the first `n` bytes held."""
        if n:
            tail = self.have - n
            self.buf[:tail] = self.buf[n: self.have]
            self.have = tail


class RowBuffer:
    """float32 rows appended chunk by chunk.

    The first guess of the row count comes from the header or the file size; when a file holds
    more rows than guessed the buffer grows by half. Untouched rows of a generous guess are
    never written, so the operating system does not back them with memory.
    """

    def __init__(self, dim: int, estimate: int):
        self.dim = dim
        self.rows = 0
        self.data = np.empty((max(int(estimate), 1), dim), dtype=np.float32)

    def reserve(self, n: int) -> np.ndarray:
        """A view of the next `n` rows to fill (call `commit` with how many were filled)."""
        need = self.rows + n
        if need > self.data.shape[0]:
            grown = np.empty((max(need, int(self.data.shape[0] * 1.5)), self.dim), np.float32)
            grown[: self.rows] = self.data[: self.rows]
            self.data = grown
        return self.data[self.rows : need]

    def commit(self, n: int) -> None:
        self.rows += n

    def drop_last(self) -> None:
        self.rows -= 1

    def result(self) -> np.ndarray:
        return self.data[: self.rows]


def decode_tokens(parts: list[bytes]) -> tuple[list[str], list[int]]:
    """UTF-8 tokens; bytes that are not UTF-8 become U+FFFD.

    Returns (words, rows with bad bytes)."""
    blob = b"\n".join(parts)
    try:
        words = blob.decode("utf-8").split("\n")
        if len(words) == len(parts):
            return words, []
    except UnicodeDecodeError:
        pass
    words, bad = [], []
    for i, p in enumerate(parts):
        try:
            words.append(p.decode("utf-8"))
        except UnicodeDecodeError:
            words.append(p.decode("utf-8", errors="replace"))
            bad.append(i)
    return words, bad


def name_rows(rows, words, limit: int = 5, lines=None) -> str:
    """'row 3 'foo', row 9 'bar' and 12 more' — rows a warning is about, with their words."""
    rows = list(rows)
    bits = []
    for r in rows[:limit]:
        where = f"line {lines[r]:,}" if lines is not None else f"row {r:,}"
        bits.append(f"{where} {words[r]!r}" if words is not None else where)
    more = f" and {len(rows) - limit:,} more" if len(rows) > limit else ""
    return ", ".join(bits) + more


def nonfinite_rows(vectors: np.ndarray) -> np.ndarray:
    """Rows holding NaN or ±inf (checked in blocks, so a large matrix is not copied)."""
    bad = []
    step = 1 << 16
    for s in range(0, vectors.shape[0], step):
        block = vectors[s : s + step]
        ok = np.isfinite(block).all(axis=1)
        if not ok.all():
            bad.append(np.flatnonzero(~ok) + s)
    return np.concatenate(bad) if bad else np.empty(0, np.int64)


def common_warnings(words, vectors, bad_utf8, lines=None) -> list[str]:
    """Warnings every text/binary load gives: broken UTF-8 in words, non-finite values."""
    out = []
    if bad_utf8:
        out.append(f"{len(bad_utf8):,} word(s) are not valid UTF-8; their broken bytes were read "
                   f"as U+FFFD (\ufffd): {name_rows(bad_utf8, words, lines=lines)}")
    nf = nonfinite_rows(vectors)
    if nf.size:
        out.append(f"{nf.size:,} row(s) hold NaN or infinite values: "
                   f"{name_rows(nf.tolist(), words, lines=lines)}")
    return out


def numeric_tail(line: bytes, dim: int) -> bool:
    """Whether a line ends in `dim` numbers after at least one token: a text embedding row
    (sniffers use it to tell text from binary and header from body)."""
    parts = line.split()
    if len(parts) < dim + 1:
        return False
    try:
        [float(x) for x in parts[-dim:]]
    except ValueError:
        return False
    return True
