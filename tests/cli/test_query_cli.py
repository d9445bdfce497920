"""`embedscope neighbours`, `analogy` and `eval` on the command line: the JSON shapes the issue
names, the numbers of the core functions, and exit codes (1 unknown word, 2 bad file or
argument)."""
from __future__ import annotations

import json

import pytest

from embedscope.cli import main


def _run(capsys, *argv):
    code = main([str(a) for a in argv])
    out, err = capsys.readouterr()
    return code, out, err


def test_neighbours_json_one_word_is_a_list(sample_path, sample, capsys):
    from embedscope.core.neighbours import nearest

    code, out, err = _run(capsys, "neighbours", sample_path, "king", "-k", "5", "--json")
    assert code == 0, err
    got = json.loads(out)
    assert got == [{"word": n.word, "score": n.score} for n in nearest(sample, "king", k=5)]


def test_neighbours_json_several_words_keyed_by_word(sample_path, capsys):
    code, out, err = _run(capsys, "neighbours", sample_path, "king", "paris", "-k", "3",
                          "--metric", "euclidean", "--restrict", "5000", "--json")
    assert code == 0, err
    got = json.loads(out)
    assert list(got) == ["king", "paris"]
    assert all(len(v) == 3 and set(v[0]) == {"word", "score"} for v in got.values())
    assert got["king"][0]["score"] <= got["king"][1]["score"]   # distances, smallest first


def test_neighbours_of_many_words_equal_gensim_most_similar(sample_path, sample, capsys):
    """Many words in one command (answered together) give, word by word, gensim's
    most_similar words and scores; a repeated word is answered once."""
    from gensim.models import KeyedVectors

    words = sample.words[100:400:5]
    code, out, err = _run(capsys, "neighbours", sample_path, *words, words[0], "--json")
    assert code == 0, err
    got = json.loads(out)
    assert list(got) == words
    kv = KeyedVectors(sample.dim)
    kv.add_vectors(sample.words, sample.vectors)
    assert got == {w: [{"word": x, "score": s} for x, s in kv.most_similar(w, topn=10)]
                   for w in words}


def test_neighbours_text_and_unknown_word(sample_path, capsys):
    code, out, err = _run(capsys, "neighbours", sample_path, "queen", "-k", "2")
    assert code == 0 and "nearest to 'queen'" in out and "princess" in out
    code, out, err = _run(capsys, "neighbours", sample_path, "king", "qeen")
    assert code == 1 and out == ""
    assert "qeen" in err and "queen" in err and "Traceback" not in err


def test_analogy_json_and_methods(sample_path, sample, capsys):
    from embedscope.core.analogy import analogy

    for method in ("add", "mul"):
        code, out, err = _run(capsys, "analogy", sample_path, "king - man + woman", "-k", "3",
                              "--method", method, "--json")
        assert code == 0, err
        expect = analogy(sample, "king - man + woman", k=3, method=method)
        assert json.loads(out) == [{"word": n.word, "score": n.score} for n in expect]
        assert json.loads(out)[0]["word"] == "queen"


def test_analogy_errors(sample_path, tmp_path, capsys):
    code, out, err = _run(capsys, "analogy", sample_path, "king - - man")
    assert code == 2 and "position 7" in err
    code, out, err = _run(capsys, "analogy", sample_path, "king - manzq + woman")
    assert code == 1 and "'manzq'" in err
    missing = tmp_path / "nothing.txt"
    code, out, err = _run(capsys, "analogy", missing, "king - man + woman")
    assert code == 2 and "no such file" in err


def test_eval_json_shape_and_numbers(sample_path, sample, gensim_data, capsys):
    from embedscope.core.evaluate import evaluate_analogies, evaluate_pairs

    code, out, err = _run(capsys, "eval", sample_path, "--restrict", "4000", "--json")
    assert code == 0, err
    got = json.loads(out)
    assert set(got) == {"analogies", "pairs"}
    assert set(got["analogies"]) == {"accuracy", "correct", "total", "skipped", "sections"}
    assert set(got["pairs"]) == {"pearson", "spearman", "oov_ratio"}
    a = evaluate_analogies(sample, gensim_data / "questions-words.txt", restrict=4000)
    p = evaluate_pairs(sample, gensim_data / "wordsim353.tsv", restrict=4000)
    assert got["analogies"]["accuracy"] == a.accuracy
    assert got["analogies"]["sections"][0] == {"section": "capital-common-countries",
                                               "correct": a.sections[0].correct,
                                               "total": a.sections[0].total}
    assert got["pairs"] == {"pearson": p.pearson, "spearman": p.spearman,
                            "oov_ratio": p.oov_ratio}


def test_eval_one_named_set_runs_only_that(sample_path, gensim_data, capsys):
    code, out, err = _run(capsys, "eval", sample_path, "--pairs",
                          gensim_data / "simlex999.txt", "--json")
    assert code == 0, err
    assert list(json.loads(out)) == ["pairs"]
    code, out, err = _run(capsys, "eval", sample_path, "--pairs",
                          gensim_data / "simlex999.txt")
    assert code == 0 and "Spearman" in out


def test_eval_bad_set_and_bad_embedding(sample_path, tmp_path, capsys):
    bad = tmp_path / "q.txt"
    bad.write_text("king queen man woman\n", encoding="utf-8")
    code, out, err = _run(capsys, "eval", sample_path, "--analogies", bad)
    assert code == 2 and "line 1" in err
    junk = tmp_path / "junk.bin"
    junk.write_bytes(b"\x00\x01\x02 not an embedding" * 10)
    code, out, err = _run(capsys, "eval", junk)
    assert code == 2 and "Traceback" not in err


@pytest.mark.parametrize("cmd", ["neighbours", "analogy", "eval"])
def test_help_lists_examples(cmd, capsys):
    code, out, err = _run(capsys, cmd, "--help")
    assert code == 0 and "examples:" in out and f"embedscope {cmd}" in out
