"""Progress and cancel for long work, without threads or widgets.

Every long core function takes `progress=None` and `should_stop=None`:
- `progress(done, total, message="")` is called now and then (total may be 0 when unknown);
- `should_stop()` returns True when the user asked to cancel; the core then raises `Cancelled`
  between chunks, so no half-built result escapes.
The CLI feeds these from a terminal bar, the GUI from Qt signals.
"""
from __future__ import annotations

from typing import Callable, Optional

ProgressFn = Optional[Callable[..., None]]
StopFn = Optional[Callable[[], bool]]


class Cancelled(Exception):
    """The user cancelled the job; raised from inside the core between chunks."""


class Job:
    """Bundles the two callables so inner loops write `job.step(done, total)` cheaply."""

    __slots__ = ("progress", "should_stop")

    def __init__(self, progress: ProgressFn = None, should_stop: StopFn = None):
        self.progress = progress
        self.should_stop = should_stop

    def check(self) -> None:
        if self.should_stop is not None and self.should_stop():
            raise Cancelled()

    def report(self, done, total, message: str = "") -> None:
        if self.progress is not None:
            self.progress(done, total, message)

    def step(self, done, total, message: str = "") -> None:
        """Report progress, then raise Cancelled if asked to stop."""
        self.report(done, total, message)
        self.check()

    def sub(self, start: float, end: float) -> "Job":
        """A job whose progress maps 0..1 onto start..end of this one (fractions of 1000)."""
        parent = self

        def prog(done, total, message=""):
            frac = (done / total) if total else 0.0
            parent.report(int(1000 * (start + (end - start) * frac)), 1000, message)

        return Job(prog if self.progress else None, self.should_stop)
