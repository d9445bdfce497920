"""UMAP and t-SNE in a separate process, so that cancel can really stop them.

umap-learn and openTSNE run long calls that cannot be interrupted from inside. They run in a
worker process started with the "spawn" method (forking after Qt has started threads is
unsafe); cancel terminates that process. umap-learn marks few of its numba functions for
numba's on-disk cache, so every new process compiled them afresh (about a minute on two
cores); the worker has numba cache all of them (core/compiled.py's `cache_library_code`) in
NUMBA_CACHE_DIR (the user's cache folder), so only the first UMAP ever on a machine pays it —
announced as "preparing" (`umap_prepared`) — and later processes load the compiled code in
seconds.
pynndescent's neighbour search is the part numba cannot keep ("dynamic globals"), so for
maps of up to 20,000 points UMAP is handed the exact neighbours instead
(`exact_neighbours`, one blocked product, umap-learn's `precomputed_knn`): the same graph
it approximates, without that compile.

The worker is started without the caller's main script: spawn would otherwise re-run a
script that has no `if __name__ == "__main__":` guard, and that second run would try to
start a worker of its own and die.

Data goes to the worker as a temporary .npy file; coordinates and progress come back over a
pipe. One projection runs at a time (the GUI cancels the previous one before starting the
next); a second caller waits, still answering its own `should_stop`.

Frozen apps (PyInstaller) must call `multiprocessing.freeze_support()` at start-up for the
spawned worker to start.
"""
from __future__ import annotations

import multiprocessing
import os
import re
import shutil
import sys
import tempfile
import threading
import time
import types
from contextlib import contextmanager

import numpy as np

from .compiled import cache_library_code
from .jobs import Job
from .projection_result import ProjectionError

_lock = threading.Lock()
_worker: "_Worker | None" = None


class _Worker:
    """One spawned process and our end of its pipe."""

    def __init__(self):
        ctx = multiprocessing.get_context("spawn")
        self.conn, child = ctx.Pipe(duplex=True)
        numba_dir = _numba_cache_dir()
        self.proc = ctx.Process(target=_child_main, args=(child, numba_dir), daemon=True,
                                name="embedscope-projection")
        with _without_main_script():
            self.proc.start()
        child.close()
        self.warm: set[str] = set()

    @property
    def pid(self) -> int | None:
        return self.proc.pid

    def alive(self) -> bool:
        return self.proc.is_alive()

    def stop(self) -> None:
        if self.proc.is_alive():
            self.proc.terminate()
            self.proc.join(2)
            if self.proc.is_alive():
                self.proc.kill()
                self.proc.join(2)
        self.conn.close()


@contextmanager
def _without_main_script():
    """Hide the caller's main module from spawn while the worker starts. Spawn has the child
    import the parent's main script (as `__mp_main__`) so that functions defined there can be
    unpickled; the worker needs none of them, and a script without a main guard would run
    again in the child, start a projection there and kill the worker. A bare stand-in
    module has neither a file nor a spec, so the child imports nothing of the caller's."""
    real = sys.modules.get("__main__")
    sys.modules["__main__"] = types.ModuleType("__main__")
    try:
        yield
    finally:
        if real is not None:
            sys.modules["__main__"] = real


def umap_prepared() -> bool:
    """Whether umap-learn's compiled code is already in the numba cache (a UMAP has finished
    on this machine with this umap-learn): if not, the next UMAP first spends about a minute
    preparing it, once."""
    marker = _umap_marker()
    return bool(marker) and os.path.exists(marker)


def _umap_marker() -> str:
    """The file whose presence says umap-learn's code is cached ("" without a cache folder),
    named by the versions it was compiled with (read without importing the packages)."""
    from importlib.metadata import PackageNotFoundError, version

    folder = _numba_cache_dir()
    if not folder:
        return ""
    try:
        versions = [version(p) for p in ("umap-learn", "pynndescent", "numba")]
    except PackageNotFoundError:
        versions = ["missing"]
    return os.path.join(folder, _prepared_marker(versions))


def _prepared_marker(versions: list[str]) -> str:
    return f"umap-prepared-{'-'.join(versions)}"


def _numba_cache_dir() -> str:
    """Where numba keeps compiled code: $NUMBA_CACHE_DIR when set, else "numba" in the user's
    cache folder. Deliberately not moved by $EMBEDSCOPE_CACHE_DIR (which tests point at a
    fresh folder): it holds only machine code keyed by library source, and an empty one costs
    every new worker tens of seconds of compiling."""
    if os.environ.get("NUMBA_CACHE_DIR"):
        return os.environ["NUMBA_CACHE_DIR"]
    try:
        from platformdirs import user_cache_dir

        path = os.path.join(user_cache_dir("embedscope", appauthor=False), "numba")
        os.makedirs(path, exist_ok=True)
        return path
    except OSError:
        return ""


