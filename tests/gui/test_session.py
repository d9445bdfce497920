"""Sessions: File → Save session writes one small file, and opening it puts the window back as
it was — source, selection (named word lists), map and view, colour, queries, comparison and
export plan, attribute tables, filter and the map's Density and Clusters toggles; paths beside
the session move with it; a source changed on disk is named first."""
from __future__ import annotations

import json
import os
import shutil
from pathlib import Path

import numpy as np
import pytest

from embedscope.core.export import ExportPlan
from embedscope.core.vocabulary import TopWords, Words

SHOTS = Path("/tmp/shots-h19")


def _copy_sample(sample_path, folder: Path) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    shutil.copy(sample_path, folder / "vectors.npy")
    shutil.copy(str(sample_path).replace(".npy", ".vocab.txt"), folder / "vectors.vocab.txt")
    return folder / "vectors.npy"


def _new_window(qtbot, errors):
    from embedscope.gui.main_window import MainWindow

    w = MainWindow(restore=False)
    w.questions.show_error = lambda title, text: errors.append(text)
    qtbot.addWidget(w)
    w.show()
    return w


def _restore(qtbot, window, path):
    notes = []
    restorer = window.open_session(path)
    assert restorer is not None
    with qtbot.waitSignal(restorer.finished, timeout=60000) as blocker:
        pass
    notes.extend(blocker.args[0])
    return notes


def _set_up(window, qtbot, tmp_path, sample):
    """A window in a state worth saving: every part a session holds has a value."""
    st = window.state
    panel = window.projection_panel
    panel.limit.setValue(3000)
    panel.seed.setValue(3)
    with qtbot.waitSignal(st.projection_changed, timeout=30000):
        panel.run(method="pca")
    window.map_view.viewbox.setRange(xRange=(-1.0, 2.0), yRange=(-0.5, 1.5), padding=0)
    st.select_add([sample.row(w) for w in ("paris", "london", "berlin", "rome")], "lasso")
    st.select_add([sample.row(w) for w in ("king", "queen")], "neighbours")
    st.set_colour_mode("vector norm")
    nb = window.panels["neighbours"]
    nb.k.setValue(7)
    st.pick(sample.row("france"))
    an = window.panels["analogy"]
    an.field.setText("king - man + woman")
    an.solve()
    other = np.asarray(sample.vectors).copy()
    other[:, 0] *= -1
    b_path = tmp_path / "project" / "other.npy"
    np.save(b_path, other)
    (tmp_path / "project" / "other.vocab.txt").write_text("\n".join(sample.words) + "\n",
                                                          encoding="utf-8")
    cmp = window.panels["compare"]
    with qtbot.waitSignal(cmp.other_changed, timeout=30000):
        cmp.open_other(str(b_path), ask=False)
    dlg = window.export_dialog()
    qtbot.addWidget(dlg)
    dlg.set_plan(ExportPlan(sources=[Words(["paris", "rome"], label="selection on the plot"),
                                     TopWords(100, combine="union")], pad="<pad>", unk=None,
                            format="npz", seed=11), str(tmp_path / "project" / "export"))
    return b_path


def test_a_session_round_trips_and_restores_the_window(qtbot, sample_path, sample, tmp_path,
                                                       errors):
    source = _copy_sample(sample_path, tmp_path / "project")
    first = _new_window(qtbot, errors)
    first.open_file(str(source))
    qtbot.waitUntil(lambda: first.state.projection is not None, timeout=30000)
    b_path = _set_up(first, qtbot, tmp_path, sample)
    qtbot.waitUntil(lambda: bool(first.panels["analogy"].results), timeout=30000)
    session_path = tmp_path / "project" / "mine.session.json"
    first.save_session(str(session_path))
    assert errors == []
    saved = json.loads(session_path.read_text(encoding="utf-8"))
    # Paths beside the session are relative; the selection is named word lists.
    assert saved["source"]["path"] == "vectors.npy"
    assert saved["comparison"]["path"] == "other.npy"
    assert saved["selection"] == [{"name": "lasso", "words": ["paris", "london", "berlin",
                                                              "rome"]},
                                  {"name": "neighbours", "words": ["king", "queen"]}]
    assert saved["map"]["first"] == 3000 and saved["map"]["method"] == "pca"
    view = first.map_view.viewbox.viewRange()

    second = _new_window(qtbot, errors)
    notes = _restore(qtbot, second, str(session_path))
    assert notes == [] and errors == []
    st = second.state
    assert st.embedding.source.path == str(source)
    assert st.selection.words(st.embedding) == ["paris", "london", "berlin", "rome", "king",
                                                "queen"]
    assert st.selection.by_origin() == {"lasso": 4, "neighbours": 2}
    proj = st.projection
    assert proj.method == "pca" and len(proj.rows) == 3000 and proj.seed == 3
    assert proj.from_cache  # the map comes from the cache, not computed again
    np.testing.assert_allclose(second.map_view.viewbox.viewRange(), view, rtol=1e-6)
    assert st.colour_mode == "vector norm"
    assert st.picked == sample.row("france")
    nb = second.panels["neighbours"]
    assert nb.field.text() == "france" and nb.k.value() == 7
    an = second.panels["analogy"]
    qtbot.waitUntil(lambda: bool(an.results), timeout=30000)
    assert an.field.text() == "king - man + woman" and an.results[0].word == "queen"
    cmp = second.panels["compare"]
    qtbot.waitUntil(lambda: cmp.other is not None, timeout=30000)
    assert cmp.other.source.path == str(b_path)
    dlg = second.export_dialog_if_made()
    assert dlg is not None and dlg.isVisible() and saved["export"]["open"]
    assert dlg.plan().to_dict(all_words=True) == \
        first.export_dialog_if_made().plan().to_dict(all_words=True)
    assert dlg.folder.text() == str(tmp_path / "project" / "export")
    SHOTS.mkdir(parents=True, exist_ok=True)
    qtbot.wait(300)  # the map's labels are placed a moment after the view settles
    second.grab().save(str(SHOTS / "restored-window.png"))


