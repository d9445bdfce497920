"""Check: the alignment report — is every word on the row of its own vector?

Runs by itself after each load. It names the words file and tensor in use (with links to pick
others), heads its findings with what is wrong in plain words, offers each fix the check
proposes as a button that re-pairs words and rows for the session, and saves the corrected
words file on request. Clicking a finding highlights its rows on the map; the norm-outlier
finding shows the histogram of row norms with its rows marked.
"""
from __future__ import annotations

from pathlib import Path

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import Qt
from PySide6.QtGui import QColor
from PySide6.QtWidgets import (
    QFileDialog,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QTableWidgetItem,
    QTextBrowser,
    QVBoxLayout,
    QWidget,
)

from ...core.check import check
from ...core.errors import EmbedscopeError
from ...core.pairing import FIXES, apply_fix, pairing_of, tensor_note, words_file_note
from ...io.corrected_words import save_corrected_words, suggested_path
from ..workers import JobRunner
from .common import ProgressRow, make_table, note, plot_colours

SEVERITY_COLOUR = {"error": "#c92a2a", "warning": "#e67700", "info": "#1971c2"}
SEVERITY_ORDER = {"error": 0, "warning": 1, "info": 2}
MARKED_NORMS = 200    # outlier rows drawn as lines on the norm histogram
WARNING_STYLE = ("background:#fff4e6; color:#862e0e; border:1px solid #ffc078; "
                 "border-radius:3px; padding:3px 6px")


def fix_pairing(emb, name, offset, progress=None, should_stop=None):
    return apply_fix(emb, name, offset)


class PairingWarning(QLabel):
    """The one line a panel shows while the check says the words may not match the rows; its
    link shows the check."""

    def __init__(self, state, what: str = "the results here", parent=None):
        super().__init__(parent)
        self.state = state
        self.what = what
        self.setWordWrap(True)
        self.setTextFormat(Qt.TextFormat.RichText)
        self.setStyleSheet(WARNING_STYLE)
        self.linkActivated.connect(lambda _link: state.check_requested.emit())
        state.check_changed.connect(self._update)
        self.hide()

    def _update(self, _report=None):
        problem = self.state.pairing_problem
        self.setVisible(problem is not None)
        if problem is not None:
            self.setText(f"⚠ The words may not match the rows, so {self.what} may belong to "
                         "other words. <a href='check'>See the check</a>")


