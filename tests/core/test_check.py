"""The alignment check: every code comes from a crafted case and is absent on clean data."""
from __future__ import annotations

import dataclasses

import numpy as np
import pytest

from embedscope.core.check import check
from embedscope.core.check_report import MAX_ROWS
from embedscope.core.embedding import Embedding, Source
from embedscope.core.jobs import Cancelled

ALL_CODES = {
    "count-mismatch", "vocab-shift", "duplicate-token", "empty-token", "whitespace-token",
    "encoding", "case-duplicates", "non-finite", "zero-vector", "identical-vectors",
    "norm-outliers", "header-mismatch", "dim-mismatch", "not-frequency-ordered", "anisotropy",
    "hubness", "partial-shift", "truncated",
}


@pytest.fixture(scope="module")
def clean_report(sample):
    return check(sample)


@pytest.fixture(scope="module")
def _base(sample):
    return list(sample.words[::4]), np.array(sample.vectors[::4])


@pytest.fixture
def base(_base):
    """5,000 real GloVe words spread over the sample's frequency range (every 4th row),
    copied so each test can damage its own copy."""
    return list(_base[0]), _base[1].copy()


def codes(emb) -> set[str]:
    return set(check(emb).codes)


def test_clean_sample_has_no_findings(clean_report, sample):
    assert clean_report.findings == [], [f.code for f in clean_report.findings]
    assert clean_report.ok
    assert (clean_report.rows, clean_report.dim, clean_report.vocab_size) == (20000, 50, 20000)
    assert clean_report.shift.offset == 0
    # The figures are there even when nothing is flagged.
    m = clean_report.measures
    assert 0.05 < m["mean_cosine"] < 0.3 and 0 < m["pc1_share"] < 0.3
    assert 0 < m["hubness_skew"] < 5


def test_clean_crafting_base_has_no_findings(base):
    words, vecs = base
    assert codes(Embedding(words, vecs)) == set()


def test_report_to_dict_has_the_documented_keys(clean_report):
    d = clean_report.to_dict()
    assert {"rows", "dim", "vocab_size", "ok", "findings"} <= set(d)
    assert d["ok"] is True and d["findings"] == []


# --- words ---------------------------------------------------------------------------------

def test_duplicate_token(base):
    words, vecs = base
    words[300] = words[200]
    r = check(Embedding(words, vecs))
    f = r.get("duplicate-token")
    assert f is not None and f.severity == "warning"
    assert f.count == 1 and f.rows == [300] and words[200] in f.examples[0]


def test_empty_and_blank_tokens(base):
    words, vecs = base
    words[10], words[11] = "", "   "
    f = check(Embedding(words, vecs)).get("empty-token")
    assert f is not None and f.count == 2 and f.rows == [10, 11]


def test_whitespace_and_control_characters(base):
    words, vecs = base
    words[20], words[21], words[22] = "cat\t", " dog", "bi\x00rd"
    f = check(Embedding(words, vecs)).get("whitespace-token")
    assert f is not None and f.rows == [20, 21, 22]
    assert "cat\\t" in f.examples[0]  # shown escaped, so the user sees the tab


def test_encoding_damage(base):
    words, vecs = base
    words[30], words[31] = "caf\ufffd", "cafÃ©"
    f = check(Embedding(words, vecs)).get("encoding")
    assert f is not None and f.count == 2 and f.rows == [30, 31]
    assert any("café" in e for e in f.examples)  # the mojibake is decoded for the user


def test_real_non_ascii_words_are_not_encoding_damage():
    words = ["café", "naïve", "straße", "東京", "ö", "é", "mañana"] * 3
    words = [w + str(i) for i, w in enumerate(words)]
    rng = np.random.default_rng(0)
    emb = Embedding(words, rng.standard_normal((len(words), 8)).astype(np.float32))
    assert "encoding" not in codes(emb)


def test_case_duplicates_are_info(base):
    words, vecs = base
    words[40] = words[41].capitalize()
    f = check(Embedding(words, vecs)).get("case-duplicates")
    assert f is not None and f.severity == "info" and f.count == 1
    assert sorted(f.rows) == [40, 41]


