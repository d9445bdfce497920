"""2D maps of an embedding: PCA, UMAP, t-SNE and semantic axes, with a quality figure,
progress, cancel and an on-disk cache.

    proj = project(emb, "umap", limit=20000)          # the 20,000 most frequent words
    proj.coords, proj.rows, proj.quality               # (n, 2) float32, (n,) int64, 0..1

PCA and axes run here in numpy. UMAP and t-SNE run in a separate worker process
(`projection_worker`) because their library calls cannot be interrupted from inside: cancel
terminates that process. Results are cached (`projection_cache`) by the embedding's pairing
key (its file and how the words were paired with the rows), the rows and the parameters.
"""
from __future__ import annotations

import time
from typing import Sequence

import numpy as np

from . import projection_cache
from .embedding import Embedding
from .jobs import Job
from .projection_result import Projection, ProjectionError

METHODS = ("pca", "umap", "tsne", "axes")

# Defaults a user sees and can override through `params`. Library defaults where they are
# good; cosine because that is how word vectors are compared everywhere else in the app.
DEFAULTS: dict[str, dict] = {
    "pca": {"fit_sample": 50_000},
    "axes": {},
    "umap": {"n_neighbors": 15, "min_dist": 0.1, "metric": "cosine", "n_epochs": None},
    # ints_in_interval: map units per cell of the FFT grid that approximates the repulsive
    # forces (openTSNE's default is 1). 1.5 makes a large map much faster for a small loss
    # in neighbours kept (bench/project.py prints both figures).
    "tsne": {"perplexity": 30.0, "metric": "cosine", "n_iter": 500,
             "early_exaggeration_iter": 250, "n_jobs": None, "ints_in_interval": 1.5},
}
# Every method also takes these (they shape the quality figure, not the map).
COMMON_PARAMS = {"quality_sample": 1000, "quality_k": 10}
# Each sampled word is compared with every point, so the figure's cost grows with sample ×
# points. Beyond this many points the default sample halves: its standard error is then at
# most 2.2 percentage points (0.5 / sqrt(500), shares spread as widely as they can), against
# 1.6 with 1,000 words; on the PCA map of GloVe's 400,000 words, 0.05 either way.
LARGE_MAP = 200_000
LARGE_MAP_QUALITY_SAMPLE = 500

MIN_POINTS = 10  # below this UMAP/t-SNE have nothing to lay out (and their libraries fail)


# --- which rows ------------------------------------------------------------------------------
def rows_for(emb: Embedding, limit: int | None = None, words: Sequence[str] | None = None,
             around: str | None = None, n_around: int = 500,
             skip_unknown: bool = False) -> np.ndarray:
    """The rows a projection covers, int64 in a stable order.

    `words` (a words list or the lines of a words file) and `around` (a word and its
    `n_around` nearest neighbours by cosine) may be combined; their rows come in that order
    with repeats dropped. With neither, the first `limit` rows (frequency order in most
    files; all rows when `limit` is None). Unknown words raise UnknownWordError unless
    `skip_unknown`, which drops them (an error still when none is known).
    """
    if words is None and around is None:
        n = emb.rows if limit is None else max(0, min(int(limit), emb.rows))
        return np.arange(n, dtype=np.int64)
    picked: list[int] = []
    if words is not None:
        from .errors import UnknownWordError

        missing = []
        for w in words:
            r = emb.word_to_row.get(w)
            if r is None:
                missing.append(w)
            else:
                picked.append(r)
        if missing and (not skip_unknown or not picked and around is None):
            raise UnknownWordError(missing[:20], {w: emb.suggest(w) for w in missing[:5]})
    if around is not None:
        centre = emb.row(around)
        picked.append(centre)
        picked.extend(_nearest_rows(emb, centre, n_around))
    rows = np.asarray(picked, dtype=np.int64)
    _, first = np.unique(rows, return_index=True)
    rows = rows[np.sort(first)]
    if limit is not None:
        rows = rows[: int(limit)]
    return rows


