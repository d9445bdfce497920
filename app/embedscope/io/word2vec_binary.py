"""word2vec binary: a "ROWS DIM" text header, then per word its UTF-8 bytes, a space and DIM
little-endian float32 values (4 × DIM bytes), optionally followed by a newline (the original
word2vec C tool writes one; gensim does not).

Entries are variable-length, so they are found with one regular expression run in C over
each chunk — a word (no spaces) + a space + exactly 4 × DIM bytes of anything — and the
floats are copied chunk by chunk into the final matrix by one fancy index over a strided view:
no Python loop over numbers, and no second copy of the matrix, so opening a 2.4 GB file needs
little more than 2.4 GB.
"""
from __future__ import annotations

import re
from pathlib import Path

import numpy as np

from ..core.embedding import Embedding, Source
from ..core.errors import EmbeddingFormatError, ExportRefusedError
from ..core.jobs import Job
from .compressed import Stream
from .formats import reader, writer
from .parsing import (
    CHUNK_BYTES,
    MAX_DIM,
    ChunkBuffer,
    RowBuffer,
    common_warnings,
    decode_tokens,
    numeric_tail,
)

_HEADER = re.compile(rb"\s*(\d+)[ \t]+(\d+)[ \t\r]*\Z")
MAX_WORD = 1 << 20   # a "word" longer than this means the file is not what the header says
FASTTEXT_MAGIC = b"\xba\x16\x4f\x2f"   # int32 793712314, little-endian: a native fastText model


def _parse_header(line: bytes):
    m = _HEADER.match(line)
    return (int(m.group(1)), int(m.group(2))) if m else None


def _sniff(head) -> float:
    data = head.data
    nl = data.find(b"\n", 0, 256)
    if nl < 0:
        return 0.0
    hdr = _parse_header(data[:nl])
    if hdr is None or hdr[1] == 0:
        return 0.0
    rows, dim = hdr
    second = data[nl + 1:].split(b"\n", 1)[0]
    if numeric_tail(second, dim):
        return 0.0                      # word2vec text
    nb = 4 * dim
    p, entries = nl + 1, 0
    while entries < 3 and p < len(data):
        sp = data.find(b" ", p, p + 4096)
        if sp < 0:
            return 0.0 if entries == 0 else 0.8
        word = data[p:sp].lstrip(b"\n")
        if b"\n" in word or b"\x00" in word:
            return 0.0
        if sp + 1 + nb > len(data):
            break
        entries += 1
        p = sp + 1 + nb
    if entries == 0:
        return 0.0
    return 1.0 if (entries >= min(rows, 3) or p >= len(data) - 1) else 0.8


def _gather(buf, vstart: np.ndarray, dim: int, out: np.ndarray) -> None:
    """Copy the float32 vectors starting at byte offsets `vstart` of `buf` into `out`.

    `buf` seen as overlapping rows of 4 × dim bytes, one starting at every byte (a strided
    view, no copy): the vectors are then rows of it, and one fancy index copies each with a
    memcpy — ten times faster than gathering float by float.
    """
    nb = 4 * dim
    a = np.frombuffer(buf, np.uint8)
    rows = np.lib.stride_tricks.as_strided(a, shape=(len(a) - nb + 1, nb), strides=(1, 1),
                                           writeable=False)
    out[: len(vstart)] = rows[vstart].view("<f4")


def _entries(entry, buf, have: int, nb: int) -> list:
    """The words of the whole entries at the start of buf[:have], in linear time.

    Entries follow each other with nothing between them, so the matches run on from the
    start; what cannot match is a tail. Searching that tail position by position is
    quadratic (a zero-filled tail, a crash's usual leftover, took minutes), so the search
    stops at the last space that still has a whole vector after it; and when vectors are
    long (few entries per chunk) the entries are matched one after the other instead."""
    last = buf.rfind(b" ", 0, have - nb) if have > nb else -1
    if last < 0:
        return []
    endpos = last + 1 + nb
    if nb < 4096:
        return entry.findall(buf, 0, endpos)
    scan = entry.scanner(buf, 0, endpos)
    out = []
    m = scan.match()
    while m is not None:
        out.append(m.group(1))
        m = scan.match()
    return out


