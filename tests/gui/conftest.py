"""Window fixtures: a private settings folder, and a window with the sample open and mapped."""
from __future__ import annotations

import pytest

pytest.importorskip("pytestqt")


@pytest.fixture(autouse=True)
def _private_settings(tmp_path, monkeypatch):
    """QSettings go to a temporary folder: a test never touches the user's own settings."""
    monkeypatch.setenv("EMBEDSCOPE_SETTINGS_DIR", str(tmp_path / "settings"))


@pytest.fixture(autouse=True)
def _no_blocking_words_file_question(monkeypatch):
    """Several words files beside a matrix make the window ask which one: a test that does not
    answer gets the first (the one a name match prefers) instead of a dialog that never ends."""
    from embedscope.gui import opening

    monkeypatch.setattr(opening.Questions, "pick_words_file",
                        lambda self, path, candidates: candidates[0])


@pytest.fixture(autouse=True)
def _private_map_cache(tmp_path, monkeypatch):
    """Each window test starts with an empty cache: the window reopens a file on its last
    cached map, and a map another test drew (of a selection, say) must not leak in."""
    monkeypatch.setenv("EMBEDSCOPE_CACHE_DIR", str(tmp_path / "cache"))


@pytest.fixture
def errors():
    return []


@pytest.fixture
def window(qtbot, errors):
    from embedscope.gui.main_window import MainWindow

    w = MainWindow(restore=False)
    w.questions.show_error = lambda title, text: errors.append(text)  # never block on a dialog
    qtbot.addWidget(w)
    w.show()
    w.open_sample()
    qtbot.waitUntil(lambda: w.state.projection is not None, timeout=20000)
    yield w
    from embedscope.gui.workers import wait_for_jobs

    for runner in w.findChildren(type(w.loader)):
        runner.cancel(quiet=True)
    wait_for_jobs(10000)
