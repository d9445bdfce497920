"""Nearest neighbours equal gensim's most_similar — words and scores — on gensim's own test
files and on generated embeddings; dot and Euclidean equal a brute-force numpy answer."""
from __future__ import annotations

import os

import numpy as np
import pytest

from embedscope.core.compiled import plain
from embedscope.core.embedding import Embedding
from embedscope.core.errors import UnknownWordError
from embedscope.core.neighbours import Neighbour, nearest, top_rows


def _kv_and_emb(path, **kw):
    from gensim.models import KeyedVectors

    kv = KeyedVectors.load_word2vec_format(str(path), **kw)
    return kv, Embedding(kv.index_to_key, kv.vectors)


def _pairs(res):
    return [(n.word, n.score) for n in res]


@pytest.fixture(scope="module")
def lee():
    from gensim.test.utils import datapath

    return _kv_and_emb(datapath("lee_fasttext.vec"))


@pytest.mark.parametrize("name,kw", [
    ("lee_fasttext.vec", {}),
    ("test_glove.txt", {"no_header": True}),
    ("euclidean_vectors.bin", {"binary": True}),
    ("crime-and-punishment.vec", {}),
])
def test_single_word_equals_gensim_most_similar(name, kw):
    from gensim.test.utils import datapath

    kv, emb = _kv_and_emb(datapath(name), **kw)
    step = max(1, len(kv) // 150)
    for w in kv.index_to_key[::step]:
        assert _pairs(nearest(emb, w, k=10)) == kv.most_similar(w, topn=10), w


def test_several_words_weights_vectors_and_restrict_equal_gensim(lee):
    kv, emb = lee
    ws = kv.index_to_key
    assert _pairs(nearest(emb, [ws[10], ws[20], ws[30]], k=7)) == \
        kv.most_similar(positive=[ws[10], ws[20], ws[30]], topn=7)
    assert _pairs(nearest(emb, [(1.0, ws[40]), (0.5, ws[41]), (-1.0, ws[42])], k=10)) == \
        kv.most_similar(positive=[ws[40], (ws[41], 0.5)], negative=[ws[42]], topn=10)
    vec = np.random.default_rng(3).standard_normal(emb.dim).astype(np.float32)
    assert _pairs(nearest(emb, vec, k=10)) == kv.similar_by_vector(vec, topn=10)
    assert _pairs(nearest(emb, ws[5], k=10, restrict=300)) == \
        kv.most_similar(ws[5], topn=10, restrict_vocab=300)
    # every result lies in the first 300 rows
    assert all(n.row < 300 for n in nearest(emb, ws[5], k=50, restrict=300))


def test_query_word_kept_on_request(lee):
    kv, emb = lee
    w = kv.index_to_key[12]
    res = nearest(emb, w, k=3, exclude_query=False)
    assert res[0].word == w and res[0].score == pytest.approx(1.0, abs=1e-6)
    assert [n.word for n in res[1:]] == [n.word for n in nearest(emb, w, k=2)]


def test_dot_and_euclidean_equal_brute_force(random_embedding):
    emb = random_embedding
    V = emb.vectors.astype(np.float64)
    for word in ("w3", "w77", "w401"):
        q = V[emb.row(word)]
        dots = V @ q
        dots[emb.row(word)] = -np.inf
        expect = list(np.argsort(-dots, kind="stable")[:8])
        res = nearest(emb, word, k=8, metric="dot")
        assert [n.row for n in res] == expect
        np.testing.assert_allclose([n.score for n in res], dots[expect], rtol=1e-5)
        dist = np.linalg.norm(V - q, axis=1)
        dist[emb.row(word)] = np.inf
        expect = list(np.argsort(dist, kind="stable")[:8])
        res = nearest(emb, word, k=8, metric="euclidean")
        assert [n.row for n in res] == expect
        np.testing.assert_allclose([n.score for n in res], dist[expect], rtol=1e-5)


def test_large_embedding_blocked_search_equals_gensim():
    """Over 262,144 rows the product runs in row blocks; scores stay gensim's bit for bit."""
    from gensim.models import KeyedVectors

    rng = np.random.default_rng(5)
    n = 300_000
    vectors = rng.standard_normal((n, 8)).astype(np.float32)
    words = [f"t{i}" for i in range(n)]
    kv = KeyedVectors(8)
    kv.add_vectors(words, vectors)
    emb = Embedding(words, vectors)
    for w in ("t0", "t123456", "t299999"):
        assert _pairs(nearest(emb, w, k=10)) == kv.most_similar(w, topn=10)


def test_ties_go_to_the_more_frequent_row():
    vectors = np.array([[1, 0], [0, 1], [0, 1], [0, 1], [1, 1]], dtype=np.float32)
    emb = Embedding(["q", "a", "b", "c", "d"], vectors)
    res = nearest(emb, np.array([0.0, 1.0], dtype=np.float32), k=3)
    assert [n.word for n in res] == ["a", "b", "c"]


def test_zero_vector_never_a_cosine_neighbour():
    rng = np.random.default_rng(1)
    vectors = rng.standard_normal((50, 4)).astype(np.float32)
    vectors[7] = 0
    emb = Embedding([f"w{i}" for i in range(50)], vectors)
    res = nearest(emb, "w0", k=49)
    assert "w7" not in [n.word for n in res] and len(res) == 48


def test_unknown_words_named_with_suggestions(sample):
    with pytest.raises(UnknownWordError) as exc:
        nearest(sample, ["king", "qeen", "zzzqqq"])
    assert exc.value.words == ["qeen", "zzzqqq"]
    assert "queen" in exc.value.suggestions["qeen"]
    assert "qeen" in str(exc.value)


def test_top_rows_threshold_equals_full_sort():
    rng = np.random.default_rng(2)
    key = rng.standard_normal(100_000).astype(np.float32)
    key[::97] = np.nan
    for k in (1, 10, 200):
        got = top_rows(key, k, exclude=[5, 6])
        clean = np.where(np.isnan(key), -np.inf, key)
        clean[[5, 6]] = -np.inf
        assert list(got) == list(np.argsort(-clean, kind="stable")[:k])


def test_results_are_named_tuples(sample):
    res = nearest(sample, "paris", k=3)
    assert isinstance(res[0], Neighbour)
    assert res[0].word == sample.words[res[0].row]
    assert res[0].word == "france" or res[0].score > 0.8


def _simd_width():
    from embedscope.core.compiled import kernels

    k = kernels("quantized_kernels")
    return k.WIDTH if k is not None else 0


needs_compiled = pytest.mark.skipif(plain(), reason="EMBEDSCOPE_PLAIN: no 4-bit copy is built")


@pytest.mark.skipif(not _simd_width(), reason="this CPU has neither VNNI nor AVX2")
def test_pruned_cosine_search_equals_gensim(sample, monkeypatch):
    """Large vocabularies take the 4-bit bound path; results stay gensim's, bit for
    bit, including rows gathered from anywhere in the matrix."""
    from gensim.models import KeyedVectors

    import embedscope.core.neighbours as nb

    monkeypatch.setattr(nb, "_PRUNE_MIN_ROWS", 1000)
    emb = Embedding(sample.words, np.asarray(sample.vectors))
    kv = KeyedVectors(emb.dim)
    kv.add_vectors(emb.words, np.asarray(emb.vectors))
    nb.prepare(emb)
    calls = []
    real = nb._cosine_pruned
    monkeypatch.setattr(nb, "_cosine_pruned", lambda *a: calls.append(1) or real(*a))
    rng = np.random.default_rng(7)
    for i in rng.choice(emb.rows, 150, replace=False):
        w = emb.words[i]
        assert _pairs(nearest(emb, w, k=10)) == kv.most_similar(w, topn=10), w
    assert _pairs(nearest(emb, ["paris", "rome"], k=25)) == \
        kv.most_similar(positive=["paris", "rome"], topn=25)
    assert _pairs(nearest(emb, "music", k=10, restrict=7000)) == \
        kv.most_similar("music", topn=10, restrict_vocab=7000)
    assert len(calls) >= 150 and nb.search_state(emb).quantized(emb) is not None


def test_expression_as_a_query(sample):
    got = nearest(sample, "king - man + woman", k=5)
    assert got == nearest(sample, [(1.0, "king"), (-1.0, "man"), (1.0, "woman")], k=5)
    assert got[0].word == "queen"


def _bounds_hold(qz, emb, unit, rng, simd, queries=25):
    """Every row's cosine lies within err + slack of its 4-bit estimate; returns the estimates
    of the last query and the mean width of the bounds."""
    n = emb.rows
    widths = []
    for _ in range(queries):
        q = rng.standard_normal(emb.dim).astype(np.float32) * 0.2 + unit[rng.integers(n)]
        q /= np.linalg.norm(q)
        qc = qz.query(q, simd=simd)
        est = qz.estimates(qc).astype(np.float64)
        slack = qz.err[:n].astype(np.float64) + qc.slack
        exact = unit.astype(np.float64) @ q
        ok = ~np.isnan(slack)
        assert np.all(exact[ok] <= est[ok] + slack[ok])
        assert np.all(exact[ok] >= est[ok] - slack[ok])
        widths.append(float(np.mean(slack[ok])))
    return est, float(np.mean(widths))


@needs_compiled
def test_4bit_bounds_hold_for_every_row_and_are_narrow(sample):
    """The pruned search is exact only if the 4-bit copy's bounds are true bounds: every row's
    cosine lies within them, for any query. They must also be narrow enough to rule rows out."""
    from embedscope.core import quantized
    from embedscope.core.neighbours import gensim_norms

    vectors = np.array(sample.vectors)
    vectors[17] = 0.0  # a zero row, as some files have
    emb = Embedding(sample.words, vectors)
    norms = gensim_norms(emb)
    qz = quantized.QuantizedRows(emb.vectors, norms)
    with np.errstate(invalid="ignore", divide="ignore"):
        unit = np.nan_to_num(vectors / norms[:, None])
    est, width = _bounds_hold(qz, emb, unit, np.random.default_rng(3), simd=False)
    assert np.isnan(qz.err[17])  # never a result
    assert width < 0.2


@needs_compiled
def test_4bit_copy_decodes_within_each_rows_error_and_the_query_rounding_within_its_slack(sample):
    """The two halves of the bound, row by row: a row's codes decode to within its error
    length of the row, and rounding the query to bytes moves no row's estimate by more than
    the query's slack."""
    from embedscope.core import quantized
    from embedscope.core.neighbours import gensim_norms

    emb = Embedding(sample.words, np.asarray(sample.vectors))
    qz = quantized.QuantizedRows(emb.vectors, gensim_norms(emb))
    rows = np.arange(0, emb.rows, 7)
    unit = (emb.unit_vectors[rows].astype(np.float64) @ qz.rotation)[:, :8 * qz.planes]
    decoded = qz.dequantized(rows)
    assert np.all(np.linalg.norm(unit - decoded, axis=1) <= qz.err[rows])
    for word in ("france", "music", "zygote" if "zygote" in emb.word_to_row else "paris"):
        q = emb.unit_vectors[emb.word_to_row[word]].astype(np.float64)
        qc = qz.query(q.astype(np.float32))
        on_axes = (q @ qz.rotation)[:8 * qz.planes]
        moved = np.abs(qz.estimates(qc)[rows] - decoded @ on_axes)
        assert moved.max() <= qc.slack
        assert moved.max() > 10 * quantized._ROUNDING  # the rounding is real: the slack matters


@needs_compiled
def test_4bit_bounds_hold_when_dimensions_are_not_a_multiple_of_eight():
    """Dimensions past the last whole group of eight are not coded; their share is bounded."""
    from embedscope.core import quantized
    from embedscope.core.neighbours import gensim_norms

    rng = np.random.default_rng(11)
    v = (rng.standard_normal((5000, 21)) * np.linspace(2, 0.5, 21)).astype(np.float32)
    emb = Embedding([f"w{i}" for i in range(len(v))], v)
    qz = quantized.QuantizedRows(emb.vectors, gensim_norms(emb))
    assert qz.planes == 2 and qz.tail_len > 0
    unit = v / np.linalg.norm(v, axis=1, keepdims=True)
    _bounds_hold(qz, emb, unit, rng, simd=False)


@pytest.mark.skipif(not _simd_width(), reason="this CPU has neither VNNI nor AVX2")
def test_instruction_and_plain_forms_give_identical_estimates(sample):
    """The instruction form (vpdpbusd, or AVX2's two steps) and the plain loops compute the
    same integers, so the same estimates to the last bit."""
    from embedscope.core import quantized
    from embedscope.core.neighbours import gensim_norms

    emb = Embedding(sample.words, np.asarray(sample.vectors))
    qz = quantized.QuantizedRows(emb.vectors, gensim_norms(emb))
    for word in ("france", "music", sample.words[-1]):
        q = emb.unit_vectors[emb.word_to_row[word]]
        plain, simd = qz.query(q, simd=False), qz.query(q, simd=True)
        assert plain.words.dtype == np.int8 and simd.words.dtype == np.int32
        assert np.array_equal(qz.estimates(plain), qz.estimates(simd))


@needs_compiled
@pytest.mark.parametrize("form", ["vnni256", "avx2"])
def test_slower_instruction_forms_give_the_same_estimates(form, tmp_path):
    """CPUs with AVX-VNNI but no AVX-512, and CPUs with AVX2 only, run other instruction
    forms: each compiled here in a fresh process (its own numba cache) and checked against
    the plain loops — estimates, chunk bounds and picked chunks."""
    import subprocess
    import sys

    from embedscope.core import quantized_kernels

    if quantized_kernels.FORMS.index(quantized_kernels.FORM) > quantized_kernels.FORMS.index(form):
        pytest.skip(f"this CPU cannot run the {form} form")
    code = f"""
import numpy as np
from embedscope.core import quantized, quantized_kernels
assert quantized_kernels.FORM == "{form}", quantized_kernels.FORM
rng = np.random.default_rng(0)
v = rng.standard_normal((4000, 40)).astype(np.float32)
qz = quantized.QuantizedRows(v, np.linalg.norm(v, axis=1))
assert qz.simd
q = v[5] / np.linalg.norm(v[5])
a, b = qz.estimates(qz.query(q, simd=False)), qz.estimates(qz.query(q, simd=True))
assert np.array_equal(a, b)
upper, picked = qz.first_pass(qz.query(q, simd=True), 4000, 16)
upper2, picked2 = qz.first_pass(qz.query(q, simd=False), 4000, 16)
assert np.array_equal(upper, upper2) and set(picked) == set(picked2)
print("same")
"""
    env = dict(os.environ, EMBEDSCOPE_SIMD=form, NUMBA_CACHE_DIR=str(tmp_path))
    out = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True,
                         timeout=300)
    assert out.returncode == 0, out.stderr[-2000:]
    assert out.stdout.strip() == "same"


