"""Loops compiled with numba on first use. numba is imported only when a loop is first needed
(about 0.4 s and 100 MB, which a window that never needs it should not pay); each loop is
compiled once per process, and numba keeps the machine code on disk between runs."""
from __future__ import annotations

import threading

_loops: dict = {}
_lock = threading.Lock()


def compiled(fn, **options):
    """`fn` compiled with numba (no GIL held, cached on disk, plus `options` such as
    fastmath; one set per function), or None when numba is not installed."""
    with _lock:
        if fn not in _loops:
            try:
                import numba
            except ImportError:
                _loops[fn] = None
            else:
                _loops[fn] = numba.njit(cache=True, nogil=True, **options)(fn)
        return _loops[fn]


def is_loaded(fn) -> bool:
    """Whether `fn` has been asked for already (so using it costs no import or load)."""
    return fn in _loops
