"""Opening files: one filter, built from the formats Embedscope reads, for every Open dialog."""
from __future__ import annotations

from pathlib import Path

from embedscope.gui import opening
from embedscope.io.registry import READERS, format_names, open_file_filter


def test_the_open_filter_lists_every_format_and_compressed_files():
    format_names()
    entries = open_file_filter().split(";;")
    first = entries[0]
    assert first.startswith("Embeddings (") and entries[-1] == "All files (*)"
    for r in READERS.values():
        for ext in r.extensions:
            assert f"*{ext}" in first
        if r.extensions:
            assert any(e.startswith(r.label + " (") for e in entries[1:-1]), r.label
    for compressed in ("*.gz", "*.bz2", "*.xz", "*.zip"):
        assert compressed in first
    assert "*.safetensors" in first and "*.npy" in first and "*.vec" in first


def test_file_open_and_compare_with_show_the_same_filter(window, monkeypatch):
    seen = []

    def fake_dialog(parent, title, start, file_filter):
        seen.append((title, start, file_filter))
        return "", ""

    monkeypatch.setattr(opening.QFileDialog, "getOpenFileName", fake_dialog)
    window.open_dialog()
    window.compare_with()
    assert [t for t, _, _ in seen] == ["Open an embedding", "Compare with…"]
    assert seen[0][2] == seen[1][2] == open_file_filter()
    # both start in the folder of the open file
    assert seen[0][1] == seen[1][1] == opening.folder_of(window.state.embedding) != ""


def test_declining_the_words_file_opens_nothing(window, qtbot, tmp_path):
    import numpy as np

    m = tmp_path / "bare.npy"
    np.save(m, np.ones((20, 3), dtype=np.float32))
    before = window.state.embedding
    declined = []
    window.opener.declined.connect(lambda: declined.append(True))
    window.questions.ask_words_file = lambda path: None
    window.open_file(str(m))
    assert declined == [True] and not window.loader.busy
    assert window.state.embedding is before


def test_several_words_files_beside_a_matrix_are_asked_about(window, qtbot, tmp_path):
    """Three words files beside a matrix: the window asks which one, pairs the one chosen and
    names it; with one words file beside it, it asks nothing."""
    import numpy as np

    m = tmp_path / "emb.npy"
    np.save(m, np.eye(4, dtype=np.float32))
    (tmp_path / "emb.vocab.txt").write_text("a\nb\nc\nd\n", encoding="utf-8")
    (tmp_path / "vocab.txt").write_text("w\nx\ny\nz\n", encoding="utf-8")
    (tmp_path / "words.txt").write_text("p\nq\nr\ns\n", encoding="utf-8")
    asked = []

    def pick(path, candidates):
        asked.append([Path(c).name for c in candidates])
        return candidates[1]

    window.questions.pick_words_file = pick
    window.open_file(str(m))
    qtbot.waitUntil(lambda: window.state.embedding.words[:1] == ["w"], timeout=20000)
    assert asked == [["emb.vocab.txt", "vocab.txt", "words.txt"]]
    assert Path(window.state.embedding.source.vocab_path).name == "vocab.txt"

    (tmp_path / "vocab.txt").unlink()
    (tmp_path / "words.txt").unlink()
    window.open_file(str(m))
    qtbot.waitUntil(lambda: window.state.embedding.words[:1] == ["a"], timeout=20000)
    assert len(asked) == 1
