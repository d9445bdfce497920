"""Benchmark evaluation gives gensim's numbers: evaluate_word_analogies (accuracy, sections,
which questions fail) and evaluate_word_pairs (Pearson, Spearman, OOV ratio)."""
from __future__ import annotations

import numpy as np
import pytest

from embedscope.core.embedding import Embedding
from embedscope.core.evaluate import BenchmarkFileError, evaluate_analogies, evaluate_pairs
from embedscope.core.jobs import Cancelled


def _kv(emb):
    from gensim.models import KeyedVectors

    kv = KeyedVectors(emb.dim)
    kv.add_vectors(emb.words, np.asarray(emb.vectors))
    return kv


def _assert_same_as_gensim(emb, path, restrict):
    kv = _kv(emb)
    score, sections = kv.evaluate_word_analogies(str(path), restrict_vocab=restrict)
    ours = evaluate_analogies(emb, path, restrict=restrict)
    assert ours.accuracy == score
    assert [(s.section, s.correct, s.total) for s in ours.sections] == [
        (s["section"], len(s["correct"]), len(s["correct"]) + len(s["incorrect"]))
        for s in sections[:-1]]
    total = sections[-1]
    assert sections[-1]["section"] == "Total accuracy"
    assert ours.correct == len(total["correct"]) and ours.total == ours.correct + len(
        total["incorrect"])
    assert sorted((m.a.upper(), m.b.upper(), m.c.upper(), m.expected.upper())
                  for m in ours.misses) == sorted(total["incorrect"])
    return ours


def test_questions_words_on_sample_equal_gensim(sample, gensim_data):
    ours = _assert_same_as_gensim(sample, gensim_data / "questions-words.txt", 8000)
    assert ours.total > 3000 and ours.skipped > 0
    assert ours.skipped + ours.total == 19544
    assert 0.4 < ours.accuracy < 0.8


def _questions_file(tmp_path, lines):
    p = tmp_path / "q.txt"
    p.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return p


