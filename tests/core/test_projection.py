"""2D projections: PCA agrees with numpy's SVD, axes put known words on the right sides,
the quality figure means what it says, results repeat for a seed, the cache is hit the second
time, and cancel stops a running UMAP/t-SNE worker process."""
from __future__ import annotations

import os
import time

import numpy as np
import pytest

from embedscope.core.embedding import Embedding
from embedscope.core.errors import UnknownWordError
from embedscope.core.jobs import Cancelled
from embedscope.core.projection import (
    ProjectionError,
    last_projection,
    parse_axes,
    project,
    randomized_svd,
    rows_for,
    write_coords_tsv,
)
from embedscope.core.projection_quality import neighbour_preservation


def _emb(a, prefix="w"):
    return Embedding([f"{prefix}{i}" for i in range(len(a))], np.asarray(a, dtype=np.float32))


def _lowrank(n=400, d=24, seed=1):
    """Data with a clear spectrum (scales 10, 6, 3, 1, 0.5, ...) so the top components are
    well separated, as in real embeddings."""
    rng = np.random.default_rng(seed)
    scales = np.concatenate([[10, 6, 3], np.linspace(1.0, 0.2, d - 3)])
    q, _ = np.linalg.qr(rng.standard_normal((d, d)))
    return (rng.standard_normal((n, d)) * scales) @ q.T + 5.0


def _matches_up_to_sign(a, b, atol):
    for j in range(a.shape[1]):
        s = np.sign(np.dot(a[:, j], b[:, j])) or 1.0
        np.testing.assert_allclose(a[:, j], s * b[:, j], atol=atol)


@pytest.mark.parametrize("d", [6, 24])  # 6: exact path; 24: the randomised range finder
def test_pca_matches_numpy_svd(d):
    x = _lowrank(d=d)
    emb = _emb(x)
    proj = project(emb, "pca", limit=None, use_cache=False)
    centred = x - x.mean(axis=0)
    u, s, vt = np.linalg.svd(centred, full_matrices=False)
    _matches_up_to_sign(proj.coords.astype(np.float64), u[:, :2] * s[:2], atol=2e-3 * s[0])
    expected = s[:2] ** 2 / np.sum(s ** 2)
    np.testing.assert_allclose(proj.explained_variance, expected, rtol=1e-4)
    assert proj.rows.tolist() == list(range(len(x)))
    assert proj.coords.dtype == np.float32 and proj.rows.dtype == np.int64


def test_randomized_svd_top_vectors_match_exact():
    x = _lowrank(n=600, d=40, seed=3)
    x -= x.mean(axis=0)
    vt, s = randomized_svd(x, 2, seed=5)
    _, s_np, vt_np = np.linalg.svd(x, full_matrices=False)
    np.testing.assert_allclose(s, s_np[:2], rtol=1e-6)
    _matches_up_to_sign(vt.T, vt_np[:2].T, atol=1e-6)


def test_pca_fitted_on_a_sample_is_applied_to_every_row():
    x = _lowrank(n=3000, d=24, seed=2)
    emb = _emb(x)
    whole = project(emb, "pca", limit=None, use_cache=False)
    sampled = project(emb, "pca", limit=None, params={"fit_sample": 500}, use_cache=False)
    assert sampled.coords.shape == (3000, 2)
    # The strong directions are found from 500 rows too: same map up to sign and a shift.
    for j in range(2):
        c = np.corrcoef(whole.coords[:, j], sampled.coords[:, j])[0, 1]
        assert abs(c) > 0.995


def test_axes_put_known_pairs_on_the_right_sides(sample):
    words = ["king", "queen", "he", "she", "man", "woman", "father", "mother",
             "bad", "good", "terrible", "excellent", "awful", "wonderful", "worst", "best"]
    rows = rows_for(sample, words=words)
    proj = project(sample, "axes", rows=rows, axes="man:woman,bad:good", use_cache=False)
    at = {w: proj.coords[i] for i, w in enumerate(words)}
    for male, female in [("king", "queen"), ("he", "she"), ("father", "mother")]:
        assert at[male][0] < at[female][0], (male, female)
    assert at["man"][0] < 0 < at["woman"][0]   # 0 is midway between the poles
    for neg, pos in [("terrible", "excellent"), ("awful", "wonderful"), ("worst", "best")]:
        assert at[neg][1] < at[pos][1], (neg, pos)
    assert at["bad"][1] < 0 < at["good"][1]
    # A pole may be the average of several words.
    multi = project(sample, "axes", rows=rows, axes=[("he+him+his", "she+her+hers")],
                    use_cache=False)
    assert multi.coords[words.index("king"), 0] < multi.coords[words.index("queen"), 0]


