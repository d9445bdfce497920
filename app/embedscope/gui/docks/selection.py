"""Selection: the words gathered from the map, neighbours, search, a words file or a corpus —
with counts, removal, import and export as a list. Export writes only what is gathered here
when the export dialog is asked to keep the selection."""
from __future__ import annotations

import numpy as np
from PySide6.QtCore import QAbstractTableModel, QModelIndex, Qt
from PySide6.QtWidgets import (
    QAbstractItemView,
    QFileDialog,
    QHBoxLayout,
    QHeaderView,
    QPushButton,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from ...core.errors import EmbedscopeError
from ...core.selection import corpus_words
from ...core.words import rows_of
from ...io.words_file import read_word_list, write_words_file
from ..workers import JobRunner
from .common import ProgressRow, note


class SelectionModel(QAbstractTableModel):
    """A view of the Selection for a QTableView (lazy, so 100,000 rows cost nothing)."""

    HEADERS = ["word", "from", "count", "row"]

    def __init__(self, state):
        super().__init__()
        self.state = state
        self.rows = np.empty(0, dtype=np.int64)

    def refresh(self):
        self.beginResetModel()
        self.rows = self.state.selection.rows
        self.endResetModel()

    def rowCount(self, parent=QModelIndex()):
        return 0 if parent.isValid() else len(self.rows)

    def columnCount(self, parent=QModelIndex()):
        return 4

    def headerData(self, section, orientation, role=Qt.ItemDataRole.DisplayRole):
        if role == Qt.ItemDataRole.DisplayRole and orientation == Qt.Orientation.Horizontal:
            return self.HEADERS[section]
        return None

    def data(self, index, role=Qt.ItemDataRole.DisplayRole):
        if not index.isValid() or self.state.embedding is None:
            return None
        r = int(self.rows[index.row()])
        c = index.column()
        if role == Qt.ItemDataRole.DisplayRole:
            sel = self.state.selection
            return [self.state.embedding.words[r], sel.origin(r),
                    f"{sel.counts[r]:,}" if r in sel.counts else "", f"{r:,}"][c]
        if role == Qt.ItemDataRole.TextAlignmentRole and c >= 2:
            return int(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        return None


class SelectionDock(QWidget):
    def __init__(self, state, parent=None):
        super().__init__(parent)
        self.state = state
        self.model = SelectionModel(state)
        self.view = QTableView()
        self.view.setModel(self.model)
        self.view.verticalHeader().setVisible(False)
        self.view.verticalHeader().setDefaultSectionSize(22)
        self.view.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.view.setAlternatingRowColors(True)
        h = self.view.horizontalHeader()
        h.setSectionResizeMode(0, QHeaderView.ResizeMode.Stretch)
        for i in (1, 2, 3):
            h.setSectionResizeMode(i, QHeaderView.ResizeMode.ResizeToContents)
        self.summary = note("")
        self.corpus_runner = JobRunner("corpus", self)
        self.corpus_runner.finished.connect(self._corpus_done)
        self.corpus_runner.failed.connect(lambda exc: self.summary.setText(str(exc)))

        def button(text, slot, tip):
            b = QPushButton(text)
            b.setToolTip(tip)
            b.clicked.connect(slot)
            return b

        row1, row2 = QHBoxLayout(), QHBoxLayout()
        row1.addWidget(button("Remove", self.remove_chosen, "Remove the chosen rows (Delete)"))
        row1.addWidget(button("Clear", state.select_clear, "Empty the selection"))
        row1.addWidget(button("Show", self.show_on_map, "Colour the map by the selection"))
        row2.addWidget(button("Import…", self.import_words,
                              "Add the words of a list (one per line)"))
        row2.addWidget(button("From corpus…", self.import_corpus,
                              "Add every vocabulary word a text uses, with its count"))
        row2.addWidget(button("Save…", self.export_words, "Write the words, one per line"))
        lay = QVBoxLayout(self)
        lay.addWidget(self.summary)
        lay.addWidget(self.view, 1)
        lay.addLayout(row1)
        lay.addLayout(row2)
        lay.addWidget(ProgressRow(self.corpus_runner))
        self.view.doubleClicked.connect(self._go)
        state.selection_changed.connect(self._refresh)
        state.embedding_changed.connect(lambda _e: self._refresh())
        self._refresh()

    def keyPressEvent(self, ev):
        if ev.key() in (Qt.Key.Key_Delete, Qt.Key.Key_Backspace):
            self.remove_chosen()
        else:
            super().keyPressEvent(ev)

    def _refresh(self):
        self.model.refresh()
        sel = self.state.selection
        if not len(sel):
            self.summary.setText("No words gathered yet: lasso them on the map, or add "
                                 "neighbours, search matches, a words file or a corpus.")
            return
        parts = ", ".join(f"{n:,} from {o}" for o, n in sel.by_origin().items())
        self.summary.setText(f"<b>{len(sel):,} words</b> ({parts})")

    def remove_chosen(self):
        chosen = sorted({i.row() for i in self.view.selectionModel().selectedRows()})
        if chosen:
            self.state.select_remove(self.model.rows[chosen])

    def show_on_map(self):
        self.state.set_colour_mode("selection")

    def _go(self, index):
        self.state.pick(int(self.model.rows[index.row()]), centre=True)

    def import_words(self, path=None):
        emb = self.state.embedding
        if emb is None:
            return
        if not path:
            path, _ = QFileDialog.getOpenFileName(self, "Import a words list", "",
                                                  "Words (*.txt *.tsv *.json *.vocab);;All (*)")
            if not path:
                return
        try:
            words, _, warnings = read_word_list(path)
        except EmbedscopeError as exc:
            self.summary.setText(str(exc))
            return
        rows, missing = rows_of(emb, words)
        n = self.state.select_add(rows, "words file")
        msg = f"{n:,} words added from the list"
        if missing:
            msg += f"; {len(missing):,} not in the vocabulary (e.g. {', '.join(missing[:5])})"
        if warnings:
            msg += "; " + "; ".join(warnings)
        self.state.message.emit(msg)
        return n, missing

    def import_corpus(self, path=None):
        emb = self.state.embedding
        if emb is None:
            return
        if not path:
            path, _ = QFileDialog.getOpenFileName(self, "Gather the words of a corpus", "",
                                                  "Text (*.txt);;All (*)")
            if not path:
                return
        self.corpus_runner.start(corpus_words, emb, path, label="reading the corpus")

    def _corpus_done(self, result):
        rows, occ, oov = result
        n = self.state.select_add(rows, "corpus", counts=occ)
        self.state.message.emit(f"{n:,} words added from the corpus "
                                f"({oov:,} tokens not in the vocabulary)")

    def export_words(self, path=None):
        emb = self.state.embedding
        if emb is None or not len(self.state.selection):
            return
        if not path:
            path, _ = QFileDialog.getSaveFileName(self, "Save the words", "words.txt",
                                                  "Text (*.txt)")
            if not path:
                return
        write_words_file(path, self.state.selection.words(emb))
        self.state.message.emit(f"wrote {len(self.state.selection):,} words to {path}")
