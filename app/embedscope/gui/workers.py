"""Running core functions off the UI thread, with progress and Cancel.

One `JobRunner` per kind of job (load, projection, check, evaluation, export...): starting a
job cancels the one before it, and results of a cancelled or superseded job are dropped, so a
slow old answer never overwrites a newer one. The core's `should_stop` reads a flag the Cancel
button sets; results, errors and progress arrive on the UI thread through queued signals.
"""
from __future__ import annotations

import queue
import threading
import time
import traceback

from PySide6.QtCore import QObject, QRunnable, QThreadPool, QTimer, Signal, Slot

from ..core.jobs import Cancelled
from . import process

PROGRESS_INTERVAL = 0.05  # seconds between progress signals: a core loop may report 10,000×/s


# Tasks in flight, so a task and its signal object outlive a runner closed mid-job.
_LIVE: set = set()
# Every task's signal object, held by the UI thread until the task has let go of it (its id
# comes back through _RELEASED), so it is always freed on the UI thread.
_KEEP: dict = {}
_RELEASED: "queue.SimpleQueue[int]" = queue.SimpleQueue()


def _free_released() -> None:
    """Drop (on the UI thread) the signal objects of tasks that have finished with them."""
    while True:
        try:
            _KEEP.pop(_RELEASED.get_nowait(), None)
        except queue.Empty:
            return

# How long after it is asked for a background job is queued (see JobRunner.start).
BACKGROUND_START_MS = 100


_POOL: QThreadPool | None = None


def pool() -> QThreadPool:
    """The app's worker threads. More than the cores: most jobs wait on numpy, disk or a
    UMAP process with the GIL released, and a slow check must not hold up a map."""
    global _POOL
    if _POOL is None:
        _POOL = QThreadPool()
        _POOL.setMaxThreadCount(max(4, QThreadPool.globalInstance().maxThreadCount()))
    return _POOL


_BACKGROUND: QThreadPool | None = None


def background_pool() -> QThreadPool:
    """One thread for the work the app starts by itself after a load (first map, check,
    word index): run one after another, they leave the UI thread and the user's own jobs
    more of Python's GIL than running side by side would."""
    global _BACKGROUND
    if _BACKGROUND is None:
        _BACKGROUND = QThreadPool()
        _BACKGROUND.setMaxThreadCount(1)
    return _BACKGROUND


def wait_for_jobs(msecs: int = 5000) -> bool:
    """Ask every job to stop and wait for the worker threads (on quit, and in tests)."""
    for task in list(_LIVE):
        task.stop.set()
        sig = task.signals
        if sig is not None:
            sig.handled.set()  # a background task waiting on the UI need not wait
    done = pool().waitForDone(msecs)
    return background_pool().waitForDone(msecs) and done


class _TaskSignals(QObject):
    # every signal carries the job id, so the runner can drop what a stale job says
    progress = Signal(int, int, int, str)
    finished = Signal(int, object)
    failed = Signal(int, object)
    cancelled = Signal(int)

    def __init__(self):
        super().__init__()
        # Set on the UI thread once the job's end has been handled (the map drawn, the table
        # filled); see _Task.run.
        self.handled = threading.Event()


class _Task(QRunnable):
    def __init__(self, job_id, fn, args, kwargs, signals, background=False):
        super().__init__()
        self.job_id = job_id
        self.background = background
        self.fn, self.args, self.kwargs = fn, args, kwargs
        self.signals = signals
        self.stop = threading.Event()
        self._last = 0.0

    def should_stop(self) -> bool:
        return self.stop.is_set()

    def _emit(self, signal, *args):
        try:
            signal.emit(self.job_id, *args)
        except RuntimeError:  # the window that asked was closed: nobody left to tell
            self.stop.set()

    def progress(self, done, total, message=""):
        now = time.monotonic()
        if now - self._last >= PROGRESS_INTERVAL or (total and done >= total):
            self._last = now
            # Progress is reported as a per-mille so very large byte counts fit in an int.
            permille = int(1000 * done / total) if total else -1
            self._emit(self.signals.progress, permille, 1000, str(message))

    def run(self):
        try:
            if self.stop.is_set():
                raise Cancelled()
            result = self.fn(*self.args, progress=self.progress, should_stop=self.should_stop,
                             **self.kwargs)
            if self.stop.is_set():
                raise Cancelled()
        except Cancelled:
            self._emit(self.signals.cancelled)
        except BaseException as exc:  # noqa: BLE001 - shown to the user by the runner's owner
            exc.__traceback_text__ = traceback.format_exc()
            self._emit(self.signals.failed, exc)
        else:
            self._emit(self.signals.finished, result)
        finally:
            _LIVE.discard(self)
        if self.background:
            # The queue's next job waits until the UI thread has handled this one's result:
            # drawing a 10,000-point map while the check's Python loops compete for the GIL
            # stalled the window ~300 ms (bench/ui_latency.py). Bounded, so it never hangs.
            self.signals.handled.wait(2.0)
        # Let go of the signal object here, then tell the UI thread, which frees it: freed on
        # this worker thread (when the pool deletes the finished task) its connections were
        # cut from the wrong thread, crashing the process about one GUI test run in four.
        self.signals = None
        _RELEASED.put(self.job_id)


