"""The alignment check's look at how the file paired up: words vs rows counts (and which end
is off), and a header's claims vs the body."""
from __future__ import annotations

from .check_report import Finding, quoted
from .check_words import is_special, looks_like_header
from .pairing import full_vectors


def matrix_rows(emb) -> int:
    """Rows of the whole matrix. A load with allow_mismatch cuts the matrix to the words
    when the words were fewer; the cut is a view, so the full array is found behind it."""
    src = emb.source
    rows = full_vectors(emb).shape[0]
    if src.header is None and src.body_rows is not None:
        rows = max(rows, int(src.body_rows))
    return rows


_NUMBERS = ("no", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine")


def lines(n: int, what: str = "line") -> str:
    """'one line', 'three lines', '1,200 lines': counts as a sentence says them."""
    n = abs(int(n))
    return f"{_NUMBERS[n] if n < len(_NUMBERS) else f'{n:,}'} {what}{'' if n == 1 else 's'}"


def shift_title(words, k: int) -> str:
    """The headline of words offset by k from the rows (word i's vector on row i + k), with
    one row as the example: "The words are one line behind the rows: row 1's vector belongs
    to 'the', not ','"."""
    if k > 0:
        row, owner, shown = k, words[0], words[k] if k < len(words) else ""
        side = "behind"
    else:
        row, owner, shown = 0, words[-k] if -k < len(words) else "", words[0]
        side = "ahead of"
    return (f"The words are {lines(k)} {side} the rows: row {row}'s vector belongs to "
            f"{quoted(owner)}, not {quoted(shown)}")


def count_finding(emb, shift) -> Finding | None:
    """count-mismatch: words and rows differ in number; say which end looks off, and which
    fix (core.pairing) would pair them.

    `shift` is the detector's result on the loaded pairing (first words with first rows),
    tried at the offsets that the difference suggests.
    """
    src = emb.source
    words = src.words_in_file
    rows = matrix_rows(emb)
    if words is None:
        if len(emb.words) == rows:
            return None
        words = emb.words
    n_words = len(words)
    if n_words == rows:
        return None
    diff = abs(n_words - rows)
    fits_at = shift.offset if (shift is not None and shift.evidence.get("fits")) else None
    head = f"the words list has {n_words:,} words but the matrix has {rows:,} rows"
    brk = shift.evidence.get("break") if shift is not None else None
    if brk is not None and brk["after"] - brk["before"] == rows - n_words:
        at = brk["around_row"]
        side = "missing from" if n_words < rows else "extra in"
        return Finding("count-mismatch", "error",
                       f"{head}: the words fit their rows down to about row {at:,} and are off "
                       f"by {brk['after'] - brk['before']:+d} after it, so {diff:,} line(s) look "
                       f"{side} the words list around there", diff,
                       [f"around row {at:,}"], [at],
                       title=f"The words go out of step with the rows around row {at:,}")
    offset = None
    if n_words > rows:
        extra_top, extra_end = words[:diff], words[n_words - diff:]
        fix = "drop-extra-words"
        if all(not w.strip() for w in extra_end):
            why = (f"the last {diff} line(s) of the words list are empty (a trailing empty "
                   "line); the words and rows still line up")
            title = f"The words file ends in {lines(diff, 'empty line')}"
            rows_hit = list(range(rows, n_words))
        elif looks_like_header(extra_top[0]) and diff == 1:
            why = (f"its first line {quoted(extra_top[0])} looks like a header line read as a "
                   "word: every word sits one row too low (fix: drop that line)")
            title = (f"The words file's first line {quoted(extra_top[0])} is a header, not a "
                     "word: every word sits one row too low")
            fix = "skip-header-line"
            rows_hit = [0]
        elif all(is_special(w) for w in extra_top):
            why = (f"its first {diff} line(s) are special tokens with no row "
                   f"({', '.join(extra_top[:5])}): drop them and the words line up")
            title = (f"The words file starts with {lines(diff, 'special token')} that have no "
                     "row")
            fix, offset = "fix-shift", -diff
            rows_hit = list(range(diff))
        elif fits_at == -diff:
            why = (f"the words fit the rows when moved up {diff} line(s): the first {diff} "
                   "line(s) of the words list look extra "
                   f"({', '.join(map(quoted, extra_top[:3]))})")
            title = shift_title(words, -diff)
            fix, offset = "fix-shift", -diff
            rows_hit = list(range(diff))
        elif fits_at == 0:
            why = (f"the first words fit their rows, so the extra words are at the end "
                   f"({', '.join(map(quoted, extra_end[:3]))}…): the matrix may be cut short")
            title = (f"The words file is {lines(diff)} longer than the matrix: the last "
                     f"{lines(diff, 'word')} have no row")
            rows_hit = list(range(rows, n_words))
        else:
            why = "cannot tell which end is extra (the vectors give no clear answer)"
            title = (f"The words file is {lines(diff)} longer than the matrix, and the vectors "
                     "do not say which end is extra")
            rows_hit = []
        examples = [quoted(w) for w in (extra_top if rows_hit[:1] == [0] else extra_end)[:5]]
    else:
        fix = "drop-unpaired-rows"
        if fits_at == diff:
            why = (f"the words fit the rows when moved down {diff} line(s): {diff} line(s) "
                   "look missing at the top of the words list (a padding or special token "
                   "the matrix has a row for?)")
            title = shift_title(words, diff)
            fix, offset = "fix-shift", diff
            rows_hit = list(range(diff))
        elif fits_at == 0:
            why = (f"the first words fit their rows, so the last {diff:,} row(s) have no word "
                   "(the words list looks cut short at the end)")
            title = (f"The words file is {lines(diff)} shorter than the matrix: the last "
                     f"{lines(diff, 'row')} have no word")
            rows_hit = list(range(n_words, rows))
        else:
            why = f"{diff:,} row(s) have no word, and the vectors do not say which end is short"
            title = (f"The words file is {lines(diff)} shorter than the matrix, and the vectors "
                     "do not say which end is short")
            rows_hit = []
        examples = [f"row {r}" for r in rows_hit[:5]]
    if offset is None and fits_at not in (None, 0):
        offset = fits_at  # where the words fit, even when the fix proposed is another
    return Finding("count-mismatch", "error", f"{head}: {why}", diff, examples,
                   rows_hit[:1000], offset=offset, fix=fix, title=title)


def header_findings(emb) -> list[Finding]:
    """header-mismatch (rows claimed vs found) and dim-mismatch (dimension claimed vs found)."""
    src = emb.source
    out = []
    if src.header is None:
        return out
    h_rows, h_dim = (int(x) for x in src.header)
    body = int(src.body_rows) if src.body_rows is not None else matrix_rows(emb)
    if h_rows != body:
        if body < h_rows:
            why = (f"{h_rows - body:,} rows are missing: the file looks cut off (an interrupted "
                   "download or copy?)")
        else:
            why = (f"{body - h_rows:,} rows more than announced (a file appended to, or a bad "
                   "header)")
        out.append(Finding("header-mismatch", "error",
                           f"the header says {h_rows:,} rows but the file holds {body:,}: {why}",
                           abs(h_rows - body), [f"header: {h_rows} {h_dim}", f"found: {body} rows"],
                           [body - 1] if 0 < body <= emb.rows else []))
    if h_dim != emb.dim:
        out.append(Finding("dim-mismatch", "error",
                           f"the header says {h_dim} dimensions but the rows have {emb.dim}",
                           1, [f"header: {h_rows} {h_dim}", f"rows: {emb.dim} values"], []))
    return out


def warning_findings(emb, have: set[str]) -> list[Finding]:
    """Findings the reader's load warnings carry: a file that ends mid-line or mid-entry
    (truncated; when no header already said so), a header whose dimension is smaller than the
    rows' (dim-mismatch, an error: most words end in numbers) and lines with more fields than
    the dimension whose last field is a number (dim-mismatch: a word with spaces, or extra
    values)."""
    out = []
    warnings = emb.source.warnings
    cut = [w for w in warnings if "cut short" in w]
    if cut and "header-mismatch" not in have:
        out.append(Finding("truncated", "error",
                           "the file ends in the middle of a row: it looks cut off (an "
                           f"interrupted download or copy?); {cut[0]}", len(cut), cut[:3],
                           [emb.rows - 1]))
    header_dim = [w for w in warnings if "the header's dimension looks wrong" in w]
    if header_dim and "dim-mismatch" not in have:
        out.append(Finding("dim-mismatch", "error", header_dim[0], 1, [], []))
        have = have | {"dim-mismatch"}
    extra = [w for w in warnings if "may instead hold more than" in w]
    if extra and "dim-mismatch" not in have:
        out.append(Finding("dim-mismatch", "warning",
                           "some lines have more fields than the dimension and end in a "
                           f"number: either the word holds spaces or the line has extra values "
                           f"({extra[0]})", len(extra), extra[:3], []))
    return out
