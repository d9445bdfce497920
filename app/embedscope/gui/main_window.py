"""The main window: the map in the middle, panels around it, loading in the background.

Opening a file asks only what it must (a words file for a bare matrix with none beside it, a
tensor for an ambiguous checkpoint, a confirmation before a pickle), loads off the UI thread
with progress and Cancel, and leaves the previous embedding open when the file is bad. A words
file whose length differs from the matrix's rows opens too: a banner over the map says the
words may not match the rows, and the Check panel says which end is off and offers the fixes.
The status bar names the words file and tensor in use; File lets the user choose others.
"""
from __future__ import annotations

import os
from pathlib import Path

import numpy as np
from PySide6.QtCore import QByteArray, Qt, QTimer
from PySide6.QtGui import QAction, QIcon, QKeySequence
from PySide6.QtWidgets import (
    QDockWidget,
    QFileDialog,
    QFrame,
    QHBoxLayout,
    QLabel,
    QMainWindow,
    QMessageBox,
    QProgressBar,
    QPushButton,
    QTabBar,
    QVBoxLayout,
    QWidget,
)

from .._version import __version__
from ..core.errors import EmbedscopeError
from ..core.pairing import tensor_note, words_file_note
from ..io.registry import load
from ..io.session import SESSION_SUFFIX, changes, read_session, save_session
from ..resources import icon_path, sample_path
from . import colour_modes
from . import session as session_ui
from . import settings as app_settings
from .docks.analogy import AnalogyDock
from .docks.attributes import AttributesDock
from .docks.check import CheckDock
from .docks.compare import CompareDock
from .docks.neighbours import NeighboursDock
from .docks.projection import ProjectionPanel
from .docks.search import SearchDock
from .docks.selection import SelectionDock
from .docks.vectors import VectorsDock
from .map_view import MapView
from .opening import FileOpener, Questions, folder_of
from .state import AppState
from .workers import JobRunner, wait_for_jobs


def load_embedding(path, vocab=None, tensor=None, trust_pickle=False, format=None,
                   progress=None, should_stop=None):
    """Load on a worker thread; the norms are computed there too (the status bar and the
    colouring use them) so the UI thread never pays for them, and the word → row index (the
    check, search and every lookup use it): built here, while the window only shows progress,
    its Python work does not compete with the first map being drawn. A words file longer or
    shorter than the matrix still opens (paired up to the shorter): the check says which end
    is off and offers the fixes."""
    emb = load(path, vocab=vocab, tensor=tensor, trust_pickle=trust_pickle, format=format,
               allow_mismatch=True, progress=progress, should_stop=should_stop)
    emb.norms  # noqa: B018 - warm the cached property off the UI thread
    emb.word_to_row  # noqa: B018 - the same
    return emb


def model_folder_summary(emb) -> str:
    """What the model-folder reader used and why: the files, the tensor, the tokens."""
    m = emb.source.model
    lines = [f"folder: {m.folder}", f"tensor: {emb.source.tensor} ({m.chosen_because})",
             "weights: " + ", ".join(Path(w).name for w in m.weights),
             f"tokens: {Path(m.vocab_file).name}, {m.vocab_size:,}"
             + (f" ({m.vocab_because})" if m.vocab_because else "")]
    if m.config_file:
        lines.append(f"config: {Path(m.config_file).name}"
                     + (f", vocab_size {m.config_vocab_size:,}"
                        if m.config_vocab_size is not None else ""))
    if m.tied_to:
        lines.append(f"output layer: tied to {m.tied_to}")
    return "\n".join(lines)


def _rss_bytes() -> int | None:
    try:
        with open("/proc/self/statm") as f:
            return int(f.read().split()[1]) * os.sysconf("SC_PAGE_SIZE")
    except (OSError, ValueError, AttributeError):
        return None


def _size(n: float) -> str:
    for unit in ("B", "KB", "MB", "GB"):
        if n < 1024 or unit == "GB":
            return f"{n:.0f} {unit}" if unit == "B" else f"{n:.1f} {unit}"
        n /= 1024
    return f"{n}"


