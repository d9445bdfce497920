"""Analogy: "king - man + woman" with completion, unknown words flagged as you type,
3CosAdd or 3CosMul; and Evaluate, which runs the benchmark sets and shows accuracy per section."""
from __future__ import annotations

import re

from PySide6.QtCore import QStringListModel, Qt
from PySide6.QtWidgets import (
    QComboBox,
    QCompleter,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QSpinBox,
    QVBoxLayout,
    QWidget,
)

from ...core.analogy import ExpressionError, analogy, parse_expression
from ...core.evaluate import evaluate_analogies, evaluate_pairs, gensim_test_file
from ...core.jobs import Job
from ..workers import JobRunner
from .check import PairingWarning
from .common import ProgressRow, fill_table, make_table, note

TOKEN_AT_END = re.compile(r"[^\s+\-*]*$")


def solve(emb, expression, k, method, progress=None, should_stop=None):
    return analogy(emb, expression, k=k, method=method)


def run_benchmarks(emb, progress=None, should_stop=None):
    """The analogy set (with per-section accuracy) and the word-pair similarity sets."""
    job = Job(progress, should_stop)
    analogies = evaluate_analogies(emb, progress=job.sub(0.0, 0.9).progress,
                                   should_stop=should_stop)
    job.step(900, 1000, "word-pair similarity")
    pairs = {}
    try:
        for name in ("wordsim353.tsv", "simlex999.txt"):  # the sets ship inside gensim
            pairs[name] = evaluate_pairs(emb, gensim_test_file(name))
    except Exception as exc:  # noqa: BLE001 - the analogy result still stands
        pairs["error"] = str(exc)
    return analogies, pairs


class ExpressionField(QLineEdit):
    """A line edit whose completer completes the word being typed, not the whole line."""

    def __init__(self):
        super().__init__(placeholderText="king - man + woman")
        self.completer_model = QStringListModel(self)
        self.comp = QCompleter(self.completer_model, self)
        self.comp.setCaseSensitivity(Qt.CaseSensitivity.CaseInsensitive)
        self.comp.setModelSorting(QCompleter.ModelSorting.UnsortedModel)
        self.comp.setMaxVisibleItems(12)
        self.comp.setWidget(self)
        self.comp.activated.connect(self._insert)
        self.textEdited.connect(self._complete)

    def set_words(self, words):
        # most frequent 50,000 words: completion is for typing, not for browsing rare tokens
        self.completer_model.setStringList(list(words[:50000]))

    def _current_token(self):
        return TOKEN_AT_END.search(self.text()[: self.cursorPosition()]).group(0)

    def _complete(self, _text):
        tok = self._current_token()
        if len(tok) < 2:
            self.comp.popup().hide()
            return
        self.comp.setCompletionPrefix(tok)
        self.comp.complete()

    def _insert(self, word):
        pos = self.cursorPosition()
        before = self.text()[:pos]
        tok = TOKEN_AT_END.search(before).group(0)
        new_before = before[: len(before) - len(tok)] + word
        self.setText(new_before + self.text()[pos:])
        self.setCursorPosition(len(new_before))


