"""The projection panel: method, parameters, which points; Run/Cancel; the quality figure.

A new embedding gets a PCA map of its 10,000 most frequent words at once; UMAP, t-SNE and
word axes run on request, off the UI thread (cached maps come back at once).
"""
from __future__ import annotations

import numpy as np
from PySide6.QtCore import Signal
from PySide6.QtWidgets import (
    QComboBox,
    QDoubleSpinBox,
    QFormLayout,
    QHBoxLayout,
    QLineEdit,
    QPushButton,
    QSpinBox,
    QStackedWidget,
    QVBoxLayout,
    QWidget,
)

from ...core.check_words import ordinary_rows, token_vocabulary
from ...core.errors import EmbedscopeError
from ...core.projection import last_projection, project, rows_for
from ...core.projection_worker import umap_prepared
from ..workers import JobRunner
from .common import ProgressRow, note

METHODS = [("PCA", "pca"), ("UMAP", "umap"), ("t-SNE", "tsne"), ("Word axes", "axes")]
POINTS = ["most frequent words", "the selection", "all words"]
AROUND = 500  # neighbours a word brings with it onto the map, as `project --around`'s default


def compute_map(emb, method="pca", rows=None, limit=10000, params=None, seed=0, axes=None,
                progress=None, should_stop=None):
    return project(emb, method=method, rows=rows, limit=limit, params=params or {}, seed=seed,
                   axes=axes, progress=progress, should_stop=should_stop)


def compute_map_around(emb, base_rows, word, n_around=AROUND, method="pca", params=None,
                       seed=0, axes=None, progress=None, should_stop=None):
    """The map of `base_rows` with `word` and its `n_around` nearest neighbours added (as the
    CLI's `project --around`), the word's neighbourhood after the rows already mapped."""
    around = rows_for(emb, around=word, n_around=n_around)
    rows = np.concatenate([np.asarray(base_rows, dtype=np.int64), around])
    _, first = np.unique(rows, return_index=True)
    return compute_map(emb, method, rows=rows[np.sort(first)], params=params, seed=seed,
                       axes=axes, progress=progress, should_stop=should_stop)


def map_rows(emb, limit):
    """The rows of "the first words": the first `limit` rows, except in a model's token
    vocabulary, whose first rows are special and unused tokens and whose order is not by
    frequency: there the special tokens are left out."""
    if token_vocabulary(emb.words):
        return ordinary_rows(emb.words, limit)
    return None


def first_map(emb, progress=None, should_stop=None):
    """The map a newly opened file shows: its last map from the cache, else a PCA of its
    10,000 most frequent words (of its first 10,000 ordinary tokens, for a token
    vocabulary)."""
    try:
        last = last_projection(emb)
    except Exception:  # noqa: BLE001 - a damaged cache entry never stops the file from opening
        last = None
    if last is not None:
        return last
    return compute_map(emb, "pca", rows=map_rows(emb, 10000), limit=10000, progress=progress,
                       should_stop=should_stop)


def describe_quality(proj) -> str:
    bits = [f"{proj.method.upper()}", f"{len(proj.rows):,} points", f"{proj.seconds:.2f} s"]
    if getattr(proj, "from_cache", False):
        bits[-1] = "from the cache"
    ev = getattr(proj, "explained_variance", None)
    if ev is not None and len(ev):
        bits.append("variance explained " + " + ".join(f"{100 * v:.1f}%" for v in ev[:2]))
    q = getattr(proj, "quality", None)
    if isinstance(q, dict):
        bits += [f"{k.replace('_', ' ')} {v:.3f}" if isinstance(v, float) else f"{k} {v}"
                 for k, v in q.items()]
    elif isinstance(q, (int, float)):
        bits.append(f"neighbours kept {100 * q:.1f}%")
    return " · ".join(bits)


