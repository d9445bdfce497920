"""Per-word attributes that colour and filter the map: a value for every row of the embedding,
categorical (labels, part of speech) or continuous (counts, norms), with the masks, counts and
histograms the window and the CLI draw from them."""
from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

CATEGORICAL = "categorical"
CONTINUOUS = "continuous"
MISSING = "(missing)"      # legend text for rows the attribute has no value for
# A column of numbers with at most this many distinct values reads as categories (a 0/1 flag,
# a star rating); more distinct numbers read as a continuous quantity.
MAX_NUMERIC_CATEGORIES = 12


@dataclass
class Attribute:
    """One value per embedding row. Categorical: `codes` index `categories` (-1 = missing).
    Continuous: `values` (NaN = missing)."""

    name: str
    kind: str
    source: str = "computed"                        # a file name, or "computed"
    values: np.ndarray | None = None                # float64 per row (continuous)
    codes: np.ndarray | None = None                 # int32 per row (categorical)
    categories: list[str] = field(default_factory=list)

    @property
    def rows(self) -> int:
        return len(self.values if self.kind == CONTINUOUS else self.codes)

    @property
    def present(self) -> np.ndarray:
        """Which rows have a value."""
        return np.isfinite(self.values) if self.kind == CONTINUOUS else self.codes >= 0

    def value_text(self, row: int, exact: bool = False) -> str:
        """The value of one row: short for the hover text, or `exact` for a file (a whole
        number as written, any other number as the shortest text that reads back the same)."""
        if self.kind == CONTINUOUS:
            v = float(self.values[row])
            if not np.isfinite(v):
                return ""
            if not exact:
                return f"{v:g}"
            return str(int(v)) if v.is_integer() and abs(v) < 2 ** 53 else repr(v)
        c = self.codes[row]
        return self.categories[c] if c >= 0 else ""


def continuous(name: str, values, source: str = "computed") -> Attribute:
    return Attribute(name, CONTINUOUS, source, values=np.asarray(values, dtype=np.float64))


def categorical(name: str, codes, categories, source: str = "computed") -> Attribute:
    return Attribute(name, CATEGORICAL, source, codes=np.asarray(codes, dtype=np.int32),
                     categories=[str(c) for c in categories])


def from_texts(name: str, texts, source: str) -> Attribute:
    """An attribute from a column of texts, one per row ('' or None = missing): continuous
    when every value is a number and there are more than MAX_NUMERIC_CATEGORIES of them."""
    texts = np.array(["" if t is None else str(t).strip() for t in texts], dtype=str)
    present = texts != ""
    try:
        numbers = np.full(len(texts), np.nan)
        numbers[present] = texts[present].astype(np.float64)
        numeric = True
    except ValueError:
        numeric = False
    if numeric and len(np.unique(numbers[present])) > MAX_NUMERIC_CATEGORIES:
        return continuous(name, numbers, source)
    categories, codes = np.unique(texts[present], return_inverse=True)
    if numeric:  # few distinct numbers: categories in numeric order
        order = np.argsort(categories.astype(np.float64), kind="stable")
        rank = np.empty_like(order)
        rank[order] = np.arange(len(order))
        categories, codes = categories[order], rank[codes]
    full = np.full(len(texts), -1, dtype=np.int32)
    full[present] = codes
    return categorical(name, full, categories.tolist(), source)


def from_values(name: str, values, source: str) -> Attribute:
    """An attribute from a column that already has types (Parquet): numbers stay numbers."""
    arr = np.asarray(values)
    if arr.dtype.kind in "iuf":
        numbers = arr.astype(np.float64)
        ok = np.isfinite(numbers)
        if len(np.unique(numbers[ok])) > MAX_NUMERIC_CATEGORIES:
            return continuous(name, numbers, source)
        return from_texts(name, [f"{v:g}" if k else "" for v, k in zip(numbers.tolist(),
                                                                       ok.tolist())], source)
    return from_texts(name, ["" if v is None else str(v).lower() if isinstance(v, bool) else v
                             for v in arr.tolist()], source)


