"""Attributes: the histogram (or category counts) of one attribute of the points on the map,
where brushing a range selects those points, and the filter that keeps only some on the map.

Attributes are the computed ones (frequency rank, vector norm, check finding, change against B),
the Projector metadata columns, and the columns of tables opened here or from the File menu.
"""
from __future__ import annotations

from pathlib import Path

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import Qt, QTimer, Signal
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QFileDialog,
    QHBoxLayout,
    QListWidget,
    QListWidgetItem,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from ...core import attributes as at
from ...core.errors import EmbedscopeError
from ..workers import JobRunner
from .common import ProgressRow, note, plot_colours

TABLE_FILTER = "Tables with a word column (*.csv *.tsv *.txt *.parquet);;All files (*)"


class AttributesDock(QWidget):
    selected_range = Signal(float, float)   # a brushed range, after it selected its points

    def __init__(self, state, parent=None):
        super().__init__(parent)
        self.state = state
        self.attr: at.Attribute | None = None
        self.tables: list[str] = []        # paths of the tables opened for this embedding
        self.words_files: list[str] = []   # paths of the words files made attributes
        self._shown_filter: at.Filter | None = None  # the range or ticks to show, once put back
        self._add_controls()
        self._add_histogram()
        self._add_categories()
        # A new embedding sends several of these at once: the list and its histogram are
        # redrawn once, after them, not once per signal (each a pass over every row).
        self._list_pending = False
        state.attributes_changed.connect(self._list_later)
        state.embedding_changed.connect(self._on_embedding)
        state.check_changed.connect(self._list_later)
        state.comparison_changed.connect(self._list_later)
        state.projection_changed.connect(lambda _p: self._show())
        self._list_attributes()

    # --- layout -------------------------------------------------------------------------------
    def _add_controls(self):
        lay = QVBoxLayout(self)
        lay.setContentsMargins(4, 4, 4, 4)
        row = QHBoxLayout()
        self.box = QComboBox()
        self.box.setToolTip("The attribute shown below")
        self.box.currentTextChanged.connect(lambda _t: self._show())
        row.addWidget(self.box, 1)
        self.colour_button = QPushButton("Colour the map")
        self.colour_button.setToolTip("Colour the map's points by this attribute")
        self.colour_button.clicked.connect(
            lambda: self.state.set_colour_mode(self.box.currentText()))
        row.addWidget(self.colour_button)
        lay.addLayout(row)
        row = QHBoxLayout()
        self.open_button = QPushButton("Open table…")
        self.open_button.setToolTip("A CSV, TSV or Parquet table with a 'word' column; its "
                                    "other columns become attributes, joined by word")
        self.open_button.clicked.connect(self.open_dialog)
        row.addWidget(self.open_button)
        self.words_button = QPushButton("Words file…")
        self.words_button.setToolTip("An attribute saying which words a words file lists")
        self.words_button.clicked.connect(self.words_file_dialog)
        row.addWidget(self.words_button)
        row.addStretch(1)
        lay.addLayout(row)
        self.filter_check = QCheckBox("Show only these on the map")
        self.filter_check.setToolTip("Hide the points outside the brushed range or the "
                                     "ticked categories")
        self.filter_check.toggled.connect(lambda _on: self._apply_filter())
        lay.addWidget(self.filter_check)
        self.info = note("")
        lay.addWidget(self.info)
        self.reader = JobRunner("attribute table", self)
        self.reader.finished.connect(self._table_read)
        self.reader.failed.connect(lambda exc: self.info.setText(str(exc)))
        lay.addWidget(ProgressRow(self.reader))

    def _add_histogram(self):
        self.plot = pg.PlotWidget()
        self.plot.setMenuEnabled(False)
        self.plot.hideButtons()
        self.plot.setMouseEnabled(x=False, y=False)
        self.plot.setMinimumHeight(64)  # stacked in a 720-pixel window with two other panels
        plot_colours(self.plot)
        self.plot.getAxis("left").setWidth(40)
        self.bars = pg.BarGraphItem(x0=[], x1=[], height=[], brush="#4e79a7", pen=None)
        self.plot.addItem(self.bars)
        self.region = pg.LinearRegionItem(brush=pg.mkBrush(232, 89, 12, 50))
        self.region.setZValue(10)
        self.region.sigRegionChangeFinished.connect(self._brushed)
        self.plot.addItem(self.region)
        self.layout().addWidget(self.plot, 1)

    def _add_categories(self):
        self.categories = QListWidget()
        self.categories.setToolTip("Tick categories to select their points (and, with the "
                                   "box above, to show only them)")
        self.categories.itemChanged.connect(lambda _i: self._ticked())
        self.categories.setMinimumHeight(44)
        self.categories.hide()
        self.layout().addWidget(self.categories, 1)
        self.select_button = QPushButton("Select these points")
        self.select_button.clicked.connect(self.select_shown)
        self.layout().addWidget(self.select_button)

    # --- what is shown ------------------------------------------------------------------------
    def _on_embedding(self, _emb):
        self.tables, self.words_files = [], []  # their columns went with the old embedding
        self._list_later()

    def _list_later(self, *_):
        if not self._list_pending:
            self._list_pending = True
            QTimer.singleShot(0, self._list_attributes)

    def _list_attributes(self):
        self._list_pending = False
        labels = self.state.attribute_labels()
        current = self.box.currentText()
        self.box.blockSignals(True)
        self.box.clear()
        self.box.addItems(labels)
        if current in labels:
            self.box.setCurrentText(current)
        self.box.blockSignals(False)
        self._show()

    def select_attribute(self, label: str):
        if self._list_pending:  # a table just opened: list its columns before picking one
            self._list_attributes()
        self.box.setCurrentText(label)

    def map_rows(self) -> np.ndarray:
        proj = self.state.projection
        return np.empty(0, dtype=np.int64) if proj is None else np.asarray(proj.rows)

    def _rows(self) -> np.ndarray:
        """The rows on the map, or every row before there is a map."""
        rows = self.map_rows()
        if len(rows) or self.state.embedding is None:
            return rows
        return np.arange(self.state.embedding.rows)

    def showEvent(self, ev):
        super().showEvent(ev)
        self._show()

    def _show(self):
        self.attr = self.state.attribute(self.box.currentText())
        if self.state.attribute_filter is not None and (
                self.state.attribute_filter.attribute != self.box.currentText()):
            self.filter_check.setChecked(False)
            self.state.set_attribute_filter(None)
        if not self.isVisible():  # counted when the panel is shown; the filter still applies
            return
        continuous = self.attr is not None and self.attr.kind == at.CONTINUOUS
        self.plot.setVisible(continuous)
        self.categories.setVisible(self.attr is not None and not continuous)
        for w in (self.colour_button, self.filter_check, self.select_button):
            w.setEnabled(self.attr is not None)
        if self.attr is None:
            self.info.setText("Open an embedding, or a table of attributes." if
                              self.state.embedding is not None else "")
            return
        rows = self._rows()
        n_with = int(self.attr.present[rows].sum()) if len(rows) else 0
        where = "on the map" if len(self.map_rows()) else "in the embedding"
        self.info.setText(f"{self.attr.source} · {self.attr.kind} · {n_with:,} of "
                          f"{len(rows):,} words {where} have a value")
        if continuous:
            self._show_histogram(rows)
        else:
            self._show_categories(rows)

    def _show_histogram(self, rows):
        edges, counts = at.histogram(self.attr, rows)
        self.bars.setOpts(x0=edges[:-1], x1=edges[1:], height=counts)
        self.plot.setXRange(edges[0], edges[-1], padding=0.02)
        self.plot.setYRange(0, max(1, int(counts.max())) * 1.05, padding=0)
        self.region.blockSignals(True)
        self.region.setBounds((edges[0], edges[-1]))
        flt = self._filter_of_shown()
        self.region.setRegion((flt.low, flt.high) if flt is not None else
                              (edges[0] + 0.6 * (edges[-1] - edges[0]), edges[-1]))
        self.region.blockSignals(False)

    def _show_categories(self, rows):
        self.categories.blockSignals(True)
        self.categories.clear()
        for text, n in at.category_counts(self.attr, rows)[:500]:
            item = QListWidgetItem(f"{text}  ({n:,})")
            item.setData(Qt.ItemDataRole.UserRole, text)
            item.setFlags(item.flags() | Qt.ItemFlag.ItemIsUserCheckable)
            flt = self._filter_of_shown()
            item.setCheckState(Qt.CheckState.Checked if flt is not None and
                               text in (flt.categories or ()) else Qt.CheckState.Unchecked)
            self.categories.addItem(item)
        self.categories.blockSignals(False)

    def _filter_of_shown(self) -> at.Filter | None:
        """The filter put back for the attribute shown (its range or ticks), if any."""
        flt = self._shown_filter
        return flt if flt is not None and flt.attribute == self.box.currentText() else None

    # --- filter and selection -----------------------------------------------------------------
    def set_filter(self, flt: at.Filter, show_only: bool):
        """Show `flt`'s attribute with its range brushed or categories ticked and, with
        `show_only`, keep only those points on the map; the selection is left as it is."""
        self.select_attribute(flt.attribute)
        self._shown_filter = flt
        self.filter_check.blockSignals(True)
        self.filter_check.setChecked(show_only)
        self.filter_check.blockSignals(False)
        self._show()
        self.state.set_attribute_filter(flt if show_only else None)

    def current_filter(self) -> at.Filter | None:
        """The range brushed or the categories ticked, as a filter of the current attribute."""
        if self.attr is None:
            return None
        if self.attr.kind == at.CONTINUOUS:
            lo, hi = self.region.getRegion()
            return at.Filter(self.box.currentText(), float(lo), float(hi))
        ticked = frozenset(
            self.categories.item(i).data(Qt.ItemDataRole.UserRole)
            for i in range(self.categories.count())
            if self.categories.item(i).checkState() == Qt.CheckState.Checked)
        return at.Filter(self.box.currentText(), categories=ticked)

    def set_range(self, low: float, high: float):
        """Brush a range, as dragging the region does."""
        self.region.setRegion((low, high))
        self._brushed()

    def _apply_filter(self):
        self.state.set_attribute_filter(self.current_filter()
                                        if self.filter_check.isChecked() else None)

    def _brushed(self):
        self._shown_filter = self.current_filter()
        self.select_shown()
        self._apply_filter()
        lo, hi = self.region.getRegion()
        self.selected_range.emit(float(lo), float(hi))

    def _ticked(self):
        self._shown_filter = self.current_filter()
        self.select_shown()
        self._apply_filter()

    def select_shown(self) -> int:
        """Make the selection the points on the map inside the range or ticked categories."""
        flt = self.current_filter()
        if flt is None:
            return 0
        rows = self._rows()
        rows = rows[flt.mask(self.attr, rows)]
        self.state.selection.clear()
        n = self.state.select_add(rows, f"attribute {self.attr.name}")
        self.state.message.emit(f"selected {n:,} words by {self.attr.name}")
        return n

    # --- adding attributes --------------------------------------------------------------------
    def open_dialog(self):
        if self.state.embedding is None:
            return
        path, _ = QFileDialog.getOpenFileName(self, "Open an attribute table", "", TABLE_FILTER)
        if path:
            self.read_table(path)

    def read_table(self, path):
        """Read and join a table off the UI thread (a 400,000-row table takes a second or
        two), then add its columns as `open_table` does."""
        self.reader.start(_read_table, str(path), self.state.embedding,
                          label=f"reading {Path(path).name}")

    def _table_read(self, result):
        path, emb, table = result
        if emb is self.state.embedding:  # not joined onto a file since closed
            self._add_table(path, table)

    def open_table(self, path) -> list[str]:
        """Join a table's columns onto the open embedding, here and now; the first column is
        shown. A table that cannot be read is a message in the panel; nothing changes."""
        from ...io.attributes import read_attribute_table

        try:
            table = read_attribute_table(path, self.state.embedding)
        except EmbedscopeError as exc:
            self.info.setText(str(exc))
            return []
        return self._add_table(path, table)

    def _add_table(self, path, table) -> list[str]:
        labels = self.state.add_attributes(table.attributes)
        self.tables.append(str(Path(path).resolve()))
        self.state.message.emit(table.summary())
        if labels:
            self.select_attribute(labels[0])
        return labels

    def words_file_dialog(self):
        if self.state.embedding is None:
            return
        path, _ = QFileDialog.getOpenFileName(self, "A words file", "",
                                              "Words files (*.txt *.tsv *.json);;All files (*)")
        if path:
            self.add_words_file(path)

    def add_words_file(self, path) -> str | None:
        from ...core.words import lookup
        from ...io.words_file import read_word_list

        try:
            words, _, _ = read_word_list(path)
        except EmbedscopeError as exc:
            self.info.setText(str(exc))
            return None
        rows, _ = lookup(self.state.embedding, words)
        emb = self.state.embedding
        label = self.state.add_attributes([at.in_words_file(emb.rows, rows[rows >= 0],
                                                            Path(path).name)])[0]
        self.words_files.append(str(Path(path).resolve()))
        self.select_attribute(label)
        return label


def _read_table(path, emb, progress=None, should_stop=None):
    from ...io.attributes import read_attribute_table

    return path, emb, read_attribute_table(path, emb)
