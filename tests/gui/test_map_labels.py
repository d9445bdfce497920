"""The map a user reads: labels by priority, Fit framing every point, a word brought onto the
map with its neighbourhood, the density view and named clusters."""
from __future__ import annotations

import numpy as np


def _boxes(mv):
    """Each drawn label's box in view pixels."""
    (x0, x1, y0, y1), (w, h) = mv._view_pixels()
    out = []
    for lab in mv.labels_item.labels:
        px = (lab.x - x0) / (x1 - x0) * w + lab.dx
        py = (y1 - lab.y) / (y1 - y0) * h + lab.dy
        bw, bh = mv.labels_item.size(lab.text, lab.style)
        out.append((px, py, px + bw, py + bh))
    return out


def test_the_picked_word_and_its_neighbours_are_labelled_without_overlaps(window, qtbot):
    mv, st = window.map_view, window.state
    emb = st.embedding
    st.pick(emb.row("france"), centre=True)
    qtbot.waitUntil(lambda: st.highlight_kind == "neighbours", timeout=20000)
    mv._view_changed()
    rows = mv.label_rows()
    assert rows[0] == emb.row("france")
    shown = set(np.asarray(st.highlight_rows)[:20].tolist())
    assert len(shown & set(rows)) >= 10          # the results are labelled first …
    assert len(rows) > len(shown & set(rows))    # … then landmarks fill the free room
    boxes = _boxes(mv)
    for i, a in enumerate(boxes):
        for b in boxes[i + 1:]:
            assert not (a[0] < b[2] - 0.5 and b[0] < a[2] - 0.5
                        and a[1] < b[3] - 0.5 and b[1] < a[3] - 0.5), (a, b)


def test_labels_are_laid_out_again_when_the_view_zooms(window, qtbot):
    mv, st = window.map_view, window.state
    mv.fit()
    mv._view_changed()
    before = set(mv.label_rows())
    x, y = mv.coords[mv.pos_of_row[st.embedding.row("paris")]]
    mv.viewbox.setRange(xRange=(x - 0.2, x + 0.2), yRange=(y - 0.2, y + 0.2), padding=0)
    qtbot.waitUntil(lambda: set(mv.label_rows()) != before, timeout=3000)
    (x0, x1, y0, y1), _ = mv._view_pixels()
    for r in mv.label_rows():
        px, py = mv.coords[mv.pos_of_row[r]]
        assert x0 <= px <= x1 and y0 <= py <= y1


def test_fit_shows_every_point(window):
    mv = window.map_view
    mv.viewbox.setRange(xRange=(0, 0.1), yRange=(0, 0.1))
    mv.fit()
    (x0, x1), (y0, y1) = mv.viewbox.viewRange()
    lo, hi = mv.coords.min(axis=0), mv.coords.max(axis=0)
    assert x0 <= lo[0] and x1 >= hi[0] and y0 <= lo[1] and y1 >= hi[1]


def test_a_word_not_on_the_map_is_mapped_with_its_neighbourhood(window, qtbot):
    st, dock, mv = window.state, window.search, window.map_view
    row = st.embedding.row("frog")
    assert row >= 10000 and mv.pos_of_row[row] < 0   # the sample's map holds 10,000 words
    dock.field.setText("frog")
    dock.search()
    assert not dock.around.isHidden() and "frog" in dock.around.text()
    old = len(mv.rows)
    dock.around.click()
    qtbot.waitUntil(lambda: mv.pos_of_row[row] >= 0 and st.picked == row, timeout=60000)
    assert old < len(mv.rows) <= old + 501
    assert mv.label_rows()[0] == row                   # labelled …
    (x0, x1), (y0, y1) = mv.viewbox.viewRange()
    x, y = mv.coords[mv.pos_of_row[row]]
    assert abs(x - (x0 + x1) / 2) < 1e-6 * max(1, abs(x)) + (x1 - x0) * 0.01  # … and centred
    assert abs(y - (y0 + y1) / 2) < (y1 - y0) * 0.01 + 1e-9
    assert dock.around.isHidden()


def test_the_density_view_replaces_the_dots_and_follows_the_filter(window, qtbot):
    mv = window.map_view
    assert not mv.density_button.isChecked()   # 10,000 points: dots
    mv.density_button.setChecked(True)
    assert mv.density_item.isVisible() and not mv.scatter.isVisible()
    img = mv.density_item.image
    assert img is not None and (img[..., 3] > 0).sum() > 1000
    mask = np.zeros(len(mv.rows), dtype=bool)
    mask[:100] = True
    mv.set_visible_mask(mask)
    mv._view_changed()
    assert 0 < (mv.density_item.image[..., 3] > 0).sum() <= 100
    mv.density_button.setChecked(False)
    assert mv.scatter.isVisible() and not mv.density_item.isVisible()
    # choosing a colour shows the dots, where colours show
    mv.density_button.setChecked(True)
    window.state.set_colour_mode("vector norm")
    assert mv.scatter.isVisible() and not mv.density_button.isChecked()


def test_clusters_are_named_by_central_words_and_selected_by_name(window, qtbot):
    mv, st = window.map_view, window.state
    mv.fit()
    mv.clusters_button.setChecked(True)
    qtbot.waitUntil(lambda: len(mv._cluster_names) == 8, timeout=30000)
    mv._view_changed()
    assert mv._cluster_boxes, "some cluster names fit the whole map"
    c, left, top, w, h = mv._cluster_boxes[0]
    (x0, x1, y0, y1), (pw, ph) = mv._view_pixels()
    x = x0 + (left + w / 2) / pw * (x1 - x0)
    y = y1 - (top + h / 2) / ph * (y1 - y0)
    assert mv.cluster_at(x, y) == c
    st.select_clear()
    n = mv.select_cluster(c)
    members = mv.rows[mv._cluster_labels[1] == c]
    assert n == len(members) and set(st.selection.rows.tolist()) == set(members.tolist())
