"""The Coverage tab of the export dialog: how many rows a corpus needs — token and type coverage
against the rows kept (most frequent corpus word first, as `export --corpus` keeps them), the
rows for 90 / 95 / 99 % of the tokens, and the most frequent missing words with what they
could map to. The numbers are core.coverage's, the same as `embedscope coverage` prints.
"""
from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QFileDialog,
    QHBoxLayout,
    QLineEdit,
    QPushButton,
    QSpinBox,
    QSplitter,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from ..core import vocabulary as voc
from ..core.corpus import TOKENIZER_HELP, count_corpus
from ..core.coverage import TARGETS, corpus_coverage
from .docks.common import ProgressRow, make_table, note
from .workers import JobRunner

MISSING_LISTED = 50   # missing words in the table, most frequent first
TOKEN_COLOUR = "#1971c2"
TYPE_COLOUR = "#e67700"
KEPT_COLOUR = "#2b8a3e"


def count_and_cover(emb, path, tokenizer, lowercase, case_fallback, counts=None,
                    progress=None, should_stop=None):
    """Count the corpus (unless `counts` are of this file, tokenised this way) and measure its
    coverage by `emb`; on a worker thread."""
    if counts is None or not counts.matches(path, tokenizer, lowercase):
        counts = count_corpus(path, tokenizer=tokenizer, lowercase=lowercase,
                              progress=progress, should_stop=should_stop)
    return counts, corpus_coverage(emb, counts, case_fallback=case_fallback,
                                   missing=MISSING_LISTED)


def rows_seen_at_least(report, min_count: int) -> int:
    """Rows kept by a corpus source with this minimum count: the corpus words with a vector
    seen at least `min_count` times (their counts fall row by row)."""
    per_row = np.diff(report.covered, prepend=0)
    return int(np.count_nonzero(per_row >= min_count))


def target_legend(report=None) -> str:
    """"90 / 95 / 99 % of tokens: 6,760 / 11,691 / – rows" (– where out of reach)."""
    names = " / ".join(f"{int(p * 100)}" for p in TARGETS)
    if report is None:
        return f"{names} % of tokens"
    rows = " / ".join(f"{n:,}" if n is not None else "–" for n in map(report.rows_for, TARGETS))
    return f"{names} % of tokens: {rows} rows"


def percent(share: float) -> str:
    return f"{100 * share:.1f} %"


