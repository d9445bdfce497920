"""Coverage sizes the vocabulary: token and type coverage as rows are kept by corpus
frequency, the rows needed for 90 / 95 / 99 %, and the missing words with what they map to."""
from __future__ import annotations

import numpy as np
import pytest

from embedscope.core.corpus import count_text
from embedscope.core.coverage import corpus_coverage, suggest
from embedscope.core.embedding import Embedding
from embedscope.core.export import ExportPlan
from embedscope.core.vocabulary import Corpus
from embedscope.io.export_folder import write_export


@pytest.fixture
def emb():
    words = ["the", "of", "cat", "naive", "cafe", "e", "mail", "0000", "####s", "Paris", "dog"]
    return Embedding(words, np.random.default_rng(0).standard_normal((len(words), 8)))


TEXT = ("the " * 50 + "of " * 30 + "cat " * 10 + "naïve " * 6 + "e-mail " * 5 + "paris " * 4
        + "1990 " * 3 + "1990s " * 2 + "zebra " * 2 + "café dog")


def test_curve_and_full_coverage_equal_the_share_of_tokens_in_the_vocabulary(emb):
    counts = count_text(TEXT)
    cov = corpus_coverage(emb, counts)
    in_vocab = sum(c for w, c in counts.counts.items()
                   if w in emb.word_to_row or w.lower() in emb.lower_to_row)
    assert cov.tokens == counts.tokens == 114
    assert cov.token_coverage == pytest.approx(in_vocab / counts.tokens)
    assert cov.curve()[-1] == (cov.rows, pytest.approx(in_vocab / counts.tokens))
    # Rows are kept most frequent corpus word first: "the" (50) alone covers 50 tokens.
    assert cov.curve()[0] == (1, pytest.approx(50 / 114))
    assert cov.rows == 5 and cov.types == 11  # the, of, cat, paris (by case), dog
    assert cov.type_coverage == pytest.approx(5 / 11)


def test_rows_for_each_share_and_null_when_out_of_reach(emb):
    cov = corpus_coverage(emb, count_text(TEXT))
    d = cov.to_dict()
    # 50 + 30 = 80 of 114 tokens (70 %); 90 % is out of reach (95 of 114 = 83 % at most).
    assert cov.rows_for(0.5) == 2 and cov.rows_for(0.7) == 2 and cov.rows_for(0.75) == 3
    assert d["rows_for"] == {"0.9": None, "0.95": None, "0.99": None}
    full = corpus_coverage(emb, count_text("the the the the the the the the the of cat"))
    assert full.to_dict()["rows_for"] == {"0.9": 2, "0.95": 3, "0.99": 3}


def test_missing_words_most_frequent_first_with_what_they_could_map_to(emb):
    cov = corpus_coverage(emb, count_text(TEXT))
    got = {m.word: (m.count, m.suggestion, m.by) for m in cov.missing}
    assert [m.word for m in cov.missing][:2] == ["naïve", "e-mail"]
    assert got["naïve"] == (6, ["naive"], "accents removed")
    assert got["e-mail"] == (5, ["e", "mail"], "hyphenated parts")
    assert got["1990"] == (3, ["0000"], "digits folded")
    assert got["1990s"] == (2, ["####s"], "digits folded")
    assert got["zebra"] == (2, None, None)
    assert got["café"] == (1, ["cafe"], "accents removed")
    assert cov.missing_types == 6 and cov.missing_tokens == 19


def test_without_case_fallback_the_other_case_is_a_suggestion(emb):
    cov = corpus_coverage(emb, count_text(TEXT), case_fallback=False)
    assert {m.word: m.suggestion for m in cov.missing}["paris"] == ["Paris"]
    assert suggest(emb, "PARIS") == (["Paris"], "case")


def test_full_coverage_matches_what_export_corpus_reports(sample, tmp_path):
    text = " ".join(sample.words[i] for i in range(0, 3000, 7)) + " Zzyzx qqqq The Of"
    corpus = tmp_path / "c.txt"
    corpus.write_text(text * 3, encoding="utf-8")
    from embedscope.core.corpus import count_corpus

    cov = corpus_coverage(sample, count_corpus(corpus))
    manifest = write_export(sample, ExportPlan(sources=[Corpus(str(corpus))]), tmp_path / "out")
    export_cov = manifest["coverage"][0]
    assert cov.token_coverage == pytest.approx(export_cov["token_share"], abs=1e-6)
    assert cov.rows == manifest["counts"]["from_embedding"]
