"""Bad command-line arguments: every one stops with a message naming the argument and exit 2
(never a traceback, never exit 1, never silently accepted), before any file is loaded."""
from __future__ import annotations

import pytest

from embedscope.cli import main

# (command line after the file, the argument the message must name, what it must say)
BAD_ARGUMENTS = [
    (["analogy", "0*king"], "EXPRESSION", "a weight of 0 leaves 'king' out"),
    (["analogy", "king - 1e999*man"], "EXPRESSION", "too large"),
    (["analogy", "king - man +"], "EXPRESSION", "'+' has no word after it"),
    (["analogy", "king - man + woman", "--restrict", "-5"], "--restrict", "≥ 1, not -5"),
    (["analogy", "king - man + woman", "--method", "mul", "--restrict", "-3"], "--restrict",
     "≥ 1, not -3"),
    (["analogy", "king - man + woman", "-k", "0"], "-k", "≥ 1, not 0"),
    (["neighbours", "king", "-k", "-1"], "-k", "≥ 1, not -1"),
    (["neighbours", "king", "--restrict", "0"], "--restrict", "≥ 1, not 0"),
    (["neighbours", "king", "-k", "ten"], "-k", "expected a whole number, not 'ten'"),
    (["eval", "--restrict", "-1"], "--restrict", "≥ 1, not -1"),
    (["export", "--top", "10", "--seed", "-1", "-o", "OUT"], "--seed", "from 0 to 4294967295"),
    (["export", "--top", "10", "--seed", str(2**32), "-o", "OUT"], "--seed", "not 4294967296"),
    (["export", "--neighbours", "king", "--k", "-1", "-o", "OUT"], "--k", "≥ 1, not -1"),
    (["export", "--top", "-5", "-o", "OUT"], "--top", "≥ 0, not -5"),
    (["export", "--corpus", "c.txt", "--min-count", "0", "-o", "OUT"], "--min-count", "≥ 1"),
    (["export", "--corpus", "c.txt", "--max-words", "-2", "-o", "OUT"], "--max-words", "≥ 1"),
    (["project", "--seed", "-4", "-o", "OUT"], "--seed", "from 0 to 4294967295"),
    (["project", "--limit", "-1", "-o", "OUT"], "--limit", "≥ 0, not -1"),
    (["project", "--method", "tsne", "--perplexity", "nan", "-o", "OUT"], "--perplexity",
     "finite"),
    (["project", "--method", "umap", "--min-dist", "-0.5", "-o", "OUT"], "--min-dist", "≥ 0"),
    (["project", "--method", "umap", "--n-neighbors", "1", "-o", "OUT"], "--n-neighbors",
     "≥ 2"),
    (["project", "--around", "king", "--n-around", "0", "-o", "OUT"], "--n-around", "≥ 1"),
]


@pytest.mark.parametrize("argv, argument, message", BAD_ARGUMENTS,
                         ids=[" ".join(a[0]) for a in BAD_ARGUMENTS])
def test_a_bad_argument_is_a_message_and_exit_2(sample_path, tmp_path, capsys, argv, argument,
                                                 message):
    command, *rest = argv
    rest = [str(tmp_path / "out") if a == "OUT" else a for a in rest]
    assert main([command, str(sample_path)] + rest) == 2
    err = capsys.readouterr().err
    assert f"argument {argument}" in err and message in err
    assert "Traceback" not in err
    assert not (tmp_path / "out").exists()


@pytest.mark.parametrize("argv", [
    ["compare", "SAMPLE", "SAMPLE", "--sample", "-1"],
    ["compare", "SAMPLE", "SAMPLE", "--top", "-5"],
    ["compare", "SAMPLE", "SAMPLE", "-k", "0"],
    ["demo", "--analogy", "king -"],
])
def test_commands_without_a_leading_file_check_their_arguments_too(sample_path, capsys, argv):
    assert main([str(sample_path) if a == "SAMPLE" else a for a in argv]) == 2
    err = capsys.readouterr().err
    assert "argument" in err and "Traceback" not in err


def test_zero_where_zero_means_all_is_accepted(sample_path, capsys):
    """`compare --sample 0` (all shared words) and `--top 0` (no movers listed) are meaningful."""
    assert main(["compare", str(sample_path), str(sample_path), "--sample", "0", "--top", "0",
                 "--json"]) == 0


def test_project_seed_none_still_means_unseeded(sample_path, tmp_path):
    assert main(["project", str(sample_path), "--limit", "50", "--seed", "none",
                 "-o", str(tmp_path / "m.tsv")]) == 0
