"""Detect a words list that is a few lines out of step with the matrix, and undo it.

Counting cannot see a words list shifted by one line when its length still matches the rows.
The vectors can: pairs of words that ought to be near each other ("Apple"/"apple",
"president"/"presidential", "1987"/"1988", "play"/"##play", "Paris"/"France") are near each
other only under the right pairing. For each candidate offset k we read every pair's vectors
k rows further down and take the mean cosine; the offset under which related words look
related is the one that fits.

Sign convention, used everywhere (`ShiftResult.offset`, `apply_shift`, the CLI, the GUI):
**offset k means the vector of `words[i]` sits at row `i + k`.** k = +1: the words list lacks
a line at its top (a padding token the matrix has a row for); k = −1: the words list has an
extra line at its top (a header line "400000 50" read as a word). `apply_shift(emb, k)` pairs
`words[i]` with row `i + k`, dropping the words and rows that fall off the ends.
"""
from __future__ import annotations

import functools
import re
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from .check_words import PIECE_MARKERS, all_lower
from .embedding import Embedding
from .jobs import Job
from .pairing import move_words

OFFSETS = tuple(range(-3, 4))
# A shift is reported only when the best offset beats the loaded pairing by this many
# standard errors (paired over the same word pairs) and by this much mean cosine. Pairs
# share words, so their differences are not independent; the z threshold is set high to
# leave room for that, and the margin keeps a huge pair count from making a tiny gain "real".
MIN_Z = 8.0
MIN_GAIN = 0.05
MIN_PAIRS = 30
# Pairs per signal, and how often one word may appear (keeps one word from dominating).
MAX_PAIRS_PER_SIGNAL = 6000
MAX_USES_PER_WORD = 3
# Words considered by the structural signals: the most frequent rows carry the best vectors,
# and scanning 2 million words in Python would cost seconds for no extra evidence.
SCAN_WORDS = 200_000
PREFIX_LEN = 6



@dataclass
class ShiftResult:
    """What the detector concluded.

    `offset` is 0 when the words fit the rows as loaded or the evidence is too weak to say;
    otherwise the offset k (word i's vector is at row i + k) that fits clearly better.
    When the words go out of step part-way down (a line lost in the middle of the list),
    offset stays 0 and `evidence["break"]` says where: {"before", "after", "around_row", …}.
    `scores` maps each tried offset to the mean cosine of the related pairs under it.
    `evidence` holds the numbers behind the verdict: pairs per signal and their scores,
    the z-score and gain of each offset against 0, and the random-pair baseline.
    """

    offset: int
    scores: dict[int, float]
    evidence: dict = field(default_factory=dict)

    @property
    def found(self) -> bool:
        return self.offset != 0

    def to_dict(self) -> dict:
        return {"offset": self.offset,
                "scores": {str(k): round(v, 4) for k, v in self.scores.items()},
                "evidence": _jsonable(self.evidence)}


def _jsonable(x):
    if isinstance(x, dict):
        return {str(k): _jsonable(v) for k, v in x.items()}
    if isinstance(x, (list, tuple)):
        return [_jsonable(v) for v in x]
    if isinstance(x, (np.floating, float)):
        return round(float(x), 4)
    if isinstance(x, np.integer):
        return int(x)
    return x


# --- pairs of words that should be near each other -------------------------------------------

def _pairs_resource_dir() -> Path:
    from ..resources import resource_dir

    return resource_dir() / "pairs"


@functools.lru_cache(maxsize=1)
def shipped_pairs() -> tuple[tuple[str, str], ...]:
    """Related English word pairs shipped in resources/pairs/*.tsv (word<TAB>word[<TAB>…])."""
    out: list[tuple[str, str]] = []
    folder = _pairs_resource_dir()
    if not folder.is_dir():
        return ()
    for path in sorted(folder.glob("*.tsv")):
        with open(path, encoding="utf-8") as f:
            for line in f:
                if line.startswith("#"):
                    continue
                parts = line.rstrip("\n").split("\t")
                if len(parts) >= 2 and parts[0] and parts[1]:
                    out.append((parts[0], parts[1]))
    return tuple(out)


def _lookup(w2r: dict, word: str) -> int | None:
    """Row of a word as spelled, else lower-case, Capitalised or Title Case (no full
    lower-case index needed: building one for 2 million words costs a second)."""
    for form in (word, word.lower(), word.capitalize(), word.title()):
        r = w2r.get(form)
        if r is not None:
            return r
    return None


