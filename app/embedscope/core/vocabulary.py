"""Choosing the words to export: word sources, how they combine, and the coverage report.

A source names words: the first N rows, a words file or tokenizer vocabulary, a corpus, a
regular expression, explicit words (or a selection drawn on the plot), the neighbours of
words. Sources combine left to right: each one is added ("union"), kept in common
("intersect") or taken away ("exclude"). The result keeps the order asked: the first source's
order, then words each later union adds, in that source's order.

Words are looked up as written; with the case fallback (on by default) a word missing as
written is looked up lowercased, then in any case, and reported as found that way.
"""
from __future__ import annotations

import re
import weakref
from dataclasses import dataclass, field
from pathlib import Path
from typing import ClassVar

import numpy as np

from .corpus import TOKENIZER_HELP, count_corpus
from .errors import EmbeddingFormatError, EmbedscopeError
from .jobs import Job
from .neighbours import nearest
from .regex_search import RegexTimeoutError, matching_indices
from .words import lookup

COMBINE = ("union", "intersect", "exclude")


class SelectionError(EmbedscopeError):
    """A word source was asked for in a way that cannot work (bad regex, bad option mix)."""


# --- sources -----------------------------------------------------------------------------------
@dataclass
class TopWords:
    """The first `n` rows of the embedding (its frequency order, for GloVe/word2vec/fastText)."""

    n: int
    combine: str = "union"
    kind: ClassVar[str] = "top"

    def describe(self) -> dict:
        return {"kind": self.kind, "n": self.n, "combine": self.combine}

    @classmethod
    def from_describe(cls, d: dict) -> TopWords:
        return cls(_field(d, "n", int), combine=_combine_of(d))


@dataclass
class WordsFile:
    """The words of a words file: one word per line (a `word<TAB>count` or `word count` line
    keeps the word), a BERT-style `vocab.txt`, a JSON word → index map, or a Hugging Face
    `tokenizer.json`. Build it with `embedscope.io.words_file.words_source(path)`, which reads
    the file: `words` in file order, `indices` each word's index in the file (line number for a
    plain file; positions 0, 1, … when not given), `warnings` what the reader noticed.

    With `keep_indices`, each word's row in the export is its index in the file, so the export
    plugs into that tokenizer unchanged.
    """

    path: str
    words: list[str] = field(repr=False)
    indices: list[int] | None = field(default=None, repr=False)
    keep_indices: bool = False
    combine: str = "union"
    warnings: list[str] = field(default_factory=list, repr=False)
    kind: ClassVar[str] = "words-file"

    def describe(self) -> dict:
        return {"kind": self.kind, "path": str(self.path), "keep_indices": self.keep_indices,
                "combine": self.combine}

    @classmethod
    def from_describe(cls, d: dict, read) -> WordsFile:
        """The source `describe` gave; `read(path, keep_indices, combine)` reads the words
        file again (that is io's job: `embedscope.io.words_file.words_source`)."""
        return read(_field(d, "path", str), keep_indices=_field(d, "keep_indices", bool, False),
                    combine=_combine_of(d))


@dataclass
class Corpus:
    """The words of a text corpus with at least `min_count` occurrences, at most the
    `max_words` most frequent, in descending frequency. Pass `counts` (from
    `core.corpus.count_corpus`) to skip counting again."""

    path: str
    min_count: int = 1
    max_words: int | None = None
    lowercase: bool = False
    tokenizer: str = "words"
    counts: object | None = None   # a CorpusCounts; not part of the description
    combine: str = "union"
    kind: ClassVar[str] = "corpus"

    def describe(self) -> dict:
        return {"kind": self.kind, "path": str(self.path), "min_count": self.min_count,
                "max_words": self.max_words, "lowercase": self.lowercase,
                "tokenizer": self.tokenizer, "tokenizer_rule": TOKENIZER_HELP.get(self.tokenizer),
                "combine": self.combine}

    @classmethod
    def from_describe(cls, d: dict) -> Corpus:
        max_words = d.get("max_words")
        return cls(_field(d, "path", str), min_count=_field(d, "min_count", int, 1),
                   max_words=None if max_words is None else _field(d, "max_words", int),
                   lowercase=_field(d, "lowercase", bool, False),
                   tokenizer=_field(d, "tokenizer", str, "words"), combine=_combine_of(d))


