"""What the text and binary embedding readers share: a row buffer that never trusts a header
for its size, token decoding that survives broken UTF-8, and the wording of load warnings."""
from __future__ import annotations

import numpy as np

# Chunk of the file parsed at a time: big enough that per-chunk overhead vanishes, small
# enough that progress and cancel stay responsive and temporaries stay small next to the matrix.
CHUNK_BYTES = 16 << 20


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
        self.data = np.empty((max(int(estimate), 16), dim), dtype=np.float32)

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
    """UTF-8 tokens; bytes that are not UTF-8 become U+FFFD. Returns (words, rows with bad bytes)."""
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
