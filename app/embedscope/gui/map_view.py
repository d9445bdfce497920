"""The map: a pyqtgraph scatter of the current projection, with hover, pick, box and lasso.

One `DotsItem` holds every point, filled once per projection with colours from a small
palette (pyqtgraph's ScatterPlotItem keeps Python objects per point: ~1 s per 100,000 points
on the UI thread, see gui/dots.py); the word under the mouse comes from a k-d tree
(core.spatial), never a scan; picked, highlighted and selected words are small overlay items
drawn on top, so changing them never restyles 400,000 points. Labels are laid out by priority
on every zoom and pan (core.label_layout) and drawn by one item (gui/labels); the density view
shades counts per pixel (core.density); named clusters come from core.clustering. The colours
come from the registered colour modes (gui/colour_modes); `set_visible_mask` hides filtered
points from all of it.
"""
from __future__ import annotations

import os

os.environ.setdefault("PYQTGRAPH_QT_LIB", "PySide6")

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import QEvent, QRectF, Qt, QTimer, Signal
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

from ..core import density
from ..core.clustering import central_rows, cluster_rows
from ..core.label_layout import in_view, label_text, lay_out
from ..core.selection import polygon_mask, rect_mask
from ..core.spatial import PointIndex
from . import colour_modes
from . import palette as pal
from .colour_modes import MapPoints
from .dots import DotsItem
from .labels import Label, LabelsItem
from .workers import JobRunner

pg.setConfigOptions(useOpenGL=False, antialias=False)

