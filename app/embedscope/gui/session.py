"""File → Save session / Open session: the window's state gathered into a session file and put
back.

`collect(window)` gathers what the window shows into the plain dict that `io.session` writes.
`SessionRestorer` opens the session's source and, once it is loaded, puts back the selection,
the attribute tables and words files, the map (from the cache when it holds it, computed again
otherwise) with its view and its Density and Clusters toggles, the colour, the attribute filter,
the picked word, the neighbour and analogy queries, the comparison's second embedding and the
export plan.
"""
from __future__ import annotations

import os
from pathlib import Path

import numpy as np
from PySide6.QtCore import QObject, QTimer, Signal
from PySide6.QtWidgets import QMessageBox

from ..core.attributes import Filter
from ..core.errors import EmbedscopeError
from ..core.export import ExportPlan
from ..io.recipe import pairing_entry, re_pair, source_files
from ..io.session import stamps
from ..io.words_file import words_source
from . import colour_modes
from . import settings as app_settings
from .docks.projection import POINTS, compute_map

RECENT_KEY = "recent_sessions"


# --- recent sessions ------------------------------------------------------------------------
def recent_sessions() -> list[str]:
    value = app_settings.settings().value(RECENT_KEY, [])
    if isinstance(value, str):
        value = [value]
    return [str(v) for v in (value or [])]


def add_recent_session(path) -> list[str]:
    path = os.path.abspath(path)
    files = [path] + [f for f in recent_sessions() if f != path]
    files = files[:app_settings.RECENT_MAX]
    app_settings.settings().setValue(RECENT_KEY, files)
    return files


def confirm_changed(parent, changed: list[str]) -> bool:
    """Ask before restoring a session whose files changed on disk since it was saved."""
    answer = QMessageBox.question(
        parent, "The files changed since the session was saved",
        "\n".join(changed) + "\n\nThe selection, map and queries may no longer fit them. "
        "Open the session anyway?",
        QMessageBox.StandardButton.Yes | QMessageBox.StandardButton.No,
        QMessageBox.StandardButton.No)
    return answer == QMessageBox.StandardButton.Yes


# --- gathering ------------------------------------------------------------------------------
def _plain(value):
    """JSON-ready: numpy numbers as Python numbers, tuples as lists."""
    if isinstance(value, np.generic):
        return value.item()
    if isinstance(value, dict):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_plain(v) for v in value]
    return value


def _opened_file(emb) -> dict:
    src = emb.source
    return {"path": src.path, "vocab_path": src.vocab_path, "tensor": src.tensor,
            "format": src.format, "files": stamps(*source_files(emb), src.vocab_path)}


def collect(window) -> dict:
    """What the window shows, as the dict `io.session.save_session` writes (absolute paths)."""
    state = window.state
    emb = state.embedding
    if emb is None or not emb.source.path:
        raise EmbedscopeError("open an embedding file first: a session starts from one")
    data: dict = {"source": dict(_opened_file(emb), pairing=pairing_entry(emb))}
    groups: dict[str, list[str]] = {}
    for r in state.selection.rows.tolist():
        groups.setdefault(state.selection.origin(r), []).append(emb.words[r])
    data["selection"] = [{"name": name, "words": words} for name, words in groups.items()]
    data["map"] = _map_state(window)
    data["attributes"] = _attributes_state(window)
    data["colour"] = state.colour_mode
    data["picked"] = emb.words[state.picked] if state.picked >= 0 else None
    nb = window.panels["neighbours"]
    data["neighbours"] = {"word": nb.field.text().strip(), "k": nb.k.value(),
                          "metric": nb.metric.currentText()} if nb.field.text().strip() else None
    an = window.panels["analogy"]
    data["analogy"] = {"expression": an.field.text().strip(), "k": an.k.value(),
                       "method": an.method.currentData()} if an.field.text().strip() else None
    cmp = window.panels["compare"]
    data["comparison"] = dict(_opened_file(cmp.other), align=cmp.align.currentData(),
                              k=cmp.k.value(), sample=cmp.sample.value()) \
        if cmp.other is not None and cmp.other.source.path else None
    data["export"] = _export_state(window)
    return data


def _map_state(window) -> dict | None:
    proj = window.state.projection
    if proj is None:
        return None
    emb = window.state.embedding
    rows = np.asarray(proj.rows)
    m = {"method": proj.method, "params": _plain(dict(proj.params)), "seed": proj.seed,
         "axes": _plain(proj.axes) if proj.axes else None,
         "points": window.projection_panel.points.currentText()}
    if np.array_equal(rows, np.arange(len(rows))):
        m["first"] = len(rows)  # the most frequent words: a number, not a list
    else:
        m["words"] = [emb.words[r] for r in rows.tolist()]
    (x0, x1), (y0, y1) = window.map_view.viewbox.viewRange()
    m["view"] = [[float(x0), float(x1)], [float(y0), float(y1)]]
    m["density"] = window.map_view.density_button.isChecked()
    m["clusters"] = window.map_view.clusters_button.isChecked()
    return m


