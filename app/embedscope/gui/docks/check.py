"""Check: the alignment report — is every word on the row of its own vector?

Runs by itself after each load; findings are listed by severity, clicking one highlights its
rows on the map, and a shifted words file can be fixed from here.
"""
from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtGui import QColor
from PySide6.QtWidgets import (
    QHBoxLayout,
    QPushButton,
    QTableWidgetItem,
    QTextBrowser,
    QVBoxLayout,
    QWidget,
)

from ...core.check import check
from ...core.shift import apply_shift
from ..workers import JobRunner
from .common import ProgressRow, make_table, note

SEVERITY_COLOUR = {"error": "#c92a2a", "warning": "#e67700", "info": "#1971c2"}
SEVERITY_ORDER = {"error": 0, "warning": 1, "info": 2}


def fix_shift(emb, offset, progress=None, should_stop=None):
    return apply_shift(emb, offset)


class CheckDock(QWidget):
    def __init__(self, state, parent=None):
        super().__init__(parent)
        self.state = state
        self.report = None
        self.runner = JobRunner("check", self)
        self.runner.finished.connect(self._done)
        self.runner.failed.connect(lambda exc: self.summary.setText(f"The check failed: {exc}"))
        self.runner.cancelled.connect(lambda: self.summary.setText("Check cancelled."))
        self.fix_runner = JobRunner("fix shift", self)
        self.fix_runner.finished.connect(self._fixed)
        self.fix_runner.failed.connect(lambda exc: self.summary.setText(f"Fix failed: {exc}"))
        self.summary = note("")
        self.summary.setTextFormat(Qt.TextFormat.RichText)
        self.table = make_table(["finding", "severity", "count"])
        self.detail = QTextBrowser()
        self.detail.setOpenLinks(False)
        self.run_button = QPushButton("Check again")
        self.run_button.clicked.connect(self.run)
        self.fix_button = QPushButton("Fix the shift")
        self.fix_button.setToolTip("Move the words by the detected offset so each sits on its "
                                   "own vector")
        self.fix_button.clicked.connect(self.fix)
        self.fix_button.hide()
        buttons = QHBoxLayout()
        buttons.addWidget(self.run_button)
        buttons.addWidget(self.fix_button)
        buttons.addStretch(1)
        lay = QVBoxLayout(self)
        lay.addWidget(self.summary)
        lay.addLayout(buttons)
        lay.addWidget(ProgressRow(self.runner))
        lay.addWidget(self.table, 2)
        lay.addWidget(self.detail, 1)
        self.table.currentCellChanged.connect(lambda r, *_: self._show(r))
        self.table.cellClicked.connect(lambda r, _c: self._show(r))
        state.embedding_changed.connect(self._on_embedding)

    def _on_embedding(self, emb):
        self.report = None
        self.table.setRowCount(0)
        self.detail.setText("")
        self.fix_button.hide()
        if emb is not None:
            self.run(background=True)  # after the first map, in the background queue

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
        self.table.setRowCount(len(fs))
        for i, f in enumerate(fs):
            name = QTableWidgetItem(f.code.replace("-", " "))
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
        self.detail.setHtml("" if fs else "No duplicate words, empty or broken rows, shifted "
                            "words file or other problems were found.")
        errors = sum(f.severity == "error" for f in fs)
        warnings = sum(f.severity == "warning" for f in fs)
        if report.ok and not warnings:
            head = "<b style='color:#2b8a3e'>✔ Sound</b>: every word sits on its own vector."
        elif report.ok:
            head = (f"<b style='color:#e67700'>⚠ Sound, with {warnings} warning"
                    f"{'s' if warnings != 1 else ''}</b>")
        else:
            head = (f"<b style='color:#c92a2a'>✖ {errors} problem{'s' if errors != 1 else ''}"
                    f"</b>" + (f", {warnings} warning{'s' if warnings != 1 else ''}"
                               if warnings else ""))
        self.summary.setText(f"{head}<br>{report.rows:,} rows × {report.dim}, "
                             f"{report.vocab_size:,} words. Click a finding to see its words.")
        self.shift = next((f.offset for f in fs if getattr(f, "offset", None)), None)
        self.fix_button.setVisible(self.shift is not None)
        if self.shift is not None:
            self.fix_button.setText(f"Fix the shift ({self.shift:+d} rows)")

    def _show(self, r):
        fs = self.findings()
        if not (0 <= r < len(fs)):
            return
        f = fs[r]
        ex = ", ".join(f.examples[:12]) if f.examples else ""
        self.detail.setHtml(f"<b>{f.code}</b> ({f.severity}): {f.message}"
                            + (f"<br><br>e.g. {ex}" if ex else ""))
        if f.rows:
            self.state.set_highlight(list(f.rows)[:5000], "finding")
            self.state.centre_requested.emit(int(f.rows[0]))

    def fix(self):
        emb = self.state.embedding
        if emb is None or self.shift is None:
            return
        self.summary.setText(f"Moving the words by {self.shift:+d} rows…")
        self.fix_runner.start(fix_shift, emb, self.shift, label="fixing")

    def _fixed(self, emb):
        self.state.set_embedding(emb)
        self.state.message.emit("words moved; the check runs again on the fixed embedding")
