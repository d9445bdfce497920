"""Every output format of `embedscope export`, as declared beside its reader: the files it says
it writes are the files it writes, they read back bit for bit through its own reader, and
Embedscope recognises them by content; the Open dialog's filter comes from the readers."""
from __future__ import annotations

import numpy as np
import pytest

import embedscope
from embedscope.io.registry import READERS, WRITERS, detect_format, open_file_filter
from embedscope.io.words_file import write_words_file

WORDS = ["the", ",", "naïve", "日本語", "can't", "e\u0301", "x" * 40, "w7"]


def _matrix(dtype):
    rng = np.random.default_rng(3)
    m = rng.standard_normal((len(WORDS), 6)).astype(np.float32)
    m[0] = 0.0
    m[1, :2] = [-0.0, np.finfo(np.float32).tiny]
    return m.astype(dtype)


@pytest.mark.parametrize("name,dtype", [(n, "float32") for n in WRITERS]
                         + [(n, "float16") for n, w in WRITERS.items() if w.holds_float16])
def test_every_writer_round_trips_through_its_reader(name, dtype, tmp_path):
    w = WRITERS[name]
    values = _matrix(dtype)
    w.write(tmp_path, WORDS, values, {"rows": str(len(WORDS))})
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted(w.files)
    words, back = w.read_back(tmp_path)
    assert words is None or words == WORDS
    assert back.dtype == values.dtype and back.tobytes() == values.tobytes()
    # What Embedscope writes, it opens, recognising the format by content alone.
    main = tmp_path / w.matrix_file
    assert detect_format(main).name == name
    if words is None:  # a bare matrix: its words come from a words file beside it
        write_words_file(tmp_path / "vocab.txt", WORDS)
    emb = embedscope.load(main, use_cache=False,
                          vocab=tmp_path / "vocab.txt" if words is None else None)
    assert emb.words == WORDS
    assert np.asarray(emb.vectors).tobytes() == values.astype(np.float32).tobytes()


@pytest.mark.parametrize("name", [n for n, w in WRITERS.items() if w.holds_spaces])
def test_formats_said_to_hold_spaces_keep_a_word_with_one(name, tmp_path):
    w = WRITERS[name]
    words = ["new york", "paris"]
    w.write(tmp_path, words, np.ones((2, 3), np.float32), {})
    back_words, back = w.read_back(tmp_path)
    assert back_words in (None, words) and back.shape == (2, 3)


def test_every_writer_has_a_reader_of_the_same_name_and_loading_code():
    for name, w in WRITERS.items():
        assert name in READERS
        assert any(w.matrix_file in line for line in w.load_code)
        assert any(line.startswith("weights = ") for line in w.load_code)


def test_the_open_filter_lists_every_reader_then_all_files():
    parts = open_file_filter().split(";;")
    assert parts[0].startswith("Embeddings (") and parts[-1] == "All files (*)"
    every = parts[0][len("Embeddings ("):-1].split()
    for r in READERS.values():
        for ext in r.extensions:
            assert f"*{ext}" in every
        if r.extensions:
            assert f"{r.label} (" + " ".join(f"*{e}" for e in r.extensions) + ")" in parts
    assert "*.gz" in every and len(every) == len(set(every))
