"""The ways the map can colour its points: a registry of (label, function), in menu order.

A mode turns the points on the map into (palette colours, palette index per point, legend
[(colour, text)]). The map's "Colour by" box lists the registered modes; a panel with a mode of
its own registers it when its module is imported (the compare dock adds "change (cosine to B)").
Every attribute the window holds (a table's columns, Projector metadata) is a mode too, found by
`find`: categories in distinct colours, numbers on a colour scale, each legend line counted.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Callable

import numpy as np

from ..core import attributes as at
from ..core.check_words import token_vocabulary
from . import palette as pal

Colours = tuple[list[str], np.ndarray, list[tuple[str, str]]]


@dataclass
class MapPoints:
    """What a colour mode is given: the app state and the points on the map."""

    state: object                                   # the window's AppState
    rows: np.ndarray                                # embedding row of each point
    positions: Callable[[object], np.ndarray]       # points of the given rows that are on the map
    other: str                                      # grey for points a mode leaves out (by theme)
    clusters: Callable[[], np.ndarray | None]       # cluster of each point; None while computed

    def only_other(self, text: str) -> Colours:
        """Every point grey, with a legend line saying why."""
        return [self.other], np.zeros(len(self.rows), dtype=np.int64), [(self.other, text)]


@dataclass(frozen=True)
class ColourMode:
    label: str                              # what the "Colour by" box shows
    colours: Callable[[MapPoints], Colours]
    follows: tuple[str, ...] = ()           # AppState signals after which colours are redrawn


_MODES: dict[str, ColourMode] = {}


def register(mode: ColourMode) -> ColourMode:
    """Add a mode at the end of the list (a mode of the same label is replaced in place)."""
    _MODES[mode.label] = mode
    return mode


def labels() -> list[str]:
    return list(_MODES)


def get(label: str) -> ColourMode | None:
    return _MODES.get(label)


def find(label: str, state) -> ColourMode | None:
    """The registered mode of that label, else the state's attribute of that label."""
    mode = _MODES.get(label)
    if mode is None and label in getattr(state, "attributes", {}):
        mode = ColourMode(label, lambda points: attribute_colours(points, label),
                          follows=("attributes_changed",))
    return mode


CATEGORY_COLOURS = 20         # the most frequent categories get a colour; the rest are "other"
# core.attributes.distinct_colours(19), written out: the search takes ~0.2 s, which the first
# colouring by categories would otherwise pay on the UI thread (a test keeps the two equal)
DISTINCT = ["#4f78a6", "#f28f2b", "#59a14f", "#5500ff", "#ff0099", "#00ee00", "#bb77ff",
            "#ffbbbb", "#ccdd00", "#ff0033", "#00dddd", "#993344", "#ff00ff", "#665522",
            "#ddcc77", "#006655", "#dd77bb", "#0088ff", "#00ee88"]
SCALE = ["#440154", "#482878", "#3e4989", "#31688e", "#26828e", "#1f9e89", "#35b779",
         "#6ece58", "#b5de2b", "#fde725"]   # viridis in 10 steps: the colour bar of a number


def attribute_colours(points: MapPoints, label: str) -> Colours:
    """Colours of an attribute: categorical in distinct colours (the commonest first),
    continuous in SCALE steps from its smallest to its largest value; grey for no value."""
    attr = points.state.attributes[label]
    if attr.kind == at.CATEGORICAL:
        idx, counts = at.colour_steps(attr, points.rows, CATEGORY_COLOURS)
        cols = [points.other] + DISTINCT[: len(counts) - 1]
    else:
        idx, counts = at.colour_steps(attr, points.rows, len(SCALE))
        cols = [points.other] + SCALE
    legend = [(cols[i], f"{text} ({n:,})") for i, (text, n) in enumerate(counts) if n]
    if legend and legend[0][0] == points.other:
        legend = legend[1:] + legend[:1]  # grey last, below the colours
    return cols, idx, legend


