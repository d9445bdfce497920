"""The window's panels in a small window: result tables get the room, nothing is cut off, and no
panel's tab is drawn twice."""
from __future__ import annotations

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QTabBar


def small_window(qtbot, size):
    from embedscope.gui.main_window import MainWindow

    w = MainWindow(restore=False)
    w.questions.show_error = lambda title, text: pytest.fail(text)
    qtbot.addWidget(w)
    w.resize(*size)
    w.show()
    w.open_sample()
    qtbot.waitUntil(lambda: w.state.projection is not None
                    and w.panels["check"].report is not None, timeout=30000)
    return w


def tab_texts(w):
    """The tabs of each tab bar the window shows."""
    return [[bar.tabText(i) for i in range(bar.count())]
            for bar in w.findChildren(QTabBar, options=Qt.FindChildOption.FindDirectChildrenOnly)
            if bar.isVisible()]


def rows_shown(table) -> int:
    return table.viewport().height() // table.verticalHeader().defaultSectionSize()


@pytest.fixture
def stop_jobs():
    yield
    from embedscope.gui.workers import wait_for_jobs

    wait_for_jobs(10000)


def test_at_1280_by_720_an_analogy_shows_all_ten_answers_and_the_whole_evaluation(
        qtbot, stop_jobs):
    w = small_window(qtbot, (1280, 720))
    # the panels' minimum sizes fit: the window is not pushed taller or wider
    assert (w.width(), w.height()) == (1280, 720)
    an = w.panels["analogy"]
    w.docks["analogy"].raise_()
    an.field.setText("paris - france + italy")
    an.solve()
    qtbot.waitUntil(lambda: len(an.results) == 10 and not an.runner.busy, timeout=20000)
    an.evaluate()
    qtbot.waitUntil(lambda: an.evaluation is not None, timeout=120000)
    qtbot.wait(100)
    assert (w.width(), w.height()) == (1280, 720)
    assert rows_shown(an.table) >= 10
    # the evaluation's text is shown whole, and a few sections of it without scrolling
    assert an.eval_status.height() >= an.eval_status.heightForWidth(an.eval_status.width())
    assert rows_shown(an.sections) >= 3
    # the attributes panel, opened beside it, takes nothing from the analogy's answers
    w.docks["attributes"].raise_()
    w.docks["selection"].raise_()
    qtbot.wait(100)
    assert rows_shown(an.table) >= 10
    assert (w.width(), w.height()) == (1280, 720)
    # a word off the map, offered and then mapped around, with a continuous attribute's
    # histogram open beside the search: still 1280×720
    panel = w.panels["attributes"]
    w.docks["attributes"].raise_()
    panel.select_attribute("vector norm")
    w.search.field.setText("frog")
    w.search.search()
    assert w.search.around.isVisibleTo(w.search)
    w.search.around.click()
    frog = w.state.embedding.row("frog")
    qtbot.waitUntil(lambda: w.state.picked == frog and w.map_view.pos_of_row[frog] >= 0,
                    timeout=60000)
    qtbot.wait(100)
    assert panel.plot.isVisibleTo(panel)
    assert (w.width(), w.height()) == (1280, 720)


def test_result_panels_have_the_right_side_to_themselves(window, qtbot):
    central = window.centralWidget().height()
    for key in ("neighbours", "compare"):
        window.docks[key].raise_()
        qtbot.wait(50)
        assert window.docks[key].height() >= 0.85 * central


def test_no_panel_tab_is_drawn_twice_first_start_or_restored(qtbot, stop_jobs):
    window = small_window(qtbot, (1280, 720))
    qtbot.wait(50)
    tabs = tab_texts(window)
    seen = [t for bar in tabs for t in bar]
    assert len(seen) == len(set(seen)), tabs
    assert sorted(seen) == sorted(["Check", "Selection", "Attributes", "Neighbours", "Analogy",
                                   "Compare", "Vectors"])
    # Qt can leave the tab bar of a group's first two docks behind, drawn over the window
    # where the group once stood (seen building the window and restoring a layout): it goes
    stray = QTabBar(window)
    for text in ("Check", "Selection"):
        stray.addTab(text)
    stray.setGeometry(window.docks["check"].x() - 100, 400, 300, 26)
    stray.show()
    window.save_settings()
    window.restore_settings()
    qtbot.waitUntil(lambda: not stray.isVisible(), timeout=2000)
    from embedscope.gui.main_window import MainWindow

    again = MainWindow(restore=True)
    qtbot.addWidget(again)
    again.show()
    qtbot.wait(100)
    tabs = tab_texts(again)
    seen = [t for bar in tabs for t in bar]
    assert len(seen) == len(set(seen)), tabs


def test_at_1280_by_720_a_comparison_keeps_the_window_size(qtbot, stop_jobs, tmp_path):
    import numpy as np

    w = small_window(qtbot, (1280, 720))
    src = w.state.embedding
    rng = np.random.default_rng(0)
    b = tmp_path / "embedding_weights_finetuned.npy"   # a long name, shown while it opens
    np.save(b, np.asarray(src.vectors, dtype=np.float32)
            + rng.normal(0, 0.1, src.vectors.shape).astype(np.float32))
    b.with_suffix(".vocab.txt").write_text("".join(x + "\n" for x in src.words),
                                           encoding="utf-8")
    panel = w.panels["compare"]
    w.docks["compare"].raise_()
    panel.open_other(str(b))
    qtbot.waitUntil(lambda: panel.view is not None and not panel.runner.busy, timeout=60000)
    qtbot.wait(100)
    assert (w.width(), w.height()) == (1280, 720)
    assert rows_shown(panel.table) >= 6


def test_a_file_with_a_long_name_does_not_widen_a_1280_pixel_window(qtbot, stop_jobs,
                                                                    tmp_path, sample_path):
    import shutil

    w = small_window(qtbot, (1280, 720))
    name = "glove_6B_50d_most_frequent_twenty_thousand_words_sample_for_testing"
    shutil.copy(sample_path, tmp_path / f"{name}.npy")
    shutil.copy(sample_path.with_suffix(".vocab.txt"), tmp_path / f"{name}.vocab.txt")
    w.open_file(str(tmp_path / f"{name}.npy"))
    qtbot.waitUntil(lambda: w.state.embedding is not None
                    and w.state.embedding.source.path.endswith(f"{name}.npy")
                    and w.panels["check"].report is not None, timeout=30000)
    for key in ("check", "selection", "attributes"):
        w.docks[key].raise_()
        qtbot.wait(50)
    assert name in w.panels["check"].pairing.text()  # the name is there, cut at the edge
    assert (w.width(), w.height()) == (1280, 720)
