"""The CLI reference in Markdown, generated from `embedscope.cli.build_parser()` so docs/CLI.md
cannot drift from the commands: every subcommand's usage, arguments, options and examples.

    .venv/bin/python packaging/cli_reference.py                      # print it
    .venv/bin/python packaging/cli_reference.py --write docs/CLI.md  # rewrite the marked block
    .venv/bin/python packaging/cli_reference.py --check docs/CLI.md  # exit 1 when out of date

The block sits between `<!-- cli-reference:start -->` and
`<!-- cli-reference:end -->`; everything outside the markers is left as it is.
"""
from __future__ import annotations

import argparse
import importlib
import os
import re
import sys
from contextlib import contextmanager
from pathlib import Path

START = "<!-- cli-reference:start -->"
END = "<!-- cli-reference:end -->"
# argparse wraps usage lines to the terminal width; a fixed width keeps the text the same on
# every machine, so the test compares like with like.
WIDTH = 100


class MarkersMissing(Exception):
    """The file has no (or a malformed) cli-reference block."""


@contextmanager
def _fixed_width():
    old = os.environ.get("COLUMNS")
    os.environ["COLUMNS"] = str(WIDTH)
    try:
        yield
    finally:
        if old is None:
            os.environ.pop("COLUMNS", None)
        else:
            os.environ["COLUMNS"] = old


def _subcommands(parser: argparse.ArgumentParser):
    """(name, subparser, one-line help) for each registered subcommand, in the order listed."""
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            helps = {a.dest: a.help for a in action._choices_actions}
            for name, sub in action.choices.items():
                yield name, sub, helps.get(name) or sub.description or ""


def _examples(name: str) -> list[str]:
    mod = importlib.import_module(f"embedscope.commands.{name.replace('-', '_')}")
    return list(getattr(mod, "EXAMPLES", []))


def _text(text: str) -> str:
    """Help text as Markdown prose: `<pad>` would otherwise vanish as an HTML tag and `*`
    start emphasis."""
    text = " ".join(str(text).split())
    for raw, escaped in (("&", "&amp;"), ("<", "&lt;"), (">", "&gt;"), ("*", "\\*")):
        text = text.replace(raw, escaped)
    return text


def _window_help() -> str | None:
    """The window's own --help (gui/app.py parses `embedscope [FILE] [--vocab F]...`), read
    without starting Qt; None while that module does not exist."""
    import contextlib
    import io

    try:
        from embedscope.gui import app
    except ImportError:
        return None
    buf = io.StringIO()
    with contextlib.redirect_stdout(buf), contextlib.suppress(SystemExit):
        app.parse_args(["--help"])
    return buf.getvalue().strip() or None


def _cell(text: str) -> str:
    """Help text safe inside a Markdown table cell."""
    return _text(text).replace("|", "\\|")


def _code_cell(text: str) -> str:
    """Text inside a code span in a table cell (only `|` needs escaping there)."""
    return " ".join(str(text).split()).replace("|", "\\|")


def _invocation(action: argparse.Action) -> str:
    if not action.option_strings:
        return action.metavar or action.dest
    if action.nargs == 0:
        return ", ".join(action.option_strings)
    if action.metavar is not None:
        metavar = action.metavar if isinstance(action.metavar, str) else " ".join(action.metavar)
    elif action.choices is not None:
        metavar = "{" + ",".join(map(str, action.choices)) + "}"
    else:
        metavar = action.dest.upper()
    if action.nargs in ("*", "?"):
        metavar = f"[{metavar}]"
    elif action.nargs == "+":
        metavar = f"{metavar} [{metavar} ...]"
    elif isinstance(action.nargs, int) and action.nargs > 1:
        metavar = " ".join([metavar] * action.nargs)
    return ", ".join(f"{opt} {metavar}" for opt in action.option_strings)


def _help_text(action: argparse.Action, prog: str) -> str:
    """The help string with argparse's %(default)s-style fields filled, and the default named
    when the help does not already say it."""
    text = action.help or ""
    params = dict(vars(action), prog=prog)
    for key, value in list(params.items()):
        if value is argparse.SUPPRESS:
            del params[key]
        elif hasattr(value, "__name__"):
            params[key] = value.__name__
    if params.get("choices") is not None:
        params["choices"] = ", ".join(map(str, params["choices"]))
    try:
        text = text % params
    except (KeyError, TypeError, ValueError):
        pass  # a literal % in a help string; show it as written
    default = action.default
    if (action.option_strings and action.nargs != 0 and default not in (None, "", [])
            and default is not argparse.SUPPRESS and "default" not in text.lower()
            and f"({default})" not in text):
        text = f"{text} (default: {default})".strip()
    return text