def test_axes_name_unknown_words_and_bad_text(sample):
    with pytest.raises(UnknownWordError, match="womann"):
        project(sample, "axes", limit=100, axes="man:womann", use_cache=False)
    with pytest.raises(ProjectionError, match="one ':'"):
        parse_axes("man-woman")
    with pytest.raises(ProjectionError, match="same vector"):
        project(sample, "axes", limit=100, axes="man:man", use_cache=False)
    assert parse_axes(" man : woman , bad:good+fine ") == [("man", "woman"), ("bad", "good+fine")]


# probe 64: the paths of big inputs — compiled top-k folding, or (no numba) probe and floor
@pytest.mark.parametrize("probe,compiled", [(None, True), (64, True), (64, False)])
def test_quality_counts_kept_neighbours_like_brute_force(probe, compiled, monkeypatch):
    from embedscope.core import projection_quality

    if probe:
        monkeypatch.setattr(projection_quality, "PROBE", probe)
        monkeypatch.setattr(projection_quality, "STEP", 70)
    if compiled:
        monkeypatch.setattr(projection_quality, "COMPILED_FROM", 0)
    else:
        monkeypatch.setenv("EMBEDSCOPE_PLAIN", "1")
    rng = np.random.default_rng(4)
    x = rng.standard_normal((300, 8)).astype(np.float32)
    coords = rng.standard_normal((300, 2)).astype(np.float32)
    emb = _emb(x)
    rows = np.arange(300)
    q = neighbour_preservation(emb, rows, coords, k=10, sample=300)
    unit = x / np.linalg.norm(x, axis=1, keepdims=True)
    sims = unit @ unit.T
    np.fill_diagonal(sims, -np.inf)
    d2 = ((coords[:, None, :] - coords[None, :, :]) ** 2).sum(-1)
    np.fill_diagonal(d2, np.inf)
    kept = [len(set(np.argsort(-sims[i])[:10]) & set(np.argsort(d2[i])[:10]))
            for i in range(300)]
    assert q == pytest.approx(np.mean(kept) / 10)


def test_quality_tells_a_faithful_map_from_a_random_one():
    rng = np.random.default_rng(5)
    plane = rng.standard_normal((2000, 2))
    # Points on a 2D plane (away from the origin, so cosine ≈ their layout) in 12 dimensions.
    basis, _ = np.linalg.qr(rng.standard_normal((12, 3)))
    x = np.c_[plane, np.full(2000, 40.0)] @ basis.T
    emb = _emb(x)
    faithful = project(emb, "pca", limit=None, use_cache=False)
    assert faithful.quality > 0.8
    shuffled = neighbour_preservation(emb, np.arange(2000), rng.permutation(faithful.coords))
    assert shuffled < 0.05


def test_rows_for_limit_words_and_neighbourhood(sample):
    assert rows_for(sample, limit=5).tolist() == [0, 1, 2, 3, 4]
    assert len(rows_for(sample)) == sample.rows
    assert rows_for(sample, words=["of", "the", "of"]).tolist() == [3, 0]
    with pytest.raises(UnknownWordError):
        rows_for(sample, words=["the", "notawordzzz"])
    assert rows_for(sample, words=["the", "notawordzzz"], skip_unknown=True).tolist() == [0]
    near = rows_for(sample, around="france", n_around=20)
    assert len(near) == 21 and near[0] == sample.row("france")
    assert sample.row("paris") in near.tolist() or sample.row("belgium") in near.tolist()


def test_unknown_method_parameter_and_too_few_points(random_embedding):
    with pytest.raises(ProjectionError, match="unknown projection method"):
        project(random_embedding, "mds", use_cache=False)
    with pytest.raises(ProjectionError, match="perplexiti"):
        project(random_embedding, "tsne", params={"perplexiti": 5}, use_cache=False)
    with pytest.raises(ProjectionError, match="at least 10"):
        project(random_embedding, "umap", limit=5, use_cache=False)


def test_second_run_is_a_cache_hit(sample, tmp_path, monkeypatch):
    monkeypatch.setenv("EMBEDSCOPE_CACHE_DIR", str(tmp_path / "cache"))
    first = project(sample, "pca", limit=5000)
    assert not first.from_cache
    second = project(sample, "pca", limit=5000)
    assert second.from_cache
    np.testing.assert_array_equal(first.coords, second.coords)
    np.testing.assert_array_equal(first.rows, second.rows)
    assert second.quality == first.quality and second.params == first.params
    assert second.explained_variance == pytest.approx(first.explained_variance)
    # Other rows or parameters are other maps.
    assert not project(sample, "pca", limit=4000).from_cache
    assert not project(sample, "pca", limit=5000, params={"fit_sample": 1000}).from_cache
    # Reopening the file: the last map is there without knowing its settings.
    last = last_projection(sample)
    assert last is not None and last.from_cache and len(last.rows) == 5000
    assert last.params["fit_sample"] == 1000
    # Nothing half-written is left in the cache folder.
    assert not [p for p in (tmp_path / "cache" / "projections").iterdir()
                if p.name.startswith(".tmp")]


