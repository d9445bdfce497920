"""How the window's Python process runs: every process-wide setting the window makes, in one
function (`tune_process`), each with its reason; and the freeze of what a finished background
job leaves alive (`job_done`).

The cycle collector: a full (generation 2) collection walks every container object alive,
holding the GIL while it does, and with a large embedding's structures alive that is a stall
the user sees. So collections start after 50,000 new container objects instead of 700 (each
young collection stays short; full ones come far less often), and whatever a finished job
leaves alive — the embedding, its index, a check report — is frozen (`gc.freeze`), so later
full collections skip it. Frozen objects are still freed by reference counting when dropped;
only a reference cycle among them would wait. bench/ui_latency.py measures the stalls.
"""
from __future__ import annotations

import gc
import sys

from ..core.threads import pin_blas_to_one_thread

SWITCH_INTERVAL = 0.0005  # seconds; Python's default is 0.005
YOUNG_THRESHOLD = 50_000  # new container objects between young collections; the default is 700

_tuned = False


def tune_process() -> None:
    """Set the window's process-wide knobs (the first call; later calls change nothing)."""
    global _tuned
    if _tuned:
        return
    _tuned = True
    # Background jobs run Python code too: handing the GIL around every 0.5 ms instead of every
    # 5 ms lets the UI thread in sooner, so the window answers while a file loads.
    sys.setswitchinterval(SWITCH_INTERVAL)
    # Fewer, shorter collections (see the module notes).
    _, middle, old = gc.get_threshold()
    gc.set_threshold(YOUNG_THRESHOLD, middle, old)
    # Jobs run side by side on worker threads: changing OpenBLAS's thread count while another
    # thread is inside a BLAS call can crash the process, so BLAS keeps one thread for good
    # and the heavy paths split their work over the cores themselves (core/threads.py).
    pin_blas_to_one_thread()


def job_done() -> None:
    """A background job's result has been taken in: keep full collections from walking it."""
    gc.freeze()
