"""What an export of a pruned, reindexed matrix holds, computed without touching a file.

`ExportPlan` holds every option; `plan_layout` puts the chosen words in rows, `build_matrix`
fills them, `manifest_for` and `usage_text` say what was exported and how to load it. Writing
the files (any output format, safely) is `embedscope.io.export_folder`'s job.

Row layout: special tokens first (`<pad>` at row 0, all zeros; then `<unk>`; then any other
named tokens), then the chosen words in the order asked. With a vocabulary file's indices
kept, each word sits at its index instead and special tokens the file lacks go last.
"""
from __future__ import annotations

import enum
import hashlib
import os
import time
import weakref
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from .._version import __version__
from .errors import ExportRefusedError
from .jobs import Job
from .vocabulary import (
    Corpus,
    SelectionError,
    Words,
    WordsFile,
    select_words,
    source_from_describe,
)

# Written beside the matrix file(s) for every output format, and manifest.json after them.
COMPANION_FILES = {"vocab.txt": "words, one per row", "word_index.json": "word → row",
                   "USAGE.md": "how to load these files"}
# Written when the plan names an attribute table, after the companion files.
ATTRIBUTES_FILE = "attributes.tsv"
ATTRIBUTES_ROLE = "attributes per row (word, then the table's columns)"
INITS = ("zeros", "mean", "random")
# "subwords": fastText's vector from the word's character n-grams (a native fastText source)
OOV_POLICIES = ("random", "zeros", "drop", "subwords")
DTYPES = ("float32", "float16")
# Names tokenizer vocabularies use for padding and unknown words, tried when the default
# "<pad>"/"<unk>" is not in a vocabulary whose indices are kept.
PAD_ALIASES = ("<pad>", "[PAD]", "<PAD>", "[pad]", "PAD", "<blank>")
UNK_ALIASES = ("<unk>", "[UNK]", "<UNK>", "[unk]", "UNK", "<oov>", "<OOV>")

SPECIAL_INIT_HELP = {
    "zeros": "all zeros",
    "mean": "the mean vector of the source matrix's finite rows",
    "random": "random normal with the per-dimension mean and std of the source matrix's finite "
              "rows (seeded)",
}