def test_in_memory_embeddings_do_not_share_cache_entries(tmp_path, monkeypatch):
    monkeypatch.setenv("EMBEDSCOPE_CACHE_DIR", str(tmp_path / "cache"))
    rng = np.random.default_rng(0)
    a = _emb(rng.standard_normal((200, 8)))
    b = _emb(rng.standard_normal((200, 8)))
    pa = project(a, "pca", limit=None)
    pb = project(b, "pca", limit=None)
    assert not pb.from_cache
    assert not np.allclose(pa.coords, pb.coords)
    assert project(a, "pca", limit=None).from_cache


def test_cache_notices_an_edited_file(tmp_path, monkeypatch):
    import embedscope

    monkeypatch.setenv("EMBEDSCOPE_CACHE_DIR", str(tmp_path / "cache"))
    rng = np.random.default_rng(1)
    np.save(tmp_path / "m.npy", rng.standard_normal((300, 8)).astype(np.float32))
    (tmp_path / "m.vocab.txt").write_text("".join(f"w{i}\n" for i in range(300)))
    first = project(embedscope.load(tmp_path / "m.npy"), "pca", limit=None)
    time.sleep(0.01)
    np.save(tmp_path / "m.npy", rng.standard_normal((300, 8)).astype(np.float32))
    again = project(embedscope.load(tmp_path / "m.npy"), "pca", limit=None)
    assert not again.from_cache and not np.allclose(first.coords, again.coords)


def test_write_coords_tsv(tmp_path):
    path = tmp_path / "coords.tsv"
    write_coords_tsv(path, ["the", "naïve", "a\tb"], np.array([[1.5, -2], [0, 3.25], [1, 1]]))
    lines = path.read_text(encoding="utf-8").splitlines()
    assert lines[0] == "word\tx\ty"
    assert lines[1] == "the\t1.5\t-2" and lines[2] == "naïve\t0\t3.25"
    assert lines[3].split("\t")[0] == "a\\tb"  # a tab inside a word would break the columns


def test_pca_progress_and_cancel(sample):
    seen = []
    project(sample, "pca", limit=None, use_cache=False,
            progress=lambda d, t, m="": seen.append((d, t)))
    assert seen and seen[-1] == (1000, 1000)
    with pytest.raises(Cancelled):
        project(sample, "pca", limit=None, use_cache=False, should_stop=lambda: True)


# --- UMAP and t-SNE, in the worker process --------------------------------------------------
def test_tsne_is_repeatable_for_a_seed(sample):
    params = {"n_iter": 15, "early_exaggeration_iter": 10, "perplexity": 20}
    a = project(sample, "tsne", limit=600, params=params, seed=3, use_cache=False)
    b = project(sample, "tsne", limit=600, params=params, seed=3, use_cache=False)
    assert a.coords.shape == (600, 2) and np.isfinite(a.coords).all()
    np.testing.assert_array_equal(a.coords, b.coords)
    c = project(sample, "tsne", limit=600, params=params, seed=4, use_cache=False)
    assert not np.array_equal(a.coords, c.coords)
    assert 0 < a.quality <= 1


def test_umap_is_repeatable_for_a_seed_and_reports_epochs(sample):
    seen = []
    params = {"n_epochs": 40, "n_neighbors": 10}
    a = project(sample, "umap", limit=500, params=params, seed=7, use_cache=False,
                progress=lambda d, t, m="": seen.append(m))
    b = project(sample, "umap", limit=500, params=params, seed=7, use_cache=False)
    assert a.coords.shape == (500, 2) and np.isfinite(a.coords).all()
    np.testing.assert_array_equal(a.coords, b.coords)
    assert any("epoch" in m for m in seen)
    assert a.params["n_neighbors"] == 10 and a.params["metric"] == "cosine"
    # The same map is a good deal better than chance at keeping neighbours.
    assert a.quality > 0.15


def test_cancel_stops_a_running_tsne_and_its_process(sample):
    from embedscope.core import projection_worker

    started = time.monotonic()
    pids = []

    def should_stop():
        pid = projection_worker.worker_pid()
        if pid:
            pids.append(pid)
        return time.monotonic() - started > 3.0

    with pytest.raises(Cancelled):
        project(sample, "tsne", limit=8000, params={"n_iter": 5000}, use_cache=False,
                should_stop=should_stop)
    assert time.monotonic() - started < 8.0  # cancelled promptly, not after 5,000 iterations
    assert pids, "the worker process was running"
    assert projection_worker.worker_pid() is None
    with pytest.raises(ProcessLookupError):
        os.kill(pids[-1], 0)
    # The next projection starts a fresh worker.
    again = project(sample, "tsne", limit=300, params={"n_iter": 20,
                                                       "early_exaggeration_iter": 10},
                    use_cache=False)
    assert again.coords.shape == (300, 2)


