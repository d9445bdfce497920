"""Neighbours: the k nearest words of the picked (or typed) word, by cosine or distance.

The table follows the word picked on the map; double-click a row to move there; the list can
go into the selection. Lookups run off the UI thread (the first one normalises the matrix).
"""
from __future__ import annotations

import numpy as np
from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QComboBox,
    QHBoxLayout,
    QLineEdit,
    QPushButton,
    QSpinBox,
    QVBoxLayout,
    QWidget,
)

from ...core.neighbours import nearest
from ..workers import JobRunner
from .check import PairingWarning
from .common import fill_table, make_table, note


def find_neighbours(emb, word, k, metric, progress=None, should_stop=None):
    return word, nearest(emb, word, k=k, metric=metric)


class NeighboursDock(QWidget):
    def __init__(self, state, parent=None):
        super().__init__(parent)
        self.state = state
        self.results = []
        self.runner = JobRunner("neighbours", self)
        self.runner.finished.connect(self._done)
        self.runner.failed.connect(lambda exc: self.status.setText(str(exc)))
        # the status line below says a word can be picked on the map too
        self.field = QLineEdit(placeholderText="a word")
        self.field.setToolTip("Type a word, or pick one on the map")
        self.k = QSpinBox(minimum=1, maximum=1000, value=20)
        self.k.setPrefix("k = ")
        self.metric = QComboBox()
        self.metric.addItems(["cosine", "dot", "euclidean"])
        top = QHBoxLayout()
        top.addWidget(self.field, 1)
        top.addWidget(self.k)
        top.addWidget(self.metric)
        self.table = make_table(["word", "score", "row"])
        self.status = note("")
        add = QPushButton("Add to selection")
        add.clicked.connect(self.add_to_selection)
        self.pairing_warning = PairingWarning(state, "these neighbours")
        lay = QVBoxLayout(self)
        lay.addWidget(self.pairing_warning)
        lay.addLayout(top)
        lay.addWidget(self.status)
        lay.addWidget(self.table, 1)
        lay.addWidget(add)
        self.field.returnPressed.connect(lambda: self.show_word(self.field.text().strip()))
        self.k.valueChanged.connect(lambda _v: self.refresh())
        self.metric.currentTextChanged.connect(lambda _t: self.refresh())
        self.table.cellDoubleClicked.connect(self._go)
        state.picked_changed.connect(self._on_picked)
        state.embedding_changed.connect(self._on_embedding)

    def _on_embedding(self, emb):
        self.results = []
        self.table.setRowCount(0)
        self.status.setText("Pick a word on the map, or type one.")

    def _on_picked(self, row):
        if row >= 0 and self.state.embedding is not None:
            self.show_word(self.state.embedding.words[row])

    def refresh(self):
        if self.field.text().strip():
            self.show_word(self.field.text().strip())

    def show_word(self, word: str):
        emb = self.state.embedding
        if emb is None or not word:
            return
        if word not in emb.word_to_row:
            row = self.state.row_of(word)
            if row is None:
                sugg = emb.suggest(word)
                self.status.setText(f"'{word}' is not in the vocabulary"
                                    + (f" — did you mean {', '.join(sugg)}?" if sugg else "."))
                self.table.setRowCount(0)
                return
            word = emb.words[row]
        if self.field.text() != word:
            self.field.setText(word)
        self.status.setText(f"finding the neighbours of '{word}'…")
        self.runner.start(find_neighbours, emb, word, self.k.value(), self.metric.currentText(),
                          label="neighbours")

    def _done(self, result):
        word, neighbours = result
        self.results = list(neighbours)
        fill_table(self.table, [(n.word, float(n.score), int(n.row)) for n in self.results],
                   data_column0=[int(n.row) for n in self.results])
        what = {"cosine": "cosine similarity", "dot": "dot product"}.get(
            self.metric.currentText(), "distance")
        self.status.setText(f"{len(self.results)} nearest words to '{word}' by {what}")
        self.state.set_highlight([n.row for n in self.results], "neighbours")

    def _go(self, r, _c):
        row = self.table.item(r, 0).data(Qt.ItemDataRole.UserRole)
        self.state.centre_requested.emit(int(row))
        self.state.set_highlight([n.row for n in self.results], "neighbours")

    def add_to_selection(self):
        rows = np.asarray([n.row for n in self.results], dtype=np.int64)
        if self.state.picked >= 0:
            rows = np.r_[self.state.picked, rows]
        n = self.state.select_add(rows, "neighbours")
        self.state.message.emit(f"{n} words added to the selection")
