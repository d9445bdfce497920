"""Export a pruned, reindexed matrix ready to initialise an embedding layer.

`ExportPlan` holds every option; `preview(emb, plan)` says what would be written (cheap enough
to call on each option change); `write_export(emb, plan, out_dir)` writes it safely: into a
temporary folder beside the target, read back and compared, then renamed into place, with a
`manifest.json` and a `USAGE.md` holding PyTorch and Keras code for exactly these files.

Row layout: special tokens first (`<pad>` at row 0, all zeros; then `<unk>`; then any other
named tokens), then the chosen words in the order asked. With a vocabulary file's indices
kept, each word sits at its index instead and special tokens the file lacks go last.
"""
from __future__ import annotations

import hashlib
import json
import os
import shutil
import time
import uuid
import weakref
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from .errors import EmbedscopeError, ExportRefusedError
from .jobs import Job
from .vocabulary import Corpus, SelectionError, WordsFile, select_words

FORMATS = ("npy", "npz", "safetensors", "word2vec", "word2vec-bin", "glove", "tsv")
# The matrix file(s) each format writes; vocab.txt, word_index.json, USAGE.md and
# manifest.json are written for every format.
MATRIX_FILES = {
    "npy": ["embeddings.npy"],
    "npz": ["embeddings.npz"],
    "safetensors": ["embeddings.safetensors"],
    "word2vec": ["embeddings.vec"],
    "word2vec-bin": ["embeddings.bin"],
    "glove": ["embeddings.txt"],
    "tsv": ["vectors.tsv", "metadata.tsv"],
}
# Formats whose file holds words separated by white space: a word with a space would break it.
TEXT_WORD_FORMATS = ("word2vec", "word2vec-bin", "glove", "tsv")
# Formats that can only hold float32 values: float16 rounding is kept, the storage is float32.
FLOAT32_ONLY = ("npz", "word2vec", "word2vec-bin", "glove", "tsv")
INITS = ("zeros", "mean", "random")
OOV_POLICIES = ("random", "zeros", "drop")
DTYPES = ("float32", "float16")
# Names tokenizer vocabularies use for padding and unknown words, tried when the default
# "<pad>"/"<unk>" is not in a vocabulary whose indices are kept.
PAD_ALIASES = ("<pad>", "[PAD]", "<PAD>", "[pad]", "PAD", "<blank>")
UNK_ALIASES = ("<unk>", "[UNK]", "<UNK>", "[unk]", "UNK", "<oov>", "<OOV>")

SPECIAL_INIT_HELP = {
    "zeros": "all zeros",
    "mean": "the mean vector of the source matrix",
    "random": "random normal with the source matrix's per-dimension mean and std (seeded)",
}


class ExportVerificationError(EmbedscopeError):
    """A written file did not read back as what was meant to be written."""


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
    oov           chosen words the embedding lacks: "random", "zeros" or "drop"
    format        one of FORMATS
    dtype         "float32" or "float16"
    normalize     scale every row to unit L2 length (zero rows stay zero)
    seed          seed of every random row
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

    def validate(self) -> None:
        """Raise SelectionError for an option value that does not exist."""
        for name, value, allowed in (("format", self.format, FORMATS), ("dtype", self.dtype, DTYPES),
                                     ("oov", self.oov, OOV_POLICIES),
                                     ("unk_init", self.unk_init, INITS),
                                     ("special_init", self.special_init, INITS)):
            if value not in allowed:
                raise SelectionError(f"unknown {name} '{value}' (expected one of {', '.join(allowed)})")
        tokens = [t for t in (self.pad, self.unk) if t is not None] + list(self.specials)
        for t in tokens:
            if not t or t != t.strip() or len(t.split()) != 1:
                raise SelectionError(f"special token {t!r} must be one word without spaces")

    def to_dict(self) -> dict:
        return {
            "sources": [s.describe() for s in self.sources],
            "order": self.order, "case_fallback": self.case_fallback, "pad": self.pad,
            "unk": self.unk, "unk_init": self.unk_init, "specials": list(self.specials),
            "special_init": self.special_init, "oov": self.oov, "format": self.format,
            "dtype": self.dtype, "normalize": self.normalize, "seed": self.seed,
        }

    @property
    def files(self) -> list[str]:
        return MATRIX_FILES[self.format] + ["vocab.txt", "word_index.json", "USAGE.md",
                                            "manifest.json"]


