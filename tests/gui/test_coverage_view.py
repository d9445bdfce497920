"""The export dialog's Corpus coverage tab: the numbers of `embedscope coverage`
(core.coverage) for the corpus it counts, the curve and the 90/95/99 % points, the missing words
with their suggestions, and "Apply to export" making the corpus and the chosen entries the
export's words."""
from __future__ import annotations

import numpy as np
import pytest
from PySide6.QtCore import Qt

from embedscope.core import vocabulary as voc
from embedscope.core.corpus import count_corpus
from embedscope.core.coverage import TARGETS, corpus_coverage
from embedscope.core.embedding import Embedding

WORDS = ["the", "cat", "sat", "on", "a", "mat", "new", "york", "hello", "Paris", "0000", "dog",
         "ran", "."]
# 97 % of the tokens have a vector: 90 and 95 % are in reach, 99 % is not
CORPUS = ("the cat sat on the mat . the dog ran . new-york héllo paris 1999 zzyzx " * 3
          + "the cat . the the a mat dog qwfp\n"
          + "the cat sat on a mat . the dog ran on the mat .\n" * 30) * 4


@pytest.fixture
def dialog(qtbot):
    from embedscope.gui.export_dialog import ExportDialog
    from embedscope.gui.state import AppState

    rng = np.random.default_rng(0)
    state = AppState()
    state.set_embedding(Embedding(WORDS, rng.standard_normal((len(WORDS), 8)).astype("f4")))
    dlg = ExportDialog(state)
    qtbot.addWidget(dlg)
    yield dlg
    from embedscope.gui.workers import wait_for_jobs

    wait_for_jobs(10000)


def _count(qtbot, view, path):
    view.corpus.setText(str(path))
    with qtbot.waitSignal(view.runner.finished, timeout=20000):
        view.count()


def test_the_tab_shows_the_numbers_of_core_coverage(dialog, qtbot, tmp_path):
    path = tmp_path / "train.txt"
    path.write_text(CORPUS, encoding="utf-8")
    view = dialog.corpus_coverage
    assert dialog.tabs.indexOf(view) >= 0
    _count(qtbot, view, path)
    want = corpus_coverage(dialog.state.embedding, count_corpus(path), missing=50)
    got = view.report
    assert (got.tokens, got.types, got.rows) == (want.tokens, want.types, want.rows)
    assert got.covered.tolist() == want.covered.tolist()
    text = view.summary.text()
    assert f"<b>{want.tokens:,}</b> tokens" in text and f"<b>{want.types:,}</b> distinct" in text
    for p in TARGETS:
        n = want.rows_for(p)
        assert (f"{int(p * 100)} % in <b>{n:,}</b> rows" if n is not None
                else f"{int(p * 100)} % out of reach") in text
    # the curve is the report's, in percent; the marks sit on the 90/95/99 % rows
    xs, ys = view.token_curve.getOriginalDataset()
    assert xs.tolist() == [k for k, _ in want.curve()]
    assert np.allclose(ys, [100 * c for _, c in want.curve()])
    marks = view.target_marks.getOriginalDataset()[0].tolist()
    assert marks == [n for p in TARGETS if (n := want.rows_for(p)) is not None]
    assert len(marks) == 2 and "99 % out of reach" in text
    legend = [label.text for _, label in view.legend.items]
    assert f"90 / 95 / 99 % of tokens: {want.rows_for(0.9):,} / {want.rows_for(0.95):,} / – " \
           "rows" in legend
    # the missing words, most frequent first, with what they could map to
    t = view.missing_table
    rows = [tuple(t.item(i, j).text() for j in range(4)) for i in range(t.rowCount())]
    assert rows == [(m.word, f"{m.count:,}", " ".join(m.suggestion) if m.suggestion else "–",
                     m.by or "") for m in want.missing]
    assert ("new-york", "12", "new york", "hyphenated parts") in rows
    assert ("héllo", "12", "hello", "accents removed") in rows