@dataclass
class Regex:
    """Embedding words that match `pattern` in full (`re.fullmatch`), in embedding order.
    The matching runs under a time limit (core.regex_search): a pattern that backtracks without
    end is given up on with a message naming the word it was stuck on."""

    pattern: str
    ignore_case: bool = False
    combine: str = "union"
    kind: ClassVar[str] = "regex"

    def describe(self) -> dict:
        return {"kind": self.kind, "pattern": self.pattern, "ignore_case": self.ignore_case,
                "combine": self.combine}

    @classmethod
    def from_describe(cls, d: dict) -> Regex:
        return cls(_field(d, "pattern", str), ignore_case=_field(d, "ignore_case", bool, False),
                   combine=_combine_of(d))


@dataclass
class Words:
    """Explicit words, in the order given (the GUI passes a selection drawn on the plot as this,
    with `label="selection on the plot"`)."""

    words: list[str]
    label: str = "words"
    combine: str = "union"
    kind: ClassVar[str] = "words"

    def describe(self, all_words: bool = False) -> dict:
        """With `all_words`, every word (a recipe must rebuild the list); otherwise the first
        1,000 (a manifest names the source, the export itself lists the words)."""
        d = {"kind": self.kind, "label": self.label, "count": len(self.words),
             "combine": self.combine}
        d["words"] = list(self.words if all_words else self.words[:1000])
        if len(d["words"]) < len(self.words):
            d["words_truncated"] = True
        return d

    @classmethod
    def from_describe(cls, d: dict) -> Words:
        if d.get("words_truncated"):
            raise SelectionError(f"the word list '{d.get('label', 'words')}' holds only the "
                                 f"first {len(d.get('words', [])):,} of its {d.get('count')} "
                                 "words (a manifest's list), so it cannot be rebuilt")
        words = _field(d, "words", list)
        if not all(isinstance(w, str) for w in words):
            raise SelectionError(f"the word list '{d.get('label', 'words')}' must hold strings")
        return cls(list(words), label=_field(d, "label", str, "words"), combine=_combine_of(d))


@dataclass
class Neighbours:
    """Each given word followed by its `k` nearest neighbours (cosine)."""

    words: list[str]
    k: int = 10
    combine: str = "union"
    kind: ClassVar[str] = "neighbours"

    def describe(self) -> dict:
        return {"kind": self.kind, "words": list(self.words), "k": self.k,
                "combine": self.combine}

    @classmethod
    def from_describe(cls, d: dict) -> Neighbours:
        return cls([str(w) for w in _field(d, "words", list)], k=_field(d, "k", int, 10),
                   combine=_combine_of(d))


WordSource = TopWords | WordsFile | Corpus | Regex | Words | Neighbours
SOURCE_KINDS = {c.kind: c for c in (TopWords, WordsFile, Corpus, Regex, Words, Neighbours)}


def source_from_describe(d: dict, read_words_file) -> WordSource:
    """The word source a `describe()` dict names (a recipe's or a session's).

    `read_words_file(path, keep_indices, combine)` reads a words file (core reads no files:
    pass `embedscope.io.words_file.words_source`). Raises SelectionError for a dict that names
    no source or holds a value of the wrong type.
    """
    if not isinstance(d, dict) or d.get("kind") not in SOURCE_KINDS:
        kind = d.get("kind") if isinstance(d, dict) else d
        raise SelectionError(f"unknown word source {kind!r} "
                             f"(expected one of {', '.join(SOURCE_KINDS)})")
    cls = SOURCE_KINDS[d["kind"]]
    if cls is WordsFile:
        return WordsFile.from_describe(d, read_words_file)
    return cls.from_describe(d)


_MISSING = object()


def _field(d: dict, name: str, kind: type, default=_MISSING):
    """d[name] checked to be a `kind` (bool is not an int here), or SelectionError."""
    value = d.get(name, default)
    if value is _MISSING:
        raise SelectionError(f"the {d.get('kind')} word source has no '{name}'")
    if value is default and default is not _MISSING:
        return value
    ok = isinstance(value, kind) and not (kind is int and isinstance(value, bool))
    if not ok:
        raise SelectionError(f"the {d.get('kind')} word source's '{name}' is {value!r}, "
                             f"expected a {kind.__name__}")
    return value


