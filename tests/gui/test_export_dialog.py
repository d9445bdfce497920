"""The export dialog offers exactly the output formats of the format table, says what each
writes and cannot hold, and starts on the same format as the command line."""
from __future__ import annotations

import numpy as np

from embedscope.core.embedding import Embedding
from embedscope.io.registry import WRITERS


def _dialog(qtbot):
    from embedscope.gui.export_dialog import ExportDialog
    from embedscope.gui.state import AppState

    state = AppState()
    state.set_embedding(Embedding(["the", "cat", "sat"], np.eye(3, dtype=np.float32)))
    dlg = ExportDialog(state)
    qtbot.addWidget(dlg)
    return dlg


def test_the_format_list_is_the_writers_table(qtbot):
    dlg = _dialog(qtbot)
    names = [dlg.format.itemData(i) for i in range(dlg.format.count())]
    labels = [dlg.format.itemText(i) for i in range(dlg.format.count())]
    assert names == list(WRITERS)
    assert labels == [w.label for w in WRITERS.values()]
    assert dlg.format.currentData() == "npy"


def test_the_hint_says_what_a_format_cannot_hold(qtbot):
    dlg = _dialog(qtbot)
    assert dlg.format_hint.text() == "Writes embeddings.npy."
    dlg.format.setCurrentIndex(dlg.format.findData("tsv"))
    hint = dlg.format_hint.text()
    assert "vectors.tsv + metadata.tsv" in hint
    assert "white space" in hint and "float16 values are stored as float32" in hint


def test_after_writing_the_dialog_shows_the_verify_check(qtbot, sample, tmp_path):
    from embedscope.gui.export_dialog import ExportDialog
    from embedscope.gui.state import AppState

    state = AppState()
    state.set_embedding(sample)
    state.select_add([sample.row("cat"), sample.row("dog"), sample.row("paris")], "lasso")
    dlg = ExportDialog(state)
    qtbot.addWidget(dlg)
    dlg.folder.setText(str(tmp_path / "out"))
    dlg.export()
    qtbot.waitUntil(lambda: dlg.manifest is not None, timeout=20000)
    assert "checked: every row is its source row" in dlg.result_label.text()
    text = dlg.check_text.toPlainText()
    assert text.startswith("OK: the export holds what its manifest says, compared row by row")
    assert "  3 rows from the source" in text.splitlines()


def test_save_recipe_writes_the_selection_words_and_reruns_identically(qtbot, sample, tmp_path,
                                                                       capsys):
    import json

    from embedscope.cli import main
    from embedscope.gui.export_dialog import ExportDialog
    from embedscope.gui.state import AppState

    state = AppState()
    state.set_embedding(sample)
    lasso = [sample.row(w) for w in ("cat", "dog", "paris", "london")]
    state.select_add(lasso, "lasso")
    dlg = ExportDialog(state)
    qtbot.addWidget(dlg)
    dlg.folder.setText(str(tmp_path / "out"))
    dlg.format.setCurrentIndex(dlg.format.findData("safetensors"))
    dlg.export()
    qtbot.waitUntil(lambda: dlg.manifest is not None, timeout=20000)
    recipe = tmp_path / "out.recipe.json"
    dlg.save_recipe(str(recipe))
    qtbot.waitUntil(lambda: "Recipe saved" in dlg.result_label.text(), timeout=20000)
    saved = json.loads(recipe.read_text(encoding="utf-8"))
    assert sorted(saved["plan"]["sources"][0]["words"]) == sorted(sample.words[r] for r in lasso)
    assert main(["export", "--recipe", str(recipe), "-o", str(tmp_path / "again")]) == 0
    capsys.readouterr()
    for f in dlg.manifest["files"]:
        assert (tmp_path / "again" / f["name"]).read_bytes() == \
            (tmp_path / "out" / f["name"]).read_bytes()
def test_fasttext_subwords_are_offered_only_for_a_native_fasttext_source(qtbot, gensim_data):
    import embedscope
    from embedscope.gui.export_dialog import ExportDialog
    from embedscope.gui.state import AppState

    dlg = _dialog(qtbot)
    item = dlg.oov.model().item(dlg.oov.findData("subwords"))
    assert not item.isEnabled()
    state = AppState()
    state.set_embedding(embedscope.load(gensim_data / "lee_fasttext_new.bin"))
    native = ExportDialog(state)
    qtbot.addWidget(native)
    assert native.oov.model().item(native.oov.findData("subwords")).isEnabled()
    native.oov.setCurrentIndex(native.oov.findData("subwords"))
    assert native.plan().oov == "subwords"


def test_the_alias_option_reaches_the_plan(qtbot):
    dlg = _dialog(qtbot)
    assert not dlg.plan().alias and not dlg.alias_min.isEnabled()
    dlg.alias.setChecked(True)
    assert dlg.plan().alias and dlg.plan().alias_min_similarity is None
    assert dlg.alias_min.isEnabled() and dlg.alias_min.text() == "any similarity"
    dlg.alias_min.setValue(0.55)
    assert dlg.plan().alias_min_similarity == 0.55


def test_a_table_open_in_the_window_can_go_into_attributes_tsv(window, qtbot, tmp_path):
    table = tmp_path / "pos.csv"
    table.write_text("word,pos\nparis,PROPN\nLondon,PROPN\n<unk>,X\n", encoding="utf-8")
    st = window.state
    st.select_add([st.embedding.row(w) for w in ("paris", "london", "berlin")], "search")
    dlg = window.export_dialog(show=False)
    assert not dlg.use_attributes.isEnabled() and dlg.plan().attributes is None
    window.panels["attributes"].open_table(str(table))
    # The open dialog offers the table as soon as the window has it.
    qtbot.waitUntil(dlg.use_attributes.isEnabled, timeout=5000)
    assert dlg.use_attributes.text() == \
        "Write the attributes of pos.csv beside the words (attributes.tsv)"
    assert dlg.plan().attributes is None   # offered, not ticked
    dlg.use_attributes.setChecked(True)
    assert dlg.plan().attributes == str(table.resolve())
    out = tmp_path / "export"
    dlg.folder.setText(str(out))
    with qtbot.waitSignal(dlg.write_runner.finished, timeout=30000):
        dlg.export()
    assert (out / "attributes.tsv").read_text(encoding="utf-8").split("\n") == \
        ["word\tpos", "<pad>\t", "<unk>\tX", "paris\tPROPN", "london\tPROPN", "berlin\t", ""]
    assert "attributes.tsv" in dlg.result_label.text()
    assert dlg.check_text.toPlainText().startswith("OK: the export holds what its manifest says")
    # A saved plan brings its table back, ticked.
    again = window.export_dialog(show=False)
    again.set_plan(dlg.plan())
    assert again.use_attributes.isChecked() and again.plan().attributes == str(table.resolve())


def test_the_dialog_fits_a_1280_by_720_screen(qtbot):
    # the options scroll: a title bar and a taskbar still leave room for the whole dialog
    dlg = _dialog(qtbot)
    dlg.show()
    need = dlg.minimumSizeHint()
    assert need.width() <= 1240 and need.height() <= 600, need
