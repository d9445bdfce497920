"""Compare: the open embedding (A) against a second one (B) — what fine-tuning moved, where two
models disagree.

B is opened here (File > Compare with…) in the background, the comparison runs in a worker, and
the results land in the window's state so the map can colour points by change. The dock shows the
summary, the words that moved most (or least), and a picked word's neighbours in A and in B side
by side with the shared ones marked.
"""
from __future__ import annotations

from pathlib import Path

import numpy as np
from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QFont
from PySide6.QtWidgets import (
    QComboBox,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QPushButton,
    QSpinBox,
    QSplitter,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from ...core.compare import compare, side_by_side
from ...io.registry import load
from ..colour_modes import ColourMode, MapPoints, register
from ..opening import FileOpener, folder_of
from ..workers import JobRunner
from .common import ProgressRow, make_table, note

MOVERS_SHOWN = 200
MOVERS_LABELLED = 25
# Cosine bins for the map, from kept to moved most. Fixed edges, so a colour means the same
# thing from one comparison to the next; kept words pale, movers warm and drawn on top (the
# map draws later palette entries over earlier ones).
CHANGE_EDGES = [0.2, 0.5, 0.8, 0.95]
CHANGE_COLOURS = ["#a6bddb", "#3690c0", "#fdae61", "#f46d43", "#a50026"]
CHANGE_NAMES = ["cosine ≥ 0.95 (kept)", "0.8 – 0.95", "0.5 – 0.8", "0.2 – 0.5",
                "under 0.2 (moved most)"]


def change_colours(points: MapPoints):
    """The map's points coloured by the per-word cosine between A and B: index 0, grey, for
    rows not shared with B; 1 for kept words … 5 for those that moved most."""
    comparison, other = points.state.comparison, points.other
    if comparison is None:
        return points.only_other("compare with a second embedding first (File > Compare with…)")
    cosine_of_row = np.full(points.state.embedding.rows, np.nan, dtype=np.float32)
    cosine_of_row[comparison.rows_a] = comparison.cosine
    cos = cosine_of_row[points.rows]
    shared = ~np.isnan(cos)
    idx = np.zeros(len(points.rows), dtype=np.int64)
    idx[shared] = len(CHANGE_COLOURS) - np.searchsorted(CHANGE_EDGES, cos[shared], side="right")
    counts = np.bincount(idx, minlength=len(CHANGE_COLOURS) + 1)
    legend = [(CHANGE_COLOURS[i - 1], f"{CHANGE_NAMES[i - 1]} ({counts[i]:,})")
              for i in range(len(CHANGE_COLOURS), 0, -1)]
    legend.append((other, f"not in B ({counts[0]:,})"))
    return [other] + CHANGE_COLOURS, idx, legend


CHANGE_MODE = register(ColourMode("change (cosine to B)", change_colours,
                                  follows=("comparison_changed",)))


class ComparisonView:
    """A finished comparison with the lookups the dock needs, built off the UI thread."""

    def __init__(self, comparison, a, b, seconds):
        self.comparison = comparison
        self.a, self.b = a, b
        self.seconds = seconds
        self.index_of_word = comparison.index_of_word
        self.shared_of_row = np.full(a.rows, -1, dtype=np.int64)
        self.shared_of_row[comparison.rows_a] = np.arange(len(comparison.shared))


def run_compare(a, b, align, k, sample, progress=None, should_stop=None):
    import time

    t0 = time.perf_counter()
    c = compare(a, b, align=align, k=k, sample=sample or None, progress=progress,
                should_stop=should_stop)
    return ComparisonView(c, a, b, time.perf_counter() - t0)


def neighbours_side_by_side(view, word, k, progress=None, should_stop=None):
    """(word, its neighbours in A, in B, the words in both), as core.compare.side_by_side."""
    return (word, *side_by_side(view.comparison, view.a, view.b, word, k))


class _NumberItem(QTableWidgetItem):
    """A table cell that sorts by its number, not its text (negative cosines, blanks last)."""

    def __init__(self, value, fmt="{:.3f}"):
        missing = value is None or np.isnan(value)
        super().__init__("—" if missing else fmt.format(value))
        self.value = float("inf") if missing else float(value)
        self.setTextAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)

    def __lt__(self, other):
        if isinstance(other, _NumberItem):
            return self.value < other.value
        return super().__lt__(other)


def _load_other(path, vocab=None, tensor=None, trust_pickle=False, progress=None,
                should_stop=None):
    emb = load(path, vocab=vocab, tensor=tensor, trust_pickle=trust_pickle, progress=progress,
               should_stop=should_stop)
    emb.unit_vectors  # noqa: B018 - the comparison needs them; normalise off the UI thread
    return emb


