"""The selection dock chooses the same words as the command line from the same file: one
words-file reader, one corpus tokeniser, one case-fallback lookup."""
from __future__ import annotations

import csv

import numpy as np
import pytest

from embedscope.cli import main
from embedscope.core.embedding import Embedding
from embedscope.io.words_file import write_words_file

# "Paris" comes before "paris": a lookup by "any word that lowercases the same" finds row 4,
# the case fallback everywhere tries the lowercase spelling first and finds row 5.
WORDS = ["Berlin", "the", "new york", ". . .", "Paris", "paris", "cat", ".", ",", "sat", "new"]
LIST = "new york\n. . .\nPARIS\nberlin\nnotaword\n\ncat\n"
LIST_ROWS = [2, 3, 5, 0, 6]


@pytest.fixture
def saved(tmp_path):
    """The embedding as a bare matrix with its words file, as the command line opens it."""
    rng = np.random.default_rng(4)
    vectors = rng.standard_normal((len(WORDS), 8)).astype(np.float32)
    np.save(tmp_path / "m.npy", vectors)
    write_words_file(tmp_path / "m.vocab.txt", WORDS)
    return Embedding(list(WORDS), vectors), tmp_path / "m.npy", tmp_path / "m.vocab.txt"


@pytest.fixture
def dock(qtbot, saved):
    from embedscope.gui.docks.selection import SelectionDock
    from embedscope.gui.state import AppState

    state = AppState()
    d = SelectionDock(state)
    qtbot.addWidget(d)
    state.set_embedding(saved[0])
    return d


def test_a_words_list_gives_the_same_rows_in_the_dock_and_in_project(dock, saved, tmp_path,
                                                                     capsys):
    emb, npy, vocab = saved
    path = tmp_path / "list.txt"
    path.write_text(LIST, encoding="utf-8")
    n, missing = dock.import_words(str(path))
    assert dock.state.selection.rows.tolist() == LIST_ROWS and n == 5
    assert missing == ["notaword"]
    out = tmp_path / "p.tsv"
    assert main(["project", str(npy), "--vocab", str(vocab), "--words", str(path),
                 "-o", str(out)]) == 0
    with open(out, encoding="utf-8", newline="") as f:
        projected = [r[0] for r in csv.reader(f, delimiter="\t")][1:]
    assert projected == [emb.words[r] for r in LIST_ROWS]
    assert "1 of 6 words" in capsys.readouterr().err


def test_from_corpus_and_export_corpus_choose_the_same_words(dock, saved, tmp_path, qtbot):
    emb, npy, vocab = saved
    corpus = tmp_path / "corpus.txt"
    corpus.write_text("The cat sat. PARIS, paris and Paris... New york!\nthe cat\n",
                      encoding="utf-8")
    with qtbot.waitSignal(dock.corpus_runner.finished, timeout=10000):
        dock.import_corpus(str(corpus))
    gathered = set(dock.state.selection.rows.tolist())
    out = tmp_path / "exp"
    assert main(["export", str(npy), "--vocab", str(vocab), "--corpus", str(corpus),
                 "--oov", "drop", "-o", str(out)]) == 0
    exported = (out / "vocab.txt").read_text(encoding="utf-8").splitlines()
    assert gathered == {dock.state.row_of(w) for w in exported}
    assert gathered == {emb.words.index(w) for w in ("the", "cat", "sat", ".", ",", "paris",
                                                     "Paris", "new")}
    sel = dock.state.selection
    assert sel.counts[1] == 2 and sel.counts[7] == 1 + 3  # "The" and "the"; "." and "..."


def test_the_window_finds_a_word_as_the_export_does(dock):
    from embedscope.core.vocabulary import Words, select_words

    asked = ["PARIS", "berlin", "New York", "cat", "nope"]
    chosen = select_words(dock.state.embedding, [Words(asked)])
    assert [dock.state.row_of(w) for w in asked] == [5, 0, 2, 6, None]
    assert chosen.rows.tolist() == [5, 0, 2, 6, -1]
