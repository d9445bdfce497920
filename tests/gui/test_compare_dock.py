"""The Compare dock, driven as a user would: open a "fine-tuned" copy of the sample as B, read
which words moved, look at a word's neighbours in A and in B, colour the map by change."""
from __future__ import annotations

import numpy as np
import pytest
from PySide6.QtCore import Qt
from PySide6.QtGui import QAction

from embedscope.core.compare import side_by_side

NOISED = ["france", "computer", "river", "music", "guitar", "bank"]
DROPPED_ROWS = range(5000, 5010)  # words B does not have (still within the mapped rows)
CHANGE = "change (cosine to B)"


def write_tuned_copy(emb, folder):
    """The sample with a few words' vectors replaced by noise and ten words left out: what a
    fine-tuning run that wrecked some words (and pruned others) would save."""
    rng = np.random.default_rng(7)
    vectors = np.array(emb.vectors, dtype=np.float32)
    scale = float(np.median(emb.norms)) / np.sqrt(emb.dim)
    for w in NOISED:
        vectors[emb.row(w)] = rng.normal(0, scale, emb.dim)
    keep = np.setdiff1d(np.arange(emb.rows), np.asarray(DROPPED_ROWS))
    folder.mkdir()
    np.save(folder / "tuned.npy", vectors[keep])
    (folder / "vocab.txt").write_text("".join(emb.words[i] + "\n" for i in keep),
                                      encoding="utf-8")
    return folder / "tuned.npy"


def open_b(window, qtbot, path):
    dock = window.panels["compare"]
    window.docks["compare"].raise_()
    # neighbourhoods among the 3,000 most frequent words: the test stays quick on a busy machine
    dock.sample.setValue(3000)
    dock.open_other(str(path))
    qtbot.waitUntil(lambda: dock.view is not None and dock.neighbours is not None
                    and not dock.side_runner.busy, timeout=15000)
    return dock


def test_noised_words_move_most_and_shared_neighbours_are_marked(window, qtbot, tmp_path):
    st = window.state
    a = st.embedding
    dock = open_b(window, qtbot, write_tuned_copy(a, tmp_path / "tuned"))
    c = st.comparison
    assert c is dock.view.comparison
    assert len(c.shared) == a.rows - len(DROPPED_ROWS)
    assert sorted(c.only_a) == sorted(a.words[i] for i in DROPPED_ROWS) and c.only_b == []
    assert f"{a.rows - len(DROPPED_ROWS):,}</b> shared words" in dock.summary.text()
    assert "10 only in A" in dock.summary.text()

    # the movers table lists the noised words first, then words that did not move at all
    words = dock.mover_words()
    assert set(words[:len(NOISED)]) == set(NOISED)
    cosines = [float(dock.table.item(i, 2).text()) for i in range(len(NOISED) + 1)]
    assert max(cosines[:-1]) < 0.6 and cosines[-1] > 0.999
    assert st.highlight_kind == "movers"
    assert [a.words[r] for r in st.highlight_rows] == words[:len(st.highlight_rows)]

    # sorting by a column and back leaves the ranking readable; "moved least" turns it round
    dock.table.sortByColumn(2, Qt.SortOrder.DescendingOrder)
    assert dock.mover_words()[-1] in NOISED
    dock.order.setCurrentIndex(1)
    assert not set(dock.mover_words()[:50]) & set(NOISED)
    assert float(dock.table.item(0, 2).text()) > 0.999
    dock.order.setCurrentIndex(0)

    # paris: in A, france is among its neighbours; in B france is noise, so it drops out
    dock.show_word("paris")
    qtbot.waitUntil(lambda: dock.neighbours[0] == "paris" and not dock.side_runner.busy,
                    timeout=5000)
    _, list_a, list_b, common = dock.neighbours
    in_a, in_b = {w for w, _ in list_a}, {w for w, _ in list_b}
    assert "france" in in_a and "france" not in in_b
    shown_a, shown_b = dock.side_rows()
    assert [w for w, _ in shown_a] == [w for w, _ in list_a]
    assert [w for w, _ in shown_b] == [w for w, _ in list_b]
    for w, marked in shown_a + shown_b:
        assert marked == (w in in_a and w in in_b), w
    assert 0 < len(common) < len(list_a)
    assert f"✓ {len(common)} in both" in dock.side_note.text()
    # what the dock shows is what core.compare.side_by_side computes
    assert (list_a, list_b, common) == side_by_side(c, a, dock.other, "paris", c.k)

    # double-click a mover: it is picked on the map, and its own neighbours are shown
    dock._go(0, 1)
    assert a.words[st.picked] == words[0]
    qtbot.waitUntil(lambda: dock.neighbours[0] == words[0] and not dock.side_runner.busy,
                    timeout=5000)

    # the map coloured by change: noised words red, dropped words grey, the rest "kept"
    st.set_colour_mode(CHANGE)
    mv = window.map_view
    assert mv.colour_box.currentText() == CHANGE
    cols, idx, legend = mv.colour_indices(CHANGE)
    grey, kept = 0, 1
    noised_pos = mv._positions([a.row(w) for w in NOISED])
    dropped_pos = mv._positions(list(DROPPED_ROWS))
    assert len(noised_pos) >= 4 and len(dropped_pos) == len(DROPPED_ROWS)
    assert set(idx[noised_pos].tolist()) <= {3, 4, 5}  # cosine under 0.8
    assert set(idx[dropped_pos].tolist()) == {grey}
    rest = np.setdiff1d(np.arange(len(mv.rows)), np.r_[noised_pos, dropped_pos])
    assert set(idx[rest].tolist()) == {kept}
    assert legend[-1][1] == f"not in B ({len(dropped_pos)})"
    assert "not in B" in mv.legend.text()

    # Procrustes: same words, residual shown; a new A clears the comparison
    dock.align.setCurrentIndex(1)
    dock.run()
    qtbot.waitUntil(lambda: not dock.runner.busy, timeout=10000)
    assert st.comparison.align == "procrustes", dock.status.text()
    assert "residual" in dock.summary.text()

    # Cancel: a long comparison (all 19,990 shared words) stops, the last result stays
    from embedscope.gui.docks.common import ProgressRow

    done = st.comparison
    dock.sample.setValue(0)
    dock.run()
    row = next(p for p in dock.findChildren(ProgressRow) if p.runner is dock.runner)
    assert row.isVisible()
    qtbot.mouseClick(row.cancel_button, Qt.MouseButton.LeftButton)
    assert not dock.runner.busy and "cancelled" in dock.status.text()
    assert st.comparison is done


