"""Benchmark evaluation: analogy sets (`questions-words.txt` format) and word-pair similarity
sets (`wordsim353.tsv`, `simlex999.txt`), with gensim's semantics so numbers are comparable.

Analogies follow `KeyedVectors.evaluate_word_analogies`: words upper-cased (case-insensitive),
only the first `restrict` rows used both as vocabulary and as answers, questions with an unknown
word skipped and counted, the three question words never the answer. Unlike gensim, questions
are answered all at once, the question words masked, the best two scores kept per question:
a file with many questions on few words from the cosines of every row with those words
(core/analogy_batch.py, compiled), a small file from one product of its questions with the
rows (numpy; nothing to compile or import for a few hundred questions). A question whose best
two answers are closer than rounding noise is re-answered exactly as gensim would (same float
steps), so the verdicts — and the accuracy — are gensim's.
"""
from __future__ import annotations

import os
import time
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from . import analogy_batch
from .embedding import Embedding
from .errors import EmbedscopeError
from .jobs import Job
from .neighbours import gensim_norms, scores_for
from .threads import CORES, run_on_cores

# Scores closer than this are re-checked exactly: far above the float32 rounding difference
# between a blocked sgemm over unit rows and gensim's sgemv over raw rows divided by norms
# (~1e-7 for cosines), far below any real gap.
_TIE_MARGIN = 2e-5
# Blocks for the product path: one sgemm of (rows × questions) per block.
_QUESTION_BLOCK = 256
_ROW_CHUNK = 8192
# The question words' similarities (analogy_batch) pay once a file has this many times more
# questions than distinct words: below, one product per question is about as much
# arithmetic and spares numba's import (a fixed ~0.5 s, most of a small file's time).
WORDS_PATH_RATIO = 4.0


class BenchmarkFileError(EmbedscopeError):
    """An evaluation file that cannot be used; names the file and the line."""

    def __init__(self, path, line: int | None, problem: str):
        self.path = str(path)
        self.line = line
        where = f", line {line}" if line is not None else ""
        super().__init__(f"{Path(self.path).name}{where}: {problem}")


@dataclass
class SectionResult:
    section: str
    correct: int
    total: int      # questions answered (unknown-word questions not counted)

    @property
    def accuracy(self) -> float:
        return self.correct / self.total if self.total else 0.0


@dataclass
class Miss:
    """A wrongly answered question, words as written in the file; `predicted` as in the
    embedding."""

    section: str
    a: str
    b: str
    c: str
    expected: str
    predicted: str


@dataclass
class AnalogyResult:
    accuracy: float
    correct: int
    total: int
    skipped: int                  # questions with a word outside the first `restrict` rows
    sections: list[SectionResult]
    misses: list[Miss] = field(default_factory=list)
    path: str = ""
    restrict: int | None = None
    oov_ratio: float = 0.0        # percent of questions skipped, as gensim logs it
    rechecked: int = 0            # near-ties answered one at a time, exactly as gensim
    seconds: float = 0.0

    def to_dict(self, misses: bool = False) -> dict:
        d = {
            "accuracy": self.accuracy,
            "correct": self.correct,
            "total": self.total,
            "skipped": self.skipped,
            "sections": [{"section": s.section, "correct": s.correct, "total": s.total}
                         for s in self.sections],
        }
        if misses:
            d["misses"] = [vars(m) for m in self.misses]
        return d


@dataclass
class PairsResult:
    pearson: float
    spearman: float
    oov_ratio: float              # percent of pairs with an unknown word (gensim's figure)
    pairs: int = 0                # pairs scored
    oov: int = 0
    pearson_pvalue: float = float("nan")
    spearman_pvalue: float = float("nan")
    path: str = ""

    def to_dict(self) -> dict:
        return {"pearson": self.pearson, "spearman": self.spearman, "oov_ratio": self.oov_ratio}


