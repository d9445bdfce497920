"""The window, driven as a user would: open, search, neighbours, analogy, lasso, bad files."""
from __future__ import annotations

import numpy as np
import pytest

from embedscope.core.selection import polygon_mask


def test_sample_opens_with_its_map_and_status(window):
    st = window.state
    assert st.embedding.rows == 20000
    assert window.shape_label.text().startswith("20,000 × 50")
    assert "glove.6B.50d.20k.npy" in window.file_label.text()
    assert len(window.map_view.rows) == 10000
    assert window.map_view.scatter.count() == 10000
    assert "points" in window.projection_panel.status.text()


def test_hover_lookup_finds_the_word_under_the_mouse(window):
    mv = window.map_view
    pos = int(mv.pos_of_row[window.state.embedding.row("paris")])
    x, y = mv.coords[pos]
    # the point itself, or one drawn on top of it within a few pixels
    found = mv.row_at(x, y)
    assert np.allclose(mv.coords[mv.pos_of_row[found]], (x, y), atol=1e-3) or found == \
        window.state.embedding.row("paris")
    far = mv.coords.max(axis=0) + 1000
    assert mv.row_at(*far) == -1


def test_search_prefix_picks_and_labels(window, qtbot):
    dock = window.search
    dock.field.setText("pari")
    dock.search()
    words = [window.state.embedding.words[r] for r in dock.matches]
    assert "paris" in words and all(w.lower().startswith("pari") for w in words)
    dock._choose_first()
    assert window.state.embedding.words[window.state.picked] == words[0]
    assert window.state.picked in window.map_view.label_rows()
    dock.mode.setCurrentText("regex")
    dock.field.setText("^lond.n$")
    assert [window.state.embedding.words[r] for r in dock.search()] == ["london"]
    dock.field.setText("[unclosed")
    dock.search()
    assert "regular expression" in dock.count.text()


def test_polygon_selection_goes_into_the_selection(window):
    mv, st = window.map_view, window.state
    lo, hi = np.percentile(mv.coords, [30, 60], axis=0)
    poly = [(lo[0], lo[1]), (hi[0], lo[1]), (hi[0], hi[1]), ((lo[0] + hi[0]) / 2, hi[1] + 0.3)]
    added = mv.select_polygon(poly)
    want = mv.rows[polygon_mask(mv.coords, poly)]
    assert added == len(want) > 10
    assert set(st.selection.rows.tolist()) == set(want.tolist())
    assert st.selection.by_origin() == {"lasso": len(want)}
    sel_dock = window.panels["selection"]
    assert sel_dock.model.rowCount() == len(want)
    assert f"{len(want):,} words" in sel_dock.summary.text()
    # Ctrl-lasso removes the same words again
    assert mv.select_polygon(poly, how="remove") == -len(want)
    assert len(st.selection) == 0


def test_selection_imports_and_saves_word_lists(window, tmp_path):
    dock = window.panels["selection"]
    src = tmp_path / "mine.txt"
    src.write_text("paris\nlondon\nnot-a-real-wordzz\n", encoding="utf-8")
    n, missing = dock.import_words(str(src))
    assert n == 2 and missing == ["not-a-real-wordzz"]
    out = tmp_path / "out.txt"
    dock.export_words(str(out))
    assert out.read_text(encoding="utf-8").split() == ["paris", "london"]


def test_bad_file_leaves_the_previous_embedding_open(window, qtbot, errors, tmp_path):
    before = window.state.embedding
    bad = tmp_path / "broken.npy"
    bad.write_bytes(b"\x93NUMPY\x01\x00garbage that is not a header")
    window.open_file(str(bad), vocab=None, ask=False)
    qtbot.waitUntil(lambda: len(errors) > 0, timeout=10000)
    assert "broken.npy" in errors[0]
    assert window.state.embedding is before
    assert window.state.projection is not None


def test_bare_matrix_asks_for_its_words_file(window, qtbot, tmp_path):
    m = tmp_path / "matrix.npy"
    np.save(m, np.random.default_rng(0).standard_normal((300, 8)).astype(np.float32))
    words = tmp_path / "my_words_list.txt"
    words.write_text("".join(f"w{i}\n" for i in range(300)), encoding="utf-8")
    asked = []
    window.questions.ask_words_file = lambda path: asked.append(path) or str(words)
    window.open_file(str(m))
    qtbot.waitUntil(lambda: window.state.embedding.rows == 300, timeout=10000)
    assert asked == [str(m)]
    assert window.state.embedding.words[:2] == ["w0", "w1"]
    from embedscope.gui.settings import recent_files

    assert recent_files()[0] == str(m)


