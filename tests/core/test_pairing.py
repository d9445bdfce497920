"""Re-pairing words and rows: each fix pairs the right word with the right vector, and nothing
computed for the old pairing (maps on disk, search copies, unit rows, indexes) is reused after
a fix — a cached result equals one computed afresh."""
from __future__ import annotations

import numpy as np

from embedscope.core import projection_cache
from embedscope.core.embedding import Embedding
from embedscope.core.neighbours import nearest, search_state
from embedscope.core.pairing import (
    FIXES,
    apply_fix,
    corrected_words,
    drop_extra_words,
    drop_unpaired_rows,
    move_words,
    pairing_key,
    skip_header_line,
)
from embedscope.core.projection import project
from embedscope.io.registry import load

ROWS, DIM = 300, 8


def write_pair(folder, words, rows=ROWS, name="m"):
    """A matrix whose row r is recognisable (its first value is r) and a words file."""
    rng = np.random.default_rng(1)
    m = rng.standard_normal((rows, DIM)).astype(np.float32)
    m[:, 0] = np.arange(rows)
    np.save(folder / f"{name}.npy", m)
    vocab = folder / f"{name}.vocab.txt"
    vocab.write_text("\n".join(words) + "\n", encoding="utf-8")
    return folder / f"{name}.npy", vocab, m


def words_for(n):
    return [f"w{i}" for i in range(n)]


def fresh(emb: Embedding) -> Embedding:
    """The same pairing built from scratch in memory: nothing cached can be shared with it."""
    return Embedding(list(emb.words), np.array(emb.vectors))


def test_dropping_rows_without_a_word_keeps_every_word_on_its_own_row(tmp_path):
    path, vocab, m = write_pair(tmp_path, words_for(ROWS - 3))
    emb = load(path, vocab=vocab, allow_mismatch=True)
    fixed = drop_unpaired_rows(emb)
    assert fixed.rows == ROWS - 3 and fixed.source.words_in_file is None
    assert fixed.vectors[5, 0] == 5 and fixed.words[5] == "w5"
    assert "last 3 rows" in fixed.source.warnings[-1]


def test_dropping_extra_words_keeps_the_first_words(tmp_path):
    path, vocab, _ = write_pair(tmp_path, words_for(ROWS + 2))
    fixed = drop_extra_words(load(path, vocab=vocab, allow_mismatch=True))
    assert fixed.rows == ROWS and fixed.words[-1] == f"w{ROWS - 1}"


def test_skipping_a_header_line_puts_each_word_on_the_row_below(tmp_path):
    path, vocab, _ = write_pair(tmp_path, [f"{ROWS} {DIM}"] + words_for(ROWS))
    fixed = skip_header_line(load(path, vocab=vocab, allow_mismatch=True))
    assert fixed.rows == ROWS and fixed.words[0] == "w0" and fixed.vectors[0, 0] == 0


def test_moving_short_words_down_reaches_the_rows_past_the_cut(tmp_path):
    """Three lines lost at the top of the words file: word i belongs to row i + 3, and the
    last words reach the last rows of the matrix (not only those the load paired)."""
    path, vocab, _ = write_pair(tmp_path, words_for(ROWS)[3:])
    emb = load(path, vocab=vocab, allow_mismatch=True)
    fixed = move_words(emb, 3)
    assert fixed.rows == ROWS - 3
    assert fixed.words[-1] == f"w{ROWS - 1}" and fixed.vectors[-1, 0] == ROWS - 1
    assert corrected_words(fixed)[:4] == ["<no-word-row-0>", "<no-word-row-1>",
                                          "<no-word-row-2>", "w3"]


def test_every_fix_has_a_button_and_a_flag_name():
    assert set(FIXES) == {"drop-unpaired-rows", "drop-extra-words", "skip-header-line",
                          "fix-shift"}
    assert FIXES["fix-shift"].button_text(1) == "Move the words down 1 line"
    assert FIXES["fix-shift"].button_text(-2) == "Move the words up 2 lines"


def test_a_fix_gives_the_embedding_its_own_pairing_key(tmp_path):
    path, vocab, _ = write_pair(tmp_path, words_for(ROWS))
    emb = load(path, vocab=vocab)
    moved = apply_fix(emb, "fix-shift", 1)
    assert pairing_key(moved) != pairing_key(emb) == emb.source.fingerprint
    # The same re-pairing reached twice is the same pairing: what was computed holds.
    assert pairing_key(apply_fix(emb, "fix-shift", 1)) == pairing_key(moved)


