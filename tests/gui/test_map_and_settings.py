"""The map's colours, saving and hover; background jobs; what the window remembers."""
from __future__ import annotations

import threading

import numpy as np

from embedscope.gui import colour_modes


def test_every_colour_mode_colours_every_point_and_has_a_legend(window, qtbot):
    mv, st = window.map_view, window.state
    st.select_add(mv.rows[:25], "lasso")
    st.set_highlight(mv.rows[:7], "search")
    for mode in colour_modes.labels():
        st.set_colour_mode(mode)
        if mode == "cluster":
            qtbot.waitUntil(lambda: mv._cluster_labels is not None, timeout=20000)
        cols, idx, legend = mv.colour_indices(mode)
        assert len(idx) == len(mv.rows) and idx.max() < len(cols)
        assert legend and mv.legend.isVisible()
        assert mv.scatter.count() == len(mv.rows)
    st.set_colour_mode("selection")
    _, idx, legend = mv.colour_indices("selection")
    assert (idx == 1).sum() == 25 and "25" in legend[0][1]
    st.set_colour_mode("cluster")
    _, idx, _ = mv.colour_indices("cluster")
    assert len(set(idx.tolist())) == 8
    # the map's clusters are core.clustering's, computed through the map's job runner
    from embedscope.core.clustering import cluster_rows

    assert np.array_equal(idx, cluster_rows(st.embedding, mv.rows, k=8))


def test_the_colour_box_lists_the_registered_modes_the_compare_dock_s_last(window):
    box = window.map_view.colour_box
    shown = [box.itemText(i) for i in range(box.count())]
    assert shown == colour_modes.labels() == [
        "frequency rank", "vector norm", "cluster", "check finding", "search match",
        "selection", "change (cosine to B)"]


def test_a_colour_mode_redraws_when_what_it_shows_changes(window):
    mv, st = window.map_view, window.state
    st.set_colour_mode("selection")
    st.select_add(mv.rows[:10], "lasso")
    assert "selected (10)" in mv.legend.text()
    st.select_add(mv.rows[10:15], "lasso")
    assert "selected (15)" in mv.legend.text()
    st.set_colour_mode("search match")
    st.set_highlight(mv.rows[:3], "neighbours")
    assert "neighbours (3)" in mv.legend.text()


def test_a_saved_colour_mode_that_no_longer_exists_is_ignored(window, qtbot):
    from embedscope.gui import settings as app_settings
    from embedscope.gui.main_window import MainWindow

    window.close()
    app_settings.settings().setValue("map/colour_mode", "a mode of an older version")
    again = MainWindow(restore=True)
    qtbot.addWidget(again)
    assert again.state.colour_mode == "frequency rank"


def test_save_plot_and_coordinates(window, tmp_path):
    mv = window.map_view
    png, svg, tsv = tmp_path / "map.png", tmp_path / "map.svg", tmp_path / "map.tsv"
    mv.save_image(str(png))
    mv.save_image(str(svg))
    assert png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert "<svg" in svg.read_text(encoding="utf-8")[:2000]
    mv.write_coordinates(str(tsv))
    lines = tsv.read_text(encoding="utf-8").splitlines()
    assert lines[0] == "word\tx\ty\trow" and len(lines) == len(mv.rows) + 1
    word, x, y, row = lines[1].split("\t")
    assert word == window.state.embedding.words[int(row)]
    assert np.allclose([float(x), float(y)], mv.coords[0], rtol=1e-5)


def test_mouse_over_a_point_shows_its_word(window, qtbot):
    from PySide6.QtCore import QPoint

    mv, emb = window.map_view, window.state.embedding
    row = emb.row("paris")
    window.state.centre_requested.emit(row)
    qtbot.wait(50)
    pos = mv.coords[mv.pos_of_row[row]]
    from PySide6.QtCore import QPointF

    scene = mv.viewbox.mapViewToScene(QPointF(*pos))
    view_pt = mv.plot.mapFromScene(scene)
    qtbot.mouseMove(mv.plot.viewport(), QPoint(view_pt.x(), view_pt.y()))
    qtbot.waitUntil(lambda: mv.hover_row >= 0, timeout=3000)
    near = mv.coords[mv.pos_of_row[mv.hover_row]]
    px = np.abs((near - pos) / np.array(mv.viewbox.viewPixelSize()))
    assert (px <= 8.5).all()
    assert emb.words[mv.hover_row] in mv.hover_text.textItem.toPlainText()


def test_a_newer_job_replaces_the_older_ones_result(qtbot):
    from embedscope.gui.workers import JobRunner

    runner = JobRunner("test")
    release = threading.Event()

    def slow(progress=None, should_stop=None):
        release.wait(5)
        return "old"

    def fast(progress=None, should_stop=None):
        return "new"

    got = []
    runner.finished.connect(got.append)
    runner.start(slow)
    with qtbot.waitSignal(runner.finished, timeout=5000):
        runner.start(fast)
    release.set()
    qtbot.wait(100)
    assert got == ["new"]


def test_failures_and_progress_arrive_on_the_ui_thread(qtbot):
    from embedscope.core.errors import EmbedscopeError
    from embedscope.core.jobs import Job
    from embedscope.gui.workers import JobRunner

    runner = JobRunner("test")
    seen = []
    runner.progress.connect(lambda d, t, m: seen.append((d, t, m)))

    def work(progress=None, should_stop=None):
        job = Job(progress, should_stop)
        job.step(5, 10, "half")
        raise EmbedscopeError("bad input")

    with qtbot.waitSignal(runner.failed, timeout=5000) as sig:
        runner.start(work)
    assert str(sig.args[0]) == "bad input"
    assert seen and seen[0] == (500, 1000, "half")
    assert not runner.busy


