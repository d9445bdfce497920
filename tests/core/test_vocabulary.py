"""Choosing words: sources, combination order, case fallback and the coverage report."""
from __future__ import annotations

import json

import numpy as np
import pytest

from embedscope.core.embedding import Embedding
from embedscope.core.errors import EmbeddingFormatError, UnknownWordError
from embedscope.core.selection import corpus_words
from embedscope.core.vocabulary import (
    Corpus,
    Neighbours,
    Regex,
    SelectionError,
    TopWords,
    Words,
    WordsFile,
    select_words,
)
from embedscope.core.words import lookup, row_of, rows_of
from embedscope.io.words_file import read_word_list, words_source


@pytest.fixture
def small():
    words = ["the", "of", "paris", "london", "Berlin", "cat", "dog", "42", "x-ray", "the", "iPhone"]
    rng = np.random.default_rng(1)
    return Embedding(words, rng.standard_normal((len(words), 8)).astype(np.float32))


def test_top_words_are_the_first_rows_in_order(sample):
    sel = select_words(sample, [TopWords(50)])
    assert sel.words == sample.words[:50]
    assert sel.rows.tolist() == list(range(50))


def test_union_keeps_source_order_then_adds_new_words(small):
    sel = select_words(small, [Words(["cat", "the"]), TopWords(3), Words(["dog"])])
    assert sel.words == ["cat", "the", "of", "paris", "dog"]
    assert sel.rows.tolist() == [5, 0, 1, 2, 6]


def test_intersect_and_exclude_apply_left_to_right(small):
    sel = select_words(small, [TopWords(8), Regex("[a-z]+", combine="intersect"),
                               Words(["of", "cat"], combine="exclude")])
    assert sel.words == ["the", "paris", "london", "dog"]


def test_regex_matches_whole_words(small):
    assert select_words(small, [Regex("[a-z]+")]).words == ["the", "of", "paris", "london",
                                                           "cat", "dog"]
    assert select_words(small, [Regex("[a-z]+", ignore_case=True)]).words[-2:] == ["dog", "iPhone"]
    with pytest.raises(SelectionError, match="not valid"):
        select_words(small, [Regex("[")])


def test_duplicate_word_rows_take_the_first_occurrence(small):
    sel = select_words(small, [TopWords(10)])
    assert sel.words.count("the") == 1 and sel.rows[0] == 0
    assert any("more than once" in w for w in sel.warnings)


def test_case_fallback_finds_lowercase_and_other_case_and_reports_it(small):
    rows, fb = lookup(small, ["Paris", "berlin", "CAT", "nope", "iphone", "IPHONE"])
    assert rows.tolist() == [2, 4, 5, -1, 10, 10]
    assert fb == {"Paris": "paris", "berlin": "Berlin", "CAT": "cat", "iphone": "iPhone",
                  "IPHONE": "iPhone"}
    rows, fb = lookup(small, ["Paris"], case_fallback=False)
    assert rows.tolist() == [-1] and fb == {}
    sel = select_words(small, [Words(["Paris", "nope", "cat"])])
    cov = sel.coverage[0]
    assert (cov.asked, cov.found, cov.found_by_case_fallback, cov.missing) == (3, 2, 1, 1)
    assert cov.missing_examples == ["nope"]
    assert cov.case_fallback_examples == [("Paris", "paris")]
    assert sel.case_fallback == {"Paris": "paris"}


def test_words_file_forms(tmp_path, small):
    plain = tmp_path / "v.txt"
    plain.write_text("cat\r\nParis\n\nnope\ncat\n", encoding="utf-8")
    words, idx, warnings = read_word_list(plain)
    assert words == ["cat", "Paris", "nope", "cat"] and warnings == []
    assert idx == [0, 1, 3, 4]  # line numbers: the empty line is a gap, not a shift
    counted = tmp_path / "counts.txt"
    counted.write_text("cat\t12\ndog\t7\n", encoding="utf-8")
    assert read_word_list(counted)[0] == ["cat", "dog"]
    spaced = tmp_path / "w2v_vocab.txt"
    spaced.write_text("cat 12\ndog 7\n", encoding="utf-8")
    assert read_word_list(spaced)[0] == ["cat", "dog"]
    jmap = tmp_path / "word_index.json"
    jmap.write_text(json.dumps({"dog": 1, "cat": 0, "[PAD]": 2}), encoding="utf-8")
    assert read_word_list(jmap)[:2] == (["cat", "dog", "[PAD]"], [0, 1, 2])
    tok = tmp_path / "tokenizer.json"
    tok.write_text(json.dumps({"model": {"type": "WordPiece", "vocab": {"[PAD]": 0, "the": 1}},
                               "added_tokens": [{"id": 2, "content": "[MASK]"}]}),
                   encoding="utf-8")
    assert read_word_list(tok) == (["[PAD]", "the", "[MASK]"], [0, 1, 2], [])
    sel = select_words(small, [words_source(str(plain))])
    assert sel.words == ["cat", "Paris", "nope"]
    assert sel.coverage[0].duplicates == 1