def test_tsne_grid_setting_has_a_default_and_bounds():
    from embedscope.core.projection import resolve_params

    assert resolve_params("tsne", None, 5000)["ints_in_interval"] == 1.5
    assert resolve_params("tsne", {"ints_in_interval": 1}, 5000)["ints_in_interval"] == 1.0
    with pytest.raises(ProjectionError, match="ints_in_interval"):
        resolve_params("tsne", {"ints_in_interval": 0}, 5000)


def test_umap_from_a_script_without_a_main_guard(tmp_path):
    """A plain script (no `if __name__ == "__main__":`) can call project(emb, "umap"): the
    worker process does not run the script a second time."""
    import subprocess
    import sys

    script = tmp_path / "plain_script.py"
    script.write_text(
        "import numpy as np\n"
        "from embedscope.core.embedding import Embedding\n"
        "from embedscope.core.projection import project\n"
        "rng = np.random.default_rng(0)\n"
        "emb = Embedding([f'w{i}' for i in range(60)],\n"
        "                rng.standard_normal((60, 8)).astype(np.float32))\n"
        "proj = project(emb, 'umap', limit=60, params={'n_epochs': 20}, use_cache=False)\n"
        "print('points', len(proj.coords))\n", encoding="utf-8")
    done = subprocess.run([sys.executable, str(script)], capture_output=True, text=True,
                          timeout=600, cwd=tmp_path, env=dict(os.environ))
    assert done.returncode == 0, done.stderr[-2000:]
    assert done.stdout.splitlines().count("points 60") == 1


def test_the_first_umap_says_it_is_preparing(sample, monkeypatch):
    """Until a UMAP has finished with the installed umap-learn (its compiled code cached), the
    UMAP progress says it is preparing; afterwards umap_prepared() holds and the notice is
    gone."""
    import uuid

    from embedscope.core import projection_worker

    name = f"umap-prepared-test-{uuid.uuid4().hex}"
    monkeypatch.setattr(projection_worker, "_prepared_marker", lambda versions: name)
    try:
        assert not projection_worker.umap_prepared()
        seen = []
        project(sample, "umap", limit=300, params={"n_epochs": 20}, use_cache=False,
                progress=lambda d, t, m="": seen.append(m))
        assert any("preparing for first use" in m for m in seen)
        assert projection_worker.umap_prepared()
        seen.clear()
        project(sample, "umap", limit=300, params={"n_epochs": 20}, seed=1, use_cache=False,
                progress=lambda d, t, m="": seen.append(m))
        assert seen and not any("preparing" in m for m in seen)
    finally:
        marker = projection_worker._umap_marker()
        if marker and os.path.exists(marker):
            os.unlink(marker)


@pytest.mark.parametrize("metric", ["cosine", "euclidean"])
def test_exact_neighbours_handed_to_umap_are_each_points_nearest(metric):
    """The neighbour graph UMAP is given: each point first at distance 0, then its k − 1
    nearest others in order, distances as umap-learn's (1 − cosine, or Euclidean)."""
    from embedscope.core.projection_worker import exact_neighbours

    rng = np.random.default_rng(3)
    x = rng.standard_normal((700, 12)).astype(np.float32)
    idx, dist = exact_neighbours(x, 8, metric)
    assert idx.shape == dist.shape == (700, 8)
    assert (idx[:, 0] == np.arange(700)).all() and (dist[:, 0] == 0).all()
    if metric == "cosine":
        u = x / np.linalg.norm(x, axis=1, keepdims=True)
        full = 1.0 - u.astype(np.float64) @ u.T.astype(np.float64)
    else:
        full = np.linalg.norm(x[:, None, :].astype(np.float64) - x[None, :, :], axis=2)
    np.fill_diagonal(full, -1.0)
    want = np.argsort(full, axis=1, kind="stable")[:, :8]
    np.testing.assert_allclose(dist[:, 1:], np.take_along_axis(full, want, 1)[:, 1:],
                               atol=1e-5)
    assert (np.diff(dist, axis=1) >= 0).all()
    assert np.mean(idx[:, 1:] == want[:, 1:]) > 0.99  # only rounding-level ties may swap


def test_quality_sample_is_smaller_only_on_very_large_maps_unless_asked():
    from embedscope.core.projection import LARGE_MAP, resolve_params

    assert resolve_params("pca", None, LARGE_MAP)["quality_sample"] == 1000
    assert resolve_params("pca", None, LARGE_MAP + 1)["quality_sample"] == 500
    asked = resolve_params("umap", {"quality_sample": 2000}, 400_000)
    assert asked["quality_sample"] == 2000
