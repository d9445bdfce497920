"""Lasso and box masks, and the selection a user gathers words into."""
import numpy as np
import pytest

from embedscope.core.embedding import Embedding
from embedscope.core.jobs import Cancelled
from embedscope.core.selection import Selection, corpus_words, polygon_mask, rect_mask


def test_rect_mask_takes_corners_in_any_order():
    pts = np.array([[0, 1], [1, 1], [2, 2], [-1, 0.5]])
    assert rect_mask(pts, (1.5, 2.5, -0.5, 0.5)).tolist() == [True, True, False, False]


def test_polygon_mask_square_and_triangle():
    pts = np.array([[0.5, 0.5], [1.5, 0.5], [0.1, 0.9], [0.9, 0.1]])
    square = [(0, 0), (1, 0), (1, 1), (0, 1)]
    assert polygon_mask(pts, square).tolist() == [True, False, True, True]
    tri = [(0, 0), (1, 0), (0, 1)]
    assert polygon_mask(pts, tri).tolist() == [False, False, False, False]
    assert polygon_mask([[0.2, 0.2], [0.6, 0.6]], tri).tolist() == [True, False]


def test_polygon_mask_concave_lasso_leaves_the_notch_out():
    # a "U": the notch between the arms is outside
    u = [(0, 0), (3, 0), (3, 3), (2, 3), (2, 1), (1, 1), (1, 3), (0, 3)]
    pts = np.array([[0.5, 2.5], [1.5, 2.5], [2.5, 2.5], [1.5, 0.5]])
    assert polygon_mask(pts, u).tolist() == [True, False, True, True]


def test_polygon_mask_agrees_with_a_point_by_point_reference():
    rng = np.random.default_rng(3)
    pts = rng.uniform(-2, 2, (20000, 2))
    angles = np.sort(rng.uniform(0, 2 * np.pi, 30))
    radii = rng.uniform(0.5, 1.8, 30)
    poly = np.c_[radii * np.cos(angles), radii * np.sin(angles)]

    def inside(p):  # textbook ray casting, one point at a time
        c = False
        for k in range(len(poly)):
            (x1, y1), (x2, y2) = poly[k - 1], poly[k]
            if (y1 > p[1]) != (y2 > p[1]) and p[0] < x1 + (p[1] - y1) * (x2 - x1) / (y2 - y1):
                c = not c
        return c

    got = polygon_mask(pts, poly)
    want = np.array([inside(p) for p in pts[:2000]])
    assert (got[:2000] == want).all()
    assert 0 < got.sum() < len(pts)


def test_degenerate_polygon_selects_nothing():
    assert not polygon_mask([[0, 0]], [(0, 0), (1, 1)]).any()


@pytest.fixture
def emb():
    words = ["the", "cat", "sat", "on", "mat", "Paris"]
    return Embedding(words, np.eye(6, dtype=np.float32))


def test_selection_keeps_order_origin_and_removes(emb):
    sel = Selection()
    assert sel.add(np.array([False, True, True, False, False, False]), "lasso") == 2
    assert sel.add([2, 4], "neighbours") == 1
    assert sel.rows.tolist() == [1, 2, 4]
    assert sel.origin(2) == "lasso"
    assert sel.by_origin() == {"lasso": 2, "neighbours": 1}
    assert sel.words(emb) == ["cat", "sat", "mat"]
    assert sel.remove([1, 5]) == 1
    assert sel.mask(6).tolist() == [False, False, True, False, True, False]
    sel.clear()
    assert len(sel) == 0


def test_corpus_words_counts_and_cancels(emb, tmp_path):
    p = tmp_path / "corpus.txt"
    p.write_text("The cat sat on the mat.\nThe dog sat.\n" * 3, encoding="utf-8")
    rows, occ, oov = corpus_words(emb, p)
    # "The" finds "the" by case fallback and adds to its count
    assert dict(zip([emb.words[r] for r in rows], occ.tolist())) == {
        "the": 9, "sat": 6, "cat": 3, "on": 3, "mat": 3}
    assert oov == 3 + 6  # "dog" and "." (a token of its own, as the export counts it)
    sel = Selection()
    sel.add(rows, "corpus", counts=occ)
    assert sel.counts[0] == 9
    big = tmp_path / "big.txt"
    big.write_text("the cat\n" * 50000, encoding="utf-8")
    with pytest.raises(Cancelled):
        corpus_words(emb, big, should_stop=lambda: True)