def test_keep_indices_keeps_the_file_order_and_refuses_gaps_and_mixing(tmp_path, small):
    jmap = tmp_path / "vocab.json"
    jmap.write_text(json.dumps({"dog": 1, "cat": 0, "zebra": 2}), encoding="utf-8")
    sel = select_words(small, [words_source(str(jmap), keep_indices=True)])
    assert sel.words == ["cat", "dog", "zebra"] and sel.file_indices == [0, 1, 2]
    assert sel.rows.tolist() == [5, 6, -1]
    gap = tmp_path / "gap.json"
    gap.write_text(json.dumps({"cat": 0, "dog": 2}), encoding="utf-8")
    with pytest.raises(EmbeddingFormatError, match="index 1"):
        select_words(small, [words_source(str(gap), keep_indices=True)])
    twice = tmp_path / "twice.json"
    twice.write_text(json.dumps({"cat": 0, "dog": 0, "cow": 1}), encoding="utf-8")
    with pytest.raises(EmbeddingFormatError, match="twice.json, row 0: .*'cat' and 'dog'"):
        words_source(str(twice), keep_indices=True)  # refused on reading, as for a matrix
    shared = WordsFile("v.txt", ["cat", "dog", "cow"], [0, 0, 1], keep_indices=True)
    with pytest.raises(EmbeddingFormatError, match="index 0: used by both 'cat' and 'dog'"):
        select_words(small, [shared])
    listed_twice = WordsFile("v.txt", ["cat", "dog", "cat"], keep_indices=True)
    with pytest.raises(EmbeddingFormatError, match="word 'cat': listed twice"):
        select_words(small, [listed_twice])
    with pytest.raises(SelectionError, match="cannot be combined"):
        select_words(small, [words_source(str(jmap), keep_indices=True), TopWords(2)])


def test_bad_words_files_name_the_file_and_place(tmp_path, small):
    bad = tmp_path / "bad.json"
    bad.write_text('{"a": 0,', encoding="utf-8")
    with pytest.raises(EmbeddingFormatError, match=r"bad.json, line 1"):
        read_word_list(bad)
    with pytest.raises(EmbeddingFormatError, match="missing.txt"):
        words_source(str(tmp_path / "missing.txt"))


def test_a_words_file_that_is_not_utf8_still_chooses_its_words_and_names_the_bad_line(
        tmp_path, small):
    latin = tmp_path / "latin.txt"
    latin.write_bytes(b"cat\ncaf\xe9\ndog\n")
    words, _, warnings = read_word_list(latin)
    assert words == ["cat", "caf\ufffd", "dog"]
    assert len(warnings) == 1 and "latin.txt" in warnings[0] and "line 2" in warnings[0]
    sel = select_words(small, [words_source(str(latin))])
    assert sel.rows.tolist() == [5, -1, 6]
    assert warnings[0] in sel.warnings  # the export's manifest and report show it


def test_corpus_source_min_count_max_words_and_token_coverage(tmp_path, sample):
    text = ("the cat sat on the mat . the zzyzx zzyzx blorpf ,\n" * 3) + "rare\n"
    path = tmp_path / "corpus.txt"
    path.write_text(text, encoding="utf-8")
    sel = select_words(sample, [Corpus(str(path), min_count=2)])
    assert sel.words == ["the", "zzyzx", "cat", "sat", "on", "mat", ".", "blorpf", ","]
    cov = sel.coverage[0]
    assert cov.tokens == 37
    # every kept corpus word with a vector counts: all but zzyzx (6) and blorpf (3); rare not kept
    assert cov.tokens_covered == 37 - 6 - 3 - 1
    assert cov.missing_examples == ["zzyzx", "blorpf"]  # most frequent first
    top = select_words(sample, [Corpus(str(path), max_words=2)])
    assert top.words == ["the", "zzyzx"]