@dataclass
class ExportPlan:
    """Every option of an export, as the CLI and the export dialog set them.

    sources       word sources from core.vocabulary (TopWords, WordsFile, Corpus, Regex, Words,
                  Neighbours), combined left to right by each one's `combine`
    order         "asked" (sources' order) or "embedding" (embedding row order)
    case_fallback look a missing word up lowercased / in any case, and report it
    pad           token of the padding row (row 0, exactly zero), or None for no padding row
    unk           token of the unknown-word row, or None
    unk_init      how the unknown-word row starts: "mean", "random" or "zeros"
    specials      more tokens ("<s>", "</s>", "[CLS]"...), rows after pad/unk
    special_init  how those start: "random", "zeros" or "mean"
    oov           chosen words the embedding lacks: "random", "zeros", "drop", or "subwords"
                  (composed from character n-grams, as fastText does; a fastText .bin source)
    format        the output format's name (io.registry.WRITERS), checked when writing
    dtype         "float32" or "float16"
    normalize     scale every row to unit L2 length (zero rows stay zero)
    seed          seed of every random row
    alias         map every source word left out to its nearest kept row in word_index.json
    alias_min_similarity  leave out aliases whose cosine is below this (None: keep all)
    attributes    a CSV, TSV or Parquet table with a word column whose other columns are
                  written per row in attributes.tsv, or None
    """

    sources: list = field(default_factory=list)
    order: str = "asked"
    case_fallback: bool = True
    pad: str | None = None
    unk: str | None = None
    unk_init: str = "mean"
    specials: list[str] = field(default_factory=list)
    special_init: str = "random"
    oov: str = "random"
    format: str = "npy"
    dtype: str = "float32"
    normalize: bool = False
    seed: int = 0
    alias: bool = False
    alias_min_similarity: float | None = None
    attributes: str | None = None

    def validate(self) -> None:
        """Raise SelectionError for an option value that does not exist (but the format, which
        the table of output formats checks)."""
        for name, value, allowed in (("dtype", self.dtype, DTYPES),
                                     ("oov", self.oov, OOV_POLICIES),
                                     ("unk_init", self.unk_init, INITS),
                                     ("special_init", self.special_init, INITS)):
            if value not in allowed:
                raise SelectionError(f"unknown {name} '{value}' "
                                     f"(expected one of {', '.join(allowed)})")
        if isinstance(self.seed, bool) or not isinstance(self.seed, (int, np.integer)) \
                or self.seed < 0:
            raise SelectionError(f"the seed must be a whole number ≥ 0, not {self.seed!r}")
        m = self.alias_min_similarity
        if m is not None and not -1.0 <= m <= 1.0:
            raise SelectionError(f"alias minimum similarity {m} is not a cosine "
                                 "(expected a number from -1 to 1)")
        tokens = [t for t in (self.pad, self.unk) if t is not None] + list(self.specials)
        for t in tokens:
            if not t or t != t.strip() or len(t.split()) != 1:
                raise SelectionError(f"special token {t!r} must be one word without spaces")
        if self.attributes is not None and not self.attributes.strip():
            raise SelectionError("the attribute table's path is empty")

    def to_dict(self, all_words: bool = False) -> dict:
        """Every option; with `all_words`, explicit word lists whole (a recipe rebuilds the plan
        from this), otherwise cut at 1,000 words (a manifest)."""
        return {
            "sources": [s.describe(all_words=True) if all_words and isinstance(s, Words)
                        else s.describe() for s in self.sources],
            "order": self.order, "case_fallback": self.case_fallback, "pad": self.pad,
            "unk": self.unk, "unk_init": self.unk_init, "specials": list(self.specials),
            "special_init": self.special_init, "oov": self.oov, "format": self.format,
            "dtype": self.dtype, "normalize": self.normalize, "seed": self.seed,
            "alias": self.alias, "alias_min_similarity": self.alias_min_similarity,
            "attributes": self.attributes,
        }

    @classmethod
    def from_dict(cls, d: dict, read_words_file) -> ExportPlan:
        """The plan `to_dict(all_words=True)` describes, checked with `validate`.

        `read_words_file(path, keep_indices, combine)` reads a words-file source again (pass
        `embedscope.io.words_file.words_source`). Options left out take their defaults; an
        option this version does not know, or a value of the wrong type, is a SelectionError.
        """
        if not isinstance(d, dict):
            raise SelectionError(f"an export plan is a table of options, not {d!r}")
        defaults = cls()
        unknown = sorted(set(d) - set(defaults.to_dict()))
        if unknown:
            raise SelectionError(f"unknown export option{'s' if len(unknown) > 1 else ''} "
                                 + ", ".join(repr(k) for k in unknown))
        kinds = {"order": str, "case_fallback": bool, "pad": (str, type(None)),
                 "unk": (str, type(None)), "unk_init": str, "specials": list,
                 "special_init": str, "oov": str, "format": str, "dtype": str,
                 "normalize": bool, "seed": int, "alias": bool,
                 "alias_min_similarity": (int, float, type(None)),
                 "attributes": (str, type(None))}
        options = {}
        for name, kind in kinds.items():
            if name not in d:
                continue
            value = d[name]
            if not isinstance(value, kind) or (isinstance(value, bool) and kind is not bool):
                raise SelectionError(f"export option '{name}' is {value!r}, which is not a "
                                     f"valid value")
            options[name] = value
        if options.get("alias_min_similarity") is not None:
            options["alias_min_similarity"] = float(options["alias_min_similarity"])
        if not all(isinstance(t, str) for t in options.get("specials", [])):
            raise SelectionError("export option 'specials' must be a list of tokens")
        sources = d.get("sources", [])
        if not isinstance(sources, list):
            raise SelectionError("export option 'sources' must be a list of word sources")
        plan = cls(sources=[source_from_describe(s, read_words_file) for s in sources],
                   **options)
        plan.validate()
        return plan


class RowOrigin(enum.IntEnum):
    """Where an output row's values come from; `Layout.origin` holds these as int8."""

    SOURCE = 0, "source row"
    CASE_FALLBACK = 1, "source row (case fallback)"
    MISSING = 2, "not in the embedding"
    PADDING = 3, "padding"
    UNKNOWN = 4, "unknown words"
    SPECIAL = 5, "special token"
    SUBWORDS = 6, "not in the vocabulary: fastText subwords"

    def __new__(cls, value: int, label: str):
        member = int.__new__(cls, value)
        member._value_ = value
        member.label = label  # what the preview's "from" column says
        return member


