"""Words files: every layout a user may hand over with a bare matrix, read exactly."""
import json

import numpy as np
import pytest

from embedscope.core.errors import EmbeddingFormatError
from embedscope.io.words_file import read_word_list, read_words_file, words_source, write_words_file


def _write(tmp_path, name, data):
    p = tmp_path / name
    p.write_bytes(data if isinstance(data, bytes) else data.encode("utf-8"))
    return p


def test_tokens_are_kept_exactly(tmp_path):
    words = ["the", " leading", "trailing ", ". . .", "naïve", "日本語", "😀", "1", "a\u00a0b"]
    p = _write(tmp_path, "v.txt", "".join(w + "\n" for w in words))
    got, attrs, warnings = read_words_file(p)
    assert got == words and attrs == {} and warnings == []


def test_crlf_bom_and_missing_final_newline(tmp_path):
    p = _write(tmp_path, "v.txt", b"\xef\xbb\xbfalpha\r\nbeta\r\ngamma")
    assert read_words_file(p)[0] == ["alpha", "beta", "gamma"]


def test_word_tab_count_gives_counts(tmp_path):
    p = _write(tmp_path, "v.tsv", "the\t100\nof\t50\nnaïve\t3\n")
    words, attrs, _ = read_words_file(p)
    assert words == ["the", "of", "naïve"]
    assert attrs == {"count": [100, 50, 3]}


def test_word_tab_count_with_header_row(tmp_path):
    p = _write(tmp_path, "v.tsv", "word\tfrequency\nthe\t100\nof\t50\n")
    words, attrs, _ = read_words_file(p)
    assert words == ["the", "of"] and attrs == {"count": [100, 50]}


def test_gensim_fvocab_matches_gensim(tmp_path):
    """gensim's `save_word2vec_format(fvocab=...)` writes `word count`; we read gensim's file."""
    from gensim.models import KeyedVectors

    kv = KeyedVectors(3)
    words = ["the", "of", "Zürich", "x"]
    kv.add_vectors(words, np.ones((4, 3), np.float32))
    for w, c in zip(words, [40, 30, 20, 10]):
        kv.set_vecattr(w, "count", c)
    kv.save_word2vec_format(str(tmp_path / "v.txt"), fvocab=str(tmp_path / "vocab.txt"))
    got, attrs, _ = read_words_file(tmp_path / "vocab.txt")
    assert got == kv.index_to_key
    assert attrs["count"] == [kv.get_vecattr(w, "count") for w in kv.index_to_key]


def test_some_tokens_ending_in_numbers_stay_plain_tokens(tmp_path):
    p = _write(tmp_path, "v.txt", "room 101\nthe\nbig 5\n")
    words, attrs, _ = read_words_file(p)
    assert words == ["room 101", "the", "big 5"] and attrs == {}


def test_projector_mode_does_not_guess_space_counts(tmp_path):
    p = _write(tmp_path, "m.tsv", "room 101\nbig 5\n")
    assert read_words_file(p, projector=True)[0] == ["room 101", "big 5"]


def test_table_with_header_gives_typed_attributes(tmp_path):
    p = _write(tmp_path, "m.tsv", "id\tword\tscore\tpos\n1\tthe\t0.5\tDET\n2\tof\t\tADP\n")
    words, attrs, _ = read_words_file(p)
    assert words == ["the", "of"]
    assert attrs == {"id": [1, 2], "score": [0.5, None], "pos": ["DET", "ADP"]}


def test_table_row_with_wrong_column_count_names_the_line(tmp_path):
    p = _write(tmp_path, "m.tsv", "word\tpos\tx\nthe\tDET\t1\nof\tADP\n")
    with pytest.raises(EmbeddingFormatError, match=r"m\.tsv, line 3: 2 tab-separated columns"):
        read_words_file(p)


def test_invalid_utf8_is_replaced_with_a_warning_naming_lines(tmp_path):
    p = _write(tmp_path, "v.txt", b"ok\nbad\xff\nfine\n\xc3(\n")
    words, _, warnings = read_words_file(p)
    assert words == ["ok", "bad\ufffd", "fine", "\ufffd("]
    assert len(warnings) == 1 and "lines 2, 4" in warnings[0]


def test_trailing_blank_lines_are_forgiven_only_at_the_end(tmp_path):
    p = _write(tmp_path, "v.txt", "a\nb\n\n\n")
    words, _, warnings = read_words_file(p, expected_rows=2)
    assert words == ["a", "b"] and "blank" in warnings[0]
    # An empty line in the middle is a token (it takes a row), not something to drop.
    p2 = _write(tmp_path, "v2.txt", "a\n\nb\n")
    assert read_words_file(p2, expected_rows=3)[0] == ["a", "", "b"]


