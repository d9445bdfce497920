"""`embedscope export --attributes FILE`: attributes.tsv holds a table's columns for every row,
line for line with vocab.txt; a bad table writes nothing; verify, diff and recipes know it."""
from __future__ import annotations

import json
import re

from embedscope.cli import main

WORDS = "cat\nParis\ndog\nzzqqx\nthe\n"
# "PARIS" joins onto the embedding's "paris" by case fallback; "<unk>" and "zzqqx" are not in
# the embedding, so only rows of those exact words take their values; "dog" has no line.
TABLE = "word,pos,count\nthe,DET,9\ncat,NOUN,4\nPARIS,PROPN,2\n<unk>,X,0\nzzqqx,NOUN,1\n"


def run(capsys, *argv):
    code = main([str(a) for a in argv])
    out, err = capsys.readouterr()
    return code, out, err


def _inputs(tmp_path, table=TABLE):
    (tmp_path / "vocab_in.txt").write_text(WORDS, encoding="utf-8")
    (tmp_path / "pos.csv").write_text(table, encoding="utf-8")
    return tmp_path / "vocab_in.txt", tmp_path / "pos.csv"


def _export(capsys, sample_path, tmp_path, out="o", *more):
    words, table = _inputs(tmp_path)
    return run(capsys, "export", sample_path, "--words", words, "--pad", "--unk",
               "--attributes", table, "-o", tmp_path / out, *more)


def _lines(path):
    return path.read_text(encoding="utf-8").split("\n")[:-1]


def test_attributes_tsv_has_a_line_per_row_in_vocab_order(sample_path, tmp_path, capsys):
    code, out, err = _export(capsys, sample_path, tmp_path, "o", "--json")
    assert code == 0, err
    folder = tmp_path / "o"
    vocab = _lines(folder / "vocab.txt")
    assert vocab == ["<pad>", "<unk>", "cat", "Paris", "dog", "zzqqx", "the"]
    lines = _lines(folder / "attributes.tsv")
    assert lines == ["word\tpos\tcount",
                     "<pad>\t\t",            # no line names it: no value
                     "<unk>\tX\t0",          # a made-up row: the line naming exactly its token
                     "cat\tNOUN\t4",
                     "Paris\tPROPN\t2",      # the source row 'paris', which PARIS joined onto
                     "dog\t\t",              # in the embedding, not in the table
                     "zzqqx\tNOUN\t1",       # not in the embedding (a random row), in the table
                     "the\tDET\t9"]
    assert [ln.split("\t")[0] for ln in lines[1:]] == vocab
    manifest = json.loads(out)
    entry = manifest["attributes"]
    assert entry["path"] == str((tmp_path / "pos.csv").resolve())
    assert entry["columns"] == [{"name": "pos", "kind": "categorical"},
                                {"name": "count", "kind": "categorical"}]
    assert (entry["table_rows"], entry["words_matched"], entry["rows_with_value"]) == (5, 3, 5)
    assert len(entry["sha256"]) == 64
    listed = {f["name"]: f for f in manifest["files"]}
    assert listed["attributes.tsv"]["role"] == \
        "attributes per row (word, then the table's columns)"
    assert manifest["selection"]["attributes"] == str(tmp_path / "pos.csv")
    code, out, err = run(capsys, "verify", folder, "--source", sample_path)
    assert code == 0, out + err
    assert "attributes.tsv: one line per row, its word as in vocab.txt" in out


def test_usage_md_reads_attributes_tsv_aligned_with_the_rows(sample_path, tmp_path, capsys,
                                                             monkeypatch):
    code, _, err = _export(capsys, sample_path, tmp_path)
    assert code == 0, err
    folder = tmp_path / "o"
    usage = (folder / "USAGE.md").read_text(encoding="utf-8")
    section = usage[usage.index("## Attributes of the rows"):]
    assert "`pos.csv`" in section and "keep_default_na=False" in section
    block = re.findall(r"```python\n(.*?)```", section, flags=re.S)[0]
    monkeypatch.chdir(folder)
    ns: dict = {}
    exec(block, ns)
    capsys.readouterr()
    assert ns["header"] == ["word", "pos", "count"]
    assert [a[0] for a in ns["attributes"]] == _lines(folder / "vocab.txt")
    assert ns["attributes"][3] == ["Paris", "PROPN", "2"]   # row 3


