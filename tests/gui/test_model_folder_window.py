"""Model folders in the window: File → Open folder loads one as an embedding, an ambiguous
folder or .pt checkpoint asks which tensor, and the status bar and Check panel say what was
read."""
from __future__ import annotations

import numpy as np
import pytest
from PySide6.QtCore import QMimeData, QPoint, Qt, QUrl
from PySide6.QtGui import QDropEvent

from embedscope.gui import opening
from model_folders import TABLE, TOKENS, VOCAB_SIZE, make_model_folder


def test_open_folder_loads_a_model_folder_and_says_what_it_read(window, qtbot, tmp_path,
                                                                 monkeypatch):
    folder = make_model_folder(tmp_path / "bert")
    asked = []
    monkeypatch.setattr(opening.QFileDialog, "getExistingDirectory",
                        lambda parent, title, start: asked.append(title) or str(folder))
    window.open_folder_dialog()
    qtbot.waitUntil(lambda: window.state.embedding.source.format == "model-folder",
                    timeout=20000)
    emb = window.state.embedding
    assert asked == ["Open a model folder"]
    assert emb.rows == VOCAB_SIZE and emb.words[:len(TOKENS)] == TOKENS
    assert emb.source.tensor == TABLE
    assert window.file_label.text() == "bert (model-folder)"
    assert window.statusBar().currentMessage() == (
        f"opened model folder bert: {TABLE} with the tokens of tokenizer.json "
        "(why: hover the file name)")
    tip = window.file_label.toolTip()
    assert f"tensor: {TABLE}" in tip and "model.safetensors" in tip and "tokenizer.json" in tip
    # the model audit shows in the Check panel like any other finding
    check = window.panels["check"]
    qtbot.waitUntil(lambda: check.report is not None
                    and check.report.rows == VOCAB_SIZE, timeout=20000)
    codes = {f.code for f in check.findings()}
    from embedscope.core.check_model import model_findings

    assert {f.code for f in model_findings(emb)} <= codes and model_findings(emb)


def test_an_ambiguous_folder_asks_which_tensor_and_opens_the_choice(window, qtbot, tmp_path):
    folder = make_model_folder(tmp_path / "t5", ambiguous=True)
    asked = []
    window.questions.ask_tensor = lambda p, names, current=None: (asked.append((p, sorted(names)))
                                                    or "decoder.embed_tokens.weight")
    window.open_file(str(folder))
    qtbot.waitUntil(lambda: window.state.embedding.source.format == "model-folder",
                    timeout=20000)
    assert asked == [(str(folder), ["decoder.embed_tokens.weight",
                                    "encoder.embed_tokens.weight"])]
    assert window.state.embedding.source.tensor == "decoder.embed_tokens.weight"


def test_declining_the_tensor_question_keeps_the_open_embedding(window, qtbot, tmp_path):
    folder = make_model_folder(tmp_path / "t5", ambiguous=True)
    before = window.state.embedding
    declined = []
    window.opener.declined.connect(lambda: declined.append(True))
    window.questions.ask_tensor = lambda p, names: None
    window.open_file(str(folder))
    qtbot.waitUntil(lambda: declined == [True], timeout=20000)
    assert window.state.embedding is before


def test_a_pt_checkpoint_with_two_matrices_asks_which(window, qtbot, tmp_path):
    torch = pytest.importorskip("torch")
    rng = np.random.default_rng(0)
    path = tmp_path / "model.pt"
    torch.save({"encoder.embed": torch.from_numpy(rng.standard_normal((40, 6)).astype("f4")),
                "decoder.embed": torch.from_numpy(rng.standard_normal((40, 6)).astype("f4"))},
               path)
    (tmp_path / "vocab.txt").write_text("".join(f"t{i}\n" for i in range(40)), encoding="utf-8")
    asked = []
    window.questions.ask_tensor = lambda p, names: asked.append(sorted(names)) or "encoder.embed"
    window.open_file(str(path))
    qtbot.waitUntil(lambda: window.state.embedding.rows == 40, timeout=20000)
    assert asked == [["decoder.embed", "encoder.embed"]]
    assert window.state.embedding.source.tensor == "encoder.embed"


def test_dropping_a_folder_on_the_window_opens_it(window, qtbot, tmp_path):
    folder = make_model_folder(tmp_path / "bert", vocab="vocab.txt")
    mime = QMimeData()
    mime.setUrls([QUrl.fromLocalFile(str(folder))])
    ev = QDropEvent(QPoint(10, 10), Qt.DropAction.CopyAction, mime,
                    Qt.MouseButton.NoButton, Qt.KeyboardModifier.NoModifier)
    window.dropEvent(ev)
    qtbot.waitUntil(lambda: window.state.embedding.source.format == "model-folder",
                    timeout=20000)
    assert window.state.embedding.source.path == str(folder)


def test_choose_the_tensor_offers_the_folders_matrices_and_reopens(window, qtbot, tmp_path):
    folder = make_model_folder(tmp_path / "t5", ambiguous=True)
    window.questions.ask_tensor = lambda p, names, current=None: "encoder.embed_tokens.weight"
    window.open_file(str(folder))
    qtbot.waitUntil(lambda: window.state.embedding.source.format == "model-folder",
                    timeout=20000)
    assert window.tensor_action.isEnabled()
    offered = []
    window.questions.ask_tensor = lambda p, names, current=None: (
        offered.append((sorted(names), current)) or "decoder.embed_tokens.weight")
    window.tensor_action.trigger()
    qtbot.waitUntil(lambda: window.state.embedding.source.tensor
                    == "decoder.embed_tokens.weight", timeout=20000)
    names, current = offered[0]
    assert current == "encoder.embed_tokens.weight"
    assert {"decoder.embed_tokens.weight", "encoder.embed_tokens.weight"} <= set(names)
    assert window.state.embedding.source.path == str(folder)
