"""The map: a pyqtgraph scatter of the current projection, with hover, pick, box and lasso.

One `DotsItem` holds every point, filled once per projection with colours from a small
palette (pyqtgraph's ScatterPlotItem keeps Python objects per point: ~1 s per 100,000 points
on the UI thread, see gui/dots.py); the word under the mouse comes from a k-d tree
(core.spatial), never a scan; picked, highlighted and selected words are small overlay items
drawn on top, so changing them never restyles 400,000 points. Labels are capped so the map
stays readable. The colours come from the registered colour modes (gui/colour_modes).
"""
from __future__ import annotations

import os

os.environ.setdefault("PYQTGRAPH_QT_LIB", "PySide6")

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import QEvent, Qt, QTimer, Signal
from PySide6.QtGui import QColor, QPalette
from PySide6.QtWidgets import (
    QButtonGroup,
    QComboBox,
    QHBoxLayout,
    QLabel,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from ..core.clustering import cluster_rows
from ..core.selection import polygon_mask, rect_mask
from ..core.spatial import PointIndex
from . import colour_modes
from . import palette as pal
from .colour_modes import MapPoints
from .dots import DotsItem
from .workers import JobRunner

pg.setConfigOptions(useOpenGL=False, antialias=False)

INLINE_INDEX = 50000   # maps up to this many points get their hover index at once
LABEL_CAP = 150        # labels for picked/searched/neighbour words
LANDMARKS = 30         # frequent words labelled in the current view, to orient the eye
HOVER_PIXELS = 8


def _brush(colour, alpha=210):
    c = QColor(colour)
    c.setAlpha(alpha)
    return pg.mkBrush(c)


class _MapViewBox(pg.ViewBox):
    """A ViewBox whose left-drag draws a box or lasso when the map is in that mode."""

    def __init__(self, owner):
        super().__init__()
        self.owner = owner
        self._path: list[tuple[float, float]] = []

    def mouseDragEvent(self, ev, axis=None):
        mode = self.owner.mode
        if mode == "pan" or ev.button() != Qt.MouseButton.LeftButton:
            return super().mouseDragEvent(ev, axis)
        ev.accept()
        p = self.mapSceneToView(ev.scenePos())
        if ev.isStart():
            start = self.mapSceneToView(ev.buttonDownScenePos())
            self._path = [(start.x(), start.y())]
        self._path.append((p.x(), p.y()))
        if mode == "box":
            (x0, y0), (x1, y1) = self._path[0], self._path[-1]
            shape = [(x0, y0), (x1, y0), (x1, y1), (x0, y1), (x0, y0)]
        else:
            shape = self._path + [self._path[0]]
        self.owner.show_shape(shape)
        if ev.isFinish():
            self.owner.show_shape(None)
            mods = ev.modifiers()
            how = "remove" if mods & (Qt.KeyboardModifier.AltModifier
                                      | Qt.KeyboardModifier.ControlModifier) else "add"
            if mode == "box":
                (x0, y0), (x1, y1) = self._path[0], self._path[-1]
                self.owner.select_rect((x0, y0, x1, y1), how)
            else:
                self.owner.select_polygon(self._path, how)
            self._path = []


class MapView(QWidget):
    """The central map. Subscribes to the state; reports picks and selections back to it."""

    hovered = Signal(int)  # row under the mouse, -1 for none

    def __init__(self, state, parent=None):
        super().__init__(parent)
        self.state = state
        self.mode = "pan"
        self.coords = np.empty((0, 2))
        self.rows = np.empty(0, dtype=np.int64)
        self.pos_of_row = np.empty(0, dtype=np.int64)
        self._by_row = np.empty(0, dtype=np.int64)
        self.index: PointIndex | None = None
        self.hover_row = -1
        self._cluster_labels = None   # (projection id, labels) once k-means has run
        self._clustering = None       # projection id of the clustering in flight
        self._cluster_runner = JobRunner("clusters", self)
        self._cluster_runner.finished.connect(self._clusters_done)
        self._index_runner = JobRunner("hover index", self)
        self._index_runner.finished.connect(self._index_built)
        self._legend_entries: list[tuple[str, str]] = []

        # --- toolbar --------------------------------------------------------------------
        bar = QHBoxLayout()
        bar.setContentsMargins(4, 2, 4, 2)
        self.mode_group = QButtonGroup(self)
        for name, tip in (("Pan", "Drag to pan, wheel to zoom (P)"),
                          ("Box", "Drag a box to add words to the selection; "
                                  "with Ctrl, remove them (B)"),
                          ("Lasso", "Draw around words to add them to the selection; "
                                    "with Ctrl, remove them (L)")):
            b = QToolButton(text=name, checkable=True, toolTip=tip)
            b.setObjectName(f"mode_{name.lower()}")
            self.mode_group.addButton(b)
            bar.addWidget(b)
            b.toggled.connect(lambda on, n=name.lower(): on and self.set_mode(n))
        self.mode_group.buttons()[0].setChecked(True)
        bar.addSpacing(12)
        bar.addWidget(QLabel("Colour by"))
        self.colour_box = QComboBox()
        self.colour_box.addItems(colour_modes.labels())
        self.colour_box.currentTextChanged.connect(state.set_colour_mode)
        bar.addWidget(self.colour_box)
        fit = QToolButton(text="Fit", toolTip="Show the whole map (Home)")
        fit.clicked.connect(self.fit)
        bar.addWidget(fit)
        bar.addStretch(1)
        self.info_label = QLabel("")
        bar.addWidget(self.info_label)

        # --- plot ------------------------------------------------------------------------
        self.viewbox = _MapViewBox(self)
        self.plot = pg.PlotWidget(viewBox=self.viewbox)
        self.plot.setMenuEnabled(False)
        self.plot.hideButtons()
        self.plot.showGrid(x=False, y=False)
        self.scatter = DotsItem(size=4)
        self.plot.addItem(self.scatter)
        self.selection_item = pg.ScatterPlotItem(pxMode=True, size=7, brush=None,
                                                 pen=pg.mkPen(pal.SELECTION, width=1.3))
        self.highlight_item = pg.ScatterPlotItem(pxMode=True, size=8, pen=pg.mkPen("w", width=1),
                                                 brush=_brush(pal.HIGHLIGHT, 255))
        self.pick_item = pg.ScatterPlotItem(pxMode=True, size=15, brush=None,
                                            pen=pg.mkPen(pal.PICKED, width=2.5))
        self.shape_item = pg.PlotCurveItem(pen=pg.mkPen(pal.SELECTION, width=1.5,
                                                        style=Qt.PenStyle.DashLine))
        for it in (self.selection_item, self.highlight_item, self.pick_item, self.shape_item):
            it.setZValue(10)
            self.plot.addItem(it)
        self.hover_text = pg.TextItem("", anchor=(0, 1.15), fill=pg.mkBrush(255, 255, 225, 235),
                                      color="#111", border=pg.mkPen("#888"))
        self.hover_text.setZValue(30)
        self.hover_text.hide()
        self.plot.addItem(self.hover_text)
        self._labels: list[pg.TextItem] = []
        self._spare_labels: list[pg.TextItem] = []
        # The landmark labels' items are made ahead, a few per turn of the event loop once the
        # window is up: making all 30 when the first map arrives would stall the window ~50 ms.
        self._label_maker = QTimer(self, singleShot=True, interval=0)  # dies with the view
        self._label_maker.timeout.connect(self._make_label_items)
        self._label_maker.start()
        self.legend = QLabel(self.plot)
        self.legend.setObjectName("legend")
        self.legend.setAttribute(Qt.WidgetAttribute.WA_TransparentForMouseEvents)
        self.legend.move(60, 8)
        self.empty_note = pg.TextItem("", anchor=(0.5, 0.5), color="#888")
        self.plot.addItem(self.empty_note)

        lay = QVBoxLayout(self)
        lay.setContentsMargins(0, 0, 0, 0)
        lay.setSpacing(0)
        lay.addLayout(bar)
        lay.addWidget(self.plot, 1)

        self.plot.scene().sigMouseMoved.connect(self._mouse_moved)
        self.plot.scene().sigMouseClicked.connect(self._mouse_clicked)
        self._landmark_timer = QTimer(self, singleShot=True, interval=120)
        self._landmark_timer.timeout.connect(self._update_labels)
        self.viewbox.sigRangeChanged.connect(lambda *_: self._landmark_timer.start())

        state.projection_changed.connect(self._on_projection)
        state.selection_changed.connect(self._on_selection)
        state.highlight_changed.connect(self._on_highlight)
        state.picked_changed.connect(self._on_picked)
        state.centre_requested.connect(self.centre_on)
        state.colour_mode_changed.connect(self._on_colour_mode)
        state.embedding_changed.connect(self._on_embedding)
        followed = {s for label in colour_modes.labels() for s in colour_modes.get(label).follows}
        for signal in sorted(followed):
            getattr(state, signal).connect(lambda *_a, s=signal: self._state_changed(s))
        self.apply_theme()
        self._on_projection(None)

    # --- theme -----------------------------------------------------------------------------
    def _dark(self) -> bool:
        return self.palette().color(QPalette.ColorRole.Base).lightness() < 128

    def apply_theme(self):
        """Follow the system palette: the plot background is the palette's base colour."""
        p = self.palette()
        self.plot.setBackground(p.color(QPalette.ColorRole.Base))
        fg = p.color(QPalette.ColorRole.Text)
        for ax in ("left", "bottom"):
            a = self.plot.getAxis(ax)
            a.setPen(pg.mkPen(fg))
            a.setTextPen(pg.mkPen(fg))
        self._text_colour = fg
        base = p.color(QPalette.ColorRole.Base)
        base.setAlpha(205)  # labels stay readable over dense points, which show faintly
        self._label_fill = pg.mkBrush(base)
        for t in getattr(self, "_labels", []) + getattr(self, "_spare_labels", []):
            t.fill = self._label_fill
        self.legend.setStyleSheet(
            "QLabel#legend { background: %s; border: 1px solid %s; padding: 4px; }"
            % (p.color(QPalette.ColorRole.Base).name(), p.color(QPalette.ColorRole.Mid).name()))
        if len(self.rows):
            self._recolour()
            self._update_labels()

    def changeEvent(self, ev):
        if ev.type() == QEvent.Type.PaletteChange:
            self.apply_theme()
        super().changeEvent(ev)

    # --- modes -----------------------------------------------------------------------------
    def set_mode(self, mode: str):
        self.mode = mode
        for b in self.mode_group.buttons():
            if b.objectName() == f"mode_{mode}" and not b.isChecked():
                b.setChecked(True)

    # --- projection ----------------------------------------------------------------------------
    def _on_embedding(self, emb):
        self._cluster_labels = None
        self.pos_of_row = np.full(emb.rows if emb is not None else 0, -1, dtype=np.int64)

    def _on_projection(self, proj):
        self._cluster_labels = None
        emb = self.state.embedding
        if proj is None or emb is None:
            self.coords = np.empty((0, 2))
            self.rows = np.empty(0, dtype=np.int64)
            self.index = None
            self.scatter.clear()
            for it in (self.selection_item, self.highlight_item, self.pick_item):
                it.clear()
            self._hide_labels()
            self.legend.hide()
            self.info_label.setText("")
            self.empty_note.setText("Open an embedding (Ctrl+O)" if emb is None
                                    else "Computing the map…")
            self.empty_note.setPos(0, 0)
            self.empty_note.show()
            return
        self.empty_note.hide()
        self.coords = np.asarray(proj.coords, dtype=np.float64)
        self.rows = np.asarray(proj.rows, dtype=np.int64)
        self.pos_of_row = np.full(emb.rows, -1, dtype=np.int64)
        self.pos_of_row[self.rows] = np.arange(len(self.rows))
        # map positions in row (frequency) order, for labelling the most familiar words
        sorted_rows = len(self.rows) < 2 or bool((np.diff(self.rows) > 0).all())
        self._by_row = np.arange(len(self.rows)) if sorted_rows else \
            np.argsort(self.rows, kind="stable")
        n = len(self.rows)
        if n <= INLINE_INDEX:
            self.index = PointIndex(self.coords)
        else:  # building a k-d tree of 400,000 points takes a moment: off the UI thread
            self.index = None
            self._index_runner.start(_build_index, self.coords, id(proj), label="")

        # smaller dots when there are many, so dense regions keep some structure
        self.scatter.setSize(5 if n <= 20000 else 3 if n <= 150000 else 2)
        self._recolour()
        self.info_label.setText(f"{n:,} points · {proj.method}")
        self.fit()
        self._on_selection()
        self._on_highlight()
        self._on_picked(self.state.picked)

    def _index_built(self, result):
        key, index = result
        if key == id(self.state.projection):
            self.index = index

    def fit(self):
        if len(self.coords):
            # a strided sample of 50,000 points finds the same extent as all 400,000
            sample = self.coords[:: max(1, len(self.coords) // 50000)]
            ok = np.isfinite(sample).all(axis=1)
            if ok.any():
                lo = np.percentile(sample[ok], 0.5, axis=0)
                hi = np.percentile(sample[ok], 99.5, axis=0)
                self.viewbox.setRange(xRange=(lo[0], hi[0]), yRange=(lo[1], hi[1]), padding=0.04)

    def _positions(self, rows):
        """Map positions of the given embedding rows that are on the map."""
        rows = np.asarray(rows, dtype=np.int64)
        if len(rows) == 0 or len(self.pos_of_row) == 0:
            return np.empty(0, dtype=np.int64)
        rows = rows[(rows >= 0) & (rows < len(self.pos_of_row))]
        pos = self.pos_of_row[rows]
        return pos[pos >= 0]

    # --- colours ------------------------------------------------------------------------------
    def _on_colour_mode(self, mode):
        if self.colour_box.currentText() != mode:
            self.colour_box.setCurrentText(mode)
        self._recolour()

    def colour_indices(self, mode):
        """(palette colours, index per point, legend [(colour, text)]) for a colour mode."""
        points = MapPoints(self.state, self.rows, self._positions,
                           pal.OTHER_DARK if self._dark() else pal.OTHER_LIGHT, self._clusters)
        return colour_modes.get(mode).colours(points)

    def _state_changed(self, signal: str):
        """A state change some colour mode follows: redraw if it is the current one's."""
        mode = colour_modes.get(self.state.colour_mode)
        if mode is not None and signal in mode.follows:
            self._recolour()

    def _recolour(self):
        if not len(self.rows) or self.state.embedding is None:
            return
        cols, idx, legend = self.colour_indices(self.state.colour_mode)
        qcols = []
        for c in cols:
            q = QColor(c)
            q.setAlpha(215)
            qcols.append(q)
        self.scatter.setData(self.coords, idx, qcols)
        self._legend_entries = legend
        self.legend.setText("<br>".join(
            f"<span style='color:{c}; font-size:14px'>&#9632;</span>&nbsp;{t}"
            for c, t in legend))
        self.legend.adjustSize()
        self.legend.show()

    def _clusters(self):
        """Cluster of each point (core.clustering), computed off the UI thread: None until the
        map's clusters are ready, then the map is coloured again."""
        key = id(self.state.projection)
        if self._cluster_labels is not None and self._cluster_labels[0] == key:
            return self._cluster_labels[1]
        if not (self._cluster_runner.busy and self._clustering == key):  # once per map
            self._clustering = key
            self._cluster_runner.start(_cluster_map, self.state.embedding, self.rows.copy(), key,
                                       label="clustering")
        return None

    def _clusters_done(self, result):
        key, labels = result
        if key == id(self.state.projection):
            self._cluster_labels = (key, labels)
            if self.state.colour_mode == "cluster":
                self._recolour()

    # --- overlays -------------------------------------------------------------------------------
    def _overlay(self, item, rows, cap=None):
        pos = self._positions(rows)
        if cap is not None:
            pos = pos[:cap]
        if len(pos):
            item.setData(pos=self.coords[pos])
        else:
            item.clear()
        return pos

    def _on_selection(self):
        self._overlay(self.selection_item, self.state.selection.rows)

    def _on_highlight(self):
        self._overlay(self.highlight_item, self.state.highlight_rows, cap=5000)
        self._update_labels()

    def _on_picked(self, row):
        self._overlay(self.pick_item, [row] if row >= 0 else [])
        self._update_labels()

    # --- labels ---------------------------------------------------------------------------------
    def _hide_labels(self):
        for t in self._labels:
            t.hide()

    def _new_label_item(self):
        """A label item on the plot: one made ahead if there is one, else a new one."""
        t = self._spare_labels.pop() if self._spare_labels else self._make_label_item()
        self.plot.addItem(t)
        self._labels.append(t)

    def _make_label_item(self):
        t = pg.TextItem("", anchor=(-0.08, 0.5), fill=self._label_fill)
        t.setZValue(20)
        return t

    def _make_label_items(self, per_turn: int = 6):
        """Make the landmark labels' items ahead of need, `per_turn` at a time; they join the
        plot when first used, as a new one would."""
        for _ in range(per_turn):
            if len(self._spare_labels) + len(self._labels) >= LANDMARKS + 4:
                return
            self._spare_labels.append(self._make_label_item())
        self._label_maker.start()

    def _label(self, i, text, pos, colour, bold=False):
        while len(self._labels) <= i:
            self._new_label_item()
        t = self._labels[i]
        f = t.textItem.font()
        f.setBold(bold)
        f.setPointSizeF(9.5 if bold else 8.5)
        t.textItem.setFont(f)
        t.setText(text, color=colour)
        t.setPos(*pos)
        t.show()

    def label_rows(self) -> list[int]:
        """Rows that get a label now: picked, then highlighted, then frequent words in view."""
        out = []
        if self.state.picked >= 0 and len(self._positions([self.state.picked])):
            out.append(self.state.picked)
        for r in self.state.highlight_rows[:LABEL_CAP].tolist():
            if r not in out and len(self._positions([r])):
                out.append(r)
        return out

    def _update_labels(self):
        emb = self.state.embedding
        if emb is None or not len(self.rows):
            self._hide_labels()
            return
        strong = self.label_rows()
        fg = self._text_colour
        i = 0
        for r in strong:
            p = self.coords[self.pos_of_row[r]]
            colour = pal.PICKED if r == self.state.picked else pal.HIGHLIGHT
            self._label(i, emb.words[r], p, colour, bold=True)
            i += 1
        i = self._landmarks(i, set(strong), fg)
        for t in self._labels[i:]:
            t.hide()

    def _landmarks(self, i, taken, colour):
        """Label a few of the most frequent words in view, spaced so they do not overlap."""
        (x0, x1), (y0, y1) = self.viewbox.viewRange()
        # Row order is frequency order in common embedding files: low rows are familiar words.
        # Walk the map in row order, a block at a time, until 400 candidates in view are found.
        found = []
        for s in range(0, len(self._by_row), 20000):
            pos = self._by_row[s: s + 20000]
            c = self.coords[pos]
            found.append(pos[(c[:, 0] >= x0) & (c[:, 0] <= x1) & (c[:, 1] >= y0)
                             & (c[:, 1] <= y1)])
            if sum(len(f) for f in found) >= 400:
                break
        inside = np.concatenate(found)[:400] if found else np.empty(0, dtype=np.int64)
        if not len(inside):
            return i
        w, h = max(self.viewbox.width(), 1), max(self.viewbox.height(), 1)
        cell_w, cell_h = 90.0, 18.0
        used = set()
        for r in taken:
            p = self.coords[self.pos_of_row[r]]
            used.add((int((p[0] - x0) / (x1 - x0) * w / cell_w),
                      int((p[1] - y0) / (y1 - y0) * h / cell_h)))
        c = QColor(colour)
        shown = 0
        emb = self.state.embedding
        for pos in inside.tolist():
            r = int(self.rows[pos])
            if r in taken:
                continue
            px, py = self.coords[pos]
            cell = (int((px - x0) / (x1 - x0) * w / cell_w),
                    int((py - y0) / (y1 - y0) * h / cell_h))
            if cell in used:
                continue
            used.add(cell)
            self._label(i, emb.words[r], (px, py), c)
            i += 1
            shown += 1
            if shown >= LANDMARKS:
                break
        return i

    # --- mouse ------------------------------------------------------------------------------------
    def row_at(self, x: float, y: float, pixels: float = HOVER_PIXELS) -> int:
        """The row drawn nearest the data point (x, y), within a few pixels, or -1."""
        if self.index is None:
            return -1
        pw, ph = self.viewbox.viewPixelSize()
        pos = self.index.nearest(x, y, (pixels * pw, pixels * ph))
        return -1 if pos is None else int(self.rows[pos])

    def _mouse_moved(self, scene_pos):
        if self.index is None or not self.viewbox.sceneBoundingRect().contains(scene_pos):
            return
        p = self.viewbox.mapSceneToView(scene_pos)
        row = self.row_at(p.x(), p.y())
        if row != self.hover_row:
            self.hover_row = row
            if row >= 0:
                emb = self.state.embedding
                self.hover_text.setText(f"{emb.words[row]}  (#{row + 1:,})")
                self.hover_text.setPos(*self.coords[self.pos_of_row[row]])
                self.hover_text.show()
            else:
                self.hover_text.hide()
            self.hovered.emit(row)

    def _mouse_clicked(self, ev):
        if ev.button() != Qt.MouseButton.LeftButton or self.index is None:
            return
        p = self.viewbox.mapSceneToView(ev.scenePos())
        row = self.row_at(p.x(), p.y())
        self.state.pick(row)

    # --- selection shapes ------------------------------------------------------------------------
    def show_shape(self, shape):
        if shape is None:
            self.shape_item.setData([], [])
        else:
            a = np.asarray(shape, dtype=float)
            self.shape_item.setData(a[:, 0], a[:, 1])

    def _apply_mask(self, mask, how, origin):
        rows = self.rows[mask]
        if how == "remove":
            return -self.state.select_remove(rows)
        if how == "replace":
            self.state.selection.clear()
        return self.state.select_add(rows, origin)

    def select_polygon(self, polygon, how: str = "add") -> int:
        """Add (or remove, or replace with) the words inside a polygon in map coordinates."""
        if not len(self.coords):
            return 0
        return self._apply_mask(polygon_mask(self.coords, polygon), how, "lasso")

    def select_rect(self, rect, how: str = "add") -> int:
        if not len(self.coords):
            return 0
        return self._apply_mask(rect_mask(self.coords, rect), how, "box")

    # --- navigation ------------------------------------------------------------------------------
    def centre_on(self, row: int):
        pos = self._positions([row])
        if not len(pos):
            self.state.message.emit(f"'{self.state.embedding.words[row]}' is not on the map "
                                    "(it is outside the projected rows)")
            return
        x, y = self.coords[pos[0]]
        (x0, x1), (y0, y1) = self.viewbox.viewRange()
        w, h = x1 - x0, y1 - y0
        ok = np.isfinite(self.coords).all(axis=1)
        span = np.ptp(self.coords[ok], axis=0) if ok.any() else np.array([1.0, 1.0])
        # zoom in when showing the whole map, keep the zoom otherwise
        if w > span[0] / 3:
            w, h = span[0] / 6, span[1] / 6
        self.viewbox.setRange(xRange=(x - w / 2, x + w / 2), yRange=(y - h / 2, y + h / 2),
                              padding=0)

    # --- saving -----------------------------------------------------------------------------------
    def save_image(self, path: str):
        """The map as PNG or SVG (by extension)."""
        import pyqtgraph.exporters as exporters

        item = self.plot.getPlotItem()
        if str(path).lower().endswith(".svg"):
            # pyqtgraph's SVGExporter cannot parse the paths Qt 6.12 writes; Qt's own SVG
            # generator draws the same scene directly.
            from PySide6.QtCore import QRectF, QSize
            from PySide6.QtGui import QPainter
            from PySide6.QtSvg import QSvgGenerator

            rect = item.sceneBoundingRect()
            gen = QSvgGenerator()
            gen.setFileName(str(path))
            gen.setSize(QSize(int(rect.width()), int(rect.height())))
            gen.setViewBox(QRectF(0, 0, rect.width(), rect.height()))
            gen.setTitle("Embedscope map")
            painter = QPainter(gen)
            try:
                self.plot.scene().render(painter, QRectF(0, 0, rect.width(), rect.height()),
                                         rect)
            finally:
                painter.end()
        else:
            ex = exporters.ImageExporter(item)
            ex.parameters()["width"] = max(1200, int(self.plot.width()))
            ex.export(str(path))

    def write_coordinates(self, path: str):
        """word, x, y, row of every point on the map, tab-separated."""
        emb = self.state.embedding
        with open(path, "w", encoding="utf-8") as f:
            f.write("word\tx\ty\trow\n")
            for r, (x, y) in zip(self.rows.tolist(), self.coords.tolist()):
                f.write(f"{emb.words[r]}\t{x:.6g}\t{y:.6g}\t{r}\n")


def _build_index(coords, key, progress=None, should_stop=None):
    return key, PointIndex(coords)


def _cluster_map(emb, rows, key, progress=None, should_stop=None):
    return key, cluster_rows(emb, rows, k=8, progress=progress, should_stop=should_stop)
