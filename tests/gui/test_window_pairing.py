"""A words file that does not fit its matrix opens in the window with a banner; the Check panel
says which end is off and offers each fix as a button; a fix re-pairs words and rows for the
session, the map after it is computed for the new pairing, and the corrected words file is
saved as a new file. The status bar names the words file and tensor, and both can be changed."""
from __future__ import annotations

import numpy as np
import pytest

from embedscope.core.embedding import Embedding
from embedscope.core.projection import project

ROWS = 5000


@pytest.fixture(scope="module")
def pairs(tmp_path_factory, sample):
    """The first 5,000 GloVe rows as m.npy, each in its own folder with a words file found
    beside it by name: right, three lines short at the end, two words too many, a header line
    on top, and shifted by one line (word i's vector on row i + 1)."""
    root = tmp_path_factory.mktemp("pairs")
    words = sample.words[:ROWS]
    kinds = {"good": words, "short": words[:-3], "long": words + ["zzz1", "zzz2"],
             "header": [f"{ROWS} 50"] + words, "shifted": words[1:] + ["zzzextra"]}
    out = {}
    for kind, ws in kinds.items():
        d = root / kind
        d.mkdir()
        np.save(d / "m.npy", np.ascontiguousarray(sample.vectors[:ROWS]))
        (d / "m.vocab.txt").write_text("".join(w + "\n" for w in ws), encoding="utf-8")
        out[kind] = d / "m.npy"
    return out


def open_and_check(window, qtbot, path, **kw):
    """Open `path` and wait for the check of the new embedding and its first map."""
    st = window.state
    window.open_file(str(path), **kw)
    qtbot.waitUntil(lambda: st.embedding is not None and st.embedding.source.path == str(path)
                    and st.check_report is not None and st.projection is not None,
                    timeout=60000)
    return window.panels["check"]


def apply_and_recheck(window, qtbot, button):
    st = window.state
    old = st.embedding
    button.click()
    qtbot.waitUntil(lambda: st.embedding is not old and st.check_report is not None
                    and st.projection is not None, timeout=60000)


@pytest.mark.parametrize("kind, button, headline", [
    ("short", "Leave out the rows without a word",
     "The words file is three lines shorter than the matrix: the last three rows have no word"),
    ("long", "Leave out the words without a row",
     "The words file is two lines longer than the matrix: the last two words have no row"),
    ("header", "Skip the header line", "The words file's first line '5000 50' is a header"),
    ("shifted", "Move the words down 1 line",
     "The words are one line behind the rows: row 1's vector belongs to ',', not '.'"),
])
def test_a_mismatched_pair_opens_with_a_banner_and_its_fix(window, qtbot, pairs, sample, kind,
                                                           button, headline, errors):
    dock = open_and_check(window, qtbot, pairs[kind])
    assert errors == []  # no dead-end dialog
    assert window.banner.isVisibleTo(window) and headline in window.banner_text.text()
    assert headline in dock.summary.text()
    assert [b.text() for b in dock.fix_buttons] == [button]
    for panel in ("neighbours", "analogy", "projection"):
        assert window.panels[panel].pairing_warning.isVisibleTo(window.panels[panel]), panel
    # No CLI flag in what the window says.
    texts = [window.banner_text.text(), dock.summary.text()] + [
        b.text() + b.toolTip() for b in dock.fix_buttons]
    assert not [t for t in texts if "--" in t]

    apply_and_recheck(window, qtbot, dock.fix_buttons[0])
    st = window.state
    assert st.check_report.pairing_problem is None
    assert not window.banner.isVisibleTo(window)
    assert not window.panels["neighbours"].pairing_warning.isVisibleTo(window.panels["neighbours"])
    assert dock.fixed_note.isVisibleTo(dock) and dock.save_button.isVisibleTo(dock)
    emb = st.embedding
    for w in ("king", "paris", "1987"):
        assert np.array_equal(emb.vector(w), sample.vector(w)), w
    # The map after the fix is the fixed pairing's, not the one cached before it.
    afresh = project(Embedding(list(emb.words), np.array(emb.vectors)), "pca",
                     rows=st.projection.rows, use_cache=False)
    np.testing.assert_allclose(st.projection.coords, afresh.coords, atol=1e-4)


def test_the_corrected_words_file_is_saved_as_a_new_file(window, qtbot, pairs, tmp_path):
    dock = open_and_check(window, qtbot, pairs["header"])
    original = (pairs["header"].parent / "m.vocab.txt").read_text(encoding="utf-8")
    apply_and_recheck(window, qtbot, dock.fix_buttons[0])
    assert dock.save_button.isVisibleTo(dock)
    # The original words file is refused as a destination.
    dock.ask_save_path = lambda suggested: str(pairs["header"].parent / "m.vocab.txt")
    assert dock.save_corrected() is None and "Nothing was saved" in dock.fixed_note.text()
    suggested = []
    dock.ask_save_path = lambda s: suggested.append(s) or str(tmp_path / "fixed.txt")
    written = dock.save_corrected()
    assert suggested[0].name == "m.corrected.txt" and suggested[0].parent == pairs["header"].parent
    lines = written.read_text(encoding="utf-8").splitlines()
    assert len(lines) == ROWS and lines[0] == "the"
    assert str(written) in dock.fixed_note.text()
    assert (pairs["header"].parent / "m.vocab.txt").read_text(encoding="utf-8") == original
    # The saved file and the matrix line up with no fix.
    dock = open_and_check(window, qtbot, pairs["header"], vocab=str(written), ask=False)
    assert window.state.check_report.pairing_problem is None