def worker_pid() -> int | None:
    """The process id of the running worker, if any (tests check it is gone after cancel)."""
    w = _worker
    return w.pid if w is not None and w.alive() else None


def shutdown() -> None:
    """Stop the worker process (done at exit; the next projection starts a new one)."""
    global _worker
    if _worker is not None:
        if _worker.alive():
            try:
                # A clean exit lets the worker release its semaphores; a terminated one leaves
                # multiprocessing's resource tracker to warn about them at exit.
                _worker.conn.send(("quit",))
                _worker.proc.join(5)
            except (OSError, ValueError):
                pass
        _worker.stop()
        _worker = None


def _acquire(job: Job) -> None:
    while not _lock.acquire(timeout=0.1):
        job.check()


def run(method: str, data: np.ndarray, params: dict, seed, job: Job):
    """Coordinates (n, 2) float32 of `data` by "umap" or "tsne" in the worker, and timings.

    Raises Cancelled (after terminating the worker) when `job.should_stop()` turns true,
    ProjectionError when the library fails or the worker dies."""
    _acquire(job)
    tmp = None
    try:
        worker, started = _get_worker()
        tmp = tempfile.mkdtemp(prefix="embedscope-projection-")
        path = os.path.join(tmp, "data.npy")
        np.save(path, np.ascontiguousarray(data, dtype=np.float32))
        marker = _umap_marker() if method == "umap" else ""
        worker.conn.send(("run", method, path, dict(params), seed, marker))
        coords, info = _wait(worker, job)
        info["new_worker"] = started
        worker.warm.add(method)
        return coords, info
    finally:
        if tmp:
            shutil.rmtree(tmp, ignore_errors=True)
        _lock.release()


def warm_up(methods=("umap", "tsne"), progress=None, should_stop=None) -> dict:
    """Start the worker and have it import the libraries and compile their numba code on a
    tiny problem, so the user's first projection does not pay it. Seconds per method."""
    job = Job(progress, should_stop)
    _acquire(job)
    try:
        worker, _ = _get_worker()
        out = {}
        for m in methods:
            t0 = time.perf_counter()
            worker.conn.send(("warm", m, _umap_marker() if m == "umap" else ""))
            _wait(worker, job)
            worker.warm.add(m)
            out[m] = time.perf_counter() - t0
        return out
    finally:
        _lock.release()


def _get_worker():
    global _worker
    if _worker is not None and not _worker.alive():
        _worker.stop()
        _worker = None
    if _worker is None:
        _worker = _Worker()
        return _worker, True
    return _worker, False


def _discard_worker() -> None:
    global _worker
    if _worker is not None:
        _worker.stop()
        _worker = None


def _wait(worker: _Worker, job: Job):
    try:
        while True:
            job.check()
            if worker.conn.poll(0.1):
                try:
                    msg = worker.conn.recv()
                except (EOFError, OSError):
                    msg = None
                if msg is None:
                    raise ProjectionError(_died(worker))
                kind = msg[0]
                if kind == "progress":
                    job.report(msg[1], msg[2], msg[3])
                elif kind == "done":
                    return msg[1], msg[2]
                elif kind == "error":
                    raise ProjectionError(msg[1])
            elif not worker.alive():
                raise ProjectionError(_died(worker))
    except BaseException as exc:
        # Cancelled, a crash, Ctrl-C: the worker's state is unknown or busy — replace it.
        if not isinstance(exc, ProjectionError) or not worker.alive():
            _discard_worker()
        raise


def _died(worker: _Worker) -> str:
    worker.proc.join(1)
    code = worker.proc.exitcode
    hint = " (killed: out of memory?)" if code is not None and code < 0 else ""
    return f"the projection worker process stopped unexpectedly, exit code {code}{hint}"


import atexit  # noqa: E402  (registered once this module is first used)

atexit.register(shutdown)


