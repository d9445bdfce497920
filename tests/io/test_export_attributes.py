"""attributes.tsv in an export: every row stays one line whatever the table's values hold, a
word the file cannot hold is refused before anything is written, and the plan keeps the table."""
from __future__ import annotations

import json

import numpy as np
import pytest

from embedscope.core.embedding import Embedding
from embedscope.core.errors import ExportRefusedError
from embedscope.core.export import ExportPlan
from embedscope.core.vocabulary import SelectionError, Words
from embedscope.io.export_check import verify_export
from embedscope.io.export_folder import preview, write_export
from embedscope.io.words_file import words_source


def _embedding(words):
    return Embedding(list(words), np.arange(4 * len(words), dtype=np.float32)
                     .reshape(len(words), 4))


def test_tabs_and_line_breaks_in_values_become_spaces_and_the_manifest_says_so(tmp_path):
    pa = pytest.importorskip("pyarrow")
    import pyarrow.parquet as pq

    emb = _embedding(["the", "cat", "dog", "sat"])
    table = tmp_path / "t.parquet"
    pq.write_table(pa.table({"word": ["the", "cat", "dog", "sat"],
                             "note": ["one\ttwo", "line\nbreak", "a\r\nb", "plain"],
                             "tab\tname": [1, 2, 3, 4]}), table)
    plan = ExportPlan(sources=[Words(["the", "cat", "dog", "sat"])], attributes=str(table))
    manifest = write_export(emb, plan, tmp_path / "o")
    lines = (tmp_path / "o" / "attributes.tsv").read_text(encoding="utf-8").split("\n")
    assert lines == ["word\tnote\ttab name", "the\tone two\t1", "cat\tline break\t2",
                     "dog\ta b\t3", "sat\tplain\t4", ""]
    assert "4 value(s) or column name(s) of t.parquet held a tab or a line break, written as " \
        "a space in attributes.tsv so each row stays one line" in manifest["warnings"]
    assert verify_export(tmp_path / "o", source=emb).ok


def test_a_tab_inside_a_quoted_csv_value_becomes_a_space(tmp_path):
    emb = _embedding(["the", "cat"])
    table = tmp_path / "t.csv"
    table.write_text('word,note\nthe,"one\ttwo"\ncat,plain\n', encoding="utf-8")
    write_export(emb, ExportPlan(sources=[Words(["the", "cat"])], attributes=str(table)),
                 tmp_path / "o")
    assert (tmp_path / "o" / "attributes.tsv").read_text(encoding="utf-8") == \
        "word\tnote\nthe\tone two\ncat\tplain\n"


def test_a_word_holding_a_tab_is_refused_before_anything_is_written(tmp_path):
    emb = _embedding(["the", "new\tyork"])
    table = tmp_path / "t.tsv"
    table.write_text("word\tpos\nthe\tDET\n", encoding="utf-8")
    plan = ExportPlan(sources=[Words(["the", "new\tyork"])], attributes=str(table))
    assert any("holds a tab, which attributes.tsv uses to separate its columns" in w
               for w in preview(emb, plan).warnings)
    with pytest.raises(ExportRefusedError, match="'new\\\\tyork' holds a tab"):
        write_export(emb, plan, tmp_path / "o")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["t.tsv"]
    plan.attributes = None  # without the table the same words export (npy keeps the tab)
    write_export(emb, plan, tmp_path / "o")


def test_the_plan_keeps_its_table_through_to_dict_and_from_dict(tmp_path):
    plan = ExportPlan(sources=[Words(["cat"])], pad="<pad>", attributes="pos.csv")
    d = json.loads(json.dumps(plan.to_dict(all_words=True)))
    assert d["attributes"] == "pos.csv"
    assert ExportPlan.from_dict(d, words_source).attributes == "pos.csv"
    assert ExportPlan.from_dict(dict(d, attributes=None), words_source).attributes is None
    with pytest.raises(SelectionError, match="'attributes' is 3"):
        ExportPlan.from_dict(dict(d, attributes=3), words_source)
    with pytest.raises(SelectionError, match="path is empty"):
        ExportPlan(attributes=" ").validate()


def test_the_preview_lists_attributes_tsv_without_reading_the_table(tmp_path):
    emb = _embedding(["the", "cat"])
    plan = ExportPlan(sources=[Words(["cat"])], attributes=str(tmp_path / "later.csv"))
    pv = preview(emb, plan)
    assert [f["name"] for f in pv.manifest["files"]][-1] == "attributes.tsv"
    assert pv.manifest["attributes"]["read"] == "when the export is written"


def test_numbers_are_written_exactly_as_they_read_back(tmp_path):
    # a corpus count of 1,234,567 stays 1234567, not 1.23457e+06; a score keeps every digit
    words = [f"w{i}" for i in range(14)]
    emb = _embedding(words)
    table = tmp_path / "t.csv"
    counts = [1_234_567 + i for i in range(14)]
    scores = [0.1234567891 * (i + 1) for i in range(14)]
    table.write_text("word,count,score\n" + "".join(
        f"{w},{c},{s!r}\n" for w, c, s in zip(words, counts, scores)), encoding="utf-8")
    write_export(emb, ExportPlan(sources=[Words(words)], attributes=str(table)), tmp_path / "o")
    lines = (tmp_path / "o" / "attributes.tsv").read_text(encoding="utf-8").splitlines()[1:]
    assert [line.split("\t")[1] for line in lines] == [str(c) for c in counts]
    assert [float(line.split("\t")[2]) for line in lines] == scores
