"""What every subcommand shares: the source-file arguments, the checked argument types, loading
with a terminal progress bar, and turning user errors into a message on stderr and an exit code."""
from __future__ import annotations

import argparse
import json
import math
import sys
import time

from ..core.errors import EmbedscopeError
from ..core.jobs import Cancelled
from ..core.pairing import FIXES, apply_fix, full_vectors
from ..io.registry import READERS, load

EXIT_OK, EXIT_PROBLEM, EXIT_UNLOADABLE = 0, 1, 2


class CommandFailed(Exception):
    """Raised inside a command to stop with a message and an exit code."""

    def __init__(self, message: str, code: int):
        super().__init__(message)
        self.code = code


# --- argument types ------------------------------------------------------------------------
# Every numeric or parsed argument of every command goes through one of these, so a bad value
# stops argparse with "argument X: ..." and exit 2 before anything is loaded.
SEED_MAX = 2**32 - 1  # numpy's legacy generators (used by UMAP and t-SNE) take seeds below 2**32


def whole_number(at_least: int):
    """An argparse type: a whole number ≥ `at_least` (1 for counts, 0 where 0 means all/none)."""

    def parse(text: str) -> int:
        try:
            value = int(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"expected a whole number, not {text!r}") from None
        if value < at_least:
            raise argparse.ArgumentTypeError(f"expected a whole number ≥ {at_least}, not {value}")
        return value

    parse.__name__ = f"whole number ≥ {at_least}"
    return parse


COUNT = whole_number(1)
COUNT_OR_ZERO = whole_number(0)


def seed(text: str) -> int:
    """An argparse type: a random seed numpy accepts, 0 to 2**32 - 1."""
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a whole number, not {text!r}") from None
    if not 0 <= value <= SEED_MAX:
        raise argparse.ArgumentTypeError(f"a seed is a whole number from 0 to {SEED_MAX}, "
                                         f"not {value}")
    return value


def seed_or_none(text: str) -> int | None:
    """An argparse type: a seed as `seed`, or 'none' (or 'random') for no fixed seed."""
    if text.strip().lower() in ("none", "random"):
        return None
    try:
        return seed(text)
    except argparse.ArgumentTypeError as exc:
        raise argparse.ArgumentTypeError(f"{exc} (or 'none')") from None


def real_number(above: float | None = None, at_least: float | None = None):
    """An argparse type: a finite number, > `above` or ≥ `at_least` when given."""

    def parse(text: str) -> float:
        try:
            value = float(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"expected a number, not {text!r}") from None
        if not math.isfinite(value):
            raise argparse.ArgumentTypeError(f"expected a finite number, not {text!r}")
        if above is not None and not value > above:
            raise argparse.ArgumentTypeError(f"expected a number > {above:g}, not {value:g}")
        if at_least is not None and not value >= at_least:
            raise argparse.ArgumentTypeError(f"expected a number ≥ {at_least:g}, not {value:g}")
        return value

    parse.__name__ = "number"
    return parse


def expression(text: str) -> str:
    """An argparse type: an analogy expression that reads (core.expression) before any file is
    loaded; the message shows where it does not. Whether a hyphenated run is one word is
    settled later, against the vocabulary."""
    from ..core.expression import ExpressionError, parse_expression

    try:
        parse_expression(text)
    except ExpressionError as exc:
        raise argparse.ArgumentTypeError(str(exc)) from None
    return text


def add_source_arguments(p, path_help="the embedding file") -> None:
    p.add_argument("path", metavar="PATH", help=path_help)
    add_source_options(p)


def add_source_options(p, prefix="", format_flag="format", vocab_help=None) -> None:
    """The options every command has for its source file. `format_flag` renames --format
    where that name means something else (export's --format is the output format)."""
    p.add_argument(f"--{prefix}vocab", metavar="FILE",
                   help=vocab_help or "words file for a bare matrix or a checkpoint (found "
                   "beside it by name when omitted)")
    p.add_argument(f"--{prefix}{format_flag}", dest=f"{prefix}format".replace("-", "_"),
                   metavar="F",
                   help="skip detection: " + ", ".join(READERS))
    p.add_argument(f"--{prefix}tensor", metavar="NAME",
                   help="which 2-D tensor of a checkpoint holds the embedding")
    if not prefix:
        p.add_argument("--trust-pickle", action="store_true",
                       help="allow gensim .model/.kv files (Python pickles run code when loaded)")
        p.add_argument("--no-cache", action="store_true",
                       help="parse the file again instead of using the memory-mapped cache")
        # One flag per fix the check can propose (core.pairing.FIXES), named alike; each
        # re-pairs words and rows for this run only and writes nothing.
        for fix in FIXES.values():
            p.add_argument(f"--{fix.name}", action="store_true",
                           help=fix.help + " (for this run; writes nothing)")


class TerminalProgress:
    """A one-line progress bar on stderr, shown only for loads that take over half a second
    and only when stderr is a terminal (so pipes and CI logs stay clean)."""

    def __init__(self, label: str):
        self.label = label
        self.start = time.monotonic()
        self.shown = False
        self.tty = sys.stderr.isatty()
        self.last = 0.0

    def __call__(self, done, total, message=""):
        now = time.monotonic()
        if not self.tty or now - self.start < 0.5 or now - self.last < 0.1:
            return
        self.last = now
        self.shown = True
        if total:
            frac = min(1.0, done / total)
            bar = "#" * int(30 * frac)
            text = f"\r{self.label} [{bar:<30}] {100 * frac:5.1f}% {message}"
        else:
            text = f"\r{self.label} {message}"
        sys.stderr.write(text[:120].ljust(80))
        sys.stderr.flush()

    def close(self):
        if self.shown:
            sys.stderr.write("\r" + " " * 100 + "\r")
            sys.stderr.flush()