class MainWindow(QMainWindow):
    def __init__(self, state: AppState | None = None, restore: bool = True):
        super().__init__()
        # jobs run side by side here: every process-wide knob is set before the first one starts
        from .process import tune_process

        tune_process()
        self.state = state or AppState(self)
        self._set_up_window()
        self.map_view = MapView(self.state)
        self._add_centre()
        self._add_opener()
        self._add_docks()
        self._add_status_bar()
        self._add_menus()
        self.state.embedding_changed.connect(self._on_embedding)
        # the attribute filter follows the points on the map: a new map is filtered again
        self.state.filter_changed.connect(self._apply_filter)
        self.state.projection_changed.connect(lambda _p: self._apply_filter())
        self.state.message.connect(lambda m: self.statusBar().showMessage(m, 6000))
        self.state.check_changed.connect(self._show_banner)
        self.state.check_requested.connect(self.show_check)
        self.state.pairing_change_requested.connect(self.choose_pairing)
        # while the docks were added they stood stacked, and the window took their summed
        # height as its minimum; once tabbed, the layout gives the real minimum back
        self.layout().activate()
        self.resize(1400, 900)
        self._layout_restored = False
        self._export_dialog = None
        self._session_restorer = None
        # A session's export plan when its dialog was closed: the next Export… starts from it.
        self.export_plan_to_restore = None
        if restore:
            self.restore_settings()

    # --- layout ------------------------------------------------------------------------------
    def _set_up_window(self):
        self.setWindowTitle("Embedscope")
        icon = icon_path()
        if icon.is_file():
            self.setWindowIcon(QIcon(str(icon)))
        self.setAcceptDrops(True)
        self.setDockOptions(QMainWindow.DockOption.AnimatedDocks
                            | QMainWindow.DockOption.AllowTabbedDocks)

    def _add_centre(self):
        """The map, under a banner shown while the check says the words may not match the
        rows."""
        self.banner = QFrame()
        self.banner.setObjectName("pairing_banner")
        self.banner.setStyleSheet("#pairing_banner { background:#fff4e6; border-bottom:1px solid "
                                  "#ffc078; } QLabel { color:#862e0e; }")
        self.banner_text = QLabel("")
        self.banner_text.setWordWrap(True)
        self.banner_text.setTextFormat(Qt.TextFormat.RichText)
        self.banner_button = QPushButton("Show the check and its fixes")
        self.banner_button.clicked.connect(self.show_check)
        row = QHBoxLayout(self.banner)
        row.setContentsMargins(10, 6, 10, 6)
        row.addWidget(self.banner_text, 1)
        row.addWidget(self.banner_button)
        self.banner.hide()
        centre = QWidget()
        lay = QVBoxLayout(centre)
        lay.setContentsMargins(0, 0, 0, 0)
        lay.setSpacing(0)
        lay.addWidget(self.banner)
        lay.addWidget(self.map_view, 1)
        self.setCentralWidget(centre)

    def _show_banner(self, _report=None):
        problem = self.state.pairing_problem
        self.banner.setVisible(problem is not None)
        if problem is not None:
            self.banner_text.setText(f"<b>⚠ The words may not match the rows.</b> "
                                     f"{problem.headline}.")

    def _add_opener(self):
        """Files open in the background with the questions they raise; the compare dock opens
        its second file with the same questions."""
        self.questions = Questions(self)
        self.loader = JobRunner("load", self)
        self.opener = FileOpener(self.loader, self.questions, load_embedding)
        self.opener.loading.connect(
            lambda path: self.statusBar().showMessage(f"loading {Path(path).name}…"))
        self.opener.opened.connect(self._loaded)
        self.opener.failed.connect(
            lambda name, _text: self.statusBar().showMessage(f"could not open {name}", 8000))
        self.loader.cancelled.connect(
            lambda: self.statusBar().showMessage("loading cancelled", 5000))

    def _add_docks(self):
        """On the left, search above the check | selection | attributes tabs and the map's
        settings; on the right, the result panels (neighbours | analogy | compare | vectors),
        which get the whole height: result tables are what grows, the left panels are mostly
        short text and controls."""
        left, right = Qt.DockWidgetArea.LeftDockWidgetArea, Qt.DockWidgetArea.RightDockWidgetArea
        self.search = SearchDock(self.state)
        self.projection_panel = ProjectionPanel(self.state)
        self.projection_panel.save_image_requested.connect(self.save_plot)
        self.projection_panel.export_coordinates_requested.connect(self.export_coordinates)
        self.panels = {"search": self.search, "projection": self.projection_panel,
                       "neighbours": NeighboursDock(self.state),
                       "check": CheckDock(self.state),
                       "analogy": AnalogyDock(self.state),
                       "selection": SelectionDock(self.state),
                       "compare": CompareDock(self.state, self.questions),
                       "attributes": AttributesDock(self.state),
                       "vectors": VectorsDock(self.state)}
        self.docks: dict[str, QDockWidget] = {}
        titles = {"search": "Search", "check": "Check", "selection": "Selection",
                  "attributes": "Attributes", "projection": "Map", "neighbours": "Neighbours",
                  "analogy": "Analogy", "compare": "Compare", "vectors": "Vectors"}
        for key, title in titles.items():
            dock = QDockWidget(title, self)
            dock.setObjectName(f"dock_{key}")
            dock.setWidget(self.panels[key])
            dock.dockLocationChanged.connect(self._tidy_tab_bars_later)
            dock.topLevelChanged.connect(self._tidy_tab_bars_later)
            self.docks[key] = dock
        self.addDockWidget(left, self.docks["search"])
        self.splitDockWidget(self.docks["search"], self.docks["check"], Qt.Orientation.Vertical)
        self.splitDockWidget(self.docks["check"], self.docks["projection"],
                             Qt.Orientation.Vertical)
        self.addDockWidget(right, self.docks["neighbours"])
        for first, *rest in (("check", "selection", "attributes"),
                             ("neighbours", "analogy", "compare", "vectors")):
            for key in rest:
                self.tabifyDockWidget(self.docks[first], self.docks[key])
        self.docks["neighbours"].raise_()
        self.docks["check"].raise_()

    def _tidy_tab_bars_later(self, *_):
        QTimer.singleShot(0, self._tidy_tab_bars)

    def _tidy_tab_bars(self):
        """Hide tab bars no panel group uses. Qt (6.11) leaves behind the tab bar of a group's
        first two docks when the group is built or restored, drawn where the group once stood
        and never moved again. The live bar sits under the dock it shows, edge to edge; a bar
        that does not is hidden only when a live one shows the same panels, so no group ever
        loses its tabs."""
        by_title = {d.windowTitle(): d for d in self.docks.values()}

        def tabs(bar):
            return {bar.tabText(i) for i in range(bar.count())}

        def live(bar):
            dock = by_title.get(bar.tabText(bar.currentIndex()))
            return dock is not None and dock.isVisible() and not dock.isFloating() \
                and dock.x() == bar.x() and dock.width() == bar.width()

        bars = [b for b in self.findChildren(QTabBar,
                                             options=Qt.FindChildOption.FindDirectChildrenOnly)
                if b.isVisible() and b.count()]
        for bar in bars:
            if not live(bar) and any(other is not bar and live(other) and tabs(bar) & tabs(other)
                                     for other in bars):
                bar.hide()

    def showEvent(self, ev):
        super().showEvent(ev)
        if not self._layout_restored:
            self._layout_restored = True
            QTimer.singleShot(0, self._initial_layout)  # docks can be sized once laid out
        self._tidy_tab_bars_later()

    def _initial_layout(self):
        """Dock sizes for a first start (a saved layout replaces them): on the left the map's
        settings get what they need, the check (its findings, the attribute histogram) most
        of the rest, and the search list, empty until a search, a third of it."""
        h = max(1, self.centralWidget().height())
        self.resizeDocks([self.docks["search"], self.docks["neighbours"]], [300, 380],
                         Qt.Orientation.Horizontal)
        settings = self.panels["projection"].sizeHint().height() + 30
        rest = max(300, h - settings)
        self.resizeDocks([self.docks["search"], self.docks["check"], self.docks["projection"]],
                         [int(rest * 0.3), int(rest * 0.7), settings],
                         Qt.Orientation.Vertical)
        self._tidy_tab_bars_later()

    def _add_status_bar(self):
        sb = self.statusBar()
        self.file_label = QLabel("no file")
        self.file_label.setContentsMargins(12, 0, 0, 0)  # a gap after a long message, cut short
        self.pairing_label = QLabel("")
        self.shape_label = QLabel("")
        self.memory_label = QLabel("")
        self.load_bar = QProgressBar()
        self.load_bar.setMaximumWidth(220)
        self.load_cancel = QPushButton("Cancel")
        self.load_cancel.clicked.connect(self.loader.cancel)
        for w in (self.load_bar, self.load_cancel):
            w.hide()
            sb.addPermanentWidget(w)
        for w in (self.file_label, self.pairing_label, self.shape_label, self.memory_label):
            sb.addPermanentWidget(w)
        self.loader.busy_changed.connect(self.load_bar.setVisible)
        self.loader.busy_changed.connect(self.load_cancel.setVisible)
        self.loader.started.connect(lambda label: (self.load_bar.setRange(0, 0),
                                                   self.load_bar.setFormat(label)))
        self.loader.progress.connect(self._load_progress)
        self._memory_timer = QTimer(self, interval=3000)
        self._memory_timer.timeout.connect(self._update_memory)
        self._memory_timer.start()

    def _action(self, menu, text, slot, shortcut=None, tip=None):
        act = QAction(text, self)
        if shortcut:
            act.setShortcut(QKeySequence(shortcut))
        if tip:
            act.setStatusTip(tip)
        act.triggered.connect(slot)
        menu.addAction(act)
        return act

    def _add_menus(self):
        mb = self.menuBar()
        f = mb.addMenu("&File")
        self._action(f, "&Open…", self.open_dialog, QKeySequence.StandardKey.Open,
                     "Open an embedding file")
        self._action(f, "Open &folder…", self.open_folder_dialog, "Ctrl+Shift+F",
                     "Open a model folder (config.json, weights, tokenizer) as one embedding")
        self._action(f, "Open the &sample", self.open_sample, None,
                     "The 20,000 most frequent GloVe 6B 50d words")
        self.recent_menu = f.addMenu("Open &recent")
        self.recent_menu.aboutToShow.connect(self._fill_recent)
        self.words_action = self._action(
            f, "Choose the &words file…", lambda: self.choose_pairing("words file"), None,
            "Open the matrix again with another words file")
        self.tensor_action = self._action(
            f, "Choose the &tensor…", lambda: self.choose_pairing("tensor"), None,
            "Open the checkpoint again with another of its matrices")
        for act in (self.words_action, self.tensor_action):
            act.setEnabled(False)
        self._action(f, "Compare &with…", self.compare_with, "Ctrl+Shift+O",
                     "Open a second embedding and compare the open one with it")
        self._action(f, "Open &attribute table…", self.open_attribute_table, None,
                     "A CSV, TSV or Parquet table with a word column, to colour and filter "
                     "the map by its columns")
        f.addSeparator()
        self._action(f, "Open se&ssion…", self.open_session_dialog, None,
                     "Open a saved session: the file, selection, map, queries and export plan")
        self.recent_sessions_menu = f.addMenu("Recent sessio&ns")
        self.recent_sessions_menu.aboutToShow.connect(self._fill_recent_sessions)
        self._action(f, "Save sess&ion…", self.save_session_dialog, None,
                     "Save the file, selection, map, queries and export plan in one small file")
        f.addSeparator()
        self._action(f, "&Export…", self.export_dialog, "Ctrl+E",
                     "Write the embedding, pruned to your selection or vocabulary")
        self._action(f, "Save &plot…", self.save_plot, "Ctrl+Shift+S", "The map as PNG or SVG")
        self._action(f, "Export &coordinates…", self.export_coordinates, None,
                     "word, x, y of the map as TSV")
        f.addSeparator()
        self._action(f, "&Quit", self.close, QKeySequence.StandardKey.Quit)

        v = mb.addMenu("&View")
        self._action(v, "&Fit the map", self.map_view.fit, "Home")
        for mode, key in (("pan", "P"), ("box", "B"), ("lasso", "L")):
            self._action(v, f"{mode.capitalize()} mode", lambda _=False, m=mode:
                         self.map_view.set_mode(m), key)
        self._action(v, "Find a word", self.focus_search, QKeySequence.StandardKey.Find)
        v.addSeparator()
        for dock in self.docks.values():
            v.addAction(dock.toggleViewAction())

        t = mb.addMenu("&Tools")
        self._action(t, "&Run the map", lambda: self.projection_panel.run(), "Ctrl+R")
        self._action(t, "&Check the embedding", self.run_check, "Ctrl+K")
        self._action(t, "&Neighbours of the picked word", self.show_neighbours, "Ctrl+N")
        self._action(t, "&Analogy", self.show_analogy, "Ctrl+Shift+A")
        self._action(t, "&Evaluate on the benchmark sets", self.evaluate, None)
        self._action(t, "Clear the selection", self.state.select_clear, "Ctrl+Shift+X")

        h = mb.addMenu("&Help")
        self._action(h, "&Keyboard shortcuts", self.show_shortcuts, "F1")
        self._action(h, "&About Embedscope", self.show_about)

    # --- settings ----------------------------------------------------------------------------
    def restore_settings(self):
        s = app_settings.settings()
        geo = s.value("window/geometry")
        if isinstance(geo, QByteArray) and not geo.isEmpty():
            self.restoreGeometry(geo)
        st = s.value("window/state")
        if isinstance(st, QByteArray) and not st.isEmpty():
            self._layout_restored = self.restoreState(st)
            self._tidy_tab_bars_later()
        mode = s.value("map/colour_mode")
        if mode and colour_modes.get(str(mode)) is not None:
            self.state.set_colour_mode(str(mode))

    def save_settings(self):
        s = app_settings.settings()
        s.setValue("window/geometry", self.saveGeometry())
        s.setValue("window/state", self.saveState())
        s.setValue("map/colour_mode", self.state.colour_mode)
        s.sync()

    def closeEvent(self, ev):
        self.save_settings()
        for runner in self.findChildren(JobRunner):
            runner.cancel(quiet=True)
        wait_for_jobs(3000)  # a job still writing into a closed window would crash on exit
        super().closeEvent(ev)

    # --- opening ---------------------------------------------------------------------------------
    def open_dialog(self):
        path = self.questions.file_to_open("Open an embedding", folder_of(self.state.embedding))
        if path:
            self.open_file(path)

    def open_folder_dialog(self):
        path = self.questions.folder_to_open("Open a model folder",
                                             folder_of(self.state.embedding))
        if path:
            self.open_file(path)

    def open_sample(self):
        self.open_file(str(sample_path()))

    def _fill_recent(self):
        self.recent_menu.clear()
        files = app_settings.recent_files()
        if not files:
            self.recent_menu.addAction("(none yet)").setEnabled(False)
        for p in files:
            self.recent_menu.addAction(p, lambda p=p: self.open_file(p))

    def dragEnterEvent(self, ev):
        if ev.mimeData().hasUrls():
            ev.acceptProposedAction()

    def dropEvent(self, ev):
        urls = [u.toLocalFile() for u in ev.mimeData().urls() if u.isLocalFile()]
        if urls:
            self.open_file(urls[0])

    def open_file(self, path, vocab=None, tensor=None, trust_pickle=False, ask=True):
        """Start loading `path` in the background; the current embedding stays until it is done."""
        self.opener.open(path, vocab=vocab, tensor=tensor, trust_pickle=trust_pickle, ask=ask)

    def _load_progress(self, done, total, message):
        if total:
            self.load_bar.setRange(0, total)
            self.load_bar.setValue(done)

    def choose_pairing(self, what: str):
        """Open the current file again with another words file or tensor, as the user picks."""
        emb = self.state.embedding
        if emb is not None:
            self.opener.reopen_with(emb, what)

    def _loaded(self, emb):
        self.state.set_embedding(emb)
        if emb.source.path:
            app_settings.add_recent_file(emb.source.path)
        if emb.source.model:  # which tensor and tokens the folder reader took
            self.statusBar().showMessage(
                f"opened model folder {Path(emb.source.path).name}: {emb.source.tensor} with the "
                f"tokens of {Path(emb.source.model.vocab_file).name} (why: hover the file name)",
                12000)
        else:
            self.statusBar().showMessage(
                f"opened {Path(emb.source.path or '').name} in {emb.source.load_seconds:.2f} s"
                + (" (from cache)" if emb.source.from_cache else ""), 8000)
        if emb.source.words_in_file is not None:
            self.statusBar().showMessage(
                f"the words file has {len(emb.source.words_in_file):,} words for a matrix of a "
                "different length: see the check", 8000)
        else:
            for w in emb.source.warnings[:1]:
                self.statusBar().showMessage(f"warning: {w}", 8000)

    # --- status --------------------------------------------------------------------------------
    def _on_embedding(self, emb):
        self.export_plan_to_restore = None  # it named words of the previous file
        self._show_banner()
        self.words_action.setEnabled(bool(emb is not None and emb.source.vocab_path
                                          and emb.source.path))
        self.tensor_action.setEnabled(bool(emb is not None and emb.source.tensor))
        if emb is None:
            self.file_label.setText("no file")
            self.pairing_label.setText("")
            self.shape_label.setText("")
            self.setWindowTitle("Embedscope")
            return
        name = Path(emb.source.path).name if emb.source.path else "in memory"
        self.setWindowTitle(f"{name} — Embedscope")
        self.file_label.setText(f"{name} ({emb.source.format})")
        self.file_label.setToolTip(model_folder_summary(emb) if emb.source.model
                                   else emb.source.path or "")
        # Short here, so the status bar's messages keep their room; how the words file and the
        # tensor were picked is in the tooltip and the Check panel.
        words = f"words: {Path(emb.source.vocab_path).name}" if emb.source.vocab_path \
            else "words in the file"
        self.pairing_label.setText(words + (f" · tensor {emb.source.tensor}"
                                            if emb.source.tensor else ""))
        self.pairing_label.setToolTip("\n".join(
            b for b in (words_file_note(emb), tensor_note(emb), emb.source.vocab_path or "") if b))
        self.shape_label.setText(f"{emb.rows:,} × {emb.dim}  {emb.vectors.dtype}")
        self._update_memory()

    def _update_memory(self):
        emb = self.state.embedding
        rss = _rss_bytes()
        bits = []
        if emb is not None:
            mapped = isinstance(emb.vectors, np.memmap) or isinstance(
                getattr(emb.vectors, "base", None), np.memmap)
            bits.append(f"matrix {_size(emb.vectors.nbytes)}"
                        + (" (memory-mapped)" if mapped else ""))
        if rss:
            bits.append(f"process {_size(rss)}")
        self.memory_label.setText(" · ".join(bits))

    # --- actions ----------------------------------------------------------------------------------
    def focus_search(self):
        self.docks["search"].show()
        self.docks["search"].raise_()
        self.search.field.setFocus()
        self.search.field.selectAll()

    def show_neighbours(self):
        self.docks["neighbours"].show()
        self.docks["neighbours"].raise_()
        if self.state.picked >= 0:
            self.panels["neighbours"].show_word(self.state.embedding.words[self.state.picked])

    def show_analogy(self):
        self.docks["analogy"].show()
        self.docks["analogy"].raise_()
        self.panels["analogy"].field.setFocus()

    def show_check(self):
        self.docks["check"].show()
        self.docks["check"].raise_()

    def run_check(self):
        self.show_check()
        self.panels["check"].run()

    def evaluate(self):
        self.docks["analogy"].show()
        self.docks["analogy"].raise_()
        self.panels["analogy"].evaluate()

    def compare_with(self):
        self.docks["compare"].show()
        self.docks["compare"].raise_()
        self.panels["compare"].open_dialog()

    def open_attribute_table(self):
        self.docks["attributes"].show()
        self.docks["attributes"].raise_()
        self.panels["attributes"].open_dialog()

    def _apply_filter(self):
        """Hide the map's points the attribute filter leaves out (all shown without one)."""
        flt = self.state.attribute_filter
        attr = self.state.attribute(flt.attribute) if flt is not None else None
        rows = self.map_view.rows
        if attr is None or not len(rows):
            self.map_view.set_visible_mask(None)
            return
        self.map_view.set_visible_mask(flt.mask(attr, rows))

    def save_plot(self):
        if not len(self.map_view.rows):
            return
        path, _ = QFileDialog.getSaveFileName(self, "Save the map", "map.png",
                                              "PNG image (*.png);;SVG drawing (*.svg)")
        if path:
            self.map_view.save_image(path)
            self.statusBar().showMessage(f"saved {path}", 5000)

    def export_coordinates(self):
        if not len(self.map_view.rows):
            return
        path, _ = QFileDialog.getSaveFileName(self, "Export the map coordinates",
                                              "map.tsv", "TSV (*.tsv)")
        if path:
            self.map_view.write_coordinates(path)
            self.statusBar().showMessage(f"wrote {path}", 5000)

    def export_dialog(self, show: bool = True):
        if self.state.embedding is None:
            return
        from .export_dialog import ExportDialog

        dlg = ExportDialog(self.state, self,
                           attribute_tables=lambda: self.panels["attributes"].tables)
        if self.export_plan_to_restore is not None:
            dlg.set_plan(*self.export_plan_to_restore)
            self.export_plan_to_restore = None
        if show:
            dlg.show()
        self._export_dialog = dlg
        return dlg

    def export_dialog_if_made(self):
        """The last export dialog (open or closed), whose plan a session saves; None if none."""
        return self._export_dialog

    # --- sessions ------------------------------------------------------------------------------
    def save_session_dialog(self):
        if self.state.embedding is None:
            return
        start = Path(folder_of(self.state.embedding)) / f"untitled{SESSION_SUFFIX}"
        path, _ = QFileDialog.getSaveFileName(self, "Save the session", str(start),
                                              f"Embedscope session (*{SESSION_SUFFIX} *.json)")
        if path:
            self.save_session(path)

    def save_session(self, path):
        try:
            save_session(path, session_ui.collect(self))
        except (EmbedscopeError, OSError) as exc:
            self.questions.show_error("Could not save the session", str(exc))
            return
        session_ui.add_recent_session(path)
        self.statusBar().showMessage(f"session saved to {path}", 6000)

    def open_session_dialog(self):
        path, _ = QFileDialog.getOpenFileName(self, "Open a session",
                                              folder_of(self.state.embedding),
                                              f"Embedscope session (*{SESSION_SUFFIX} *.json)")
        if path:
            self.open_session(path)

    def _fill_recent_sessions(self):
        self.recent_sessions_menu.clear()
        files = session_ui.recent_sessions()
        if not files:
            self.recent_sessions_menu.addAction("(none yet)").setEnabled(False)
        for p in files:
            self.recent_sessions_menu.addAction(p, lambda p=p: self.open_session(p))

    def open_session(self, path):
        """Open a session file; if its source changed on disk since, say how and ask first.
        Returns the SessionRestorer at work (its `finished` says what could not be put back),
        or None when nothing is restored."""
        try:
            session = read_session(path)
        except EmbedscopeError as exc:
            self.questions.show_error("Could not open the session", str(exc))
            return None
        changed = changes(session)
        if changed and not session_ui.confirm_changed(self, changed):
            return None
        session_ui.add_recent_session(path)
        if self._session_restorer is not None:
            self._session_restorer.cancel()  # a session still being put back gives way
        restorer = session_ui.SessionRestorer(self, session)
        restorer.finished.connect(self._session_restored)
        self._session_restorer = restorer  # kept alive until it is done
        restorer.start()
        return restorer

    def _session_restored(self, notes):
        self.statusBar().showMessage("session restored" + (": " + "; ".join(notes) if notes
                                                           else ""), 10000)

    def show_shortcuts(self):
        rows = []
        for menu in self.menuBar().findChildren(type(self.recent_menu)):
            for act in menu.actions():
                if not act.shortcut().isEmpty():
                    rows.append(f"<tr><td><b>{act.shortcut().toString()}</b></td>"
                                f"<td>&nbsp;&nbsp;{act.text().replace('&', '')}</td></tr>")
        QMessageBox.information(self, "Keyboard shortcuts",
                                "<table>" + "".join(dict.fromkeys(rows)) + "</table>")

    def about_text(self) -> str:
        import sys

        import numpy
        import pyqtgraph
        import PySide6
        import scipy

        return (f"<h3>Embedscope {__version__}</h3>"
                "<p>Open, check, explore and prune pretrained word embeddings.</p>"
                f"<p>Python {sys.version.split()[0]} · numpy {numpy.__version__} · "
                f"scipy {scipy.__version__} · PySide6 {PySide6.__version__} · "
                f"Qt {PySide6.QtCore.qVersion()} · pyqtgraph {pyqtgraph.__version__}</p>"
                "<p>The bundled sample is the 20,000 most frequent words of GloVe 6B 50d "
                "(Pennington, Socher and Manning, 2014).</p>")

    def show_about(self):
        QMessageBox.about(self, "About Embedscope", self.about_text())
