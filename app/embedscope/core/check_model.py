"""The audit of a model's input-embedding table, as findings of `check`: rows past the
tokenizer's vocabulary, where the special tokens sit, groups of rows that look never trained,
an output layer tied to the table, and a padding row that is not zero.

Codes: untrained-rows, padding-not-zero (warnings); rows-past-tokenizer, special-tokens,
tied-output (info). Only `untrained-rows` looks at any table; the others need what a model
folder's reader recorded (`source.model`), so a plain word table gets none of them.
"""
from __future__ import annotations

import numpy as np

from .check_report import Finding, capped, quoted
from .embedding import Embedding, ModelFolder

# Robust z-score of a row's log norm past which it stands apart from the table's bulk. Real
# word tables hold tight groups of genuine words a little apart (GloVe's surnames and
# interjections: cosine 0.87 to their mean at z ≈ ±3.5); never-trained rows lie further out
# and, when pushed by a tied output layer, closer together.
APART_Z = 4.0
# Rows that never moved from a random initialisation keep norms as alike as chance allows
# (a spread of about 1/sqrt(2·dim) in log norm); trained words never bunch like that this far
# out. Real GloVe has 5 rows past z = 6 on the 20,000-word sample, none in such a bunch.
NEVER_MOVED_Z = 6.0
NORM_BUNCH = 1.5          # × 1/sqrt(2·dim): the log-norm spread such a bunch may have
# Rows that share one direction (cosine to their mean past this): rows the input never trained
# but a tied output layer pushed all the same way, as BERT's [unused*] rows are.
SAME_DIRECTION = 0.9
MIN_GROUP = 8             # fewer rows than this are outliers (norm-outliers says so), not a group
NORM_REL_FLOOR = 0.01


def model_findings(emb: Embedding) -> list[Finding]:
    """Every model-table finding for `emb` (the padded rows are left out of the others)."""
    model = emb.source.model
    in_vocab = emb.rows if model is None else min(emb.rows, model.vocab_size)
    out = untrained_findings(emb.words, emb.vectors, emb.norms, in_vocab)
    if model is None:
        return out
    past = _rows_past_tokenizer(emb, model)
    if past is not None:
        out.append(past)
    for f in (_special_tokens(emb, model), _tied_output(model), _padding_row(emb, model)):
        if f is not None:
            out.append(f)
    return out


# --- never-trained rows ------------------------------------------------------------------------

def untrained_groups(vectors: np.ndarray, norms: np.ndarray, rows: int | None = None
                     ) -> list[np.ndarray]:
    """Groups of rows (among the first `rows`) that look never trained: far from the bulk's
    norm and either bunched at one norm (a random initialisation) or all pointing one way."""
    n = vectors.shape[0] if rows is None else rows
    norms = np.asarray(norms[:n], dtype=np.float64)
    ok = np.flatnonzero(np.isfinite(norms) & (norms > 0))
    if ok.size < 5 * MIN_GROUP:
        return []
    ln = np.log(norms[ok])
    med = float(np.median(ln))
    scale = max(float(np.median(np.abs(ln - med))) * 1.4826, NORM_REL_FLOOR)
    z = (ln - med) / scale
    chance = 1.0 / np.sqrt(2.0 * vectors.shape[1])
    groups = []
    for side in (z < -APART_Z, z > APART_Z):
        cand, cz, cl = ok[side], z[side], ln[side]
        if cand.size < MIN_GROUP:
            continue
        aligned = _one_direction(vectors, norms, cand)
        if aligned.sum() >= MIN_GROUP:
            groups.append(np.sort(cand[aligned]))
            cand, cz, cl = cand[~aligned], cz[~aligned], cl[~aligned]
        far = np.abs(cz) > NEVER_MOVED_Z
        cand, cl = cand[far], cl[far]
        order = np.argsort(cl)
        cand, cl = cand[order], cl[order]
        # Runs of nearly equal log norm: a gap wider than chance's spread ends a run.
        breaks = np.flatnonzero(np.diff(cl) > chance) + 1
        for run, run_ln in zip(np.split(cand, breaks), np.split(cl, breaks)):
            if run.size >= MIN_GROUP and float(np.std(run_ln)) <= NORM_BUNCH * chance:
                groups.append(np.sort(run))
    return sorted(groups, key=lambda g: int(g[0]))