def gensim_test_file(name: str) -> str:
    """A benchmark file from gensim's installed test data, found without importing gensim
    (importing `gensim.test.utils` reads a corpus and costs seconds)."""
    import importlib.util

    spec = importlib.util.find_spec("gensim")
    if spec is None or not spec.submodule_search_locations:
        raise BenchmarkFileError(name, None, "gensim is not installed, and it ships the default "
                                 "benchmark sets; name a file instead")
    for folder in spec.submodule_search_locations:
        path = os.path.join(folder, "test", "test_data", name)
        if os.path.isfile(path):
            return path
    raise BenchmarkFileError(name, None, "not found in gensim's test data; name a file instead")


def default_analogies_path() -> str:
    return gensim_test_file("questions-words.txt")


def default_pairs_path() -> str:
    return gensim_test_file("wordsim353.tsv")


def _vocabulary(emb: Embedding, restrict: int | None, case_insensitive: bool, needed):
    """For the keys in `needed` (the words a benchmark file uses, upper-cased unless
    case-sensitive): key → first row among the first `restrict` rows (gensim's ok_vocab), and
    for keys that several rows share (case variants), the later rows. Keys outside the
    vocabulary are absent. Only the file's keys are kept: one pass over the rows, no
    dictionary of the whole vocabulary."""
    n = emb.rows if not restrict else min(int(restrict), emb.rows)
    words = emb.words[:n]
    keys = _upper_keys(words) if case_insensitive else words
    needed = set(needed)
    ok: dict[str, int] = {}
    extra: dict[str, list[int]] = {}
    for i, key in enumerate(keys):
        if key in needed:
            if key in ok:
                extra.setdefault(key, []).append(i)
            else:
                ok[key] = i
    return n, ok, extra


def _upper_keys(words) -> list[str]:
    """w.upper() for every word: one upper() of the words joined, split again (ten times
    quicker than a call per word), unless a word holds the separator."""
    joined = "\n".join(words)
    keys = joined.upper().split("\n")
    if len(keys) != len(words):
        return [w.upper() for w in words]
    return keys


def _read_lines(path):
    try:
        data = Path(path).read_bytes()
    except OSError as exc:
        raise BenchmarkFileError(path, None, f"cannot read the file ({exc.strerror})") from None
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + 1
        raise BenchmarkFileError(path, line, "not UTF-8 text") from None
    return text.splitlines(keepends=True)


def _gensim_mean_vectors(units: list[np.ndarray], weights: list[float]) -> np.ndarray:
    """Rows of gensim's get_mean_vector(pre_normalize, post_normalize) for many queries at
    once, rounding exactly as gensim does: float32 accumulator updated in float64, divided by
    the total weight in float64, unit-normalised with BLAS dnrm2, then float32."""
    from scipy.linalg.blas import dnrm2

    mean = np.zeros(units[0].shape, dtype=np.float32)
    for u, w in zip(units, weights):
        mean = (mean.astype(np.float64) + np.float64(w) * u.astype(np.float64)).astype(np.float32)
    mean64 = mean.astype(np.float64) / np.float64(sum(abs(w) for w in weights))
    out = np.empty(mean64.shape, dtype=np.float32)
    for i in range(mean64.shape[0]):
        length = dnrm2(mean64[i])
        out[i] = (mean64[i] * (1.0 / length)).astype(np.float32) if length > 0.0 else mean64[i]
    return out


def _question_vectors(emb, norms, rows, exact: bool) -> np.ndarray:
    """Each question's query (u_b + u_c − u_a, unit length); with `exact`, rounded step for
    step as gensim's (`_gensim_mean_vectors`), else in plain numpy (for the batched passes,
    whose near-ties are re-answered exactly anyway)."""
    units = [np.asarray(emb.vectors[rows[:, j]]) / norms[rows[:, j], None] for j in range(3)]
    if exact:
        # gensim's order: positive [b, c], then negative [a].
        return _gensim_mean_vectors([units[1], units[2], units[0]], [1.0, 1.0, -1.0])
    total = units[1].astype(np.float64) + units[2] - units[0]
    length = np.linalg.norm(total, axis=1, keepdims=True)
    return (total / np.where(length > 0, length, 1.0)).astype(np.float32)


