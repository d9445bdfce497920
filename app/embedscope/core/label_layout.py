"""Where the map's word labels go: placed greedily in priority order, never overlapping.

The caller hands candidates in priority order (the picked word, then results, then search
matches, then cluster names and landmarks) with their pixel positions and sizes; each label
tries a few spots around its point and takes the first that neither overlaps a label already
placed nor covers a marked point. Occupancy is a coarse bitmap of the view, so a test is one
small array slice: a view of 400,000 points is laid out in a few milliseconds (bench/map.py).
"""
from __future__ import annotations

import unicodedata
from dataclasses import dataclass

import numpy as np

CELL = 2  # pixels per occupancy cell: finer costs time, coarser wastes room between labels

# Spots tried around a point, as (x, y) of the label's top-left corner in units of
# (label width, label height), after a gap of `gap` pixels from the dot: right, left, above,
# below. Right first because that is where a reader looks for a name.
SPOTS = ((0.0, -0.5, 1, 0), (-1.0, -0.5, -1, 0), (-0.5, -1.0, 0, -1), (-0.5, 0.0, 0, 1))


@dataclass
class LabelPlan:
    """Labels that fit: candidate index, and each label's top-left corner in pixels."""

    chosen: np.ndarray   # int64 indices into the candidates, in placement order
    left: np.ndarray     # float64 pixel x of each chosen label's left edge
    top: np.ndarray      # float64 pixel y of each chosen label's top edge (y grows downwards)


def lay_out(xy, widths, heights, view_size, obstacles=None, required: int = 0,
            cap: int | None = None, gap: float = 4.0, obstacle_radius: float = 3.0) -> LabelPlan:
    """Place labels for candidate points `xy` (n, 2) in pixels (y down), in the given order.

    `widths` and `heights` are each label's size in pixels (a scalar height is shared).
    `obstacles` (m, 2) are pixel points no label may cover (highlighted words' dots). The
    first `required` candidates are always placed (at their first free spot, else to the
    right of their point) — the picked word is labelled even when crowded. At most `cap`
    labels are placed. Candidates outside the view are skipped.
    """
    xy = np.asarray(xy, dtype=np.float64).reshape(-1, 2)
    n = len(xy)
    widths = np.broadcast_to(np.asarray(widths, dtype=np.float64), (n,))
    heights = np.broadcast_to(np.asarray(heights, dtype=np.float64), (n,))
    vw, vh = (max(1, int(v)) for v in view_size)
    gw, gh = -(-vw // CELL), -(-vh // CELL)
    grid = np.zeros((gh + 1, gw + 1), dtype=bool)
    if obstacles is not None and len(obstacles):
        ob = np.asarray(obstacles, dtype=np.float64).reshape(-1, 2)
        r = obstacle_radius
        for (ox0, oy0), (ox1, oy1) in zip(_cells(ob - r, gw, gh), _cells(ob + r, gw, gh)):
            grid[oy0: oy1 + 1, ox0: ox1 + 1] = True
    cap = n if cap is None else int(cap)
    chosen, lefts, tops = [], [], []
    inside = (xy[:, 0] >= 0) & (xy[:, 0] < vw) & (xy[:, 1] >= 0) & (xy[:, 1] < vh)
    for i in np.flatnonzero(inside | (np.arange(n) < required)).tolist():
        if len(chosen) >= cap:
            break
        x, y = xy[i]
        w, h = widths[i], heights[i]
        spot = None
        for fx, fy, sx, sy in SPOTS:
            left = x + fx * w + sx * gap
            top = y + fy * h + sy * gap
            c0, r0 = int(left // CELL), int(top // CELL)
            c1, r1 = int((left + w) // CELL), int((top + h) // CELL)
            if c0 < 0 or r0 < 0 or c1 > gw or r1 > gh:
                continue  # a label cut by the edge of the view is no label
            if not grid[r0: r1 + 1, c0: c1 + 1].any():
                spot = (left, top, c0, r0, c1, r1)
                break
        if spot is None:
            if i >= required:
                continue
            left, top = x + gap, y - h / 2
            spot = (left, top, *(int(v // CELL) for v in (left, top, left + w, top + h)))
        left, top, c0, r0, c1, r1 = spot
        grid[max(r0, 0): r1 + 1, max(c0, 0): c1 + 1] = True
        chosen.append(i)
        lefts.append(left)
        tops.append(top)
    return LabelPlan(np.asarray(chosen, dtype=np.int64), np.asarray(lefts, dtype=np.float64),
                     np.asarray(tops, dtype=np.float64))


def _cells(p, gw, gh):
    c = np.clip((p // CELL).astype(np.int64), 0, [gw, gh])
    return c.tolist()


def in_view(coords, view, order=None, want: int = 400, block: int = 20_000) -> np.ndarray:
    """Positions (into `coords`) of the first `want` points inside `view` = (x0, x1, y0, y1),
    walking `order` (default: position order) a block at a time, so a view of a 400,000-point
    map costs a block or two, not a pass over every point."""
    x0, x1, y0, y1 = view
    order = np.arange(len(coords)) if order is None else np.asarray(order)
    found, count = [], 0
    for s in range(0, len(order), block):
        pos = order[s: s + block]
        c = coords[pos]
        hit = pos[(c[:, 0] >= x0) & (c[:, 0] <= x1) & (c[:, 1] >= y0) & (c[:, 1] <= y1)]
        found.append(hit)
        count += len(hit)
        if count >= want:
            break
    return np.concatenate(found)[:want] if found else np.empty(0, dtype=np.int64)


def label_text(word: str) -> str:
    """The text a label shows for a word: the word itself, with characters that draw as nothing
    or as an empty box (controls, format characters, lone spaces) written as \\uXXXX, and a word
    of punctuation alone between quote marks so "." and "," read as text, not as specks."""
    out = []
    for ch in word:
        cat = unicodedata.category(ch)
        if cat[0] == "C" or cat in ("Zl", "Zp") or (cat == "Zs" and len(word) == 1):
            out.append(f"\\u{ord(ch):04x}")
        else:
            out.append(ch)
    text = "".join(out)
    if text and not any(ch.isalnum() for ch in text):
        return f"\u201c{text}\u201d"
    return text or "\u201c\u201d"