FROM_EMBEDDING = (RowOrigin.SOURCE, RowOrigin.CASE_FALLBACK)
# Chosen words the embedding lacks, each initialised by the plan's oov policy.
MISSING_ROWS = (RowOrigin.MISSING, RowOrigin.SUBWORDS)


@dataclass
class Layout:
    """Which word goes in which output row, and where its values come from."""

    words: list[str]
    source_rows: np.ndarray       # int64: the embedding row copied into each output row, or -1
    origin: np.ndarray            # int8: a RowOrigin per output row
    specials: list[dict]          # {"token", "row", "init"} in row order
    pad_row: int | None
    unk_row: int | None
    dropped: list[str]
    selection: object
    warnings: list[str]
    aliases: object = None        # core.export_aliases.Aliases once found (when writing)

    @property
    def rows(self) -> int:
        return len(self.words)

    def init_of(self, plan: ExportPlan, row: int) -> str:
        o = RowOrigin(int(self.origin[row]))
        if o in FROM_EMBEDDING:
            return "source"
        if o == RowOrigin.PADDING:
            return "zeros"
        if o == RowOrigin.UNKNOWN:
            return plan.unk_init
        if o == RowOrigin.SPECIAL:
            return plan.special_init
        return plan.oov  # "subwords" for RowOrigin.SUBWORDS

    def head(self, emb, plan: ExportPlan, n: int) -> list[dict]:
        """The first n rows as the preview shows them: row, word, origin, init, from."""
        rows = []
        for r in range(min(n, self.rows)):
            sr = int(self.source_rows[r])
            rows.append({"row": r, "word": self.words[r],
                         "origin": RowOrigin(int(self.origin[r])).label,
                         "init": self.init_of(plan, r),
                         "from": emb.words[sr] if sr >= 0 else None})
        return rows


@dataclass
class ExportPreview:
    """What an export would write, without writing it."""

    rows: int
    dim: int
    words: list[str]
    head: list[dict]            # the first rows: row, word, origin, from (embedding word)
    coverage: list              # core.vocabulary.Coverage per list/corpus source
    manifest: dict              # the manifest-to-be (no file hashes yet)
    warnings: list[str]
    seconds: float


def _check_subwords(emb) -> None:
    """SelectionError unless the source can give a missing word fastText's n-gram vector."""
    sub = emb.source.subwords
    name = Path(emb.source.path).name if emb.source.path else "this embedding"
    if sub is None:
        raise SelectionError(f"oov subwords needs a native fastText model (.bin) as the source; "
                             f"{name} is {emb.source.format}, which holds no character n-grams")
    if not sub.usable:
        raise SelectionError(f"oov subwords: {name} was trained without character n-grams "
                             f"(minn {sub.minn}, maxn {sub.maxn}, {sub.buckets.shape[0]} buckets)")


def _alias(token: str | None, aliases, present: set[str]) -> str | None:
    if token is None or token in present or token != aliases[0]:
        return token
    for a in aliases:
        if a in present:
            return a
    return token