class CompareDock(QWidget):
    """Options, Run/Cancel, summary, movers, side-by-side neighbours.

    `questions` (the window's) are asked when B is opened, as File > Open asks them: the words
    file of a bare matrix, which tensor, whether to trust a pickle; errors are shown there too."""

    other_changed = Signal(object)  # the embedding B, or None

    def __init__(self, state, questions, parent=None):
        super().__init__(parent)
        self.state = state
        self.questions = questions
        self.other = None         # embedding B
        self.view = None          # ComparisonView of the current comparison
        self.movers = []
        self.neighbours = None    # (word, list_a, list_b, common) shown side by side
        self.loader = JobRunner("load B", self)
        self.opener = FileOpener(self.loader, questions, _load_other, as_what="B",
                                 error_title="Could not open the file to compare with")
        self.opener.loading.connect(
            lambda path: self.status.setText(f"opening {Path(path).name} as B…"))
        self.opener.opened.connect(self._other_loaded)
        self.opener.failed.connect(lambda _name, text: self.status.setText(text))
        self.opener.declined.connect(lambda: self.status.setText("Opening B cancelled."))
        self.loader.cancelled.connect(lambda: self.status.setText("Opening B cancelled."))
        self.runner = JobRunner("compare", self)
        self.runner.finished.connect(self._compared)
        self.runner.failed.connect(lambda exc: self.status.setText(f"The comparison failed: {exc}"))
        self.runner.cancelled.connect(lambda: self.status.setText("Comparison cancelled."))
        self.side_runner = JobRunner("side by side", self)
        self.side_runner.finished.connect(self._side_done)
        self.side_runner.failed.connect(lambda exc: self.side_note.setText(str(exc)))

        self.b_label = note("B: none. Open a second embedding to compare with this one.")
        open_b = QPushButton("Open B…")
        open_b.setToolTip("Open the embedding to compare with (Ctrl+Shift+O)")
        open_b.clicked.connect(self.open_dialog)
        top = QHBoxLayout()
        top.addWidget(self.b_label, 1)
        top.addWidget(open_b)

        self.align = QComboBox()
        self.align.addItem("no alignment", "none")
        self.align.addItem("Procrustes", "procrustes")
        self.align.setToolTip("none: A and B share one space (before and after fine-tuning).\n"
                              "Procrustes: separately trained models; A is rotated onto B, "
                              "fitted on the shared words, before the per-word cosines "
                              "(neighbourhoods do not depend on it)")
        self.k = QSpinBox(minimum=1, maximum=100, value=10)
        self.k.setToolTip("Neighbours per word for the overlap (Jaccard of the top-k in A and B)")
        self.sample = QSpinBox(minimum=0, maximum=5_000_000, value=10_000, singleStep=1000)
        self.sample.setSpecialValueText("all shared words")
        self.sample.setGroupSeparatorShown(True)
        self.sample.setToolTip("Neighbourhoods are found among this many most frequent shared "
                               "words (all of them is slow for hundreds of thousands)")
        self.k.setPrefix("k = ")
        self.sample.setPrefix("among top ")
        # the dock shares a narrow column with others: let these shrink below their text
        self.sample.setMinimumWidth(90)
        self.align.setMinimumWidth(80)
        opts = QHBoxLayout()
        opts.addWidget(self.align)
        opts.addWidget(self.k)
        opts.addWidget(self.sample, 1)
        self.run_button = QPushButton("Compare")
        self.run_button.clicked.connect(self.run)
        colour = QPushButton("Colour map by change")
        colour.clicked.connect(lambda: self.state.set_colour_mode(CHANGE_MODE.label))
        buttons = QHBoxLayout()
        buttons.addWidget(self.run_button)
        buttons.addWidget(colour)

        self.status = note("")
        self.summary = note("")
        self.summary.setTextFormat(Qt.TextFormat.RichText)

        self.order = QComboBox()
        self.order.addItems(["moved most", "moved least"])
        self.rank_by = QComboBox()
        self.rank_by.addItem("by cosine", "cosine")
        self.rank_by.addItem("by overlap", "overlap")
        self.rank_by.setToolTip("cosine of the word's vectors in A and B, or the overlap of its "
                                "k nearest neighbours in A and in B")
        mv_bar = QHBoxLayout()
        mv_bar.addWidget(QLabel("Words that"))
        mv_bar.addWidget(self.order)
        mv_bar.addWidget(self.rank_by)
        mv_bar.addStretch(1)
        self.table = make_table(["#", "word", "cosine", "overlap"])
        header = self.table.horizontalHeader()
        header.setSectionResizeMode(0, QHeaderView.ResizeMode.ResizeToContents)
        header.setSectionResizeMode(1, QHeaderView.ResizeMode.Stretch)
        self.table.setToolTip("Click: its neighbours in A and B below. Double-click: find it "
                              "on the map.")

        self.side_note = note("")
        self.side_note.setTextFormat(Qt.TextFormat.RichText)
        self.side = make_table(["in A", "cos", "in B", "cos"])
        self.side.setToolTip("✓ and bold: a neighbour in both A and B")
        self.side.cellDoubleClicked.connect(self._side_go)

        buttons.addStretch(1)
        movers = QWidget()
        mv_lay = QVBoxLayout(movers)
        mv_lay.setContentsMargins(0, 0, 0, 0)
        mv_lay.addLayout(mv_bar)
        mv_lay.addWidget(self.table, 1)
        side = QWidget()
        side_lay = QVBoxLayout(side)
        side_lay.setContentsMargins(0, 0, 0, 0)
        side_lay.addWidget(self.side_note)
        side_lay.addWidget(self.side, 1)
        split = QSplitter(Qt.Orientation.Vertical)
        split.addWidget(movers)
        split.addWidget(side)
        split.setChildrenCollapsible(False)

        lay = QVBoxLayout(self)
        lay.addLayout(top)
        lay.addLayout(opts)
        lay.addLayout(buttons)
        # on a line of its own: a file name in it would otherwise widen the whole column
        lay.addWidget(self.status)
        lay.addWidget(ProgressRow(self.loader))
        lay.addWidget(ProgressRow(self.runner))
        lay.addWidget(self.summary)
        lay.addWidget(split, 1)

        self.order.currentIndexChanged.connect(lambda _i: self.fill_movers())
        self.rank_by.currentIndexChanged.connect(lambda _i: self.fill_movers())
        self.table.currentCellChanged.connect(lambda r, *_: self._table_word(r))
        self.table.cellDoubleClicked.connect(self._go)
        state.embedding_changed.connect(self._on_embedding)
        state.picked_changed.connect(self._on_picked)
        self._update_enabled()

    # --- opening B ---------------------------------------------------------------------------
    def open_dialog(self):
        path = self.questions.file_to_open("Compare with…", folder_of(self.state.embedding))
        if path:
            self.open_other(path)

    def open_other(self, path, vocab=None, tensor=None, trust_pickle=False, ask=True):
        """Load B in the background; A, and any comparison shown, stay until it is done."""
        self.opener.open(path, vocab=vocab, tensor=tensor, trust_pickle=trust_pickle, ask=ask)

    def _other_loaded(self, emb):
        self.other = emb
        name = Path(emb.source.path).name if emb.source.path else "in memory"
        self.b_label.setText(f"B: <b>{name}</b> ({emb.source.format}), "
                             f"{emb.rows:,} × {emb.dim}")
        self.b_label.setToolTip(emb.source.path or "")
        self.other_changed.emit(emb)
        self._update_enabled()
        if self.state.embedding is not None and emb.dim != self.state.embedding.dim:
            self.align.setCurrentIndex(1)  # different dimensions: only comparable aligned
        self.run()

    # --- comparing ------------------------------------------------------------------------------
    def _update_enabled(self):
        self.run_button.setEnabled(self.other is not None and self.state.embedding is not None)

    def _on_embedding(self, emb):
        self.view = None
        self.movers = []
        self.neighbours = None
        self.table.setRowCount(0)
        self.side.setRowCount(0)
        self.summary.setText("")
        self.side_note.setText("")
        self._update_enabled()
        if emb is not None and self.other is not None:
            self.run(background=True)  # A changed: compare the new A with the same B

    def run(self, background: bool = False):
        a, b = self.state.embedding, self.other
        if a is None or b is None:
            self.status.setText("Open an embedding, then a second one to compare with.")
            return
        self.status.setText("Comparing…")
        self.runner.start(run_compare, a, b, self.align.currentData(), self.k.value(),
                          self.sample.value(), label="comparing", background=background)

    def _compared(self, view):
        if view.a is not self.state.embedding:
            return  # A was replaced while this ran
        self.view = view
        c = view.comparison
        self.status.setText(f"Compared in {view.seconds:.2f} s.")
        self.summary.setText(self.summary_html(c))
        self.state.set_comparison(c)
        self.fill_movers()
        picked = self.state.picked
        if picked >= 0 and self.view.shared_of_row[picked] >= 0:
            self.show_word(self.state.embedding.words[picked])
        elif self.movers:
            self.show_word(self.movers[0].word)

    @staticmethod
    def summary_html(c) -> str:
        def fig(x, fmt="{:.3f}"):
            return "—" if x is None or np.isnan(x) else fmt.format(x)

        align = ("Procrustes" + (f", residual {fig(c.residual, '{:.4f}')}"
                                 if c.residual is not None else "")) if c.align == "procrustes" \
            else "none"
        return (f"<b>{len(c.shared):,}</b> shared words · {len(c.only_a):,} only in A · "
                f"{len(c.only_b):,} only in B<br>"
                f"median cosine <b>{fig(c.median_cosine)}</b> · median overlap "
                f"(k = {c.k}, top {c.universe:,}) <b>{fig(c.median_overlap)}</b> · "
                f"kept at least half their neighbours: <b>{fig(c.kept_half, '{:.1%}')}</b>"
                f"<br>alignment: {align}")

    def fill_movers(self):
        if self.view is None:
            return
        c = self.view.comparison
        most = self.order.currentIndex() == 0
        by = self.rank_by.currentData()
        self.movers = c.movers(MOVERS_SHOWN, most=most, by=by)
        t = self.table
        t.setSortingEnabled(False)
        t.setRowCount(len(self.movers))
        for i, m in enumerate(self.movers):
            t.setItem(i, 0, _NumberItem(i + 1, "{:d}"))
            t.setItem(i, 1, QTableWidgetItem(m.word))
            t.setItem(i, 2, _NumberItem(m.cosine))
            t.setItem(i, 3, _NumberItem(m.overlap))
        # shown in the ranking's order (the # column), whatever the user sorted by last
        t.horizontalHeader().setSortIndicator(0, Qt.SortOrder.AscendingOrder)
        t.setSortingEnabled(True)
        # the first movers are labelled on the map, so one sees where the change happened
        top = [self.view.index_of_word[m.word] for m in self.movers[:MOVERS_LABELLED]]
        self.state.set_highlight(c.rows_a[top], "movers")

    def mover_words(self) -> list[str]:
        """Words of the movers table, top to bottom as shown."""
        return [self.table.item(i, 1).text() for i in range(self.table.rowCount())]

    # --- one word, side by side -----------------------------------------------------------------
    def _table_word(self, r):
        item = self.table.item(r, 1) if r >= 0 else None
        if item is not None:
            self.show_word(item.text())

    def _go(self, r, _c):
        item = self.table.item(r, 1)
        row = self.state.row_of(item.text()) if item is not None else None
        if row is not None:
            self.state.pick(row, centre=True)

    def _side_go(self, r, c):
        item = self.side.item(r, 0 if c < 2 else 2)
        word = item.data(Qt.ItemDataRole.UserRole) if item is not None else None
        row = self.state.row_of(word) if word else None
        if row is not None:
            self.state.pick(row, centre=True)

    def _on_picked(self, row):
        if row >= 0 and self.view is not None and row < len(self.view.shared_of_row) \
                and self.view.shared_of_row[row] >= 0:
            self.show_word(self.state.embedding.words[row])

    def show_word(self, word: str):
        if self.view is None or word not in self.view.index_of_word:
            return
        if self.neighbours is not None and self.neighbours[0] == word and \
                not self.side_runner.busy:
            return
        self.side_note.setText(f"finding the neighbours of '{word}' in A and in B…")
        self.side_runner.start(neighbours_side_by_side, self.view, word,
                               self.view.comparison.k or 10, label="neighbours in A and B")

    def _side_done(self, result):
        word, list_a, list_b, common = result
        self.neighbours = result
        c = self.view.comparison if self.view is not None else None
        i = self.view.index_of_word.get(word) if self.view is not None else None
        bits = ""
        if c is not None and i is not None:
            m = c.mover(i)
            bits = f" — cosine {m.cosine:.3f}" + (
                f", overlap {m.overlap:.3f}" if m.overlap is not None else "")
        self.side_note.setText(f"Neighbours of <b>{word}</b> in A and in B{bits}; "
                               f"✓ {len(common)} in both")
        t = self.side
        t.setRowCount(max(len(list_a), len(list_b)))
        bold = QFont(t.font())
        bold.setBold(True)
        for col, items in ((0, list_a), (2, list_b)):
            for r in range(t.rowCount()):
                if r >= len(items):
                    t.setItem(r, col, QTableWidgetItem(""))
                    t.setItem(r, col + 1, QTableWidgetItem(""))
                    continue
                w, score = items[r]
                both = w in common
                item = QTableWidgetItem(("✓ " if both else "") + w)
                item.setData(Qt.ItemDataRole.UserRole, w)
                if both:
                    item.setFont(bold)
                    item.setToolTip(f"'{w}' is a neighbour in both A and B")
                t.setItem(r, col, item)
                t.setItem(r, col + 1, _NumberItem(score))

    def side_rows(self):
        """[(word in A, shared?), …], [(word in B, shared?), …] as the side-by-side table shows."""
        out = ([], [])
        for r in range(self.side.rowCount()):
            for k, col in enumerate((0, 2)):
                item = self.side.item(r, col)
                w = item.data(Qt.ItemDataRole.UserRole) if item is not None else None
                if w:
                    out[k].append((w, item.font().bold() and item.text().startswith("✓")))
        return out