def test_a_session_restores_attribute_tables_the_filter_and_the_map_toggles(
        qtbot, sample_path, sample, tmp_path, errors):
    from PySide6.QtCore import Qt

    source = _copy_sample(sample_path, tmp_path / "project")
    table = tmp_path / "project" / "tags.csv"
    table.write_text("word,group,score\n" + "".join(
        f"{w},{'even' if i % 2 == 0 else 'odd'},{i * 0.5}\n"
        for i, w in enumerate(sample.words[:4000]) if "," not in w and '"' not in w),
        encoding="utf-8")
    first = _new_window(qtbot, errors)
    first.open_file(str(source))
    qtbot.waitUntil(lambda: first.state.projection is not None, timeout=30000)
    first.docks["attributes"].show()
    panel = first.panels["attributes"]
    assert panel.open_table(str(table)) == ["group", "score"]
    first.state.set_colour_mode("score")
    panel.select_attribute("group")
    even = next(panel.categories.item(i) for i in range(panel.categories.count())
                if panel.categories.item(i).data(Qt.ItemDataRole.UserRole) == "even")
    even.setCheckState(Qt.CheckState.Checked)
    panel.filter_check.setChecked(True)
    first.map_view.density_button.setChecked(True)
    first.map_view.clusters_button.setChecked(True)
    mask = first.map_view.visible.copy()
    assert 0 < mask.sum() < len(mask)
    session_path = tmp_path / "project" / "tags.session.json"
    first.save_session(str(session_path))
    saved = json.loads(session_path.read_text(encoding="utf-8"))
    assert saved["attributes"]["tables"] == ["tags.csv"]  # beside the session: relative
    assert saved["attributes"]["filter"] == {"attribute": "group", "categories": ["even"]}
    assert saved["attributes"]["show_only"]

    second = _new_window(qtbot, errors)
    assert _restore(qtbot, second, str(session_path)) == []
    st = second.state
    assert st.colour_mode == "score" and second.map_view.colour_box.currentText() == "score"
    assert st.attribute_filter == first.state.attribute_filter
    assert second.panels["attributes"].filter_check.isChecked()
    np.testing.assert_array_equal(second.map_view.visible, mask)
    assert second.map_view.density_button.isChecked()
    assert second.map_view.clusters_button.isChecked()
    # The panel shows the filter put back once it is opened, and leaves the selection be.
    second.docks["attributes"].show()
    assert second.panels["attributes"].current_filter() == first.state.attribute_filter
    assert len(st.selection.rows) == len(first.state.selection.rows)
    assert errors == []


def test_a_range_filter_that_only_brushes_comes_back_without_hiding_points(
        qtbot, sample_path, tmp_path, errors):
    source = _copy_sample(sample_path, tmp_path / "project")
    first = _new_window(qtbot, errors)
    first.open_file(str(source))
    qtbot.waitUntil(lambda: first.state.projection is not None, timeout=30000)
    first.docks["attributes"].show()
    panel = first.panels["attributes"]
    panel.select_attribute("vector norm")
    low, high = (float(v) for v in np.quantile(first.state.embedding.norms, [0.2, 0.4]))
    panel.set_range(low, high)
    first.map_view.clusters_button.setChecked(False)
    first.save_session(str(tmp_path / "project" / "r.session.json"))

    second = _new_window(qtbot, errors)
    assert _restore(qtbot, second, str(tmp_path / "project" / "r.session.json")) == []
    assert second.state.attribute_filter is None and second.map_view.visible is None
    second.docks["attributes"].show()
    again = second.panels["attributes"]
    assert again.box.currentText() == "vector norm" and not again.filter_check.isChecked()
    np.testing.assert_allclose(again.region.getRegion(), (low, high), rtol=1e-9)
    assert not second.map_view.clusters_button.isChecked()
    assert errors == []