def _combine_of(d: dict) -> str:
    combine = d.get("combine", "union")
    if combine not in COMBINE:
        raise SelectionError(f"unknown combination {combine!r} (expected {', '.join(COMBINE)})")
    return combine


# --- results -----------------------------------------------------------------------------------
@dataclass
class Coverage:
    """How well the embedding covers one list or corpus source."""

    source: str                     # what the user named: file name, "corpus x.txt", "words"
    asked: int                      # distinct words the source named
    found: int                      # of those, with a vector (as written or by case fallback)
    found_by_case_fallback: int
    missing: int
    missing_examples: list[str]     # most frequent first for a corpus, file order otherwise
    case_fallback_examples: list[tuple[str, str]]  # (as asked, as found)
    tokens: int | None = None       # corpus tokens in total
    tokens_covered: int | None = None  # corpus tokens whose word is exported with a vector
    duplicates: int = 0             # words listed more than once (kept once)

    @property
    def token_share(self) -> float | None:
        if not self.tokens:
            return None
        return self.tokens_covered / self.tokens

    def to_dict(self) -> dict:
        return {
            "source": self.source, "asked": self.asked, "found": self.found,
            "found_by_case_fallback": self.found_by_case_fallback, "missing": self.missing,
            "missing_examples": self.missing_examples,
            "case_fallback_examples": [list(p) for p in self.case_fallback_examples],
            "tokens": self.tokens, "tokens_covered": self.tokens_covered,
            "token_share": None if self.token_share is None else round(self.token_share, 6),
            "duplicates": self.duplicates,
        }


@dataclass
class ChosenWords:
    """The chosen words in output order, each with its embedding row (-1 when missing)."""

    words: list[str]
    rows: np.ndarray                          # int64, -1 = the embedding has no vector for it
    case_fallback: dict[str, str]             # word as asked → word whose vector it gets
    coverage: list[Coverage]
    file_indices: list[int] | None = None     # with keep_indices: each word's index in the file
    warnings: list[str] = field(default_factory=list)

    @property
    def found(self) -> int:
        return int((self.rows >= 0).sum())

    @property
    def missing_words(self) -> list[str]:
        return [w for w, r in zip(self.words, self.rows) if r < 0]


# --- resolving sources ----------------------------------------------------------------------------
@dataclass
class _Resolved:
    words: list[str]
    label: str
    listed: bool                 # a list or corpus source: reported in coverage
    indices: list[int] | None = None
    counts: dict[str, int] | None = None
    tokens: int | None = None
    duplicates: int = 0
    members: frozenset | None = None   # set(words), when a cache already holds it
    warnings: list[str] = field(default_factory=list)


def _dedupe(words, indices=None):
    if indices is None:  # dict keeps the first of each word, in order, at C speed
        out = list(dict.fromkeys(words))
        return out, None, len(words) - len(out)
    seen: set[str] = set()
    out, out_idx, dup = [], [], 0
    for j, w in enumerate(words):
        if w in seen:
            dup += 1
            continue
        seen.add(w)
        out.append(w)
        if indices is not None:
            out_idx.append(indices[j])
    return out, (out_idx if indices is not None else None), dup