def _case_pairs(words) -> list[tuple[int, int]]:
    """"Apple"/"apple": a cased vocabulary's variants of one word."""
    if all_lower(words):
        return []  # not one capital letter: a lower-cased vocabulary
    lows = [w.lower() for w in words]
    if len(set(lows)) == len(set(words)):
        return []  # no word has two spellings
    first: dict[str, int] = {}
    out = []
    for i, low in enumerate(lows):
        j = first.setdefault(low, i)
        if j != i and words[j] != words[i]:
            out.append((j, i))
    return out


def _prefix_pairs(words) -> list[tuple[int, int]]:
    """Words sharing their first six letters ("president"/"presidential"), in any script."""
    groups: dict[str, list[int]] = {}
    for i in [i for i, w in enumerate(words) if len(w) > PREFIX_LEN and w.isalpha()]:
        groups.setdefault(words[i][:PREFIX_LEN].lower(), []).append(i)
    out = []
    for rows in groups.values():
        # Big groups ("intern…") mix unrelated words; neighbours in a group are enough.
        if 2 <= len(rows) <= 40:
            out.extend(zip(rows[:-1], rows[1:]))
    return out


def _piece_pairs(words, word_to_row) -> list[tuple[int, int]]:
    """A word-piece and the whole word spelled the same ("##play"/"play", "▁the"/"the")."""
    out = []
    for i in [i for i, w in enumerate(words) if w.startswith(PIECE_MARKERS)]:
        w = words[i]
        m = next(m for m in PIECE_MARKERS if w.startswith(m))
        if len(w) > len(m) + 1:
            j = word_to_row.get(w[len(m):])
            if j is not None:
                out.append((j, i))
    return out


_NUMBER = re.compile(r"(?:0|[1-9][0-9]{0,3})\Z")


def _number_pairs(words, word_to_row) -> list[tuple[int, int]]:
    """Consecutive numbers ("1987"/"1988", "12"/"13"): close in every language's vectors."""
    out = []
    for i in [i for i, w in enumerate(words) if w.isdigit()]:
        if _NUMBER.match(words[i]):
            j = word_to_row.get(str(int(words[i]) + 1))
            if j is not None:
                out.append((i, j))
    return out


def _english_pairs(w2r) -> list[tuple[int, int]]:
    out = []
    for a, b in shipped_pairs():
        ra, rb = _lookup(w2r, a), _lookup(w2r, b)
        if ra is not None and rb is not None:
            out.append((ra, rb))
    return out


def scan_windows(rows: int, limit: int = SCAN_WORDS) -> list[tuple[int, int]]:
    """Stretches of rows whose words the spelling signals read: all of them up to `limit`
    words; beyond that the top half of the budget plus four equal windows spread over the
    rest, so a words list that goes out of step far down is still seen."""
    if rows <= limit:
        return [(0, rows)]
    head = limit // 2
    width = (limit - head) // 4
    starts = np.linspace(head, rows - width, 4).astype(int)
    return [(0, head)] + [(int(a), int(a) + width) for a in starts]


def related_pairs(emb: Embedding, words_limit: int = SCAN_WORDS) -> dict[str, np.ndarray]:
    """Signal name → (n, 2) int64 rows of word pairs expected to be near each other."""
    w2r = emb.word_to_row
    raw: dict[str, list] = {"case variants": [], "shared prefixes": [], "word pieces": [],
                            "consecutive numbers": []}
    for a, b in scan_windows(emb.rows, words_limit):
        words = emb.words[a:b]
        # Pairs within a window are found by local index; partners looked up by word are global.
        raw["case variants"] += [(i + a, j + a) for i, j in _case_pairs(words)]
        raw["shared prefixes"] += [(i + a, j + a) for i, j in _prefix_pairs(words)]
        raw["word pieces"] += [(j, i + a) for j, i in _piece_pairs(words, w2r)]
        raw["consecutive numbers"] += [(i + a, j) for i, j in _number_pairs(words, w2r)]
    raw["related English words"] = _english_pairs(w2r)
    return {name: np.asarray(p, dtype=np.int64).reshape(-1, 2) for name, p in raw.items()}


