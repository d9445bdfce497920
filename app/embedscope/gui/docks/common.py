"""Small pieces the docks share: a progress row with Cancel, a read-only table, a note, the
palette's colours for a small plot."""
from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QAbstractItemView,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QProgressBar,
    QPushButton,
    QTableWidget,
    QTableWidgetItem,
    QWidget,
)


class ProgressRow(QWidget):
    """A progress bar with a Cancel button, wired to a JobRunner; hidden while idle."""

    def __init__(self, runner, parent=None):
        super().__init__(parent)
        self.runner = runner
        lay = QHBoxLayout(self)
        lay.setContentsMargins(0, 0, 0, 0)
        self.bar = QProgressBar()
        self.bar.setTextVisible(True)
        self.cancel_button = QPushButton("Cancel")
        self.cancel_button.clicked.connect(runner.cancel)
        lay.addWidget(self.bar, 1)
        lay.addWidget(self.cancel_button)
        runner.started.connect(self._started)
        runner.progress.connect(self._progress)
        runner.busy_changed.connect(self.setVisible)
        self.hide()

    def _started(self, label):
        self.bar.setRange(0, 0)
        self.bar.setFormat(label or "working…")

    def _progress(self, done, total, message):
        if total:
            self.bar.setRange(0, total)
            self.bar.setValue(done)
            self.bar.setFormat((message + "  " if message else "") + "%p%")
        elif message:
            self.bar.setFormat(message)


def make_table(headers, stretch_first=True) -> QTableWidget:
    t = QTableWidget(0, len(headers))
    t.setHorizontalHeaderLabels(headers)
    t.verticalHeader().setVisible(False)
    t.verticalHeader().setDefaultSectionSize(22)
    t.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
    t.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
    t.setAlternatingRowColors(True)
    # the header and one row: panels stacked in a small window keep their own minimum low
    t.setMinimumHeight(48)
    h = t.horizontalHeader()
    stretch = 0 if stretch_first else len(headers) - 1
    for i in range(len(headers)):
        h.setSectionResizeMode(i, QHeaderView.ResizeMode.Stretch if i == stretch
                               else QHeaderView.ResizeMode.ResizeToContents)
    return t


def fill_table(table: QTableWidget, rows, data_column0=None):
    """Fill a table with rows of cell values; numbers are right-aligned. `data_column0` stores a
    value (the embedding row) on each first cell under Qt.UserRole."""
    table.setSortingEnabled(False)
    table.setRowCount(len(rows))
    for i, cells in enumerate(rows):
        for j, v in enumerate(cells):
            if isinstance(v, float):
                item = QTableWidgetItem(f"{v:.4f}")
            else:
                item = QTableWidgetItem(str(v))
            if isinstance(v, (int, float)):
                item.setTextAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
            if j == 0 and data_column0 is not None:
                item.setData(Qt.ItemDataRole.UserRole, data_column0[i])
            table.setItem(i, j, item)


def note(text="") -> QLabel:
    lab = QLabel(text)
    lab.setWordWrap(True)
    # A long file name is one word that cannot wrap: cut at the panel's edge, it does not
    # widen the panel's column, and the window, beyond the size the user gave it.
    lab.setMinimumWidth(40)
    lab.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
    return lab


def plot_colours(widget) -> None:
    """The palette's base colour behind a pyqtgraph widget's plots and its text colour on
    their axes and titles, as the map has (pyqtgraph's default is black)."""
    import pyqtgraph as pg
    from PySide6.QtGui import QPalette

    pal = widget.palette()
    fg = pal.color(QPalette.ColorRole.Text)
    widget.setBackground(pal.color(QPalette.ColorRole.Base))
    for item in widget.scene().items():
        if isinstance(item, pg.AxisItem):
            item.setPen(pg.mkPen(fg))
            item.setTextPen(pg.mkPen(fg))
        elif isinstance(item, pg.LabelItem):
            item.setAttr("color", fg.name())
