"""`diff_exports`: what changed between two export folders — words added, removed and moved
to another row, rows whose values changed, words whose attributes changed, and the settings
that differ in their manifests."""
from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from ..core.errors import EmbeddingFormatError
from ..core.export import ATTRIBUTES_FILE
from ..core.jobs import Job
from .export_contents import VOCAB, read_manifest, read_matrix
from .words_file import read_vocab

CHUNK_ROWS = 1 << 16
# Manifest entries that differ between any two exports and say nothing about their content.
NOT_SETTINGS = ("created", "files", "verified", "output_dir", "embedscope_version")


@dataclass
class ExportDiff:
    """Words are compared by name; `moved` holds (word, row in A, row in B); `changed` counts
    words in both whose values differ, `largest_change` the largest absolute difference of a
    value and `largest_change_word` where; `attributes_changed` lists the words in both whose
    line of attributes.tsv differs (both exports having one with the same columns);
    `settings` maps a manifest entry ("selection.pad", "counts.rows") to its (A, B) values."""

    a: str
    b: str
    rows: tuple[int, int]
    dims: tuple[int, int]
    added: list[str] = field(default_factory=list)
    removed: list[str] = field(default_factory=list)
    moved: list[tuple[str, int, int]] = field(default_factory=list)
    changed: int = 0
    largest_change: float = 0.0
    largest_change_word: str | None = None
    compared: int = 0
    attributes_changed: list[str] = field(default_factory=list)
    settings: dict[str, tuple] = field(default_factory=dict)

    @property
    def identical(self) -> bool:
        return not (self.added or self.removed or self.moved or self.changed or self.settings
                    or self.attributes_changed or self.dims[0] != self.dims[1])

    def to_dict(self) -> dict:
        return {"a": self.a, "b": self.b, "identical": self.identical,
                "rows": list(self.rows), "dims": list(self.dims),
                "added": list(self.added), "removed": list(self.removed),
                "moved": [{"word": w, "row_a": i, "row_b": j} for w, i, j in self.moved],
                "changed": {"rows": self.changed, "compared": self.compared,
                            "largest": self.largest_change, "word": self.largest_change_word},
                "attributes_changed": list(self.attributes_changed),
                "settings": {k: {"a": a, "b": b} for k, (a, b) in self.settings.items()}}


def _flatten(d, prefix: str = "", out: dict | None = None) -> dict:
    out = {} if out is None else out
    for k, v in d.items():
        key = f"{prefix}{k}"
        if isinstance(v, dict):
            _flatten(v, key + ".", out)
        else:
            out[key] = v
    return out


def settings_that_differ(manifest_a: dict, manifest_b: dict) -> dict[str, tuple]:
    """Manifest entries (flattened as "selection.pad") whose values differ, with both values."""
    a = _flatten({k: v for k, v in manifest_a.items() if k not in NOT_SETTINGS})
    b = _flatten({k: v for k, v in manifest_b.items() if k not in NOT_SETTINGS})
    return {k: (a.get(k), b.get(k)) for k in sorted(set(a) | set(b)) if a.get(k) != b.get(k)}


def _read(folder: Path, job: Job):
    manifest = read_manifest(folder)
    words = read_vocab(folder / VOCAB)
    emb = read_matrix(folder, manifest, job.progress, job.should_stop)
    if emb.source.words_in_file is not None or emb.rows != len(words):
        raise EmbeddingFormatError(folder / VOCAB, None,
                                   f"{len(words):,} words for a matrix of another number of rows",
                                   "one word per row (run 'embedscope verify' on the folder)")
    return manifest, words, emb


def _attribute_lines(folder: Path, manifest: dict) -> tuple[str, dict[str, str]] | None:
    """(header, word → the rest of its line) of an export's attributes.tsv; None without one."""
    path = folder / ATTRIBUTES_FILE
    if not isinstance(manifest.get("attributes"), dict) or not path.is_file():
        return None
    lines = path.read_text(encoding="utf-8", errors="replace").split("\n")
    values: dict[str, str] = {}
    for line in lines[1:]:
        word, _, rest = line.partition("\t")
        values.setdefault(word, rest)
    return lines[0], values


def diff_exports(a, b, progress=None, should_stop=None) -> ExportDiff:
    """Compare export folders `a` and `b`. Raises EmbeddingFormatError when either cannot be
    read, Cancelled when `should_stop()` turns true."""
    job = Job(progress, should_stop)
    a, b = Path(a), Path(b)
    man_a, words_a, emb_a = _read(a, job.sub(0.0, 0.2))
    man_b, words_b, emb_b = _read(b, job.sub(0.2, 0.4))
    row_a = {w: i for i, w in enumerate(words_a)}
    row_b = {w: i for i, w in enumerate(words_b)}
    d = ExportDiff(str(a), str(b), (len(words_a), len(words_b)), (emb_a.dim, emb_b.dim))
    d.added = [w for w in words_b if w not in row_a]
    d.removed = [w for w in words_a if w not in row_b]
    both = [(w, row_a[w], row_b[w]) for w in words_a if w in row_b]
    d.moved = [(w, i, j) for w, i, j in both if i != j]
    d.settings = settings_that_differ(man_a, man_b)
    attributes_a, attributes_b = _attribute_lines(a, man_a), _attribute_lines(b, man_b)
    if attributes_a and attributes_b and attributes_a[0] == attributes_b[0]:
        va, vb = attributes_a[1], attributes_b[1]
        d.attributes_changed = [w for w, _, _ in both if va.get(w) != vb.get(w)]
    if emb_a.dim == emb_b.dim and both:
        ia = np.fromiter((i for _, i, _ in both), np.int64, len(both))
        ib = np.fromiter((j for _, _, j in both), np.int64, len(both))
        d.compared = len(both)
        cjob = job.sub(0.4, 1.0)
        for s in range(0, len(both), CHUNK_ROWS):
            cjob.step(s, len(both), "comparing rows")
            va = np.asarray(emb_a.vectors[ia[s: s + CHUNK_ROWS]], dtype=np.float32)
            vb = np.asarray(emb_b.vectors[ib[s: s + CHUNK_ROWS]], dtype=np.float32)
            # NaN on both sides is the same value; on one side only, an infinite change.
            diff = np.abs(va - vb)
            diff[np.isnan(va) & np.isnan(vb)] = 0.0
            diff[np.isnan(diff)] = np.inf
            gap = diff.max(axis=1) if emb_a.dim else np.zeros(len(va))
            d.changed += int((gap > 0).sum())
            if len(gap) and gap.max() > d.largest_change:
                k = int(gap.argmax())
                d.largest_change = float(gap[k])
                d.largest_change_word = both[s + k][0]
    job.report(1000, 1000, "done")
    return d