def _select(pairs: np.ndarray, lo: int, hi: int, rng) -> np.ndarray:
    """Pairs whose rows stay inside [lo, hi) under every offset, distinct, each word used
    at most MAX_USES_PER_WORD times, at most MAX_PAIRS_PER_SIGNAL of them."""
    if len(pairs) == 0:
        return pairs
    ok = (pairs[:, 0] != pairs[:, 1]) & (pairs.min(1) >= lo) & (pairs.max(1) < hi)
    pairs = np.unique(np.sort(pairs[ok], axis=1), axis=0)
    pairs = pairs[rng.permutation(len(pairs))]
    uses: dict[int, int] = {}
    keep = []
    for a, b in pairs.tolist():
        if uses.get(a, 0) < MAX_USES_PER_WORD and uses.get(b, 0) < MAX_USES_PER_WORD:
            uses[a] = uses.get(a, 0) + 1
            uses[b] = uses.get(b, 0) + 1
            keep.append((a, b))
            if len(keep) >= MAX_PAIRS_PER_SIGNAL:
                break
    return np.asarray(keep, dtype=np.int64).reshape(-1, 2)


def _unit_rows(vectors, rows: np.ndarray) -> np.ndarray:
    """Unit-length copies of some rows (zero and non-finite rows become zero)."""
    order = np.argsort(rows, kind="stable")  # sorted reads are kind to a memory-map
    block = np.empty((len(rows), vectors.shape[1]), dtype=np.float32)
    block[order] = np.asarray(vectors[rows[order]], dtype=np.float32)
    block[~np.isfinite(block).all(1)] = 0.0
    n = np.linalg.norm(block, axis=1)
    n[n == 0] = 1.0
    return block / n[:, None]


def _pair_cosines(vectors, pairs: np.ndarray, k: int) -> np.ndarray:
    a = _unit_rows(vectors, pairs[:, 0] + k)
    b = _unit_rows(vectors, pairs[:, 1] + k)
    return np.einsum("ij,ij->i", a, b)


def candidate_offsets(emb: Embedding, limit: int = 1000) -> list[int]:
    """−3…+3, plus the offset a count mismatch suggests: a words list n lines longer than the
    matrix may have n extra lines at its top (offset −n), n shorter may lack n (offset +n)."""
    offsets = set(OFFSETS)
    src = emb.source
    if src.words_in_file is not None:
        from .check_source import matrix_rows

        diff = len(src.words_in_file) - matrix_rows(emb)
        if 0 < abs(diff) <= limit and abs(diff) < emb.rows // 4:
            offsets.add(-diff)
    return sorted(offsets)


