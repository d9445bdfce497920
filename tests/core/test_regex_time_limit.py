"""A user's regular expression runs with a time limit: a pattern that backtracks without end
is given up on with a message naming the word, and cancel stops it at once."""
from __future__ import annotations

import time

import pytest

from embedscope.cli import main
from embedscope.core import regex_search
from embedscope.core.embedding import Embedding
from embedscope.core.jobs import Cancelled, Job
from embedscope.core.vocabulary import Regex, SelectionError, select_words

CATASTROPHIC = r"(a+)+$"
STUCK = "a" * 5000 + "b"


def _emb():
    import numpy as np

    words = ["cat", "aaa", STUCK, "dog"]
    return Embedding(words, np.ones((len(words), 3), np.float32))


def test_matching_gives_the_same_words_as_re(sample):
    import re

    got = regex_search.matching_indices("[a-z]+ing", 0, sample.words)
    assert got == [i for i, w in enumerate(sample.words) if re.fullmatch("[a-z]+ing", w)]


def test_a_catastrophic_pattern_is_given_up_on_within_the_limit(monkeypatch):
    monkeypatch.setattr(regex_search, "TIME_LIMIT_SECONDS", 1.0)
    t0 = time.monotonic()
    with pytest.raises(SelectionError, match=r"gave up .*after 1 s.*5,001 characters, row 2"):
        select_words(_emb(), [Regex(CATASTROPHIC)])
    assert time.monotonic() - t0 < 8  # the limit, plus starting and stopping the worker


def test_cancel_stops_the_matching():
    calls = []

    def stop():
        calls.append(1)
        return len(calls) > 3

    t0 = time.monotonic()
    with pytest.raises(Cancelled):
        regex_search.matching_indices(CATASTROPHIC, 0, _emb().words,
                                      job=Job(None, stop), seconds=60)
    assert time.monotonic() - t0 < 8


def test_export_regex_that_hangs_exits_2_with_a_message(tmp_path, capsys, monkeypatch):

    monkeypatch.setattr(regex_search, "TIME_LIMIT_SECONDS", 1.0)
    src = tmp_path / "e.txt"
    src.write_text("".join(f"{w} 1 2 3\n" for w in ["cat", STUCK, "dog"]), encoding="utf-8")
    code = main(["export", str(src), "--regex", CATASTROPHIC, "-o", str(tmp_path / "o")])
    err = capsys.readouterr().err
    assert code == 2 and "gave up on the regular expression" in err
    assert not (tmp_path / "o").exists()
