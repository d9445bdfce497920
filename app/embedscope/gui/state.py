"""The window's model: the open embedding, the current map, the selection, what is highlighted.

Widgets take this object in their constructor and subscribe to its signals; they never reach
into each other. Everything here changes on the UI thread only.
"""
from __future__ import annotations

import numpy as np
from PySide6.QtCore import QObject, Signal

from ..core.selection import Selection


class AppState(QObject):
    embedding_changed = Signal(object)    # Embedding (or None)
    projection_changed = Signal(object)   # Projection (coords, rows, method, ...) or None
    selection_changed = Signal()
    highlight_changed = Signal()          # highlight_rows / highlight_kind changed
    picked_changed = Signal(int)          # row picked on the map / in a table, -1 for none
    centre_requested = Signal(int)        # move the map to this row
    map_around_requested = Signal(int)    # add this row and its neighbours to the map
    check_changed = Signal(object)        # AlignmentReport (or None)
    colour_mode_changed = Signal(str)
    comparison_changed = Signal(object)   # Comparison of this embedding with another, or None
    message = Signal(str)                 # a short note for the status bar
    check_requested = Signal()            # a panel's link asks to show the alignment check
    pairing_change_requested = Signal(str)  # "words file" or "tensor": the user wants another

    def __init__(self, parent=None):
        super().__init__(parent)
        self.embedding = None
        self.projection = None
        self.selection = Selection()
        self.highlight_rows = np.empty(0, dtype=np.int64)
        self.highlight_kind = ""          # "search", "neighbours", "analogy", "finding"
        self.picked = -1
        self.check_report = None
        self.colour_mode = "frequency rank"
        self.comparison = None            # core.compare.Comparison (A = this embedding)

    # --- embedding and map ------------------------------------------------------------------
    def set_embedding(self, emb) -> None:
        """A new embedding replaces everything that referred to the old one's rows."""
        self.embedding = emb
        self.projection = None
        self.selection.clear()
        self.highlight_rows = np.empty(0, dtype=np.int64)
        self.highlight_kind = ""
        self.picked = -1
        self.check_report = None
        self.comparison = None  # its rows_a were rows of the old embedding
        self.embedding_changed.emit(emb)
        self.projection_changed.emit(None)
        self.selection_changed.emit()
        self.highlight_changed.emit()
        self.picked_changed.emit(-1)
        self.check_changed.emit(None)
        self.comparison_changed.emit(None)

    def set_projection(self, projection) -> None:
        self.projection = projection
        self.projection_changed.emit(projection)

    def set_check_report(self, report) -> None:
        self.check_report = report
        self.check_changed.emit(report)

    @property
    def pairing_problem(self):
        """The check's finding that the words may not match the rows (a Finding), or None."""
        return None if self.check_report is None else self.check_report.pairing_problem

    def set_comparison(self, comparison) -> None:
        self.comparison = comparison
        self.comparison_changed.emit(comparison)

    def set_colour_mode(self, mode: str) -> None:
        if mode != self.colour_mode:
            self.colour_mode = mode
            self.colour_mode_changed.emit(mode)

    # --- pointing at words ---------------------------------------------------------------------
    def row_of(self, word: str):
        """Row of a word (as written, then by case fallback, as everywhere else), or None."""
        from ..core.words import row_of

        return None if self.embedding is None else row_of(self.embedding, word)

    def pick(self, row: int, centre: bool = False) -> None:
        row = int(row)
        if row != self.picked:
            self.picked = row
            self.picked_changed.emit(row)
        if centre and row >= 0:
            self.centre_requested.emit(row)

    def map_around(self, row: int) -> None:
        """Ask for the map to take in a word that is not on it, with its neighbourhood."""
        if row >= 0:
            self.map_around_requested.emit(int(row))

    def on_map(self, row: int) -> bool:
        """Whether a row is one of the current map's points."""
        rows = getattr(self.projection, "rows", None)
        return rows is not None and bool(np.any(np.asarray(rows) == row))

    def set_highlight(self, rows, kind: str) -> None:
        self.highlight_rows = np.asarray(rows, dtype=np.int64).ravel()
        self.highlight_kind = kind if len(self.highlight_rows) else ""
        self.highlight_changed.emit()

    # --- the selection -------------------------------------------------------------------------
    def select_add(self, rows, origin: str, counts=None) -> int:
        n = self.selection.add(rows, origin, counts)
        self.selection_changed.emit()
        return n

    def select_remove(self, rows) -> int:
        n = self.selection.remove(rows)
        self.selection_changed.emit()
        return n

    def select_clear(self) -> None:
        self.selection.clear()
        self.selection_changed.emit()