def spread(attr: Attribute, picked, rows, n_rows: int) -> Attribute:
    """The values at positions `picked` of `attr` placed at `rows` of an attribute of n_rows
    (a table joined onto an embedding); other rows have no value. The kind and the categories
    stay those of the whole table, so a column does not change kind with what matched."""
    if attr.kind == CONTINUOUS:
        values = np.full(n_rows, np.nan)
        values[rows] = attr.values[picked]
        return Attribute(attr.name, CONTINUOUS, attr.source, values=values)
    codes = np.full(n_rows, -1, dtype=np.int32)
    codes[rows] = attr.codes[picked]
    return Attribute(attr.name, CATEGORICAL, attr.source, codes=codes,
                     categories=list(attr.categories))


# --- computed attributes --------------------------------------------------------------------

def frequency_rank(n_rows: int) -> Attribute:
    """Row number from 1: frequency order in common embedding files."""
    return continuous("frequency rank", np.arange(1, n_rows + 1, dtype=np.float64))


def vector_norm(norms) -> Attribute:
    return continuous("vector norm", norms)


def check_finding(n_rows: int, findings) -> Attribute:
    """The first finding (by code) that names each row; rows no finding names are 'none'."""
    codes = np.zeros(n_rows, dtype=np.int32)
    categories = ["none"]
    for f in findings:
        rows = np.asarray(getattr(f, "rows", []) or [], dtype=np.int64)
        rows = rows[(rows >= 0) & (rows < n_rows)]
        if not len(rows):
            continue
        if f.code not in categories:
            categories.append(f.code)
        k = categories.index(f.code)
        free = rows[codes[rows] == 0]
        codes[free] = k
    return categorical("check finding", codes, categories)


def cluster(n_rows: int, rows, labels) -> Attribute:
    """Cluster of each mapped row (numbered from 1); rows off the map are missing."""
    codes = np.full(n_rows, -1, dtype=np.int32)
    labels = np.asarray(labels, dtype=np.int32)
    codes[np.asarray(rows, dtype=np.int64)] = labels
    k = int(labels.max()) + 1 if len(labels) else 0
    return categorical("cluster", codes, [f"cluster {i + 1}" for i in range(k)])


def change_against(n_rows: int, rows_a, cosine) -> Attribute:
    """Cosine of each shared word to its aligned self in B; words not in B are missing."""
    values = np.full(n_rows, np.nan)
    values[np.asarray(rows_a, dtype=np.int64)] = np.asarray(cosine, dtype=np.float64)
    return continuous("change (cosine to B)", values)


def in_words_file(n_rows: int, rows, file_name: str) -> Attribute:
    """'in FILE' for the rows a words file names, 'not in FILE' for the others."""
    codes = np.zeros(n_rows, dtype=np.int32)
    rows = np.asarray(rows, dtype=np.int64)
    codes[rows[(rows >= 0) & (rows < n_rows)]] = 1
    return categorical(f"in {file_name}", codes, [f"not in {file_name}", f"in {file_name}"])


# --- filters, counts, histograms ------------------------------------------------------------

@dataclass(frozen=True)
class Filter:
    """Keep the rows of the attribute listed as `attribute` whose value lies in [low, high]
    (continuous) or whose category is one of `categories` (categorical). Rows without a value
    are dropped."""

    attribute: str
    low: float = -np.inf
    high: float = np.inf
    categories: frozenset[str] | None = None

    def mask(self, attr: Attribute, rows=None) -> np.ndarray:
        """Which of `rows` (default: every row) pass."""
        if attr.kind == CONTINUOUS:
            v = attr.values if rows is None else attr.values[rows]
            with np.errstate(invalid="ignore"):
                return (v >= self.low) & (v <= self.high)
        codes = attr.codes if rows is None else attr.codes[rows]
        wanted = np.zeros(len(attr.categories) + 1, dtype=bool)  # last slot: code -1
        for c in self.categories or ():
            if c in attr.categories:
                wanted[attr.categories.index(c)] = True
        return wanted[codes]


def category_counts(attr: Attribute, rows=None) -> list[tuple[str, int]]:
    """(category, count) among `rows`, most frequent first; missing values last if any."""
    codes = attr.codes if rows is None else attr.codes[rows]
    counts = np.bincount(codes + 1, minlength=len(attr.categories) + 1)
    order = np.argsort(-counts[1:], kind="stable")
    out = [(attr.categories[i], int(counts[i + 1])) for i in order if counts[i + 1]]
    if counts[0]:
        out.append((MISSING, int(counts[0])))
    return out