def test_b_is_opened_like_file_open_and_a_bad_b_changes_nothing(window, qtbot, errors,
                                                                  tmp_path, monkeypatch):
    st = window.state
    before = st.embedding
    dock = window.panels["compare"]
    act = next(a for a in window.findChildren(QAction) if a.text() == "Compare &with…")
    assert act.shortcut().toString() == "Ctrl+Shift+O"

    bad = tmp_path / "broken.npy"
    bad.write_bytes(b"\x93NUMPY\x01\x00garbage that is not a header")
    (tmp_path / "broken.vocab.txt").write_text("a\nb\n", encoding="utf-8")
    dock.open_other(str(bad))
    qtbot.waitUntil(lambda: len(errors) > 0, timeout=10000)
    assert "broken.npy" in errors[0]
    assert dock.other is None and dock.view is None and st.comparison is None
    assert st.embedding is before
    assert not dock.run_button.isEnabled()

    # a bare matrix with no words file beside it: the window asks for one, as File > Open does
    bare = tmp_path / "bare"
    bare.mkdir()
    np.save(bare / "head.npy", np.asarray(before.vectors[:300]))
    words_file = tmp_path / "words-for-b.txt"
    words_file.write_text("".join(w + "\n" for w in before.words[:300]), encoding="utf-8")
    asked = []
    monkeypatch.setattr(window.questions, "ask_words_file",
                        lambda path: asked.append(path) or str(words_file))
    dock.open_other(str(bare / "head.npy"))
    qtbot.waitUntil(lambda: dock.view is not None, timeout=15000)
    assert asked == [str(bare / "head.npy")]
    c = st.comparison
    assert len(c.shared) == 300 and len(c.only_a) == before.rows - 300 and not c.only_b
    assert c.median_cosine > 0.999 and c.median_overlap == 1.0
    assert "B: <b>head.npy</b>" in dock.b_label.text()


def test_b_asks_the_windows_questions_about_a_pickle_and_a_checkpoint(window, qtbot, tmp_path):
    """Opening B goes through the same questions as File > Open: no to a pickle opens nothing,
    yes opens it; a checkpoint with two matrices asks which one."""
    pytest.importorskip("embedscope.io.gensim_pickle")
    from gensim.models import KeyedVectors

    from embedscope.io.checkpoint import write_safetensors

    dock, questions, a = window.panels["compare"], window.questions, window.state.embedding
    rng = np.random.default_rng(0)
    kv = KeyedVectors(vector_size=a.dim)
    kv.add_vectors(a.words[:30], rng.standard_normal((30, a.dim)).astype(np.float32))
    pickled = tmp_path / "b.kv"
    kv.save(str(pickled))
    asked = []
    questions.ask_trust_pickle = lambda p: asked.append(p) or False
    dock.open_other(str(pickled))
    qtbot.waitUntil(lambda: dock.status.text() == "Opening B cancelled.", timeout=15000)
    assert asked == [str(pickled)] and dock.other is None
    questions.ask_trust_pickle = lambda p: asked.append(p) or True
    dock.open_other(str(pickled))
    qtbot.waitUntil(lambda: dock.other is not None, timeout=15000)
    assert dock.other.rows == 30 and len(asked) == 2
    assert window.state.embedding is a  # B never replaces A

    folder = tmp_path / "checkpoint"
    folder.mkdir()
    write_safetensors(folder / "model.safetensors",
                      {"encoder.embed": rng.standard_normal((50, a.dim)).astype(np.float32),
                       "decoder.embed": rng.standard_normal((50, a.dim)).astype(np.float32)})
    (folder / "vocab.txt").write_text("".join(w + "\n" for w in a.words[:50]), encoding="utf-8")
    names = []
    questions.ask_tensor = lambda p, choices: names.append(sorted(choices)) or "decoder.embed"
    dock.open_other(str(folder / "model.safetensors"))
    qtbot.waitUntil(lambda: dock.other.rows == 50, timeout=15000)
    assert names == [["decoder.embed", "encoder.embed"]]
    assert dock.other.source.tensor == "decoder.embed"
    qtbot.waitUntil(lambda: not dock.runner.busy, timeout=15000)
