"""Analogy expressions as users write them: `king - man + woman`, `0.5*good + bad`, read
into weighted terms. Used by analogies and by neighbour queries written as an expression.

How an expression is read:
- Terms are words joined by `+` and `-`; a term may carry a weight, `0.5*good` or `0.5 * good`.
  A leading sign is allowed (`- x + y`). A weight is a finite number other than 0 (a zero
  term would silently drop out of the sum).
- Operators standing alone between spaces are always operators.
- A `-` or `+` inside a run of non-space characters (`e-mail`, `king-man+woman`) is part of a
  word when the whole run is a word of the vocabulary (GloVe has `e-mail`), and is read as
  arithmetic only when the run is not a word but every piece between the signs is. Without a
  vocabulary, a `+` always splits and a `-` splits only at the start of a run, so hyphenated
  words stay whole.
"""
from __future__ import annotations

import math
import re

from .errors import EmbedscopeError

_NUMBER = r"(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?"
_WEIGHTED = re.compile(rf"^({_NUMBER})\*(.+)$", re.S)


class ExpressionError(EmbedscopeError):
    """An analogy expression that cannot be read; names the position (0-based character)."""

    def __init__(self, text: str, position: int, problem: str):
        self.text = text
        self.position = position
        self.problem = problem
        pointer = f"\n  {text}\n  {' ' * position}^"
        super().__init__(f"cannot read the expression at position {position}: {problem}{pointer}")


def _chunks(text: str):
    """Runs of non-space characters with their positions, 'N * word' merged into 'N*word'."""
    raw = [(m.group(), m.start()) for m in re.finditer(r"\S+", text)]
    out: list[tuple[str, int]] = []
    i = 0
    while i < len(raw):
        tok, pos = raw[i]
        # Join a weight written with spaces around '*': "0.5 * good", "0.5* good", "0.5 *good".
        while i + 1 < len(raw) and (tok.endswith("*") or raw[i + 1][0].startswith("*")):
            tok += raw[i + 1][0]
            i += 1
        out.append((tok, pos))
        i += 1
    return out


def _split_run(run: str, vocabulary) -> list[tuple[str, str]]:
    """A run of non-space characters → [(sign, term)], sign '' when none was written."""
    if vocabulary is not None:
        if run in vocabulary:
            return [("", run)]
        if run[0] in "+-" and run[1:] in vocabulary:
            return [(run[0], run[1:])]
        parts = re.split(r"([+-])", run)
        pieces = _pair_signs(parts)
        if pieces is not None and all(
                _weighted_word(t) in vocabulary for _, t in pieces if t):
            return pieces
        if run[0] in "+-" and len(run) > 1:
            return [(run[0], run[1:])]
        return [("", run)]
    # No vocabulary: '+' always splits, '-' only at the start of a run or after a '+'.
    pieces: list[tuple[str, str]] = []
    for n, part in enumerate(run.split("+")):
        if n == 0 and part == "" and len(run) > 1:
            continue  # "+y": the sign is read with the next piece
        sign = "+" if n else ""
        if part.startswith("-"):
            sign, part = ("-" if sign != "-" else "+"), part[1:]
        pieces.append((sign, part))
    return pieces


def _pair_signs(parts: list[str]):
    """re.split(r'([+-])') output → [(sign, term)]; None when a sign has no term after it."""
    pieces = []
    sign = ""
    for p in parts:
        if p in ("+", "-"):
            sign = p if sign == "" else None
            if sign is None:
                return None
        elif p == "":
            continue
        else:
            pieces.append((sign, p))
            sign = ""
    if sign:
        return None
    return pieces


def _weighted_word(term: str) -> str:
    m = _WEIGHTED.match(term)
    return m.group(2) if m else term


def parse_expression(text: str, vocabulary=None) -> list[tuple[float, str]]:
    """`"king - man + woman"` → `[(1.0, "king"), (-1.0, "man"), (1.0, "woman")]`.

    `vocabulary` (anything supporting `in`, such as `emb.word_to_row`) decides whether a
    hyphenated run is one word or a subtraction (see the module notes). Raises ExpressionError
    naming the position of the problem.
    """
    if not isinstance(text, str) or not text.strip():
        raise ExpressionError(text or "", 0, "the expression is empty")
    terms: list[tuple[float, str]] = []
    pending: str | None = None      # an operator waiting for its term
    pending_pos = 0
    for run, pos in _chunks(text):
        if run in ("+", "-"):
            if pending is not None:
                raise ExpressionError(text, pos, f"two operators in a row ('{pending} {run}')")
            pending, pending_pos = run, pos
            continue
        if run.startswith("*"):
            raise ExpressionError(text, pos, "'*' must follow a number, as in 0.5*good")
        offset = 0
        for sign, term in _split_run(run, vocabulary):
            here = pos + run.find(term, offset) if term else pos + len(run)
            offset = max(offset, here - pos + len(term))
            if sign and pending is not None:
                raise ExpressionError(text, here - 1,
                                      f"two operators in a row ('{pending} {sign}')")
            op = sign or pending
            if op is None and terms:
                raise ExpressionError(text, here, f"expected + or - before '{term}'")
            if not term:
                raise ExpressionError(text, here, f"'{op}' has no word after it")
            weight = -1.0 if op == "-" else 1.0
            m = _WEIGHTED.match(term)
            if m:
                factor = float(m.group(1))
                word = m.group(2)
                if word.startswith("*") or not word:
                    raise ExpressionError(text, here, "expected a word after the weight's '*'")
                if not math.isfinite(factor):
                    raise ExpressionError(text, here, f"the weight {m.group(1)} is too large")
                if factor == 0:
                    # A zero term would vanish from the sum without a word of warning.
                    raise ExpressionError(text, here, f"a weight of 0 leaves '{word}' out; "
                                          "remove the term or give it another weight")
                weight *= factor
            else:
                if re.fullmatch(_NUMBER, term):
                    raise ExpressionError(text, here,
                                          f"a number ('{term}') must be followed by * and a word")
                if "*" in term and (vocabulary is None or term not in vocabulary):
                    raise ExpressionError(text, here + term.index("*"),
                                          "a weight goes before its word, as in 0.5*good")
                word = term
            terms.append((weight, word))
            pending = None
    if pending is not None:
        raise ExpressionError(text, pending_pos, f"'{pending}' has no word after it")
    if not terms:
        raise ExpressionError(text, 0, "the expression has no words")
    return terms
