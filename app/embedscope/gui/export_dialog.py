"""The export dialog: every option of the export, a live preview, writing in the background.

The preview (rows out, coverage, the first rows, the manifest-to-be) is recomputed off the UI
thread a moment after each change. After writing, the folder is checked against the source
(the check `embedscope verify` runs) and the dialog says where the files went, what the check
found, and shows the PyTorch/Keras code written beside them. "Save recipe…" saves the words
and options as a recipe that `embedscope export --recipe` runs again with no window. With an
attribute table open in the window's Attributes panel, its columns can go into attributes.tsv.
"""
from __future__ import annotations

import dataclasses
import json
from pathlib import Path

from PySide6.QtCore import Qt, QTimer
from PySide6.QtGui import QFont, QGuiApplication
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDialog,
    QDoubleSpinBox,
    QFileDialog,
    QFormLayout,
    QFrame,
    QGroupBox,
    QHBoxLayout,
    QInputDialog,
    QLabel,
    QLineEdit,
    QListWidget,
    QMenu,
    QMessageBox,
    QPlainTextEdit,
    QPushButton,
    QScrollArea,
    QSpinBox,
    QSplitter,
    QTabWidget,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from ..core import export as ex
from ..core import vocabulary as voc
from ..core.errors import EmbedscopeError
from ..core.jobs import Job
from ..io.export_check import verify_export
from ..io.export_folder import preview, write_export
from ..io.recipe import RECIPE_SUFFIX, save_recipe
from ..io.registry import WRITERS
from ..io.words_file import words_source
from .coverage_view import CoverageView
from .docks.check import PairingWarning
from .docks.common import ProgressRow, fill_table, make_table, note
from .workers import JobRunner


def format_hint(writer) -> str:
    """What an output format writes and what it cannot hold, under the format list."""
    limits = []
    if not writer.holds_spaces:
        limits.append("words with white space cannot be written")
    if not writer.holds_float16:
        limits.append("float16 values are stored as float32")
    return "Writes " + " + ".join(writer.files) + "".join(f"; {x}" for x in limits) + "."


def write_and_verify(emb, plan, folder, force=False, progress=None, should_stop=None):
    """(manifest, ExportReport): write the export, then check the folder against `emb`."""
    job = Job(progress, should_stop)
    manifest = write_export(emb, plan, folder, force=force, progress=job.sub(0.0, 0.7).progress,
                            should_stop=job.should_stop)
    report = verify_export(manifest["output_dir"], source=emb,
                           progress=job.sub(0.7, 1.0).progress, should_stop=job.should_stop)
    return manifest, report


def report_text(report) -> str:
    """The check's verdict as `embedscope verify` words it: rows accounted for, then findings."""
    lines = [("OK: the export holds what its manifest says" if report.ok
              else "PROBLEMS FOUND") + (f", compared row by row with {Path(report.source).name}"
                                        if report.source else "")]
    lines += [f"  {n:,} rows {what}" for what, n in report.origins.items()]
    for f in report.findings:
        where = f.file + (f", {f.place}" if f.place else "")
        lines += ["", f"{f.severity.upper()} {f.code} ({where})", f"  {f.message}"]
        lines += [f"    e.g. {e}" for e in f.examples] if f.count > 1 else []
    return "\n".join(lines)


def describe_source(src) -> str:
    how = {"union": "+", "intersect": "∩", "exclude": "−"}[src.combine]
    if isinstance(src, voc.TopWords):
        what = f"the {src.n:,} most frequent words"
    elif isinstance(src, voc.WordsFile):
        what = f"words file {Path(src.path).name}" + (" (keep its indices)"
                                                      if src.keep_indices else "")
    elif isinstance(src, voc.Corpus):
        what = f"corpus {Path(src.path).name} (min. count {src.min_count})"
    elif isinstance(src, voc.Regex):
        what = f"words matching /{src.pattern}/"
    elif isinstance(src, voc.Words):
        what = f"{src.label} ({len(src.words):,} words)"
    elif isinstance(src, voc.Neighbours):
        what = f"{len(src.words):,} words and {src.k} neighbours each"
    else:
        what = str(src)
    return f"{how}  {what}"


