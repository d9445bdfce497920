"""A user's regular expression matched against the words in a separate process, with a time
limit, so that a pattern that backtracks without end ('(a+)+$' on a long token) is given up on
with a message instead of hanging the export or the window.

Python's `re` cannot be stopped from another thread, and a signal reaches only the main thread
(the window runs this in a worker thread), so the matching runs in a process started with the
"spawn" method (forking after Qt has started threads is unsafe) and is terminated at the
deadline or on cancel. The child reports the index of the word it is on, so the message names
the word the pattern got stuck on.
"""
from __future__ import annotations

import multiprocessing
import re
import time

from .errors import EmbedscopeError
from .jobs import Job

# Long enough for any sane pattern over millions of words (a full-vocabulary fullmatch takes
# well under a second per million words), short enough that a runaway one is noticed.
TIME_LIMIT_SECONDS = 10.0
_POLL_SECONDS = 0.05


class RegexTimeoutError(EmbedscopeError):
    """A regular expression took longer than the time limit; names the word it was stuck on."""


def _child(conn, pattern: str, flags: int, words: list[str], position) -> None:
    """In the worker: the indices of the words `pattern` matches in full, sent back at the end."""
    match = re.compile(pattern, flags).fullmatch
    hits = []
    for i, w in enumerate(words):
        position.value = i
        if match(w):
            hits.append(i)
    conn.send(hits)
    conn.close()


def matching_indices(pattern: str, flags: int, words: list[str], job: Job | None = None,
                     seconds: float | None = None) -> list[int]:
    """Indices of `words` that `pattern` matches in full (`re.fullmatch`), in order.

    The pattern must already compile. Raises RegexTimeoutError after `seconds` (default
    TIME_LIMIT_SECONDS), Cancelled when the job's should_stop turns true; the worker process
    is gone either way."""
    job = job or Job()
    seconds = TIME_LIMIT_SECONDS if seconds is None else seconds
    ctx = multiprocessing.get_context("spawn")
    parent, child = ctx.Pipe(duplex=False)
    position = ctx.RawValue("q", 0)
    words = words if isinstance(words, list) else list(words)
    proc = ctx.Process(target=_child, args=(child, pattern, flags, words, position),
                       daemon=True, name="embedscope-regex")
    start = time.monotonic()
    proc.start()
    child.close()
    try:
        while not parent.poll(_POLL_SECONDS):
            job.step(position.value, len(words), f"matching /{pattern}/")
            if time.monotonic() - start > seconds:
                i = position.value
                word = words[i] if i < len(words) else ""
                shown = word if len(word) <= 40 else word[:37] + "…"
                raise RegexTimeoutError(
                    f"gave up on the regular expression '{pattern}' after {seconds:g} s, stuck "
                    f"on the word {shown!r} ({len(word):,} characters, row {i:,}): the pattern "
                    "backtracks without end on it, as a repetition of a repetition such as "
                    "(a+)+ does; write it without repeating a repeated group")
        try:
            return parent.recv()
        except EOFError:  # the worker died without answering (out of memory, killed)
            proc.join(2)
            raise EmbedscopeError(f"matching the regular expression '{pattern}' stopped "
                                  f"unexpectedly (worker exit code {proc.exitcode})") from None
    finally:
        parent.close()
        if proc.is_alive():
            proc.terminate()
        proc.join(2)
        if proc.is_alive():
            proc.kill()
            proc.join()