# Where each output row's values come from.
FROM_SOURCE, FROM_FALLBACK, OOV_ROW, PAD_ROW, UNK_ROW, SPECIAL_ROW = range(6)
ORIGIN_NAMES = {FROM_SOURCE: "source row", FROM_FALLBACK: "source row (case fallback)",
                OOV_ROW: "not in the embedding", PAD_ROW: "padding", UNK_ROW: "unknown words",
                SPECIAL_ROW: "special token"}


@dataclass
class Layout:
    """Which word goes in which output row, and where its values come from."""

    words: list[str]
    source_rows: np.ndarray       # int64: the embedding row copied into each output row, or -1
    origin: np.ndarray            # int8: FROM_SOURCE, OOV_ROW, PAD_ROW... per output row
    specials: list[dict]          # {"token", "row", "init"} in row order
    pad_row: int | None
    unk_row: int | None
    dropped: list[str]
    selection: object
    warnings: list[str]

    @property
    def rows(self) -> int:
        return len(self.words)

    def init_of(self, plan: ExportPlan, row: int) -> str:
        o = int(self.origin[row])
        if o in (FROM_SOURCE, FROM_FALLBACK):
            return "source"
        if o == PAD_ROW:
            return "zeros"
        if o == UNK_ROW:
            return plan.unk_init
        if o == SPECIAL_ROW:
            return plan.special_init
        return plan.oov


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
        specials_asked.append((pad, PAD_ROW, "zeros"))
    if unk is not None:
        specials_asked.append((unk, UNK_ROW, plan.unk_init))
    for t in plan.specials:
        specials_asked.append((t, SPECIAL_ROW, plan.special_init))
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
    origin_in = np.where(rows_in >= 0, FROM_SOURCE, OOV_ROW).astype(np.int8)
    if sel.case_fallback:
        fb = sel.case_fallback
        for i, w in enumerate(words_in):
            if w in fb:
                origin_in[i] = FROM_FALLBACK
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


def matrix_stats(emb) -> tuple[np.ndarray, np.ndarray]:
    """Per-dimension mean and standard deviation of the whole source matrix (float64, cached)."""
    hit = _STATS.get(emb)
    if hit is not None:
        return hit
    total = np.zeros(emb.dim, np.float64)
    total_sq = np.zeros(emb.dim, np.float64)
    step = 1 << 16
    for s in range(0, emb.rows, step):
        block = np.asarray(emb.vectors[s: s + step])
        total += block.sum(axis=0, dtype=np.float64)
        total_sq += np.einsum("ij,ij->j", block, block, dtype=np.float64)
    n = max(emb.rows, 1)
    mean = total / n
    std = np.sqrt(np.maximum(total_sq / n - mean * mean, 0.0))
    _STATS[emb] = (mean, std)
    return mean, std


def _rows_by_init(plan: ExportPlan, origin: np.ndarray) -> dict[str, np.ndarray]:
    """Output rows to fill with zeros / the mean / random values (sorted ascending)."""
    by_origin = {OOV_ROW: plan.oov, PAD_ROW: "zeros", UNK_ROW: plan.unk_init,
                 SPECIAL_ROW: plan.special_init}
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
        out16 = out.astype(np.float16)
        if not np.isfinite(out16).all() and np.isfinite(out).all():
            raise ExportRefusedError("some values are too large for float16 (beyond ±65504); "
                                     "export as float32")
        return out16
    return out


# --- manifest ---------------------------------------------------------------------------------------
def _sha256(path, job: Job | None = None) -> str:
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
            d["sha256"] = _sha256(src.path, job)
        if src.vocab_path and os.path.isfile(src.vocab_path):
            d["vocab_sha256"] = _sha256(src.vocab_path, job)
    return d


