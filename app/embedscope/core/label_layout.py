"""Where the map's word labels go: placed greedily in priority order, never overlapping.

The caller hands candidates in priority order (the picked word, then results, then search
matches, then cluster names and landmarks) with their pixel positions and sizes; each label
tries a few spots around its point and takes the first that neither overlaps a label already
placed nor covers a marked point. Occupancy is a coarse bitmap of the view (a Python int per
row of 2-pixel cells), so a test is a few integer operations: a view of 400,000 points is laid
out in a few milliseconds (bench/map.py).
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
    # One Python int per row of cells, a bit per cell: testing a label's box is a handful of
    # shifts and ands, several times cheaper than slicing a numpy bitmap for boxes this small.
    grid = [0] * (gh + 1)
    if obstacles is not None and len(obstacles):
        ob = np.asarray(obstacles, dtype=np.float64).reshape(-1, 2)
        ob = ob[np.isfinite(ob).all(axis=1)]
        lo = np.clip(((ob - obstacle_radius) // CELL).astype(np.int64), 0, [gw, gh])
        hi = np.clip(((ob + obstacle_radius) // CELL).astype(np.int64), 0, [gw, gh])
        for (c0, r0), (c1, r1) in zip(lo.tolist(), hi.tolist()):
            bits = ((1 << (c1 - c0 + 1)) - 1) << c0
            for r in range(r0, r1 + 1):
                grid[r] |= bits
    cap = n if cap is None else int(cap)
    chosen, lefts, tops = [], [], []
    inside = (xy[:, 0] >= 0) & (xy[:, 0] < vw) & (xy[:, 1] >= 0) & (xy[:, 1] < vh)
    wl, hl = widths.tolist(), heights.tolist()
    for i in np.flatnonzero(inside | (np.arange(n) < required)).tolist():
        if len(chosen) >= cap:
            break
        x, y = xy[i].tolist()
        w, h = wl[i], hl[i]
        spot = None
        for fx, fy, sx, sy in SPOTS:
            left = x + fx * w + sx * gap
            top = y + fy * h + sy * gap
            c0, r0 = int(left // CELL), int(top // CELL)
            c1, r1 = int((left + w) // CELL), int((top + h) // CELL)
            if c0 < 0 or r0 < 0 or c1 > gw or r1 > gh:
                continue  # a label cut by the edge of the view is no label
            bits = ((1 << (c1 - c0 + 1)) - 1) << c0
            if not any(grid[r] & bits for r in range(r0, r1 + 1)):
                spot = (left, top, r0, r1, bits)
                break
        if spot is None:
            if i >= required:
                continue
            left, top = x + gap, y - h / 2
            c0, r0 = max(int(left // CELL), 0), max(int(top // CELL), 0)
            c1, r1 = min(int((left + w) // CELL), gw), min(int((top + h) // CELL), gh)
            spot = (left, top, r0, r1, ((1 << max(c1 - c0 + 1, 0)) - 1) << c0)
        left, top, r0, r1, bits = spot
        for r in range(r0, r1 + 1):
            grid[r] |= bits
        chosen.append(i)
        lefts.append(left)
        tops.append(top)
    return LabelPlan(np.asarray(chosen, dtype=np.int64), np.asarray(lefts, dtype=np.float64),
                     np.asarray(tops, dtype=np.float64))


def in_view(coords, view, order=None, want: int = 400, block: int = 4_000) -> np.ndarray:
    """Positions (into `coords`) of the first `want` points inside `view` = (x0, x1, y0, y1),
    walking `order` (default: position order) in blocks that grow fourfold, so a view of a
    400,000-point map costs a block or two, not a pass over every point."""
    x0, x1, y0, y1 = view
    order = np.arange(len(coords)) if order is None else np.asarray(order)
    found, count, s = [], 0, 0
    while s < len(order) and count < want:
        pos = order[s: s + block]
        c = coords[pos]
        hit = pos[(c[:, 0] >= x0) & (c[:, 0] <= x1) & (c[:, 1] >= y0) & (c[:, 1] <= y1)]
        found.append(hit)
        count += len(hit)
        s += block
        block *= 4
    return np.concatenate(found)[:want] if found else np.empty(0, dtype=np.int64)


def label_text(word: str) -> str:
    """The text a label shows for a word: the word itself, with characters that draw as nothing
    or as an empty box (controls, format characters, lone spaces) written as \\uXXXX, and a word
    of punctuation alone between quote marks so "." and "," read as text, not as specks."""
    if word.isprintable() and any(ch.isalnum() for ch in word):
        return word  # nearly every word: no per-character look-up
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
