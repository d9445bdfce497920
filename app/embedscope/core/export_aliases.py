"""Aliases for the words an export leaves out: each maps to the kept row nearest to it by
cosine, as spaCy's `prune_vectors` does, so a model still finds a row for a pruned word.

Found by blocked products of the left-out unit rows with the kept unit rows, split over the
cores (core/threads.run_on_cores), one single-threaded BLAS product per block.
"""
from __future__ import annotations

import math
import threading
import time
from dataclasses import dataclass

import numpy as np

from .jobs import Job
from .threads import CORES, run_on_cores

BLOCK_ROWS = 512      # left-out rows per product: 512 × 50,000 kept rows is 100 MB of scores


@dataclass
class Aliases:
    """Left-out source words and the output row each maps to, with its cosine similarity;
    `dropped` counts the mappings weaker than `min_similarity`, and `no_direction` the words
    whose source row is zero or not finite (no nearest row to give)."""

    words: list[str]
    rows: np.ndarray          # int64 output rows
    similarity: np.ndarray    # float32 cosine of each word with its row's word
    min_similarity: float | None
    dropped: int
    no_direction: int
    seconds: float = 0.0

    def __len__(self) -> int:
        return len(self.words)

    @property
    def weakest(self) -> float | None:
        return float(self.similarity.min()) if len(self.similarity) else None

    def to_dict(self) -> dict:
        return {"count": len(self.words),
                "weakest_similarity": (round(self.weakest, 6) if self.weakest is not None
                                       else None),
                "min_similarity": self.min_similarity,
                "dropped_below_min": int(self.dropped),
                "without_direction": int(self.no_direction),
                "rule": "each word of the source the export left out maps to the kept row "
                        "nearest to it by cosine (as spaCy's prune_vectors)"}


def _unit(vectors, rows: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(unit rows, whether each row had a direction: finite and not zero)."""
    x = np.asarray(vectors[rows], dtype=np.float32)
    norms = np.sqrt(np.einsum("ij,ij->i", x, x))
    ok = np.isfinite(norms) & (norms > 0)
    x[~ok] = 0.0
    x[ok] /= norms[ok, None]
    return x, ok


def find_aliases(emb, layout, kept_origins, min_similarity: float | None = None,
                 progress=None, should_stop=None) -> Aliases:
    """Map every source word that is not among the layout's words to its nearest output row
    whose origin is one of `kept_origins` (rows copied from the source). With
    `min_similarity`, weaker mappings are left out."""
    t0 = time.perf_counter()
    job = Job(progress, should_stop)
    kept_out = np.flatnonzero(np.isin(layout.origin, kept_origins))
    exported = set(layout.words)
    left = [(r, w) for w, r in emb.word_to_row.items() if w not in exported]
    left.sort()
    left_rows = np.fromiter((r for r, _ in left), np.int64, len(left))
    left_words = [w for _, w in left]
    n = len(left_rows)
    best_row = np.full(n, -1, np.int64)
    best_sim = np.full(n, -np.inf, np.float32)
    if n and len(kept_out):
        kept_src = layout.source_rows[kept_out]
        order = np.argsort(kept_src, kind="stable")   # a memory-map reads fastest in order
        unit, _ = _unit(emb.vectors, kept_src[order])
        kept = np.empty_like(unit)
        kept[order] = unit
        kept_t = np.ascontiguousarray(kept.T)
        blocks = math.ceil(n / BLOCK_ROWS)
        workers = max(1, min(CORES, blocks))
        done = [0]
        lock = threading.Lock()

        def work(w: int) -> None:
            # One scores buffer per worker: a fresh 100 MB array per block costs page faults.
            buffer = np.empty((BLOCK_ROWS, len(kept_out)), np.float32)
            for b in range(w, blocks, workers):
                job.check()
                s = b * BLOCK_ROWS
                q, ok = _unit(emb.vectors, left_rows[s: s + BLOCK_ROWS])
                scores = np.matmul(q, kept_t, out=buffer[: len(q)])
                best = np.argmax(scores, axis=1)
                sim = scores[np.arange(len(best)), best]
                best_row[s: s + len(best)] = np.where(ok, kept_out[best], -1)
                best_sim[s: s + len(best)] = np.where(ok, sim, -np.inf)
                with lock:
                    done[0] += len(best)

        run_on_cores(work, workers, job, lambda: (done[0], n), "finding the nearest kept rows")
    has = best_row >= 0
    no_direction = int((~has).sum()) if len(kept_out) else 0
    keep = has & (best_sim >= min_similarity) if min_similarity is not None else has
    dropped = int((has & ~keep).sum())
    idx = np.flatnonzero(keep)
    return Aliases([left_words[i] for i in idx], best_row[idx], best_sim[idx], min_similarity,
                   dropped, no_direction, time.perf_counter() - t0)