def _resolve(emb, src, job: Job) -> _Resolved:
    if isinstance(src, TopWords):
        if src.n < 0:
            raise SelectionError(f"--top takes a number ≥ 0, not {src.n}")
        words, _, dup = _dedupe(emb.words[: src.n])
        return _Resolved(words, f"the first {src.n:,} rows", False, duplicates=dup)
    if isinstance(src, WordsFile):
        words = src.words
        indices = list(range(len(words))) if src.indices is None else list(src.indices)
        if src.keep_indices:
            seen: dict[str, int] = {}
            for w, i in zip(words, indices):
                if w in seen:
                    raise EmbeddingFormatError(src.path, f"word '{w}'",
                                               f"listed twice (indices {seen[w]} and {i})",
                                               "each word once, to keep the file's indices")
                seen[w] = i
            by_index: dict[int, str] = {}
            for w, i in zip(words, indices):
                if i in by_index:
                    raise EmbeddingFormatError(src.path, f"index {i}",
                                               f"used by both '{by_index[i]}' and '{w}'",
                                               "each index used once, to keep them")
                by_index[i] = w
            expected = list(range(len(indices)))
            if indices != expected:
                gap = next(k for k, i in enumerate(indices) if i != k)
                raise EmbeddingFormatError(src.path, f"index {gap}", "no word has this index",
                                           "indices 0..N-1 with no gaps, to keep them")
            return _Resolved(list(words), Path(src.path).name, True, indices=list(indices),
                             warnings=list(src.warnings))
        words, _, dup = _dedupe(words)
        return _Resolved(words, Path(src.path).name, True, duplicates=dup,
                         warnings=list(src.warnings))
    if isinstance(src, Corpus):
        counts = src.counts
        # Counts the caller passed are trusted when they were made the same way (the export
        # dialog counts once, in the background); otherwise count, or reuse the last count.
        if counts is None or (counts.tokenizer, counts.lowercase) != (src.tokenizer, src.lowercase):
            counts = _cached_counts(src, job)
        if src.min_count < 1:
            raise SelectionError(f"--min-count takes a number ≥ 1, not {src.min_count}")
        kept = [w for w, c in counts.counts.items() if c >= src.min_count]
        if src.max_words is not None:
            kept = kept[: max(0, src.max_words)]
        return _Resolved(kept, f"corpus {Path(src.path).name}", True, counts=counts.counts,
                         tokens=counts.tokens)
    if isinstance(src, Regex):
        try:
            rx = re.compile(src.pattern, re.IGNORECASE if src.ignore_case else 0)
        except re.error as exc:
            raise SelectionError(f"the regular expression '{src.pattern}' is not valid: "
                                 f"{exc}") from None
        key = (src.pattern, src.ignore_case)
        per_emb = _REGEX_CACHE.setdefault(emb, {})
        if key not in per_emb:  # previews repeat the same regex on every option change
            all_words = emb.words
            try:
                hits = matching_indices(rx.pattern, rx.flags, all_words, job)
            except RegexTimeoutError as exc:
                raise SelectionError(str(exc)) from None
            per_emb.clear()
            words, _, dup = _dedupe([all_words[i] for i in hits])
            per_emb[key] = (words, dup, frozenset(words))
        words, dup, members = per_emb[key]
        return _Resolved(list(words), f"regex {src.pattern}", False, duplicates=dup,
                         members=members)
    if isinstance(src, Words):
        words, _, dup = _dedupe([w for w in src.words if w != ""])
        return _Resolved(words, src.label, True, duplicates=dup)
    if isinstance(src, Neighbours):
        words = []
        for q in src.words:
            emb.row(q)  # UnknownWordError with suggestions when absent
            words.append(q)
            words.extend(n.word for n in nearest(emb, q, k=src.k))
        words, _, dup = _dedupe(words)
        return _Resolved(words, "neighbours of " + ", ".join(src.words), False, duplicates=dup)
    raise SelectionError(f"unknown word source {src!r}")


_COUNTS_CACHE: dict = {}
_REGEX_CACHE: "weakref.WeakKeyDictionary" = weakref.WeakKeyDictionary()


def _cached_counts(src: Corpus, job: Job):
    """Count a corpus once per (file state, tokenizer, lowercase): previews call this often."""
    for counts in list(_COUNTS_CACHE.values()):
        if counts.matches(src.path, src.tokenizer, src.lowercase):
            return counts
    counts = count_corpus(src.path, tokenizer=src.tokenizer, lowercase=src.lowercase,
                          progress=job.progress, should_stop=job.should_stop)
    _COUNTS_CACHE.clear()  # one corpus at a time: counts of a big corpus are big
    _COUNTS_CACHE[counts.path] = counts
    return counts