def _attributes_state(window) -> dict:
    """The opened tables and words files, the attribute shown and its filter: the filter in
    effect when 'Show only these on the map' is on, else the range or ticks the panel shows."""
    panel = window.panels["attributes"]
    flt = window.state.attribute_filter
    show_only = flt is not None
    if flt is None and panel.isVisible():
        flt = panel.current_filter()
    out = {"tables": list(panel.tables), "words_files": list(panel.words_files),
           "shown": panel.box.currentText() or None, "filter": None, "show_only": show_only}
    if flt is not None:
        out["filter"] = {"attribute": flt.attribute}
        if flt.categories is None:
            out["filter"].update(low=float(flt.low), high=float(flt.high))
        else:
            out["filter"]["categories"] = sorted(flt.categories)
    return out


def _export_state(window) -> dict | None:
    dlg = window.export_dialog_if_made()
    if dlg is None:
        if window.export_plan_to_restore is None:
            return None
        plan, folder = window.export_plan_to_restore
        return {"plan": plan.to_dict(all_words=True), "folder": folder, "open": False}
    try:
        plan = dlg.plan()
        plan.validate()
    except EmbedscopeError:
        return None  # half-typed options: nothing worth restoring
    return {"plan": plan.to_dict(all_words=True), "folder": dlg.folder.text().strip(),
            "open": dlg.isVisible()}


# --- restoring ------------------------------------------------------------------------------
def _same_file(a, b) -> bool:
    return bool(a and b) and os.path.realpath(a) == os.path.realpath(b)