def plan_layout(emb, plan: ExportPlan, progress=None, should_stop=None) -> Layout:
    """Choose the words and place them in rows (no vectors yet)."""
    plan.validate()
    if plan.oov == "subwords":
        _check_subwords(emb)
    job = Job(progress, should_stop)
    sel = select_words(emb, plan.sources, case_fallback=plan.case_fallback, order=plan.order,
                       progress=job.progress, should_stop=job.should_stop)
    warnings = list(sel.warnings)
    keep = sel.file_indices is not None
    if keep and plan.oov == "drop":
        raise SelectionError("dropping missing words would shift the rows of a vocabulary whose "
                             "indices are kept: use oov random or zeros")
    specials_asked: list[tuple[str, int, str]] = []  # token, origin, init
    if keep:
        present = set(sel.words)
        pad = _alias(plan.pad, PAD_ALIASES, present)
        unk = _alias(plan.unk, UNK_ALIASES, present)
    else:
        pad, unk = plan.pad, plan.unk
    if pad is not None:
        specials_asked.append((pad, RowOrigin.PADDING, "zeros"))
    if unk is not None:
        specials_asked.append((unk, RowOrigin.UNKNOWN, plan.unk_init))
    for t in plan.specials:
        specials_asked.append((t, RowOrigin.SPECIAL, plan.special_init))
    seen: set[str] = set()
    uniq = []
    for t, o, init in specials_asked:
        if t in seen:
            warnings.append(f"special token '{t}' was asked for twice; it has one row")
            continue
        seen.add(t)
        uniq.append((t, o, init))
    specials_asked = uniq

    words_in = list(sel.words)
    rows_in = np.asarray(sel.rows, dtype=np.int64)
    unseen = RowOrigin.SUBWORDS if plan.oov == "subwords" else RowOrigin.MISSING
    origin_in = np.where(rows_in >= 0, RowOrigin.SOURCE, unseen).astype(np.int8)
    if sel.case_fallback:
        fb = sel.case_fallback
        for i, w in enumerate(words_in):
            if w in fb:
                origin_in[i] = RowOrigin.CASE_FALLBACK
    dropped: list[str] = []
    specials: list[dict] = []
    if keep:
        # The file's rows stay put; a special token it holds is initialised in place.
        words = words_in
        source_rows = rows_in.copy()
        origin = origin_in.copy()
        position = {w: i for i, w in enumerate(words)}
        tail = []
        for t, o, init in specials_asked:
            if t in position:
                r = position[t]
                source_rows[r] = -1
                origin[r] = o
                specials.append({"token": t, "row": r, "init": init})
            else:
                tail.append((t, o, init))
        if tail:
            warnings.append("not in the kept vocabulary, so added after its last row: "
                            + ", ".join(t for t, _, _ in tail))
        for t, o, init in tail:
            specials.append({"token": t, "row": len(words), "init": init})
            words.append(t)
            source_rows = np.append(source_rows, -1)
            origin = np.append(origin, np.int8(o))
        specials.sort(key=lambda d: d["row"])
    else:
        special_tokens = {t for t, _, _ in specials_asked}
        clash = [w for w in words_in if w in special_tokens]
        if clash:
            warnings.append("chosen words that are also special tokens keep only their special "
                            "row: " + ", ".join(clash))
        keep_mask = np.array([w not in special_tokens for w in words_in], dtype=bool) \
            if clash else np.ones(len(words_in), dtype=bool)
        if plan.oov == "drop":
            drop_mask = keep_mask & (rows_in < 0)
            dropped = [w for w, d in zip(words_in, drop_mask) if d]
            keep_mask &= rows_in >= 0
        kept_words = [w for w, k in zip(words_in, keep_mask) if k]
        n_sp = len(specials_asked)
        words = [t for t, _, _ in specials_asked] + kept_words
        source_rows = np.concatenate([np.full(n_sp, -1, np.int64), rows_in[keep_mask]])
        origin = np.concatenate([np.array([o for _, o, _ in specials_asked], np.int8),
                                 origin_in[keep_mask]])
        specials = [{"token": t, "row": i, "init": init}
                    for i, (t, _, init) in enumerate(specials_asked)]
    pad_row = next((s["row"] for s in specials if s["token"] == pad), None) if pad else None
    unk_row = next((s["row"] for s in specials if s["token"] == unk), None) if unk else None
    return Layout(words, source_rows, origin, specials, pad_row, unk_row, dropped, sel, warnings)


# --- statistics of the source matrix (for mean and random rows) -----------------------------------
_STATS: "weakref.WeakKeyDictionary" = weakref.WeakKeyDictionary()


def _stats(emb) -> tuple[np.ndarray, np.ndarray, int]:
    """(mean, std, rows left out): a row holding a NaN or an infinity is left out, or one bad
    row would make every mean and random row NaN/inf."""
    hit = _STATS.get(emb)
    if hit is not None:
        return hit
    total = np.zeros(emb.dim, np.float64)
    total_sq = np.zeros(emb.dim, np.float64)
    used = 0
    step = 1 << 16
    for s in range(0, emb.rows, step):
        block = np.asarray(emb.vectors[s: s + step])
        finite = np.isfinite(block).all(axis=1)
        if not finite.all():
            block = block[finite]
        used += len(block)
        total += block.sum(axis=0, dtype=np.float64)
        total_sq += np.einsum("ij,ij->j", block, block, dtype=np.float64)
    n = max(used, 1)
    mean = total / n
    std = np.sqrt(np.maximum(total_sq / n - mean * mean, 0.0))
    _STATS[emb] = (mean, std, emb.rows - used)
    return _STATS[emb]