@pytest.mark.skipif(not _simd_width(), reason="this CPU has neither VNNI nor AVX2")
def test_pruned_search_equals_the_full_product_for_any_query(sample, monkeypatch):
    """Raw vectors far from any word, k from 1 to 100, a restriction that ends inside a chunk,
    the query's own word kept: the pruned path returns what one product over every row does."""
    import embedscope.core.neighbours as nb
    from embedscope.core.neighbours import search_vector

    monkeypatch.setattr(nb, "_PRUNE_MIN_ROWS", 1000)
    emb = Embedding(sample.words, np.asarray(sample.vectors))
    nb.prepare(emb)
    used = []
    real = nb._cosine_pruned
    monkeypatch.setattr(nb, "_cosine_pruned", lambda *a: used.append(real(*a)) or used[-1])
    rng = np.random.default_rng(21)
    for trial in range(60):
        if trial % 3 == 0:
            q = rng.standard_normal(emb.dim)  # far from every word: low scores everywhere
        else:
            q = emb.unit_vectors[rng.integers(emb.rows)] + 0.3 * rng.standard_normal(emb.dim)
        q = (q / np.linalg.norm(q)).astype(np.float32)
        k = int(rng.choice([1, 10, 100]))
        restrict = int(rng.choice([0, 12_345]))
        exclude = [] if trial % 2 else [int(rng.integers(emb.rows))]
        got = search_vector(emb, q, k, exclude=exclude, restrict=restrict or None)
        with monkeypatch.context() as m:
            m.setattr(nb, "_cosine_pruned", lambda *a: None)
            want = search_vector(emb, q, k, exclude=exclude, restrict=restrict or None)
        assert got == want, (trial, k, restrict)
    assert sum(r is not None for r in used) >= 40  # the pruned path answered most of them


