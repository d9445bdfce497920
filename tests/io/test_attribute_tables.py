"""Attribute tables joined by word: CSV, TSV and Parquet, and what a bad table says."""
import numpy as np
import pytest

from embedscope.core.embedding import Embedding
from embedscope.core.errors import EmbeddingFormatError
from embedscope.io.attributes import joined_columns, projector_attributes, read_attribute_table


@pytest.fixture
def emb():
    return Embedding(["the", "frog", "Paris", "run"], np.eye(4, dtype=np.float32))


def test_a_csv_is_joined_by_word_and_words_it_does_not_name_have_no_value(tmp_path, emb):
    p = tmp_path / "pos.csv"
    p.write_text('word,pos,note\nfrog,NOUN,"green, small"\nrun,VERB,\nzzz,X,\n')
    table = read_attribute_table(p, emb)
    pos = {a.name: a for a in table.attributes}["pos"]
    assert [pos.value_text(i) for i in range(4)] == ["", "NOUN", "", "VERB"]
    assert {a.name: a for a in table.attributes}["note"].value_text(1) == "green, small"
    assert table.table_rows == 3 and table.matched == 2 and table.unmatched_examples == ["zzz"]


def test_a_tsv_finds_words_by_case_fallback_and_reads_counts_as_numbers(tmp_path, emb):
    p = tmp_path / "counts.tsv"
    p.write_text("Word\tcount\n" + "".join(f"w{i}\t{i}\n" for i in range(20))
                 + "paris\t500\nthe\t1000\n")
    count = read_attribute_table(p, emb).attributes[0]
    assert count.kind == "continuous"
    assert count.values[2] == 500 and count.values[0] == 1000 and np.isnan(count.values[1])


def test_a_parquet_table_keeps_its_column_types(tmp_path, emb):
    pa = pytest.importorskip("pyarrow")
    import pyarrow.parquet as pq

    p = tmp_path / "t.parquet"
    pq.write_table(pa.table({"token": ["frog", "the"] + [f"x{i}" for i in range(20)],
                             "score": [0.5, 2.5] + [float(i) for i in range(20)],
                             "flag": [True, False] + [False] * 20}), p)
    attrs = {a.name: a for a in read_attribute_table(p, emb).attributes}
    assert attrs["score"].kind == "continuous" and attrs["score"].values[1] == 0.5
    assert attrs["flag"].value_text(1) == "true" and attrs["flag"].value_text(0) == "false"


def test_a_table_without_a_word_column_names_the_file_and_the_header(tmp_path, emb):
    p = tmp_path / "bad.csv"
    p.write_text("name,pos\nfrog,NOUN\n")
    with pytest.raises(EmbeddingFormatError, match=r"bad.csv, line 1.*'name', 'pos'.*'word'"):
        read_attribute_table(p, emb)


def test_a_row_with_the_wrong_number_of_cells_names_its_line(tmp_path, emb):
    p = tmp_path / "bad.tsv"
    p.write_text("word\tpos\nfrog\tNOUN\nrun\tVERB\textra\n")
    with pytest.raises(EmbeddingFormatError, match="bad.tsv, line 3: 3 cells"):
        read_attribute_table(p, emb)


def test_projector_metadata_columns_become_attributes_and_join_back_as_text():
    e = Embedding(["a", "b"], np.eye(2, dtype=np.float32), attributes={"genre": ["x", "y"]})
    attrs = projector_attributes(e)
    assert attrs[0].name == "genre" and attrs[0].kind == "categorical"
    assert joined_columns(attrs, [1, 0]) == {"genre": ["y", "x"]}