def matrix_stats(emb) -> tuple[np.ndarray, np.ndarray]:
    """Per-dimension mean and standard deviation of the source matrix's finite rows (float64,
    cached); `rows_left_out_of_stats` says how many rows were not finite."""
    mean, std, _ = _stats(emb)
    return mean, std


def rows_left_out_of_stats(emb) -> int:
    """How many source rows hold a NaN or an infinity and so count in no mean or spread."""
    return _stats(emb)[2]


def _rows_by_init(plan: ExportPlan, origin: np.ndarray) -> dict[str, np.ndarray]:
    """Output rows to fill with zeros / the mean / random values (sorted ascending)."""
    by_origin = {RowOrigin.MISSING: plan.oov, RowOrigin.PADDING: "zeros",
                 RowOrigin.UNKNOWN: plan.unk_init, RowOrigin.SPECIAL: plan.special_init}
    masks = {k: np.zeros(len(origin), dtype=bool) for k in INITS}
    for code, init in by_origin.items():
        if init in masks:
            masks[init] |= origin == code
    return {k: np.flatnonzero(m) for k, m in masks.items()}


def build_matrix(emb, plan: ExportPlan, layout: Layout) -> np.ndarray:
    """The output matrix in the plan's dtype, every row from its source or its initialisation."""
    n, d = layout.rows, emb.dim
    out = np.zeros((n, d), dtype=np.float32)
    have = layout.source_rows >= 0
    if have.any():
        src = layout.source_rows[have]
        # Reading a memory-map in row order is much faster than jumping about.
        order = np.argsort(src, kind="stable")
        block = np.asarray(emb.vectors[src[order]], dtype=np.float32)
        dest = np.flatnonzero(have)[order]
        out[dest] = block
    subword_rows = np.flatnonzero(layout.origin == RowOrigin.SUBWORDS)
    if len(subword_rows):
        out[subword_rows] = emb.source.subwords.vectors([layout.words[r] for r in subword_rows])
    init_rows = _rows_by_init(plan, layout.origin)
    if len(init_rows["mean"]) or len(init_rows["random"]):
        mean, std = matrix_stats(emb)
        if len(init_rows["mean"]):
            out[init_rows["mean"]] = mean.astype(np.float32)
        if len(init_rows["random"]):
            # One generator, rows drawn in row order: the same plan gives the same matrix.
            rng = np.random.default_rng(plan.seed)
            draw = rng.standard_normal((len(init_rows["random"]), d))
            out[init_rows["random"]] = (draw * std + mean).astype(np.float32)
    if plan.normalize:
        norms = np.sqrt(np.einsum("ij,ij->i", out, out))
        norms[norms == 0] = 1.0
        out /= norms[:, None]
    if layout.pad_row is not None:
        out[layout.pad_row] = 0.0  # guaranteed: from_pretrained(padding_idx=...) does not zero it
    if plan.dtype == "float16":
        with np.errstate(over="ignore"):
            out16 = out.astype(np.float16)
        overflow = np.flatnonzero((~np.isfinite(out16) & np.isfinite(out)).any(axis=1))
        if len(overflow):
            shown = ", ".join(f"{r} ('{layout.words[r]}')" for r in overflow[:10])
            more = f" and {len(overflow) - 10:,} more" if len(overflow) > 10 else ""
            several = len(overflow) > 1
            raise ExportRefusedError(
                f"float16 cannot hold values beyond ±65504, and row{'s' if several else ''} "
                f"{shown}{more} hold{'' if several else 's'} such values: export as float32, "
                "or with rows scaled to unit length (normalize)")
        return out16
    return out