def test_a_map_cached_before_a_fix_is_not_shown_after_it(tmp_path):
    path, vocab, _ = write_pair(tmp_path, words_for(ROWS))
    emb = load(path, vocab=vocab)
    project(emb, "pca", limit=None)
    moved = move_words(emb, 1)
    assert projection_cache.last(moved) is None
    cached = project(moved, "pca", limit=None)
    afresh = project(fresh(moved), "pca", limit=None, use_cache=False)
    np.testing.assert_allclose(cached.coords, afresh.coords, atol=1e-5)
    # And again from the disk cache, now that the fixed map is stored under its own key.
    again = project(move_words(load(path, vocab=vocab), 1), "pca", limit=None)
    assert again.from_cache
    np.testing.assert_allclose(again.coords, afresh.coords, atol=1e-5)


def test_neighbours_and_unit_rows_after_a_fix_equal_those_computed_afresh(tmp_path):
    path, vocab, _ = write_pair(tmp_path, words_for(ROWS))
    emb = load(path, vocab=vocab)
    before = nearest(emb, "w10", k=5)
    emb.unit_vectors  # noqa: B018 - fill the unfixed embedding's caches first
    moved = move_words(emb, -2)
    assert search_state(moved) is not search_state(emb)
    after = nearest(moved, "w10", k=5)
    expected = nearest(fresh(moved), "w10", k=5)
    assert [(n.word, n.row) for n in after] == [(n.word, n.row) for n in expected]
    assert [n.word for n in after] != [n.word for n in before]
    np.testing.assert_array_equal(moved.unit_vectors, fresh(moved).unit_vectors)
    np.testing.assert_array_equal(search_state(moved).norms, search_state(fresh(moved)).norms)


def test_an_index_built_after_a_fix_equals_one_built_afresh(tmp_path):
    from embedscope.core.ann import build_index

    path, vocab, _ = write_pair(tmp_path, words_for(ROWS))
    emb = load(path, vocab=vocab)
    build_index(emb, n_lists=4, recall_queries=10)
    moved = move_words(emb, 1)
    got = build_index(moved, n_lists=4, recall_queries=10).nearest("w7", k=5, n_probe=4)
    want = build_index(fresh(moved), n_lists=4, recall_queries=10).nearest("w7", k=5, n_probe=4)
    assert [n.word for n in got] == [n.word for n in want]


def test_the_pairing_notes_name_the_words_file_and_how_it_was_found(tmp_path):
    from embedscope.core.pairing import tensor_note, words_file_note

    path, vocab, _ = write_pair(tmp_path, words_for(ROWS))
    assert (words_file_note(load(path))
            == "words from m.vocab.txt (found beside the matrix by its name)")
    assert words_file_note(load(path, vocab=vocab)) == "words from m.vocab.txt"
    assert tensor_note(load(path)) == ""


def test_the_check_proposes_the_fix_for_the_end_that_is_off(sample, tmp_path):
    from embedscope.core.check import check

    words = sample.words[:3000]
    np.save(tmp_path / "m.npy", np.ascontiguousarray(sample.vectors[:3000]))
    short = tmp_path / "short.txt"
    short.write_text("".join(w + "\n" for w in words[:-3]), encoding="utf-8")
    report = check(load(tmp_path / "m.npy", vocab=short, allow_mismatch=True))
    assert report.fixes == [("drop-unpaired-rows", 0)]
    assert report.pairing_problem.headline == (
        "The words file is three lines shorter than the matrix: the last three rows have no word")
    fixed = apply_fix(load(tmp_path / "m.npy", vocab=short, allow_mismatch=True),
                      *report.fixes[0])
    assert check(fixed).pairing_problem is None


def test_a_token_vocabulary_is_told_from_a_word_list_and_its_specials_left_out(sample):
    from embedscope.core.check_words import is_special, ordinary_rows, token_vocabulary
    from token_vocabularies import bert_like_words

    tokens = bert_like_words(sample.words[:3000])
    assert token_vocabulary(tokens) and not token_vocabulary(sample.words)
    rows = ordinary_rows(tokens, 100)
    assert len(rows) == 100 and rows[0] == 999 and tokens[rows[0]] == "the"
    assert not any(is_special(tokens[r]) for r in ordinary_rows(tokens, None))
