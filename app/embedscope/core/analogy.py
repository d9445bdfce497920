"""Analogy arithmetic as users write it: `king - man + woman`, `0.5*good + bad`.

3CosAdd ("add") and 3CosMul ("mul", Levy & Goldberg 2014) give the same words and scores as
gensim's `most_similar` and `most_similar_cosmul`. How an expression is read is told in
core/expression.py.
"""
from __future__ import annotations

import numpy as np

from .embedding import Embedding
from .expression import ExpressionError, parse_expression
from .neighbours import Neighbour, _matvec, gensim_norms, nearest, query_terms, top_rows

METHODS = ("add", "mul")


def expression_terms(emb: Embedding, expression) -> list[tuple[float, str]]:
    """Terms of a string expression (read against emb's vocabulary) or of ready terms."""
    if isinstance(expression, str):
        return parse_expression(expression, emb.word_to_row)
    return [(float(w), t) for w, t in expression]


def analogy(
    emb: Embedding,
    expression,
    k: int = 10,
    method: str = "add",
    restrict: int | None = None,
) -> list[Neighbour]:
    """Words completing an analogy expression, best first; the expression's words left out.

    "add" (3CosAdd) equals gensim's `most_similar(positive=[...], negative=[...])`: positive
    terms are summed first, then negative ones, in the order written, as gensim does.
    "mul" (3CosMul) equals gensim's `most_similar_cosmul` (a weight w other than ±1 raises that
    term's (1 + cos)/2 to the power |w|). `restrict=N` searches the first N rows only (gensim's
    cosmul ignores its restrict_vocab; ours does not). Unknown words raise UnknownWordError.
    """
    if method not in METHODS:
        raise ValueError(f"unknown method '{method}' (expected add or mul)")
    terms = expression_terms(emb, expression)
    query_terms(emb, terms)  # unknown words → UnknownWordError with suggestions
    positives = [(w, t) for w, t in terms if w > 0]
    negatives = [(w, t) for w, t in terms if w < 0]
    if method == "add":
        return nearest(emb, positives + negatives, k=k, metric="cosine", restrict=restrict)
    return _cosmul(emb, positives, negatives, k, restrict)


def _cosmul(emb, positives, negatives, k, restrict) -> list[Neighbour]:
    """gensim's most_similar_cosmul, same float32/float64 steps, optionally restricted."""
    if not positives:
        raise ExpressionError(" ".join(t for _, t in negatives), 0,
                              "3CosMul needs at least one word with a + sign")
    norms = gensim_norms(emb)
    n = emb.rows if not restrict else min(int(restrict), emb.rows)

    def shifted(word, weight):
        row = emb.word_to_row[word]
        unit = np.asarray(emb.vectors[row]) / norms[row]
        s = np.empty(n, dtype=np.float32)
        _matvec(emb.vectors, unit, s)
        with np.errstate(invalid="ignore", divide="ignore"):
            s /= norms[:n]
        s += 1
        s /= 2
        if abs(weight) != 1.0:
            s **= np.float32(abs(weight))
        return s

    pos = None
    for w, t in positives:
        s = shifted(t, w)
        pos = s if pos is None else np.multiply(pos, s, out=pos)
    if negatives:
        neg = None
        for w, t in negatives:
            s = shifted(t, w)
            neg = s if neg is None else np.multiply(neg, s, out=neg)
        neg += 0.000001
        dists = pos / neg
    else:
        # gensim: prod([]) is a float64 1.0, so its scores come out in float64 here.
        dists = pos / (np.float64(1.0) + 0.000001)
    exclude = {emb.word_to_row[t] for _, t in positives + negatives}
    rows = top_rows(dists, k, exclude)
    return [Neighbour(emb.words[int(r)], int(r), float(dists[r])) for r in rows]


__all__ = ["ExpressionError", "parse_expression", "analogy", "expression_terms", "METHODS"]