# --- inside the worker process ---------------------------------------------------------------
class _Report:
    """Turns library output into ("progress", done, total, message) messages.

    umap-learn's verbose lines and its tqdm epoch bar (bar_format "{n}/{total}") arrive here
    because the worker's stdout/stderr are replaced by this object."""

    def __init__(self, conn):
        self.conn = conn
        self.phase = "starting"
        self.stage = 100
        self.pending = ""
        self.last = 0.0
        self.note = ""  # added to every message (the first UMAP's "preparing")

    def send(self, done, total, message, force=False):
        now = time.monotonic()
        if not force and now - self.last < 0.2:
            return
        self.last = now
        message += self.note
        try:
            self.conn.send(("progress", int(done), int(total), message))
        except (OSError, ValueError):
            pass

    # file-like, for sys.stdout / sys.stderr / tqdm. `print(a, b)` arrives in pieces, so
    # text is gathered until a line ends.
    def write(self, text):
        self.pending += text
        *lines, self.pending = re.split(r"[\r\n]+", self.pending)
        for line in lines:
            self._line(line.strip())
        return len(text)

    def _line(self, line):
        if not line:
            return
        m = (re.fullmatch(r"EPOCHS (\d+)/(\d+)", line)
             or re.search(r"completed\s+(\d+)\s*/\s*(\d+)\s*epochs", line))
        if m:
            n, total = int(m.group(1)), int(m.group(2))
            # Epochs are roughly the last 70 % of a UMAP run.
            self.send(300 + 700 * n // max(total, 1), 1000, f"UMAP: epoch {n} of {total}",
                      force=n == total)
            return
        # umap prints "Tue Nov 24 14:00:00 2026 Construct embedding": keep the words.
        line = re.sub(r"^\w{3} \w{3} +\d+ [\d:]+ \d{4} ", "", line)
        if line.startswith("UMAP(") or "warn" in line.lower() or line.startswith(("\t", " ")):
            return
        self.phase = line[:80]
        if "Construct embedding" in line:
            self.stage = 300
        self.send(self.stage, 1000, f"UMAP: {self.phase}", force=True)

    def flush(self):
        pass

    def isatty(self):
        return False


def _child_main(conn, numba_dir: str) -> None:
    if numba_dir:
        os.environ.setdefault("NUMBA_CACHE_DIR", numba_dir)
    report = _Report(conn)
    sys.stdout = report
    sys.stderr = report
    import warnings

    warnings.simplefilter("ignore")  # library warnings are not the user's business here
    while True:
        try:
            msg = conn.recv()
        except (EOFError, OSError, KeyboardInterrupt):
            return
        if msg[0] == "quit":
            return
        try:
            t0 = time.perf_counter()
            if msg[0] == "warm":
                _warm(msg[1], msg[2], report)
                conn.send(("done", None, {"library": time.perf_counter() - t0}))
            elif msg[0] == "run":
                _, method, path, params, seed, marker = msg
                data = np.load(path)
                coords = _fit(method, data, params, seed, report, marker)
                conn.send(("done", np.asarray(coords, dtype=np.float32),
                           {"library": time.perf_counter() - t0}))
        except Exception as exc:  # noqa: BLE001 - reported to the caller as a ProjectionError
            try:
                conn.send(("error", f"{msg[1] if len(msg) > 1 else ''} failed: "
                           f"{type(exc).__name__}: {exc}"))
            except (OSError, ValueError):
                return


def _warm(method: str, marker: str, report: _Report) -> None:
    """Compile what a real run will use: UMAP takes its nearest-neighbour-descent path only
    above 4,096 points, so the warm-up uses 4,200 random points and few epochs."""
    rng = np.random.default_rng(0)
    if method == "umap":
        data = rng.standard_normal((4200, 16)).astype(np.float32)
        _fit("umap", data, {"n_neighbors": 15, "min_dist": 0.1, "metric": "cosine",
                            "n_epochs": 10}, 0, report, marker)
    elif method == "tsne":
        data = rng.standard_normal((1200, 16)).astype(np.float32)
        _fit("tsne", data, {"perplexity": 30.0, "metric": "cosine", "n_iter": 10,
                            "early_exaggeration_iter": 10, "n_jobs": None}, 0, report)


def _fit(method: str, data: np.ndarray, params: dict, seed, report: _Report,
         marker: str = "") -> np.ndarray:
    """The map; `marker` (UMAP) is the file that says umap-learn's code is already cached."""
    if method == "umap":
        return _fit_umap(data, params, seed, report, marker)
    if method == "tsne":
        return _fit_tsne(data, params, seed, report)
    raise ValueError(f"unknown method {method}")


# Packages whose numba functions the worker has numba cache on disk (core/compiled.py).
_CACHED_LIBRARIES = ("umap", "pynndescent")


# Exact neighbours cost a product and a partial sort of points² scores: up to this many
# points (a few seconds) they are quicker than compiling pynndescent's search; beyond, its
# approximate search is the quicker even with the compile.
_EXACT_KNN_MAX_POINTS = 20_000
_EXACT_KNN_METRICS = ("cosine", "euclidean")


