"""The CLI reference in docs/CLI.md is generated from the argument parser and cannot drift:
every subcommand, option and example appears, and the file's block equals the generated text."""
from __future__ import annotations

import importlib.util
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
SCRIPT = ROOT / "packaging" / "cli_reference.py"


@pytest.fixture(scope="module")
def ref():
    spec = importlib.util.spec_from_file_location("cli_reference", SCRIPT)
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


@pytest.fixture(scope="module")
def generated(ref):
    return ref.generate()


def _subparsers():
    import argparse

    from embedscope.cli import build_parser

    parser = build_parser()
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            return dict(action.choices)
    return {}


def test_every_command_option_and_example_is_in_the_reference(generated):
    from embedscope.cli import _command_module

    subs = _subparsers()
    assert "info" in subs
    for name, sub in subs.items():
        assert f"### embedscope {name}\n" in generated
        examples = _command_module(name).EXAMPLES
        assert examples, f"'{name}' has no examples for its --help"
        for example in examples:
            assert f"\n{example}\n" in generated, example
        for action in sub._actions:
            for opt in action.option_strings:
                if opt not in ("-h", "--help"):
                    assert f"`{opt}" in generated or f", {opt}" in generated, (name, opt)


def test_reference_is_the_same_whatever_the_terminal_width(ref, monkeypatch):
    monkeypatch.setenv("COLUMNS", "40")
    narrow = ref.generate()
    monkeypatch.setenv("COLUMNS", "250")
    assert ref.generate() == narrow


def test_write_replaces_only_the_marked_block(ref, generated, tmp_path):
    readme = tmp_path / "README.md"
    before = "# Title\n\nIntro.\n\n## CLI reference\n\n"
    after = "\n## Python API\n\nText | with a pipe.\n"
    readme.write_text(before + f"{ref.START}\nstale text\n{ref.END}" + after, encoding="utf-8")
    cmd = [sys.executable, str(SCRIPT)]
    check = subprocess.run(cmd + ["--check", str(readme)], capture_output=True, text=True)
    assert check.returncode == 1 and "out of date" in check.stderr
    subprocess.run(cmd + ["--write", str(readme)], check=True, capture_output=True)
    text = readme.read_text(encoding="utf-8")
    assert text == before + f"{ref.START}\n{generated}{ref.END}" + after
    assert subprocess.run(cmd + ["--check", str(readme)]).returncode == 0
    subprocess.run(cmd + ["--write", str(readme)], check=True, capture_output=True)
    assert readme.read_text(encoding="utf-8") == text  # idempotent


def test_missing_markers_are_an_error_not_a_silent_pass(tmp_path):
    readme = tmp_path / "README.md"
    readme.write_text("# no markers here\n", encoding="utf-8")
    r = subprocess.run([sys.executable, str(SCRIPT), "--check", str(readme)],
                       capture_output=True, text=True)
    assert r.returncode == 2 and "cli-reference:start" in r.stderr
    assert readme.read_text(encoding="utf-8") == "# no markers here\n"


def test_docs_block_equals_the_generated_reference(ref, generated):
    text = (ROOT / "docs" / "CLI.md").read_text(encoding="utf-8")
    assert ref.readme_block(text) == generated, (
        "docs/CLI.md is out of date: run "
        "'.venv/bin/python packaging/cli_reference.py --write docs/CLI.md'")


def test_readme_links_the_reference():
    assert "(docs/CLI.md)" in (ROOT / "README.md").read_text(encoding="utf-8")


# What the reference promises about every subcommand, checked on each one that exists:
# --help with examples and exit codes, bad arguments → 2 with usage on stderr, a file that
# cannot be loaded → 2 with one line on stderr, nothing on stdout when failing.

def _command_names():
    return list(_subparsers())


def _argv_for_missing_file(name, missing):
    """The command's first example with its embedding file replaced by a missing one (the
    examples give whatever else the command insists on, such as export's word choice)."""
    import shlex

    from embedscope.cli import _command_module

    sub = _subparsers()[name]
    positionals = [a for a in sub._actions if not a.option_strings]
    if not positionals:
        return None
    for example in _command_module(name).EXAMPLES:
        argv = shlex.split(example, comments=True)[2:]
        value = getattr(sub.parse_args(argv), positionals[0].dest)
        if isinstance(value, str) and value in argv:
            argv[argv.index(value)] = str(missing)
            return [name, *argv]
    return None


@pytest.mark.parametrize("name", _command_names())
def test_help_shows_examples_and_exit_codes(name, capsys):
    from embedscope.cli import main

    assert main([name, "--help"]) == 0
    out, err = capsys.readouterr()
    assert out.startswith(f"usage: embedscope {name}")
    assert "examples:\n  embedscope " in out and "exit codes:" in out and not err


@pytest.mark.parametrize("name", _command_names())
def test_bad_arguments_exit_2_with_usage_on_stderr(name, capsys):
    from embedscope.cli import main

    assert main([name, "--no-such-option"]) == 2
    out, err = capsys.readouterr()
    assert not out and "usage:" in err and "error:" in err


@pytest.mark.parametrize("name", _command_names())
def test_unloadable_file_exits_2_with_a_message_on_stderr(name, capsys, tmp_path):
    from embedscope.cli import main

    missing = tmp_path / "no-such-embedding.txt"
    argv = _argv_for_missing_file(name, missing)
    if argv is None:
        pytest.skip(f"'{name}' has no example that names a file")
    code = main(argv)
    out, err = capsys.readouterr()
    assert code == 2, (argv, out, err)
    assert not out, out
    assert err.startswith("embedscope: ") and "no-such-embedding.txt" in err
    assert "Traceback" not in err


def test_version(capsys):
    import embedscope
    from embedscope.cli import main

    assert main(["--version"]) == 0
    assert capsys.readouterr().out.strip() == f"embedscope {embedscope.__version__}"


@pytest.mark.parametrize("name", _command_names())
def test_every_example_parses(name):
    """An example in --help and the README that the parser rejects would teach a wrong command."""
    import shlex

    from embedscope.cli import _command_module, build_parser

    parser = build_parser()
    for example in _command_module(name).EXAMPLES:
        words = shlex.split(example, comments=True)
        assert words[:2] == ["embedscope", name], example
        try:
            parser.parse_args(words[1:])
        except SystemExit:
            pytest.fail(f"the parser rejects the example: {example}")