def test_layout_colour_mode_and_recent_files_are_remembered(window, qtbot, tmp_path):
    from embedscope.gui.main_window import MainWindow
    from embedscope.gui.settings import recent_files

    window.state.set_colour_mode("vector norm")
    window.docks["search"].hide()
    window.close()
    again = MainWindow(restore=True)
    qtbot.addWidget(again)
    assert again.state.colour_mode == "vector norm"
    assert again.docks["search"].isHidden()
    assert recent_files()[0].endswith("glove.6B.50d.20k.npy")
    assert (tmp_path / "settings" / "embedscope.ini").is_file()


def test_about_names_the_versions(window):
    import PySide6

    import embedscope

    text = window.about_text()
    assert embedscope.__version__ in text and PySide6.__version__ in text


def test_a_projection_run_from_the_panel_replaces_the_map(window, qtbot):
    panel, st = window.projection_panel, window.state
    panel.method.setCurrentIndex(3)  # word axes
    panel.x_axis.setText("man:woman")
    panel.y_axis.setText("bad:good")
    with qtbot.waitSignal(panel.runner.finished, timeout=30000):
        panel.run()
    assert st.projection.method == "axes"
    assert len(window.map_view.rows) == 10000
    assert "AXES" in panel.status.text()
    panel.y_axis.setText("bad:goodd_not_a_word")
    with qtbot.waitSignal(panel.runner.failed, timeout=30000):
        panel.run()
    assert "goodd_not_a_word" in panel.status.text()
    assert st.projection.method == "axes"  # the old map stays


def test_the_map_follows_a_dark_palette(window, qtbot):
    from PySide6.QtGui import QColor, QPalette
    from PySide6.QtWidgets import QApplication

    app = QApplication.instance()
    old = app.palette()
    dark = QPalette(old)
    dark.setColor(QPalette.ColorRole.Base, QColor("#1e1e1e"))
    dark.setColor(QPalette.ColorRole.Window, QColor("#2b2b2b"))
    dark.setColor(QPalette.ColorRole.Text, QColor("#e0e0e0"))
    try:
        app.setPalette(dark)
        mv = window.map_view
        qtbot.waitUntil(lambda: mv.plot.backgroundBrush().color().name() == "#1e1e1e",
                        timeout=3000)
        assert mv._dark()
        # points outside the coloured set are drawn in the dark theme's grey
        window.state.set_colour_mode("selection")
        cols, _, _ = mv.colour_indices("selection")
        assert cols[0] == "#5a5a5a"
    finally:
        app.setPalette(old)


def test_the_map_draws_400000_points(qtbot):
    """A map of every word of a 400,000-word file: all points drawn, hover index built off
    the UI thread, and the view still answers."""
    from types import SimpleNamespace

    from embedscope.core.embedding import Embedding
    from embedscope.gui.main_window import MainWindow

    n = 400_000
    rng = np.random.default_rng(0)
    emb = Embedding([f"w{i}" for i in range(n)], rng.standard_normal((n, 4)).astype(np.float32))
    w = MainWindow(restore=False)
    qtbot.addWidget(w)
    w.panels["check"].run = lambda *a, **k: None  # not under test here
    w.projection_panel._on_embedding = lambda e: None
    w.show()
    w.state.set_embedding(emb)
    coords = rng.standard_normal((n, 2)).astype(np.float32)
    w.state.set_projection(SimpleNamespace(coords=coords, rows=np.arange(n), method="pca",
                                           params={}, quality=None, explained_variance=None,
                                           seconds=0.0, from_cache=False))
    mv = w.map_view
    assert mv.scatter.count() == n
    t = mv.scatter.deviceTransform(mv.plot.viewportTransform())
    vp = mv.plot.viewport()
    img = mv.scatter.render_image(t, vp.width(), vp.height())
    assert img is not None and img.width() == vp.width()
    # the dots cover a good share of the plot's pixels
    assert (mv.scatter._buf != 0).mean() > 0.1
    qtbot.waitUntil(lambda: mv.index is not None, timeout=30000)
    x, y = coords[123456]
    assert mv.row_at(float(x), float(y)) >= 0
    from embedscope.gui.workers import wait_for_jobs

    wait_for_jobs(10000)


def test_a_visible_mask_hides_points_from_drawing_labels_hover_and_selection(window):
    """The map's filter hook: hidden points are not drawn, labelled, hovered nor selected."""
    mv, st = window.map_view, window.state
    n = len(mv.rows)
    mask = np.zeros(n, dtype=bool)
    mask[::2] = True
    st.pick(int(mv.rows[1]))
    mv.set_visible_mask(mask)
    assert mv.scatter.count() == mask.sum()
    assert int(mv.rows[1]) not in mv.label_rows()
    x, y = mv.coords[1]
    assert mv.row_at(float(x), float(y), pixels=0.01) == -1
    st.select_clear()
    everything = (mv.coords.min(0) - 1, mv.coords.max(0) + 1)
    mv.select_rect((*everything[0], *everything[1]))
    assert len(st.selection.rows) == mask.sum()
    mv.set_visible_mask(None)
    assert mv.scatter.count() == n
    assert int(mv.rows[1]) in mv.label_rows()
