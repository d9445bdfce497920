"""word2vec / fastText text (a "ROWS DIM" header line, then "word v1 … vD" per line) and GloVe
text (the same lines without the header): readers and writers.

Parsing never loops over numbers in Python. A compiled scanner (numba, imported only when a
file is read) walks each chunk once: per line it takes the LAST D fields as the vector — so a
word with spaces, like GloVe 840B's ". . .", stays whole — and turns each number into a double
with the exact fast path of Clinger's algorithm (an integer mantissa below 2**53 times or
divided by an exact power of ten ≤ 1e22 is correctly rounded), then into float32, exactly as
gensim's `np.float32(str)` does. The rare number outside that path (17+ digits, nan, inf) is
handed to Python's own `float`. Files under 1 MB, machines without numba and EMBEDSCOPE_PLAIN
(core/compiled.py) use a Python line reader instead: same words, values and warnings.

The writers print each float32 as the shortest decimal that reads back to exactly that
float32 (so GloVe's values write back as the published text), compiled the same way.
"""
from __future__ import annotations

import math
import re
from pathlib import Path

import numpy as np

from ..core.compiled import compiled, is_loaded
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
    name_rows,
    numeric_tail,
)

BOM = b"\xef\xbb\xbf"
MAX_LINE = 64 << 20   # a longer "line" is not an embedding row (random bytes, a binary file)
SMALL_FILE = 1 << 20  # below this the Python line reader beats loading the compiled scanner
_HEADER = re.compile(rb"\s*(\d+)[ \t]+(\d+)[ \t\r]*\Z")
_P10 = np.array([10.0 ** k for k in range(23)], dtype=np.float64)

# Flags the scanner sets per row.
SLOW_NUMBER = 1   # a value outside the fast path: parse it with Python's float
TOO_FEW = 2       # fewer than D + 1 fields on the line
SPACED_WORD = 4   # the word holds spaces (more than D + 1 fields)


# --------------------------------------------------------------------------------------------
# the scanner (compiled through core/compiled.py on first use; see _kernel)
def _number(a, i, end, p10):
    """The number starting at a[i], read up to `end` or the first byte that cannot continue it.

    Returns (value, exact, stop): `exact` is False when the text is not a plain decimal or lies
    outside the exact fast path (the caller then asks Python's float); `stop` is where it ended.
    """
    neg = False
    if i < end and a[i] == 45:
        neg = True
        i += 1
    elif i < end and a[i] == 43:
        i += 1
    m = np.int64(0)
    frac = 0
    digits = False
    in_frac = False
    big = False
    while i < end:
        c = a[i]
        if c >= 48 and c <= 57:
            digits = True
            if m < 900719925474099:       # stays below 2**53 after one more digit
                m = m * 10 + (c - 48)
                if in_frac:
                    frac += 1
            else:
                big = True
        elif c == 46 and not in_frac:
            in_frac = True
        else:
            break
        i += 1
    ok = digits and not big
    ex = 0
    if i < end and (a[i] == 101 or a[i] == 69):
        i += 1
        eneg = False
        if i < end and (a[i] == 45 or a[i] == 43):
            eneg = a[i] == 45
            i += 1
        edig = False
        while i < end and a[i] >= 48 and a[i] <= 57:
            if ex < 100000:
                ex = ex * 10 + (a[i] - 48)
            edig = True
            i += 1
        if not edig:
            ok = False
        if eneg:
            ex = -ex
    v = 0.0
    if ok:
        t = ex - frac
        if m == 0:
            v = 0.0
        elif t >= 0 and t <= 22:
            v = m * p10[t]
        elif t < 0 and t >= -22:
            v = m / p10[-t]
        else:
            ok = False
        if neg:
            v = -v
    return v, ok, i