# --- vectors -------------------------------------------------------------------------------

def test_non_finite_rows_are_errors(base):
    words, vecs = base
    vecs[50, 3] = np.nan
    vecs[51, 0] = np.inf
    r = check(Embedding(words, vecs))
    f = r.get("non-finite")
    assert f is not None and f.severity == "error" and f.rows == [50, 51]
    assert not r.ok


def test_zero_vector(base):
    words, vecs = base
    vecs[60] = 0
    f = check(Embedding(words, vecs)).get("zero-vector")
    assert f is not None and f.rows == [60]


def test_identical_vectors_of_different_words(base):
    words, vecs = base
    vecs[71] = vecs[70]
    vecs[4000] = vecs[70]
    vecs[72] = -vecs[73]  # opposite, not identical
    f = check(Embedding(words, vecs)).get("identical-vectors")
    assert f is not None and f.rows == [70, 71, 4000] and f.count == 3


def test_negative_zero_does_not_hide_identical_vectors(base):
    words, vecs = base
    vecs[80] = vecs[81]
    vecs[80, 5] = vecs[81, 5] = 0.0
    vecs[81, 5] = -0.0
    f = check(Embedding(words, vecs)).get("identical-vectors")
    assert f is not None and f.rows == [80, 81]


def test_norm_outliers(base):
    words, vecs = base
    vecs[90] *= 200
    vecs[91] *= 0.001
    f = check(Embedding(words, vecs)).get("norm-outliers")
    assert f is not None and sorted(f.rows) == [90, 91]
    assert "longer" in f.message and "shorter" in f.message


def test_norm_outlier_among_unit_vectors():
    rng = np.random.default_rng(1)
    v = rng.standard_normal((2000, 16)).astype(np.float32)
    v /= np.linalg.norm(v, axis=1, keepdims=True)  # no spread at all in the norms
    v[7] *= 0.5
    f = check(Embedding([f"w{i}" for i in range(2000)], v)).get("norm-outliers")
    assert f is not None and f.rows == [7]


def test_anisotropy_with_the_figure(base):
    words, vecs = base
    vecs = vecs + 3.0  # a common offset: every vector leans the same way
    r = check(Embedding(words, vecs))
    f = r.get("anisotropy")
    assert f is not None and f.severity == "info"
    assert r.measures["mean_cosine"] > 0.8
    assert f"{r.measures['mean_cosine']:.2f}" in f.message


def test_hubness_with_the_figure():
    # Points on a cone with heavy-tailed spread: those near the axis are everyone's neighbour.
    rng = np.random.default_rng(0)
    n, d = 3000, 50
    axis = np.zeros(d)
    axis[0] = 1
    spread = np.exp(rng.standard_normal(n) * 0.5)
    x = (axis + spread[:, None] * rng.standard_normal((n, d)) / np.sqrt(d)).astype(np.float32)
    r = check(Embedding([f"w{i}" for i in range(n)], x))
    f = r.get("hubness")
    assert f is not None and f.severity == "info"
    assert f"{r.measures['hubness_skew']:.1f}" in f.message
    # The reported hubs are the points nearest the axis.
    assert np.median(spread[f.rows]) < np.median(spread) / 2


def test_random_vectors_are_not_hubby():
    rng = np.random.default_rng(2)
    emb = Embedding([f"w{i}" for i in range(3000)],
                    rng.standard_normal((3000, 50)).astype(np.float32))
    r = check(emb)
    assert not {"hubness", "anisotropy", "vocab-shift"} & set(r.codes)
    assert abs(r.measures["mean_cosine"]) < 0.05


# --- order ---------------------------------------------------------------------------------

def test_shuffled_vocabulary_is_not_frequency_ordered(base):
    words, vecs = base
    perm = np.random.default_rng(3).permutation(len(words))
    r = check(Embedding([words[i] for i in perm], vecs[perm]))
    assert "not-frequency-ordered" in r.codes and r.get("not-frequency-ordered").severity == "info"
    assert "vocab-shift" not in r.codes  # shuffled together: still aligned