def _nearest_rows(emb: Embedding, row: int, n: int) -> np.ndarray:
    """The n rows most cosine-similar to `row` (itself excluded), best first."""
    unit = emb.unit_vectors
    sims = unit @ unit[row]
    sims[row] = -np.inf
    n = min(n, emb.rows - 1)
    if n <= 0:
        return np.zeros(0, dtype=np.int64)
    top = np.argpartition(-sims, n - 1)[:n]
    return top[np.argsort(-sims[top], kind="stable")].astype(np.int64)


# --- semantic axes -------------------------------------------------------------------------
def parse_axes(text: str) -> list[tuple[str, str]]:
    """Axes from text: "man:woman,bad:good" → [("man", "woman"), ("bad", "good")].

    An end may average several words: "he+him:she+her"."""
    axes = []
    for part in text.split(","):
        part = part.strip()
        if not part:
            continue
        if part.count(":") != 1:
            raise ProjectionError(f"axis '{part}' should be two ends separated by one ':' "
                                  "(like man:woman, or he+him:she+her)")
        a, b = (s.strip() for s in part.split(":"))
        if not a or not b:
            raise ProjectionError(f"axis '{part}' has an empty end (expected like man:woman)")
        axes.append((a, b))
    if not 1 <= len(axes) <= 2:
        raise ProjectionError(f"{len(axes)} axes given in '{text}' (expected one or two, "
                              "like man:woman,bad:good)")
    return axes


def _pole(emb: Embedding, text: str) -> np.ndarray:
    """Mean of the unit vectors of the words in "a+b+c"."""
    from .errors import UnknownWordError

    words = [w for w in (s.strip() for s in text.split("+")) if w]
    if not words:
        raise ProjectionError(f"axis end '{text}' names no word")
    missing = [w for w in words if w not in emb.word_to_row]
    if missing:
        raise UnknownWordError(missing, {w: emb.suggest(w) for w in missing})
    vecs = np.asarray(emb.vectors[[emb.row(w) for w in words]], dtype=np.float64)
    norms = np.linalg.norm(vecs, axis=1, keepdims=True)
    norms[norms == 0] = 1.0
    return (vecs / norms).mean(axis=0)


def _unit_rows(emb: Embedding, rows: np.ndarray, job: Job | None = None) -> np.ndarray:
    """Unit-length copies of the given rows (zero rows stay zero), float32, in blocks."""
    out = np.empty((len(rows), emb.dim), dtype=np.float32)
    step = 1 << 16
    for s in range(0, len(rows), step):
        block = np.asarray(emb.vectors[rows[s:s + step]], dtype=np.float32)
        n = np.sqrt(np.einsum("ij,ij->i", block, block))
        n[n == 0] = 1.0
        out[s:s + step] = block / n[:, None]
        if job is not None:
            job.check()
    return out


def _axes_coords(emb, rows, axes, job: Job):
    """x along pole a → pole b of the first axis, y along the second (or, with one axis,
    the main direction of what is left once x is removed). 0 is midway between the poles,
    so a word sits on the side of the pole it is closer to."""
    unit = _unit_rows(emb, rows, job)
    dirs, mids = [], []
    for a, b in axes:
        pa, pb = _pole(emb, a), _pole(emb, b)
        d = pb - pa
        length = np.linalg.norm(d)
        if length < 1e-9:
            raise ProjectionError(f"the axis {a}:{b} has the same vector at both ends")
        dirs.append(d / length)
        mids.append((pa + pb) / 2)
    coords = np.empty((len(rows), 2), dtype=np.float64)
    coords[:, 0] = (unit - mids[0]) @ dirs[0]
    if len(axes) == 2:
        coords[:, 1] = (unit - mids[1]) @ dirs[1]
        ys = [dirs[1]]
    else:
        resid = unit.astype(np.float64) - np.outer(coords[:, 0], dirs[0])
        mean = resid.mean(axis=0)
        comp, _ = _top_components(resid - mean, 1, seed=0)
        coords[:, 1] = (resid - mean) @ comp[0]
        ys = [comp[0]]
    job.check()
    centred = unit - unit.mean(axis=0)
    total = float(np.einsum("ij,ij->", centred, centred, dtype=np.float64))
    ev = tuple(float(np.sum((centred @ d) ** 2) / total) if total > 0 else 0.0
               for d in (dirs[0], ys[0]))
    return coords.astype(np.float32), ev


