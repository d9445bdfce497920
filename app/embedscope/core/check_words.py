"""The alignment check's look at the words alone: duplicates, blanks, stray whitespace,
encoding damage, case variants, and whether the order looks like frequency order."""
from __future__ import annotations

import re
from collections import Counter

import numpy as np

from .check_report import Finding, capped, quoted, show

# Control characters, and invisible ones that only ever arrive by accident
# (zero-width space, line/paragraph separators, a byte-order mark inside the list).
_INVISIBLE = re.compile("[\x00-\x1f\x7f-\x9f\u200b\u2028\u2029\ufeff]")
_HEADER_LINE = re.compile(r"\s*\d+\s+\d+\s*\Z")


def mojibake_fix(word: str) -> str | None:
    """The word as it reads when UTF-8 bytes were decoded as Windows-1252/Latin-1
    ("cafÃ©" → "café"); None when the word is not such a case."""
    for enc in ("cp1252", "latin-1"):
        try:
            fixed = word.encode(enc).decode("utf-8")
        except UnicodeError:
            continue
        if fixed != word:
            return fixed
    return None


def token_findings(words: list[str], word_to_row: dict | None = None) -> list[Finding]:
    """empty-token, whitespace-token, encoding, duplicate-token and case-duplicates.
    `word_to_row` (Embedding.word_to_row, when already built) saves hashing the words again."""
    empty, spaced, broken, moji = [], [], [], []
    # Most words are printable ASCII without edge spaces: one comprehension of C-level calls
    # keeps them out of the slower per-word look below.
    odd = [i for i, w in enumerate(words)
           if not (w.isascii() and w.isprintable()) or not w or w[0] == " " or w[-1] == " "]
    for i in odd:
        w = words[i]
        if not w or w.isspace():
            empty.append(i)
            continue
        if w != w.strip() or _INVISIBLE.search(w):
            spaced.append(i)
        if "\ufffd" in w:
            broken.append(i)
        elif not w.isascii() and mojibake_fix(w) is not None:
            moji.append(i)
    out = []
    if empty:
        out.append(Finding(
            "empty-token", "warning",
            f"{len(empty):,} word(s) are empty or blank: a blank line in the words file takes a "
            "row, and every word after it may be paired with the wrong vector",
            len(empty), [f"row {i}: '{show(words[i])}'" for i in capped(empty, 8)],
            capped(empty)))
    if spaced:
        out.append(Finding(
            "whitespace-token", "warning",
            f"{len(spaced):,} word(s) carry leading/trailing spaces, tabs or control characters; "
            "lookups of the plain word will miss them",
            len(spaced), [f"'{show(words[i])}'" for i in capped(spaced, 8)], capped(spaced)))
    if broken or moji:
        rows = sorted(broken + moji)
        parts = []
        if broken:
            parts.append(f"{len(broken):,} hold the replacement character \ufffd (bytes that "
                         "were not valid UTF-8)")
        if moji:
            parts.append(f"{len(moji):,} look like UTF-8 read as Latin-1/Windows-1252")
        examples = [quoted(words[i]) for i in broken[:4]]
        examples += [f"{quoted(words[i])} → {quoted(mojibake_fix(words[i]))}" for i in moji[:4]]
        out.append(Finding(
            "encoding", "warning",
            f"{len(rows):,} word(s) were damaged by a wrong text encoding: " + "; ".join(parts),
            len(rows), examples, capped(rows)))
    out.extend(_duplicates(words, word_to_row))
    return out


def all_lower(words: list[str], step: int = 20_000) -> bool:
    """Whether no word has a capital letter, looked at 20,000 words at a time: one join and
    lower() of 400,000 words held the GIL ~50 ms, a visible stall of the window."""
    for s in range(0, len(words), step):
        joined = "\n".join(words[s:s + step])
        if joined != joined.lower():
            return False
    return True


def _duplicates(words: list[str], word_to_row: dict | None = None) -> list[Finding]:
    out = []
    distinct = word_to_row if word_to_row is not None else set(words)
    if len(distinct) < len(words):
        counts = Counter(words)
        seen: set[str] = set()
        later = []  # rows a lookup by word never reaches (the first occurrence shadows them)
        for i, w in enumerate(words):
            if w in seen:
                later.append(i)
            else:
                seen.add(w)
        dup_words = [w for w, c in counts.items() if c > 1]
        out.append(Finding(
            "duplicate-token", "warning",
            f"{len(dup_words):,} word(s) appear more than once ({len(later):,} extra rows); "
            "a lookup finds only the first row of each",
            len(later), [f"{quoted(w)} ×{counts[w]}" for w in dup_words[:8]], capped(later)))
    if all_lower(words):
        return out  # a lower-cased vocabulary: no word in two capitalisations
    joined = "\n".join(distinct)
    if len(set(joined.lower().split("\n"))) == len(distinct):
        return out  # no word in two capitalisations
    first: dict[str, int] = {}
    groups: dict[str, list[int]] = {}
    for i, w in enumerate(words):
        low = w.lower()
        j = first.setdefault(low, i)
        if j != i and words[j] != w:
            groups.setdefault(low, [j]).append(i)
    if groups:
        rows = sorted(r for g in groups.values() for r in g)
        examples = [" / ".join(quoted(words[r]) for r in g[:3]) for g in list(groups.values())[:8]]
        out.append(Finding(
            "case-duplicates", "info",
            f"{len(groups):,} word(s) appear in more than one capitalisation (each has its own "
            "vector; the file is case-sensitive)",
            len(groups), examples, capped(rows)))
    return out


