"""Work-arounds for bugs in the Qt bindings, applied once when the window starts.

PySide6 6.12.0's `SignalInstance.emit()` returns `True` without taking a reference to it, so
every signal emitted from Python (ours and pyqtgraph's) drops one reference to `True`. On
Python < 3.12, where `True` is not immortal, a session that emits a few hundred signals more
than `True` has references crashes with "Fatal Python error: bool_dealloc". We detect the bug
by emitting a few signals and, when references went missing, give `True` a reserve of 2**40
references once (more than any session could emit). On Python >= 3.12 or fixed bindings the
check finds nothing and nothing is changed.
"""
from __future__ import annotations

import ctypes
import sys

_applied = False


def emit_loses_true_references() -> bool:
    from PySide6.QtCore import QObject, Signal

    class _Probe(QObject):
        ping = Signal()

    probe = _Probe()
    before = sys.getrefcount(True)
    for _ in range(20):
        probe.ping.emit()
    lost = before - sys.getrefcount(True)
    return lost >= 20


def apply() -> bool:
    """Apply the work-arounds this interpreter and binding version need; True if any was."""
    global _applied
    if _applied:
        return True
    if sys.version_info < (3, 12) and sys.implementation.name == "cpython" \
            and emit_loses_true_references():
        # ob_refcnt is the first field of every CPython object (non-free-threaded builds).
        refcnt = ctypes.c_ssize_t.from_address(id(True))
        refcnt.value += 1 << 40
        _applied = True
    return _applied