def _line_backward(a, ls, e, dim, row, p10):
    """The careful reading of one line a[ls:e] (trailing blanks removed): its LAST `dim`
    fields are the vector, everything before them the word. Returns (word end, flags)."""
    flag = 0
    p = e
    k = dim - 1
    while k >= 0:
        fs = p
        while fs > ls and a[fs - 1] != 32 and a[fs - 1] != 9:
            fs -= 1
        if fs == ls:                 # the first field on the line: no room left for a word
            return ls, flag | 2
        v, ok, stop = _number(a, fs, p, p10)
        if not ok or stop != p:
            flag |= 1
        row[k] = v
        k -= 1
        p = fs
        while p > ls and (a[p - 1] == 32 or a[p - 1] == 9):
            p -= 1
        if p == ls:
            return ls, flag | 2
    for q in range(ls, p):
        if a[q] == 32 or a[q] == 9:
            flag |= 4
            break
    return p, flag


def _scan_text(a, dim, out, tokblob, line_start, line_end, line_no, flags, p10):
    """Parse whole lines of `a` (uint8, each line ending in b"\\n").

    Per non-blank line r: out[r] = its last `dim` numbers, the word's bytes appended to
    `tokblob` followed by b"\\n", where the line starts/ends, its index among the lines of `a`
    and its flags. One forward pass reads the usual line (a word without spaces, then `dim`
    numbers); any other line is read again by `_line_backward`.
    Returns (rows, bytes used in tokblob, lines seen).
    """
    n = a.shape[0]
    pos = 0
    r = 0
    bp = 0
    li = 0
    while pos < n:
        ls = pos
        i = pos
        while i < n and a[i] != 32 and a[i] != 9 and a[i] != 10:
            i += 1
        we = i
        k = 0
        flag = 0
        row = out[r]
        while True:
            while i < n and (a[i] == 32 or a[i] == 9 or a[i] == 13 or a[i] == 11 or a[i] == 12):
                i += 1
            if i >= n or a[i] == 10:
                break
            v, ok, stop = _number(a, i, n, p10)
            c = a[stop] if stop < n else 10
            if not (c == 32 or c == 9 or c == 10 or c == 13):
                ok = False
                while stop < n and a[stop] != 32 and a[stop] != 9 and a[stop] != 10:
                    stop += 1
            if not ok:
                flag |= 1
            if k < dim:
                row[k] = v
            k += 1
            i = stop
        pos = i + 1
        e = i
        while e > ls and (a[e - 1] == 32 or a[e - 1] == 13 or a[e - 1] == 9
                          or a[e - 1] == 11 or a[e - 1] == 12):
            e -= 1
        if e == ls:
            li += 1
            continue
        if k != dim or we == ls:
            we, flag = _line_backward(a, ls, e, dim, row, p10)
        for q in range(ls, we):
            tokblob[bp] = a[q]
            bp += 1
        tokblob[bp] = 10
        bp += 1
        line_start[r] = ls
        line_end[r] = e
        line_no[r] = li
        flags[r] = flag
        r += 1
        li += 1
    return r, bp, li


def _kernel():
    """The compiled scanner, or None without numba (or with EMBEDSCOPE_PLAIN): then the Python
    line reader runs."""
    # inlined into the scanners: a call per number (returning a tuple) would slow them a lot
    number = compiled(_number, inline="always")
    if number is None:
        return None
    line_backward = compiled(_line_backward, calls=(number,))
    return compiled(_scan_text, calls=(number, line_backward))


def _scan_python(block: bytes, dim, out, line_start, line_end, line_no, flags):
    """Line-by-line twin of the scanner for machines without numba. Same outputs, tokens as a
    list of bytes."""
    tokens = []
    r = 0
    pos = 0
    for li, raw in enumerate(block.split(b"\n")[:-1]):
        ls = pos
        pos += len(raw) + 1
        line = raw.rstrip(b" \r\t\x0b\x0c")
        if not line:
            continue
        parts = line.rsplit(None, dim)
        flag = 0
        if len(parts) < dim + 1:
            flag |= TOO_FEW
            tokens.append(b"")
        else:
            word = parts[0]
            if b" " in word or b"\t" in word:
                flag |= SPACED_WORD
            tokens.append(word)
            try:
                out[r] = np.array(parts[1:], dtype=np.float64)
            except ValueError:
                flag |= SLOW_NUMBER
        line_start[r], line_end[r], line_no[r], flags[r] = ls, ls + len(line), li, flag
        r += 1
    return r, tokens