def _frequency_rank(points: MapPoints) -> Colours:
    # Row order is frequency order in common embedding files; a model's token vocabulary is in
    # the tokenizer's order, so its legend speaks of rows, not of frequency.
    edges = [100, 1000, 10000, 100000]
    idx = np.searchsorted(edges, points.rows, side="right")
    names = ["top 100", "100 – 1k", "1k – 10k", "10k – 100k", "100k +"]
    emb = points.state.embedding
    if emb is not None and token_vocabulary(emb.words):
        names = ["rows 0 – 99", "rows 100 – 999", "rows 1k – 10k", "rows 10k – 100k",
                 "rows 100k +"]
    cols = pal.FREQUENCY
    return cols, idx, [(cols[i], names[i]) for i in sorted(set(idx.tolist()))]


def _vector_norm(points: MapPoints) -> Colours:
    n = len(points.rows)
    norms = np.asarray(points.state.embedding.norms)[points.rows]
    qs = np.quantile(norms, [1 / 6, 2 / 6, 3 / 6, 4 / 6, 5 / 6]) if n else []
    idx = np.searchsorted(qs, norms, side="right")
    bounds = [float(norms.min()) if n else 0.0, *map(float, qs),
              float(norms.max()) if n else 0.0]
    counts = np.bincount(idx, minlength=6)
    legend = [(pal.SEQUENTIAL[i], f"{bounds[i]:.2f} – {bounds[i + 1]:.2f} ({counts[i]:,})")
              for i in range(6)]
    return pal.SEQUENTIAL, idx, legend


def _cluster(points: MapPoints) -> Colours:
    labels_ = points.clusters()
    if labels_ is None:
        return points.only_other("computing clusters…")
    k = int(labels_.max()) + 1 if len(labels_) else 0
    cols = pal.CATEGORICAL[:k]
    counts = np.bincount(labels_, minlength=k)
    return cols, labels_, [(cols[i], f"cluster {i + 1} ({counts[i]:,})") for i in range(k)]


def _check_finding(points: MapPoints) -> Colours:
    report = points.state.check_report
    if report is None:
        return points.only_other("run the check to colour by finding")
    cols, legend = [points.other], []
    idx = np.zeros(len(points.rows), dtype=np.int64)
    k = 0
    for f in report.findings:
        pos = points.positions(getattr(f, "rows", []) or [])
        if len(pos) == 0 or k >= len(pal.CATEGORICAL) - 1:
            continue
        k += 1
        cols.append(pal.CATEGORICAL[(k + 1) % len(pal.CATEGORICAL)])
        idx[pos] = k
        legend.append((cols[-1], f"{f.code} ({len(pos):,} on map)"))
    none = int(np.count_nonzero(idx == 0))
    legend.append((points.other, f"no finding ({none:,})" if k else "no finding on the map"))
    return cols, idx, legend


def _marked(points: MapPoints, rows, colour: str, text: str) -> Colours:
    """The given rows in `colour`, every other point grey."""
    pos = points.positions(rows)
    idx = np.zeros(len(points.rows), dtype=np.int64)
    idx[pos] = 1
    return [points.other, colour], idx, [(colour, f"{text} ({len(pos):,})"),
                                         (points.other, "others")]


def _search_match(points: MapPoints) -> Colours:
    state = points.state
    return _marked(points, state.highlight_rows, pal.HIGHLIGHT, state.highlight_kind or "search")


def _selection(points: MapPoints) -> Colours:
    return _marked(points, points.state.selection.rows, pal.SELECTION, "selected")


register(ColourMode("frequency rank", _frequency_rank))
register(ColourMode("vector norm", _vector_norm))
register(ColourMode("cluster", _cluster))
register(ColourMode("check finding", _check_finding, follows=("check_changed",)))
register(ColourMode("search match", _search_match, follows=("highlight_changed",)))
register(ColourMode("selection", _selection, follows=("selection_changed",)))