def _mapping_rule(plan: ExportPlan) -> dict:
    """How a sentence should be split to match the exported words (the corpus's rule, if any)."""
    corpus = next((s for s in plan.sources if isinstance(s, Corpus)), None)
    if corpus is None:
        return {"tokenizer": "whitespace", "lowercase": False}
    return {"tokenizer": corpus.tokenizer, "lowercase": corpus.lowercase}


def manifest_for(emb, plan: ExportPlan, layout: Layout, hash_source: bool = False,
                 job: Job | None = None) -> dict:
    """The manifest (without the output files' hashes, which only exist after writing)."""
    from .. import __version__

    sel = layout.selection
    origin = layout.origin
    n_words = int(np.isin(origin, [FROM_SOURCE, FROM_FALLBACK, OOV_ROW]).sum())
    special_tokens = {sp["token"] for sp in layout.specials}
    # Words that became special tokens have their own rows: not "missing".
    missing = [w for w, r in zip(sel.words, sel.rows) if r < 0 and w not in special_tokens]
    mean_std = SPECIAL_INIT_HELP["random"]
    return {
        "embedscope_version": __version__,
        "created": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
        "source": _source_dict(emb, hash_source, job),
        "selection": plan.to_dict(),
        "counts": {
            "rows": layout.rows,
            "dim": emb.dim,
            "words": n_words,
            "from_embedding": int((origin == FROM_SOURCE).sum() + (origin == FROM_FALLBACK).sum()),
            "by_case_fallback": int((origin == FROM_FALLBACK).sum()),
            "missing": len(missing),
            "missing_initialised": int((origin == OOV_ROW).sum()),
            "dropped": len(layout.dropped),
            "special_tokens": len(layout.specials),
        },
        "missing_words": missing[:100],
        "dropped_words": layout.dropped[:100],
        "case_fallback": [[a, b] for a, b in list(sel.case_fallback.items())[:100]],
        "coverage": [c.to_dict() for c in sel.coverage],
        "special_tokens": layout.specials,
        "pad_index": layout.pad_row,
        "unk_index": layout.unk_row,
        "initialisation": {
            "missing_words": plan.oov, "unk": plan.unk_init, "specials": plan.special_init,
            "seed": plan.seed, "random": mean_std, "mean": SPECIAL_INIT_HELP["mean"],
            "padding": "zeros (exactly)",
        },
        "dtype": plan.dtype,
        "stored_as": "float32" if (plan.dtype == "float16" and plan.format in FLOAT32_ONLY)
        else plan.dtype,
        "normalized": plan.normalize,
        "format": plan.format,
        "sentence_mapping": _mapping_rule(plan),
        "warnings": list(layout.warnings),
        "files": [{"name": f} for f in plan.files if f != "manifest.json"],
    }


def _check_words(words, plan: ExportPlan) -> None:
    for w in words:
        if w == "" or "\n" in w or "\r" in w:
            raise ExportRefusedError(f"the word {w!r} cannot be written one per line in vocab.txt")
    if plan.format in TEXT_WORD_FORMATS:
        for w in words:
            if len(w.split()) != 1 or w != w.strip() or "\t" in w:
                raise ExportRefusedError(
                    f"the word {w!r} contains white space, which the {plan.format} format uses "
                    "to separate fields: choose npy, npz or safetensors")


def preview(emb, plan: ExportPlan, progress=None, should_stop=None, head_rows: int = 20) -> ExportPreview:
    """What `write_export` would write: rows, coverage, the first rows, the manifest-to-be."""
    t0 = time.perf_counter()
    layout = plan_layout(emb, plan, progress, should_stop)
    manifest = manifest_for(emb, plan, layout)
    warnings = list(layout.warnings)
    try:
        _check_words(layout.words, plan)
    except ExportRefusedError as exc:
        warnings.append(str(exc))
    if layout.rows == layout.specials.__len__():
        warnings.append("no words selected")
    head = []
    for r in range(min(head_rows, layout.rows)):
        sr = int(layout.source_rows[r])
        head.append({"row": r, "word": layout.words[r],
                     "origin": ORIGIN_NAMES[int(layout.origin[r])],
                     "init": layout.init_of(plan, r),
                     "from": emb.words[sr] if sr >= 0 else None})
    return ExportPreview(layout.rows, emb.dim, layout.words, head, layout.selection.coverage,
                         manifest, warnings, time.perf_counter() - t0)


