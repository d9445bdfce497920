"""The one gate to compiled code: every loop Embedscope runs compiled with numba, and every
module of hand-written compiled loops (core/*_kernels.py), is loaded through this module.

numba is imported only when a loop is first needed (about 0.4 s and 100 MB, which a window
that never needs it should not pay); each loop is compiled once per process, and numba keeps
the machine code on disk between runs. Every caller has a plain numpy/Python path for when
this gate answers None, and that plain path is the reference the compiled one is tested
against.

EMBEDSCOPE_PLAIN=1 in the environment turns every compiled and SIMD path off: `compiled` and
`kernels` answer None as if numba were missing, so the text readers and writers, the n-gram
hashing, the analogy batch and the quality figure take their plain paths and the 4-bit search
copy is never built (core/quantized.py). Use it to rule the fast paths out when results look
wrong, or to run the tests against the reference paths (`make test` does both).

`cache_library_code` is the other use of numba here: it has numba keep on disk the code of
libraries that compile their own loops (umap-learn), which the switch leaves alone — those
libraries need numba whatever Embedscope's own paths do.
"""
from __future__ import annotations

import importlib
import os
import threading
import types

PLAIN_SWITCH = "EMBEDSCOPE_PLAIN"

_loops: dict = {}
_modules: dict = {}
_lock = threading.Lock()


def plain() -> bool:
    """Whether EMBEDSCOPE_PLAIN asks for the plain paths only (read on every call, so a test
    can set it for one case)."""
    return os.environ.get(PLAIN_SWITCH, "").strip() not in ("", "0")


def compiled(fn, calls=(), **options):
    """`fn` compiled with numba (no GIL held, cached on disk, plus `options` such as
    fastmath; one set per function), or None when numba is missing or EMBEDSCOPE_PLAIN is set.

    `calls`: loops this one calls, each already returned by this function; `fn`'s body calls
    them by their Python names (plain functions in Python), and the compiled `fn` calls their
    compiled forms instead.
    """
    if plain():
        return None
    with _lock:
        if fn not in _loops:
            try:
                import numba
            except ImportError:
                _loops[fn] = None
            else:
                _loops[fn] = numba.njit(cache=True, nogil=True, **options)(_linked(fn, calls))
        return _loops[fn]


def _linked(fn, calls):
    """`fn` itself, or (with `calls`) a copy whose global names of the called functions
    resolve to their compiled forms; the module's own names stay the plain functions."""
    if not calls:
        return fn
    names = dict(fn.__globals__)
    names.update({loop.py_func.__name__: loop for loop in calls})
    copy = types.FunctionType(fn.__code__, names, fn.__name__, fn.__defaults__, fn.__closure__)
    copy.__qualname__ = fn.__qualname__
    copy.__module__ = fn.__module__
    copy.__doc__ = fn.__doc__
    return copy


def is_loaded(fn) -> bool:
    """Whether `fn` has been asked for already (so using it costs no import or load)."""
    return not plain() and fn in _loops


def kernels(name: str):
    """The module core/<name>.py of compiled loops written against numba directly (LLVM
    intrinsics), imported on first use; None when numba is missing or EMBEDSCOPE_PLAIN is set."""
    if plain():
        return None
    with _lock:
        if name not in _modules:
            try:
                _modules[name] = importlib.import_module(f"{__package__}.{name}")
            except ImportError:
                _modules[name] = None
        return _modules[name]


def cache_library_code(libraries) -> None:
    """Have numba keep on disk every function the named packages compile (module names such as
    "umap"), not only those they mark `cache=True`: their decorators run when they are
    imported, so this comes first. It wraps `numba.njit` and `numba.jit`, which such packages
    call as attributes of `numba`, for the rest of the process: meant for a worker process
    that runs those libraries (core/projection_worker.py), not for the window's."""
    import inspect

    import numba

    libraries = tuple(libraries)
    if getattr(numba.njit, "caches_libraries", None) == libraries:
        return

    def with_cache(func, options):
        module = getattr(func, "__module__", "") or ""
        if "cache" not in options and module.split(".")[0] in libraries:
            return {**options, "cache": True}
        return options

    def caching(decorator):
        def decorate(*args, **options):
            if args and inspect.isfunction(args[0]):  # @numba.njit without arguments
                return decorator(*args, **with_cache(args[0], options))
            return lambda func: decorator(*args, **with_cache(func, options))(func)

        decorate.caches_libraries = libraries
        return decorate

    numba.njit = caching(numba.njit)
    numba.jit = caching(numba.jit)