def detect_shift(emb: Embedding, progress=None, should_stop=None, offsets=OFFSETS,
                 seed: int = 0) -> ShiftResult:
    """Find the offset k (word i ↔ row i + k) under which related words are near each other.

    Returns offset 0 when the loaded pairing fits best or no other offset is clearly better
    (z ≥ MIN_Z against offset 0 over the same pairs, and a mean-cosine gain ≥ MIN_GAIN).
    `offsets` are the ones tried (−3…+3 by default; 0 is always included).
    """
    job = Job(progress, should_stop)
    offsets = sorted(set(int(k) for k in offsets) | {0})
    rng = np.random.default_rng(seed)
    job.step(0, 4, "finding related word pairs")
    lo, hi = max(0, -min(offsets)), emb.rows - max(0, max(offsets))
    windows = scan_windows(emb.rows)
    cuts = np.array([a for a, _ in windows[1:]], dtype=np.int64)
    signals = {}
    for name, p in related_pairs(emb).items():
        # Capped window by window, so the few pairs far down are not sampled away.
        where = np.searchsorted(cuts, p.min(1), side="right") if len(p) else np.empty(0, int)
        signals[name] = np.concatenate(
            [_select(p[where == w], lo, hi, rng) for w in range(len(windows))]
            or [np.empty((0, 2), np.int64)])
    signals = {name: p for name, p in signals.items() if len(p)}
    job.step(1, 4, "scoring offsets")
    evidence: dict = {"signals": {}, "offsets": offsets}
    if hi - lo < 2:
        evidence["verdict"] = "too few rows to compare offsets"
        return ShiftResult(0, {}, evidence)
    pairs = np.concatenate(list(signals.values())) if signals else np.empty((0, 2), np.int64)
    # Random pairs give the score of a pairing that fits nothing: the floor to compare with.
    n_rand = min(2000, max(200, len(pairs)))
    rand = rng.integers(lo, hi, size=(n_rand, 2))
    baseline = float(_pair_cosines(emb.vectors, rand, 0).mean())
    evidence["random pairs"] = baseline
    evidence["pairs"] = int(len(pairs))
    if len(pairs) < MIN_PAIRS:
        evidence["verdict"] = (f"only {len(pairs)} related word pairs found "
                               f"(need {MIN_PAIRS}); cannot tell")
        return ShiftResult(0, {}, evidence)
    cos = {}
    for n, k in enumerate(offsets):
        cos[k] = _pair_cosines(emb.vectors, pairs, k)
        job.step(1 + 3 * (n + 1) / len(offsets), 4, "scoring offsets")
    scores = {k: float(c.mean()) for k, c in cos.items()}
    start = 0
    for name, p in signals.items():
        sl = slice(start, start + len(p))
        start += len(p)
        evidence["signals"][name] = {"pairs": int(len(p)),
                                     "scores": {k: float(cos[k][sl].mean()) for k in offsets}}
    z, gain = {}, {}
    for k in offsets:
        if k == 0:
            continue
        d = cos[k] - cos[0]
        sd = float(d.std(ddof=1))
        gain[k] = float(d.mean())
        z[k] = float(gain[k] / (sd / np.sqrt(len(d)))) if sd > 0 else 0.0
    evidence["gain over 0"] = gain
    evidence["z over 0"] = z
    best = max(scores, key=lambda k: scores[k])
    offset = 0
    if best != 0 and z[best] >= MIN_Z and gain[best] >= MIN_GAIN:
        offset = best
        evidence["verdict"] = (
            f"related words fit at offset {best:+d} (mean cosine {scores[best]:.2f}) and not "
            f"as loaded ({scores[0]:.2f}; random pairs {baseline:.2f}), z = {z[best]:.0f}")
        evidence["examples"] = _examples(emb, signals, cos[best], best)
    elif best == 0:
        other = max((k for k in offsets if k != 0), key=lambda k: scores[k])
        evidence["verdict"] = (
            f"the words fit the rows as loaded (related pairs {scores[0]:.2f}; best other "
            f"offset {other:+d}: {scores[other]:.2f}; random pairs {baseline:.2f})")
    else:
        evidence["verdict"] = (
            f"no offset fits clearly better than the loaded pairing (best {best:+d}: "
            f"gain {gain[best]:.3f}, z = {z[best]:.1f})")
    # Does the winning pairing look like real word vectors at all? (Random vectors: no.)
    spread = float(cos[offset].std(ddof=1)) / np.sqrt(len(pairs)) or 1.0
    evidence["fits"] = bool((scores[offset] - baseline) / spread >= MIN_Z
                            and scores[offset] - baseline >= MIN_GAIN)
    segments = _segments(pairs, cos, offsets, cuts)
    if segments:
        evidence["segments"] = segments
        brk = _break(segments)
        if brk is not None:
            brk["around_row"] = _locate_break(pairs, cos, brk)
            evidence["break"] = brk
            # No single offset fits: moving the whole list would only break the other part.
            offset = 0
            evidence["verdict"] = (
                f"the words fit at offset {brk['before']:+d} down to about row "
                f"{brk['around_row']:,} and at {brk['after']:+d} after it: they go out of step "
                "part-way down, which no single offset fixes")
    job.step(4, 4, "done")
    return ShiftResult(offset, scores, evidence)


SEGMENT_PAIRS = 150  # at least this many pairs per stretch of rows judged on its own
MAX_SEGMENTS = 8