# --- writing ---------------------------------------------------------------------------------------
def _inputs(emb, plan: ExportPlan) -> list[Path]:
    """Every file the export reads: none of them may be replaced by it."""
    paths = [emb.source.path, emb.source.vocab_path]
    for s in plan.sources:
        if isinstance(s, (WordsFile, Corpus)):
            paths.append(s.path)
    return [Path(p).resolve() for p in paths if p]


def _inside(path: Path, folder: Path) -> bool:
    try:
        path.relative_to(folder)
        return True
    except ValueError:
        return False


def check_target(emb, plan: ExportPlan, out_dir, force: bool = False) -> Path:
    """The resolved output folder, or ExportRefusedError saying why it may not be written."""
    out = Path(out_dir).expanduser().resolve()
    for p in _inputs(emb, plan):
        if p == out:
            raise ExportRefusedError(f"{out} is an input file of this export; "
                                     "choose a new folder for the output")
        if _inside(p, out) and out.exists():
            raise ExportRefusedError(f"{out} holds {p.name}, an input of this export; writing "
                                     "there would replace it: choose another folder")
    if out.exists() and not out.is_dir():
        raise ExportRefusedError(f"{out} is a file, not a folder; the export writes a folder")
    if out.is_dir() and any(out.iterdir()):
        if not force:
            raise ExportRefusedError(f"{out} is not empty; choose an empty or new folder, or "
                                     "replace its contents with --force")
        home = Path.home().resolve()
        cwd = Path.cwd().resolve()
        if out == Path(out.anchor) or out == home or _inside(cwd, out):
            raise ExportRefusedError(f"refusing to replace {out} (a root, home or working "
                                     "folder) even with --force")
    return out


def write_export(emb, plan: ExportPlan, out_dir, force: bool = False, progress=None,
                 should_stop=None, hash_source: bool = True) -> dict:
    """Write the export into `out_dir` and return its manifest.

    Nothing partial is ever left: files go into a temporary folder next to `out_dir`, are read
    back and compared with what was meant, and only then renamed into place (with `force`, the
    old folder is set aside and removed only after the new one is in place). Raises
    ExportRefusedError (nothing selected, a non-empty folder without force, an input file in the
    way), ExportVerificationError, Cancelled.
    """
    job = Job(progress, should_stop)
    plan.validate()
    out = check_target(emb, plan, out_dir, force)
    layout = plan_layout(emb, plan, job.sub(0.0, 0.2).progress, job.should_stop)
    if layout.rows == len(layout.specials):
        raise ExportRefusedError("no words were selected: nothing to export")
    _check_words(layout.words, plan)
    job.step(200, 1000, "building the matrix")
    matrix = build_matrix(emb, plan, layout)
    manifest = manifest_for(emb, plan, layout, hash_source=hash_source, job=job.sub(0.2, 0.3))
    job.step(300, 1000, "writing")

    parent = out.parent
    made_parents = []
    p = parent
    while not p.exists():
        made_parents.append(p)
        p = p.parent
    parent.mkdir(parents=True, exist_ok=True)
    # Our own name rather than mkdtemp: mkdtemp's folder is private (0700) and would stay so
    # after the rename; mkdir gives the user's usual permissions.
    tmp = parent / f".{out.name}.writing-{uuid.uuid4().hex[:12]}"
    tmp.mkdir()
    try:
        files = _write_files(tmp, plan, layout, matrix, manifest, job.sub(0.3, 0.7))
        job.step(700, 1000, "reading back")
        _verify(tmp, plan, layout.words, matrix, job.sub(0.7, 0.95))
        manifest["files"] = [{"name": name, "role": role, "bytes": (tmp / name).stat().st_size,
                              "sha256": _sha256(tmp / name)} for name, role in files]
        manifest["verified"] = True
        with open(tmp / "manifest.json", "w", encoding="utf-8", newline="\n") as f:
            json.dump(manifest, f, ensure_ascii=False, indent=2)
            f.write("\n")
        job.check()
        _move_into_place(tmp, out)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        for d in made_parents:  # folders made for this export only: gone with it
            try:
                d.rmdir()
            except OSError:
                break
        raise
    job.report(1000, 1000, "done")
    manifest["output_dir"] = str(out)
    return manifest


