"""The map's word labels, drawn by one item: text boxes pinned to points at pixel offsets.

core.label_layout decides which labels fit and where (in pixels, relative to each point); this
item only draws them. One item painting a few hundred strings costs a few milliseconds a frame,
where a pyqtgraph TextItem per label is a scene item each, added, moved and hidden one by one.
"""
from __future__ import annotations

from dataclasses import dataclass

import pyqtgraph as pg
from PySide6.QtCore import QPointF, QRectF, Qt
from PySide6.QtGui import QBrush, QColor, QFont, QFontMetricsF, QPen

PAD = 2.0  # pixels of fill around the text


@dataclass
class Label:
    x: float            # the point it names, in data coordinates
    y: float
    dx: float           # its box's top-left corner, in pixels from the point
    dy: float
    text: str
    colour: QColor
    style: str          # a key of LabelsItem.fonts: "strong", "plain" or "cluster"


class LabelsItem(pg.GraphicsObject):
    """Draws `Label`s over the plot; measures text for the layout with the same fonts."""

    def __init__(self):
        super().__init__()
        base = QFont()
        self.fonts = {"strong": QFont(base), "plain": QFont(base), "cluster": QFont(base)}
        self.fonts["strong"].setPointSizeF(9.5)
        self.fonts["strong"].setBold(True)
        self.fonts["plain"].setPointSizeF(8.5)
        self.fonts["cluster"].setPointSizeF(10.5)
        self.fonts["cluster"].setBold(True)
        self.fonts["cluster"].setItalic(True)
        self._metrics = {k: QFontMetricsF(f) for k, f in self.fonts.items()}
        self._widths: dict[tuple[str, str], float] = {}
        self.labels: list[Label] = []
        self.fill = QBrush(QColor(255, 255, 255, 205))
        self.setZValue(20)

    def size(self, text: str, style: str) -> tuple[float, float]:
        """Width and height in pixels of a label's box (text and padding)."""
        key = (style, text)
        w = self._widths.get(key)
        if w is None:
            w = self._metrics[style].horizontalAdvance(text) + 2 * PAD
            if len(self._widths) > 200_000:  # words seen over a long session
                self._widths.clear()
            self._widths[key] = w
        return w, self._metrics[style].height() + 2 * PAD

    def set_labels(self, labels: list[Label]):
        self.labels = labels
        self.update()

    def dataBounds(self, ax, frac=1.0, orthoRange=None):
        return None  # labels never widen the view's automatic range

    def boundingRect(self):
        vb = self.getViewBox()
        return QRectF() if vb is None else vb.viewRect()

    def viewRangeChanged(self):
        self.prepareGeometryChange()

    def paint(self, p, *args):
        if not self.labels:
            return
        t = p.transform()
        p.save()
        p.resetTransform()
        p.setPen(Qt.PenStyle.NoPen)
        for lab in self.labels:
            at = t.map(QPointF(lab.x, lab.y))
            w, h = self.size(lab.text, lab.style)
            box = QRectF(at.x() + lab.dx, at.y() + lab.dy, w, h)
            p.setPen(Qt.PenStyle.NoPen)
            p.setBrush(self.fill)
            p.drawRect(box)
            p.setFont(self.fonts[lab.style])
            p.setPen(QPen(lab.colour))
            p.drawText(box, Qt.AlignmentFlag.AlignCenter, lab.text)
        p.restore()