def _arguments_table(sub: argparse.ArgumentParser) -> list[str]:
    rows = []
    for action in sub._actions:
        if isinstance(action, (argparse._HelpAction, argparse._SubParsersAction)):
            continue
        if action.help is argparse.SUPPRESS:
            continue
        rows.append(f"| `{_code_cell(_invocation(action))}` | "
                    f"{_cell(_help_text(action, sub.prog))} |")
    if not rows:
        return []
    return ["| argument | what it does |", "| --- | --- |", *rows]


def generate(parser: argparse.ArgumentParser | None = None, heading: str = "###") -> str:
    """The whole reference as Markdown (ends with a newline)."""
    from embedscope import cli

    with _fixed_width():
        parser = parser or cli.build_parser()
        subs = list(_subcommands(parser))
        out = [
            "<!-- Generated by packaging/cli_reference.py from the argument parser: "
            "edit the commands, then run "
            "`python packaging/cli_reference.py --write docs/CLI.md`. -->",
            "",
            "```text",
            parser.format_usage().strip(),
            "```",
            "",
            _text(parser.description or ""),
            "",
            "| command | what it does |",
            "| --- | --- |",
            *(f"| [`{name}`](#embedscope-{name}) | {_cell(help_)} |" for name, _, help_ in subs),
            "",
            "`embedscope --version` prints the version; `embedscope COMMAND --help` prints a "
            "command's options and examples. Errors and warnings go to stderr, results to stdout.",
            "",
            "| exit code | meaning |",
            "| --- | --- |",
        ]
        for line in cli.EXIT_CODES.splitlines()[1:]:
            code, _, meaning = line.strip().partition(" ")
            out.append(f"| {code} | {_cell(meaning)} |")
        window = _window_help()
        if window:
            out += ["", f"{heading} embedscope (the window)", "",
                    "`embedscope` alone opens the window on the bundled sample; "
                    "`embedscope FILE` opens FILE.", "", "```text", window, "```"]
        for name, sub, help_ in subs:
            sentence = _text(f"{help_[:1].upper()}{help_[1:]}.")
            out += ["", f"{heading} embedscope {name}", "", sentence, "",
                    "```text", sub.format_usage().strip(), "```", ""]
            table = _arguments_table(sub)
            if table:
                out += [*table, ""]
            examples = _examples(name)
            if examples:
                out += ["Examples:", "", "```sh", *examples, "```"]
    return "\n".join(out).rstrip() + "\n"


_BLOCK = re.compile(re.escape(START) + r"\n?(.*?)" + re.escape(END), re.DOTALL)


def readme_block(text: str) -> str:
    """What stands between the markers now (without the markers)."""
    if text.count(START) != 1 or text.count(END) != 1 or text.index(START) > text.index(END):
        raise MarkersMissing(f"expected one '{START}' followed by one '{END}'")
    return _BLOCK.search(text).group(1)


def replace_block(text: str, reference: str) -> str:
    """`text` with the marked block replaced by `reference`; the rest untouched."""
    readme_block(text)  # validates the markers
    return _BLOCK.sub(lambda m: f"{START}\n{reference}{END}", text, count=1)


def main(argv=None) -> int:
    p = argparse.ArgumentParser(description="Generate Embedscope's CLI reference in Markdown.")
    group = p.add_mutually_exclusive_group()
    group.add_argument("--write", metavar="FILE", type=Path,
                       help="rewrite the block between the cli-reference markers in this file")
    group.add_argument("--check", metavar="FILE", type=Path,
                       help="exit 1 when the block in this file differs from the generated text")
    p.add_argument("--heading", default="###", help="Markdown heading level for each command")
    args = p.parse_args(argv)
    reference = generate(heading=args.heading)
    target = args.write or args.check
    if target is None:
        sys.stdout.write(reference)
        return 0
    try:
        text = target.read_text(encoding="utf-8")
        new = replace_block(text, reference)
    except OSError as exc:
        print(f"cli_reference: cannot read {target}: {exc.strerror}", file=sys.stderr)
        return 2
    except MarkersMissing as exc:
        print(f"cli_reference: {target}: {exc}", file=sys.stderr)
        return 2
    if args.check:
        if new != text:
            print(f"cli_reference: {target} is out of date; run "
                  f"'python packaging/cli_reference.py --write {target}'", file=sys.stderr)
            return 1
        return 0
    if new != text:
        target.write_text(new, encoding="utf-8")
        print(f"rewrote the CLI reference in {target}")
    else:
        print(f"{target} is up to date")
    return 0


if __name__ == "__main__":
    sys.exit(main())
