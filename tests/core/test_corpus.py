"""Corpus counting: the counts a user's --min-count/--max-words rely on."""
from __future__ import annotations

import re
from collections import Counter

import pytest

from embedscope.core import corpus as corpus_mod
from embedscope.core.corpus import count_corpus, count_text, tokenize
from embedscope.core.errors import EmbeddingFormatError
from embedscope.core.jobs import Cancelled

TEXT = ("The cat sat on the mat. The dog didn't sit; it ran -- fast!\n"
        "E-mail me at 10:30, the CAT said.\tdon't   panic\n")


def test_words_tokenizer_splits_punctuation_but_keeps_inner_apostrophes_and_hyphens():
    assert tokenize("didn't stop, e-mail me.") == ["didn't", "stop", ",", "e-mail", "me", "."]
    assert tokenize("Rock'n'roll -- 1990s!") == ["Rock'n'roll", "-", "-", "1990s", "!"]


def test_whitespace_tokenizer_is_str_split():
    assert tokenize(TEXT, "whitespace") == TEXT.split()


def test_counts_equal_a_plain_regex_count_over_the_whole_text(tmp_path):
    path = tmp_path / "c.txt"
    path.write_text(TEXT * 3, encoding="utf-8")
    got = count_corpus(path)
    expected = Counter(re.findall(corpus_mod.TOKENIZERS["words"], TEXT * 3))
    assert got.counts == dict(expected)
    assert got.tokens == sum(expected.values())
    low = count_corpus(path, lowercase=True)
    assert low.counts["the"] == expected["The"] + expected["the"]
    assert "The" not in low.counts


def test_counts_are_in_descending_order_and_whitespace_mode_matches_counter(tmp_path):
    path = tmp_path / "c.txt"
    path.write_text(TEXT * 5, encoding="utf-8")
    got = count_corpus(path, tokenizer="whitespace")
    assert got.counts == dict(Counter((TEXT * 5).split()))
    values = list(got.counts.values())
    assert values == sorted(values, reverse=True)
    assert got.most_common(1)[0][1] == max(values)


def test_words_cut_by_chunk_boundaries_are_counted_whole(tmp_path, monkeypatch):
    # Tiny chunks force many words to straddle two reads.
    monkeypatch.setattr(corpus_mod, "LINE_CAP", 7)
    text = "alpha beta gamma\ndelta epsilon alpha\n" * 20 + "omega " * 30 + "end"
    path = tmp_path / "c.txt"
    path.write_text(text, encoding="utf-8")
    assert count_corpus(path, tokenizer="whitespace").counts == dict(Counter(text.split()))
    assert count_corpus(path).counts == count_text(text).counts


def test_progress_and_cancel(tmp_path, monkeypatch):
    monkeypatch.setattr(corpus_mod, "LINE_CAP", 64)
    path = tmp_path / "c.txt"
    path.write_text("word " * 2000, encoding="utf-8")  # one long line, read in capped pieces
    seen = []
    got = count_corpus(path, progress=lambda d, t, m="": seen.append((d, t)))
    assert got.counts == {"word": 2000}
    assert seen[-1][0] == seen[-1][1] == path.stat().st_size
    many = tmp_path / "lines.txt"
    many.write_text("a b\n" * 100_000, encoding="utf-8")
    calls = []

    def stop():
        calls.append(1)
        return len(calls) > 3

    with pytest.raises(Cancelled):
        count_corpus(many, should_stop=stop)


def test_invalid_utf8_is_replaced_and_reported(tmp_path):
    path = tmp_path / "c.txt"
    path.write_bytes(b"good caf\xe9 good\n")
    got = count_corpus(path)
    assert got.counts["good"] == 2
    assert got.warnings and "UTF-8" in got.warnings[0]


def test_missing_corpus_names_the_file(tmp_path):
    with pytest.raises(EmbeddingFormatError, match="nope.txt"):
        count_corpus(tmp_path / "nope.txt")


def test_counts_know_which_file_state_they_belong_to(tmp_path):
    path = tmp_path / "c.txt"
    path.write_text("a b c\n", encoding="utf-8")
    got = count_corpus(path)
    assert got.matches(path, "words", False)
    assert not got.matches(path, "words", True)
    path.write_text("a b c d e\n", encoding="utf-8")
    assert not got.matches(path, "words", False)