class ExportDialog(QDialog):
    def __init__(self, state, parent=None, attribute_tables=None):
        """`attribute_tables`: a function giving the paths of the attribute tables open in the
        window, oldest first (the window's Attributes panel); without it none is offered."""
        super().__init__(parent)
        self.state = state
        self._attribute_tables = attribute_tables or (lambda: [])
        self.setWindowTitle("Export for transfer learning")
        screen = (parent or self).screen().availableGeometry()
        self.resize(min(1150, screen.width() - 40), min(720, screen.height() - 60))
        self.sources: list = []
        self.last_preview = None
        self.manifest = None
        self.preview_runner = JobRunner("export preview", self)
        self.preview_runner.finished.connect(self._previewed)
        self.preview_runner.failed.connect(lambda exc: self._preview_failed(exc))
        self.write_runner = JobRunner("export", self)
        self.recipe_runner = JobRunner("recipe", self)
        self.recipe_runner.finished.connect(
            lambda path: self.result_label.setText(f"<b>Recipe saved</b> to {path}: "
                                                   f"<tt>embedscope export --recipe {path} "
                                                   "-o FOLDER</tt> makes this export again"))
        self.recipe_runner.failed.connect(lambda exc: self.result_label.setText(
            f"<span style='color:#c92a2a'>The recipe was not saved: {exc}</span>"))
        self.write_runner.finished.connect(self._written)
        self.write_runner.failed.connect(self._write_failed)
        self.write_runner.cancelled.connect(lambda: self.result_label.setText(
            "Export cancelled: nothing was written."))

        # --- words ----------------------------------------------------------------------
        words_box = QGroupBox("Words")
        wl = QVBoxLayout(words_box)
        self.source_list = QListWidget()
        self.source_list.setMaximumHeight(110)
        wl.addWidget(self.source_list)
        row = QHBoxLayout()
        self.combine = QComboBox()
        self.combine.addItem("add", "union")
        self.combine.addItem("keep in common", "intersect")
        self.combine.addItem("take away", "exclude")
        add = QToolButton(text="Add words ▾")
        add.setPopupMode(QToolButton.ToolButtonPopupMode.InstantPopup)
        menu = QMenu(add)
        menu.addAction("the selection", self._add_selection)
        menu.addAction("the most frequent words…", self._add_top)
        menu.addAction("a words file / tokenizer vocabulary…", self._add_words_file)
        menu.addAction("the words of a corpus…", self._add_corpus)
        menu.addAction("words matching a pattern…", self._add_regex)
        menu.addAction("the selection and its neighbours…", self._add_neighbours)
        add.setMenu(menu)
        remove = QPushButton("Remove")
        remove.clicked.connect(self._remove_source)
        row.addWidget(add)
        row.addWidget(QLabel("as"))
        row.addWidget(self.combine)
        row.addStretch(1)
        row.addWidget(remove)
        wl.addLayout(row)
        wf = QFormLayout()
        self.order = QComboBox()
        self.order.addItem("as asked", "asked")
        self.order.addItem("embedding order", "embedding")
        self.case_fallback = QCheckBox("look a missing word up in lower case / any case")
        self.case_fallback.setChecked(True)
        self.keep_indices = QCheckBox("a words file's indices decide the rows")
        self.oov = QComboBox()
        for key, text in (("random", "random vector"), ("zeros", "zeros"), ("drop", "leave out"),
                          ("subwords", "fastText subwords")):
            self.oov.addItem(text, key)
        self._offer_subwords(state.embedding)
        self.alias = QCheckBox("give each left-out word the row of its nearest kept word")
        self.alias.setToolTip("word_index.json then maps every word of the source to a row: "
                              "the words the export leaves out to the kept row nearest by "
                              "cosine, as spaCy's prune_vectors does")
        self.alias_min = QDoubleSpinBox(minimum=-1.0, maximum=1.0, singleStep=0.05, decimals=2,
                                        value=-1.0)
        self.alias_min.setSpecialValueText("any similarity")   # shown at the minimum, -1
        self.alias_min.setPrefix("cosine ≥ ")
        self.alias_min.setEnabled(False)
        self.alias.toggled.connect(self.alias_min.setEnabled)
        alias_row = QHBoxLayout()
        alias_row.addWidget(self.alias, 1)
        alias_row.addWidget(self.alias_min)
        wf.addRow("Order", self.order)
        wf.addRow("", self.case_fallback)
        wf.addRow("", self.keep_indices)
        wf.addRow("Words without a vector", self.oov)
        wf.addRow("Left-out words", alias_row)
        wl.addLayout(wf)

        # --- special rows -------------------------------------------------------------------
        special_box = QGroupBox("Special rows")
        sf = QFormLayout(special_box)
        self.use_pad = QCheckBox("padding row 0, all zeros:")
        self.use_pad.setChecked(True)
        self.pad = QLineEdit("<pad>")
        self.use_unk = QCheckBox("unknown-word row:")
        self.use_unk.setChecked(True)
        self.unk = QLineEdit("<unk>")
        self.unk_init = QComboBox()
        self.unk_init.addItems(list(ex.INITS))
        self.unk_init.setCurrentText(ex.ExportPlan.unk_init)  # the same defaults as the CLI
        self.specials = QLineEdit(placeholderText="<s> </s> [CLS]")
        self.special_init = QComboBox()
        self.special_init.addItems(list(ex.INITS))
        self.special_init.setCurrentText(ex.ExportPlan.special_init)
        pad_row, unk_row = QHBoxLayout(), QHBoxLayout()
        pad_row.addWidget(self.use_pad)
        pad_row.addWidget(self.pad)
        unk_row.addWidget(self.use_unk)
        unk_row.addWidget(self.unk)
        unk_row.addWidget(self.unk_init)
        sp_row = QHBoxLayout()
        sp_row.addWidget(self.specials)
        sp_row.addWidget(self.special_init)
        sf.addRow(pad_row)
        sf.addRow(unk_row)
        sf.addRow("More tokens", sp_row)

        # --- output -------------------------------------------------------------------------
        out_box = QGroupBox("Output")
        of = QFormLayout(out_box)
        self.format = QComboBox()
        for name, writer in WRITERS.items():
            self.format.addItem(writer.label, name)
            self.format.setItemData(self.format.count() - 1, format_hint(writer),
                                    Qt.ItemDataRole.ToolTipRole)
        self.format.setCurrentIndex(self.format.findData(ex.ExportPlan.format))
        self.format_hint = note("")
        self.format.currentIndexChanged.connect(self._show_format_hint)
        self._show_format_hint()
        self.dtype = QComboBox()
        self.dtype.addItems(list(ex.DTYPES))
        self.normalize = QCheckBox("scale every row to unit length")
        self.seed = QSpinBox(minimum=0, maximum=2**31 - 1, value=0)
        self.folder = QLineEdit(str(Path.home() / "embedscope-export"))
        browse = QPushButton("…")
        browse.setMaximumWidth(32)
        browse.clicked.connect(self._browse)
        frow = QHBoxLayout()
        frow.addWidget(self.folder, 1)
        frow.addWidget(browse)
        self.force = QCheckBox("replace the folder if it is not empty")
        self.attribute_table: str | None = None   # the table the checkbox below writes
        self.use_attributes = QCheckBox()
        self.use_attributes.setToolTip(
            "attributes.tsv: the word of each row, then the table's columns (empty where the "
            "row has none). A row from the embedding has the values the map shows for its word; "
            "padding, unknown-word and made-up rows those of the table line naming exactly "
            "their token")
        self._offer_attribute_table(None)
        fmt_row = QHBoxLayout()
        fmt_row.addWidget(self.format, 1)
        fmt_row.addWidget(self.dtype)
        of.addRow("Format", fmt_row)
        of.addRow("", self.format_hint)
        of.addRow("", self.normalize)
        of.addRow("Seed", self.seed)
        of.addRow("Folder", frow)
        of.addRow("", self.force)
        of.addRow("", self.use_attributes)

        left = QWidget()
        ll = QVBoxLayout(left)
        ll.setContentsMargins(0, 0, 0, 0)
        ll.addWidget(words_box)
        ll.addWidget(special_box)
        ll.addWidget(out_box)
        ll.addStretch(1)

        # --- preview / result ---------------------------------------------------------------
        self.summary = note("")
        self.summary.setTextFormat(Qt.TextFormat.RichText)
        self.warnings = note("")
        self.warnings.setStyleSheet("color: #e67700")
        self.tabs = QTabWidget()
        self.head_table = make_table(["row", "word", "from", "values"], stretch_first=False)
        self.coverage_table = make_table(["source", "asked", "found", "by case", "missing",
                                          "tokens covered"])
        mono = QFont("monospace")
        mono.setStyleHint(QFont.StyleHint.Monospace)
        self.manifest_text = QPlainTextEdit(readOnly=True)
        self.manifest_text.setFont(mono)
        self.code_text = QPlainTextEdit(readOnly=True)
        self.code_text.setFont(mono)
        # code wrapped at the edge reads as broken lines: scroll sideways instead
        for text in (self.manifest_text, self.code_text):
            text.setLineWrapMode(QPlainTextEdit.LineWrapMode.NoWrap)
        self.tabs.addTab(self.head_table, "First rows")
        self.tabs.addTab(self.coverage_table, "Coverage")
        self.tabs.addTab(self.manifest_text, "Manifest")
        code_page = QWidget()
        cl = QVBoxLayout(code_page)
        cl.setContentsMargins(0, 0, 0, 0)
        cl.addWidget(self.code_text, 1)
        self.copy_button = QPushButton("Copy the code")
        self.copy_button.clicked.connect(self.copy_code)
        cl.addWidget(self.copy_button, 0, Qt.AlignmentFlag.AlignRight)
        self.tabs.addTab(code_page, "PyTorch / Keras code")
        self.check_text = QPlainTextEdit(readOnly=True)
        self.check_text.setFont(mono)
        self.check_text.setPlaceholderText("After writing, the folder is checked against the "
                                           "source here.")
        self.tabs.addTab(self.check_text, "Check")
        self.corpus_coverage = CoverageView(state, case_fallback=self.case_fallback.isChecked)
        self.corpus_coverage.applied.connect(self._apply_coverage)
        self.tabs.addTab(self.corpus_coverage, "Corpus coverage")
        right = QWidget()
        rl = QVBoxLayout(right)
        rl.setContentsMargins(0, 0, 0, 0)
        rl.addWidget(self.summary)
        rl.addWidget(self.warnings)
        rl.addWidget(self.tabs, 1)
        # The options scroll rather than hold the dialog taller than a 720-pixel screen.
        options = QScrollArea()
        options.setWidget(left)
        options.setWidgetResizable(True)
        options.setFrameShape(QFrame.Shape.NoFrame)
        options.setMinimumWidth(left.minimumSizeHint().width()
                                + options.verticalScrollBar().sizeHint().width())
        split = QSplitter()
        split.addWidget(options)
        split.addWidget(right)
        split.setStretchFactor(1, 1)
        split.setSizes([470, 680])

        self.result_label = note("")
        self.result_label.setTextFormat(Qt.TextFormat.RichText)
        self.export_button = QPushButton("Export")
        self.export_button.setDefault(True)
        self.export_button.clicked.connect(self.export)
        self.recipe_button = QPushButton("Save recipe…")
        self.recipe_button.setToolTip("Save the words and options in a file that "
                                      "'embedscope export --recipe' runs again")
        self.recipe_button.clicked.connect(self.save_recipe_dialog)
        close = QPushButton("Close")
        close.clicked.connect(self.close)
        bottom = QHBoxLayout()
        bottom.addWidget(self.result_label, 1)
        bottom.addWidget(self.recipe_button)
        bottom.addWidget(self.export_button)
        bottom.addWidget(close)
        self.pairing_warning = PairingWarning(state, "the exported rows")
        self.pairing_warning._update()
        lay = QVBoxLayout(self)
        lay.addWidget(self.pairing_warning)
        lay.addWidget(split, 1)
        lay.addWidget(ProgressRow(self.write_runner))
        lay.addLayout(bottom)

        self._timer = QTimer(self, singleShot=True, interval=250)
        self._timer.timeout.connect(self.refresh_preview)
        for w in (self.order, self.oov, self.unk_init, self.special_init, self.format,
                  self.dtype):
            w.currentIndexChanged.connect(self._changed)
        for w in (self.case_fallback, self.keep_indices, self.use_pad, self.use_unk,
                  self.normalize, self.alias, self.use_attributes):
            w.toggled.connect(self._changed)
        for w in (self.pad, self.unk, self.specials):
            w.textChanged.connect(self._changed)
        self.seed.valueChanged.connect(self._changed)
        self.alias_min.valueChanged.connect(self._changed)
        self.write_runner.busy_changed.connect(lambda b: self.export_button.setEnabled(not b))
        # The panel notes a table's path after adding its columns: look once that is done.
        state.attributes_changed.connect(self._attributes_changed)
        self._window_tables_changed()

        if len(state.selection):
            self._add_selection()
        else:
            self.add_source(voc.TopWords(min(50000, state.embedding.rows)))

    # --- the attribute table ------------------------------------------------------------------
    def _window_tables(self) -> list[str]:
        return list(self._attribute_tables())

    def _attributes_changed(self):
        QTimer.singleShot(0, self._window_tables_changed)

    def _window_tables_changed(self):
        """Offer the table opened last in the window (a plan's own table stays offered until
        the window opens another)."""
        tables = self._window_tables()
        if tables and tables[-1] != self.attribute_table:
            self._offer_attribute_table(tables[-1])

    def _offer_attribute_table(self, path: str | None) -> None:
        self.attribute_table = path
        self.use_attributes.setEnabled(path is not None)
        if path is None:
            self.use_attributes.setChecked(False)
            self.use_attributes.setText("Write a table's attributes beside the words "
                                        "(open one in the Attributes panel first)")
        else:
            self.use_attributes.setText(f"Write the attributes of {Path(path).name} beside the "
                                        f"words ({ex.ATTRIBUTES_FILE})")

    def _offer_subwords(self, emb):
        """The subwords choice only for a source with fastText's character n-grams."""
        item = self.oov.model().item(self.oov.findData("subwords"))
        native = emb.source.subwords is not None or emb.source.format == "fasttext-bin"
        item.setEnabled(native)
        item.setToolTip("the vector fastText builds from the word's character n-grams"
                        if native else "only for a native fastText model (.bin) as the source")

    # --- sources ---------------------------------------------------------------------------
    def add_source(self, src):
        self.sources.append(src)
        self.source_list.addItem(describe_source(src))
        self._changed()

    def _combine(self):
        return self.combine.currentData()

    def _add_selection(self):
        words = self.state.selection.words(self.state.embedding)
        if words:
            self.add_source(voc.Words(words, label="selection on the plot",
                                      combine=self._combine() if self.sources else "union"))

    def _add_top(self):
        n, ok = QInputDialog.getInt(self, "Most frequent words", "How many?",
                                    min(50000, self.state.embedding.rows), 1,
                                    self.state.embedding.rows, 1000)
        if ok:
            self.add_source(voc.TopWords(n, combine=self._combine()))

    def _add_words_file(self):
        path, _ = QFileDialog.getOpenFileName(self, "Words file or tokenizer vocabulary", "",
                                              "Words (*.txt *.json *.tsv *.vocab);;All (*)")
        if path:
            try:
                src = words_source(path, keep_indices=self.keep_indices.isChecked(),
                                   combine=self._combine())
            except EmbedscopeError as exc:
                self._preview_failed(exc)
                return
            self.add_source(src)

    def _add_corpus(self):
        path, _ = QFileDialog.getOpenFileName(self, "Corpus", "", "Text (*.txt);;All (*)")
        if path:
            n, ok = QInputDialog.getInt(self, "Corpus", "Keep words seen at least", 1, 1,
                                        10**9)
            if ok:
                self.add_source(voc.Corpus(path, min_count=n, combine=self._combine()))

    def _add_regex(self):
        text, ok = QInputDialog.getText(self, "Pattern", "Words matching (whole word, regex):")
        if ok and text:
            self.add_source(voc.Regex(text, combine=self._combine()))

    def _add_neighbours(self):
        words = self.state.selection.words(self.state.embedding)
        if not words:
            return
        k, ok = QInputDialog.getInt(self, "Neighbours", "Neighbours per word", 10, 1, 1000)
        if ok:
            self.add_source(voc.Neighbours(words, k=k, combine=self._combine()))

    def _apply_coverage(self, sources):
        """The Corpus coverage tab sized the vocabulary for a corpus: its sources replace the
        list (a corpus added to the 50,000 most frequent words would size nothing)."""
        self.sources.clear()
        self.source_list.clear()
        for src in sources:
            self.add_source(src)

    def _remove_source(self):
        i = self.source_list.currentRow()
        if 0 <= i < len(self.sources):
            del self.sources[i]
            self.source_list.takeItem(i)
            self._changed()

    def _browse(self):
        path = QFileDialog.getExistingDirectory(self, "Export into", self.folder.text())
        if path:
            self.folder.setText(path)

    # --- the plan --------------------------------------------------------------------------
    def plan(self) -> ex.ExportPlan:
        sources = []
        for s in self.sources:
            if isinstance(s, voc.WordsFile):
                s = dataclasses.replace(s, keep_indices=self.keep_indices.isChecked())
            sources.append(s)
        return ex.ExportPlan(
            sources=sources, order=self.order.currentData(),
            case_fallback=self.case_fallback.isChecked(),
            pad=self.pad.text().strip() or None if self.use_pad.isChecked() else None,
            unk=self.unk.text().strip() or None if self.use_unk.isChecked() else None,
            unk_init=self.unk_init.currentText(), specials=self.specials.text().split(),
            special_init=self.special_init.currentText(), oov=self.oov.currentData(),
            format=self.format.currentData(), dtype=self.dtype.currentText(),
            normalize=self.normalize.isChecked(), seed=self.seed.value(),
            alias=self.alias.isChecked(),
            alias_min_similarity=(self.alias_min.value() if self.alias.isChecked()
                                  and self.alias_min.value() > self.alias_min.minimum()
                                  else None),
            attributes=self.attribute_table if self.use_attributes.isChecked() else None)

    def set_plan(self, plan: ex.ExportPlan, folder: str | None = None) -> None:
        """Show a plan's words and options (a saved session's export)."""
        self.sources = []
        self.source_list.clear()
        for src in plan.sources:
            self.add_source(src)
        self.keep_indices.setChecked(any(isinstance(s, voc.WordsFile) and s.keep_indices
                                         for s in plan.sources))
        self.order.setCurrentIndex(self.order.findData(plan.order))
        self.case_fallback.setChecked(plan.case_fallback)
        self.oov.setCurrentIndex(self.oov.findData(plan.oov))
        self.use_pad.setChecked(plan.pad is not None)
        self.pad.setText(plan.pad or "<pad>")
        self.use_unk.setChecked(plan.unk is not None)
        self.unk.setText(plan.unk or "<unk>")
        self.unk_init.setCurrentText(plan.unk_init)
        self.specials.setText(" ".join(plan.specials))
        self.special_init.setCurrentText(plan.special_init)
        self.format.setCurrentIndex(max(0, self.format.findData(plan.format)))
        self.dtype.setCurrentText(plan.dtype)
        self.normalize.setChecked(plan.normalize)
        self.seed.setValue(plan.seed)
        self.alias.setChecked(plan.alias)
        self.alias_min.setValue(self.alias_min.minimum() if plan.alias_min_similarity is None
                                else plan.alias_min_similarity)
        if plan.attributes is not None:
            self._offer_attribute_table(plan.attributes)
        self.use_attributes.setChecked(plan.attributes is not None)
        if folder:
            self.folder.setText(folder)

    def _changed(self, *_):
        self._timer.start()

    def _show_format_hint(self, *_):
        self.format_hint.setText(format_hint(WRITERS[self.format.currentData()]))

    # --- preview ---------------------------------------------------------------------------
    def refresh_preview(self):
        try:
            plan = self.plan()
            plan.validate()
        except EmbedscopeError as exc:
            self._preview_failed(exc)
            return
        self.summary.setText("Working out the preview…")
        self.preview_runner.start(preview, self.state.embedding, plan, label="preview")

    def _preview_failed(self, exc):
        self.last_preview = None
        self.summary.setText(f"<span style='color:#c92a2a'>{exc}</span>")

    def _previewed(self, pv):
        self.last_preview = pv
        plan = self.plan()
        size = pv.rows * pv.dim * (2 if plan.dtype == "float16" else 4)
        self.summary.setText(
            f"<b>{pv.rows:,} rows × {pv.dim}</b> ({size / 2**20:.1f} MB as {plan.dtype}) → "
            + ", ".join([f["name"] for f in pv.manifest["files"]] + ["manifest.json"]))
        self.warnings.setText("\n".join(pv.warnings[:6]))
        fill_table(self.head_table, [(h["row"], h["word"],
                                      h["from"] if h["from"] is not None else "–",
                                      h["origin"] if h["init"] == "source" else
                                      f"{h['origin']} ({h['init']})") for h in pv.head])
        cov = []
        for c in pv.coverage:
            share = c.token_share
            cov.append((c.source, c.asked, c.found, c.found_by_case_fallback, c.missing,
                        f"{100 * share:.1f}%" if share is not None else "–"))
        fill_table(self.coverage_table, cov)
        self.manifest_text.setPlainText(json.dumps(pv.manifest, ensure_ascii=False, indent=2))

    # --- writing ---------------------------------------------------------------------------
    def _checked_plan(self):
        """The dialog's plan once its options are valid; otherwise None, the reason shown."""
        try:
            plan = self.plan()
            plan.validate()
        except EmbedscopeError as exc:
            self.result_label.setText(f"<span style='color:#c92a2a'>{exc}</span>")
            return None
        return plan

    def export(self):
        plan = self._checked_plan()
        if plan is None:
            return
        folder = self.folder.text().strip()
        if not folder:
            self.result_label.setText("Choose a folder to export into.")
            return
        problem = self.state.pairing_problem
        if problem is not None and not self.confirm_despite_mismatch(problem):
            self.result_label.setText("Nothing was written: the words may not match the rows "
                                      "(see the check).")
            return
        self.result_label.setText("")
        self.check_text.clear()
        self.write_runner.start(write_and_verify, self.state.embedding, plan, folder,
                                force=self.force.isChecked(), label="exporting")

    def confirm_despite_mismatch(self, problem) -> bool:
        """Ask before writing rows whose words the check doubts (tests replace this)."""
        answer = QMessageBox.question(
            self, "Export rows that may belong to other words?",
            f"The check says: {problem.headline}.\n\nThe exported words may not match their "
            "vectors. Fix the pairing in the Check panel first, or export anyway?",
            QMessageBox.StandardButton.Yes | QMessageBox.StandardButton.No,
            QMessageBox.StandardButton.No)
        return answer == QMessageBox.StandardButton.Yes

    def _written(self, result):
        manifest, report = result
        self.manifest = manifest
        out = Path(manifest.get("output_dir", self.folder.text()))
        files = [f["name"] for f in manifest.get("files", [])]
        if "manifest.json" not in files:
            files.append("manifest.json")  # the manifest lists the others, not itself
        verdict = ("<span style='color:#2b8a3e'>checked: every row is its source row or made "
                   "as the manifest says</span>" if report.ok else
                   "<span style='color:#c92a2a'>the check found problems (see Check)</span>")
        self.result_label.setText(f"<b>Written to</b> {out} ({len(files)} files: "
                                  + ", ".join(files) + "); " + verdict)
        self.check_text.setPlainText(report_text(report))
        usage = out / "USAGE.md"
        if usage.is_file():
            self.code_text.setPlainText(usage.read_text(encoding="utf-8"))
        self.tabs.setCurrentWidget(self.check_text if not report.ok
                                   else self.code_text.parentWidget())
        self.state.message.emit(f"exported {manifest.get('counts', {}).get('rows', '')} rows "
                                f"to {out}")

    def _write_failed(self, exc):
        self.result_label.setText(f"<span style='color:#c92a2a'>Nothing was written: {exc}"
                                  "</span>")

    # --- recipes ---------------------------------------------------------------------------
    def save_recipe_dialog(self):
        folder = Path(self.folder.text().strip() or Path.home() / "embedscope-export")
        path, _ = QFileDialog.getSaveFileName(
            self, "Save the export as a recipe", str(folder.parent / (folder.name
                                                                      + RECIPE_SUFFIX)),
            f"Embedscope recipe (*{RECIPE_SUFFIX} *.json);;All (*)")
        if path:
            self.save_recipe(path)

    def save_recipe(self, path):
        """Save the plan as a recipe in the background (hashing a big source takes a while;
        the hash of an export just written is reused)."""
        plan = self._checked_plan()
        if plan is None:
            return
        emb = self.state.embedding
        src = (self.manifest or {}).get("source", {})
        sha = src.get("sha256") if src.get("path") == emb.source.path and \
            emb.source.model is None else None
        self.recipe_runner.start(_save_recipe, path, emb, plan, sha, label="saving the recipe")

    def copy_code(self):
        QGuiApplication.clipboard().setText(self.code_text.toPlainText())
        self.state.message.emit("code copied")


def _save_recipe(path, emb, plan, sha, progress=None, should_stop=None) -> str:
    save_recipe(path, emb, plan, source_sha256=sha, progress=progress, should_stop=should_stop)
    return str(path)