class JobRunner(QObject):
    """Runs one job of a kind at a time; `start` cancels the previous one.

    `fn` is called on a worker thread as `fn(*args, progress=..., should_stop=..., **kwargs)`.
    """

    started = Signal(str)             # label
    progress = Signal(int, int, str)  # done, total (per-mille; total 0 when unknown), message
    finished = Signal(object)
    failed = Signal(object)
    cancelled = Signal()
    busy_changed = Signal(bool)

    _ids = 0

    def __init__(self, name: str, parent=None, pool_: QThreadPool | None = None):
        super().__init__(parent)
        self.name = name
        self.pool = pool_ or pool()
        self._task: _Task | None = None
        self._signals: dict[int, _TaskSignals] = {}
        self.label = ""

    @property
    def busy(self) -> bool:
        return self._task is not None

    def start(self, fn, *args, label: str = "", background: bool = False, priority: int = 0,
              **kwargs) -> int:
        """Run `fn` on a worker; `background` queues it behind the app's own post-load work
        instead of running it at once (for work nobody is waiting for); in a queue, higher
        `priority` goes first."""
        self.cancel(quiet=True)
        JobRunner._ids += 1
        job_id = JobRunner._ids
        sig = _TaskSignals()
        sig.progress.connect(self._on_progress)
        sig.finished.connect(self._on_finished)
        sig.failed.connect(self._on_failed)
        sig.cancelled.connect(self._on_cancelled)
        self._signals[job_id] = sig  # kept alive until the task reports its end
        _free_released()
        _KEEP[job_id] = sig
        self._task = _Task(job_id, fn, args, kwargs, sig, background)
        self.label = label
        _LIVE.add(self._task)
        if background:
            # Queued a moment later, not at once: the app's follow-up work (word index, first
            # map, check) is started from the handlers of a new embedding, and running it
            # while those handlers still run made them share the GIL three ways (~130 ms
            # stalls in bench/ui_latency.py). By then every job of the batch is queued, so
            # the queue also takes them in priority order.
            task = self._task

            def enqueue():
                if task.stop.is_set():  # cancelled (or the app closing) before it started
                    _LIVE.discard(task)
                    _RELEASED.put(task.job_id)  # it never runs: nothing else will
                    return
                background_pool().start(task, priority)

            # the runner as context: a runner already gone (window closed) starts nothing, so
            # no job runs late with nobody left to receive its signals
            QTimer.singleShot(BACKGROUND_START_MS, self, enqueue)
        else:
            self.pool.start(self._task, priority)
        self.started.emit(label)
        self.busy_changed.emit(True)
        return job_id

    def cancel(self, quiet: bool = False) -> None:
        """Ask the running job to stop; its result, if it still comes, is dropped."""
        task = self._task
        if task is None:
            return
        task.stop.set()
        self._task = None
        self.busy_changed.emit(False)
        if not quiet:
            self.cancelled.emit()

    def _current(self, job_id) -> bool:
        return self._task is not None and self._task.job_id == job_id

    def _end(self, job_id) -> bool:
        _free_released()
        sig = self._signals.pop(job_id, None)
        if sig is not None:
            # The queue moves on once the result's handlers have run and the window has had
            # time to paint them (a zero delay fired before the first paint of a new map, and
            # the next job's Python loops then slowed that paint to ~250 ms; with 150 ms the
            # longest stall in bench/ui_latency.py is ~100-130 ms).
            QTimer.singleShot(150, sig.handled.set)
        # once the handlers have taken the result in, keep full collections from walking it
        QTimer.singleShot(0, process.job_done)
        if not self._current(job_id):
            return False
        self._task = None
        self.busy_changed.emit(False)
        return True

    @Slot(int, int, int, str)
    def _on_progress(self, job_id, done, total, message):
        if self._current(job_id):
            self.progress.emit(max(done, 0), total if done >= 0 else 0, message)

    @Slot(int, object)
    def _on_finished(self, job_id, result):
        if self._end(job_id):
            self.finished.emit(result)

    @Slot(int, object)
    def _on_failed(self, job_id, exc):
        if self._end(job_id):
            self.failed.emit(exc)

    @Slot(int)
    def _on_cancelled(self, job_id):
        if self._end(job_id):
            self.cancelled.emit()
