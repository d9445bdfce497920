"""A cloud of same-sized dots drawn straight from numpy arrays — the map's 400,000 points.

pyqtgraph's ScatterPlotItem keeps Python objects per point (pen, brush, symbol keys): filling
it costs about a second per 100,000 points on the UI thread, and Qt's own `drawPoints` with a
wide pen strokes every dot (~0.5 s a frame for 400,000). Dots of one size need neither: each
frame, numpy maps the points to pixels and stamps a small disc per point into an RGBA image,
drawn with one `drawImage` — ~10 ms for 100,000 points, so panning stays smooth.
"""
from __future__ import annotations

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import QRectF
from PySide6.QtGui import QColor, QImage


def _kernel(size: int) -> list[tuple[int, int]]:
    """Pixel offsets of a dot `size` pixels across (a square up to 3, a disc above)."""
    lo, hi = -(size // 2), size - size // 2
    r2 = (size / 2.0) ** 2
    out = []
    for oy in range(lo, hi):
        for ox in range(lo, hi):
            cx, cy = ox + 0.5 - (size % 2) * 0.5, oy + 0.5 - (size % 2) * 0.5
            if size <= 3 or cx * cx + cy * cy <= r2 + 0.5:
                out.append((ox, oy))
    return out


class DotsItem(pg.GraphicsObject):
    def __init__(self, size: int = 4):
        super().__init__()
        self._size = int(size)
        self._x = np.empty(0)
        self._y = np.empty(0)
        self._idx = np.empty(0, dtype=np.int64)
        self._rgba = np.zeros((1, 4), dtype=np.uint8)
        self._rect = QRectF()
        self._bounds = None

    def count(self) -> int:
        return len(self._x)

    def setSize(self, size: int):
        self._size = max(1, int(size))
        self.prepareGeometryChange()
        self.update()

    def setData(self, pos, colour_index=None, colours=("#4e79a7",)):
        """Points (n, 2) in data coordinates, each with an index into `colours` (names or
        QColors). Higher indices are drawn on top. NaN points are left out."""
        pos = np.asarray(pos, dtype=np.float64).reshape(-1, 2)
        ok = np.isfinite(pos).all(axis=1)
        idx = np.zeros(len(pos), dtype=np.int64) if colour_index is None else \
            np.asarray(colour_index, dtype=np.int64)
        order = np.argsort(idx[ok], kind="stable")  # later colours over earlier ones
        self._x = pos[ok, 0][order]
        self._y = pos[ok, 1][order]
        self._idx = idx[ok][order]
        rgba = np.zeros((max(len(colours), 1), 4), dtype=np.uint8)
        for k, c in enumerate(colours):
            q = QColor(c)
            # stored as premultiplied BGRA, the byte order of QImage.Format_ARGB32_Premultiplied
            a = q.alpha() / 255.0
            rgba[k] = [round(q.blue() * a), round(q.green() * a), round(q.red() * a), q.alpha()]
        self._rgba = rgba
        self.prepareGeometryChange()
        if len(self._x):
            lo = np.array([self._x.min(), self._y.min()])
            hi = np.array([self._x.max(), self._y.max()])
            self._rect = QRectF(lo[0], lo[1], max(hi[0] - lo[0], 1e-12),
                                max(hi[1] - lo[1], 1e-12))
            self._bounds = (lo, hi)
        else:
            self._rect, self._bounds = QRectF(), None
        self.informViewBoundsChanged()
        self.update()

    def clear(self):
        self.setData(np.empty((0, 2)))

    def dataBounds(self, ax, frac=1.0, orthoRange=None):
        if self._bounds is None:
            return None
        return float(self._bounds[0][ax]), float(self._bounds[1][ax])

    def pixelPadding(self):
        return self._size

    def boundingRect(self):
        if self._rect.isNull():
            return QRectF()
        pw, ph = self.pixelWidth() or 0.0, self.pixelHeight() or 0.0
        return self._rect.adjusted(-pw * self._size, -ph * self._size,
                                   pw * self._size, ph * self._size)

    def viewTransformChanged(self):
        self.prepareGeometryChange()

    def render_image(self, transform, width: int, height: int) -> QImage | None:
        """The dots as an image of the device area (width × height), given the item → device
        transform (scale and translation only)."""
        if not len(self._x) or width <= 0 or height <= 0:
            return None
        pad = self._size
        px = np.rint(self._x * transform.m11() + self._y * transform.m21()
                     + transform.dx()).astype(np.int64) + pad
        py = np.rint(self._x * transform.m12() + self._y * transform.m22()
                     + transform.dy()).astype(np.int64) + pad
        keep = (px >= 0) & (px < width + 2 * pad) & (py >= 0) & (py < height + 2 * pad)
        px, py, idx = px[keep], py[keep], self._idx[keep]
        stride = width + 2 * pad + self._size
        rows = height + 2 * pad + self._size
        # one uint32 per pixel, premultiplied BGRA: a dot is a few 1-D scatters of the points
        flat = np.zeros(rows * stride, dtype=np.uint32)
        colour = self._rgba.view(np.uint32).ravel()[idx]
        base = py * stride + px
        for ox, oy in _kernel(self._size):
            flat[base + (oy * stride + ox)] = colour  # sorted: later colours land on top
        grid = flat.reshape(rows, stride)
        self._buf = np.ascontiguousarray(grid[pad: pad + height, pad: pad + width])
        img = QImage(self._buf.data, width, height, 4 * width,
                     QImage.Format.Format_ARGB32_Premultiplied)
        return img

    def paint(self, p, *args):
        dev = p.device()
        if dev is None:
            return
        t = p.transform()
        img = self.render_image(t, dev.width(), dev.height())
        if img is None:
            return
        p.save()
        p.resetTransform()
        p.drawImage(0, 0, img)
        p.restore()
