"""Analogy expressions as users write them, and 3CosAdd / 3CosMul equal to gensim's
most_similar / most_similar_cosmul (words and scores)."""
from __future__ import annotations

import numpy as np
import pytest

from embedscope.core.analogy import ExpressionError, analogy, parse_expression
from embedscope.core.embedding import Embedding
from embedscope.core.errors import EmbedscopeError, UnknownWordError


@pytest.mark.parametrize("text,terms", [
    ("king - man + woman", [(1.0, "king"), (-1.0, "man"), (1.0, "woman")]),
    ("paris - france + italy", [(1.0, "paris"), (-1.0, "france"), (1.0, "italy")]),
    ("0.5*good + bad", [(0.5, "good"), (1.0, "bad")]),
    ("0.5 * good - 2*bad", [(0.5, "good"), (-2.0, "bad")]),
    ("- x + y", [(-1.0, "x"), (1.0, "y")]),
    ("-x +y", [(-1.0, "x"), (1.0, "y")]),
    ("  königin - frau + mann ", [(1.0, "königin"), (-1.0, "frau"), (1.0, "mann")]),
    ("東京 - 日本 + フランス", [(1.0, "東京"), (-1.0, "日本"), (1.0, "フランス")]),
    ("e-mail + letter", [(1.0, "e-mail"), (1.0, "letter")]),   # no vocabulary: hyphen kept
    (".25*a+b", [(0.25, "a"), (1.0, "b")]),
])
def test_parse(text, terms):
    assert parse_expression(text) == terms


def test_hyphen_rule_follows_the_vocabulary():
    vocab = {"e-mail", "king", "man", "woman"}
    assert parse_expression("e-mail - man", vocab) == [(1.0, "e-mail"), (-1.0, "man")]
    # not a word, but every piece is: arithmetic
    assert parse_expression("king-man+woman", vocab) == \
        [(1.0, "king"), (-1.0, "man"), (1.0, "woman")]
    # neither: kept whole, so the unknown-word message names what the user typed
    assert parse_expression("foo-bar", vocab) == [(1.0, "foo-bar")]


@pytest.mark.parametrize("text,position,words", [
    ("", 0, "empty"),
    ("   ", 0, "empty"),
    ("king man", 5, "expected + or -"),
    ("king - - man", 7, "two operators"),
    ("king -", 5, "no word after"),
    ("+", 0, "no word after"),
    ("0.5 good", 0, "followed by *"),
    ("*x", 0, "must follow a number"),
    ("x*0.5", 1, "weight goes before"),
])
def test_bad_expressions_name_the_position(text, position, words):
    with pytest.raises(ExpressionError) as exc:
        parse_expression(text)
    assert exc.value.position == position
    assert words in str(exc.value)
    assert isinstance(exc.value, EmbedscopeError)


@pytest.fixture(scope="module")
def kv_sample(sample):
    from gensim.models import KeyedVectors

    kv = KeyedVectors(sample.dim)
    kv.add_vectors(sample.words, np.asarray(sample.vectors))
    return kv


CASES = [
    ("king - man + woman", ["king", "woman"], ["man"]),
    ("paris - france + italy", ["paris", "italy"], ["france"]),
    ("walking - walk + swim", ["walking", "swim"], ["walk"]),
    ("good", ["good"], []),
    ("a + b + c - d - e", ["a", "b", "c"], ["d", "e"]),
]


@pytest.mark.parametrize("expr,pos,neg", CASES)
def test_add_and_mul_equal_gensim(sample, kv_sample, expr, pos, neg):
    got = analogy(sample, expr, k=10)
    assert [(n.word, n.score) for n in got] == \
        kv_sample.most_similar(positive=pos, negative=neg, topn=10)
    got = analogy(sample, expr, k=10, method="mul")
    assert [(n.word, n.score) for n in got] == \
        kv_sample.most_similar_cosmul(positive=pos, negative=neg, topn=10)


def test_weights_and_restrict_equal_gensim(sample, kv_sample):
    got = analogy(sample, "0.5*good + bad - 2*evil", k=10, restrict=5000)
    assert [(n.word, n.score) for n in got] == kv_sample.most_similar(
        positive=[("good", 0.5), "bad"], negative=[("evil", -2.0)], topn=10, restrict_vocab=5000)
    assert all(n.row < 5000 for n in analogy(sample, "king - man + woman", method="mul",
                                             restrict=5000, k=30))


def test_equal_gensim_on_generated_embedding():
    from gensim.models import KeyedVectors

    rng = np.random.default_rng(11)
    words = [f"w{i}" for i in range(3000)]
    vectors = rng.standard_normal((3000, 24)).astype(np.float32)
    kv = KeyedVectors(24)
    kv.add_vectors(words, vectors)
    emb = Embedding(words, vectors)
    for i in range(0, 300, 7):
        a, b, c = f"w{i}", f"w{i + 1}", f"w{i + 2}"
        for method, fn in (("add", kv.most_similar), ("mul", kv.most_similar_cosmul)):
            got = analogy(emb, f"{b} - {a} + {c}", method=method)
            assert [(n.word, n.score) for n in got] == fn(positive=[b, c], negative=[a])


def test_unknown_word_reported_with_suggestions(sample):
    with pytest.raises(UnknownWordError) as exc:
        analogy(sample, "kingg - man + womann")
    assert exc.value.words == ["kingg", "womann"]
    assert "king" in exc.value.suggestions["kingg"]


def test_hyphenated_word_in_vocabulary(sample):
    # "e-mail" is in the 20k sample only if frequent; build one where it surely is.
    words = ["e-mail", "e", "mail", "letter", "post"]
    vectors = np.eye(5, dtype=np.float32) + 0.1
    emb = Embedding(words, vectors)
    res = analogy(emb, "e-mail", k=4)
    assert "e-mail" not in [n.word for n in res] and len(res) == 4
    res = analogy(emb, "e - mail", k=3)
    assert {"e", "mail"}.isdisjoint(n.word for n in res)


def test_mul_needs_a_positive_word(sample):
    with pytest.raises(ExpressionError):
        analogy(sample, "- man", method="mul")