# --------------------------------------------------------------------------------------------
# the reader
def _parse_header(line: bytes):
    m = _HEADER.match(line)
    return (int(m.group(1)), int(m.group(2))) if m else None


def _fields(line: bytes) -> int:
    return len(line.split())


def _guess_dim(path, body: bytes, first_line_no: int) -> int:
    """D for a file without header: the most common field count of the first lines, minus one
    (a few words with spaces in them do not sway it)."""
    # maxsplit: splitting the whole first chunk (16 MB, ~100,000 lines) made a Python object
    # per line in one call that held the GIL; the last part (rest or unfinished line) is left
    lines = [ln for ln in body.split(b"\n", 200)[:-1] if ln.strip()]
    if not lines:
        lines = [body]
    counts = np.bincount([_fields(ln) for ln in lines])
    fields = int(counts.argmax())
    if fields < 2:
        raise EmbeddingFormatError(
            path, f"line {first_line_no}", "the lines hold a single field",
            "a word followed by its numbers on each line")
    return fields - 1


def _slow_row(path, line: bytes, dim: int, line_no: int) -> np.ndarray:
    """One line the scanner could not take: Python's float for each value, or a precise error."""
    parts = line.split()
    values = parts[-dim:]
    row = np.empty(dim, np.float32)
    with np.errstate(over="ignore"):
        for j, v in enumerate(values):  # only for the rare flagged lines
            try:
                row[j] = np.float32(float(v))
            except ValueError:
                field = len(parts) - dim + j + 1
                shown = v[:40].decode("utf-8", errors="replace")
                raise EmbeddingFormatError(
                    path, f"line {line_no:,}, field {field}", f"'{shown}' is not a number",
                    f"a word followed by {dim} numbers") from None
    return row


def _too_few(path, line: bytes, dim: int, line_no: int, header) -> EmbeddingFormatError:
    n = max(0, _fields(line) - 1)
    whose = " (the dimension the header gives)" if header else " (the dimension of the first lines)"
    return EmbeddingFormatError(
        path, f"line {line_no:,}", f"found a word and {n} value(s)" if n else
        "found a single field", f"a word followed by {dim} numbers{whose}")