def _move_into_place(tmp: Path, out: Path) -> None:
    if out.is_dir() and not any(out.iterdir()):
        out.rmdir()
        try:
            os.rename(tmp, out)
        except BaseException:
            out.mkdir(exist_ok=True)  # the user's empty folder stays as it was
            raise
        return
    if not out.exists():
        os.rename(tmp, out)
        return
    old = out.with_name(f".{out.name}.replaced-{uuid.uuid4().hex[:8]}")
    os.rename(out, old)
    try:
        os.rename(tmp, out)
    except BaseException:
        os.rename(old, out)  # the old contents come back before anything is lost
        raise
    shutil.rmtree(old, ignore_errors=True)


def _write_files(tmp: Path, plan: ExportPlan, layout: Layout, matrix: np.ndarray, manifest: dict,
                 job: Job) -> list[tuple[str, str]]:
    words = layout.words
    fmt = plan.format
    values32 = matrix if matrix.dtype == np.float32 else matrix.astype(np.float32)
    files: list[tuple[str, str]] = []
    names = MATRIX_FILES[fmt]
    if fmt == "npy":
        np.save(tmp / names[0], matrix, allow_pickle=False)
    elif fmt == "npz":
        from ..io.numpy_files import write_npz

        write_npz(tmp / names[0], values32, words)
    elif fmt == "safetensors":
        from ..io.checkpoint import write_safetensors

        write_safetensors(tmp / names[0], {"weight": np.ascontiguousarray(matrix)},
                          {"words": "vocab.txt", "rows": str(layout.rows),
                           "pad_index": str(layout.pad_row), "unk_index": str(layout.unk_row)})
    elif fmt == "word2vec":
        from ..io.word2vec_text import write_word2vec_text

        write_word2vec_text(tmp / names[0], words, values32)
    elif fmt == "word2vec-bin":
        from ..io.word2vec_binary import write_word2vec_binary

        write_word2vec_binary(tmp / names[0], words, values32)
    elif fmt == "glove":
        from ..io.word2vec_text import write_glove_text

        write_glove_text(tmp / names[0], words, values32)
    elif fmt == "tsv":
        from ..io.projector import write_projector_tsv

        write_projector_tsv(tmp / names[0], tmp / names[1], words, values32)
    files.append((names[0], "matrix"))
    if fmt == "tsv":
        files.append((names[1], "words (Projector metadata)"))
    job.step(1, 3, "writing the words")
    with open(tmp / "vocab.txt", "w", encoding="utf-8", newline="\n") as f:
        f.write("\n".join(words))
        f.write("\n")
    files.append(("vocab.txt", "words, one per row"))
    with open(tmp / "word_index.json", "w", encoding="utf-8", newline="\n") as f:
        # One entry per line, readable and diffable; json's C string encoder keeps it fast.
        from json.encoder import encode_basestring

        f.write("{\n" + ",\n".join(f"{encode_basestring(w)}: {i}" for i, w in enumerate(words))
                + "\n}\n")
    files.append(("word_index.json", "word → row"))
    job.step(2, 3, "writing USAGE.md")
    with open(tmp / "USAGE.md", "w", encoding="utf-8", newline="\n") as f:
        f.write(usage_text(plan, layout, manifest))
    files.append(("USAGE.md", "how to load these files"))
    return files


