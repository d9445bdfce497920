"""Attribute tables joined by word onto an embedding's rows: CSV, TSV or Parquet with a word
column and any others, and the metadata columns a Projector TSV came with."""
from __future__ import annotations

import csv
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from ..core.attributes import Attribute, from_texts, from_values, spread
from ..core.errors import EmbeddingFormatError
from ..core.words import lookup

WORD_COLUMNS = ("word", "token", "words", "term")   # header names taken as the word column
TABLE_EXTENSIONS = (".csv", ".tsv", ".txt", ".parquet")


@dataclass
class AttributeTable:
    """The attributes of a table joined onto an embedding, and how the join went."""

    path: str
    attributes: list[Attribute]
    table_rows: int                     # data rows in the file
    matched: int                        # of them, rows whose word is in the embedding
    unmatched_examples: list[str] = field(default_factory=list)
    # The table as read, one value per data row: what rows that are not the embedding's own
    # (an export's padding or made-up rows) look their exact word up in.
    table_words: list[str] = field(default_factory=list)
    table_columns: list[Attribute] = field(default_factory=list)

    def summary(self) -> str:
        names = ", ".join(a.name for a in self.attributes)
        note = f"{Path(self.path).name}: {len(self.attributes)} column" \
            f"{'s' if len(self.attributes) != 1 else ''} ({names}); {self.matched:,} of " \
            f"{self.table_rows:,} words found in the embedding"
        if self.unmatched_examples:
            note += " (not found: " + ", ".join(self.unmatched_examples) + ")"
        return note


def read_attribute_table(path, emb) -> AttributeTable:
    """Read a table with a word column and join its other columns to `emb` by word (as
    written, then by case fallback). A word given twice keeps its first row; rows of the
    embedding the table does not name have no value."""
    path = Path(path)
    if path.suffix.lower() == ".parquet":
        header, columns = _read_parquet(path)
    else:
        header, columns = _read_delimited(path)
    word_col = _word_column(path, header)
    words = ["" if w is None else str(w) for w in columns[word_col]]
    rows, _ = lookup(emb, words)
    # first mention of a row wins; a row found twice (by case fallback too) keeps the first
    keep = np.zeros(len(rows), dtype=bool)
    found = rows >= 0
    _, first = np.unique(rows[found], return_index=True)
    keep[np.flatnonzero(found)[first]] = True
    picked = np.flatnonzero(keep)
    attributes, table_columns = [], []
    for name in header:
        if name == word_col:
            continue
        column = columns[name]
        whole = from_values(name, column, path.name) if _typed(column) else \
            from_texts(name, column, path.name)
        table_columns.append(whole)
        attributes.append(spread(whole, picked, rows[picked], emb.rows))
    missing = [w for w, r in zip(words, rows.tolist()) if r < 0]
    return AttributeTable(str(path), attributes, len(words), int(found.sum()), missing[:5],
                          words, table_columns)


def projector_attributes(emb) -> list[Attribute]:
    """The metadata columns a Projector TSV (or any words table) brought with the words."""
    src = Path(emb.source.vocab_path).name if getattr(emb.source, "vocab_path", None) else \
        "metadata"
    return [from_texts(name, values, src) for name, values in emb.attributes.items()
            if len(values) == emb.rows]


def joined_columns(attributes: list[Attribute], rows) -> dict[str, list[str]]:
    """{name: value text per row} for writing beside the words of `rows` (a TSV, metadata)."""
    return {a.name: [a.value_text(int(r), exact=True) for r in rows] for a in attributes}


def values_per_row(table: AttributeTable, source_rows, words) -> dict[str, list[str]]:
    """{name: value text per output row} for rows that copy embedding rows `source_rows`
    (-1 for a row made up, such as an export's padding row) and hold `words`: a copied row has
    the values joined onto its embedding row, as `joined_columns` gives them; any other row
    those of the first table line naming exactly its word, or none ('')."""
    first: dict[str, int] = {}
    for i, w in enumerate(table.table_words):
        first.setdefault(w, i)
    rows = [int(r) for r in source_rows]
    lines = [first.get(w, -1) for w in words]
    return {a.name: [a.value_text(r, exact=True) if r >= 0
                     else whole.value_text(t, exact=True) if t >= 0 else ""
                     for r, t in zip(rows, lines)]
            for a, whole in zip(table.attributes, table.table_columns)}


# --- reading the file -----------------------------------------------------------------------

def _word_column(path: Path, header: list[str]) -> str:
    for name in header:
        if name.strip().lower() in WORD_COLUMNS:
            return name
    shown = ", ".join(repr(h) for h in header[:8]) or "no columns"
    raise EmbeddingFormatError(path, "line 1 (the header)",
                               f"no word column among {shown}",
                               "a header row with a column named 'word'")


def _read_delimited(path: Path) -> tuple[list[str], dict[str, list]]:
    try:
        text = path.read_text(encoding="utf-8-sig", errors="replace")
    except OSError as exc:
        raise EmbeddingFormatError(path, None, f"cannot read the table ({exc.strerror})") \
            from None
    lines = text.split("\n")
    delimiter = "\t" if "\t" in lines[0] or path.suffix.lower() == ".tsv" else ","
    if delimiter == "\t":  # a TSV cell may hold quotes: no quoting rules, split on tabs
        table = [ln.rstrip("\r").split("\t") for ln in lines]
    else:
        table = list(csv.reader(lines))
    header = table[0] if table else []
    if not header or not any(h.strip() for h in header):
        raise EmbeddingFormatError(path, "line 1", "the table is empty",
                                   "a header row with a column named 'word'")
    header = [h.strip() for h in header]
    width = len(header)
    body = [(i, cells) for i, cells in enumerate(table[1:], start=2)
            if cells and not (len(cells) == 1 and not cells[0].strip())]
    for lineno, cells in body:
        if len(cells) != width:
            raise EmbeddingFormatError(
                path, f"line {lineno}", f"{len(cells)} cells where the header has {width}",
                f"{width} {'tab' if delimiter == chr(9) else 'comma'}-separated cells")
    columns = list(zip(*(cells for _, cells in body))) if body else [()] * width
    return header, {h: list(c) for h, c in zip(header, columns)}


def _read_parquet(path: Path) -> tuple[list[str], dict[str, list]]:
    try:
        import pyarrow.parquet as pq
    except ImportError:
        raise EmbeddingFormatError(path, None, "reading Parquet needs the pyarrow package",
                                   "a CSV or TSV table, or pyarrow installed") from None
    try:
        table = pq.read_table(path)
    except (OSError, ValueError) as exc:
        raise EmbeddingFormatError(path, None, f"not a readable Parquet file ({exc})") from None
    header = [str(n) for n in table.column_names]
    columns = {}
    for name in header:
        col = table.column(name)
        try:
            columns[name] = col.to_numpy(zero_copy_only=False)
        except (ValueError, TypeError):
            columns[name] = col.to_pylist()
    return header, columns


def _typed(column) -> bool:
    return isinstance(column, np.ndarray) and column.dtype.kind in "iufb"