def exact_neighbours(data: np.ndarray, k: int, metric: str = "cosine"):
    """(indices, distances), both (n, k): each point's k nearest among `data` by cosine
    distance (1 − cosine) or Euclidean distance, itself first at distance 0, as umap-learn's
    `nearest_neighbors` gives them."""
    x = np.asarray(data, dtype=np.float32)
    n = len(x)
    if metric == "cosine":
        norms = np.linalg.norm(x, axis=1)
        x = x / np.where(norms > 0, norms, 1.0)[:, None]
    sq = np.einsum("ij,ij->i", x, x)
    indices = np.empty((n, k), dtype=np.int64)
    distances = np.empty((n, k), dtype=np.float32)
    step = max(1, (1 << 24) // max(1, n))  # a block of about 64 MB of scores
    for s in range(0, n, step):
        e = min(n, s + step)
        block = x[s:e] @ x.T
        if metric == "cosine":
            dist = 1.0 - block
        else:
            dist = np.sqrt(np.maximum(sq[s:e, None] - 2.0 * block + sq[None, :], 0.0))
        own = np.arange(s, e)
        dist[own - s, own] = -1.0  # itself first, whatever the rounding
        near = np.argpartition(dist, k - 1, axis=1)[:, :k]  # k < n: resolve_params caps it
        d = np.take_along_axis(dist, near, axis=1)
        order = np.argsort(d, axis=1, kind="stable")
        indices[s:e] = np.take_along_axis(near, order, axis=1)
        distances[s:e] = np.maximum(np.take_along_axis(d, order, axis=1), 0.0)
    return indices, distances


def _fit_umap(data, params, seed, report, marker):
    if not (marker and os.path.exists(marker)):
        report.note = " (preparing for first use: compiling umap-learn once, about a minute)"
    report.send(0, 1000, "UMAP: loading umap-learn", force=True)
    import threading

    cache_library_code(_CACHED_LIBRARIES)
    import tqdm
    import umap

    # tqdm otherwise makes a multiprocessing lock, whose semaphore outlives a terminated
    # worker and has the resource tracker warn at exit; one process needs only a thread lock.
    tqdm.tqdm.set_lock(threading.RLock())

    report.send(50, 1000, "UMAP: finding nearest neighbours", force=True)
    k = int(params["n_neighbors"])
    knn = (None, None, None)
    if params["metric"] in _EXACT_KNN_METRICS and len(data) <= _EXACT_KNN_MAX_POINTS:
        indices, distances = exact_neighbours(data, k, params["metric"])
        knn = (indices, distances, None)  # no search index: the map is not extended later
    model = umap.UMAP(
        n_neighbors=int(params["n_neighbors"]),
        min_dist=float(params["min_dist"]),
        metric=params["metric"],
        n_epochs=params.get("n_epochs"),
        # A seed makes UMAP repeatable but single-threaded; no seed uses every core.
        random_state=seed,
        n_jobs=1 if seed is not None else -1,
        low_memory=True,
        precomputed_knn=knn,
        # Verbose gives the phase lines; umap-learn divides by n_epochs // 10 when verbose.
        verbose=params.get("n_epochs") is None or int(params["n_epochs"]) >= 10,
        tqdm_kwds={"disable": False, "file": report, "bar_format": "EPOCHS {n}/{total}\n",
                   "mininterval": 0.2},
    )
    coords = model.fit_transform(data)
    report.note = ""
    if marker and not os.path.exists(marker):
        try:
            open(marker, "w").close()
        except OSError:
            pass  # the notice shows again next time; nothing else depends on it
    return coords


def _fit_tsne(data, params, seed, report):
    report.send(0, 1000, "t-SNE: loading openTSNE", force=True)
    import openTSNE

    early = int(params["early_exaggeration_iter"])
    total = early + int(params["n_iter"])

    class Progress:
        """openTSNE calls this every few iterations of each of its two optimisation phases."""

        def __init__(self):
            self.offset = -early  # becomes 0 at the first phase, `early` at the second

        def optimization_about_to_start(self):
            self.offset = 0 if self.offset < 0 else early

        def __call__(self, iteration, error, embedding):
            done = self.offset + iteration
            report.send(200 + 800 * done // max(total, 1), 1000,
                        f"t-SNE: iteration {done} of {total}")
            return False

    report.send(50, 1000, "t-SNE: finding nearest neighbours and affinities", force=True)
    tsne = openTSNE.TSNE(
        perplexity=float(params["perplexity"]),
        metric=params["metric"],
        n_iter=int(params["n_iter"]),
        early_exaggeration_iter=early,
        # Threads only pay off on big maps; on small ones their hand-offs cost more than
        # they save, many times more on a busy machine.
        n_jobs=int(params.get("n_jobs")
                   or ((os.cpu_count() or 1) if len(data) >= 10_000 else 1)),
        # openTSNE's own choice: FFT interpolation from 10,000 points up (the big maps), and
        # Barnes-Hut below, where FFT's fixed grid cost per iteration dominates.
        negative_gradient_method="auto",
        ints_in_interval=float(params.get("ints_in_interval", 1.0)),
        random_state=seed,
        callbacks=Progress(),
        # openTSNE works out the KL divergence for each callback, which costs time.
        callbacks_every_iters=50,
        verbose=False,
    )
    return np.asarray(tsne.fit(data))
