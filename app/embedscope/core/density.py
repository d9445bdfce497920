"""The map's density view: how many points fall on each pixel of the view, shaded.

Where 400,000 dots saturate into one blob, counts per pixel still show structure. The counts
come from one `np.bincount` over the points in view (several times faster than
`np.histogram2d`, which sorts to find bins; bench/map.py prints both), the shade from the log
of the count so a few dense pixels do not wash out the rest.
"""
from __future__ import annotations

import numpy as np

# One point to the densest bin: blues darkening on a light background, lightening on a dark
# one; the first shade is strong enough that a lone point still shows.
SHADES = ("#b3cde3", "#6baed6", "#2171b5", "#08306b")
SHADES_DARK = ("#2f6690", "#4a90c2", "#9ecae1", "#f7fbff")


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
    out = np.zeros(n.shape + (4,), dtype=np.uint8)
    top = float(n.max()) if n.size else 0.0
    if top <= 0:
        return out
    # 256 shades blended once; each bin then indexes them (one gather, no per-bin blending)
    rgb = np.array([[int(c[i: i + 2], 16) for i in (1, 3, 5)] for c in colours], dtype=np.float64)
    at = np.linspace(0, len(rgb) - 1, 256)
    lut = np.zeros((257, 4), dtype=np.uint8)  # entry 0: an empty bin
    for ch in range(3):
        lut[1:, ch] = np.rint(np.interp(at, np.arange(len(rgb)), rgb[:, ch]))
    lut[1:, 3] = 255
    level = np.log1p(n.astype(np.float32)) * np.float32(255 / np.log1p(top))  # 0 … 255
    idx = np.where(n > 0, level.astype(np.int16) + 1, 0)
    return lut[idx]