def test_cancelling_a_load_keeps_the_previous_embedding(window, qtbot, monkeypatch):
    from embedscope.core.jobs import Job

    started = []

    def slow_load(path, progress=None, should_stop=None, **kw):
        job = Job(progress, should_stop)
        started.append(path)
        for i in range(10_000):  # ~100 s unless cancelled
            job.step(i, 10_000, "reading")
            import time

            time.sleep(0.01)

    monkeypatch.setattr(window.opener, "load", slow_load)
    before = window.state.embedding
    window.open_file("whatever.txt", ask=False)
    qtbot.waitUntil(lambda: bool(started) and window.load_cancel.isVisible(), timeout=5000)
    with qtbot.waitSignal(window.loader.cancelled, timeout=5000):
        window.load_cancel.click()
    assert not window.loader.busy
    assert window.state.embedding is before


def test_neighbours_follow_the_picked_word(window, qtbot):
    pytest.importorskip("embedscope.core.neighbours")
    dock = window.panels["neighbours"]
    st = window.state
    with qtbot.waitSignal(dock.runner.finished, timeout=15000):
        st.pick(st.embedding.row("france"))
    words = [n.word for n in dock.results]
    assert "france" not in words and {"french", "belgium"} & set(words[:10])
    assert dock.table.rowCount() == dock.k.value()
    assert st.highlight_kind == "neighbours"
    dock.add_to_selection()
    assert st.selection.by_origin() == {"neighbours": dock.k.value() + 1}


def test_analogy_king_man_woman(window, qtbot):
    pytest.importorskip("embedscope.core.analogy")
    dock = window.panels["analogy"]
    dock.field.setText("king - man + woman")
    assert dock.flag.text() == ""
    with qtbot.waitSignal(dock.runner.finished, timeout=15000):
        dock.solve()
    assert "queen" in [n.word for n in dock.results[:3]]
    dock.field.setText("king - mannn + woman")
    assert "mannn" in dock.flag.text()


def test_many_qt_calls_do_not_exhaust_none_or_true(qtbot):
    """PySide6 6.12 drops a reference to None on every void call and to True on every emit();
    the window must survive a long session's worth of them (pyproject.toml excludes that
    version; with it this aborts the interpreter on Python < 3.12)."""
    import sys

    from PySide6.QtCore import QObject, Signal

    class Pinger(QObject):
        ping = Signal(int)

    p = Pinger()
    seen = []
    p.ping.connect(seen.append)
    for i in range(20000):
        p.ping.emit(i)
        p.setObjectName("x")  # a method returning nothing: PySide6 6.12 drops a None
    assert len(seen) == 20000
    assert sys.getrefcount(True) > 1000 and sys.getrefcount(None) > 1000


def test_gensim_pickle_asks_before_loading(window, qtbot, tmp_path):
    pytest.importorskip("embedscope.io.gensim_pickle")
    from gensim.models import KeyedVectors

    kv = KeyedVectors(vector_size=4)
    kv.add_vectors([f"g{i}" for i in range(30)],
                   np.random.default_rng(0).standard_normal((30, 4)).astype(np.float32))
    path = tmp_path / "vectors.kv"
    kv.save(str(path))
    asked = []
    window.questions.ask_trust_pickle = lambda p: asked.append(p) or True
    window.open_file(str(path))
    qtbot.waitUntil(lambda: window.state.embedding.rows == 30, timeout=15000)
    assert asked == [str(path)]
    assert window.state.embedding.words[0] == "g0"