class AnalogyDock(QWidget):
    def __init__(self, state, parent=None):
        super().__init__(parent)
        self.state = state
        self.results = []
        self.evaluation = None
        self.runner = JobRunner("analogy", self)
        self.runner.finished.connect(self._done)
        self.runner.failed.connect(lambda exc: self.status.setText(str(exc)))
        self.eval_runner = JobRunner("evaluate", self)
        self.eval_runner.finished.connect(self._evaluated)
        self.eval_runner.failed.connect(lambda exc: self.eval_status.setText(f"failed: {exc}"))
        self.eval_runner.cancelled.connect(lambda: self.eval_status.setText("cancelled"))

        self.field = ExpressionField()
        self.method = QComboBox()
        self.method.addItem("3CosAdd", "add")
        self.method.addItem("3CosMul", "mul")
        self.k = QSpinBox(minimum=1, maximum=100, value=10)
        self.k.setPrefix("k = ")
        top = QHBoxLayout()
        top.addWidget(self.field, 1)
        go = QPushButton("Solve")
        go.clicked.connect(self.solve)
        top.addWidget(go)
        opts = QHBoxLayout()
        opts.addWidget(self.method)
        opts.addWidget(self.k)
        opts.addStretch(1)
        self.flag = QLabel("")
        self.flag.setWordWrap(True)
        self.table = make_table(["word", "score", "row"])
        self.status = note("")
        self.eval_button = QPushButton("Evaluate on benchmark sets")
        self.eval_button.setToolTip("Google analogies (per section), WordSim-353, SimLex-999")
        self.eval_button.clicked.connect(self.evaluate)
        self.eval_progress = ProgressRow(self.eval_runner)
        self.eval_status = note("")
        self.sections = make_table(["section", "correct", "total", "accuracy"])
        self.sections.setMaximumHeight(200)
        self.pairing_warning = PairingWarning(state, "these answers")
        lay = QVBoxLayout(self)
        lay.addWidget(self.pairing_warning)
        lay.addLayout(top)
        lay.addLayout(opts)
        lay.addWidget(self.flag)
        lay.addWidget(self.status)
        lay.addWidget(self.table, 2)
        lay.addWidget(self.eval_button)
        lay.addWidget(self.eval_progress)
        lay.addWidget(self.eval_status)
        lay.addWidget(self.sections, 1)
        self.field.textChanged.connect(self._flag_unknown)
        self.field.returnPressed.connect(self.solve)
        self.method.currentIndexChanged.connect(lambda _i: self.results and self.solve())
        self.table.cellDoubleClicked.connect(self._go)
        state.embedding_changed.connect(self._on_embedding)

    def _on_embedding(self, emb):
        self.results = []
        self.evaluation = None
        self.table.setRowCount(0)
        self.sections.setRowCount(0)
        self.status.setText("")
        self.eval_status.setText("")
        if emb is not None:
            self.field.set_words(emb.words)
            self._flag_unknown(self.field.text())

    def unknown_words(self, text) -> list[str] | None:
        """Words of the expression not in the vocabulary; None when it does not parse."""
        emb = self.state.embedding
        if emb is None or not text.strip():
            return []
        try:
            terms = parse_expression(text)
        except ExpressionError:
            return None
        return [w for _, w in terms if w not in emb.word_to_row]

    def _flag_unknown(self, text):
        unknown = self.unknown_words(text)
        if unknown is None:
            self.flag.setText("<span style='color:#c92a2a'>write words joined by + and -, "
                              "e.g. king - man + woman</span>")
        elif unknown:
            emb = self.state.embedding
            bits = []
            for w in unknown:
                s = emb.suggest(w)
                bits.append(f"<b>{w}</b>" + (f" (did you mean {', '.join(s)}?)" if s else ""))
            self.flag.setText("<span style='color:#c92a2a'>not in the vocabulary: "
                              + "; ".join(bits) + "</span>")
        else:
            self.flag.setText("")
        self.field.setProperty("bad", bool(unknown) or unknown is None)
        self.field.setStyleSheet("QLineEdit { border: 1px solid #c92a2a; }"
                                 if (unknown or unknown is None) else "")

    def solve(self):
        emb = self.state.embedding
        text = self.field.text().strip()
        if emb is None or not text:
            return
        self.status.setText("solving…")
        self.runner.start(solve, emb, text, self.k.value(), self.method.currentData(),
                          label="analogy")

    def _done(self, results):
        self.results = list(results)
        fill_table(self.table, [(n.word, float(n.score), int(n.row)) for n in self.results],
                   data_column0=[int(n.row) for n in self.results])
        self.status.setText(f"{self.field.text().strip()}  ≈  "
                            + (self.results[0].word if self.results else "(nothing)"))
        self.state.set_highlight([n.row for n in self.results], "analogy")
        if self.results:
            self.state.centre_requested.emit(int(self.results[0].row))

    def _go(self, r, _c):
        row = self.table.item(r, 0).data(Qt.ItemDataRole.UserRole)
        self.state.pick(int(row), centre=True)

    def evaluate(self):
        emb = self.state.embedding
        if emb is None:
            return
        self.eval_status.setText("")
        self.eval_runner.start(run_benchmarks, emb, label="evaluating")

    def _evaluated(self, result):
        analogies, pairs = result
        self.evaluation = result
        rows = [(s.section, int(s.correct), int(s.total),
                 f"{100 * s.correct / s.total:.1f}%" if s.total else "–")
                for s in analogies.sections]
        rows.append(("all sections", int(analogies.correct), int(analogies.total),
                     f"{100 * analogies.accuracy:.1f}%"))
        fill_table(self.sections, rows)
        bits = [f"Analogies: {100 * analogies.accuracy:.1f}% of {analogies.total:,} "
                f"({analogies.skipped:,} skipped for unknown words)"]
        for name, res in pairs.items():
            if name == "error":
                bits.append(f"word pairs: {res}")
            else:
                bits.append(f"{name}: Spearman {res.spearman:.3f} "
                            f"({res.oov_ratio:.1f}% of pairs have an unknown word)")
        self.eval_status.setText("\n".join(bits))