INLINE_INDEX = 50000   # maps up to this many points get their hover index at once
LABEL_CAP = 150        # labels for picked/searched/neighbour words
LANDMARKS = 40         # frequent words labelled in the current view, to orient the eye
LANDMARK_CANDIDATES = 600  # frequent words in view tried for those places, most frequent first
DENSITY_FROM = 50_000  # maps of this many points open in the density view
DENSITY_BIN = 2        # pixels per density bin
CLUSTERS = 8
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
        self._cluster_names: list[tuple[tuple[float, float], str]] = []  # anchor, name
        self._clustering = None       # projection id of the clustering in flight
        self._cluster_runner = JobRunner("clusters", self)
        self._cluster_runner.finished.connect(self._clusters_done)
        self._index_runner = JobRunner("hover index", self)
        self._index_runner.finished.connect(self._index_built)
        self._legend_entries: list[tuple[str, str]] = []
        self.visible: np.ndarray | None = None  # per map point; None shows every point

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
        # a table's long column name widens the list that opens, not the toolbar
        self.colour_box.setSizeAdjustPolicy(
            QComboBox.SizeAdjustPolicy.AdjustToMinimumContentsLengthWithIcon)
        self.colour_box.setMinimumContentsLength(18)
        self.colour_box.currentTextChanged.connect(state.set_colour_mode)
        bar.addWidget(self.colour_box)
        fit = QToolButton(text="Fit", toolTip="Show every point of the map (Home)")
        fit.clicked.connect(self.fit)
        bar.addWidget(fit)
        self.density_button = QToolButton(
            text="Density", checkable=True,
            toolTip="Shade the map by how many points fall on each pixel, where dots pile up "
                    f"(on by itself from {DENSITY_FROM:,} points)")
        self.density_button.toggled.connect(self._density_toggled)
        bar.addWidget(self.density_button)
        self.clusters_button = QToolButton(
            text="Clusters", checkable=True,
            toolTip="Name the map's clusters (k-means in the full vector space) by their most "
                    "central words; click a name to select its words")
        self.clusters_button.toggled.connect(self._clusters_toggled)
        bar.addWidget(self.clusters_button)
        bar.addStretch(1)
        self.info_label = QLabel("")
        self.info_label.setMinimumWidth(40)  # clipped, not widening the window, when narrow
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
        self.labels_item = LabelsItem()
        self.plot.addItem(self.labels_item)
        self._labelled: list[int] = []     # rows labelled now, picked word first
        self._cluster_boxes: list[tuple] = []  # (cluster, left, top, width, height) in pixels
        self.density_item = pg.ImageItem(axisOrder="row-major")
        self.density_item.setZValue(-5)
        self.density_item.hide()
        self.plot.addItem(self.density_item)
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
        # labels and density follow every zoom and pan, once per burst of range changes
        self._relayout = QTimer(self, singleShot=True, interval=15)
        self._relayout.timeout.connect(self._view_changed)
        self.viewbox.sigRangeChanged.connect(lambda *_: self._relayout.start())

        state.projection_changed.connect(self._on_projection)
        state.selection_changed.connect(self._on_selection)
        state.highlight_changed.connect(self._on_highlight)
        state.picked_changed.connect(self._on_picked)
        state.centre_requested.connect(self.centre_on)
        state.colour_mode_changed.connect(self._on_colour_mode)
        state.embedding_changed.connect(self._on_embedding)
        state.attributes_changed.connect(self._list_colour_modes)
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
        self.labels_item.fill = pg.mkBrush(base)
        self.legend.setStyleSheet(
            "QLabel#legend { background: %s; border: 1px solid %s; padding: 4px; }"
            % (p.color(QPalette.ColorRole.Base).name(), p.color(QPalette.ColorRole.Mid).name()))
        if len(self.rows):
            self._recolour()
            self._view_changed()

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
        self._cluster_names = []
        self.visible = None  # a filter was a mask of the old map's points
        emb = self.state.embedding
        if proj is None or emb is None:
            self.coords = np.empty((0, 2))
            self.rows = np.empty(0, dtype=np.int64)
            self.index = None
            self.scatter.clear()
            for it in (self.selection_item, self.highlight_item, self.pick_item):
                it.clear()
            self._hide_labels()
            self.density_item.hide()
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
        if self.density_button.isChecked() != (n >= DENSITY_FROM):
            self.density_button.setChecked(n >= DENSITY_FROM)  # draws the dots or the density
        if self.clusters_button.isChecked():
            self._clusters()
        self.fit()
        self._on_selection()
        self._overlays_and_labels()

    def _overlays_and_labels(self):
        """Highlight and pick drawn for the current map, then the labels laid out once."""
        self._overlay(self.highlight_item, self.state.highlight_rows, cap=5000)
        picked = self.state.picked
        self._overlay(self.pick_item, [picked] if picked >= 0 else [])
        self._update_labels()

    def _index_built(self, result):
        key, index = result
        if key == id(self.state.projection):
            self.index = index

    def fit(self):
        """Frame every point shown (the outliers too: they are often the ones worth a look)."""
        c = self.coords if self.visible is None else self.coords[self.visible]
        c = c[np.isfinite(c).all(axis=1)]
        if len(c):
            lo, hi = c.min(axis=0), c.max(axis=0)
            span = np.maximum(hi - lo, 1e-9)
            self.viewbox.setRange(xRange=(lo[0], lo[0] + span[0]),
                                  yRange=(lo[1], lo[1] + span[1]), padding=0.04)

    def set_visible_mask(self, mask) -> None:
        """Show only some of the map's points: `mask` is a boolean per map point (in the order
        of `self.rows`), or None to show them all. Hidden points are not drawn, labelled,
        hovered, picked or caught by a box or lasso; overlays (selection, highlight, pick) skip
        them too. The mask lasts until the next map."""
        if mask is not None:
            mask = np.asarray(mask, dtype=bool).ravel()
            if len(mask) != len(self.rows):
                raise ValueError(f"visible mask has {len(mask):,} entries; the map has "
                                 f"{len(self.rows):,} points")
            if mask.all():
                mask = None
        self.visible = mask
        self._recolour()
        self._update_density()
        self._on_selection()
        self._overlays_and_labels()

    def _positions(self, rows):
        """Map positions of the given embedding rows that are on the map."""
        rows = np.asarray(rows, dtype=np.int64)
        if len(rows) == 0 or len(self.pos_of_row) == 0:
            return np.empty(0, dtype=np.int64)
        rows = rows[(rows >= 0) & (rows < len(self.pos_of_row))]
        pos = self.pos_of_row[rows]
        pos = pos[pos >= 0]
        return pos if self.visible is None else pos[self.visible[pos]]

    # --- colours ------------------------------------------------------------------------------
    def _on_colour_mode(self, mode):
        if self.colour_box.currentText() != mode:
            self.colour_box.setCurrentText(mode)
        if self.density_button.isChecked():
            self.density_button.setChecked(False)  # colours show on dots: choosing one shows them
        self._recolour()

    def _list_colour_modes(self):
        """The registered modes, then the window's attributes; a mode that went away (its
        table belonged to the previous file) falls back to the first."""
        wanted = colour_modes.labels() + list(self.state.attributes)
        current = self.state.colour_mode
        self.colour_box.blockSignals(True)
        self.colour_box.clear()
        self.colour_box.addItems(wanted)
        self.colour_box.setCurrentText(current if current in wanted else wanted[0])
        self.colour_box.blockSignals(False)
        # the list that opens is as wide as its longest name, the box itself stays narrow
        view = self.colour_box.view()
        view.setMinimumWidth(view.sizeHintForColumn(0) + 24)
        if current not in wanted:
            self.state.set_colour_mode(wanted[0])
        elif current in self.state.attributes:
            self._recolour()  # a table of the same column name replaced the old one

    def colour_indices(self, mode):
        """(palette colours, index per point, legend [(colour, text)]) for a colour mode."""
        points = MapPoints(self.state, self.rows, self._positions,
                           pal.OTHER_DARK if self._dark() else pal.OTHER_LIGHT, self._clusters)
        found = colour_modes.find(mode, self.state) or colour_modes.get(colour_modes.labels()[0])
        return found.colours(points)

    def _state_changed(self, signal: str):
        """A state change some colour mode follows: redraw if it is the current one's."""
        mode = colour_modes.find(self.state.colour_mode, self.state)
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
        if self.visible is None:
            self.scatter.setData(self.coords, idx, qcols)
        else:
            self.scatter.setData(self.coords[self.visible], idx[self.visible], qcols)
            legend = legend + [("transparent", f"showing {int(self.visible.sum()):,} of "
                                               f"{len(self.rows):,} points")]
        self._legend_entries = legend
        if not self.density_button.isChecked():  # the density view has a legend of its own
            self._show_legend(legend)

    def _show_legend(self, entries, title: str = ""):
        self.legend.setText(("<b>%s</b><br>" % title if title else "") + "<br>".join(
            f"<span style='color:{c}; font-size:14px'>&#9632;</span>&nbsp;{t}"
            for c, t in entries))
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
        key, labels, central = result
        if key != id(self.state.projection):
            return
        self._cluster_labels = (key, labels)
        emb = self.state.embedding
        names = []
        for c, rows in enumerate(central):
            members = np.flatnonzero(labels == c)
            if not len(members):
                continue
            # Clusters are found in the vector space, so a cluster may lie in pieces on the map:
            # its name goes on the member nearest the middle of its members, over its points.
            xy = self.coords[members]
            ok = np.isfinite(xy).all(axis=1)
            if not ok.any():
                continue
            mid = np.median(xy[ok], axis=0)
            at = xy[ok][np.argmin(((xy[ok] - mid) ** 2).sum(axis=1))]
            names.append(((float(at[0]), float(at[1])),
                          " · ".join(label_text(emb.words[r]) for r in rows.tolist())))
        self._cluster_names = names
        if self.state.colour_mode == "cluster":
            self._recolour()
        self._update_labels()

    def _clusters_toggled(self, on):
        if on and len(self.rows):
            self._clusters()
        self._update_labels()

    def _cluster_names_in_view(self) -> list[tuple[tuple[float, float], str, int]]:
        """(anchor, name, cluster) of each named cluster, when cluster names are shown."""
        if not self.clusters_button.isChecked() or self._cluster_labels is None:
            return []
        return [(at, name, c) for c, (at, name) in enumerate(self._cluster_names)]

    def cluster_rows(self, cluster: int) -> np.ndarray:
        """Rows of the words in one of the map's clusters (empty until clusters are known)."""
        if self._cluster_labels is None:
            return np.empty(0, dtype=np.int64)
        mask = self._cluster_labels[1] == cluster
        if self.visible is not None:
            mask &= self.visible
        return self.rows[mask]

    def select_cluster(self, cluster: int, how: str = "add") -> int:
        """Add (or remove) a whole cluster to the selection, as clicking its name does."""
        rows = self.cluster_rows(cluster)
        if how == "remove":
            return -self.state.select_remove(rows)
        return self.state.select_add(rows, "cluster")

    def cluster_at(self, x: float, y: float) -> int:
        """The cluster whose name is drawn over the data point (x, y), or -1."""
        (x0, x1, y0, y1), (w, h) = self._view_pixels()
        px, py = (x - x0) / (x1 - x0) * w, (y1 - y) / (y1 - y0) * h
        for c, left, top, bw, bh in self._cluster_boxes:
            if left <= px <= left + bw and top <= py <= top + bh:
                return c
        return -1

    # --- density ------------------------------------------------------------------------------
    def _density_toggled(self, on):
        self.scatter.setVisible(not on)
        self.density_item.setVisible(on)
        if on:
            self._update_density()
        else:
            self._recolour()  # the colour mode's legend again

    def _view_changed(self):
        self._update_density()
        self._update_labels()

    def _update_density(self):
        """Shade the view by points per bin (core.density), afresh for every zoom and pan."""
        if not self.density_button.isChecked() or not len(self.coords):
            return
        view, (w, h) = self._view_pixels()
        x0, x1, y0, y1 = view
        n = density.counts(self.coords, view, (w / DENSITY_BIN, h / DENSITY_BIN), self.visible)
        shades = density.SHADES_DARK if self._dark() else density.SHADES
        self.density_item.setImage(density.shade(n, shades), autoLevels=False)
        self.density_item.setRect(QRectF(x0, y0, x1 - x0, y1 - y0))
        top = int(n.max()) if n.size else 0
        steps = sorted({1, *(int(round(np.expm1(f * np.log1p(top)))) for f in (0.5, 1.0))})
        self._show_legend([(shades[min(len(shades) - 1, int(round(
            np.log1p(v) / np.log1p(max(top, 1)) * (len(shades) - 1))))], f"{v:,}")
            for v in steps if 0 < v <= max(top, 1)],
            f"points per {DENSITY_BIN}×{DENSITY_BIN} pixels")

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
        self.labels_item.set_labels([])
        self._labelled = []

    def label_rows(self) -> list[int]:
        """Rows of the words labelled now, in priority order (the picked word first)."""
        return [r for r in self._labelled if r >= 0]

    def _view_pixels(self):
        """(x0, x1, y0, y1) of the view in data units and its size in pixels."""
        (x0, x1), (y0, y1) = self.viewbox.viewRange()
        return (x0, x1, y0, y1), (max(self.viewbox.width(), 1.0), max(self.viewbox.height(), 1.0))

    def _update_labels(self):
        """Lay the labels out afresh for the current view (core.label_layout): the picked word,
        then results, then search matches, then cluster names, then the most frequent words in
        view; none overlaps another or covers a highlighted point."""
        emb = self.state.embedding
        if emb is None or not len(self.rows):
            self._hide_labels()
            return
        view, (w, h) = self._view_pixels()
        x0, x1, y0, y1 = view
        sx, sy = w / max(x1 - x0, 1e-300), h / max(y1 - y0, 1e-300)

        def pixels(xy):
            return np.column_stack([(xy[:, 0] - x0) * sx, (y1 - xy[:, 1]) * sy])

        picked = self.state.picked
        picked_pos = self._positions([picked]) if picked >= 0 else np.empty(0, dtype=np.int64)
        strong_pos = self._positions(self.state.highlight_rows[:LABEL_CAP])
        strong_pos = strong_pos[~np.isin(strong_pos, picked_pos)]
        # (position on the map or -1, data x, data y, text, style, colour, row or -1 - cluster)
        cands: list[tuple] = []
        for pos in picked_pos.tolist():
            cands.append((pos, emb.words[self.rows[pos]], "strong", QColor(pal.PICKED)))
        result = QColor(pal.HIGHLIGHT)
        # results (neighbours, analogy, compare) before search matches: both drawn strong
        for pos in strong_pos.tolist():
            cands.append((pos, emb.words[self.rows[pos]], "strong", result))
        n_strong = len(cands)
        xy = [self.coords[[c[0] for c in cands]]] if cands else []
        names = self._cluster_names_in_view()
        for _at, text, cluster in names:
            cands.append((-1 - cluster, text, "cluster", self._text_colour))
        if names:
            xy.append(np.array([a for a, _, _ in names], dtype=np.float64))
        order = self._by_row if self.visible is None else \
            self._by_row[self.visible[self._by_row]]
        landmarks = in_view(self.coords, view, order, want=LANDMARK_CANDIDATES)
        landmarks = landmarks[~np.isin(landmarks, np.concatenate([picked_pos, strong_pos]))]
        for pos in landmarks.tolist():
            cands.append((pos, emb.words[self.rows[pos]], "plain", self._text_colour))
        if len(landmarks):
            xy.append(self.coords[landmarks])
        if not cands:
            self._hide_labels()
            return
        xy = np.concatenate(xy)
        texts = [label_text(c[1]) for c in cands]
        sizes = np.array([self.labels_item.size(t, c[2]) for t, c in zip(texts, cands)])
        marked = np.concatenate([picked_pos, self._positions(self.state.highlight_rows[:5000])])
        plan = lay_out(pixels(xy), sizes[:, 0], sizes[:, 1], (w, h),
                       obstacles=pixels(self.coords[marked]), required=len(picked_pos),
                       cap=n_strong + LANDMARKS + len(names))
        labels, labelled, self._cluster_boxes = [], [], []
        pix = pixels(xy)
        for i, left, top in zip(plan.chosen.tolist(), plan.left.tolist(), plan.top.tolist()):
            pos, _, style, colour = cands[i]
            labels.append(Label(float(xy[i, 0]), float(xy[i, 1]), left - pix[i, 0],
                                top - pix[i, 1], texts[i], colour, style))
            if pos >= 0:
                labelled.append(int(self.rows[pos]))
            else:
                self._cluster_boxes.append((-1 - pos, left, top, *sizes[i]))
        self._labelled = labelled
        self.labels_item.set_labels(labels)

    # --- mouse ------------------------------------------------------------------------------------
    def row_at(self, x: float, y: float, pixels: float = HOVER_PIXELS) -> int:
        """The row drawn nearest the data point (x, y), within a few pixels, or -1."""
        if self.index is None:
            return -1
        pw, ph = self.viewbox.viewPixelSize()
        pos = self.index.nearest(x, y, (pixels * pw, pixels * ph))
        if pos is None or (self.visible is not None and not self.visible[pos]):
            return -1
        return int(self.rows[pos])

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
        if ev.button() != Qt.MouseButton.LeftButton:
            return
        p = self.viewbox.mapSceneToView(ev.scenePos())
        cluster = self.cluster_at(p.x(), p.y())
        if cluster >= 0:
            remove = ev.modifiers() & (Qt.KeyboardModifier.AltModifier
                                       | Qt.KeyboardModifier.ControlModifier)
            n = self.select_cluster(cluster, "remove" if remove else "add")
            self.state.message.emit(f"{abs(n):,} words of the cluster "
                                    f"{'removed from' if n < 0 else 'added to'} the selection")
            return
        if self.index is None:
            return
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
        if self.visible is not None:
            mask = mask & self.visible
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
            self.state.message.emit(f"'{self.state.embedding.words[row]}' is not on the map: "
                                    "'Map around this word' in the Search panel adds it "
                                    "with its neighbours")
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
    labels = cluster_rows(emb, rows, k=CLUSTERS, progress=progress, should_stop=should_stop)
    return key, labels, central_rows(emb, rows, labels, n=3)