def looks_like_header(word: str) -> bool:
    """"400000 50": a word2vec header line that ended up in a words list."""
    return bool(_HEADER_LINE.match(word))


SPECIAL_TOKENS = re.compile(
    r"(<pad>|<unk>|<s>|</s>|<bos>|<eos>|<mask>|<oov>|<null>|<sep>|<cls>|\[PAD\]|\[UNK\]|\[CLS\]"
    r"|\[SEP\]|\[MASK\]|\[unused\d+\]|<\|endoftext\|>|<\|pad\|>|PAD|UNK|<PAD>|<UNK>)\Z",
    re.IGNORECASE)


def is_special(word: str) -> bool:
    return bool(SPECIAL_TOKENS.match(word.strip()))


PIECE_MARKERS = ("##", "\u2581", "\u0120")  # BERT "##ing", SentencePiece "▁the", GPT-2 "Ġthe"
SPECIAL_SCAN = 5000       # rows where a model's special and unused tokens sit
PIECE_SCAN = 50_000       # words read to judge how many are word pieces


def token_vocabulary(words) -> bool:
    """Whether the words are a model's token vocabulary (BERT's vocab.txt: [PAD], ~1,000
    [unused*], ##pieces) rather than a frequency-ordered word list: a dozen special tokens in
    the first rows, or one word in fifty a word piece. Its row order is the tokenizer's, so
    low rows are not the frequent words."""
    head = words[:SPECIAL_SCAN]
    if sum(1 for w in head if is_special(w)) >= 12:
        return True
    sample = words[:PIECE_SCAN]
    pieces = sum(1 for w in sample if w.startswith(PIECE_MARKERS))
    return len(sample) > 0 and pieces * 50 >= len(sample)


def ordinary_rows(words, limit: int | None) -> np.ndarray:
    """The first `limit` rows whose words are not special or unused tokens ([PAD], [unused7],
    <s>…), in row order: what a first map of a token vocabulary shows."""
    keep = np.fromiter((not is_special(w) for w in words), dtype=bool, count=len(words))
    rows = np.flatnonzero(keep).astype(np.int64)
    return rows if limit is None else rows[:limit]


def frequency_order_finding(words: list[str], attributes: dict) -> Finding | None:
    """not-frequency-ordered: a counts column out of order, an alphabetical list, or a list
    whose first words are not the short ones (frequent words are short in every language)."""
    n = len(words)
    counts = attributes.get("count") if attributes else None
    if counts is not None and len(counts) == n and n >= 2:
        try:
            c = np.array([np.nan if x is None else x for x in counts], dtype=float)
        except (TypeError, ValueError):
            return None  # a column that is not numbers says nothing about the order
        ok = np.isfinite(c[:-1]) & np.isfinite(c[1:])
        if ok.sum() >= 10:
            rises = np.flatnonzero(ok & (c[1:] > c[:-1]))
            if len(rises) > 0.01 * ok.sum():
                return Finding(
                    "not-frequency-ordered", "info",
                    f"the counts column rises {len(rises):,} times: the rows are not in "
                    "frequency order, so 'the top N words' means little",
                    len(rises),
                    [f"{quoted(words[i])} ({counts[i]}) before {quoted(words[i + 1])} "
                     f"({counts[i + 1]})" for i in rises[:5]], capped((rises + 1).tolist()))
            return None
    if n < 1000:
        return None  # too few words to judge an order
    step = max(1, n // 20000)
    s = words[::step]
    ascending = sum(a <= b for a, b in zip(s, s[1:])) / max(1, len(s) - 1)
    if ascending > 0.9:
        return Finding(
            "not-frequency-ordered", "info",
            f"the words are in alphabetical order ({100 * ascending:.0f}% of neighbours "
            "ascend), not frequency order, so 'the top N words' means little",
            n, s[:5], [])
    # Zipf's law of abbreviation: in frequency order the first words are clearly shorter.
    head = max(100, min(1000, n // 20))
    rest = np.fromiter((len(w) for w in words[head::max(1, (n - head) // 20000)]), float)
    top = np.fromiter((len(w) for w in words[:head]), float)
    if rest.size and top.mean() > 0.8 * rest.mean():
        return Finding(
            "not-frequency-ordered", "info",
            f"the first {head:,} words are about as long as the rest (mean {top.mean():.1f} vs "
            f"{rest.mean():.1f} characters); frequent words are short, so the order does not "
            "look like frequency order and 'the top N words' means little",
            n, words[:5], [])
    return None
