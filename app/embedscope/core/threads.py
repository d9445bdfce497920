"""Thread and BLAS policy for the whole program: how many cores the heavy paths use, and how
BLAS (OpenBLAS) is kept to one thread while they split the work themselves.

Why split the work ourselves: OpenBLAS's own threads spin-wait, and on a machine whose cores
are shared with other programs they lose badly to one single-threaded BLAS call per core.
"""
from __future__ import annotations

import os
import threading
from contextlib import contextmanager
from typing import Callable

CORES = os.cpu_count() or 1

_BLAS = None     # the threadpoolctl controller, made on first use (threadpoolctl loads late)
_PINNED = None   # set by pin_blas_to_one_thread: the limit object, kept for the process
_POOL = None     # the shared workers of `shared_pool`
_POOL_LOCK = threading.Lock()


@contextmanager
def single_blas_thread():
    """A context in which BLAS (OpenBLAS) uses one thread.

    Changing OpenBLAS's thread count while another thread is inside a BLAS call can crash the
    process, so a process with several jobs at once (the window) pins it once for good
    (`pin_blas_to_one_thread`) and this context then changes nothing."""
    global _BLAS
    if _PINNED is not None:
        yield
        return
    if _BLAS is None:
        from threadpoolctl import ThreadpoolController

        _BLAS = ThreadpoolController()
    with _BLAS.limit(limits=1, user_api="blas"):
        yield


def pin_blas_to_one_thread() -> None:
    """One BLAS thread for the rest of the process, set once. The window runs jobs side by
    side on worker threads; with per-call limits, one job resetting OpenBLAS's thread count
    while another was inside a BLAS call (a PCA's QR) crashed it. The heavy paths split their
    work over the cores themselves."""
    global _PINNED
    if _PINNED is None:
        from threadpoolctl import threadpool_limits

        # threadpoolctl limits the BLAS libraries loaded now; one loaded later (scipy's own
        # OpenBLAS, loaded by the first search or fit that needs it) reads these when it starts.
        os.environ["OPENBLAS_NUM_THREADS"] = "1"
        os.environ["MKL_NUM_THREADS"] = "1"
        _PINNED = threadpool_limits(limits=1, user_api="blas")


def shared_pool():
    """CORES − 1 long-lived worker threads for short split products (the calling thread takes
    one share itself), started on first use so a query does not pay a thread start-up."""
    global _POOL
    with _POOL_LOCK:
        if _POOL is None:
            from concurrent.futures import ThreadPoolExecutor

            _POOL = ThreadPoolExecutor(max(1, CORES - 1), thread_name_prefix="embedscope-dot")
        return _POOL


def run_on_cores(work: Callable[[int], None], workers: int, job,
                 progress: Callable[[], tuple[int, int]], message: str) -> None:
    """Run work(0), …, work(workers - 1) on as many threads, each with a single-threaded BLAS,
    reporting `progress()` — a (done, total) pair — to `job` (core.jobs.Job) every 0.2 s. The
    first failure, Cancelled included, is raised once every worker has stopped (each checks
    `job` itself)."""
    from concurrent.futures import ThreadPoolExecutor
    from concurrent.futures import TimeoutError as StillRunning  # not the builtin before 3.11

    with single_blas_thread(), ThreadPoolExecutor(workers) as pool:
        futures = [pool.submit(work, w) for w in range(workers)]
        try:
            for f in futures:
                while True:
                    try:
                        f.result(timeout=0.2)
                        break
                    except StillRunning:
                        job.step(*progress(), message)
        except BaseException:
            for f in futures:
                f.cancel()
            raise