# --- manifest -------------------------------------------------------------------------------------
def file_sha256(path, job: Job | None = None) -> str:
    """sha256 of a file; with a job, cancellable every 64 MiB (a source can be gigabytes)."""
    h = hashlib.sha256()
    size = os.path.getsize(path)
    done = 0
    with open(path, "rb") as f:
        for block in iter(lambda: f.read(1 << 26), b""):
            h.update(block)
            done += len(block)
            if job is not None:
                job.step(done, size, f"sha256 of {Path(path).name}")
    return h.hexdigest()


def _source_dict(emb, hash_source: bool, job: Job | None = None) -> dict:
    src = emb.source
    d = {"path": src.path, "format": src.format, "size": src.size,
         "sha256": None, "vocab_path": src.vocab_path, "rows": emb.rows, "dim": emb.dim,
         "tensor": src.tensor}
    if hash_source:
        if src.path and os.path.isfile(src.path):
            d["sha256"] = file_sha256(src.path, job)
        if src.vocab_path and os.path.isfile(src.vocab_path):
            d["vocab_sha256"] = file_sha256(src.vocab_path, job)
    return d


def _mapping_rule(plan: ExportPlan) -> dict:
    """How a sentence should be split to match the exported words (the corpus's rule, if any)."""
    corpus = next((s for s in plan.sources if isinstance(s, Corpus)), None)
    if corpus is None:
        return {"tokenizer": "whitespace", "lowercase": False}
    return {"tokenizer": corpus.tokenizer, "lowercase": corpus.lowercase}


def manifest_for(emb, plan: ExportPlan, layout: Layout, matrix_files, holds_float16: bool,
                 hash_source: bool = False, job: Job | None = None) -> dict:
    """The manifest (without the output files' hashes, which only exist after writing).

    `matrix_files` are the output format's files, `holds_float16` whether it stores float16
    values as such (else they are stored as float32).
    """
    sel = layout.selection
    origin = layout.origin
    n_words = int(np.isin(origin, FROM_EMBEDDING + MISSING_ROWS).sum())
    special_tokens = {sp["token"] for sp in layout.specials}
    # Words that became special tokens have their own rows: not "missing".
    missing = [w for w, r in zip(sel.words, sel.rows) if r < 0 and w not in special_tokens]
    mean_std = SPECIAL_INIT_HELP["random"]
    warnings = list(layout.warnings)
    by_init = _rows_by_init(plan, origin)
    left_out = None
    if len(by_init["mean"]) or len(by_init["random"]):
        left_out = rows_left_out_of_stats(emb)
        if left_out:
            warnings.append(f"{left_out:,} source row{'s' if left_out > 1 else ''} holding NaN "
                            "or infinite values were left out of the mean and spread that the "
                            "made-up rows are drawn from")
    return {
        "embedscope_version": __version__,
        "created": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
        "source": _source_dict(emb, hash_source, job),
        "selection": plan.to_dict(),
        "counts": {
            "rows": layout.rows,
            "dim": emb.dim,
            "words": n_words,
            "from_embedding": int(np.isin(origin, FROM_EMBEDDING).sum()),
            "by_case_fallback": int((origin == RowOrigin.CASE_FALLBACK).sum()),
            "missing": len(missing),
            "missing_initialised": int(np.isin(origin, MISSING_ROWS).sum()),
            "by_subwords": int((origin == RowOrigin.SUBWORDS).sum()),
            "dropped": len(layout.dropped),
            "special_tokens": len(layout.specials),
            "aliases": len(layout.aliases) if layout.aliases is not None else 0,
        },
        "missing_words": missing[:100],
        "dropped_words": layout.dropped[:100],
        "subword_words": [w for w, o in zip(layout.words, origin)
                          if o == RowOrigin.SUBWORDS][:100],
        "case_fallback": [[a, b] for a, b in list(sel.case_fallback.items())[:100]],
        "coverage": [c.to_dict() for c in sel.coverage],
        "special_tokens": layout.specials,
        "pad_index": layout.pad_row,
        "unk_index": layout.unk_row,
        "initialisation": {
            "missing_words": plan.oov, "unk": plan.unk_init, "specials": plan.special_init,
            "seed": plan.seed, "random": mean_std, "mean": SPECIAL_INIT_HELP["mean"],
            "padding": "zeros (exactly)",
            "source_rows_left_out": left_out,
            "subwords": (dict(emb.source.subwords.describe(),
                              rule="the mean of the word's character n-gram rows, as fastText "
                              "gives a word outside its vocabulary")
                         if plan.oov == "subwords" else None),
        },
        "aliases": (layout.aliases.to_dict() if layout.aliases is not None
                    else {"count": None, "found": "when the export is written"} if plan.alias
                    else None),
        "dtype": plan.dtype,
        "stored_as": plan.dtype if holds_float16 else "float32",
        "normalized": plan.normalize,
        "format": plan.format,
        "sentence_mapping": _mapping_rule(plan),
        # The table is read when the export is written (io.export_folder fills this in).
        "attributes": ({"path": plan.attributes, "file": ATTRIBUTES_FILE,
                        "read": "when the export is written"} if plan.attributes else None),
        "warnings": warnings,
        "files": [{"name": f} for f in list(matrix_files) + list(COMPANION_FILES)
                  + ([ATTRIBUTES_FILE] if plan.attributes else [])],
    }