class CheckDock(QWidget):
    def __init__(self, state, parent=None):
        super().__init__(parent)
        self.state = state
        self.report = None
        self.fix_buttons: list[QPushButton] = []
        self._add_runners()
        self._add_controls()
        self._lay_out()
        state.embedding_changed.connect(self._on_embedding)

    def _add_runners(self):
        self.runner = JobRunner("check", self)
        self.runner.finished.connect(self._done)
        self.runner.failed.connect(lambda exc: self.summary.setText(f"The check failed: {exc}"))
        self.runner.cancelled.connect(lambda: self.summary.setText("Check cancelled."))
        self.fix_runner = JobRunner("fix the pairing", self)
        self.fix_runner.finished.connect(self._fixed)
        self.fix_runner.failed.connect(
            lambda exc: self.summary.setText(f"The words could not be re-paired: {exc}"))

    def _add_controls(self):
        self.pairing = note("")
        self.pairing.setTextFormat(Qt.TextFormat.RichText)
        self.pairing.setTextInteractionFlags(Qt.TextInteractionFlag.TextBrowserInteraction)
        self.pairing.linkActivated.connect(self.state.pairing_change_requested.emit)
        self.summary = note("")
        self.summary.setTextFormat(Qt.TextFormat.RichText)
        self.fixed_note = note("")
        self.fixed_note.setTextFormat(Qt.TextFormat.RichText)
        self.fixed_note.hide()
        self.table = make_table(["finding", "severity", "count"])
        self.detail = QTextBrowser()
        self.detail.setMinimumHeight(44)
        self.detail.setOpenLinks(False)
        self.run_button = QPushButton("Check again")
        self.run_button.clicked.connect(self.run)
        self.save_button = QPushButton("Save corrected words file…")
        self.save_button.setToolTip("Write the words as now paired to a new file, one word per "
                                    "row of the matrix; the original words file is not touched")
        self.save_button.clicked.connect(self.save_corrected)
        self.save_button.hide()
        self.table.currentCellChanged.connect(lambda r, *_: self._show(r))
        self.table.cellClicked.connect(lambda r, _c: self._show(r))

    def _lay_out(self):
        self.fix_row = QHBoxLayout()
        buttons = QHBoxLayout()
        buttons.addWidget(self.run_button)
        buttons.addWidget(self.save_button)
        buttons.addStretch(1)
        lay = QVBoxLayout(self)
        lay.addWidget(self.pairing)
        lay.addWidget(self.summary)
        lay.addLayout(self.fix_row)
        lay.addWidget(self.fixed_note)
        lay.addLayout(buttons)
        lay.addWidget(ProgressRow(self.runner))
        lay.addWidget(self.table, 3)  # the findings first: the detail and histogram follow
        lay.addWidget(self.detail, 1)
        self._add_norm_histogram(lay)

    def _add_norm_histogram(self, lay):
        self.norm_plot = pg.PlotWidget()
        self.norm_plot.setTitle("row norms · outliers marked", size="8pt")
        self.norm_plot.setMenuEnabled(False)
        self.norm_plot.hideButtons()
        self.norm_plot.setMouseEnabled(x=False, y=False)
        self.norm_plot.setMinimumHeight(64)
        plot_colours(self.norm_plot)
        self.norm_bars = pg.BarGraphItem(x0=[], x1=[], height=[], brush="#9aa5b1", pen=None)
        self.norm_plot.addItem(self.norm_bars)
        self.norm_marks = pg.PlotCurveItem(pen=pg.mkPen(SEVERITY_COLOUR["warning"], width=1),
                                           connect="pairs")
        self.norm_plot.addItem(self.norm_marks)
        self.norm_plot.hide()
        lay.addWidget(self.norm_plot, 1)

    def show_norms(self, rows):
        """The histogram of every row's norm, with a line at the norm of each of `rows`."""
        norms = np.asarray(self.state.embedding.norms, dtype=np.float64)
        ok = np.isfinite(norms)
        counts, edges = np.histogram(norms[ok], bins=80)
        self.norm_bars.setOpts(x0=edges[:-1], x1=edges[1:], height=counts)
        marked = norms[np.asarray(rows, dtype=np.int64)[:MARKED_NORMS]]
        marked = marked[np.isfinite(marked)]
        top = float(counts.max()) if len(counts) else 1.0
        self.norm_marks.setData(np.repeat(marked, 2), np.tile([0.0, top], len(marked)))
        self.norm_plot.setXRange(min(edges[0], *marked) if len(marked) else edges[0],
                                 max(edges[-1], *marked) if len(marked) else edges[-1])
        self.norm_plot.show()

    # --- the pairing in use --------------------------------------------------------------------
    def _on_embedding(self, emb):
        self.report = None
        self.norm_plot.hide()
        self.table.setRowCount(0)
        self.detail.setText("")
        self._set_fixes([])
        self._show_pairing(emb)
        if emb is not None:
            self.run(background=True)  # after the first map, in the background queue

    def _show_pairing(self, emb):
        if emb is None:
            self.pairing.setText("")
            self.fixed_note.hide()
            self.save_button.hide()
            return
        bits = [words_file_note(emb)]
        if emb.source.vocab_path:
            bits[0] += " · <a href='words file'>choose another words file…</a>"
        if tensor_note(emb):
            bits.append(tensor_note(emb) + " · <a href='tensor'>choose another tensor…</a>")
        self.pairing.setText("<br>".join(bits))
        fixes = pairing_of(emb).fixes
        self.fixed_note.setVisible(bool(fixes))
        self.save_button.setVisible(bool(fixes))
        if fixes:
            self.fixed_note.setText("<b>Re-paired for this session</b> (the files are "
                                    "unchanged): " + "; ".join(fixes) + ".")

    # --- the check ----------------------------------------------------------------------------
    def run(self, background: bool = False):
        emb = self.state.embedding
        if emb is None:
            return
        self.summary.setText("Checking…")
        self.runner.start(check, emb, label="checking", background=background)

    def findings(self):
        if self.report is None:
            return []
        return sorted(self.report.findings,
                      key=lambda f: (SEVERITY_ORDER.get(f.severity, 3), -int(f.count or 0)))

    def _done(self, report):
        self.report = report
        self.state.set_check_report(report)
        fs = self.findings()
        self._fill_table(fs)
        self.detail.setHtml("" if fs else "No duplicate words, empty or broken rows, shifted "
                            "words file or other problems were found.")
        self.summary.setText(f"{self._headline(report, fs)}<br>{report.rows:,} rows × "
                             f"{report.dim}, {report.vocab_size:,} words. Click a finding to "
                             "see its words.")
        self._set_fixes(report.fixes)
        problem = report.pairing_problem
        if problem is not None:
            self.table.selectRow(fs.index(problem))

    def _fill_table(self, fs):
        self.table.setRowCount(len(fs))
        for i, f in enumerate(fs):
            name = QTableWidgetItem(f.headline)
            name.setToolTip(f.message)
            sev = QTableWidgetItem(f.severity)
            sev.setForeground(QColor(SEVERITY_COLOUR.get(f.severity, "#555")))
            count = QTableWidgetItem(f"{int(f.count):,}" if f.count is not None else "")
            count.setTextAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
            for j, it in enumerate((name, sev, count)):
                self.table.setItem(i, j, it)
        if not fs:
            self.table.setRowCount(1)
            self.table.setItem(0, 0, QTableWidgetItem("nothing to report"))

    @staticmethod
    def _headline(report, fs) -> str:
        """The first error in plain words (what is wrong, not how many problems there are)."""
        errors = [f for f in fs if f.severity == "error"]
        warnings = sum(f.severity == "warning" for f in fs)
        if report.ok and not warnings:
            return "<b style='color:#2b8a3e'>✔ Sound</b>: every word sits on its own vector."
        if report.ok:
            return (f"<b style='color:#e67700'>⚠ Sound, with {warnings} warning"
                    f"{'s' if warnings != 1 else ''}</b>")
        first = report.pairing_problem or errors[0]
        more = len(errors) - 1
        return (f"<b style='color:#c92a2a'>✖ {first.headline}.</b>"
                + (f" And {more} more problem{'s' if more != 1 else ''}." if more else ""))

    def _show(self, r):
        fs = self.findings()
        if not (0 <= r < len(fs)):
            return
        f = fs[r]
        ex = ", ".join(f.examples[:12]) if f.examples else ""
        self.detail.setHtml(f"<b>{f.headline}</b> ({f.severity}): {f.message}"
                            + (f"<br><br>e.g. {ex}" if ex else ""))
        if f.code == "norm-outliers" and f.rows:
            self.show_norms(f.rows)
        else:
            self.norm_plot.hide()
        if f.rows:
            self.state.set_highlight(list(f.rows)[:5000], "finding")
            self.state.centre_requested.emit(int(f.rows[0]))

    # --- fixes ----------------------------------------------------------------------------------
    def _set_fixes(self, fixes):
        """One button per fix the check proposes, saying what it does."""
        while self.fix_row.count():  # the buttons and the stretch after them
            item = self.fix_row.takeAt(0)
            if item.widget() is not None:
                item.widget().deleteLater()
        self.fix_buttons = []
        for name, offset in fixes:
            fix = FIXES[name]
            b = QPushButton(fix.button_text(offset))
            b.setToolTip(fix.help[:1].upper() + fix.help[1:].split(" (see")[0]
                         + ", for this session (the files are not changed).")
            b.clicked.connect(lambda _=False, n=name, k=offset: self.fix(n, k))
            self.fix_row.addWidget(b)
            self.fix_buttons.append(b)
        if fixes:
            self.fix_row.addStretch(1)

    def fix(self, name: str, offset: int = 0):
        emb = self.state.embedding
        if emb is None:
            return
        self.summary.setText(f"{FIXES[name].button_text(offset)}…")
        self.fix_runner.start(fix_pairing, emb, name, offset, label="re-pairing the words")

    def _fixed(self, emb):
        self.state.set_embedding(emb)
        self.state.message.emit(f"{emb.source.warnings[-1]}; the check runs again")

    def ask_save_path(self, suggested: Path) -> str | None:
        path, _ = QFileDialog.getSaveFileName(self, "Save the corrected words file",
                                              str(suggested), "Words (*.txt);;All files (*)")
        return path or None

    def save_corrected(self):
        emb = self.state.embedding
        if emb is None:
            return None
        path = self.ask_save_path(suggested_path(emb))
        if not path:
            return None
        try:
            written = save_corrected_words(emb, path)
        except (EmbedscopeError, OSError) as exc:
            self.fixed_note.setText(f"<span style='color:#c92a2a'>Nothing was saved: {exc}"
                                    "</span>")
            return None
        self.fixed_note.setText(f"<b>Saved the corrected words</b> to {written} (one word "
                                "per row; open the matrix with it to skip the fix).")
        self.state.message.emit(f"saved the corrected words to {written}")
        return written