# --- PCA -------------------------------------------------------------------------------------
def randomized_svd(a: np.ndarray, k: int, oversample: int = 10, n_iter: int = 4,
                   seed: int | None = 0):
    """Top-k right singular vectors and singular values of `a` (Halko et al.'s range
    finder with power iterations); exact SVD when `a` has few columns anyway."""
    m, d = a.shape
    if d <= k + oversample or m <= k + oversample:
        _, s, vt = np.linalg.svd(a, full_matrices=False)
        return vt[:k], s[:k]
    rng = np.random.default_rng(seed)
    q = a @ rng.standard_normal((d, k + oversample))
    for _ in range(n_iter):  # power iterations sharpen a slowly decaying spectrum
        q, _ = np.linalg.qr(q)
        z, _ = np.linalg.qr(a.T @ q)
        q = a @ z
    q, _ = np.linalg.qr(q)
    _, s, vt = np.linalg.svd(q.T @ a, full_matrices=False)
    return vt[:k], s[:k]


# Up to this many dimensions the top components come from the d × d scatter matrix: one
# pass over the rows and an exact eigendecomposition, where the randomized range finder
# makes ten passes (for 50 dimensions, a tenth of a second against seconds).
_SCATTER_MAX_DIM = 256


def _top_components(centred: np.ndarray, k: int, seed):
    """The top k principal directions (rows) of centred data and their singular values."""
    if centred.shape[1] <= _SCATTER_MAX_DIM:
        values, vectors = np.linalg.eigh(centred.T @ centred)
        top = np.argsort(values)[::-1][:k]
        comps = np.ascontiguousarray(vectors[:, top].T)
        s = np.sqrt(np.maximum(values[top], 0.0))
    else:
        comps, s = randomized_svd(centred, k, seed=seed)
    # A fixed sign (largest loading positive) so the same data always gives the same map.
    for i in range(len(comps)):
        if comps[i, np.argmax(np.abs(comps[i]))] < 0:
            comps[i] = -comps[i]
    return comps, s


def _pca_coords(emb, rows, params, seed, job: Job):
    """Fit on (a sample of) the rows in float64, then apply to every row in blocks."""
    n = len(rows)
    fit_n = int(params["fit_sample"])
    rng = np.random.default_rng(0 if seed is None else seed)
    fit_rows = rows if n <= fit_n else np.sort(rng.choice(rows, fit_n, replace=False))
    sample = np.asarray(emb.vectors[fit_rows], dtype=np.float64)
    mean = sample.mean(axis=0)
    sample -= mean
    comps, s = _top_components(sample, 2, seed)
    total = float(np.einsum("ij,ij->", sample, sample))
    ev = tuple(float(x) for x in (s ** 2 / total if total > 0 else np.zeros(2)))
    if len(ev) < 2:  # a 1-dimensional embedding: y is all zeros
        comps = np.vstack([comps, np.zeros_like(comps)])
        ev = (ev[0], 0.0)
    job.step(100, 1000, "PCA fitted")
    w = comps.T.astype(np.float32)
    mean32 = mean.astype(np.float32)
    coords = np.empty((n, 2), dtype=np.float32)
    contiguous = n == 0 or (rows[0] == 0 and rows[-1] == n - 1 and n == emb.rows)
    step = 1 << 16
    for s0 in range(0, n, step):
        if contiguous:  # all rows in order: a slice of a memory-map, no fancy-index copy
            block = np.asarray(emb.vectors[s0:s0 + step], dtype=np.float32)
        else:
            block = np.asarray(emb.vectors[rows[s0:s0 + step]], dtype=np.float32)
        coords[s0:s0 + step] = (block - mean32) @ w
        job.step(100 + int(900 * min(n, s0 + step) / n), 1000, "PCA: placing rows")
    return coords, ev