# --- USAGE.md -------------------------------------------------------------------------------------
def usage_text(plan: ExportPlan, layout: Layout, manifest: dict, load_code) -> str:
    """USAGE.md: map a sentence to rows, then PyTorch and Keras code for exactly these files.
    `load_code` are the output format's Python lines leaving the matrix in `weights`."""
    rows, dim = layout.rows, manifest["counts"]["dim"]
    pad, unk = layout.pad_row, layout.unk_row
    words = layout.words
    rule = manifest["sentence_mapping"]
    matrix_file = manifest["files"][0]["name"]
    specials = ", ".join(f"`{s['token']}` = row {s['row']}" for s in layout.specials) or "none"
    # Example words that read as words (not punctuation), so the printed ids say something.
    exported = [w for w, o in zip(words, layout.origin) if o in FROM_EMBEDDING]
    sample_words = [w for w in exported[:2000] if w.isalpha()][:4] or exported[:4]
    unknown = "qzxwvjk"
    while unknown in set(words):
        unknown += "q"
    sentence = " ".join(sample_words + [unknown])
    if rule["lowercase"]:
        sentence = sentence.lower()
    half = plan.dtype == "float16"

    lines = [
        "# Using this export",
        "",
        f"`{matrix_file}` holds {rows:,} rows × {dim} dimensions ({plan.dtype}"
        + (", values rounded to float16, stored as float32" if manifest["stored_as"] != plan.dtype
           else "")
        + (", rows L2-normalised" if plan.normalize else "") + "). "
        "`vocab.txt` has the word of each row, one per line, in row order; `word_index.json` "
        "maps each word to its row.",
        "",
        f"Special tokens: {specials}."
        + (f" The padding row {pad} is exactly zero." if pad is not None else "")
        + (f" Words not in `word_index.json` map to `{words[unk]}` (row {unk})." if unk is not None
           else " There is no unknown-word row: words not in `word_index.json` are skipped."),
        "",
    ]
    by_subwords = manifest["counts"].get("by_subwords")
    if by_subwords:
        lines += [f"{by_subwords:,} of the words are not in the fastText model's vocabulary: "
                  "their rows hold the vector fastText builds from their character n-grams "
                  "(manifest.json's `subword_words` lists the first 100).", ""]
    aliases = manifest.get("aliases") or {}
    if aliases.get("count"):
        lines += [f"`word_index.json` also maps {aliases['count']:,} words of the source that "
                  "this export left out, each to the row of the kept word nearest to it by "
                  f"cosine (the weakest of these has similarity {aliases['weakest_similarity']})"
                  ", as spaCy's `prune_vectors` does: those words share a row, so "
                  "`word_index.json` has more entries than `vocab.txt` has lines.", ""]
    kept = next((src for src in plan.sources if isinstance(src, WordsFile) and src.keep_indices),
                None)
    if kept is not None:
        lines += [f"Rows follow the indices of `{Path(kept.path).name}`: the ids your tokenizer "
                  "gives for that vocabulary index these rows directly. The sentence mapping "
                  "below is a plain stand-in for it.", ""]
    lines += [
        "Run the blocks below in order, in this folder.",
        "",
        "## Map a sentence to row indices",
        "",
        "```python",
        "import json",
    ] + (["import re"] if rule["tokenizer"] == "words" else []) + [
        "",
        'with open("word_index.json", encoding="utf-8") as f:',
        "    word_index = json.load(f)",
        "",
    ]
    if unk is not None:
        lines.append(f"UNK = {unk}  # row of {words[unk]!r}")
    lines.append("")
    lines.append("")
    lines.append("def to_indices(sentence):")
    if rule["lowercase"]:
        lines.append("    sentence = sentence.lower()")
    if rule["tokenizer"] == "words":
        from .corpus import TOKENIZERS

        lines.append("    # the same tokenisation as the corpus the words were counted in")
        lines.append(f"    tokens = re.findall(r\"{TOKENIZERS['words']}\", sentence)")
    else:
        lines.append("    tokens = sentence.split()")
    if unk is not None:
        lines.append("    return [word_index.get(token, UNK) for token in tokens]")
    else:
        lines.append("    return [word_index[token] for token in tokens if token in word_index]")
    lines += [
        "",
        "",
        f"ids = to_indices({sentence!r})",
        "print(ids)",
        "```",
        "",
        "## PyTorch",
        "",
        "```python",
    ]
    load = list(load_code)
    lines += (["import numpy as np", "import torch"]
              + [ln for ln in load if ln != "import numpy as np"])
    lines.append("")
    tensor = "torch.from_numpy(np.ascontiguousarray(weights))" + (".float()" if half else "")
    if pad is not None:
        lines.append(f"layer = torch.nn.Embedding.from_pretrained({tensor}, freeze=True, "
                     f"padding_idx={pad})")
    else:
        lines.append(f"layer = torch.nn.Embedding.from_pretrained({tensor}, freeze=True)")
    lines += [
        f"assert layer.weight.shape == ({rows}, {dim})",
        "vectors = layer(torch.tensor([ids]))  # shape (1, len(ids), %d)" % dim,
        "```",
        "",
        "## Keras",
        "",
        "```python",
        "import keras  # Keras 3; with TensorFlow 2.x: from tensorflow import keras",
    ] + [ln for ln in load if ln] + [
        "",
        f"num_tokens, embedding_dim = weights.shape  # {rows}, {dim}: the special rows are "
        "already included, no `+ 2` needed",
        "embedding_layer = keras.layers.Embedding(",
        "    num_tokens,",
        "    embedding_dim,",
        "    embeddings_initializer=keras.initializers.Constant(weights),",
        "    trainable=False,",
    ]
    if pad == 0:
        lines.append("    mask_zero=True,  # row 0 is the padding row")
    lines += [")", "```", ""]
    if pad is not None and pad != 0:
        lines += [f"Keras masks only index 0; here padding is row {pad}, so build your own mask.",
                  ""]
    if manifest.get("attributes"):
        lines += _attributes_usage(manifest["attributes"])
    return "\n".join(lines)


