"""How the window runs Python's cycle collector, so it never freezes the window.

A full (generation 2) collection walks every container object alive, holding the GIL while it
does. With a 400,000-word embedding's structures alive, bench/ui_latency.py caught full
collections of 60–120 ms on a background thread while a file loaded — the window's longest
stalls. Two changes: collections start after 50,000 new container objects instead of 700
(each young collection stays a few milliseconds; full ones come far less often), and whatever
a finished background job leaves alive — the embedding, its index, a check report — is frozen
(`gc.freeze`), so later full collections skip it. Frozen objects are still freed by reference
counting when dropped; only a reference cycle among them would wait.
"""
from __future__ import annotations

import gc

YOUNG_THRESHOLD = 50_000


def apply() -> None:
    """Set the window's collection thresholds (called once at start-up)."""
    _, middle, old = gc.get_threshold()
    gc.set_threshold(YOUNG_THRESHOLD, middle, old)


def job_done() -> None:
    """A background job's result has been taken in: keep full collections from walking it."""
    gc.freeze()