def test_json_index_map(tmp_path):
    p = _write(tmp_path, "word_index.json", json.dumps({"of": 1, "the": 0, "é": 2}))
    assert read_words_file(p)[0] == ["the", "of", "é"]


def test_keras_word_index_starting_at_one_names_the_padding_row(tmp_path):
    p = _write(tmp_path, "word_index.json", json.dumps({"the": 1, "of": 2}))
    words, _, warnings = read_words_file(p)
    assert words == ["<row 0>", "the", "of"]
    assert "1 row without a word (0)" in warnings[0]


@pytest.mark.parametrize("mapping, message", [
    ({"the": 0, "of": 0}, "row 0: given to both 'the' and 'of'"),
    ({"the": "zero"}, "word 'the': maps to 'zero'"),
    ({"the": -1}, "negative row -1"),
])
def test_bad_json_maps_say_what_is_wrong(tmp_path, mapping, message):
    p = _write(tmp_path, "vocab.json", json.dumps(mapping))
    with pytest.raises(EmbeddingFormatError, match=message):
        read_words_file(p)


def test_broken_json_names_line_and_column(tmp_path):
    p = _write(tmp_path, "vocab.json", '{"the": 0,\n "of" 1}')
    with pytest.raises(EmbeddingFormatError, match=r"vocab\.json, line 2, column 7: invalid JSON"):
        read_words_file(p)


def test_tokenizer_json_wordpiece_with_added_tokens(tmp_path):
    tok = {"model": {"type": "WordPiece", "vocab": {"[PAD]": 0, "the": 1, "##s": 2}},
           "added_tokens": [{"id": 0, "content": "[PAD]"}, {"id": 3, "content": "<extra>"}]}
    p = _write(tmp_path, "tokenizer.json", json.dumps(tok))
    assert read_words_file(p)[0] == ["[PAD]", "the", "##s", "<extra>"]


def test_tokenizer_json_unigram_list(tmp_path):
    tok = {"model": {"type": "Unigram", "vocab": [["<unk>", 0.0], ["▁the", -1.5], ["s", -2.0]]}}
    p = _write(tmp_path, "tokenizer.json", json.dumps(tok))
    assert read_words_file(p)[0] == ["<unk>", "▁the", "s"]


def test_write_words_file_round_trips(tmp_path):
    words = ["the", ". . .", "naïve", "😀"]
    write_words_file(tmp_path / "a.txt", words)
    assert read_words_file(tmp_path / "a.txt")[0] == words
    write_words_file(tmp_path / "b.txt", words, counts=[4, 3, 2, 1])
    assert read_words_file(tmp_path / "b.txt")[:2] == (words, {"count": [4, 3, 2, 1]})


def test_a_plain_list_starting_with_a_brace_is_not_json(tmp_path):
    p = _write(tmp_path, "v.txt", "{\n}\nthe\n")
    assert read_words_file(p)[0] == ["{", "}", "the"]


def test_a_words_list_keeps_tokens_with_spaces_and_blank_lines_are_gaps(tmp_path):
    p = _write(tmp_path, "list.txt", "new york\r\n. . .\n\nParis\n")
    assert read_word_list(p) == (["new york", ". . .", "Paris"], [0, 1, 3], [])
    counted = _write(tmp_path, "counts.txt", "new york 12\n. . . 7\n")
    assert read_word_list(counted)[0] == ["new york", ". . ."]
    table = _write(tmp_path, "meta.tsv", "count\tword\n3\tnew york\n2\t. . .\n")
    assert read_word_list(table)[0] == ["new york", ". . ."]


def test_indices_a_json_map_leaves_out_are_gaps_not_words(tmp_path):
    # Keras' word_index starts at 1: index 0 holds no word.
    p = _write(tmp_path, "word_index.json", json.dumps({"the": 1, "new york": 2, "cat": 4}))
    assert read_word_list(p) == (["the", "new york", "cat"], [1, 2, 4], [])


def test_words_source_carries_the_words_and_describes_the_file(tmp_path):
    p = _write(tmp_path, "v.txt", "[PAD]\n. . .\n")
    src = words_source(str(p), keep_indices=True, combine="intersect")
    assert (src.words, src.indices) == (["[PAD]", ". . ."], [0, 1])
    assert src.describe() == {"kind": "words-file", "path": str(p), "keep_indices": True,
                              "combine": "intersect"}
