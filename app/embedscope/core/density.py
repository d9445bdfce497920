"""The map's density view: how many points fall on each pixel of the view, shaded.

Where 400,000 dots saturate into one blob, counts per pixel still show structure. The counts
come from one `np.bincount` over the points in view (several times faster than
`np.histogram2d`, which sorts to find bins; bench/map.py prints both), the shade from the log
of the count so a few dense pixels do not wash out the rest.
"""
from __future__ import annotations

import numpy as np

# Light-to-dark shades (the map's blues), used on a light background; reversed on a dark one.
SHADES = ("#f7fbff", "#c6dbef", "#6baed6", "#2171b5", "#08306b")


def counts(coords, view, size, visible=None) -> np.ndarray:
    """Points per bin (height, width) over `view` = (x0, x1, y0, y1) cut into `size` =
    (width, height) bins; row 0 is the bottom of the view (smallest y), as in data. `visible`,
    a boolean per point, leaves the others out; points that are not finite are left out."""
    w, h = (max(1, int(v)) for v in size)
    x0, x1, y0, y1 = (float(v) for v in view)
    c = np.asarray(coords)
    if visible is not None:
        c = c[np.asarray(visible, dtype=bool)]
    if not len(c) or x1 <= x0 or y1 <= y0:
        return np.zeros((h, w), dtype=np.int64)
    # float32 arithmetic halves the memory traffic; a bin is far wider than its rounding error
    x = c[:, 0].astype(np.float32, copy=False)
    y = c[:, 1].astype(np.float32, copy=False)
    col = ((x - np.float32(x0)) * np.float32(w / (x1 - x0)))
    row = ((y - np.float32(y0)) * np.float32(h / (y1 - y0)))
    keep = (col >= 0) & (col < w) & (row >= 0) & (row < h)  # NaN compares false: dropped
    flat = row[keep].astype(np.int64) * w + col[keep].astype(np.int64)
    return np.bincount(flat, minlength=w * h).reshape(h, w)


def shade(n: np.ndarray, colours=SHADES) -> np.ndarray:
    """RGBA (height, width, 4) uint8 of counts: empty bins transparent, the rest on a log scale
    from the first colour (one point) to the last (the densest bin)."""
    n = np.asarray(n)
    rgb = np.array([[int(c[i: i + 2], 16) for i in (1, 3, 5)] for c in colours], dtype=np.float32)
    top = float(n.max()) if n.size else 0.0
    out = np.zeros(n.shape + (4,), dtype=np.uint8)
    if top <= 0:
        return out
    level = np.log1p(n.astype(np.float32)) / np.float32(np.log1p(top))  # 0 … 1
    pos = level * (len(rgb) - 1)
    lo = np.minimum(pos.astype(np.int64), len(rgb) - 2)
    frac = (pos - lo)[..., None]
    out[..., :3] = (rgb[lo] * (1 - frac) + rgb[lo + 1] * frac + 0.5).astype(np.uint8)
    out[..., 3] = np.where(n > 0, 255, 0).astype(np.uint8)
    return out