def test_alphabetical_vocabulary_is_not_frequency_ordered(base):
    words, vecs = base
    order = np.argsort(np.array(words, dtype=object))
    f = check(Embedding([words[i] for i in order], vecs[order])).get("not-frequency-ordered")
    assert f is not None and "alphabetical" in f.message


def test_counts_column_out_of_order(base):
    words, vecs = base
    counts = list(range(len(words), 0, -1))
    assert "not-frequency-ordered" not in codes(Embedding(words, vecs, {"count": counts}))
    counts = list(np.random.default_rng(4).permutation(counts))
    f = check(Embedding(words, vecs, {"count": counts})).get("not-frequency-ordered")
    assert f is not None and "counts" in f.message


# --- counts, headers, shifts -----------------------------------------------------------------

def _mismatched(words_in_file, vecs, **src):
    """What load(..., allow_mismatch=True) gives: pairs up to the shorter, keeps all words."""
    n = min(len(words_in_file), len(vecs))
    return Embedding(words_in_file[:n], vecs[:n],
                     source=Source(words_in_file=list(words_in_file), **src))


def test_count_mismatch_header_line_read_as_a_word(base):
    words, vecs = base
    r = check(_mismatched([f"{len(words)} 50"] + words, vecs))
    f = r.get("count-mismatch")
    assert f is not None and f.severity == "error" and f.count == 1
    assert "header" in f.message and f.offset == -1
    assert "vocab-shift" not in r.codes  # one finding for one cause
    assert (r.rows, r.vocab_size) == (len(words), len(words) + 1)


def test_count_mismatch_trailing_empty_line(base):
    words, vecs = base
    f = check(_mismatched(words + [""], vecs)).get("count-mismatch")
    assert f is not None and "empty" in f.message and f.offset is None


def test_count_mismatch_special_tokens_at_the_top(base):
    words, vecs = base
    f = check(_mismatched(["[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]"] + words,
                          vecs)).get("count-mismatch")
    assert f is not None and "special tokens" in f.message and f.count == 5
    assert f.rows == [0, 1, 2, 3, 4]


def test_count_mismatch_extra_words_at_the_top_found_by_the_vectors(base):
    words, vecs = base
    f = check(_mismatched(["alpha", "beta", "gamma", "delta"] + words, vecs)).get("count-mismatch")
    assert f is not None and f.offset == -4 and "moved up 4" in f.message


def test_count_mismatch_extra_words_at_the_end(base):
    words, vecs = base
    f = check(_mismatched(words, vecs[:-3])).get("count-mismatch")
    assert f is not None and "at the end" in f.message and f.count == 3


def test_count_mismatch_words_missing_at_the_top(base):
    words, vecs = base
    # The words list lacks the first word; the loader cut the matrix to the words (a view).
    full = np.ascontiguousarray(vecs)
    emb = Embedding(words[1:], full[: len(words) - 1], source=Source(words_in_file=words[1:]))
    r = check(emb)
    f = r.get("count-mismatch")
    assert r.rows == len(words) and r.vocab_size == len(words) - 1
    assert f is not None and f.offset == 1 and "missing at the top" in f.message


def test_count_mismatch_words_missing_at_the_end(base):
    words, vecs = base
    full = np.ascontiguousarray(vecs)
    emb = Embedding(words[:-2], full[:-2], source=Source(words_in_file=words[:-2]))
    f = check(emb).get("count-mismatch")
    assert f is not None and "cut short at the end" in f.message and f.count == 2


@pytest.mark.parametrize("k", [-3, -2, -1, 1, 2, 3])
def test_vocab_shift_is_an_error_with_its_offset(base, k):
    words, vecs = base
    n = len(words)
    # word i's vector at row i + k
    shifted = (words[k:] + [f"pad{j}" for j in range(k)]) if k > 0 else (
        [f"hdr{j}" for j in range(-k)] + words[: n + k])
    r = check(Embedding(shifted, vecs))
    f = r.get("vocab-shift")
    assert f is not None and f.severity == "error" and f.offset == k and not r.ok
    assert f.to_dict()["offset"] == k