def _recheck(emb, norms, n, rows, q_keys, exact, case_insensitive):
    """(question, answer row) for the near-tie questions, answered one at a time as gensim."""
    picked = np.flatnonzero(exact)
    if not len(picked):
        return []
    Q = _question_vectors(emb, norms, rows[picked], exact=True)
    out = []
    for q, i in zip(Q, picked):
        r3 = {int(r) for r in rows[i]}
        row, _ = _gensim_answer(emb, norms, n, q, r3, set(q_keys[i][:3]), case_insensitive)
        out.append((int(i), row))
    return out


def _gensim_answer(emb, norms, n, q, rows3, ignore, case_insensitive):
    """One question answered exactly as gensim's evaluate_word_analogies does: most_similar
    with topn=5 over the first n rows, the first answer not among the question words."""
    dists = scores_for(emb, q, "cosine", restrict=n)  # vectors @ q / norms, as gensim rounds
    topn = 5 + len(rows3)
    x = -dists
    if topn >= x.size:
        best = np.argsort(x)[:topn]
    else:
        most = np.argpartition(x, topn)[:topn]
        best = most.take(np.argsort(x.take(most)))
    sims = [int(s) for s in best if int(s) not in rows3][:5]
    predicted = None
    for s in sims:
        predicted = emb.words[s].upper() if case_insensitive else emb.words[s]
        if predicted not in ignore:
            return s, predicted
    return (sims[-1] if sims else -1), predicted


def evaluate_analogies(
    emb: Embedding,
    path=None,
    restrict: int | None = 300000,
    case_insensitive: bool = True,
    progress=None,
    should_stop=None,
) -> AnalogyResult:
    """Accuracy on an analogy set ("a b c d": a is to b as c is to d; ": name" starts a
    section), equal to gensim's `evaluate_word_analogies(path, restrict_vocab=restrict)`.

    `path` defaults to gensim's `questions-words.txt`. Per-section counts are in `sections`
    (the file's sections in order; the totals are the top-level fields) and every wrong answer
    in `misses`. Raises BenchmarkFileError for an unreadable file or a question before any
    section; Cancelled when `should_stop()` turns true.
    """
    start = time.perf_counter()
    job = Job(progress, should_stop)
    path = str(path) if path is not None else default_analogies_path()
    lines = _read_lines(path)
    needed = {p.upper() if case_insensitive else p
              for line in lines if not line.startswith(": ") for p in line.split()}
    n, ok, extra = _vocabulary(emb, restrict, case_insensitive, needed)

    section_names: list[str] = []
    q_section: list[int] = []
    q_rows: list[tuple[int, int, int]] = []
    q_words: list[tuple[str, str, str, str]] = []
    q_keys: list[tuple[str, str, str, str]] = []
    questions = skipped = 0
    for line_no, line in enumerate(lines):
        if line.startswith(": "):
            section_names.append(line.lstrip(": ").strip())
            continue
        if not section_names:
            raise BenchmarkFileError(path, line_no + 1,
                                     "a question before any ': section' line")
        parts = line.split()
        if len(parts) != 4:
            continue  # gensim skips (and does not count) lines that are not 4 words
        keys = tuple(p.upper() for p in parts) if case_insensitive else tuple(parts)
        questions += 1
        if any(k not in ok for k in keys):
            skipped += 1
            continue
        q_section.append(len(section_names) - 1)
        q_rows.append((ok[keys[0]], ok[keys[1]], ok[keys[2]]))
        q_words.append(tuple(parts))
        q_keys.append(keys)

    m = len(q_rows)
    predicted_rows = np.full(m, -1, dtype=np.int64)
    rechecked = 0
    if m:
        norms = gensim_norms(emb)
        rows = np.asarray(q_rows, dtype=np.int64)
        predicted_rows, exact = _batched_best(emb, rows, q_keys, extra, n, norms, job)
        rechecks = _recheck(emb, norms, n, rows, q_keys, exact, case_insensitive)
        for i, row in rechecks:
            predicted_rows[i] = row
            rechecked += 1

    correct_by_section = np.zeros(len(section_names), dtype=np.int64)
    total_by_section = np.zeros(len(section_names), dtype=np.int64)
    misses: list[Miss] = []
    for i in range(m):
        r = int(predicted_rows[i])
        pred = emb.words[r] if r >= 0 else ""
        key = pred.upper() if case_insensitive else pred
        s = q_section[i]
        total_by_section[s] += 1
        if r >= 0 and key == q_keys[i][3]:
            correct_by_section[s] += 1
        else:
            a, b, c, d = q_words[i]
            misses.append(Miss(section_names[s], a, b, c, d, pred))
    sections = [SectionResult(name, int(c), int(t))
                for name, c, t in zip(section_names, correct_by_section, total_by_section)]
    correct, total = int(correct_by_section.sum()), int(total_by_section.sum())
    job.report(1, 1, "done")
    return AnalogyResult(
        accuracy=correct / total if total else 0.0,
        correct=correct, total=total, skipped=skipped, sections=sections, misses=misses,
        path=path, restrict=restrict,
        oov_ratio=(float(skipped) / questions * 100) if questions else 0.0,
        rechecked=rechecked, seconds=time.perf_counter() - start,
    )