def test_a_moved_session_folder_reopens_and_a_changed_source_is_named_first(
        qtbot, sample_path, tmp_path, errors, monkeypatch):
    from embedscope.gui import session as session_ui

    source = _copy_sample(sample_path, tmp_path / "project")
    first = _new_window(qtbot, errors)
    first.open_file(str(source))
    qtbot.waitUntil(lambda: first.state.projection is not None, timeout=30000)
    first.state.select_add([0, 1, 2], "search")
    dlg = first.export_dialog()
    qtbot.addWidget(dlg)
    dlg.set_plan(ExportPlan(sources=[TopWords(40)], format="glove"))
    dlg.close()
    first.save_session(str(tmp_path / "project" / "s.session.json"))
    moved = tmp_path / "moved"
    shutil.move(tmp_path / "project", moved)

    second = _new_window(qtbot, errors)
    assert _restore(qtbot, second, str(moved / "s.session.json")) == []
    assert second.state.embedding.source.path == str(moved / "vectors.npy")
    assert second.state.selection.words(second.state.embedding) == ["the", ",", "."]
    # The moved file is not the one the cache holds a map of: the map is made again, alike.
    made, again_made = first.state.projection, second.state.projection
    assert again_made is not None and not again_made.from_cache
    np.testing.assert_allclose(again_made.coords, made.coords, rtol=1e-5, atol=1e-6)
    # The export dialog was closed: the next Export… starts from the session's plan.
    assert second.export_dialog_if_made() is None
    dialog = second.export_dialog(show=False)
    assert dialog.plan().format == "glove" and dialog.plan().sources == [TopWords(40)]

    vectors = np.load(moved / "vectors.npy")
    vectors[5, 0] += 1.0
    # A new file put in place, as editors and tools save: the windows above still map the old
    # one, and rewriting a mapped file in place would pull the pages from under them.
    np.save(moved / "edited.npy", vectors)
    os.replace(moved / "edited.npy", moved / "vectors.npy")
    asked = []
    monkeypatch.setattr(session_ui, "confirm_changed", lambda parent, changed:
                        asked.append(changed) or False)
    third = _new_window(qtbot, errors)
    assert third.open_session(str(moved / "s.session.json")) is None
    assert third.state.embedding is None  # declined: nothing opened
    assert any("vectors.npy" in c for c in asked[0])
    assert errors == []


def test_the_file_menu_lists_recent_sessions(qtbot, window, tmp_path):
    window.save_session(str(tmp_path / "a.session.json"))
    window._fill_recent_sessions()
    texts = [a.text() for a in window.recent_sessions_menu.actions()]
    assert texts == [str(tmp_path / "a.session.json")]


def test_an_unreadable_session_is_reported_not_raised(qtbot, window, tmp_path, errors):
    bad = tmp_path / "bad.session.json"
    bad.write_text('{"kind": "embedscope session", "version": 1}', encoding="utf-8")
    assert window.open_session(str(bad)) is None
    assert errors and "bad.session.json" in errors[0] and "source" in errors[0]


def test_a_fixed_pairing_is_paired_the_same_way_again(qtbot, sample, tmp_path, errors):
    from embedscope.core.pairing import move_words, pairing_of

    folder = tmp_path / "shifted"
    folder.mkdir()
    np.save(folder / "emb.npy", np.asarray(sample.vectors[:3000]))
    (folder / "emb.vocab.txt").write_text("\n".join(sample.words[1:3001]) + "\n",
                                          encoding="utf-8")
    first = _new_window(qtbot, errors)
    first.open_file(str(folder / "emb.npy"))
    qtbot.waitUntil(lambda: first.state.embedding is not None, timeout=30000)
    first.state.set_embedding(move_words(first.state.embedding, 1))  # the Check panel's fix
    qtbot.waitUntil(lambda: first.state.projection is not None, timeout=30000)
    first.save_session(str(folder / "s.session.json"))

    second = _new_window(qtbot, errors)
    assert _restore(qtbot, second, str(folder / "s.session.json")) == []
    emb = second.state.embedding
    assert (pairing_of(emb).words_from, pairing_of(emb).rows_from) == (0, 1)
    for w in ("of", "king", "france"):
        assert np.array_equal(emb.vector(w), sample.vector(w)), w
    assert errors == []


@pytest.fixture(autouse=True)
def _no_dialog_left(qtbot):
    yield
    from embedscope.gui.workers import wait_for_jobs

    wait_for_jobs(10000)