def test_the_kept_rows_are_those_an_export_of_the_corpus_keeps(dialog, qtbot, tmp_path):
    path = tmp_path / "train.txt"
    path.write_text(CORPUS, encoding="utf-8")
    view = dialog.corpus_coverage
    _count(qtbot, view, path)
    for seen in (1, 12, 13, 200, 10**6):
        view.min_count.setValue(seen)
        chosen = voc.select_words(dialog.state.embedding, [voc.Corpus(str(path), min_count=seen)])
        assert view.kept_rows == chosen.coverage[0].found
        assert view.kept_line.isVisible() == (chosen.coverage[0].found > 0)


def test_apply_makes_the_corpus_and_the_checked_entries_and_says_so(dialog, qtbot, tmp_path):
    path = tmp_path / "train.txt"
    path.write_text(CORPUS, encoding="utf-8")
    view = dialog.corpus_coverage
    view.lowercase.setChecked(True)
    _count(qtbot, view, path)
    t = view.missing_table
    hyphen = next(i for i in range(t.rowCount()) if t.item(i, 0).text() == "new-york")
    t.item(hyphen, 2).setCheckState(Qt.CheckState.Checked)
    view.min_count.setValue(2)
    view.apply()
    corpus, entries = dialog.sources  # in place of the most frequent words
    assert isinstance(corpus, voc.Corpus) and corpus.min_count == 2 and corpus.lowercase
    assert corpus.counts is view.counts  # the preview does not count the corpus again
    assert isinstance(entries, voc.Words) and entries.words == ["new", "york"]
    assert dialog.source_list.count() == 2
    note = view.applied_note.text()
    assert "train.txt seen at least 2 times are now the export's word source" in note
    assert "new-york → new york" in note
    assert "does not map the missing words" in note


def test_without_checked_suggestions_the_corpus_is_the_only_source(dialog, qtbot, tmp_path):
    path = tmp_path / "train.txt"
    path.write_text(CORPUS, encoding="utf-8")
    view = dialog.corpus_coverage
    _count(qtbot, view, path)
    view.apply()
    assert [type(s) for s in dialog.sources] == [voc.Corpus]
    assert "as words of their own" not in view.applied_note.text()


def test_a_corpus_that_cannot_be_read_is_named_and_nothing_is_applied(dialog, qtbot, tmp_path):
    view = dialog.corpus_coverage
    view.corpus.setText(str(tmp_path / "missing.txt"))
    with qtbot.waitSignal(view.runner.failed, timeout=20000):
        view.count()
    assert "missing.txt" in view.summary.text() and "no such file" in view.summary.text()
    assert view.report is None and not view.apply_button.isEnabled()


def test_a_corpus_with_no_known_word_shows_no_kept_rows(dialog, qtbot, tmp_path):
    path = tmp_path / "foreign.txt"
    path.write_text("xyzzy plugh frobozz\n" * 5, encoding="utf-8")
    view = dialog.corpus_coverage
    _count(qtbot, view, path)
    assert view.report.rows == 0 and view.kept_rows == 0
    assert not view.kept_line.isVisible() and not view.apply_button.isEnabled()
    assert "90 % out of reach, 95 % out of reach, 99 % out of reach" in view.summary.text()


def test_cancelling_the_count_keeps_the_last_coverage(dialog, qtbot, tmp_path):
    path = tmp_path / "train.txt"
    path.write_text(CORPUS, encoding="utf-8")
    view = dialog.corpus_coverage
    _count(qtbot, view, path)
    shown = view.report
    big = tmp_path / "big.txt"
    big.write_text(CORPUS * 200, encoding="utf-8")
    view.corpus.setText(str(big))
    with qtbot.waitSignal(view.runner.cancelled, timeout=20000):
        view.count()
        view.runner.cancel()
    assert view.summary.text() == "Counting cancelled."
    assert view.report is shown and view.apply_button.isEnabled()
