"""Vectors: the numbers behind the selected words — a heatmap of their vectors (a row per word,
a column per dimension, one diverging scale shared by all), the picked word's values as bars, and
histograms of the row norms and of all values with the selected words marked."""
from __future__ import annotations

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import QTimer
from PySide6.QtWidgets import QComboBox, QHBoxLayout, QLabel, QLineEdit, QVBoxLayout, QWidget

from ...core.vector_values import ORDERS, dimension_order, distribution_counts, shared_limit
from ..workers import JobRunner
from .common import note, plot_colours

MAX_ROWS = 60          # heatmap rows: more would be thinner than a line of text
MARKED = "#e8590c"     # the selected words in the histograms
BARS = "#4e79a7"


def _counts_of(emb, key, progress=None, should_stop=None):
    """`distribution_counts` with the embedding it was counted for."""
    return key, distribution_counts(emb, progress=progress, should_stop=should_stop)


class VectorsDock(QWidget):
    def __init__(self, state, parent=None):
        super().__init__(parent)
        self.state = state
        self.rows = np.empty(0, dtype=np.int64)   # embedding rows shown, top to bottom
        self.order = np.empty(0, dtype=np.int64)  # dimension shown in each column
        self._norm_counts = None                  # (embedding id, edges, counts)
        self._value_counts = None
        self._add_controls()
        self._add_plots()
        # the histograms of a large embedding are counted off the UI thread
        self.counts_runner = JobRunner("vector histograms", self)
        self.counts_runner.finished.connect(self._counted)
        self._timer = QTimer(self, singleShot=True, interval=60)
        self._timer.timeout.connect(self.refresh)
        for sig in (state.selection_changed, state.embedding_changed, state.picked_changed):
            sig.connect(lambda *_: self._timer.start())

    def _add_controls(self):
        lay = QVBoxLayout(self)
        lay.setContentsMargins(4, 4, 4, 4)
        row = QHBoxLayout()
        row.addWidget(QLabel("Dimensions"))
        self.order_box = QComboBox()
        self.order_box.addItems(ORDERS)
        self.order_box.setToolTip("Sort the columns: as stored, by how much they vary across "
                                  "the words shown, or by the difference between two words")
        self.order_box.currentTextChanged.connect(lambda _t: self.refresh())
        row.addWidget(self.order_box)
        self.word_a, self.word_b = QLineEdit(), QLineEdit()
        for field, tip in ((self.word_a, "first word (default: the first shown)"),
                           (self.word_b, "second word (default: the second shown)")):
            field.setPlaceholderText(tip.split(" (")[0])
            field.setToolTip(tip)
            field.setMaximumWidth(110)
            field.editingFinished.connect(self.refresh)
            row.addWidget(field)
        row.addStretch(1)
        lay.addLayout(row)
        self.info = note("")
        lay.addWidget(self.info)

    def _add_plots(self):
        self.plots = pg.GraphicsLayoutWidget()
        self.plots.setMinimumHeight(120)
        self.plots.ci.setContentsMargins(2, 2, 2, 2)
        self.heat_plot = self.plots.addPlot(row=0, col=0, colspan=2)
        self.heat_plot.setMenuEnabled(False)
        self.heat_plot.invertY(True)
        self.heat_plot.getAxis("left").setWidth(70)
        self.heat_plot.setLabel("bottom", "dimension")
        self.heatmap = pg.ImageItem(axisOrder="row-major")
        self.heat_plot.addItem(self.heatmap)
        self.colour_bar = pg.ColorBarItem(colorMap=pg.colormap.get("CET-D1"), interactive=False,
                                          width=12)
        self.colour_bar.setImageItem(self.heatmap, insert_in=self.heat_plot)
        self.bar_plot = self.plots.addPlot(row=1, col=0, colspan=2)
        self.bar_plot.setMenuEnabled(False)
        self.bar_plot.getAxis("left").setWidth(70)
        self.bars = pg.BarGraphItem(x=[], height=[], width=0.8, brush=BARS, pen=None)
        self.bar_plot.addItem(self.bars)
        self.norm_plot = self.plots.addPlot(row=2, col=0, title="row norms")
        self.value_plot = self.plots.addPlot(row=2, col=1, title="all values · shown words")
        for p in (self.bar_plot, self.norm_plot, self.value_plot):
            p.setMenuEnabled(False)
            p.setMouseEnabled(x=False, y=False)
        self.norm_bars = pg.BarGraphItem(x0=[], x1=[], height=[], brush="#9aa5b1", pen=None)
        self.value_bars = pg.BarGraphItem(x0=[], x1=[], height=[], brush="#9aa5b1", pen=None)
        self.value_marked = pg.BarGraphItem(x0=[], x1=[], height=[], brush=MARKED, pen=None)
        self.norm_plot.addItem(self.norm_bars)
        self.value_plot.addItem(self.value_bars)
        self.value_plot.addItem(self.value_marked)
        self._norm_lines: list[pg.InfiniteLine] = []
        self.plots.ci.layout.setRowStretchFactor(0, 3)
        self.plots.ci.layout.setRowStretchFactor(1, 2)
        self.plots.ci.layout.setRowStretchFactor(2, 2)
        plot_colours(self.plots)
        self.layout().addWidget(self.plots, 1)

    def showEvent(self, ev):
        super().showEvent(ev)
        self._timer.start()

    # --- what is shown ------------------------------------------------------------------------
    def shown_rows(self) -> np.ndarray:
        """The picked word, then the selection in the order it was made, at most MAX_ROWS."""
        rows = list(self.state.selection.rows[:MAX_ROWS].tolist())
        if self.state.picked >= 0 and self.state.picked not in rows:
            rows = [self.state.picked] + rows[: MAX_ROWS - 1]
        return np.asarray(rows, dtype=np.int64)

    def _pair(self, rows) -> tuple[int, int]:
        """Positions among `rows` of the two words to sort by (typed, else the first two)."""
        out = []
        for field, default in ((self.word_a, 0), (self.word_b, 1)):
            r = self.state.row_of(field.text().strip()) if field.text().strip() else None
            pos = np.flatnonzero(rows == r) if r is not None else []
            if r is not None and not len(pos):  # a typed word not shown: show it too
                rows = np.append(rows, r)
                pos = [len(rows) - 1]
            out.append(int(pos[0]) if len(pos) else default)
        self.rows = rows
        return out[0], out[1]

    def refresh(self):
        emb = self.state.embedding
        if emb is None or not self.isVisible():
            return
        self.rows = self.shown_rows()
        a, b = self._pair(self.rows)
        self._show_histograms()
        if not len(self.rows):
            self.heatmap.clear()
            self.bars.setOpts(x=[], height=[])
            self.info.setText("Select words (or pick one on the map) to see their vectors.")
            return
        matrix = np.asarray(emb.vectors[self.rows], dtype=np.float64)
        self.order = dimension_order(matrix, self.order_box.currentText(), a, b)
        shown = matrix[:, self.order]
        limit = shared_limit(shown)
        self.heatmap.setImage(shown, autoLevels=False)
        self.heatmap.setRect(0, 0, shown.shape[1], shown.shape[0])
        self.colour_bar.setLevels((-limit, limit))
        words = [emb.words[r] for r in self.rows]
        self.heat_plot.getAxis("left").setTicks([[(i + 0.5, w[:12]) for i, w in
                                                  enumerate(words)]])
        self.heat_plot.getAxis("bottom").setTicks(
            [[(i + 0.5, str(d)) for i, d in enumerate(self.order)][:: max(1, len(self.order)
                                                                         // 12)]])
        self.heat_plot.setRange(xRange=(0, shown.shape[1]), yRange=(0, len(words)), padding=0)
        self.bars.setOpts(x=np.arange(len(self.order)) + 0.5, height=shown[0], width=0.8)
        self.bar_plot.setTitle(f"values of {words[0]}")
        self.bar_plot.setXRange(0, len(self.order), padding=0)
        sort = self.order_box.currentText()
        if sort == "by difference" and len(words) > 1:
            sort = f"by |{words[a]} − {words[b]}|"
        self.info.setText(f"{len(words)} word{'s' if len(words) != 1 else ''} · {emb.dim} "
                          f"dimensions {sort} · shared scale ±{limit:.3g}")
        self._mark(matrix)

    def _show_histograms(self):
        emb = self.state.embedding
        key = id(emb)
        if self._norm_counts is not None and self._norm_counts[0] == key:
            return
        if getattr(self, "_counting", None) != key:
            self._counting = key
            self.counts_runner.start(_counts_of, emb, key, label="vector histograms",
                                     background=True)

    def _counted(self, result):
        key, counts = result
        if counts is None or key != id(self.state.embedding):
            return  # an embedding that is no longer open
        edges, norm_counts, vedges, vcounts = counts
        self._norm_counts = (key, edges, norm_counts)
        self._value_counts = (key, vedges, vcounts)
        self.norm_bars.setOpts(x0=edges[:-1], x1=edges[1:], height=norm_counts)
        self.value_bars.setOpts(x0=vedges[:-1], x1=vedges[1:], height=vcounts)
        self._timer.start()  # mark the shown words on the new histograms

    def _mark(self, matrix):
        """Each shown word's norm as a line; the shown words' values as a histogram over the
        one of all values, scaled to its height."""
        emb = self.state.embedding
        for line in self._norm_lines:
            self.norm_plot.removeItem(line)
        self._norm_lines = []
        for r in self.rows[:20]:
            # the row's own norm: emb.norms would compute every row's on the UI thread
            norm = float(np.linalg.norm(np.asarray(emb.vectors[r], dtype=np.float64)))
            line = pg.InfiniteLine(norm, angle=90, pen=pg.mkPen(MARKED, width=1.5))
            self.norm_plot.addItem(line)
            self._norm_lines.append(line)
        if self._value_counts is None or self._value_counts[0] != id(emb):
            return  # the histograms are still being counted; `_counted` marks them
        _, edges, counts = self._value_counts
        mine, _ = np.histogram(matrix.ravel(), bins=edges)
        scale = counts.max() / max(1, mine.max())
        self.value_marked.setOpts(x0=edges[:-1], x1=edges[1:], height=mine * scale * 0.6)