# --- combining ------------------------------------------------------------------------------------
def select_words(emb, sources, case_fallback: bool = True, order: str = "asked",
                 missing_examples: int = 20, progress=None, should_stop=None) -> ChosenWords:
    """Combine the sources left to right and look every chosen word up.

    `order`: "asked" (sources' order) or "embedding" (by embedding row; words it lacks last).
    Raises SelectionError for an impossible request, EmbeddingFormatError for an unreadable
    corpus or a words file whose indices cannot be kept, UnknownWordError for a neighbours
    query the embedding lacks.
    """
    job = Job(progress, should_stop)
    sources = list(sources)
    if not sources:
        raise SelectionError("no words were asked for: give --top, --words, --corpus, --regex, "
                             "--word or --neighbours")
    for s in sources:
        if getattr(s, "combine", "union") not in COMBINE:
            raise SelectionError(f"unknown combination '{s.combine}' "
                                 f"(expected {', '.join(COMBINE)})")
    if order not in ("asked", "embedding"):
        raise SelectionError(f"unknown order '{order}' (expected asked or embedding)")
    keep = [s for s in sources if isinstance(s, WordsFile) and s.keep_indices]
    if keep and (len(sources) > 1 or keep[0].combine != "union"):
        raise SelectionError("keeping a vocabulary file's indices fixes every row, so it cannot be "
                             "combined with other word sources")
    if keep and order != "asked":
        raise SelectionError("keeping a vocabulary file's indices fixes the order")

    resolved = []
    n = len(sources)
    for i, s in enumerate(sources):
        sub = job.sub(i / n, (i + 1) / n)
        resolved.append((s, _resolve(emb, s, sub)))
        job.check()

    chosen: list[str] = []
    chosen_set: set[str] = set()
    for n_done, (s, res) in enumerate(resolved):
        comb = "union" if n_done == 0 else s.combine
        if comb == "union":
            if not chosen:
                chosen = list(res.words)
                chosen_set = set(chosen)
            else:
                new = [w for w in res.words if w not in chosen_set]
                chosen.extend(new)
                chosen_set.update(new)
        else:
            other = res.members if res.members is not None else set(res.words)
            if comb == "intersect":
                chosen = [w for w in chosen if w in other]
            else:
                chosen = [w for w in chosen if w not in other]
            chosen_set = set(chosen)

    rows, fallback = lookup(emb, chosen, case_fallback)
    file_indices = resolved[0][1].indices if keep else None
    if order == "embedding":
        key = np.where(rows >= 0, rows, np.iinfo(np.int64).max)
        perm = np.argsort(key, kind="stable")
        chosen = [chosen[i] for i in perm]
        rows = rows[perm]

    exported = {w for w, r in zip(chosen, rows) if r >= 0}
    known_rows = dict(zip(chosen, rows.tolist()))
    coverage = []
    for _, res in resolved:
        if not res.listed:
            continue
        # Words already looked up keep their answer; only words an intersect/exclude removed
        # are looked up again.
        others = [w for w in res.words if w not in known_rows]
        o_rows, o_fb = lookup(emb, others, case_fallback) if others else (np.empty(0, np.int64), {})
        extra = dict(zip(others, o_rows.tolist()))
        r_rows = [known_rows[w] if w in known_rows else extra[w] for w in res.words]
        missing = [w for w, r in zip(res.words, r_rows) if r < 0]  # most frequent first
        fb_pairs = [(w, fallback[w] if w in fallback else o_fb[w]) for w in res.words
                    if w in fallback or w in o_fb]
        cov = Coverage(
            source=res.label, asked=len(res.words), found=len(res.words) - len(missing),
            found_by_case_fallback=len(fb_pairs), missing=len(missing),
            missing_examples=missing[:missing_examples],
            case_fallback_examples=fb_pairs[:missing_examples],
            duplicates=res.duplicates)
        if res.counts is not None:
            cov.tokens = res.tokens
            cov.tokens_covered = int(sum(c for w, c in res.counts.items() if w in exported))
        coverage.append(cov)
    warnings = []
    for _, res in resolved:
        warnings.extend(res.warnings)
        if res.duplicates:
            warnings.append(f"{res.label}: {res.duplicates:,} words listed more than once "
                            "(each kept once, at its first place)")
    return ChosenWords(chosen, rows, fallback, coverage, file_indices, warnings)
