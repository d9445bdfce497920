"""The search panel's prefix index finds exactly the words a plain scan finds, in row order —
for mixed case, non-Latin scripts and words longer than the index's keys."""
from __future__ import annotations

import numpy as np
import pytest

from embedscope.gui.docks.search import WordIndex, find_words


def _scan(words, text):
    t = text.lower()
    return [i for i, w in enumerate(words) if w.lower().startswith(t)]


@pytest.fixture
def words(sample):
    extra = ["Paris", "PARISIAN", "naïve", "Ναός", "ναυτικός", "東京", "東京都",
             "x" * 70 + "a", "x" * 70 + "b", "x" * 64, "ÉCOLE", "école"]
    return list(sample.words[:3000]) + extra


@pytest.mark.parametrize("text", ["par", "Par", "the", "na", "ναυ", "Να", "東京", "x" * 64,
                                  "x" * 70 + "a", "x" * 65, "éc", "zzzzq", "a"])
def test_prefix_equals_a_plain_scan(words, text):
    index = WordIndex(words)
    got = index.prefix(text)
    assert list(got) == _scan(words, text)
    assert got.dtype == np.int64
    assert list(find_words(words, index, text, "prefix")) == \
        list(find_words(words, None, text, "prefix"))