def test_the_status_bar_names_the_words_file_and_another_can_be_chosen(window, qtbot, pairs):
    dock = open_and_check(window, qtbot, pairs["short"])
    # the status bar names the words file; its tooltip and the Check panel say how it was found
    assert window.pairing_label.text() == "words: m.vocab.txt"
    assert "m.vocab.txt (found beside the matrix by its name)" in window.pairing_label.toolTip()
    assert "found beside the matrix by its name" in dock.pairing.text()
    assert window.words_action.isEnabled() and not window.tensor_action.isEnabled()
    good = pairs["good"].parent / "m.vocab.txt"
    window.questions.choose_words_file = lambda path, current: str(good)
    window.words_action.trigger()
    qtbot.waitUntil(lambda: window.state.embedding is not None
                    and window.state.embedding.source.vocab_path == str(good)
                    and window.state.check_report is not None, timeout=60000)
    assert window.pairing_label.text() == "words: m.vocab.txt"
    assert "words from m.vocab.txt" in window.pairing_label.toolTip()
    assert window.state.check_report.pairing_problem is None
    assert not window.banner.isVisibleTo(window)


def test_the_tensor_is_named_and_another_can_be_chosen(window, qtbot, tmp_path, sample):
    from embedscope.io.checkpoint import write_safetensors

    vecs = np.ascontiguousarray(sample.vectors[:300])
    path = tmp_path / "model.safetensors"
    write_safetensors(path, {"embeddings": vecs, "output": vecs[:, ::-1].copy(),
                             "bias": np.zeros(300, np.float32)})
    (tmp_path / "model.vocab.txt").write_text("".join(w + "\n" for w in sample.words[:300]),
                                              encoding="utf-8")
    window.questions.ask_tensor = lambda p, names, current=None: "embeddings"
    open_and_check(window, qtbot, path)
    assert "tensor embeddings" in window.pairing_label.text()
    assert "tensor embeddings (your choice)" in window.pairing_label.toolTip()
    assert window.tensor_action.isEnabled()
    window.questions.ask_tensor = lambda p, names, current=None: "output"
    window.tensor_action.trigger()
    qtbot.waitUntil(lambda: window.state.embedding.source.tensor == "output", timeout=30000)
    assert "tensor output" in window.pairing_label.text()


def test_export_asks_before_writing_rows_the_check_doubts(window, qtbot, pairs, tmp_path):
    open_and_check(window, qtbot, pairs["shifted"])
    dlg = window.export_dialog()
    assert dlg.pairing_warning.isVisibleTo(dlg)
    asked = []
    dlg.confirm_despite_mismatch = lambda problem: asked.append(problem.headline) or False
    out = tmp_path / "out"
    dlg.folder.setText(str(out))
    dlg.export()
    assert asked and "one line behind" in asked[0]
    assert "Nothing was written" in dlg.result_label.text()
    assert not out.exists() or not any(out.iterdir())
    dlg.close()


def test_the_panels_link_shows_the_check(window, qtbot, pairs):
    open_and_check(window, qtbot, pairs["short"])
    window.docks["selection"].raise_()
    window.panels["neighbours"].pairing_warning.linkActivated.emit("check")
    assert not window.docks["check"].visibleRegion().isEmpty()


def test_a_token_vocabulary_maps_without_its_special_tokens_or_frequency_words(
        window, qtbot, tmp_path, sample):
    from embedscope.core.check_words import is_special
    from token_vocabularies import bert_like_words

    tokens = bert_like_words(sample.words[:4000])
    rng = np.random.default_rng(0)
    vecs = rng.standard_normal((len(tokens), 50)).astype(np.float32)
    np.save(tmp_path / "bert.npy", vecs)
    (tmp_path / "bert.vocab.txt").write_text("".join(t + "\n" for t in tokens), encoding="utf-8")
    open_and_check(window, qtbot, tmp_path / "bert.npy")
    rows = window.state.projection.rows
    assert len(rows) == len(tokens) - 999 and not any(is_special(tokens[r]) for r in rows)
    panel = window.panels["projection"]
    assert "frequent" not in panel.points.itemText(0)
    _, _, legend = window.map_view.colour_indices("frequency rank")
    assert legend and not any("top" in name for _, name in legend)
    panel.run()
    qtbot.waitUntil(lambda: not panel.runner.busy, timeout=30000)
    assert not any(is_special(tokens[r]) for r in window.state.projection.rows)