def test_corpus_counts_can_be_passed_in(tmp_path, sample):
    from embedscope.core.corpus import count_corpus

    path = tmp_path / "corpus.txt"
    path.write_text("b b a\n", encoding="utf-8")
    counts = count_corpus(path)
    counts.counts = {"of": 5, "the": 1}  # precomputed counts are used as given
    counts.tokens = 6
    assert select_words(sample, [Corpus(str(path), counts=counts)]).words == ["of", "the"]
    path.unlink()  # not read again
    assert select_words(sample, [Corpus(str(path), counts=counts)]).words == ["of", "the"]
    with pytest.raises(EmbeddingFormatError, match="corpus.txt"):  # counted another way
        select_words(sample, [Corpus(str(path), counts=counts, lowercase=True)])


def test_neighbours_source_starts_with_the_word(sample):
    sel = select_words(sample, [Neighbours(["france"], k=5)])
    assert sel.words[0] == "france" and len(sel.words) == 6
    assert "french" in sel.words or "belgium" in sel.words
    with pytest.raises(UnknownWordError):
        select_words(sample, [Neighbours(["qqqzzzx"])])


def test_embedding_order_puts_missing_words_last(small):
    sel = select_words(small, [Words(["dog", "nope", "the"])], order="embedding")
    assert sel.words == ["the", "dog", "nope"]


def test_no_sources_is_an_error(small):
    with pytest.raises(SelectionError, match="no words"):
        select_words(small, [])


@pytest.fixture
def spaced():
    """Tokens with spaces (GloVe 840B has ". . ."), and "Paris" before "paris"."""
    words = ["Berlin", "the", "new york", ". . .", "Paris", "paris", "cat", ".", ","]
    rng = np.random.default_rng(2)
    return Embedding(words, rng.standard_normal((len(words), 4)).astype(np.float32))


def test_a_words_file_gives_the_export_and_the_selection_dock_the_same_words(tmp_path, spaced):
    path = tmp_path / "list.txt"
    path.write_text("new york\n. . .\nPARIS\nberlin\nnotaword\n\ncat\n", encoding="utf-8")
    chosen = select_words(spaced, [words_source(str(path))])
    assert chosen.words == ["new york", ". . .", "PARIS", "berlin", "notaword", "cat"]
    assert chosen.rows.tolist() == [2, 3, 5, 0, -1, 6]
    rows, missing = rows_of(spaced, read_word_list(path)[0])  # the Selection panel's "Import…"
    assert rows.tolist() == chosen.rows[chosen.rows >= 0].tolist()
    assert missing == chosen.missing_words == ["notaword"]


def test_one_case_fallback_for_every_caller(spaced):
    asked = ["PARIS", "Paris", "berlin", "New York", "nope"]
    rows, fallback = lookup(spaced, asked)
    assert rows.tolist() == [5, 4, 0, 2, -1]  # lowercase first: "PARIS" is "paris", not "Paris"
    assert fallback == {"PARIS": "paris", "berlin": "Berlin", "New York": "new york"}
    assert [row_of(spaced, w) for w in asked] == [5, 4, 0, 2, None]
    assert rows_of(spaced, asked + ["paris"])[0].tolist() == [5, 4, 0, 2]


def test_from_corpus_and_a_corpus_source_choose_the_same_rows(tmp_path, spaced):
    path = tmp_path / "corpus.txt"
    path.write_text("The cat. PARIS, paris... new york\n", encoding="utf-8")
    rows, occ, oov = corpus_words(spaced, path)  # the dock's "From corpus…"
    chosen = select_words(spaced, [Corpus(str(path))])
    assert set(rows.tolist()) == set(chosen.rows[chosen.rows >= 0].tolist())
    assert dict(zip(rows.tolist(), occ.tolist()))[7] == 1 + 3  # "." and "..." alike
    assert oov == 2  # "new", "york": a corpus token never holds a space
