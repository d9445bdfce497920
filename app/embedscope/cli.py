"""The `embedscope` command: the window when no subcommand is given, CLI subcommands otherwise.

Each subcommand is a module in `embedscope.commands` with `NAME`, `HELP`, `EXAMPLES`,
`add_arguments(parser)` and `run(args) -> exit code`. Exit codes: 0 success, 1 the command ran
but found a problem (errors in a check, unknown word, export refused), 2 the file could not be
loaded (not enough memory included) or the arguments were wrong, 3 an internal error (a bug:
the message says so and names the version). Errors go to stderr.
"""
from __future__ import annotations

import argparse
import difflib
import importlib
import os
import sys

from . import __version__

COMMANDS = ["info", "check", "neighbours", "analogy", "eval", "project", "export", "coverage",
            "verify", "diff", "compare", "demo"]

EXIT_CODES = """exit codes:
  0  success
  1  the command ran and found a problem (check errors, unknown word, export refused)
  2  the file could not be loaded (not enough memory included), or the arguments were wrong
  3  internal error: a bug in Embedscope (please report it with the message)"""

EXIT_INTERNAL = 3


def _command_module(name):
    return importlib.import_module(f"embedscope.commands.{name.replace('-', '_')}")


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="embedscope",
        description="Open, check, explore and prune pretrained word embeddings. "
        "With no subcommand, opens the window (on FILE, or on the bundled sample).",
        epilog="Run 'embedscope COMMAND --help' for a command's options and examples.\n\n"
        + EXIT_CODES,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--version", action="version", version=f"embedscope {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    for name in COMMANDS:
        mod = _command_module(name)
        p = sub.add_parser(
            name,
            help=mod.HELP,
            description=mod.HELP,
            epilog=("examples:\n" + "\n".join("  " + e for e in mod.EXAMPLES) + "\n\n"
                    + EXIT_CODES),
            formatter_class=argparse.RawDescriptionHelpFormatter,
        )
        mod.add_arguments(p)
        p.set_defaults(_run=mod.run)
    return parser


def main(argv=None) -> int:
    """Run the command line; every failure ends in a message on stderr and an exit code
    (see EXIT_CODES), never a traceback."""
    try:
        return _main(argv)
    except KeyboardInterrupt:
        print("embedscope: interrupted", file=sys.stderr)
        return 130
    except MemoryError as exc:
        print(f"embedscope: not enough memory to finish ({exc or 'an allocation failed'}); "
              "close other programs, or work on a smaller file", file=sys.stderr)
        return 2
    except RecursionError:
        return _internal_error("RecursionError", "nesting too deep to follow")
    except Exception as exc:  # noqa: BLE001 — a bug: one paragraph instead of a traceback
        return _internal_error(type(exc).__name__, str(exc))


def _internal_error(kind: str, detail: str) -> int:
    import traceback

    where = traceback.extract_tb(sys.exc_info()[2])[-1] if sys.exc_info()[2] else None
    at = f" at {os.path.basename(where.filename)}:{where.lineno}" if where else ""
    print(f"embedscope {__version__}: internal error ({kind}{at}: {detail[:300]}). This is a "
          "bug in Embedscope, not a problem with your file or command; please report it with "
          "this message and the command you ran.", file=sys.stderr)
    if os.environ.get("EMBEDSCOPE_DEBUG"):
        traceback.print_exc()
    return EXIT_INTERNAL


def _main(argv) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    # `embedscope` or `embedscope FILE [--vocab F]`: the window.
    if not argv or (argv[0] not in COMMANDS and not argv[0].startswith("-")):
        if argv and not os.path.exists(argv[0]):
            # A typo of a command, or a file that is not there: say so here rather than
            # opening a window with an error in it.
            close = difflib.get_close_matches(argv[0], COMMANDS, n=1)
            if close:
                print(f"embedscope: unknown command '{argv[0]}' (did you mean '{close[0]}'?)",
                      file=sys.stderr)
            else:
                print(f"embedscope: {argv[0]}: no such file or command "
                      "(run 'embedscope --help' for the commands)", file=sys.stderr)
            return 2
        from .gui.app import main as gui_main

        return gui_main(argv)
    parser = build_parser()
    try:
        args = parser.parse_args(argv)
    except SystemExit as exc:  # argparse exits 2 on bad arguments, 0 on --help
        return int(exc.code or 0)
    if args.command is None:
        parser.print_help()
        return 0
    return int(args._run(args) or 0)


if __name__ == "__main__":
    sys.exit(main())