def _batched_best(emb, rows, q_keys, extra, n, norms, job):
    """Best allowed row per question, all questions at once: from the question words'
    similarities when the file has many questions per word, else by products.

    Returns (best rows, needs-exact mask). A question needs the exact path when its best two
    allowed answers are within `_TIE_MARGIN`, when a question word has a zero vector, or when
    case variants of the question words (other rows gensim does not exclude but skips) come
    close to or above the best allowed answer.
    """
    m = len(rows)
    zero_rows = np.flatnonzero(~(norms[:n] > 0))  # zero vectors (and NaN ones)

    # Rows each question may not answer with: its three words and their case variants.
    ex_q, ex_r, var_q, var_r = [], [], [], []
    for i in range(m):
        for r in set(int(x) for x in rows[i]):
            ex_q.append(i)
            ex_r.append(r)
        if extra:
            for key in set(q_keys[i][:3]):
                for r in extra.get(key, ()):
                    ex_q.append(i)
                    ex_r.append(r)
                    var_q.append(i)
                    var_r.append(r)
    ex_q = np.asarray(ex_q, dtype=np.int64)
    ex_r = np.asarray(ex_r, dtype=np.int64)
    var_q = np.asarray(var_q, dtype=np.int64)
    var_r = np.asarray(var_r, dtype=np.int64)

    distinct_words = len(np.unique(rows))
    if m > WORDS_PATH_RATIO * distinct_words and analogy_batch.available():
        row1, best1, best2, var_score = analogy_batch.best_two(
            emb.unit_vectors, n, rows, ex_q, ex_r, var_q, var_r, zero_rows, job)
    else:
        Q = _question_vectors(emb, norms, rows, exact=False)
        row1, best1, best2, var_score = _best_two_by_products(
            emb.vectors, norms, Q, n, ex_q, ex_r, var_q, var_r, zero_rows, job)

    exact = (best1 - best2) <= _TIE_MARGIN
    if len(var_q):
        near = var_score >= (best1[var_q] - _TIE_MARGIN)
        exact |= np.bincount(var_q[near], minlength=m) > 0
    if len(zero_rows):
        exact |= np.isin(rows, zero_rows).any(axis=1)
    exact |= ~np.isfinite(best1)
    return row1, exact


