"""Answering thousands of analogy questions at once, from the similarities of the question
words alone.

A question "a is to b as c is to ?" asks for the row x (not a, b or c) with the largest cosine
to q = (u_b + u_c − u_a) / |u_b + u_c − u_a|, u the unit rows. Since x·q is
(x·u_b + x·u_c − x·u_a) / |…|, every question's scores follow from one matrix: the cosines of
every row with every *word used in a question*. `questions-words.txt` has 19,544 questions but
only about 900 words, so that product is twenty times smaller than one query per question.
The rows are taken in tiles that stay in the cache; for each tile and question a compiled pass
forms the scores, masks the question's own words, and keeps the best two (the second tells
near-ties, which the caller re-answers exactly as gensim would).

The scores equal the one-query-at-a-time cosines up to float32 rounding (about 1e-7), far
inside the caller's near-tie margin. Needs numba; `available()` says whether it is there.
"""
from __future__ import annotations

import numpy as np

from .compiled import compiled
from .threads import CORES, run_on_cores

# Cosines of the question words with one tile of rows: about this many bytes, so a tile (and
# the two workers' tiles together) stays in the shared cache.
_TILE_BYTES = 4 << 20


def _answer_tile(GT, count, t0, qa, qb, qc, inv_len, penalty, ex_start, ex_rows,
                 var_start, var_rows, var_out, b1, b2, r1, buf):
    """Fold rows t0..t0+count (their cosines with the question words: GT[word, row]) into
    each question's best score b1 (at row r1; the earlier row on ties) and second best b2.

    One vectorised pass forms a question's scores and counts those above its second best so
    far; only then (in a tile holding its own words, or a better answer — rare after the first
    tiles) does a plain pass update the best two."""
    for j in range(qa.shape[0]):
        ga = GT[qa[j]]
        gb = GT[qb[j]]
        gc = GT[qc[j]]
        s = inv_len[j]
        pen = penalty[t0:t0 + count]
        floor = b2[j]
        hits = 0
        for r in range(count):
            v = (gb[r] + gc[r] - ga[r]) * s + pen[r]
            buf[r] = v
            hits += v > floor
        for e in range(var_start[j], var_start[j + 1]):
            x = var_rows[e] - t0
            if 0 <= x < count:
                var_out[e] = buf[x]
        for e in range(ex_start[j], ex_start[j + 1]):
            x = ex_rows[e] - t0
            if 0 <= x < count:
                buf[x] = -np.inf
        if hits == 0:
            continue
        best, second, at = b1[j], floor, r1[j]
        for r in range(count):
            v = buf[r]
            if v > second:
                if v > best:
                    second = best
                    best = v
                    at = t0 + r
                else:
                    second = v
        b1[j], b2[j], r1[j] = best, second, at


def _compiled():
    # scores are finite or -inf (zero and NaN rows carry a -inf penalty and zeroed cosines),
    # so nnan is safe; reassoc/contract vectorise the three-term sums.
    return compiled(_answer_tile, error_model="numpy",
                    fastmath={"nnan", "nsz", "reassoc", "contract"})


def available() -> bool:
    return _compiled() is not None


def _csr(pairs_q: np.ndarray, pairs_r: np.ndarray, m: int):
    """(start offsets per question, rows) of (question, row) pairs, and the sort order used."""
    order = np.argsort(pairs_q, kind="stable")
    starts = np.searchsorted(pairs_q[order], np.arange(m + 1)).astype(np.int64)
    return starts, pairs_r[order].astype(np.int64), order


def best_two(unit, n: int, rows: np.ndarray, ex_q, ex_r, var_q, var_r, bad_rows, job):
    """Best allowed row per question among rows 0..n of `unit` (unit rows, zero rows zero).

    `rows` (m × 3): the rows of a, b, c. (ex_q, ex_r): rows each question may not answer with
    (its words and their case variants); (var_q, var_r): the case variants, whose scores are
    also returned; `bad_rows`: rows no question may answer with (zero or NaN vectors).
    Returns (best row, best score, second best score, variant scores in var order); rows
    -1 where a question has no allowed row. Cancel through `job.check()`.
    """
    kernel = _compiled()
    m = len(rows)
    words, inverse = np.unique(rows, return_inverse=True)
    inverse = inverse.reshape(m, 3)
    qa, qb, qc = (np.ascontiguousarray(inverse[:, j]) for j in range(3))
    UW = np.nan_to_num(np.asarray(unit[words], dtype=np.float32))
    total = UW[qb].astype(np.float64) + UW[qc] - UW[qa]
    length = np.linalg.norm(total, axis=1)
    inv_len = np.where(length > 0, 1.0 / np.where(length > 0, length, 1), 0).astype(np.float32)

    penalty = np.zeros(n, dtype=np.float32)
    bad_rows = np.asarray(bad_rows, dtype=np.int64)
    bad_rows = bad_rows[bad_rows < n]
    penalty[bad_rows] = -np.inf
    ex_start, ex_rows, _ = _csr(np.asarray(ex_q, np.int64), np.asarray(ex_r, np.int64), m)
    var_start, var_rows, var_order = _csr(np.asarray(var_q, np.int64),
                                          np.asarray(var_r, np.int64), m)

    tile = int(np.clip(_TILE_BYTES // (4 * max(1, len(words))), 64, 8192)) // 64 * 64
    tiles = list(range(0, n, tile))
    workers = max(1, min(CORES, len(tiles)))
    state = [dict(b1=np.full(m, -np.inf, np.float32), b2=np.full(m, -np.inf, np.float32),
                  r1=np.full(m, -1, np.int64), var=np.full(len(var_rows), -np.inf, np.float32))
             for _ in range(workers)]
    done = [0] * workers

    def work(w):
        st = state[w]
        GT = np.empty((len(words), tile), dtype=np.float32)
        buf = np.empty(tile, dtype=np.float32)
        for t0 in tiles[w::workers]:
            job.check()
            t1 = min(n, t0 + tile)
            block = np.asarray(unit[t0:t1], dtype=np.float32)
            G = GT if t1 - t0 == tile else np.empty((len(words), t1 - t0), np.float32)
            np.dot(UW, block.T, out=G)
            bad = bad_rows[(bad_rows >= t0) & (bad_rows < t1)] - t0
            if len(bad):
                G[:, bad] = 0.0  # their -inf penalty decides; NaN must not reach the maxima
            kernel(G, t1 - t0, t0, qa, qb, qc, inv_len, penalty, ex_start, ex_rows,
                   var_start, var_rows, st["var"], st["b1"], st["b2"], st["r1"], buf)
            done[w] += t1 - t0

    run_on_cores(work, workers, job, lambda: (sum(done), n), "answering analogy questions")

    # Merge the workers' best two; on equal best scores the earlier row wins, as in one pass.
    b1, b2, r1 = state[0]["b1"], state[0]["b2"], state[0]["r1"]
    var = state[0]["var"]
    for st in state[1:]:
        better = (st["b1"] > b1) | ((st["b1"] == b1) & (st["r1"] >= 0) & (st["r1"] < r1))
        b2 = np.maximum(np.maximum(b2, st["b2"]), np.minimum(b1, st["b1"]))
        b1 = np.maximum(b1, st["b1"])
        r1 = np.where(better, st["r1"], r1)
        var = np.maximum(var, st["var"])
    var_scores = np.empty_like(var)
    var_scores[var_order] = var
    r1 = np.where(np.isfinite(b1), r1, -1)
    return r1, b1, b2, var_scores