def test_without_the_instructions_the_plain_search_runs(sample, monkeypatch):
    """On a CPU with neither VNNI nor AVX2 the copy is not built (its plain loops would be
    slower than one product over the matrix); searches stay gensim's."""
    from gensim.models import KeyedVectors

    import embedscope.core.neighbours as nb
    from embedscope.core import quantized_kernels

    monkeypatch.setattr(nb, "_PRUNE_MIN_ROWS", 1000)
    monkeypatch.setattr(quantized_kernels, "WIDTH", 0)
    emb = Embedding(sample.words, np.asarray(sample.vectors))
    kv = KeyedVectors(emb.dim)
    kv.add_vectors(emb.words, np.asarray(emb.vectors))
    nb.prepare(emb)
    assert nb.search_state(emb).quantized(emb) is None
    for i in np.random.default_rng(9).choice(emb.rows, 20, replace=False):
        w = emb.words[i]
        assert _pairs(nearest(emb, w, k=10)) == kv.most_similar(w, topn=10), w


@pytest.mark.skipif(not _simd_width(), reason="this CPU has neither VNNI nor AVX2")
def test_pruned_search_with_broken_rows_warns_nothing_and_skips_them(monkeypatch):
    """NaN, infinite and zero rows (which the check reports) neither break the 4-bit copy nor
    appear among neighbours; the copy is built without a numpy warning."""
    import warnings

    import embedscope.core.neighbours as nb

    monkeypatch.setattr(nb, "_PRUNE_MIN_ROWS", 100)
    rng = np.random.default_rng(5)
    v = rng.standard_normal((3000, 32)).astype(np.float32)
    v[5] = np.nan
    v[7] = 0.0
    v[9, 3] = np.inf
    emb = Embedding([f"w{i}" for i in range(3000)], v)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        nb.search_state(emb).quantized(emb, wait=True)
    assert nb.search_state(emb).quantized(emb) is not None
    got = nearest(emb, "w1", k=20)
    with np.errstate(invalid="ignore", divide="ignore"):
        unit = v / np.linalg.norm(v, axis=1, keepdims=True)
        scores = np.nan_to_num(unit @ unit[1], nan=-np.inf)
    scores[1] = -np.inf
    assert [n.row for n in got] == list(np.argsort(-scores, kind="stable")[:20])
    assert not {5, 7, 9} & {n.row for n in got}