def _attributes_usage(attributes: dict) -> list[str]:
    """USAGE.md's section on attributes.tsv: what its lines hold and how to read them."""
    table = Path(attributes["path"]).name
    return [
        "## Attributes of the rows",
        "",
        f"`{ATTRIBUTES_FILE}` holds the columns of `{table}` for every row: a header line "
        "(`word`, then the table's columns), then one line per row in row order, its word first "
        "as in `vocab.txt`. An empty cell is no value. A row copied from the source has the "
        "values the table gives its word (as written, else in another case); a padding, "
        "unknown-word, special or made-up row has those of the table line naming exactly its "
        "token, if there is one.",
        "",
        "With pandas, row i of the matrix is `.iloc[i]` of "
        f'`pd.read_csv("{ATTRIBUTES_FILE}", sep="\\t", dtype=str, keep_default_na=False, '
        "quoting=3)` (no quoting, and no value read as a number or as missing).",
        "",
        "```python",
        "import csv",
        "",
        f'with open("{ATTRIBUTES_FILE}", encoding="utf-8", newline="") as f:',
        '    header, *attributes = csv.reader(f, delimiter="\\t", quoting=csv.QUOTE_NONE)',
        "# attributes[i] belongs to row i; attributes[i][0] is its word, as in vocab.txt",
        "print(header, attributes[0])",
        "```",
        "",
    ]
