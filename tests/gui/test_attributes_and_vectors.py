"""Colour and filter the map by any attribute; the Vectors panel; the norm histogram in Check."""
from __future__ import annotations

import numpy as np


def _pos_table(tmp_path, words):
    import csv

    p = tmp_path / "pos.csv"
    with open(p, "w", encoding="utf-8", newline="") as f:
        out = csv.writer(f)  # the commonest words include "," and '"': quoted as CSV does
        out.writerow(["word", "pos", "count"])
        out.writerows([w, "NOUN" if i % 3 else "VERB", i * 7] for i, w in enumerate(words))
    return p


def test_a_table_opened_from_the_window_colours_the_map_with_counts_in_the_legend(window,
                                                                                  tmp_path):
    st, mv = window.state, window.map_view
    words = [st.embedding.words[r] for r in mv.rows[:300]]
    dock = window.panels["attributes"]
    labels = dock.open_table(_pos_table(tmp_path, words))
    assert labels == ["pos", "count"]
    box = [mv.colour_box.itemText(i) for i in range(mv.colour_box.count())]
    assert "pos" in box and "count" in box
    st.set_colour_mode("pos")
    cols, idx, legend = mv.colour_indices("pos")
    texts = [t for _, t in legend]
    assert "NOUN (200)" in texts and "VERB (100)" in texts
    assert texts[-1].startswith("(missing)")  # words the table does not name, grey, last
    assert "NOUN (200)" in mv.legend.text()
    st.set_colour_mode("count")
    _, idx, legend = mv.colour_indices("count")
    assert len(legend) == 11 and sum(int(t.rsplit("(", 1)[1].rstrip(")").replace(",", ""))
                                     for _, t in legend) == len(mv.rows)
    # the built-in continuous mode counts its steps too
    _, idx, legend = mv.colour_indices("vector norm")
    assert len(legend) == 6 and sum(int(t.rsplit("(", 1)[1].rstrip(")").replace(",", ""))
                                    for _, t in legend) == len(mv.rows)


def test_brushing_a_range_selects_those_points_and_the_filter_hides_the_others(window):
    st, mv = window.state, window.map_view
    dock = window.panels["attributes"]
    dock.select_attribute("vector norm")
    norms = np.asarray(st.embedding.norms)[mv.rows]
    lo, hi = np.percentile(norms, [40, 60])
    dock.set_range(lo, hi)
    inside = mv.rows[(norms >= lo) & (norms <= hi)]
    assert set(st.selection.rows.tolist()) == set(inside.tolist())
    dock.filter_check.setChecked(True)
    assert st.attribute_filter is not None
    assert mv.visible is not None and mv.visible.sum() == len(inside)
    assert f"showing {len(inside):,} of {len(mv.rows):,}" in mv.legend.text()
    dock.filter_check.setChecked(False)
    assert mv.visible is None


def test_ticking_categories_filters_the_map_to_them(window, tmp_path):
    st, mv = window.state, window.map_view
    words = [st.embedding.words[r] for r in mv.rows[:300]]
    dock = window.panels["attributes"]
    dock.open_table(_pos_table(tmp_path, words))
    dock.select_attribute("pos")
    dock.filter_check.setChecked(True)
    from PySide6.QtCore import Qt

    item = next(dock.categories.item(i) for i in range(dock.categories.count())
                if dock.categories.item(i).text().startswith("VERB"))
    item.setCheckState(Qt.CheckState.Checked)
    assert mv.visible.sum() == 100 and len(st.selection) == 100


def test_a_bad_table_is_a_message_and_changes_nothing(window, tmp_path):
    p = tmp_path / "bad.csv"
    p.write_text("name,pos\nthe,DET\n", encoding="utf-8")
    dock = window.panels["attributes"]
    assert dock.open_table(p) == []
    assert "bad.csv, line 1" in dock.info.text() and window.state.attributes == {}


def test_the_vectors_panel_shows_the_selected_words_on_one_shared_scale(window, qtbot):
    st = window.state
    window.docks["vectors"].show()
    window.docks["vectors"].raise_()
    vec = window.panels["vectors"]
    rows = [st.embedding.row(w) for w in ("king", "queen", "man", "woman")]
    st.select_add(rows, "test")
    vec.refresh()
    assert vec.rows.tolist() == rows
    img = vec.heatmap.image
    assert img.shape == (4, st.embedding.dim)
    lo, hi = vec.colour_bar.levels()
    assert lo == -hi > -10
    vec.order_box.setCurrentText("by difference")
    vec.word_a.setText("king")
    vec.word_b.setText("queen")
    vec.refresh()
    v = np.asarray(st.embedding.vectors)
    diff = np.abs(v[rows[0]] - v[rows[1]])
    assert vec.order[0] == int(np.argmax(diff))
    assert "|king − queen|" in vec.info.text()


def test_the_norm_outlier_finding_shows_the_norm_histogram(window, qtbot):
    check = window.panels["check"]
    qtbot.waitUntil(lambda: check.report is not None, timeout=60000)
    window.docks["check"].show()
    window.docks["check"].raise_()
    check.show_norms([0, 1, 2])
    assert check.norm_plot.isVisible()
    xs, _ = check.norm_marks.getData()
    assert len(xs) == 6


def test_a_point_the_filter_hides_cannot_be_hovered(window):
    mv = window.map_view
    x, y = mv.coords[0]
    row = mv.row_at(x, y, pixels=1)
    assert row == mv.rows[0]
    mask = np.ones(len(mv.rows), dtype=bool)
    mask[0] = False
    mv.set_visible_mask(mask)
    assert mv.row_at(x, y, pixels=1) != mv.rows[0]
    mv.set_visible_mask(None)
    assert mv.row_at(x, y, pixels=1) == mv.rows[0]


def test_the_category_palette_is_the_distinct_colours_search_written_out():
    from embedscope.core.attributes import distinct_colours
    from embedscope.gui import colour_modes

    assert colour_modes.DISTINCT == distinct_colours(colour_modes.CATEGORY_COLOURS - 1)


def test_a_table_chosen_in_the_open_dialog_is_read_off_the_ui_thread(window, qtbot, tmp_path):
    import threading

    st = window.state
    words = [st.embedding.words[r] for r in window.map_view.rows[:300]]
    table = _pos_table(tmp_path, words)
    dock = window.panels["attributes"]
    from embedscope.io import attributes as io_attributes

    threads = []
    read = io_attributes.read_attribute_table

    def spy(path, emb):
        threads.append(threading.current_thread())
        return read(path, emb)

    io_attributes.read_attribute_table = spy
    try:
        dock.read_table(table)
        qtbot.waitUntil(lambda: "pos" in st.attributes, timeout=20000)
    finally:
        io_attributes.read_attribute_table = read
    assert threads and threads[0] is not threading.main_thread()
    assert dock.tables == [str(table.resolve())] and dock.box.currentText() == "pos"
    # a table that cannot be read says so in the panel, and nothing is added
    bad = tmp_path / "bad.csv"
    bad.write_text("token_id,pos\n1,NOUN\n", encoding="utf-8")
    dock.read_table(bad)
    qtbot.waitUntil(lambda: "no word column" in dock.info.text(), timeout=20000)
    assert dock.tables == [str(table.resolve())]
