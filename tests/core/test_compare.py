"""Comparing two embeddings: identical inputs, a rotated copy, words replaced by noise."""
import numpy as np
import pytest

from embedscope.core.compare import CompareError, compare, jaccard_rows, side_by_side
from embedscope.core.embedding import Embedding


@pytest.fixture(scope="module")
def base(sample):
    # 3,000 real GloVe words: neighbourhoods with real structure, fast to compare
    return sample.take(np.arange(3000))


def _rotation(d, seed=0):
    q, _ = np.linalg.qr(np.random.default_rng(seed).standard_normal((d, d)))
    return q.astype(np.float32)


def test_identical_inputs_have_cosine_one_and_full_overlap(base):
    c = compare(base, base, k=10, sample=2000)
    assert len(c.shared) == 3000 and not c.only_a and not c.only_b
    np.testing.assert_allclose(c.cosine, 1.0, atol=1e-5)
    assert np.all(c.overlap[:2000] == 1.0)
    assert np.all(np.isnan(c.overlap[2000:]))
    assert c.kept_half == 1.0


def test_rotated_copy_is_recovered_only_with_procrustes(base):
    rotated = Embedding(base.words, np.asarray(base.vectors) @ _rotation(base.dim))
    plain = compare(base, rotated, align="none", sample=1000)
    aligned = compare(base, rotated, align="procrustes", sample=1000)
    # neighbourhoods do not care about rotation (up to float32 near-ties at rank k);
    # per-word cosines do
    assert plain.median_overlap == 1.0 and np.mean(plain.overlap[:1000] == 1.0) > 0.98
    assert plain.median_cosine < 0.5
    assert aligned.median_cosine > 0.999
    assert aligned.residual < 1e-4
    assert aligned.median_overlap == 1.0 and np.mean(aligned.overlap[:1000] == 1.0) > 0.98


def test_words_replaced_by_noise_rank_first_among_movers(base):
    rng = np.random.default_rng(1)
    moved = np.asarray(base.vectors).copy()
    noisy = rng.choice(1000, size=15, replace=False)
    moved[noisy] = rng.standard_normal((15, base.dim)).astype(np.float32) * 3
    c = compare(base, Embedding(base.words, moved), sample=1000)
    top = {m.word for m in c.movers(15)}
    assert top == {base.words[i] for i in noisy}
    top_overlap = {m.word for m in c.movers(15, by="overlap")}
    assert len(top_overlap & {base.words[i] for i in noisy}) >= 12


def test_vocabulary_differences_are_counted(base):
    b = base.take(np.arange(500, 3500 if base.rows >= 3500 else 3000))
    c = compare(base, b, sample=500)
    assert len(c.shared) == 2500 and len(c.only_a) == 500 and len(c.only_b) == 0
    assert c.shared[0] == base.words[500]


def test_different_dimensions_need_alignment(base):
    other = Embedding(base.words[:100], np.ones((100, 7), np.float32))
    with pytest.raises(CompareError, match="procrustes"):
        compare(base, other)


def test_no_shared_words_is_a_clear_error(base):
    other = Embedding(["zzz1", "zzz2"], np.ones((2, base.dim), np.float32))
    with pytest.raises(CompareError, match="share no words"):
        compare(base, other)


def test_jaccard_counts_common_members():
    a = np.array([[1, 2, 3, 4], [1, 2, 3, 4]])
    b = np.array([[4, 3, 2, 1], [5, 6, 3, 4]])
    np.testing.assert_allclose(jaccard_rows(a, b), [1.0, 2 / 6])


def test_side_by_side_marks_shared_neighbours(base):
    c = compare(base, base, sample=500)
    la, lb, common = side_by_side(c, base, base, "king", k=5)
    assert [w for w, _ in la] == [w for w, _ in lb]
    assert common == {w for w, _ in la}
    assert "queen" in common or "prince" in common


def test_side_by_side_with_k_beyond_the_shared_words_lists_every_other_word(base):
    """Five shared words and k = 10: each list holds the four others, never the word itself."""
    few = base.take(np.arange(5))
    c = compare(few, few, sample=0)
    word = few.words[0]
    for k in (4, 5, 10):
        la, lb, common = side_by_side(c, few, few, word, k=k)
        assert sorted(w for w, _ in la) == sorted(few.words[1:5]), k
        assert all(np.isfinite(s) for _, s in la + lb)
        assert common == set(few.words[1:5])


def test_side_by_side_searches_only_shared_words_when_vocabularies_differ(base):
    b = base.take(np.arange(100, 3000))
    c = compare(base, b, sample=500)
    la, lb, _ = side_by_side(c, base, b, "king", k=10)
    shared = set(c.shared)
    assert {w for w, _ in la} <= shared and {w for w, _ in lb} <= shared
    # the scores are the cosines in each embedding
    for emb, lst in ((base, la), (b, lb)):
        u = emb.unit_vectors
        for w, s in lst:
            assert abs(float(u[emb.row("king")] @ u[emb.row(w)]) - s) < 1e-5
    with pytest.raises(KeyError):
        side_by_side(c, base, b, base.words[5], k=3)  # only in A