# --- the entry point --------------------------------------------------------------------------
def resolve_params(method: str, params: dict | None, n: int) -> dict:
    """Defaults filled in, unknown names refused, values bounded by the number of points."""
    if method not in METHODS:
        raise ProjectionError(f"unknown projection method '{method}' "
                              f"(expected one of {', '.join(METHODS)})")
    allowed = {**DEFAULTS[method], **COMMON_PARAMS}
    given = dict(params or {})
    unknown = sorted(set(given) - set(allowed))
    if unknown:
        raise ProjectionError(f"unknown {method} parameter(s) {', '.join(unknown)} "
                              f"(expected some of {', '.join(sorted(allowed))})")
    out = {**allowed, **{k: v for k, v in given.items() if v is not None}}
    if given.get("quality_sample") is None and n > LARGE_MAP:
        out["quality_sample"] = LARGE_MAP_QUALITY_SAMPLE
    if method == "umap":
        out["n_neighbors"] = int(out["n_neighbors"])
        if out["n_neighbors"] < 2:
            raise ProjectionError("UMAP n_neighbors must be at least 2")
        out["n_neighbors"] = min(out["n_neighbors"], n - 1)
        out["min_dist"] = float(out["min_dist"])
    if method == "tsne":
        out["perplexity"] = float(out["perplexity"])
        if out["perplexity"] <= 0:
            raise ProjectionError("t-SNE perplexity must be above 0")
        # openTSNE needs 3 × perplexity neighbours per point.
        out["perplexity"] = min(out["perplexity"], max(1.0, (n - 1) / 3.0))
        out["n_iter"] = int(out["n_iter"])
        out["early_exaggeration_iter"] = int(out["early_exaggeration_iter"])
        out["ints_in_interval"] = float(out["ints_in_interval"])
        if not out["ints_in_interval"] > 0:
            raise ProjectionError("t-SNE ints_in_interval must be above 0")
    return out


def project(
    emb: Embedding,
    method: str = "pca",
    rows=None,
    limit: int | None = 10000,
    params: dict | None = None,
    seed: int | None = 0,
    axes=None,
    use_cache: bool = True,
    progress=None,
    should_stop=None,
) -> Projection:
    """A 2D map of `rows` (or of the first `limit` rows) by `method`.

    `params`: PCA `fit_sample` (rows the PCA is fitted on when there are more); UMAP
    `n_neighbors`, `min_dist`, `metric`, `n_epochs`; t-SNE `perplexity`, `metric`, `n_iter`,
    `early_exaggeration_iter`, `n_jobs`, `ints_in_interval`; all: `quality_sample` (1,000
    words, 500 on maps of more than LARGE_MAP points), `quality_k`. `seed` makes the result
    reproducible; `seed=None` lets UMAP use every core (faster, not repeatable).
    `axes` (method "axes"): one or two (a, b) pairs or text "man:woman,bad:good".
    Raises ProjectionError for impossible settings, UnknownWordError for unknown axis words,
    Cancelled when `should_stop()` turns true (a running UMAP/t-SNE process is terminated).
    """
    job = Job(progress, should_stop)
    start = time.perf_counter()
    if rows is None:
        rows = rows_for(emb, limit=limit)
    rows = np.asarray(rows, dtype=np.int64).reshape(-1)
    if len(rows) and (rows.min() < 0 or rows.max() >= emb.rows):
        raise ProjectionError(f"row numbers must lie in 0..{emb.rows - 1}")
    n = len(rows)
    full = resolve_params(method, params, max(n, 2))
    if method == "axes":
        if axes is None:
            raise ProjectionError("the axes projection needs axes, like man:woman,bad:good")
        axes = parse_axes(axes) if isinstance(axes, str) else [tuple(a) for a in axes]
        if not 1 <= len(axes) <= 2:
            raise ProjectionError(f"{len(axes)} axes given (expected one or two)")
    else:
        axes = None
    if n < (MIN_POINTS if method in ("umap", "tsne") else 2):
        raise ProjectionError(f"{n} points to project (expected at least "
                              f"{MIN_POINTS if method in ('umap', 'tsne') else 2} for {method})")

    key = None
    if use_cache:
        key = projection_cache.key_for(emb, rows, method, full, seed, axes)
        hit = projection_cache.lookup(emb, key, rows)
        if hit is not None:
            job.report(1000, 1000, "from cache")
            return hit

    timings: dict = {}
    core_job = job.sub(0.0, 0.9)
    t0 = time.perf_counter()
    if method == "pca":
        coords, ev = _pca_coords(emb, rows, full, seed, core_job)
    elif method == "axes":
        coords, ev = _axes_coords(emb, rows, axes, core_job)
    else:
        from . import projection_worker

        data = np.ascontiguousarray(emb.vectors[rows], dtype=np.float32)
        lib = {k: v for k, v in full.items() if k not in COMMON_PARAMS}
        coords, info = projection_worker.run(method, data, lib, seed, core_job)
        timings.update(info)
        ev = None
    timings["compute"] = time.perf_counter() - t0

    t0 = time.perf_counter()
    from .projection_quality import neighbour_preservation

    quality = neighbour_preservation(emb, rows, coords, k=int(full["quality_k"]),
                                     sample=int(full["quality_sample"]), seed=seed,
                                     job=job.sub(0.9, 1.0))
    timings["quality"] = time.perf_counter() - t0
    result = Projection(coords=np.asarray(coords, dtype=np.float32), rows=rows, method=method,
                        params=full, quality=quality, explained_variance=ev,
                        seconds=time.perf_counter() - start, from_cache=False, seed=seed,
                        axes=axes, timings=timings)
    if use_cache:
        projection_cache.store(emb, key, result)
    job.report(1000, 1000, "done")
    return result