def _one_direction(vectors, norms, cand: np.ndarray) -> np.ndarray:
    """Which of `cand` point along their common direction (the mean of those that roughly do)."""
    unit = np.asarray(vectors[cand], dtype=np.float64) / norms[cand, None]
    aligned = np.ones(cand.size, bool)
    for threshold in (0.5, SAME_DIRECTION):
        centre = unit[aligned].mean(0) if aligned.any() else unit.mean(0)
        length = np.linalg.norm(centre)
        if length == 0:
            return np.zeros(cand.size, bool)
        aligned = unit @ (centre / length) >= threshold
    return aligned


def untrained_findings(words, vectors, norms, rows: int | None = None) -> list[Finding]:
    groups = untrained_groups(vectors, norms, rows)
    if not groups:
        return []
    allrows = np.concatenate(groups)
    norms = np.asarray(norms, dtype=np.float64)
    bulk = float(np.median(norms[: rows or len(norms)]))
    parts = [f"{g.size:,} rows of norm ≈ {float(np.median(norms[g])):.3g} (rows {g[0]}–{g[-1]})"
             for g in groups]
    examples = [f"{quoted(words[r])} (row {r}, norm {norms[r]:.3g})"
                for g in groups for r in g[:4]][:8]
    return [Finding(
        "untrained-rows", "warning",
        f"{allrows.size:,} rows look never trained: {'; '.join(parts)}, bunched together far "
        f"from the typical norm {bulk:.3g} (reserved tokens such as BERT's [unused*], or "
        "tokens the training text never held); their vectors carry no meaning",
        int(allrows.size), examples, capped(np.sort(allrows)))]


# --- what the model folder recorded --------------------------------------------------------------

def _rows_past_tokenizer(emb: Embedding, model: ModelFolder) -> Finding | None:
    extra = emb.rows - model.vocab_size
    if extra <= 0:
        return None
    multiple = next((m for m in (128, 64, 8) if emb.rows % m == 0), None)
    why = (f" (the table is padded to a multiple of {multiple}, as training code does for "
           "speed)" if multiple else "")
    rows = range(model.vocab_size, emb.rows)
    return Finding(
        "rows-past-tokenizer", "info",
        f"{extra:,} rows past the tokenizer's last id {model.vocab_size - 1:,}{why}: no token "
        "ever reads them; an export for a new model can leave them out",
        extra, [f"rows {_spans(list(rows))}"], capped(rows))


def _special_tokens(emb: Embedding, model: ModelFolder) -> Finding | None:
    specials = {t: i for t, i in model.special_tokens.items() if 0 <= i < emb.rows}
    if not specials:
        return None
    ids = sorted(specials.values())
    return Finding(
        "special-tokens", "info",
        f"{len(specials):,} special tokens sit at rows {_spans(ids)}: "
        + ", ".join(f"{t} = {i}" for t, i in specials.items())
        + "; keep them at these rows when the model reads this table",
        len(specials), [f"{quoted(t)} (row {i})" for t, i in list(specials.items())[:8]],
        capped(ids))


def _spans(ids: list[int]) -> str:
    spans, start = [], ids[0]
    for a, b in zip(ids, ids[1:] + [None]):
        if b != a + 1:
            spans.append(f"{start}" if start == a else f"{start}–{a}")
            start = b
    return ", ".join(spans)


def _tied_output(model: ModelFolder) -> Finding | None:
    if model.tied_because is None:
        return None
    return Finding(
        "tied-output", "info",
        f"the output layer is tied to the input table: {model.tied_because}; a changed table "
        "changes the model's output too", 1,
        [model.tied_to] if model.tied_to else [])


def _padding_row(emb: Embedding, model: ModelFolder) -> Finding | None:
    pad = model.pad_id
    if pad is None or not 0 <= pad < emb.rows:
        return None
    norm = float(emb.norms[pad])
    if norm == 0:
        return None
    return Finding(
        "padding-not-zero", "warning",
        f"the padding row {pad} ({quoted(emb.words[pad])}) is not zero (norm {norm:.3g}): a "
        "model that adds padding vectors without masking them (or an nn.Embedding with "
        "padding_idx, which expects zeros) sees this vector", 1,
        [f"{quoted(emb.words[pad])} (row {pad}, norm {norm:.3g})"], [pad])