def histogram(attr: Attribute, rows=None, bins: int = 60) -> tuple[np.ndarray, np.ndarray]:
    """(edges, counts) of a continuous attribute among `rows`, missing values left out."""
    v = attr.values if rows is None else attr.values[rows]
    v = v[np.isfinite(v)]
    if not len(v):
        return np.array([0.0, 1.0]), np.zeros(1, dtype=np.int64)
    lo, hi = float(v.min()), float(v.max())
    if hi <= lo:
        hi = lo + 1.0
    counts, edges = np.histogram(v, bins=bins, range=(lo, hi))
    return edges, counts


def colour_steps(attr: Attribute, rows, n_colours: int):
    """Colour index per point for `rows` and what each index means.

    Categorical: the n_colours - 1 most frequent categories get an index each (1…), the rest
    share index 0 ('other'). Continuous: n_colours equal steps of the value range (1…), missing
    values index 0. Returns (index per point, [(label, count)] per index 0…)."""
    rows = np.asarray(rows, dtype=np.int64)
    if attr.kind == CATEGORICAL:
        codes = attr.codes[rows]
        counts = np.bincount(codes + 1, minlength=len(attr.categories) + 1)[1:]
        order = [int(i) for i in np.argsort(-counts, kind="stable") if counts[i]]
        shown = order[: n_colours - 1] if len(order) > n_colours - 1 else order
        lut = np.zeros(len(attr.categories) + 1, dtype=np.int64)  # last slot: code -1
        for k, c in enumerate(shown):
            lut[c] = k + 1
        idx = lut[codes]
        legend = [("other" if len(order) > len(shown) else MISSING,
                   int(np.count_nonzero(idx == 0)))]
        legend += [(attr.categories[c], int(counts[c])) for c in shown]
        return idx, legend
    v = attr.values[rows]
    ok = np.isfinite(v)
    idx = np.zeros(len(rows), dtype=np.int64)
    if ok.any():
        lo, hi = float(v[ok].min()), float(v[ok].max())
        span = (hi - lo) or 1.0
        idx[ok] = 1 + np.minimum(((v[ok] - lo) / span * n_colours).astype(np.int64),
                                 n_colours - 1)
        edges = np.linspace(lo, hi, n_colours + 1)
    else:
        edges = np.zeros(n_colours + 1)
    counts = np.bincount(idx, minlength=n_colours + 1)
    legend = [(MISSING, int(counts[0]))]
    legend += [(f"{edges[i]:.3g} – {edges[i + 1]:.3g}", int(counts[i + 1]))
               for i in range(n_colours)]
    return idx, legend


def distinct_colours(n: int) -> list[str]:
    """n colours as far apart from each other as a greedy search in CIELAB finds (the glasbey
    method), skipping the very dark and very light so every one shows on either background."""
    steps = np.linspace(0, 1, 16)
    rgb = np.stack(np.meshgrid(steps, steps, steps, indexing="ij"), -1).reshape(-1, 3)
    lab = _lab(rgb)
    usable = (lab[:, 0] > 35) & (lab[:, 0] < 85)
    rgb, lab = rgb[usable], lab[usable]
    seeds = np.array([[0.31, 0.47, 0.65], [0.95, 0.56, 0.17], [0.35, 0.63, 0.31]])
    chosen = list(seeds[:n])
    dist = np.min([np.sum((lab - _lab(c[None])[0]) ** 2, axis=1) for c in chosen], axis=0) \
        if chosen else np.full(len(lab), np.inf)
    while len(chosen) < n:
        i = int(np.argmax(dist))
        chosen.append(rgb[i])
        dist = np.minimum(dist, np.sum((lab - lab[i]) ** 2, axis=1))
    return ["#%02x%02x%02x" % tuple(int(round(255 * x)) for x in c) for c in chosen]


def _lab(rgb: np.ndarray) -> np.ndarray:
    """sRGB in [0, 1] → CIELAB (D65)."""
    lin = np.where(rgb > 0.04045, ((rgb + 0.055) / 1.055) ** 2.4, rgb / 12.92)
    m = np.array([[0.4124, 0.3576, 0.1805], [0.2126, 0.7152, 0.0722], [0.0193, 0.1192, 0.9505]])
    xyz = lin @ m.T / np.array([0.95047, 1.0, 1.08883])
    f = np.where(xyz > 0.008856, np.cbrt(xyz), 7.787 * xyz + 16 / 116)
    return np.stack([116 * f[:, 1] - 16, 500 * (f[:, 0] - f[:, 1]),
                     200 * (f[:, 1] - f[:, 2])], axis=1)
