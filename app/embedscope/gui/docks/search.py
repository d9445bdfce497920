"""Search: type-ahead over every word (prefix, part of a word, or a regular expression).

Choosing a word picks it and centres the map on it; the matches are highlighted and labelled.
"""
from __future__ import annotations

import bisect
import re

import numpy as np
from PySide6.QtCore import Qt, QTimer
from PySide6.QtWidgets import (QComboBox, QHBoxLayout, QLineEdit, QListWidget, QListWidgetItem,
                               QPushButton, QVBoxLayout, QWidget)

from ..workers import JobRunner
from .common import note

SHOWN = 500  # matches listed; the count says how many there are in all


class WordIndex:
    """Case-insensitive prefix lookup over all words by bisection of a sorted copy."""

    CHUNK = 20000

    def __init__(self, words):
        import heapq

        lower = [w.lower() for w in words]
        # Sorted in chunks and merged: one sort of 400,000 strings is a single C call that
        # holds the GIL for seconds, freezing the window; chunks of 20,000 let it breathe.
        runs = []
        for s in range(0, len(lower), self.CHUNK):
            rows = sorted(range(s, min(s + self.CHUNK, len(lower))), key=lower.__getitem__)
            runs.append([(lower[i], i) for i in rows])
        merged = list(heapq.merge(*runs))
        self.order = np.fromiter((i for _, i in merged), dtype=np.int64, count=len(merged))
        self.keys = [k for k, _ in merged]

    @classmethod
    def build(cls, words, progress=None, should_stop=None):
        return cls(words)

    def prefix(self, text: str) -> np.ndarray:
        t = text.lower()
        lo = bisect.bisect_left(self.keys, t)
        hi = bisect.bisect_left(self.keys, t + "\U0010ffff")
        return np.sort(self.order[lo:hi])  # frequency (row) order


def find_words(words, index: WordIndex | None, text: str, mode: str) -> np.ndarray:
    """Rows of the words matching `text`, most frequent (lowest row) first.
    Raises re.error for a bad regular expression."""
    if not text:
        return np.empty(0, dtype=np.int64)
    if mode == "prefix":
        if index is not None:
            return index.prefix(text)
        t = text.lower()  # the index is still being built: a plain scan meanwhile
        return np.fromiter((i for i, w in enumerate(words) if w.lower().startswith(t)),
                           dtype=np.int64)
    if mode == "contains":
        t = text.lower()
        return np.fromiter((i for i, w in enumerate(words) if t in w.lower()), dtype=np.int64)
    rx = re.compile(text)
    return np.fromiter((i for i, w in enumerate(words) if rx.search(w)), dtype=np.int64)


class SearchDock(QWidget):
    def __init__(self, state, parent=None):
        super().__init__(parent)
        self.state = state
        self.index: WordIndex | None = None
        # Sorting 400,000 words takes a moment: done on a worker thread after each load.
        self.index_runner = JobRunner("word index", self)
        self.index_runner.finished.connect(self._indexed)
        self.matches = np.empty(0, dtype=np.int64)
        self.field = QLineEdit(placeholderText="Search words…  (Ctrl+F)")
        self.field.setClearButtonEnabled(True)
        self.mode = QComboBox()
        self.mode.addItems(["prefix", "contains", "regex"])
        top = QHBoxLayout()
        top.addWidget(self.field, 1)
        top.addWidget(self.mode)
        self.results = QListWidget()
        self.count = note("")
        add = QPushButton("Add matches to selection")
        add.clicked.connect(self.add_to_selection)
        lay = QVBoxLayout(self)
        lay.addLayout(top)
        lay.addWidget(self.count)
        lay.addWidget(self.results, 1)
        lay.addWidget(add)

        self._timer = QTimer(self, singleShot=True, interval=150)  # wait for a pause in typing
        self._timer.timeout.connect(self.search)
        self.field.textChanged.connect(lambda _t: self._timer.start())
        self.mode.currentTextChanged.connect(lambda _t: self.search())
        self.field.returnPressed.connect(self._choose_first)
        self.results.itemActivated.connect(self._choose)
        self.results.itemClicked.connect(self._choose)
        state.embedding_changed.connect(self._on_embedding)

    def _indexed(self, index):
        if self.state.embedding is not None and len(index.keys) == self.state.embedding.rows:
            self.index = index

    def _on_embedding(self, emb):
        self.index = None
        if emb is not None:
            self.index_runner.start(WordIndex.build, emb.words, label="indexing words",
                                    background=True, priority=-1)
        self.results.clear()
        self.matches = np.empty(0, dtype=np.int64)
        self.count.setText("")
        if self.field.text():
            self.search()

    def search(self) -> np.ndarray:
        emb = self.state.embedding
        text = self.field.text().strip()
        if emb is None:
            return self.matches
        mode = self.mode.currentText()
        try:
            self.matches = find_words(emb.words, self.index, text, mode)
        except re.error as exc:
            self.count.setText(f"Not a valid regular expression: {exc}")
            return self.matches
        self.results.clear()
        for r in self.matches[:SHOWN].tolist():
            item = QListWidgetItem(f"{emb.words[r]}")
            item.setData(Qt.ItemDataRole.UserRole, r)
            item.setToolTip(f"row {r:,}")
            self.results.addItem(item)
        n = len(self.matches)
        self.count.setText("" if not text else f"{n:,} match{'es' if n != 1 else ''}"
                           + (f" (first {SHOWN} listed)" if n > SHOWN else ""))
        self.state.set_highlight(self.matches[:SHOWN], "search")
        return self.matches

    def _choose_first(self):
        self._timer.stop()
        self.search()
        if self.results.count():
            self.results.setCurrentRow(0)
            self._choose(self.results.item(0))

    def _choose(self, item):
        row = item.data(Qt.ItemDataRole.UserRole)
        self.state.pick(int(row), centre=True)

    def add_to_selection(self):
        if len(self.matches):
            n = self.state.select_add(self.matches, "search")
            self.state.message.emit(f"{n:,} words added to the selection")