def last_projection(emb: Embedding) -> Projection | None:
    """The last projection computed for this file (from the cache), so reopening a file can
    show its last map at once; None when there is none or the file changed."""
    return projection_cache.last(emb)


def _tsv_cells(texts: Sequence[str]) -> list[str]:
    """Cells with a tab or line break written as \\t and \\n, so the columns hold."""
    joined = "".join(texts)
    if "\t" not in joined and "\n" not in joined and "\r" not in joined:
        return list(texts)
    return [t.replace("\\", "\\\\").replace("\t", "\\t").replace("\n", "\\n")
            .replace("\r", "\\r") if ("\t" in t or "\n" in t or "\r" in t) else t
            for t in texts]


def coords_lines(words: Sequence[str], coords: np.ndarray, columns=None) -> list[str]:
    """The lines of a coordinates TSV: a header row, then word<TAB>x<TAB>y, then one cell per
    extra column ({name: text per word}, e.g. joined attributes). A tab or line break inside a
    cell would break the columns, so those are written as \\t and \\n."""
    coords = np.asarray(coords)
    if len(words) != len(coords):
        raise ValueError(f"{len(words)} words for {len(coords)} points")
    words = _tsv_cells(words)
    xs, ys = coords[:, 0].tolist(), coords[:, 1].tolist()
    if not columns:
        return ["word\tx\ty\n"] + [f"{w}\t{x:.6g}\t{y:.6g}\n" for w, x, y in zip(words, xs, ys)]
    names = list(columns)
    extra = [_tsv_cells(columns[n]) for n in names]
    tails = ["".join("\t" + c[i] for c in extra) for i in range(len(words))]
    header = "\t".join(["word", "x", "y"] + _tsv_cells(names)) + "\n"
    return [header] + [f"{w}\t{x:.6g}\t{y:.6g}{t}\n" for w, x, y, t in zip(words, xs, ys, tails)]


def write_coords_tsv(path, words: Sequence[str], coords: np.ndarray, columns=None) -> None:
    """word<TAB>x<TAB>y lines (and any extra `columns`) under a header row, UTF-8; written
    whole or not at all."""
    import os
    import tempfile
    from pathlib import Path

    path = Path(path)
    lines = coords_lines(words, coords, columns)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "w", encoding="utf-8", newline="\n") as f:
            f.writelines(lines)
        os.replace(tmp, path)
    except BaseException:
        if os.path.exists(tmp):
            os.unlink(tmp)
        raise