class SessionRestorer(QObject):
    """Opens a session's source in `window`, then puts the rest back once it is loaded.
    `finished` carries notes on what could not be put back (words no longer in the file…)."""

    finished = Signal(list)

    def __init__(self, window, session: dict):
        super().__init__(window)
        self.window = window
        self.session = session
        self.notes: list[str] = []
        self._map_pending = False
        self._cancelled = False
        self._links: dict[str, list] = {"open": [], "map": []}  # (signal, slot) connected

    def _connect(self, group: str, signal, slot) -> None:
        signal.connect(slot)
        self._links[group].append((signal, slot))

    def _disconnect(self, group: str) -> None:
        for signal, slot in self._links[group]:
            signal.disconnect(slot)
        self._links[group] = []

    def start(self) -> None:
        src = self.session["source"]
        w = self.window
        self._connect("open", w.state.embedding_changed, self._on_embedding)
        self._connect("open", w.opener.failed, self._stop)
        self._connect("open", w.opener.declined, self._stop)
        w.open_file(src["path"], vocab=src.get("vocab_path"), tensor=src.get("tensor"),
                    ask=False)

    def cancel(self) -> None:
        """Put nothing more back (another session is being opened)."""
        self._cancelled = True
        self._disconnect("open")
        self._disconnect("map")
        self._map_pending = False

    def _stop(self, *_):
        self._disconnect("open")
        self.finished.emit([f"{Path(self.session['source']['path']).name} could not be opened"])


    def _on_embedding(self, emb):
        if emb is None or not _same_file(emb.source.path, self.session["source"]["path"]):
            return
        self._disconnect("open")
        # After every panel has taken the new embedding (and set_embedding has finished its
        # signals), so nothing restored here is cleared again.
        QTimer.singleShot(0, self._pair_then_restore)

    def _pair_then_restore(self):
        """Pair words and rows as a fix had paired them when the session was saved (the file
        is opened as read), then put the rest back on that embedding."""
        entry = self.session["source"].get("pairing")
        if entry and not self._cancelled:
            try:
                fixed = re_pair(self.window.state.embedding, entry)
            except EmbedscopeError as exc:
                self.notes.append(str(exc))
            else:
                self.window.state.set_embedding(fixed)
                QTimer.singleShot(0, self._restore)
                return
        self._restore()

    def _restore(self):
        if self._cancelled:
            return
        s = self.session
        for step in (self._selection, self._attributes, self._colour, self._map, self._picked,
                     self._neighbours, self._analogy, self._comparison, self._export):
            try:
                step(s)
            except EmbedscopeError as exc:
                self.notes.append(str(exc))
        if not self._map_pending:
            self.finished.emit(self.notes)

    def _rows(self, words) -> tuple[list[int], list[str]]:
        index = self.window.state.embedding.word_to_row
        found = [index[w] for w in words if w in index]
        return found, [w for w in words if w not in index]

    def _selection(self, s):
        for group in s.get("selection") or []:
            rows, missing = self._rows(group.get("words", []))
            if rows:
                self.window.state.select_add(rows, str(group.get("name", "session")))
            if missing:
                self.notes.append(f"{len(missing):,} selected words are no longer in the file "
                                  f"(e.g. {', '.join(missing[:5])})")

    def _attributes(self, s):
        a = s.get("attributes")
        if not a:
            return
        panel = self.window.panels["attributes"]
        for path in a.get("tables") or []:
            if not panel.open_table(path):
                self.notes.append(f"the attribute table {path} could not be opened again")
        for path in a.get("words_files") or []:
            if panel.add_words_file(path) is None:
                self.notes.append(f"the words file {path} could not be opened again")
        f = a.get("filter")
        labels = self.window.state.attribute_labels()
        if f and f.get("attribute") in labels:
            cats = f.get("categories")
            panel.set_filter(Filter(str(f["attribute"]), float(f.get("low", -np.inf)),
                                    float(f.get("high", np.inf)),
                                    None if cats is None else frozenset(map(str, cats))),
                             bool(a.get("show_only")))
        elif f:
            self.notes.append(f"the filter by {f.get('attribute')} could not be put back: "
                              f"there is no such attribute now")
        elif a.get("shown") in labels:
            panel.select_attribute(a["shown"])

    def _colour(self, s):
        mode = s.get("colour")
        if mode and (colour_modes.get(mode) is not None or mode in self.window.state.attributes):
            self.window.state.set_colour_mode(mode)

    def _map(self, s):
        m = s.get("map")
        if not m:
            return
        w = self.window
        emb = w.state.embedding
        panel = w.projection_panel
        rows, limit = None, m.get("first")
        if m.get("words") is not None:
            rows, missing = self._rows(m["words"])
            if missing:
                self.notes.append(f"{len(missing):,} words of the map are no longer in the file")
        if m.get("points") in POINTS:
            panel.points.setCurrentText(m["points"])
        if limit:
            panel.limit.setValue(min(int(limit), emb.rows))
        if m.get("seed") is not None:
            panel.seed.setValue(int(m["seed"]))
        self._view = m.get("view")
        self._toggles = {"density": m.get("density"), "clusters": m.get("clusters")}
        self._map_pending = True
        self._connect("map", w.state.projection_changed, self._on_projection)
        self._connect("map", panel.runner.failed, self._map_failed)
        # The panel's runner: the first map it started for the new file is dropped for this.
        panel.runner.start(compute_map, emb, method=m.get("method", "pca"), rows=rows,
                           limit=limit, params=m.get("params") or {}, seed=m.get("seed"),
                           axes=m.get("axes"), label=f"{str(m.get('method', '')).upper()} map")

    def _on_projection(self, proj):
        if proj is None:
            return
        self._map_done()
        if self._view:
            (x0, x1), (y0, y1) = self._view
            self.window.map_view.viewbox.setRange(xRange=(x0, x1), yRange=(y0, y1), padding=0)
        # after the map chose its own view (density for a large map)
        view = self.window.map_view
        for key, button in (("density", view.density_button),
                            ("clusters", view.clusters_button)):
            if self._toggles.get(key) is not None:
                button.setChecked(bool(self._toggles[key]))

    def _map_failed(self, exc):
        self.notes.append(f"the map could not be made again: {exc}")
        self._map_done()

    def _map_done(self):
        self._disconnect("map")
        self._map_pending = False
        self.finished.emit(self.notes)

    def _picked(self, s):
        word = s.get("picked")
        row = self.window.state.embedding.word_to_row.get(word) if word else None
        if row is not None:
            self.window.state.pick(row)

    def _neighbours(self, s):
        q = s.get("neighbours")
        if not q:
            return
        panel = self.window.panels["neighbours"]
        panel.k.blockSignals(True)
        panel.metric.blockSignals(True)
        panel.k.setValue(int(q.get("k", panel.k.value())))
        panel.metric.setCurrentText(str(q.get("metric", panel.metric.currentText())))
        panel.k.blockSignals(False)
        panel.metric.blockSignals(False)
        panel.show_word(str(q.get("word", "")))

    def _analogy(self, s):
        q = s.get("analogy")
        if not q:
            return
        panel = self.window.panels["analogy"]
        panel.k.setValue(int(q.get("k", panel.k.value())))
        i = panel.method.findData(q.get("method"))
        if i >= 0:
            panel.method.blockSignals(True)
            panel.method.setCurrentIndex(i)
            panel.method.blockSignals(False)
        panel.field.setText(str(q.get("expression", "")))
        panel.solve()

    def _comparison(self, s):
        c = s.get("comparison")
        if not c or not c.get("path"):
            return
        panel = self.window.panels["compare"]
        i = panel.align.findData(c.get("align"))
        if i >= 0:
            panel.align.setCurrentIndex(i)
        panel.k.setValue(int(c.get("k", panel.k.value())))
        panel.sample.setValue(int(c.get("sample", panel.sample.value())))
        panel.open_other(c["path"], vocab=c.get("vocab_path"), tensor=c.get("tensor"),
                         ask=False)

    def _export(self, s):
        e = s.get("export")
        if not e or not isinstance(e.get("plan"), dict):
            return
        try:
            plan = ExportPlan.from_dict(e["plan"], words_source)
        except EmbedscopeError as exc:
            raise EmbedscopeError(f"the export plan could not be put back: {exc}") from None
        if e.get("open"):
            self.window.export_dialog().set_plan(plan, e.get("folder"))
        else:
            self.window.export_plan_to_restore = (plan, e.get("folder"))