def _verify(tmp: Path, plan: ExportPlan, words: list[str], matrix: np.ndarray, job: Job) -> None:
    """Read every written file back and compare it with what was meant to be written."""
    fmt = plan.format
    name = MATRIX_FILES[fmt][0]
    path = tmp / name

    def fail(what):
        raise ExportVerificationError(f"{name} did not read back as written: {what}")

    def same_values(got, expect):
        got = np.asarray(got)
        if got.shape != expect.shape:
            fail(f"shape {got.shape}, expected {expect.shape}")
        if got.dtype != expect.dtype:
            fail(f"dtype {got.dtype}, expected {expect.dtype}")
        # Bitwise: what was written must come back bit for bit (and memcmp is fast).
        if np.ascontiguousarray(got).tobytes() != np.ascontiguousarray(expect).tobytes():
            bad = int(np.flatnonzero(~np.all((got == expect) | (np.isnan(got) & np.isnan(expect)),
                                             axis=1))[0])
            fail(f"row {bad} ('{words[bad]}') differs")

    if fmt == "npy":
        same_values(np.load(path, allow_pickle=False), matrix)
    elif fmt == "npz":
        with np.load(path, allow_pickle=False) as z:
            same_values(z["vectors"], matrix.astype(np.float32))
            if [str(w) for w in z["words"].tolist()] != words:
                fail("the words differ")
    elif fmt == "safetensors":
        from safetensors.numpy import load_file

        same_values(load_file(str(path))["weight"], matrix)
    else:
        from ..io.registry import load

        kw = {"vocab": str(tmp / MATRIX_FILES[fmt][1])} if fmt == "tsv" else {}
        back = load(path, format=fmt, use_cache=False, **kw)
        if back.words != words:
            i = next((k for k, (a, b) in enumerate(zip(back.words, words)) if a != b),
                     min(len(back.words), len(words)))
            fail(f"word {i} is {back.words[i] if i < len(back.words) else None!r}, "
                 f"expected {words[i] if i < len(words) else None!r}")
        same_values(np.asarray(back.vectors), matrix.astype(np.float32))
    job.step(1, 2, "reading back the words")
    text = (tmp / "vocab.txt").read_text(encoding="utf-8")
    if text.split("\n")[:-1] != words:
        raise ExportVerificationError("vocab.txt did not read back as written")
    with open(tmp / "word_index.json", encoding="utf-8") as f:
        index = json.load(f)
    if len(index) != len(words) or any(index.get(w) != i for i, w in enumerate(words)):
        raise ExportVerificationError("word_index.json did not read back as written")


# --- USAGE.md -----------------------------------------------------------------------------------------
def _load_code(plan: ExportPlan) -> list[str]:
    """Python lines that leave the matrix in `weights` (a float32 or float16 numpy array)."""
    f = MATRIX_FILES[plan.format][0]
    if plan.format == "npy":
        return ["import numpy as np", "", f'weights = np.load("{f}")']
    if plan.format == "npz":
        return ["import numpy as np", "", f'weights = np.load("{f}")["vectors"]']
    if plan.format == "safetensors":
        return ["from safetensors.numpy import load_file", "",
                f'weights = load_file("{f}")["weight"]']
    if plan.format in ("word2vec", "word2vec-bin", "glove"):
        extra = {"word2vec": "", "word2vec-bin": ", binary=True", "glove": ", no_header=True"}
        return ["from gensim.models import KeyedVectors", "",
                f'weights = KeyedVectors.load_word2vec_format("{f}"{extra[plan.format]}).vectors']
    return ["import numpy as np", "",
            f'weights = np.loadtxt("{f}", delimiter="\\t", dtype=np.float32, ndmin=2)']


def usage_text(plan: ExportPlan, layout: Layout, manifest: dict) -> str:
    rows, dim = layout.rows, manifest["counts"]["dim"]
    pad, unk = layout.pad_row, layout.unk_row
    words = layout.words
    rule = manifest["sentence_mapping"]
    matrix_file = MATRIX_FILES[plan.format][0]
    specials = ", ".join(f"`{s['token']}` = row {s['row']}" for s in layout.specials) or "none"
    # Example words that read as words (not punctuation), so the printed ids say something.
    exported = [w for w, o in zip(words, layout.origin) if o in (FROM_SOURCE, FROM_FALLBACK)]
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
    load = _load_code(plan)
    lines += ["import numpy as np", "import torch"] + [ln for ln in load if ln != "import numpy as np"]
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
    return "\n".join(lines)
