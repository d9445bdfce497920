"""Work-arounds for bugs in the Qt bindings, applied once before the window is built.

PySide6 6.12.0 on Python < 3.12 loses references to Python's singletons: every method that
returns nothing hands back `None` without taking a reference to it, and `SignalInstance.emit()`
does the same with `True`. Each call drops one reference, so after some ten thousand calls
(a minute of using the window) the interpreter aborts with "Fatal Python error:
none_dealloc" (or bool_dealloc). 6.11 and earlier are fine; from Python 3.12 these objects
are immortal and the lost references do no harm.

We detect the loss by calling such methods a few times and, for each singleton that lost
references, add a reserve of 2**40 references once — more than any session could lose. With
fixed bindings or a newer Python the probes find nothing and nothing is changed.
"""
from __future__ import annotations

import ctypes
import sys

_applied: set[str] = set()
RESERVE = 1 << 40
PROBES = 50


def lost_references() -> dict[str, int]:
    """References to None / True / False lost by PROBES calls of Qt methods that return them."""
    from PySide6.QtCore import QObject, Signal

    class _Probe(QObject):
        ping = Signal()

    probe = _Probe()
    out = {}
    for name, obj, call in (("None", None, lambda: probe.setObjectName("probe")),
                            ("True", True, probe.ping.emit),
                            ("False", False, probe.signalsBlocked)):
        before = sys.getrefcount(obj)
        for _ in range(PROBES):
            call()
        out[name] = before - sys.getrefcount(obj)
    return out


def apply() -> set[str]:
    """Give each singleton the bindings leak a reserve of references; returns their names."""
    if _applied or sys.version_info >= (3, 12) or sys.implementation.name != "cpython":
        return _applied
    objects = {"None": None, "True": True, "False": False}
    for name, lost in lost_references().items():
        if lost >= PROBES:
            # ob_refcnt is the first field of every CPython object (non-free-threaded builds).
            ctypes.c_ssize_t.from_address(id(objects[name])).value += RESERVE
            _applied.add(name)
    return _applied