def read_binary(path, *, job: Job | None = None) -> Embedding:
    path = Path(path)
    job = job or Job()
    warnings: list[str] = []
    with Stream(path) as stream:
        total = stream.size
        data = stream.read(CHUNK_BYTES)
        if not data:
            raise EmbeddingFormatError(path, None, "the file is empty", "a word2vec binary file")
        if data.startswith(FASTTEXT_MAGIC):
            raise EmbeddingFormatError(
                path, "start of file", "this is a native fastText model (.bin), not word2vec "
                "binary", "word2vec binary; open the .vec text file fastText writes beside it")
        nl = data.find(b"\n", 0, 4096)
        header = _parse_header(data[:nl]) if nl >= 0 else None
        if header is None:
            shown = data[: max(0, min(nl if nl >= 0 else 40, 40))].decode("utf-8", "replace")
            raise EmbeddingFormatError(path, "line 1",
                                       f"found '{shown}' where the header should be",
                                       "a header line 'ROWS DIM' (two whole numbers)")
        claimed, dim = header
        if dim == 0:
            raise EmbeddingFormatError(path, "line 1 (header)", "the header gives dimension 0",
                                       "a positive number of dimensions")
        nb = 4 * dim
        if dim > MAX_DIM:
            raise EmbeddingFormatError(path, "line 1 (header)",
                                       f"the header gives dimension {dim:,}",
                                       f"at most {MAX_DIM:,} dimensions")
        entry = re.compile(rb"([^ ]*) .{%d}" % nb, re.S)
        # Rows that could fit in the file at all; the header is believed only below that.
        fit = (total - nl) // (nb + 1) + 1
        if stream.compression:
            fit = fit * 4 + 16
        rows = RowBuffer(dim, min(claimed, fit))
        words: list[str] = []
        bad: list[int] = []
        chunks = ChunkBuffer(stream, CHUNK_BYTES, data[nl + 1:])
        offset = nl + 1          # byte offset (decompressed) of chunks.buf[0]
        del data
        while True:
            buf = chunks.buf
            toks = _entries(entry, buf, chunks.have, nb)
            if toks:
                n = len(toks)
                lens = np.fromiter(map(len, toks), np.int64, n)
                if lens.max() > MAX_WORD:
                    bad = int(np.argmax(lens > MAX_WORD))
                    raise EmbeddingFormatError(
                        path, f"byte {offset + int((lens[:bad] + 1 + nb).sum()):,}",
                        f"a word of more than {MAX_WORD:,} bytes",
                        f"entries of a word, a space and {nb:,} bytes ({dim} float32 values) "
                        "— is the header's dimension right?")
                ends = np.cumsum(lens + (1 + nb))
                out = rows.reserve(n)
                _gather(buf, ends - nb, dim, out)
                rows.commit(n)
                # words of the chunk decoded in one go (no word holds a space: it ends a word)
                blob = b" ".join(toks)
                if b"\n" in blob:            # a newline after each vector (word2vec C)
                    toks = [bytes(t).lstrip(b"\n") for t in toks]
                    blob = b" ".join(toks)
                try:
                    words.extend(blob.decode("utf-8").split(" "))
                except UnicodeDecodeError:
                    got, bad_here = decode_tokens([bytes(t) for t in toks])
                    bad.extend(len(words) + i for i in bad_here)
                    words.extend(got)
                consumed = int(ends[-1])
                chunks.consume(consumed)
                offset += consumed
            del buf
            if chunks.eof:
                break
            job.step(stream.position(), total, "reading")
            chunks.fill()
            if not chunks.eof and chunks.have > MAX_WORD + nb + CHUNK_BYTES:
                raise EmbeddingFormatError(
                    path, f"byte {offset:,}", "no word followed by a space within 1 MB",
                    f"entries of a word, a space and {nb:,} bytes ({dim} float32 values)")
        rest = bytes(chunks.buf[: chunks.have])
        if rest and not rest.strip(b"\x00"):
            warnings.append(
                f"the file ends in {len(rest):,} zero bytes after entry {rows.rows:,} (byte "
                f"{offset:,}), what an interrupted write leaves behind; they were ignored")
        elif rest.strip(b"\n\r \t"):
            warnings.append(
                f"the file ends in the middle of entry {rows.rows + 1:,} (byte {offset:,}): "
                f"{len(rest):,} bytes left where a word, a space and {nb:,} bytes of vector "
                "were expected; it looks cut short, and that entry was left out")
    vectors = rows.result()
    if vectors.shape[0] == 0:
        raise EmbeddingFormatError(path, "byte " + f"{nl + 1:,}", "the file holds no vectors",
                                   f"a word, a space and {nb:,} bytes per entry")
    warnings.extend(common_warnings(words, vectors, bad))
    if claimed != vectors.shape[0]:
        warnings.insert(0, f"the header says {claimed:,} rows but the file holds "
                           f"{vectors.shape[0]:,}")
    src = Source(header=(claimed, dim), body_rows=int(vectors.shape[0]), warnings=warnings)
    return Embedding(words, vectors, source=src)