@pytest.mark.parametrize("compiled", [True, False], ids=["numba", "numpy"])
def test_case_variants_duplicates_and_ties_equal_gensim(tmp_path, gensim_data, compiled,
                                                        monkeypatch):
    """Mixed-case vocabulary (case variants that gensim skips rather than excludes), exact
    duplicate rows (ties) and unknown words, on a generated embedding — answered from the
    question words' similarities (compiled) and by products (numpy: numba missing, or a
    file with few questions per word)."""
    from embedscope.core import analogy_batch, evaluate

    if compiled:
        monkeypatch.setattr(evaluate, "WORDS_PATH_RATIO", 0.0)
    else:
        monkeypatch.setattr(analogy_batch, "available", lambda: False)
    rng = np.random.default_rng(4)
    text = (gensim_data / "questions-words.txt").read_text(encoding="utf-8").splitlines()
    chosen = [ln for ln in text if ln.startswith(": ")][:4]
    body = [ln for ln in text[:2500] if not ln.startswith(": ")]
    lines = [chosen[0]] + body[:600] + [chosen[1]] + body[600:1200] + [": empty section"] + \
        [chosen[2], "just three words", "a b c d e"] + body[1200:1500]
    vocab = sorted({w for ln in lines if not ln.startswith(":") for w in ln.split()})
    words, vectors = [], []
    for w in vocab:
        base = rng.standard_normal(12).astype(np.float32)
        if rng.random() < 0.08:
            continue  # unknown word: its questions are skipped
        words.append(w.lower())
        vectors.append(base)
        if rng.random() < 0.3:  # a case variant close to the word, later in the file
            words.append(w.capitalize() if w.islower() else w.upper())
            vectors.append(base + 0.05 * rng.standard_normal(12).astype(np.float32))
        if rng.random() < 0.05:  # an exact duplicate vector under another word: a tie
            words.append(w.lower() + "_dup")
            vectors.append(base.copy())
    order = rng.permutation(len(words))
    emb = Embedding([words[i] for i in order], np.asarray(vectors)[order])
    path = _questions_file(tmp_path, lines)
    ours = _assert_same_as_gensim(emb, path, None)
    assert ours.skipped > 0 and ours.total > 500
    assert ours.rechecked > 0  # near-ties and close case variants took the exact path
    assert [s.section for s in ours.sections][-2:] == ["empty section", chosen[2][2:]]
    _assert_same_as_gensim(emb, path, len(words) // 2)


def test_a_small_file_is_answered_by_products_without_numba(tmp_path, gensim_data,
                                                            monkeypatch):
    """A file with few questions per distinct word takes the product path: nothing compiled
    is asked for, and the accuracy, sections and misses are still gensim's."""
    from embedscope.core import analogy_batch, evaluate

    lines = (gensim_data / "questions-words.txt").read_text(encoding="utf-8").splitlines()
    small, i = [], 0
    for ln in lines:
        if ln.startswith(": "):
            small.append(ln)
        elif i % 100 == 0:
            small.append(ln)
        if not ln.startswith(": "):
            i += 1
    path = _questions_file(tmp_path, small)
    monkeypatch.setattr(analogy_batch, "best_two", None)  # would fail if called
    rng = np.random.default_rng(7)
    vocab = sorted({w.lower() for ln in small if not ln.startswith(":") for w in ln.split()})
    words = vocab + [f"x{j}" for j in range(3000)]
    emb = Embedding(words, rng.standard_normal((len(words), 10)).astype(np.float32))
    ours = _assert_same_as_gensim(emb, path, None)
    assert ours.total > 150 and len(ours.sections) == 14
    assert ours.total < evaluate.WORDS_PATH_RATIO * len(vocab)


def test_misses_name_the_prediction(sample, gensim_data):
    res = evaluate_analogies(sample, gensim_data / "questions-words.txt", restrict=3000)
    assert res.misses
    m = res.misses[0]
    assert m.predicted in sample.word_to_row
    assert m.predicted.upper() != m.expected.upper()
    assert m.predicted.upper() not in {m.a.upper(), m.b.upper(), m.c.upper()}
    d = res.to_dict()
    assert set(d) == {"accuracy", "correct", "total", "skipped", "sections"}
    assert set(d["sections"][0]) == {"section", "correct", "total"}


def test_progress_and_cancel(sample, gensim_data):
    seen = []
    evaluate_analogies(sample, gensim_data / "questions-words.txt", restrict=2000,
                       progress=lambda d, t, msg="": seen.append((d, t)))
    assert seen and seen[-1][0] == seen[-1][1]
    with pytest.raises(Cancelled):
        evaluate_analogies(sample, gensim_data / "questions-words.txt", restrict=2000,
                           should_stop=lambda: True)


def test_bad_analogy_files(tmp_path, sample):
    p = _questions_file(tmp_path, ["king queen man woman", ": s", "a b c d"])
    with pytest.raises(BenchmarkFileError, match="line 1"):
        evaluate_analogies(sample, p)
    bad = tmp_path / "latin1.txt"
    bad.write_bytes(b": s\nk\xf6nig queen man woman\n")
    with pytest.raises(BenchmarkFileError, match="line 2.*UTF-8"):
        evaluate_analogies(sample, bad)
    with pytest.raises(BenchmarkFileError, match="cannot read"):
        evaluate_analogies(sample, tmp_path / "missing.txt")


@pytest.mark.parametrize("name", ["wordsim353.tsv", "simlex999.txt"])
def test_pairs_equal_gensim(sample, gensim_data, name):
    kv = _kv(sample)
    for restrict in (300000, 2000):
        pearson, spearman, oov = kv.evaluate_word_pairs(str(gensim_data / name),
                                                        restrict_vocab=restrict)
        ours = evaluate_pairs(sample, gensim_data / name, restrict=restrict)
        assert ours.pearson == pearson[0] and ours.spearman == spearman[0]
        assert ours.oov_ratio == oov
        assert ours.pearson_pvalue == pearson[1]
    pearson, spearman, oov = kv.evaluate_word_pairs(str(gensim_data / name),
                                                    restrict_vocab=2000, dummy4unknown=True)
    ours = evaluate_pairs(sample, gensim_data / name, restrict=2000, dummy4unknown=True)
    assert (ours.pearson, ours.spearman, ours.oov_ratio) == (pearson[0], spearman[0], oov)


def test_pairs_file_with_nothing_usable(tmp_path, sample):
    p = tmp_path / "pairs.tsv"
    p.write_text("# comment\nqqqzzz\txxxyyy\t3.0\nnot a pair line\n", encoding="utf-8")
    with pytest.raises(BenchmarkFileError, match="no usable word pairs"):
        evaluate_pairs(sample, p)