def test_checkpoint_with_two_matrices_asks_which(window, qtbot, tmp_path):
    from embedscope.io.checkpoint import write_safetensors

    rng = np.random.default_rng(0)
    path = tmp_path / "model.safetensors"
    write_safetensors(path, {"encoder.embed": rng.standard_normal((50, 6)).astype(np.float32),
                             "decoder.embed": rng.standard_normal((50, 6)).astype(np.float32)})
    (tmp_path / "vocab.txt").write_text("".join(f"t{i}\n" for i in range(50)), encoding="utf-8")
    asked = []
    window.questions.ask_tensor = lambda p, names: asked.append(sorted(names)) or "decoder.embed"
    window.open_file(str(path))
    qtbot.waitUntil(lambda: window.state.embedding.rows == 50, timeout=15000)
    assert asked == [["decoder.embed", "encoder.embed"]]
    assert window.state.embedding.source.tensor == "decoder.embed"


def test_export_through_the_dialog(window, qtbot, tmp_path):
    pytest.importorskip("embedscope.core.export")
    st = window.state
    st.select_add([st.embedding.row(w) for w in ("paris", "london", "berlin")], "search")
    dlg = window.export_dialog()
    qtbot.addWidget(dlg)
    with qtbot.waitSignal(dlg.preview_runner.finished, timeout=15000):
        dlg.refresh_preview()
    pv = dlg.last_preview
    assert pv.rows == 5  # <pad>, <unk>, then the three selected words
    assert [h["word"] for h in pv.head] == ["<pad>", "<unk>", "paris", "london", "berlin"]
    assert dlg.head_table.rowCount() == 5
    out = tmp_path / "export"
    dlg.folder.setText(str(out))
    with qtbot.waitSignal(dlg.write_runner.finished, timeout=30000):
        dlg.export()
    assert (out / "embeddings.npy").is_file() and (out / "manifest.json").is_file()
    m = np.load(out / "embeddings.npy")
    assert m.shape == (5, 50) and not m[0].any()
    assert np.allclose(m[2], st.embedding.vector("paris"))
    assert str(out) in dlg.result_label.text()
    assert "torch" in dlg.code_text.toPlainText().lower()
    dlg.copy_code()
    from PySide6.QtGui import QGuiApplication

    assert QGuiApplication.clipboard().text() == dlg.code_text.toPlainText()
    # a second export into the same, now non-empty folder is refused and says so
    with qtbot.waitSignal(dlg.write_runner.failed, timeout=30000):
        dlg.export()
    assert "Nothing was written" in dlg.result_label.text()


def test_check_finds_a_shift_and_fixes_it(window, qtbot):
    pytest.importorskip("embedscope.core.check")
    from embedscope.core.embedding import Embedding

    s = window.state.embedding
    shifted = Embedding(s.words[1:3001], np.asarray(s.vectors[:3000]))
    dock = window.panels["check"]
    with qtbot.waitSignal(dock.runner.finished, timeout=30000):
        window.state.set_embedding(shifted)
    codes = [f.code for f in dock.findings()]
    assert "vocab-shift" in codes and not dock.report.ok
    # The fix is a button saying what it does, and the headline says what is wrong.
    assert [b.text() for b in dock.fix_buttons] == ["Move the words down 1 line"]
    assert dock.table.rowCount() == len(codes)
    assert "✖" in dock.summary.text() and "one line behind the rows" in dock.summary.text()
    dock._show(codes.index("vocab-shift"))
    assert window.state.highlight_kind == "finding"
    with qtbot.waitSignal(dock.runner.finished, timeout=30000):
        dock.fix_buttons[0].click()
    assert dock.report.ok
    fixed = window.state.embedding
    assert fixed.words[0] == "," and np.array_equal(fixed.vector(","), s.vector(","))


def test_dropping_a_file_opens_it(window, qtbot, tmp_path):
    from PySide6.QtCore import QMimeData, QPointF, Qt, QUrl
    from PySide6.QtGui import QDropEvent

    m = tmp_path / "dropped.npy"
    np.save(m, np.ones((40, 3), dtype=np.float32))
    (tmp_path / "dropped.vocab.txt").write_text("".join(f"d{i}\n" for i in range(40)),
                                                encoding="utf-8")
    mime = QMimeData()
    mime.setUrls([QUrl.fromLocalFile(str(m))])
    ev = QDropEvent(QPointF(10, 10), Qt.DropAction.CopyAction, mime,
                    Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier)
    window.dropEvent(ev)
    qtbot.waitUntil(lambda: window.state.embedding.rows == 40, timeout=10000)
    assert window.state.embedding.words[0] == "d0"
    assert "dropped.npy" in window.windowTitle()