class ProjectionPanel(QWidget):
    save_image_requested = Signal()
    export_coordinates_requested = Signal()

    def __init__(self, state, parent=None):
        super().__init__(parent)
        self.state = state
        self.runner = JobRunner("projection", self)
        self.runner.finished.connect(self._done)
        self.runner.failed.connect(self._failed)
        self.runner.cancelled.connect(lambda: self.status.setText("Cancelled."))

        form = QFormLayout()
        self.method = QComboBox()
        for label, key in METHODS:
            self.method.addItem(label, key)
        form.addRow("Method", self.method)
        self.points = QComboBox()
        self.points.addItems(POINTS)
        form.addRow("Points", self.points)
        self.limit = QSpinBox(minimum=100, maximum=10_000_000, singleStep=5000, value=10000)
        self.limit.setGroupSeparatorShown(True)
        self.limit.setToolTip("How many of the most frequent words to map")
        form.addRow("How many", self.limit)

        self.params = QStackedWidget()
        self.params.addWidget(QWidget())  # PCA: nothing to set
        umap = QWidget()
        uf = QFormLayout(umap)
        uf.setContentsMargins(0, 0, 0, 0)
        self.n_neighbors = QSpinBox(minimum=2, maximum=200, value=15)
        self.min_dist = QDoubleSpinBox(minimum=0.0, maximum=1.0, singleStep=0.05, value=0.1)
        uf.addRow("Neighbours", self.n_neighbors)
        uf.addRow("Min. distance", self.min_dist)
        self.params.addWidget(umap)
        tsne = QWidget()
        tf = QFormLayout(tsne)
        tf.setContentsMargins(0, 0, 0, 0)
        self.perplexity = QDoubleSpinBox(minimum=2, maximum=200, value=30)
        tf.addRow("Perplexity", self.perplexity)
        self.params.addWidget(tsne)
        axes = QWidget()
        af = QFormLayout(axes)
        af.setContentsMargins(0, 0, 0, 0)
        self.x_axis = QLineEdit("man:woman")
        self.y_axis = QLineEdit("bad:good")
        for w in (self.x_axis, self.y_axis):
            w.setToolTip("two ends split by ':', each a word or words joined by '+': "
                         "he+him:she+her (leave y empty for one axis)")
        af.addRow("x axis", self.x_axis)
        af.addRow("y axis", self.y_axis)
        self.params.addWidget(axes)
        self.method.currentIndexChanged.connect(self._show_params)
        self.params.hide()  # PCA has nothing to set
        self.seed = QSpinBox(minimum=0, maximum=2**31 - 1, value=0)
        form.addRow(self.params)
        form.addRow("Seed", self.seed)

        buttons = QHBoxLayout()
        self.run_button = QPushButton("Run")
        self.run_button.setToolTip("Compute the map (Ctrl+R)")
        self.run_button.clicked.connect(self.run)
        buttons.addWidget(self.run_button)
        save = QPushButton("Save plot…")
        save.setToolTip("Save the map as PNG or SVG")
        save.clicked.connect(self.save_image_requested)
        coords = QPushButton("Coordinates…")
        coords.setToolTip("Export word, x, y as TSV")
        coords.clicked.connect(self.export_coordinates_requested)
        buttons.addWidget(save)
        buttons.addWidget(coords)

        self.progress = ProgressRow(self.runner)
        self.status = note("")
        lay = QVBoxLayout(self)
        lay.addLayout(form)
        lay.addLayout(buttons)
        lay.addWidget(self.progress)
        lay.addWidget(self.status)
        lay.addStretch(1)
        self.runner.busy_changed.connect(lambda busy: self.run_button.setEnabled(not busy))
        self._pick_when_mapped = -1  # a word mapped around, picked and centred when it arrives
        state.embedding_changed.connect(self._on_embedding)
        state.map_around_requested.connect(self.map_around)

    def _show_params(self, i):
        self.params.setCurrentIndex(i)
        self.params.setVisible(i != 0)

    def _on_embedding(self, emb):
        self._pick_when_mapped = -1
        if emb is not None:
            tokens = token_vocabulary(emb.words)
            self.points.setItemText(0, "first tokens (special ones left out)" if tokens
                                    else POINTS[0])
            self.limit.setToolTip("How many of the first tokens to map (special and unused "
                                  "tokens left out)" if tokens else
                                  "How many of the most frequent words to map")
            self.limit.setMaximum(emb.rows)
            self.limit.setValue(min(10000, emb.rows))
            self.status.setText("")
            self.runner.start(first_map, emb, label="map", background=True, priority=1)

    def _axes(self) -> str:
        parts = [f.text().strip() for f in (self.x_axis, self.y_axis) if f.text().strip()]
        if not parts:
            raise EmbedscopeError("write an axis like man:woman")
        return ",".join(parts)

    def run(self, checked=False, method=None):
        emb = self.state.embedding
        if emb is None:
            return
        method = method or self.method.currentData()
        if method != self.method.currentData():
            self.method.setCurrentIndex([k for _, k in METHODS].index(method))
        rows, limit = None, self.limit.value()
        which = POINTS[self.points.currentIndex()]
        if which == POINTS[0]:
            rows = map_rows(emb, limit)
        elif which == "the selection":
            rows = self.state.selection.rows
            if len(rows) < 3:
                self.status.setText("Select at least 3 words first (lasso, neighbours, search).")
                return
        elif which == "all words":
            limit = emb.rows
        settings = self._settings(method)
        if settings is None:
            return
        params, axes = settings
        self._status_for(method)
        self._pick_when_mapped = -1
        self.state.message.emit(f"computing a {method.upper()} map…")
        self.runner.start(compute_map, emb, method=method, rows=rows, limit=limit, params=params,
                          seed=self.seed.value(), axes=axes, label=f"{method.upper()} map")

    def _status_for(self, method):
        """The status line as a map starts: empty, or for the first UMAP on this computer, that
        it prepares umap-learn's compiled code first."""
        self.status.setText("")
        if method == "umap" and not umap_prepared():
            self.status.setText("The first UMAP on this computer prepares umap-learn's compiled "
                                "code first (about a minute, once; later maps skip it).")

    def _settings(self, method):
        """(params, axes) the panel sets for a method, or None (said in the status line)."""
        params = {}
        if method == "umap":
            params = {"n_neighbors": self.n_neighbors.value(), "min_dist": self.min_dist.value()}
        elif method == "tsne":
            params = {"perplexity": self.perplexity.value()}
        axes = None
        if method == "axes":
            try:
                axes = self._axes()
            except EmbedscopeError as exc:
                self.status.setText(str(exc))
                return None
        return params, axes

    def map_around(self, row: int):
        """Map the current map's words plus a word and its nearest neighbours, by the current
        map's method; the word is then picked, centred and labelled."""
        emb = self.state.embedding
        if emb is None or not 0 <= row < emb.rows:
            return
        proj = self.state.projection
        base = np.empty(0, dtype=np.int64) if proj is None else proj.rows
        known = [k for _, k in METHODS]
        method = proj.method if proj is not None and proj.method in known else \
            self.method.currentData()
        settings = self._settings(method)
        if settings is None:
            return
        params, axes = settings
        word = emb.words[row]
        self._pick_when_mapped = row
        self._status_for(method)
        self.state.message.emit(f"mapping '{word}' and its {AROUND} nearest words…")
        self.runner.start(compute_map_around, emb, base, word, AROUND, method=method,
                          params=params, seed=self.seed.value(), axes=axes,
                          label=f"map around '{word}'")

    def _done(self, proj):
        if self.state.embedding is None:
            return
        key = proj.method if proj.method in [k for _, k in METHODS] else "pca"
        self.method.setCurrentIndex([k for _, k in METHODS].index(key))
        self.status.setText(describe_quality(proj))
        self.state.set_projection(proj)
        row, self._pick_when_mapped = self._pick_when_mapped, -1
        if row >= 0:
            self.state.pick(row, centre=True)

    def _failed(self, exc):
        self.status.setText(f"The map failed: {exc}")