def test_many_words_at_once_equal_gensim_most_similar_word_by_word(lee):
    """`nearest_many` (one product for a group of words, candidates re-scored) gives each
    word gensim's words and scores, bit for bit, as one query at a time does."""
    from embedscope.core.neighbours import nearest_many

    kv, emb = lee
    words = emb.words[:150:3] + ["night", "the"]
    got = nearest_many(emb, words, k=10)
    assert [_pairs(r) for r in got] == [kv.most_similar(w, topn=10) for w in words]
    restricted = nearest_many(emb, words[:5], k=7, restrict=400)
    assert [_pairs(r) for r in restricted] == [kv.most_similar(w, topn=7, restrict_vocab=400)
                                               for w in words[:5]]


def test_many_queries_equal_one_at_a_time_for_every_metric(random_embedding):
    """Dot and Euclidean, kept query words, vectors and word lists among the queries, groups
    larger than one product: each answer as `nearest` gives it alone."""
    from embedscope.core import neighbours
    from embedscope.core.neighbours import nearest_many

    emb = random_embedding
    vec = np.asarray(emb.vectors[3]) * 0.5 + 0.1
    queries = [f"w{i}" for i in range(0, 500, 7)] + [["w1", "w2"], vec]
    for metric in ("cosine", "dot", "euclidean"):
        for keep in (False, True):
            got = nearest_many(emb, queries, k=9, metric=metric, exclude_query=not keep)
            want = [nearest(emb, q, k=9, metric=metric, exclude_query=not keep)
                    for q in queries]
            assert got == want, (metric, keep)
    old = neighbours._BATCH_BYTES
    try:
        neighbours._BATCH_BYTES = 4 * emb.rows * 3  # groups of three queries
        assert nearest_many(emb, queries, k=5) == [nearest(emb, q, k=5) for q in queries]
    finally:
        neighbours._BATCH_BYTES = old


def test_many_words_leave_zero_and_nan_rows_out():
    rng = np.random.default_rng(2)
    vectors = rng.standard_normal((300, 6)).astype(np.float32)
    vectors[[4, 9]] = 0
    vectors[11, 2] = np.nan
    emb = Embedding([f"w{i}" for i in range(300)], vectors)
    from embedscope.core.neighbours import nearest_many

    got = nearest_many(emb, ["w0", "w1", "w2"], k=299)
    assert got == [nearest(emb, w, k=299) for w in ("w0", "w1", "w2")]
    assert all({"w4", "w9", "w11"}.isdisjoint(n.word for n in r) for r in got)