def test_header_mismatch_cut_off_file(base):
    words, vecs = base
    emb = Embedding(words, vecs, source=Source(header=(len(words) + 500, vecs.shape[1]),
                                               body_rows=len(words)))
    f = check(emb).get("header-mismatch")
    assert f is not None and f.severity == "error" and f.count == 500 and "cut off" in f.message


def test_dim_mismatch(base):
    words, vecs = base
    emb = Embedding(words, vecs, source=Source(header=(len(words), 100), body_rows=len(words)))
    r = check(emb)
    assert "dim-mismatch" in r.codes and "header-mismatch" not in r.codes


def test_matching_header_is_clean(base):
    words, vecs = base
    emb = Embedding(words, vecs, source=Source(header=vecs.shape, body_rows=len(words)))
    assert codes(emb) == set()


# --- the report as the GUI uses it -----------------------------------------------------------

def test_rows_are_capped_and_count_is_the_true_total():
    rng = np.random.default_rng(5)
    v = rng.standard_normal((3000, 8)).astype(np.float32)
    v[:1500] = 0
    f = check(Embedding([f"w{i}" for i in range(3000)], v)).get("zero-vector")
    assert f.count == 1500 and len(f.rows) == MAX_ROWS and f.rows[:3] == [0, 1, 2]


def test_every_code_is_documented_in_the_module():
    import embedscope.core.check as mod

    for code in ALL_CODES:
        assert code in mod.__doc__


def test_findings_sorted_errors_first(base):
    words, vecs = base
    vecs[5, 0] = np.nan
    words[300] = words[200]
    sev = [f.severity for f in check(Embedding(words, vecs)).findings]
    assert sev == sorted(sev, key=["error", "warning", "info"].index)


def test_progress_and_cancel(base):
    words, vecs = base
    seen = []
    check(Embedding(words, vecs), progress=lambda d, t, m="": seen.append((d, t)))
    assert seen and seen[-1][0] == seen[-1][1]
    with pytest.raises(Cancelled):
        check(Embedding(words, vecs), should_stop=lambda: True)


def test_check_does_not_modify_the_embedding(base):
    words, vecs = base
    emb = Embedding(list(words), vecs.copy())
    check(emb)
    assert emb.words == words and np.array_equal(emb.vectors, vecs)
    assert dataclasses.asdict(emb.source)["words_in_file"] is None


@pytest.mark.parametrize("n", [1, 2, 7])
def test_tiny_embeddings_do_not_break_the_check(n):
    rng = np.random.default_rng(n)
    r = check(Embedding([f"w{i}" for i in range(n)], rng.standard_normal((n, 4))))
    assert r.ok and r.rows == n


def test_cached_norms_match_the_embedding(base):
    words, vecs = base
    vecs[3, 1] = np.inf
    emb = Embedding(words, vecs)
    check(emb)
    cached = emb.norms
    del emb.__dict__["norms"]
    assert np.array_equal(cached, emb.norms, equal_nan=True)


def test_partial_shift_a_line_lost_in_the_middle(sample):
    words = sample.words[:8000] + sample.words[8001:] + ["<extra>"]
    r = check(Embedding(words, sample.vectors))
    f = r.get("partial-shift")
    assert f is not None and f.severity == "error" and f.offset is None
    assert "missing" in f.message and "vocab-shift" not in r.codes
    assert abs(f.rows[0] - 8000) < 1000


def test_count_mismatch_a_line_lost_in_the_middle(sample):
    words = sample.words[:8000] + sample.words[8001:]
    emb = Embedding(words, sample.vectors[: len(words)], source=Source(words_in_file=words))
    r = check(emb)
    f = r.get("count-mismatch")
    assert f is not None and "about row" in f.message and f.offset is None
    assert "partial-shift" not in r.codes  # one finding for one cause


def test_rows_always_index_the_loaded_embedding(base):
    words, vecs = base
    cases = [_mismatched(words + ["", ""], vecs), _mismatched(words, vecs[:-3]),
             Embedding(words[:-2], np.ascontiguousarray(vecs)[:-2],
                       source=Source(words_in_file=words[:-2]))]
    for emb in cases:
        for f in check(emb).findings:
            assert all(0 <= r < emb.rows for r in f.rows), f
