"""What the Vectors panel shows of the vectors themselves: the order of the dimensions, one
shared scale for a heatmap, and a sample of all values for their histogram."""
from __future__ import annotations

import numpy as np

ORDERS = ("as stored", "by variance", "by difference")


def dimension_order(matrix: np.ndarray, by: str = "as stored", a: int = 0,
                    b: int = 1) -> np.ndarray:
    """Column order for the rows of `matrix`: as stored; by variance across the rows, largest
    first; or by |row a − row b|, largest first (the dimensions that tell two words apart)."""
    matrix = np.asarray(matrix, dtype=np.float64)
    dim = matrix.shape[1]
    if by == "as stored" or len(matrix) == 0:
        return np.arange(dim)
    if by == "by variance":
        key = matrix.var(axis=0) if len(matrix) > 1 else np.abs(matrix[0])
    elif by == "by difference":
        if len(matrix) < 2:
            return np.arange(dim)
        key = np.abs(matrix[a] - matrix[b])
    else:
        raise ValueError(f"unknown order {by!r}; expected one of {', '.join(ORDERS)}")
    return np.argsort(-key, kind="stable")


def shared_limit(matrix: np.ndarray) -> float:
    """One symmetric limit ±L for a diverging scale over every row: the 99th percentile of
    |value|, so one outlying value does not wash the others out."""
    v = np.abs(np.asarray(matrix, dtype=np.float64))
    v = v[np.isfinite(v)]
    if not len(v):
        return 1.0
    return float(np.percentile(v, 99)) or float(v.max()) or 1.0


def value_sample(vectors: np.ndarray, max_values: int = 400_000) -> np.ndarray:
    """Values of evenly spaced rows, about `max_values` in all: their histogram is that of
    every value without reading all of a large matrix."""
    rows = len(vectors)
    if rows == 0:
        return np.empty(0)
    step = max(1, rows * vectors.shape[1] // max_values)
    v = np.asarray(vectors[::step], dtype=np.float64).ravel()
    return v[np.isfinite(v)]


def distribution_counts(emb, norm_bins: int = 60, value_bins: int = 80, progress=None,
                        should_stop=None):
    """Histograms of the row norms and of the values (from `value_sample`), as
    (norm edges, norm counts, value edges, value counts): work for a background job, since a
    large embedding's norms take a moment."""
    norms = np.asarray(emb.norms, dtype=np.float64)
    if should_stop is not None and should_stop():
        return None
    counts, edges = np.histogram(norms[np.isfinite(norms)], bins=norm_bins)
    vcounts, vedges = np.histogram(value_sample(emb.vectors), bins=value_bins)
    if progress is not None:
        progress(1, 1, "histograms")
    return edges, counts, vedges, vcounts