def _fixes_asked(args, prefix: str) -> list[str]:
    """The fix flags given, in the order they are applied: the header line first (it decides
    what the first word is), then the move, then the drops."""
    if prefix:
        return []
    order = ("skip-header-line", "fix-shift", "drop-unpaired-rows", "drop-extra-words")
    return [name for name in order if getattr(args, name.replace("-", "_"), False)]


def load_source(args, prefix="", path=None, allow_mismatch=False):
    """Load the embedding named by the parsed arguments; CommandFailed(code 2) when it cannot.
    The fix flags (--fix-shift, --drop-unpaired-rows, --drop-extra-words, --skip-header-line)
    re-pair the words and rows for this run (see core.pairing)."""
    path = path if path is not None else args.path
    bar = TerminalProgress(f"loading {path}")
    fixes = _fixes_asked(args, prefix)
    try:
        try:
            emb = load(
                path,
                vocab=getattr(args, f"{prefix}vocab", None),
                format=getattr(args, f"{prefix}format", None),
                tensor=getattr(args, f"{prefix}tensor", None),
                trust_pickle=getattr(args, "trust_pickle", False),
                use_cache=not getattr(args, "no_cache", False),
                allow_mismatch=allow_mismatch or bool(fixes),
                progress=bar,
            )
        except EmbedscopeError as exc:
            if "the words file has" in str(exc):
                raise CommandFailed(
                    f"{exc}\n(run 'embedscope check' with the same files to see which end is "
                    "off; " + ", ".join(f"--{n}" for n in FIXES) + " pair them for one run)",
                    EXIT_UNLOADABLE) from None
            raise
        for name in fixes:
            emb = _fix(emb, name, allow_mismatch, bar)
        if fixes and emb.source.words_in_file is not None and not allow_mismatch:
            raise CommandFailed(
                f"the words file still has {len(emb.source.words_in_file):,} words for "
                f"{full_vectors(emb).shape[0]:,} rows after "
                + ", ".join(f"--{n}" for n in fixes)
                + " (run 'embedscope check' for details)", EXIT_UNLOADABLE)
        return emb
    except EmbedscopeError as exc:
        raise CommandFailed(str(exc), EXIT_UNLOADABLE) from None
    except Cancelled:
        raise CommandFailed("cancelled", EXIT_UNLOADABLE) from None
    finally:
        bar.close()


def _fix(emb, name, allow_mismatch, bar):
    """Apply one fix flag; a note on stderr says what it did (or why it did nothing)."""
    words = emb.source.words_in_file
    n_words = len(words) if words is not None else emb.rows
    n_rows = full_vectors(emb).shape[0]
    if name == "fix-shift":
        return _fix_shift(emb, allow_mismatch, bar)
    if name == "drop-unpaired-rows" and n_words > n_rows:
        raise CommandFailed(
            f"--drop-unpaired-rows: the words file has more words ({n_words:,}) than the "
            f"matrix has rows ({n_rows:,}); --drop-extra-words leaves out the words without "
            "a row", EXIT_UNLOADABLE)
    if name == "drop-extra-words" and n_words < n_rows:
        raise CommandFailed(
            f"--drop-extra-words: the words file has fewer words ({n_words:,}) than the "
            f"matrix has rows ({n_rows:,}); --drop-unpaired-rows leaves out the rows without "
            "a word", EXIT_UNLOADABLE)
    emb = apply_fix(emb, name)
    print(f"embedscope: --{name}: {emb.source.warnings[-1]}", file=sys.stderr)
    return emb


def _fix_shift(emb, allow_mismatch, bar):
    """--fix-shift: re-pair words and rows when the detector finds them offset."""
    from ..core.shift import candidate_offsets, detect_shift

    shift = detect_shift(emb, offsets=candidate_offsets(emb), progress=bar)
    if shift.found:
        emb = apply_fix(emb, "fix-shift", shift.offset)
        print(f"embedscope: --fix-shift: {emb.source.warnings[-1]}", file=sys.stderr)
        return emb
    why = (shift.evidence["verdict"] if "break" in shift.evidence
           else "no offset makes the words fit the rows")
    if emb.source.words_in_file is not None and not allow_mismatch:
        raise CommandFailed(
            f"the words file has {len(emb.source.words_in_file):,} words for a different number "
            f"of rows, and {why} (run 'embedscope check' for details)", EXIT_UNLOADABLE)
    print(f"embedscope: --fix-shift: {why if 'break' in shift.evidence else 'no shift found'}; "
          "words and rows paired as loaded", file=sys.stderr)
    return emb


def run_guarded(fn):
    """Decorator for `run(args)`: CommandFailed and user errors become stderr + exit code."""

    def wrapper(args):
        try:
            return fn(args)
        except CommandFailed as exc:
            print(f"embedscope: {exc}", file=sys.stderr)
            return exc.code
        except EmbedscopeError as exc:
            print(f"embedscope: {exc}", file=sys.stderr)
            return EXIT_PROBLEM
        except BrokenPipeError:
            return EXIT_OK

    wrapper.__name__ = fn.__name__
    wrapper.__doc__ = fn.__doc__
    return wrapper


def print_json(obj) -> None:
    print(json.dumps(obj, ensure_ascii=False, indent=2))