class CoverageView(QWidget):
    """Pick a corpus, count it in the background, see the coverage curve and the missing words;
    "Apply to export" makes the corpus the export's word source."""

    applied = Signal(list)   # the export's word sources from now on

    def __init__(self, state, case_fallback=lambda: True, parent=None):
        super().__init__(parent)
        self.state = state
        self.case_fallback = case_fallback  # the export's own setting, read at each count
        self.counts = None
        self.report = None
        self.kept_rows = 0   # rows the "seen at least" choice keeps, marked on the curve
        self.runner = JobRunner("coverage", self)
        self.runner.finished.connect(self._counted)
        self.runner.failed.connect(self._failed)
        self.runner.cancelled.connect(self._cancelled)
        lay = QVBoxLayout(self)
        lay.setContentsMargins(4, 4, 4, 4)
        self._add_controls(lay)
        self.summary = note("Choose a corpus and count it to see how many rows it needs.")
        self.summary.setTextFormat(Qt.TextFormat.RichText)
        lay.addWidget(self.summary)
        split = QSplitter(Qt.Orientation.Vertical)
        split.addWidget(self._add_graph())
        split.addWidget(self._add_table())
        split.setSizes([300, 220])
        lay.addWidget(split, 1)
        self._add_buttons(lay)

    # --- layout ----------------------------------------------------------------------------
    def _add_controls(self, lay):
        self.corpus = QLineEdit(placeholderText="a UTF-8 text corpus")
        browse = QPushButton("…")
        browse.setMaximumWidth(32)
        browse.clicked.connect(self._browse)
        self.tokenizer = QComboBox()
        for name, rule in TOKENIZER_HELP.items():
            self.tokenizer.addItem(name, name)
            self.tokenizer.setItemData(self.tokenizer.count() - 1, rule,
                                       Qt.ItemDataRole.ToolTipRole)
        self.lowercase = QCheckBox("lowercase")
        self.count_button = QPushButton("Count")
        self.count_button.clicked.connect(self.count)
        self.runner.busy_changed.connect(lambda b: self.count_button.setEnabled(not b))
        row = QHBoxLayout()
        row.addWidget(self.corpus, 1)
        row.addWidget(browse)
        row.addWidget(self.tokenizer)
        row.addWidget(self.lowercase)
        row.addWidget(self.count_button)
        lay.addLayout(row)
        lay.addWidget(ProgressRow(self.runner))

    def _add_graph(self):
        self.plot = pg.PlotWidget(background="w")
        self.plot.setLogMode(x=True, y=False)
        self.plot.setLabel("bottom", "rows kept (most frequent corpus words first)")
        self.plot.setLabel("left", "coverage", units="%")
        self.plot.setYRange(0, 100)
        self.plot.showGrid(x=True, y=True, alpha=0.2)
        self.legend = self.plot.addLegend(offset=(10, 10))  # top left: the curves rise right
        self.token_curve = self.plot.plot([], [], pen=pg.mkPen(TOKEN_COLOUR, width=2),
                                          name="tokens")
        self.type_curve = self.plot.plot([], [], pen=pg.mkPen(TYPE_COLOUR, width=2),
                                         name="types (distinct words)")
        self.target_marks = self.plot.plot([], [], pen=None, symbol="o", symbolSize=8,
                                           symbolBrush=TOKEN_COLOUR, name=target_legend())
        self.kept_line = pg.InfiniteLine(angle=90, movable=False,
                                         pen=pg.mkPen(KEPT_COLOUR, width=1.5,
                                                      style=Qt.PenStyle.DashLine))
        self.kept_label = pg.TextItem(color=KEPT_COLOUR, anchor=(0, 1))
        for item in (self.kept_line, self.kept_label):
            item.hide()
            self.plot.addItem(item)
        return self.plot

    def _add_table(self):
        box = QWidget()
        bl = QVBoxLayout(box)
        bl.setContentsMargins(0, 0, 0, 0)
        self.missing_note = note("")
        self.missing_table = make_table(["missing word", "count", "could map to", "by"])
        bl.addWidget(self.missing_note)
        bl.addWidget(self.missing_table, 1)
        return box

    def _add_buttons(self, lay):
        self.min_count = QSpinBox(minimum=1, maximum=10**9, value=1)
        self.min_count.setPrefix("keep words seen ≥ ")
        self.min_count.setSuffix(" times")
        self.min_count.valueChanged.connect(self._show_kept)
        self.apply_button = QPushButton("Apply to export")
        self.apply_button.setToolTip("Make the corpus the export's word source, with the "
                                     "checked suggestions as words of their own")
        self.apply_button.setEnabled(False)
        self.apply_button.clicked.connect(self.apply)
        self.applied_note = note("")
        self.applied_note.setStyleSheet("color: #2b8a3e")
        row = QHBoxLayout()
        row.addWidget(self.min_count)
        row.addStretch(1)
        row.addWidget(self.apply_button)
        lay.addLayout(row)
        lay.addWidget(self.applied_note)

    # --- counting ----------------------------------------------------------------------------
    def _browse(self):
        path, _ = QFileDialog.getOpenFileName(self, "Corpus", str(Path(self.corpus.text())
                                                                   .parent),
                                              "Text (*.txt);;All (*)")
        if path:
            self.corpus.setText(path)
            self.count()

    def count(self):
        path = self.corpus.text().strip()
        if not path or self.state.embedding is None:
            return
        self.summary.setText("Counting…")
        self.apply_button.setEnabled(False)  # until the counts of this corpus and tokenizer
        self.runner.start(count_and_cover, self.state.embedding, path,
                          self.tokenizer.currentData(), self.lowercase.isChecked(),
                          self.case_fallback(), counts=self.counts,
                          label=f"counting {Path(path).name}")

    def _counted(self, result):
        self.counts, self.report = result
        self.applied_note.setText("")
        self._show_summary()
        self._show_curves()
        self._show_missing()
        self._show_kept()
        self.apply_button.setEnabled(self.report.rows > 0)

    def _cancelled(self):
        """The last counts shown stay, and can still be applied (they name their own file)."""
        self.summary.setText("Counting cancelled.")
        self.apply_button.setEnabled(self.report is not None and self.report.rows > 0)

    def _failed(self, exc):
        self.report = None
        self.summary.setText(f"<span style='color:#c92a2a'>{exc}</span>")

    # --- showing -----------------------------------------------------------------------------
    def _show_summary(self):
        r = self.report
        need = ", ".join(f"{int(p * 100)} % in <b>{n:,}</b> rows" if n is not None
                         else f"{int(p * 100)} % out of reach"
                         for p, n in zip(TARGETS, map(r.rows_for, TARGETS)))
        warn = "".join(f"<br><span style='color:#e67700'>{w}</span>"
                       for w in self.counts.warnings)
        self.summary.setText(
            f"<b>{r.tokens:,}</b> tokens, <b>{r.types:,}</b> distinct words "
            f"(tokenizer '{r.tokenizer}'{', lowercased' if r.lowercase else ''}). "
            f"Tokens covered: <b>{percent(r.token_coverage)}</b>, distinct words: "
            f"<b>{percent(r.type_coverage)}</b> ({r.rows:,} rows).<br>Tokens: {need}." + warn)

    def _show_curves(self):
        r = self.report
        # the rows for 90 / 95 / 99 % are named in the legend: points this close on a log axis
        # leave no room for labels beside them
        self.legend.removeItem(self.target_marks)
        self.legend.addItem(self.target_marks, target_legend(r))
        curve = r.curve()
        if not curve:
            for c in (self.token_curve, self.type_curve, self.target_marks):
                c.setData([], [])
            return
        ks = np.array([k for k, _ in curve], dtype=float)
        self.token_curve.setData(ks, [100 * c for _, c in curve])
        self.type_curve.setData(ks, 100 * ks / r.types)
        marks = [(n, p) for p in TARGETS if (n := r.rows_for(p)) is not None]
        self.target_marks.setData([float(n) for n, _ in marks],
                                  [100 * float(r.covered[n - 1]) / r.tokens for n, _ in marks])
        self.plot.setXRange(0, math.log10(max(r.rows, 10)), padding=0.02)
        self.plot.setYRange(0, 100, padding=0.02)

    def _show_missing(self):
        r = self.report
        t = self.missing_table
        t.setRowCount(len(r.missing))
        for i, m in enumerate(r.missing):
            count = QTableWidgetItem(f"{m.count:,}")
            count.setTextAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
            target = QTableWidgetItem(" ".join(m.suggestion) if m.suggestion else "–")
            if m.suggestion:
                target.setCheckState(Qt.CheckState.Unchecked)
            else:  # nothing to choose
                target.setFlags(target.flags() & ~Qt.ItemFlag.ItemIsUserCheckable)
            for j, item in enumerate((QTableWidgetItem(m.word), count, target,
                                      QTableWidgetItem(m.by or ""))):
                t.setItem(i, j, item)
        suggested = sum(m.suggestion is not None for m in r.missing)
        self.missing_note.setText(
            f"{r.missing_types:,} distinct words ({r.missing_tokens:,} tokens) have no vector"
            + (f"; the {len(r.missing)} most frequent below, {suggested} with an entry they "
               "could map to — check the ones to add to the export" if r.missing else "") + ".")

    def _show_kept(self, *_):
        r = self.report
        if r is None:
            return
        n = rows_seen_at_least(r, self.min_count.value()) if r.rows else 0
        share = float(r.covered[n - 1]) / r.tokens if n else 0.0
        self.kept_rows = n
        self.kept_line.setVisible(n > 0)
        self.kept_label.setVisible(n > 0)
        if not n:
            return
        x = math.log10(n)
        self.kept_line.setPos(x)
        self.kept_label.setText(f"keep {n:,} rows: {percent(share)} of tokens")
        # the label on the side of the line with room for it
        self.kept_label.setAnchor((1, 1) if x > math.log10(max(r.rows, 10)) / 2 else (0, 1))
        self.kept_label.setPos(x, 4)

    # --- applying ----------------------------------------------------------------------------
    def chosen_suggestions(self) -> list[tuple[str, list[str]]]:
        """(missing word, the entries it maps to) for every checked suggestion."""
        chosen = []
        for i, m in enumerate(self.report.missing if self.report else []):
            item = self.missing_table.item(i, 2)
            if m.suggestion and item.checkState() == Qt.CheckState.Checked:
                chosen.append((m.word, m.suggestion))
        return chosen

    def apply(self):
        """Hand the dialog the corpus as its word source and the checked suggestions' entries as
        words of their own, in place of its sources. The export has no way to send a missing
        word to another entry's row, so the note says what it will and will not do with them."""
        r, counts = self.report, self.counts
        if r is None:
            return
        sources = [voc.Corpus(counts.path, min_count=self.min_count.value(),
                              lowercase=r.lowercase, tokenizer=r.tokenizer, counts=counts)]
        chosen = self.chosen_suggestions()
        targets = list(dict.fromkeys(t for _, ts in chosen for t in ts))
        text = (f"Applied: the words of {Path(counts.path).name} seen at least "
                f"{self.min_count.value()} times are now the export's word source (in place of "
                "the sources it listed before)")
        if targets:
            sources.append(voc.Words(targets, label="coverage suggestions"))
            pairs = ", ".join(f"{w} → {' '.join(ts)}" for w, ts in chosen[:6])
            text += (f", and {len(targets)} suggested entries as words of their own ({pairs}"
                     f"{', …' if len(chosen) > 6 else ''}). The export keeps their rows but "
                     "does not map the missing words to them: do that in your tokenizer.")
        else:
            text += "."
        self.applied_note.setText(text)
        self.applied.emit(sources)
