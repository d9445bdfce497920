"""Search: type-ahead over every word (prefix, part of a word, or a regular expression).

Choosing a word picks it and centres the map on it; the matches are highlighted and labelled.
A typed word that is not on the map can be brought onto it with its neighbourhood ("Map around
this word", as `embedscope project --around`).
"""
from __future__ import annotations

import re

import numpy as np
from PySide6.QtCore import Qt, QTimer
from PySide6.QtWidgets import (
    QComboBox,
    QHBoxLayout,
    QLineEdit,
    QListWidget,
    QListWidgetItem,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from ..workers import JobRunner
from .common import note

SHOWN = 500  # matches listed; the count says how many there are in all


class WordIndex:
    """Case-insensitive prefix lookup over all words by bisection of a sorted copy.

    The sorted copy is a numpy array of the lower-cased words' UTF-8 bytes (whose byte order is
    the strings' code-point order), cut to KEY_BYTES and sorted as integers without holding
    Python's GIL; no Python object per word is made or freed — a sort and merge of 400,000
    (word, row) tuples held the GIL for 50–100 ms at a time and froze the window while a file
    loaded (bench/ui_latency.py).
    """

    KEY_BYTES = 64

    def __init__(self, words):
        self.words = words
        n = len(words)
        encoded = [w.lower().encode("utf-8", "surrogatepass") for w in words]
        longest = max(map(len, encoded), default=1)
        self.width = max(8, min(self.KEY_BYTES, -(-longest // 8) * 8))  # whole 8-byte words
        w = self.width
        # padded in a Python loop (which lets the window in) and joined into one buffer:
        # assigning a list of bytes to a numpy array holds the GIL for the whole list
        keys = np.frombuffer(b"".join([k[:w].ljust(w, b"\0") for k in encoded]), f"S{w}")
        del encoded
        # numpy's sort of a bytes array holds the GIL (hundreds of ms); the same order comes
        # from the keys read as big-endian 8-byte integers, sorted column by column (lexsort
        # of integers runs without the GIL).
        columns = keys.view(">u8").reshape(n, self.width // 8).astype(np.uint64)
        self.order = np.lexsort(columns.T[::-1])
        self.keys = keys[self.order]

    @classmethod
    def build(cls, words, progress=None, should_stop=None):
        return cls(words)

    def prefix(self, text: str) -> np.ndarray:
        t = text.lower()
        key = t.encode("utf-8", "surrogatepass")
        if len(key) < self.width:
            lo = np.searchsorted(self.keys, np.bytes_(key), "left")
            hi = np.searchsorted(self.keys, np.bytes_(key + b"\xff"), "left")  # never in UTF-8
            return np.sort(self.order[lo:hi])  # frequency (row) order
        # as long as a key: every word cut to the same bytes, then the full words compared
        head = np.bytes_(key[: self.width])
        lo = np.searchsorted(self.keys, head, "left")
        hi = np.searchsorted(self.keys, head, "right")
        rows = np.sort(self.order[lo:hi])
        return rows[[self.words[i].lower().startswith(t) for i in rows]].astype(np.int64)


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
        self.results.setMinimumHeight(44)  # an empty list takes no room from the panels below
        self.count = note("")
        add = QPushButton("Add matches to selection")
        add.clicked.connect(self.add_to_selection)
        self.around = QPushButton("Map around this word")
        self.around.setToolTip("Add the word and its nearest words to the map, then centre on it")
        self.around.clicked.connect(self.map_around)
        self.around.hide()
        lay = QVBoxLayout(self)
        lay.addLayout(top)
        lay.addWidget(self.count)
        lay.addWidget(self.around)
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
        state.projection_changed.connect(lambda _p: self._offer_map_around())

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
        self._offer_map_around()
        return self.matches

    def off_map_word(self) -> int:
        """Row of the typed word when it is a word of the embedding that is not on the map
        (and a map is shown), else -1."""
        text = self.field.text().strip()
        if not text or self.state.projection is None:
            return -1
        row = self.state.row_of(text)
        return -1 if row is None or self.state.on_map(row) else int(row)

    def _offer_map_around(self):
        row = self.off_map_word()
        if row >= 0:
            word = self.state.embedding.words[row]
            self.around.setText(f"Map around '{word}' (not on the map)")
        self.around.setVisible(row >= 0)

    def map_around(self):
        row = self.off_map_word()
        if row >= 0:
            self.around.hide()
            self.state.map_around(row)

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
