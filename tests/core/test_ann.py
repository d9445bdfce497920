"""The approximate index (faiss's inverted file, core/ann.py) says how approximate it is:
its recall@10 against exact search is measured at build time and reaches the target."""
from __future__ import annotations

import numpy as np
import pytest

from embedscope.core.ann import build_index
from embedscope.core.embedding import Embedding
from embedscope.core.jobs import Cancelled
from embedscope.core.neighbours import nearest


@pytest.fixture(scope="module")
def built(sample):
    seen = []
    index = build_index(sample, target_recall=0.9, recall_queries=60,
                        progress=lambda d, t, m="": seen.append(d / t if t else 0))
    return index, seen


def test_recall_is_measured_reaches_the_target_and_the_build_reports_progress(sample, built):
    index, seen = built
    assert 0.85 <= index.recall_at_10 <= 1.0
    assert index.n_probe < index.n_lists and seen[-1] == 1.0
    exact = [n.word for n in nearest(sample, "france", k=10)]
    approx = [n.word for n in index.nearest("france", k=10)]
    assert len(set(exact) & set(approx)) >= 7 and "france" not in approx


def test_reading_every_list_finds_the_exact_top_10(sample, built):
    index, _ = built
    for word in ("france", "music", "king"):
        got = index.nearest(word, k=10, n_probe=index.n_lists)
        want = nearest(sample, word, k=10)
        assert [n.row for n in got] == [n.row for n in want]
        assert np.allclose([n.score for n in got], [n.score for n in want], atol=1e-5)


def test_queries_take_what_exact_search_takes(sample, built):
    index, _ = built
    both = index.nearest(["paris", "rome"], k=5)
    assert {"paris", "rome"}.isdisjoint(n.word for n in both)
    assert index.nearest("paris", k=3, exclude_query=False)[0].word == "paris"
    vec = np.asarray(sample.vectors[sample.word_to_row["paris"]])
    assert index.nearest(vec, k=1)[0].word == "paris"


def test_zero_and_broken_rows_are_never_a_neighbour(sample):
    vectors = np.array(sample.vectors)
    vectors[5] = 0.0
    vectors[6, 3] = np.nan
    emb = Embedding(sample.words, vectors)
    index = build_index(emb, recall_queries=20)
    rows = {n.row for w in ("france", "music", "the") for n in
            index.nearest(w, k=50, n_probe=index.n_lists)}
    assert rows.isdisjoint({5, 6})


def test_cancel_stops_the_build(sample):
    with pytest.raises(Cancelled):
        build_index(sample, should_stop=lambda: True)