def _segments(pairs, cos, offsets, cuts) -> list[dict]:
    """The verdict stretch by stretch of rows (pairs placed by their lower row): a line
    missing or extra in the middle of a words list leaves the top fitting at one offset and
    the rest at another. Stretches: equal shares of the pairs in the top window, then each
    further window on its own."""
    pos = pairs.min(1)
    top = pos < (cuts[0] if len(cuts) else np.iinfo(np.int64).max)
    n_top = int(min(MAX_SEGMENTS, top.sum() // SEGMENT_PAIRS))
    groups = []
    if n_top >= 1:
        top_idx = np.flatnonzero(top)
        groups += np.array_split(top_idx[np.argsort(pos[top_idx], kind="stable")], n_top)
    far = np.searchsorted(cuts, pos, side="right")
    for w in range(1, len(cuts) + 1):
        idx = np.flatnonzero(far == w)
        if len(idx) >= SEGMENT_PAIRS:
            groups.append(idx[np.argsort(pos[idx], kind="stable")])
    if len(groups) < 2:
        return []
    out = []
    for idx in groups:
        sc = {k: float(cos[k][idx].mean()) for k in offsets}
        best = max(sc, key=sc.get)
        others = [k for k in offsets if k != best]
        # How clearly `best` beats the runner-up over the same pairs.
        second = max(others, key=sc.get)
        d = cos[best][idx] - cos[second][idx]
        sd = float(d.std(ddof=1)) or 1.0
        zb = float(d.mean() / (sd / np.sqrt(len(idx))))
        clear = zb >= MIN_Z and sc[best] - sc[second] >= MIN_GAIN
        out.append({"rows": [int(pos[idx].min()), int(pos[idx].max())], "pairs": int(len(idx)),
                    "offset": int(best) if clear else None, "score": sc[best], "z": zb})
    return out


def _locate_break(pairs, cos, brk) -> int:
    """The row m that best splits the pairs into 'fits before' (lower row < m) and 'fits
    after' (≥ m), searched between the last stretch that fit and the first that did not."""
    pos = pairs.min(1)
    lo = brk["last_row_fitting"]
    hi = brk["from_row"]
    sel = np.flatnonzero((pos >= min(lo, hi) - 5000) & (pos <= hi + 5000))
    if sel.size == 0:
        return int(hi)
    sel = sel[np.argsort(pos[sel], kind="stable")]
    before, after = cos[brk["before"]][sel], cos[brk["after"]][sel]
    # split after j pairs: before-sum of the first j, after-sum of the rest
    total = np.concatenate([[0.0], np.cumsum(before)]) + (
        after.sum() - np.concatenate([[0.0], np.cumsum(after)]))
    j = int(np.argmax(total))
    return int(pos[sel][j]) if j < sel.size else int(pos[sel][-1]) + 1


def _break(segments) -> dict | None:
    """Where the words go out of step part-way down: the top stretches fit one offset, every
    later one another (stretches with no clear verdict, such as the one holding the break,
    are skipped)."""
    clear = [s for s in segments if s["offset"] is not None]
    if len(clear) < 2 or len(clear) < len(segments) // 2:
        return None
    first = clear[0]["offset"]
    for i, s in enumerate(clear):
        if s["offset"] != first:
            rest = {t["offset"] for t in clear[i:]}
            if len(rest) != 1:
                return None
            return {"before": first, "after": s["offset"],
                    "last_row_fitting": clear[i - 1]["rows"][1], "from_row": s["rows"][0]}
    return None


def _examples(emb, signals: dict, cos_k, k, n=5) -> list[str]:
    """A few related pairs that line up under offset k, as a user would read them: the most
    readable kinds first (English pairs, case variants), two of each at most."""
    start, parts = 0, {}
    for name, p in signals.items():
        parts[name] = (p, cos_k[start:start + len(p)])
        start += len(p)
    order = ["related English words", "case variants", "word pieces", "shared prefixes",
             "consecutive numbers"]
    out = []
    for name in order + [s for s in parts if s not in order]:
        if name not in parts:
            continue
        p, c = parts[name]
        for i in np.argsort(-c)[:2]:
            a, b = p[i]
            out.append(f"'{emb.words[a]}' / '{emb.words[b]}' sit on rows {a + k:,} and "
                       f"{b + k:,} (cosine {c[i]:.2f})")
    return out[:n]


def apply_shift(emb: Embedding, offset: int) -> Embedding:
    """The Embedding with `words[i]` paired with row `i + offset` (see the module docstring).

    Uses the whole words file (`source.words_in_file`) and the whole matrix when the load kept
    them, so a header line at the top costs nothing at the bottom. Words and rows falling off
    the ends are left out; the vectors stay a view of the original (no copy of a memory-map).
    The result has its own pairing (core.pairing), so nothing cached for `emb` is reused.
    """
    return move_words(emb, offset)
