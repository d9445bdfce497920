"""How much of a corpus a vocabulary covers as rows are kept in order of corpus frequency (as
`export --corpus` keeps them): the curve, the rows needed for 90 / 95 / 99 % of the tokens,
and the most frequent missing words with the vocabulary entries they could map to.

    counts = count_corpus("train.txt")
    report = corpus_coverage(emb, counts)
    report.rows_for(0.95), report.to_dict()
"""
from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field

import numpy as np

from .corpus import CorpusCounts
from .embedding import Embedding
from .words import lookup

TARGETS = (0.9, 0.95, 0.99)
CURVE_POINTS = 200   # points of the curve, spaced evenly on a log scale of rows
_DIGIT = re.compile(r"\d")
_JOINERS = re.compile(r"[-'’_/]+")


@dataclass
class MissingWord:
    """A corpus word with no vector, how often it occurs, and the vocabulary entries it could
    take (with how they were found), when any."""

    word: str
    count: int
    suggestion: list[str] | None = None
    by: str | None = None     # "case", "accents removed", "digits folded", "hyphenated parts"

    def to_dict(self) -> dict:
        return {"word": self.word, "count": self.count, "suggestion": self.suggestion,
                "by": self.by}


@dataclass
class CorpusCoverage:
    """Coverage of a corpus by a vocabulary as rows are kept, most frequent corpus word first.

    `covered[k - 1]` is the number of corpus tokens the first k kept rows cover; row k is the
    k-th most frequent corpus word that has a vector. `tokens` and `types` are the corpus's
    totals under its tokenizer.
    """

    tokens: int
    types: int
    covered: np.ndarray              # int64 (rows kept,): cumulative tokens covered
    missing: list[MissingWord] = field(default_factory=list)
    missing_types: int = 0
    missing_tokens: int = 0
    tokenizer: str = "words"
    lowercase: bool = False
    case_fallback: bool = True

    @property
    def rows(self) -> int:
        """Rows kept when every corpus word with a vector is kept."""
        return int(self.covered.size)

    @property
    def token_coverage(self) -> float:
        return float(self.covered[-1]) / self.tokens if self.rows and self.tokens else 0.0

    @property
    def type_coverage(self) -> float:
        return self.rows / self.types if self.types else 0.0

    def rows_for(self, share: float) -> int | None:
        """The fewest rows that cover `share` of the corpus tokens; None when out of reach."""
        if not self.tokens or not self.rows:
            return None
        need = share * self.tokens
        k = int(np.searchsorted(self.covered, need - 1e-9 * self.tokens, side="left"))
        return k + 1 if k < self.rows else None

    def curve(self, points: int = CURVE_POINTS) -> list[tuple[int, float]]:
        """(rows kept, token coverage) at up to `points` row counts, log-spaced, always
        ending at every row with a vector."""
        if not self.rows:
            return []
        ks = np.unique(np.round(np.geomspace(1, self.rows, num=min(points, self.rows)))
                       .astype(np.int64))
        needed = [k for k in map(self.rows_for, TARGETS) if k is not None]
        ks = np.union1d(ks, np.array(needed, dtype=np.int64))
        return [(int(k), float(self.covered[k - 1]) / self.tokens) for k in ks]

    def to_dict(self, points: int = CURVE_POINTS) -> dict:
        return {
            "tokens": {"total": self.tokens, "covered": int(self.covered[-1]) if self.rows else 0,
                       "coverage": round(self.token_coverage, 6)},
            "types": {"total": self.types, "covered": self.rows,
                      "coverage": round(self.type_coverage, 6)},
            "curve": [[k, round(c, 6)] for k, c in self.curve(points)],
            "type_curve": [[k, round(k / self.types, 6)] for k, _ in self.curve(points)],
            "rows_for": {str(p): self.rows_for(p) for p in TARGETS},
            "missing": [m.to_dict() for m in self.missing],
            "missing_types": self.missing_types, "missing_tokens": self.missing_tokens,
            "tokenizer": self.tokenizer, "lowercase": self.lowercase,
            "case_fallback": self.case_fallback,
        }


def corpus_coverage(emb: Embedding, counts: CorpusCounts, case_fallback: bool = True,
                    missing: int = 20) -> CorpusCoverage:
    """Coverage of the counted corpus by `emb`'s words, looked up as `export --corpus` does
    (as written, then by case fallback unless turned off)."""
    words = list(counts.counts)
    freq = np.fromiter(counts.counts.values(), dtype=np.int64, count=len(words))
    order = np.argsort(-freq, kind="stable")  # counts come sorted; this only makes sure
    words = [words[i] for i in order]
    freq = freq[order]
    rows, _fallback = lookup(emb, words, case_fallback)
    found = rows >= 0
    absent = np.flatnonzero(~found)
    return CorpusCoverage(
        tokens=int(counts.tokens), types=len(words), covered=np.cumsum(freq[found]),
        missing=[MissingWord(words[i], int(freq[i]), *suggest(emb, words[i]))
                 for i in absent[:missing]],
        missing_types=int(absent.size), missing_tokens=int(freq[absent].sum()),
        tokenizer=counts.tokenizer, lowercase=counts.lowercase, case_fallback=case_fallback)


def suggest(emb: Embedding, word: str) -> tuple[list[str] | None, str | None]:
    """Vocabulary entries a missing word could map to, and how they were found: another case,
    accents removed, digits folded (to 0 or #, as word2vec's vocabularies write numbers), or
    the parts of a hyphenated word. (None, None) when none of these finds it."""
    def find(w: str) -> str | None:
        rows, _ = lookup(emb, [w], case_fallback=True)
        return emb.words[rows[0]] if rows[0] >= 0 else None

    hit = find(word)
    if hit is not None:
        return [hit], "case"
    plain = "".join(c for c in unicodedata.normalize("NFKD", word)
                    if not unicodedata.combining(c))
    if plain != word and (hit := find(plain)) is not None:
        return [hit], "accents removed"
    if _DIGIT.search(word):
        for digit in ("0", "#"):
            if (hit := find(_DIGIT.sub(digit, plain))) is not None:
                return [hit], "digits folded"
    parts = [p for p in _JOINERS.split(plain) if p]
    if len(parts) > 1:
        hits = [find(p) for p in parts]
        if all(h is not None for h in hits):
            return hits, "hyphenated parts"
    return None, None