def read_text(path, *, job: Job | None = None, header_expected: bool | None = None) -> Embedding:
    """Parse a word2vec/fastText/GloVe text file (any compression) into an Embedding.

    `header_expected`: True for "word2vec" (a missing header is an error), False/None for
    "glove" (a header-looking first line whose numbers fit the second line is taken as one).
    """
    path = Path(path)
    job = job or Job()
    warnings: list[str] = []
    with Stream(path) as stream:
        total = stream.size
        data = stream.read(CHUNK_BYTES)
        if data.startswith(BOM):
            data = data[3:]
        if not data or data.isspace():  # (strip() would copy the 16 MB chunk)
            raise EmbeddingFormatError(path, None, "the file is empty" if not data else
                                       "the file holds only blank lines", "word vectors")
        nl = data.find(b"\n")
        first = data[: nl if nl >= 0 else len(data)]
        header = _parse_header(first)
        body_start, line_base = 0, 0
        if header is not None:
            rest = data[nl + 1:] if nl >= 0 else b""
            second = rest.split(b"\n", 1)[0] if rest else b""
            if header_expected or not second.strip() or _fields(second) >= header[1] + 1:
                body_start, line_base = nl + 1 if nl >= 0 else len(data), 1
            else:
                header = None
        if header is None and header_expected:
            shown = first[:60].decode("utf-8", errors="replace")
            raise EmbeddingFormatError(
                path, "line 1", f"found '{shown}' where the header should be",
                "a header line 'ROWS DIM' (two whole numbers) — a file without one is GloVe "
                "text: use --format glove")
        if header is not None:
            rows_claimed, dim = header
            if dim == 0:
                raise EmbeddingFormatError(path, "line 1 (header)", "the header gives dimension 0",
                                           "a positive number of dimensions")
            body = data[body_start:]
            if not body.strip():
                raise EmbeddingFormatError(
                    path, "line 2", f"the header announces {rows_claimed:,} rows but the file "
                    "holds no vectors", "lines of a word followed by its numbers")
            first_body = body.lstrip(b"\r\n").split(b"\n", 1)[0]
            if _fields(first_body) < dim + 1 and len(first_body) < 2 * dim:
                raise _too_few(path, first_body, dim, line_base + 1, header)
            if dim > MAX_DIM:
                raise EmbeddingFormatError(path, "line 1 (header)",
                                           f"the header gives dimension {dim:,}",
                                           f"at most {MAX_DIM:,} dimensions")
        else:
            body = data
            dim = _guess_dim(path, body, 1)
        del data

        # First guess of the row count: the header when it is plausible for the file's size,
        # else the size divided by the bytes per line seen so far. Never the header alone.
        sample = body[: body.rfind(b"\n") + 1] or body
        per_line = max(2 * dim, len(sample) / max(1, sample.count(b"\n")))
        del sample
        bound = (total * (20 if stream.compression else 1)) / (2 * dim) + 16
        guess = total / per_line * (1.1 if not stream.compression else 4) + 16
        estimate = header[0] if header is not None and header[0] <= bound else guess
        rows = RowBuffer(dim, min(estimate, bound))

        # A small file parses faster line by line than numba loads its compiled scanner
        # (small once decompressed: a tiny gzip can hold many megabytes of lines).
        kernel = _kernel() if max(total, len(body)) > SMALL_FILE or is_loaded(_scan_text) else None
        words: list[str] = []
        bad: list[int] = []
        line_numbers: list[np.ndarray] = []
        spaced: list[int] = []
        state = {"lines_before": line_base}
        scratch: dict[str, np.ndarray] = {}

        def arrays(n_lines: int, n_bytes: int):
            """Per-chunk arrays, reused from chunk to chunk (fresh memory costs page faults)."""
            if scratch.get("lno") is None or len(scratch["lno"]) < n_lines:
                cap = max(n_lines, 1024)
                for name in ("starts", "ends", "lno"):
                    scratch[name] = np.empty(cap, np.int64)
                scratch["flags"] = np.empty(cap, np.uint8)
            if kernel is not None and (scratch.get("tok") is None
                                       or len(scratch["tok"]) < n_bytes + n_lines):
                scratch["tok"] = np.empty(n_bytes + n_lines, np.uint8)
            return [scratch[k][:n_lines] for k in ("starts", "ends", "lno", "flags")]

        # Rows reserved for one block at most: a block of blank or short lines must not size
        # the matrix by its line count (16 MB of newlines would ask for gigabytes).
        budget = max(1024, (64 << 20) // (4 * dim))

        def parse_lines(buf: bytearray, end: int, unterminated: bool) -> None:
            """Parse buf[:end] (whole lines) in blocks of at most `budget` lines."""
            if buf.count(b"\n", 0, end) <= budget:
                parse_block(buf, 0, end, unterminated)
                return
            start = 0
            while start < end:
                stop = buf.rfind(b"\n", start, start + budget) + 1
                if stop <= start:        # one line longer than the budget: it alone
                    stop = buf.find(b"\n", start + budget, end) + 1 or end
                parse_block(buf, start, stop, unterminated and stop == end)
                start = stop

        def parse_block(buf: bytearray, start: int, end: int, unterminated: bool) -> None:
            """Parse buf[start:end] (whole lines); no view of `buf` outlives this call."""
            n_lines = buf.count(b"\n", start, end)
            out = rows.reserve(n_lines)
            starts, ends, lno, flags = arrays(n_lines, end - start)
            if kernel is not None:
                a = np.frombuffer(buf, np.uint8, count=end - start, offset=start)
                with np.errstate(over="ignore"):
                    r, used, _ = kernel(a, dim, out, scratch["tok"], starts, ends, lno, flags,
                                        _P10)
                del a
                blob = scratch["tok"][: max(0, used - 1)].tobytes()
            else:
                r, toks = _scan_python(bytes(buf[start:end]), dim, out, starts, ends, lno, flags)
                blob = b"\n".join(toks)
            lno = lno[:r] + state["lines_before"] + 1
            for i in np.flatnonzero(flags[:r]):
                f = int(flags[i])
                line = bytes(buf[start + starts[i]: start + ends[i]])
                if f & TOO_FEW:
                    if unterminated and i == r - 1:
                        warnings.append(
                            f"the file ends in the middle of line {lno[i]:,} ({_fields(line) - 1} "
                            f"of {dim} values): it looks cut short; that line was left out")
                        r -= 1
                        continue
                    raise _too_few(path, line, dim, int(lno[i]), header)
                if f & SLOW_NUMBER:
                    out[i] = _slow_row(path, line, dim, int(lno[i]))
                if f & SPACED_WORD:
                    spaced.append(rows.rows + int(i))
            if r:
                try:
                    got = blob.decode("utf-8").split("\n")
                except UnicodeDecodeError:
                    got, bad_here = decode_tokens(blob.split(b"\n"))
                    bad.extend(len(words) + i for i in bad_here if i < r)
                words.extend(got[:r])
            rows.commit(r)
            line_numbers.append(lno[:r])
            state["lines_before"] += n_lines

        chunks = ChunkBuffer(stream, CHUNK_BYTES, body)
        del body
        while True:
            if not chunks.eof:
                chunks.fill()
            buf, have = chunks.buf, chunks.have
            if chunks.eof:
                unterminated = have > 0 and buf[have - 1] != 10
                if unterminated:
                    if have == len(buf):
                        buf.append(10)
                    else:
                        buf[have] = 10
                if have:
                    parse_lines(buf, have + unterminated, unterminated)
            else:
                cut = buf.rfind(b"\n", 0, have)
                if cut < 0:
                    if have > MAX_LINE:
                        raise EmbeddingFormatError(
                            path, f"line {state['lines_before'] + 1:,}",
                            "the line is longer than 64 MB",
                            f"lines of a word followed by {dim} numbers")
                    continue
                parse_lines(buf, cut + 1, False)
                chunks.consume(cut + 1)
            del buf
            job.step(stream.position(), total, "reading")
            if chunks.eof:
                break

    vectors = rows.result()
    if vectors.shape[0] == 0:
        raise EmbeddingFormatError(path, None, "the file holds no vectors",
                                   f"lines of a word followed by {dim} numbers")
    lines = np.concatenate(line_numbers)
    if spaced:
        numeric = [r for r in spaced if _looks_numeric_tail(words[r])]
        if header is not None and 2 * len(numeric) > vectors.shape[0]:
            extra = np.bincount([_numeric_tail_count(words[r]) for r in numeric[:1000]]).argmax()
            warnings.append(
                f"the header says {dim} dimensions but most lines hold {dim + int(extra)} values "
                f"({len(numeric):,} of {vectors.shape[0]:,} words end in a number): the header's "
                f"dimension looks wrong, and each word was read with the values the header left "
                f"over: {name_rows(numeric, words, lines=lines)}")
        warnings.append(
            f"{len(spaced):,} word(s) contain spaces; each was read as everything before the "
            f"line's last {dim} numbers: {name_rows(spaced, words, lines=lines)}")
        if numeric:
            warnings.append(
                f"{len(numeric):,} of those end in a number, so the line may instead hold more "
                f"than {dim} values: {name_rows(numeric, words, lines=lines)}")
    warnings.extend(common_warnings(words, vectors, bad, lines=lines))
    src = Source(warnings=warnings, body_rows=int(vectors.shape[0]))
    if header is not None:
        src.header = (int(header[0]), int(header[1]))
        if header[0] != vectors.shape[0]:
            warnings.insert(0, f"the header says {header[0]:,} rows but the file holds "
                               f"{vectors.shape[0]:,}")
    return Embedding(words, vectors, source=src)


def _numeric_tail_count(word: str) -> int:
    """How many of the word's last space-separated parts are numbers."""
    n = 0
    for part in reversed(word.split()):
        if not _looks_numeric_tail(part):
            break
        n += 1
    return n


def _looks_numeric_tail(word: str) -> bool:
    last = word.split()[-1] if word.split() else ""
    try:
        float(last)
    except ValueError:
        return False
    return True


# --------------------------------------------------------------------------------------------
# sniffing
def _text_lines(head) -> list[bytes] | None:
    data = head.data
    if data.startswith(BOM):
        data = data[3:]
    if b"\x00" in data[:4096]:
        return None
    lines = data.split(b"\n")
    if len(data) >= (1 << 16) - 3:
        if len(lines) > 1:
            lines = lines[:-1]      # the head cut the last line
        else:                       # one very long line: judge it without its cut last field
            lines = [lines[0].rsplit(None, 1)[0]]
    lines = [ln for ln in lines[:50] if ln.strip()]
    return lines or None


def _sniff_word2vec(head) -> float:
    lines = _text_lines(head)
    if not lines:
        return 0.0
    hdr = _parse_header(lines[0])
    if hdr is None:
        return 0.0
    body = lines[1:]
    if not body or hdr[1] == 0:
        return 0.6          # a header and nothing usable: this format, and its reader says why
    ok = sum(numeric_tail(ln, hdr[1]) for ln in body[:20])
    if ok == len(body[:20]):
        return 1.0
    try:                    # text lines that do not fit the header: the reader says where
        body[0].decode("utf-8")
        return 0.5 if len(body[0].split()) > 1 else 0.0
    except UnicodeDecodeError:
        return 0.0


def _sniff_glove(head) -> float:
    if not head.data.strip():
        return 0.1          # blank lines only: the reader says so
    lines = _text_lines(head)
    if not lines:
        return 0.0
    if _parse_header(lines[0]) is not None:
        return 0.0
    counts = [len(ln.split()) for ln in lines]
    fields = max(set(counts), key=counts.count)
    dim = fields - 1
    if dim < 1 or b"\t" in lines[0]:
        return 0.0
    ok = sum(numeric_tail(ln, dim) for ln in lines[:20])
    if ok < len(lines[:20]) * 0.9:
        return 0.0
    if dim < 2 or numeric_tail(lines[0], dim + 1 if fields > 2 else dim):
        return 0.4          # numbers only, or one value per word: a words-with-counts list?
    return 0.9


@reader("word2vec", "word2vec / fastText text (with a 'rows dim' header)",
        extensions=(".txt", ".vec"), sniff=_sniff_word2vec, cacheable=True)
def read_word2vec_text(path, *, job=None, **_):
    return read_text(path, job=job, header_expected=True)


@reader("glove", "GloVe text (no header)", extensions=(".txt",), sniff=_sniff_glove,
        cacheable=True)
def read_glove_text(path, *, job=None, **_):
    return read_text(path, job=job, header_expected=False)


# --------------------------------------------------------------------------------------------
# writers
def _check_words(words, kind: str) -> list[bytes]:
    enc = []
    for i, w in enumerate(words):
        if "\n" in w or "\r" in w:
            raise ExportRefusedError(
                f"word {i:,} ({w!r}) holds a line break, which {kind} cannot store")
        enc.append(w.encode("utf-8"))
    return enc


_P10_UP = np.array([10.0 ** k for k in range(61)], dtype=np.float64)   # exact up to 1e22


def _put(out, pos, digits, n):
    """Write the n decimal digits of the integer `digits` at out[pos:]; return the new pos."""
    for i in range(n - 1, -1, -1):
        out[pos + i] = 48 + digits % 10
        digits //= 10
    return pos + n


def _format_value(x, out, pos, p10):
    """The shortest decimal (at most 9 significant digits) that reads back, through a double
    as gensim and Embedscope read it, as exactly the float32 `x`; written at out[pos:].
    Plain notation between 1e-4 and 1e16, else d.ddde±XX, like Python's repr."""
    xd = np.float64(x)
    if xd != xd:
        out[pos] = 110
        out[pos + 1] = 97
        out[pos + 2] = 110
        return pos + 3
    if math.copysign(1.0, xd) < 0:
        out[pos] = 45
        pos += 1
        xd = -xd
    if xd == np.inf:
        out[pos] = 105
        out[pos + 1] = 110
        out[pos + 2] = 102
        return pos + 3
    if xd == 0.0:
        out[pos] = 48
        return pos + 1
    target = np.float32(xd)
    e10 = int(math.floor(math.log10(xd)))
    if e10 >= 0 and p10[e10] > xd:
        e10 -= 1
    elif e10 < 0 and xd * p10[-e10] < 1.0:
        e10 -= 1
    if e10 + 1 >= 0 and xd >= p10[e10 + 1]:
        e10 += 1
    m = 0.0
    k = 0
    for p in range(1, 10):
        k = e10 - p + 1
        if k >= 0:
            m = np.rint(xd / p10[k])
        else:
            m = np.rint(xd * p10[-k])
        if m >= p10[p]:               # rounded up to one digit more: 9.99… → 10…
            m = p10[p - 1]
            k += 1
        if p == 9:
            break
        if -22 <= k <= 22:            # exact check (Clinger's fast path) of the candidate
            y = m * p10[k] if k >= 0 else m / p10[-k]
            if np.float32(y) == target:
                break
    digits = np.int64(m)
    n = 1
    while digits >= p10[n]:
        n += 1
    while n > 1 and digits % 10 == 0:
        digits //= 10
        n -= 1
        k += 1
    e = k + n - 1                     # value = d.ddd × 10^e
    if -4 <= e < 16:
        if e >= n - 1:                # an integer: digits then zeros
            pos = _put(out, pos, digits, n)
            for _ in range(e - n + 1):
                out[pos] = 48
                pos += 1
        elif e >= 0:                  # digits with a point inside
            head = digits // np.int64(p10[n - 1 - e])
            pos = _put(out, pos, head, e + 1)
            out[pos] = 46
            pos = _put(out, pos + 1, digits - head * np.int64(p10[n - 1 - e]), n - 1 - e)
        else:                         # 0.000ddd
            out[pos] = 48
            out[pos + 1] = 46
            pos += 2
            for _ in range(-e - 1):
                out[pos] = 48
                pos += 1
            pos = _put(out, pos, digits, n)
    else:
        lead = digits // np.int64(p10[n - 1])
        out[pos] = 48 + lead
        pos += 1
        if n > 1:
            out[pos] = 46
            pos = _put(out, pos + 1, digits - lead * np.int64(p10[n - 1]), n - 1)
        out[pos] = 101
        out[pos + 1] = 45 if e < 0 else 43
        pos += 2
        ae = -e if e < 0 else e
        pos = _put(out, pos, ae, 3 if ae >= 100 else 2)
    return pos


def _format_rows(vals, tokblob, tokstart, toklen, p10, out):
    """'word v1 … vD\\n' for each row of `vals` into `out`; returns the bytes written."""
    pos = 0
    for r in range(vals.shape[0]):
        for q in range(toklen[r]):
            out[pos] = tokblob[tokstart[r] + q]
            pos += 1
        for d in range(vals.shape[1]):
            out[pos] = 32
            pos = _format_value(vals[r, d], out, pos + 1, p10)
        out[pos] = 10
        pos += 1
    return pos


def _format_kernel():
    """The compiled row formatter, or None without numba or with EMBEDSCOPE_PLAIN (then '%.9g'
    per value, also exact)."""
    put = compiled(_put)
    if put is None:
        return None
    return compiled(_format_rows, calls=(compiled(_format_value, calls=(put,)),))


def _write_text(path, words, vectors, header: bool) -> None:
    vectors = np.asarray(vectors)
    if vectors.ndim != 2 or vectors.shape[0] != len(words):
        raise ValueError(f"{len(words)} words for vectors of shape {vectors.shape}")
    count, dim = vectors.shape
    enc = _check_words(words, "a text embedding file")
    kernel = _format_kernel()
    # Without numba: '%.9g' keeps every float32 exact when read back through a double (as
    # gensim and we do); one C-level format call per row, no Python loop over the numbers.
    fmt = (" ".join(["%.9g"] * dim) + "\n").encode()
    with open(path, "wb") as f:
        if header:
            f.write(f"{count} {dim}\n".encode())
        step = max(1, min(8192, (32 << 20) // (16 * max(dim, 1) + 64)))
        for s in range(0, count, step):
            block = np.ascontiguousarray(vectors[s: s + step], dtype=np.float32)
            words_block = enc[s: s + step]
            if kernel is not None:
                lens = np.fromiter(map(len, words_block), np.int64, len(words_block))
                starts = np.cumsum(lens) - lens
                blob = np.frombuffer(b"".join(words_block) or b"\0", np.uint8)
                out = np.empty(int(lens.sum()) + block.shape[0] * (16 * dim + 2), np.uint8)
                used = kernel(block, blob, starts, lens, _P10_UP, out)
                f.write(out[:used].data)
            else:
                with np.errstate(invalid="ignore"):      # signalling NaNs stay NaN
                    rows = block.astype(np.float64).tolist()
                f.write(b"".join(w + b" " + fmt % tuple(r) for w, r in zip(words_block, rows)))


def write_word2vec_text(path, words, vectors) -> None:
    """gensim's text layout: "V D" then "word v1 … vD" per line, UTF-8; float32 exact."""
    _write_text(path, words, vectors, header=True)


def write_glove_text(path, words, vectors) -> None:
    """GloVe's layout: "word v1 … vD" per line, no header, UTF-8; float32 exact."""
    _write_text(path, words, vectors, header=False)


def _read_back_word2vec(folder: Path):
    back = read_text(folder / "embeddings.vec", header_expected=True)
    return back.words, np.asarray(back.vectors)


@writer("word2vec", "word2vec text", files={"embeddings.vec": "matrix"}, holds_spaces=False,
        holds_float16=False, read_back=_read_back_word2vec,
        load_code=["from gensim.models import KeyedVectors", "",
                   'weights = KeyedVectors.load_word2vec_format("embeddings.vec").vectors'])
def write_word2vec_export(folder: Path, words, values, metadata) -> None:
    write_word2vec_text(folder / "embeddings.vec", words, values)


def _read_back_glove(folder: Path):
    back = read_text(folder / "embeddings.txt", header_expected=False)
    return back.words, np.asarray(back.vectors)


@writer("glove", "GloVe text", files={"embeddings.txt": "matrix"}, holds_spaces=False,
        holds_float16=False, read_back=_read_back_glove,
        load_code=["from gensim.models import KeyedVectors", "",
                   'weights = KeyedVectors.load_word2vec_format("embeddings.txt", '
                   'no_header=True).vectors'])
def write_glove_export(folder: Path, words, values, metadata) -> None:
    write_glove_text(folder / "embeddings.txt", words, values)