def _best_two_by_products(vectors, norms, Q, n, ex_q, ex_r, var_q, var_r, zero_rows, job):
    """`analogy_batch.best_two` by blocks of (rows × questions) products (one BLAS sgemm
    each, the raw rows scaled by 1 / norm afterwards) and a numpy pass per block, the blocks
    of questions shared among the cores. Returns (best row, best, second best, variant
    scores in var order)."""
    m = Q.shape[0]
    with np.errstate(divide="ignore", invalid="ignore"):
        inv_norms = np.where(norms[:n] > 0, 1.0 / norms[:n], 0.0).astype(np.float32)
    if len(zero_rows):
        ex_q = np.concatenate([ex_q, np.repeat(np.arange(m), len(zero_rows))])
        ex_r = np.concatenate([ex_r, np.tile(zero_rows, m)])
    var_score = np.full(len(var_q), -np.inf, dtype=np.float32)
    best1 = np.full(m, -np.inf, dtype=np.float32)
    best2 = np.full(m, -np.inf, dtype=np.float32)
    row1 = np.full(m, -1, dtype=np.int64)
    order = np.argsort(ex_q, kind="stable")
    ex_q, ex_r = ex_q[order], ex_r[order]
    qstarts = np.searchsorted(ex_q, np.arange(m + 1))
    vorder = np.argsort(var_q, kind="stable")
    var_qs, var_rs = var_q[vorder], var_r[vorder]
    vstarts = np.searchsorted(var_qs, np.arange(m + 1))
    chunks = [(c0, min(n, c0 + _ROW_CHUNK)) for c0 in range(0, n, _ROW_CHUNK)]

    def answer_block(q0, q1):
        q1 = min(m, q1)
        QbT = np.ascontiguousarray(Q[q0:q1].T)
        bq = ex_q[qstarts[q0]:qstarts[q1]] - q0
        br = ex_r[qstarts[q0]:qstarts[q1]]
        border = np.argsort(br, kind="stable")
        bq, br = bq[border], br[border]
        vq = var_qs[vstarts[q0]:vstarts[q1]] - q0
        vr = var_rs[vstarts[q0]:vstarts[q1]]
        vidx = vorder[vstarts[q0]:vstarts[q1]]
        b1, b2, r1 = best1[q0:q1], best2[q0:q1], row1[q0:q1]
        for c0, c1 in chunks:
            job.check()
            # (rows × questions): BLAS is twice as fast this way round than transposed.
            S = np.asarray(vectors[c0:c1]) @ QbT
            S *= inv_norms[c0:c1, None]
            if len(vr):
                sel = (vr >= c0) & (vr < c1)
                if sel.any():
                    var_score[vidx[sel]] = S[vr[sel] - c0, vq[sel]]
            lo, hi = np.searchsorted(br, [c0, c1])
            if hi > lo:
                S[br[lo:hi] - c0, bq[lo:hi]] = -np.inf
            _best_two_numpy(S, c0, b1, b2, r1)

    size = min(_QUESTION_BLOCK, -(-m // CORES))
    blocks = list(range(0, m, size))
    workers = min(CORES, len(blocks))
    done = [0] * workers

    def work(w):
        for q0 in blocks[w::workers]:
            answer_block(q0, q0 + size)
            done[w] += 1

    run_on_cores(work, workers, job, lambda: (sum(done), len(blocks)),
                 "answering analogy questions")
    return row1, best1, best2, var_score


def _best_two_numpy(S, c0, b1, b2, r1):
    """Fold a chunk of scores (rows × questions; row 0 is row c0 of the embedding) into each
    question's best score b1 (at row r1, the first row on ties) and second best b2."""
    i1, v1 = _column_argmax(S)
    found = i1 >= 0
    S[i1[found], np.flatnonzero(found)] = -np.inf
    v2 = S.max(axis=0)
    better = v1 > b1
    new_b2 = np.where(better, np.maximum(b1, v2), np.maximum(b2, v1))
    b1[:] = np.where(better, v1, b1)
    r1[:] = np.where(better, i1 + c0, r1)
    b2[:] = new_b2


def _column_argmax(S: np.ndarray):
    """Per column: the first row holding the column's maximum, and that maximum.

    np.argmax along axis 0 of a C-ordered block is ~20x slower than max along it, so the
    maximum is taken first and its rows found by comparison. Columns with no finite value
    get row -1.
    """
    v1 = S.max(axis=0)
    target = np.where(np.isfinite(v1), v1, np.inf)
    # flatnonzero on the flat view: 2-D np.nonzero is ~40x slower here.
    hits = np.flatnonzero(S >= target)
    rows, cols = np.divmod(hits, S.shape[1])
    i1 = np.full(S.shape[1], np.iinfo(np.int64).max, dtype=np.int64)
    np.minimum.at(i1, cols, rows)
    i1[i1 == np.iinfo(np.int64).max] = -1
    return i1, v1


def evaluate_pairs(
    emb: Embedding,
    path=None,
    restrict: int | None = 300000,
    case_insensitive: bool = True,
    delimiter: str = "\t",
    dummy4unknown: bool = False,
) -> PairsResult:
    """Pearson and Spearman correlation between the embedding's cosine similarities and human
    judgements ("word1<TAB>word2<TAB>score" lines, '#' comments), equal to gensim's
    `evaluate_word_pairs(path, restrict_vocab=restrict)`; `oov_ratio` is the percentage of
    pairs with a word outside the first `restrict` rows (skipped unless `dummy4unknown`).
    `path` defaults to gensim's `wordsim353.tsv`; `simlex999.txt` has the same layout.
    """
    from scipy import stats
    from scipy.linalg.blas import dnrm2

    path = str(path) if path is not None else default_pairs_path()
    lines = _read_lines(path)
    needed = {w.upper() if case_insensitive else w
              for line in lines if line and not line.startswith("#")
              for w in line.split(delimiter)[:2]}
    _, ok, _ = _vocabulary(emb, restrict, case_insensitive, needed)

    def unitvec(v):  # gensim's matutils.unitvec on a float32 row
        length = dnrm2(v)
        return (v.astype(np.float64) * (1.0 / length)).astype(v.dtype) if length > 0.0 else v

    gold: list[float] = []
    model: list[float] = []
    oov = 0
    for line in lines:
        if not line or line.startswith("#"):
            continue
        try:
            parts = line.split(delimiter)
            a, b, sim = [p.upper() for p in parts] if case_insensitive else parts
            sim = float(sim)
        except (ValueError, TypeError):
            continue
        if a not in ok or b not in ok:
            oov += 1
            if dummy4unknown:
                model.append(0.0)
                gold.append(sim)
            continue
        va = np.asarray(emb.vectors[ok[a]])
        vb = np.asarray(emb.vectors[ok[b]])
        gold.append(sim)
        model.append(np.dot(unitvec(va), unitvec(vb)))  # np.float32, as gensim keeps it
    if not gold:
        raise BenchmarkFileError(path, None, "no usable word pairs (wrong layout, or every "
                                 "pair has a word the embedding does not know)")
    spearman = stats.spearmanr(gold, model)
    pearson = stats.pearsonr(gold, model)
    if dummy4unknown:
        ratio = float(oov) / len(gold) * 100
    else:
        ratio = float(oov) / (len(gold) + oov) * 100
    return PairsResult(
        pearson=float(pearson[0]), spearman=float(spearman[0]), oov_ratio=ratio,
        pairs=len(gold) - (oov if dummy4unknown else 0), oov=oov,
        pearson_pvalue=float(pearson[1]), spearman_pvalue=float(spearman[1]), path=path,
    )
