"""The alignment check's look at the vectors: one blocked pass over the matrix (norms,
NaN/Inf, a hash of each row's bytes), then zero rows, identical rows, norm outliers, and two
figures of the space's shape (anisotropy, hubness) from samples.

Nothing here is O(V²): identical rows are found by hashing each row's bits and comparing
only rows whose hashes collide; hubness uses a sample.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .check_report import Finding, capped, quoted
from .jobs import Job

# Robust z-score (median / MAD of log norms) past which a norm is an outlier. Real GloVe
# reaches |z| ≈ 8 on ordinary rare words; tiny vectors of junk tokens go past 20.
NORM_Z = 10.0
# The MAD floor, as a fraction of the norm: vectors normalised to length 1 have no spread at
# all, and a row of length 0.5 among them must still stand out.
NORM_REL_FLOOR = 0.01
ANISOTROPY_COSINE = 0.3   # mean cosine of random pairs past which the space is a narrow cone
# Skewness of 10-occurrence counts past which hubs dominate. Random directions give ≈ 0.3,
# real GloVe 2–3.7 depending on the sample (the statistic has a heavy tail); 5 leaves room.
HUBNESS_SKEW = 5.0
HUB_SAMPLE = 3000  # fixed: the skewness grows with the sample, so figures stay comparable
HUB_K = 10


@dataclass
class RowScan:
    norms: np.ndarray     # float32 (V,), as Embedding.norms (NaN/Inf for non-finite rows)
    finite: np.ndarray    # bool (V,)
    hashes: np.ndarray    # uint64 (V,): equal rows have equal hashes


def scan_rows(vectors: np.ndarray, job: Job) -> RowScan:
    """One pass in blocks (a memory-map is read once, never copied whole)."""
    v, d = vectors.shape
    norms = np.empty(v, np.float32)
    finite = np.empty(v, bool)
    hashes = np.empty(v, np.uint64)
    mult = np.random.default_rng(12345).integers(1, 2**63, size=d, dtype=np.uint64) | np.uint64(1)
    step = max(256, (1 << 21) // max(1, d))  # ~8 MB of float32 per block
    for s in range(0, v, step):
        e = min(v, s + step)
        block = np.asarray(vectors[s:e], dtype=np.float32)
        fin = np.isfinite(block).all(1)
        finite[s:e] = fin
        # The same sums Embedding.norms makes (the check hands them over as its cache).
        norms[s:e] = np.sqrt(np.einsum("ij,ij->i", block, block))
        # Adding +0.0 turns −0.0 into +0.0, so equal values always have equal bits. Integer
        # arithmetic (wrapping in uint64) is exact, unlike a float dot product whose rounding
        # could differ between two copies of the same row.
        bits = (block + np.float32(0)).view(np.uint32).astype(np.uint64)
        bits *= mult
        hashes[s:e] = bits.sum(1, dtype=np.uint64)
        job.step(e, v, "reading rows")
    return RowScan(norms, finite, hashes)


def vector_findings(words: list[str], vectors: np.ndarray, scan: RowScan) -> list[Finding]:
    """non-finite, zero-vector, identical-vectors and norm-outliers."""
    out = []
    bad = np.flatnonzero(~scan.finite)
    if bad.size:
        nan_rows = [int(r) for r in bad[:1000] if np.isnan(np.asarray(vectors[r])).any()]
        kinds = "NaN" if len(nan_rows) == min(bad.size, 1000) else (
            "Inf" if not nan_rows else "NaN or Inf")
        out.append(Finding(
            "non-finite", "error",
            f"{bad.size:,} row(s) contain {kinds} values; any score involving them is "
            "meaningless (often a training run that diverged, or a cut-off binary file)",
            int(bad.size), [f"{quoted(words[r])} (row {r})" for r in bad[:8]], capped(bad)))
    zero = np.flatnonzero(scan.norms == 0)
    if zero.size:
        out.append(Finding(
            "zero-vector", "warning",
            f"{zero.size:,} row(s) are all zeros: those words have no direction, so cosine "
            "neighbours and analogies cannot use them (padding rows, or never-trained words)",
            int(zero.size), [f"{quoted(words[r])} (row {r})" for r in zero[:8]], capped(zero)))
    out.extend(_identical(words, vectors, scan))
    out.extend(_norm_outliers(words, scan))
    return out


def _identical(words, vectors, scan: RowScan) -> list[Finding]:
    valid = np.flatnonzero(scan.finite & (scan.norms > 0))  # zero/NaN rows: reported above
    if valid.size < 2:
        return []
    h = scan.hashes[valid]
    order = np.argsort(h, kind="stable")
    hs = h[order]
    same = hs[1:] == hs[:-1]
    if not same.any():
        return []
    flag = np.zeros(hs.size, bool)
    flag[1:] |= same
    flag[:-1] |= same
    cand = np.sort(valid[order[flag]])
    # Exact grouping among the few colliding rows: compare the raw bytes.
    block = np.ascontiguousarray(np.asarray(vectors[cand], dtype=np.float32) + np.float32(0))
    keys = block.view(np.dtype((np.void, block.shape[1] * 4))).ravel()
    _, inverse, counts = np.unique(keys, return_inverse=True, return_counts=True)
    inverse = inverse.ravel()
    groups: dict[int, list[int]] = {}
    for r, g in zip(cand.tolist(), inverse.tolist()):
        if counts[g] > 1:
            groups.setdefault(g, []).append(r)
    # The same word twice with the same vector is a duplicate token, reported by the words.
    groups = {g: rows for g, rows in groups.items() if len({words[r] for r in rows}) > 1}
    if not groups:
        return []
    glist = sorted(groups.values(), key=lambda rows: rows[0])
    rows = sorted(r for g in glist for r in g)
    examples = [" = ".join(quoted(words[r]) for r in g[:3]) + (" …" if len(g) > 3 else "")
                + f" (rows {', '.join(str(r) for r in g[:3])})" for g in glist[:6]]
    return [Finding(
        "identical-vectors", "warning",
        f"{len(rows):,} rows share their exact vector with a different word ({len(glist):,} "
        "group(s)): they cannot be told apart (copied rows, or words that were never trained)",
        len(rows), examples, capped(rows))]


def _norm_outliers(words, scan: RowScan) -> list[Finding]:
    ok = np.flatnonzero(scan.finite & (scan.norms > 0))
    if ok.size < 20:
        return []
    ln = np.log(scan.norms[ok].astype(np.float64))
    med = float(np.median(ln))
    mad = float(np.median(np.abs(ln - med))) * 1.4826
    scale = max(mad, NORM_REL_FLOOR)
    z = (ln - med) / scale
    out_i = np.flatnonzero(np.abs(z) > NORM_Z)
    if not out_i.size:
        return []
    out_i = out_i[np.argsort(-np.abs(z[out_i]))]
    rows = ok[out_i]
    typical = float(np.exp(med))
    big = int((z[out_i] > 0).sum())
    small = int(out_i.size - big)
    side = " and ".join(p for p in (f"{big:,} far longer" if big else "",
                                     f"{small:,} far shorter" if small else "") if p)
    return [Finding(
        "norm-outliers", "warning",
        f"{rows.size:,} vector(s) have a length far from the rest ({side} than the typical "
        f"{typical:.3g}; robust z beyond {NORM_Z:g})",
        int(rows.size),
        [f"{quoted(words[r])} (length {scan.norms[r]:.3g})" for r in rows[:8]], capped(rows))]


def space_measures(vectors, scan: RowScan, seed: int = 0, job: Job | None = None) -> dict:
    """Anisotropy and hubness figures, from samples of the usable rows."""
    job = job or Job()
    rng = np.random.default_rng(seed)
    ok = np.flatnonzero(scan.finite & (scan.norms > 0))
    m: dict = {}
    if ok.size < 50:
        return m
    sample = _pick(ok, 20000, rng)
    u = np.asarray(vectors[sample], dtype=np.float32) / scan.norms[sample, None]
    n = len(u)
    s = u.sum(0, dtype=np.float64)
    # Mean cosine over all distinct pairs of the sample, exactly, without forming the pairs.
    m["mean_cosine"] = float((s @ s - n) / (n * (n - 1)))
    sub = u[: min(n, 5000)].astype(np.float64)
    sub -= sub.mean(0)
    ev = np.linalg.eigvalsh(sub.T @ sub)  # D × D: cheaper than an SVD of the sample
    m["pc1_share"] = float(ev[-1] / ev.sum()) if ev.sum() > 0 else 0.0
    job.check()
    hub = _pick(ok, HUB_SAMPLE, rng)
    if hub.size > 4 * HUB_K:
        x = (np.asarray(vectors[hub], dtype=np.float32) / scan.norms[hub, None]).astype(np.float32)
        occ = np.zeros(hub.size, np.float64)
        step = 512  # similarities in row blocks: a few MB at a time instead of n × n at once
        for b in range(0, hub.size, step):
            g = x[b:b + step] @ x.T
            g[np.arange(g.shape[0]), np.arange(b, b + g.shape[0])] = -np.inf  # not oneself
            # Each row's k-th largest similarity, then who clears it: cheaper than sorting
            # out the neighbours' indices (argpartition), the same counts barring ties.
            kth = np.partition(g, hub.size - HUB_K, axis=1)[:, hub.size - HUB_K]
            occ += (g >= kth[:, None]).sum(0)
        sd = occ.std()
        m["hubness_skew"] = float(((occ - occ.mean()) ** 3).mean() / sd ** 3) if sd > 0 else 0.0
        top = np.sort(occ)[::-1]
        m["hub_share_top1pct"] = float(top[: max(1, hub.size // 100)].sum() / occ.sum())
        m["antihub_share"] = float((occ == 0).mean())
        m["hubness_sample"] = int(hub.size)
        m["hub_rows"] = [int(hub[i]) for i in np.argsort(-occ)[:20]]
    return m


def _pick(rows: np.ndarray, n: int, rng) -> np.ndarray:
    """About n distinct rows at random, sorted (kind to a memory-map); all when fewer."""
    if rows.size <= n:
        return rows
    return rows[np.sort(rng.choice(rows.size, size=n, replace=False))]


def space_findings(words, m: dict) -> list[Finding]:
    out = []
    mc = m.get("mean_cosine")
    if mc is not None and mc > ANISOTROPY_COSINE:
        out.append(Finding(
            "anisotropy", "info",
            f"the vectors crowd into a narrow cone: two random words have mean cosine {mc:.2f} "
            f"(about 0 in an isotropic space) and the top principal direction holds "
            f"{100 * m.get('pc1_share', 0):.0f}% of the variance; cosine scores run high, and "
            "subtracting the mean vector helps", 1,
            [f"mean cosine {mc:.3f}", f"first principal component {100 * m['pc1_share']:.1f}%"],
            []))
    sk = m.get("hubness_skew")
    if sk is not None and sk > HUBNESS_SKEW:
        hubs = m.get("hub_rows", [])
        out.append(Finding(
            "hubness", "info",
            f"a few words are everyone's neighbour: 10-nearest-neighbour counts have skewness "
            f"{sk:.1f} (about 0.3 for random directions), the top 1% of words fill "
            f"{100 * m['hub_share_top1pct']:.0f}% of the neighbour lists and "
            f"{100 * m['antihub_share']:.0f}% of words are nobody's neighbour "
            f"(sample of {m['hubness_sample']:,})", len(hubs),
            [quoted(words[r]) for r in hubs[:8]], capped(hubs)))
    return out