def test_a_bad_table_refuses_and_leaves_no_folder(sample_path, tmp_path, capsys):
    words, _ = _inputs(tmp_path)
    for name, text, where in (("none.csv", "name,pos\ncat,NOUN\n", "line 1"),
                              ("ragged.csv", "word,pos\ncat,NOUN\ndog\n", "line 3"),
                              ("only.csv", "word\ncat\n", "line 1")):
        (tmp_path / name).write_text(text, encoding="utf-8")
        code, _, err = run(capsys, "export", sample_path, "--words", words, "--attributes",
                           tmp_path / name, "-o", tmp_path / "out" / "o")
        assert code == 2 and name in err and where in err, err
        assert not (tmp_path / "out").exists()   # not even the folder made for it
    code, _, err = run(capsys, "export", sample_path, "--words", words, "--attributes",
                       tmp_path / "gone.csv", "-o", tmp_path / "o")
    assert code == 2 and "gone.csv" in err and not (tmp_path / "o").exists()
    assert [p.name for p in tmp_path.iterdir() if p.name.startswith(".")] == []


def test_verify_names_the_line_of_a_shifted_attributes_tsv(sample_path, tmp_path, capsys):
    code, _, err = _export(capsys, sample_path, tmp_path)
    assert code == 0, err
    path = tmp_path / "o" / "attributes.tsv"
    lines = _lines(path)
    lines.insert(3, lines.pop(5))   # "dog" moved up before "cat": lines 4 to 6 shift
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    code, out, err = run(capsys, "verify", tmp_path / "o", "--json")
    assert code == 1
    found = {f["code"]: f for f in json.loads(out)["findings"]}
    assert found["file-changed"]["file"] == "attributes.tsv"
    shifted = found["attributes-word"]
    assert (shifted["file"], shifted["place"]) == ("attributes.tsv", "line 4")
    assert shifted["message"].startswith("line 4 of attributes.tsv is for 'dog', but row 2 is "
                                         "'cat' (line 3 of vocab.txt)")
    path.write_text("\n".join(lines[:-1]) + "\n", encoding="utf-8")   # the last line cut off
    code, out, err = run(capsys, "verify", tmp_path / "o", "--json")
    found = {f["code"]: f for f in json.loads(out)["findings"]}
    assert found["attributes-lines"]["message"] == \
        "attributes.tsv has 6 lines after its header; the export has 7 rows"


def test_a_recipe_writes_the_same_attributes_tsv_and_refuses_a_changed_table(sample_path,
                                                                           tmp_path, capsys):
    recipe = tmp_path / "r.recipe.json"
    code, _, err = _export(capsys, sample_path, tmp_path, "a", "--save-recipe", recipe)
    assert code == 0, err
    saved = json.loads(recipe.read_text(encoding="utf-8"))
    assert saved["plan"]["attributes"] == "pos.csv"   # beside the recipe: stored relative
    code, out, err = run(capsys, "export", "--recipe", recipe, "-o", tmp_path / "b", "--json")
    assert code == 0, err
    files = {f["name"]: f["sha256"] for f in json.loads(out)["files"]}
    first = json.loads((tmp_path / "a" / "manifest.json").read_text(encoding="utf-8"))
    assert files == {f["name"]: f["sha256"] for f in first["files"]}
    assert (tmp_path / "b" / "attributes.tsv").read_bytes() == \
        (tmp_path / "a" / "attributes.tsv").read_bytes()

    (tmp_path / "pos.csv").write_text(TABLE.replace("NOUN,4", "VERB,4"), encoding="utf-8")
    code, _, err = run(capsys, "export", "--recipe", recipe, "-o", tmp_path / "c")
    assert code == 1
    assert "the attribute table pos.csv changed since the recipe was saved (sha256 differs)" \
        in err and "--allow-other-source" in err
    assert not (tmp_path / "c").exists()
    code, _, err = run(capsys, "export", "--recipe", recipe, "--allow-other-source", "-o",
                       tmp_path / "c")
    assert code == 0 and "warning: the attribute table pos.csv changed" in err
    assert "cat\tVERB\t4" in _lines(tmp_path / "c" / "attributes.tsv")

    code, out, _ = run(capsys, "diff", tmp_path / "a", tmp_path / "c", "--json")
    assert code == 1
    assert json.loads(out)["attributes_changed"] == ["cat"]


def test_a_recipe_run_cannot_name_another_table(sample_path, tmp_path, capsys):
    recipe = tmp_path / "r.recipe.json"
    code, _, err = _export(capsys, sample_path, tmp_path, "a", "--save-recipe", recipe)
    assert code == 0, err
    code, _, err = run(capsys, "export", "--recipe", recipe, "--attributes",
                       tmp_path / "pos.csv", "-o", tmp_path / "b")
    assert code == 2 and "drop --attributes" in err