@reader("word2vec-bin", "word2vec binary", extensions=(".bin",), sniff=_sniff, cacheable=True)
def read_word2vec_binary(path, *, job=None, **_):
    return read_binary(path, job=job)


def _ranges(starts: np.ndarray, lengths: np.ndarray) -> np.ndarray:
    """Concatenated aranges [s, s + n) for each (s, n), without a Python loop."""
    total = int(lengths.sum())
    if total == 0:
        return np.empty(0, np.int64)
    ends = np.cumsum(lengths)
    return np.arange(total, dtype=np.int64) + np.repeat(starts - (ends - lengths), lengths)


def write_word2vec_binary(path, words, vectors) -> None:
    """gensim-readable word2vec binary: "V D\\n", then per word its UTF-8 bytes, a space and D
    little-endian float32 values, with no newline (as gensim's own writer)."""
    vectors = np.asarray(vectors)
    if vectors.ndim != 2 or vectors.shape[0] != len(words):
        raise ValueError(f"{len(words)} words for vectors of shape {vectors.shape}")
    count, dim = vectors.shape
    nb = 4 * dim
    step = max(1, (8 << 20) // max(nb, 1))
    with open(path, "wb") as f:
        f.write(f"{count} {dim}\n".encode())
        for s in range(0, count, step):
            enc = []
            for i, w in enumerate(words[s: s + step], s):
                if " " in w or "\n" in w:
                    raise ExportRefusedError(
                        f"word {i:,} ({w!r}) holds a space or line break, which word2vec binary "
                        "cannot store (the space ends a word); export as text instead")
                enc.append(w.encode("utf-8"))
            lens = np.fromiter(map(len, enc), np.int64, len(enc))
            ends = np.cumsum(lens + (1 + nb))
            starts = ends - (lens + 1 + nb)
            buf = np.empty(int(ends[-1]), np.uint8)
            buf[_ranges(starts, lens)] = np.frombuffer(b"".join(enc), np.uint8)
            buf[starts + lens] = 32
            vstart = starts + lens + 1
            block = np.ascontiguousarray(vectors[s: s + step], dtype="<f4")
            if nb:      # the reader's strided view, written through: one memcpy per vector
                rows = np.lib.stride_tricks.as_strided(buf, shape=(len(buf) - nb + 1, nb),
                                                       strides=(1, 1))
                rows[vstart] = block.view(np.uint8)
            f.write(buf.data)


def _read_back(folder: Path):
    back = read_binary(folder / "embeddings.bin")
    return back.words, np.asarray(back.vectors)


@writer("word2vec-bin", "word2vec binary", files={"embeddings.bin": "matrix"},
        holds_spaces=False, holds_float16=False, read_back=_read_back,
        load_code=["from gensim.models import KeyedVectors", "",
                   'weights = KeyedVectors.load_word2vec_format("embeddings.bin", '
                   'binary=True).vectors'])
def write_word2vec_binary_export(folder: Path, words, values, metadata) -> None:
    write_word2vec_binary(folder / "embeddings.bin", words, values)
