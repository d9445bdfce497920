"""`embedscope export` on the command line: the files the issue names, --json, exit codes."""
from __future__ import annotations

import json

import numpy as np

from embedscope.cli import main


def _run(capsys, *argv):
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def test_npy_export_writes_the_five_files_and_json_prints_the_manifest(sample_path, sample,
                                                                       tmp_path, capsys):
    words = tmp_path / "my_vocab.txt"
    words.write_text("cat\ndog\nParis\nqqzzyx\n", encoding="utf-8")
    out = tmp_path / "export"
    code, stdout, err = _run(capsys, "export", str(sample_path), "--words", str(words), "--pad",
                             "--unk", "-o", str(out), "--json")
    assert code == 0, err
    assert sorted(p.name for p in out.iterdir()) == ["USAGE.md", "embeddings.npy",
                                                     "manifest.json", "vocab.txt",
                                                     "word_index.json"]
    manifest = json.loads(stdout)
    assert manifest["counts"]["rows"] == 6 and manifest["pad_index"] == 0
    assert manifest["coverage"][0]["missing_examples"] == ["qqzzyx"]
    assert manifest["coverage"][0]["case_fallback_examples"] == [["Paris", "paris"]]
    mat = np.load(out / "embeddings.npy")
    assert np.array_equal(mat[2], sample.vector("cat")) and not mat[0].any()
    assert json.loads((out / "word_index.json").read_text())["Paris"] == 4


def test_sources_combine_in_command_line_order(sample_path, tmp_path, capsys):
    out = tmp_path / "o"
    code, stdout, err = _run(capsys, "export", str(sample_path), "--word", "france", "--top",
                             "200", "--intersect", "--regex", "[a-z]+", "--exclude", "--word",
                             "of", "--no-case-fallback", "-o", str(out), "--json")
    assert code == 0, err
    words = (out / "vocab.txt").read_text().split("\n")[:-1]
    assert words[0] == "france" and "of" not in words and "," not in words
    assert words[1:4] == ["the", "to", "and"]
    sel = json.loads(stdout)["selection"]["sources"]
    assert [s["kind"] for s in sel] == ["words", "top", "regex", "words"]
    assert [s["combine"] for s in sel] == ["union", "union", "intersect", "exclude"]


def test_corpus_options_and_text_summary(sample_path, tmp_path, capsys):
    corpus = tmp_path / "train.txt"
    corpus.write_text("The cat sat. The cat ran. Zorblax.\n", encoding="utf-8")
    out = tmp_path / "o"
    code, stdout, err = _run(capsys, "export", str(sample_path), "--corpus", str(corpus),
                             "--min-count", "2", "--lowercase", "--pad", "--unk", "--special",
                             "<s>", "--oov", "zeros", "--format", "npz", "--dtype", "float16",
                             "--seed", "3", "-o", str(out))
    assert code == 0, err
    assert "coverage" in stdout and "corpus tokens covered" in stdout
    # "." 3 times, the/cat twice
    assert (out / "vocab.txt").read_text() == "<pad>\n<unk>\n<s>\n.\nthe\ncat\n"
    m = json.loads((out / "manifest.json").read_text())
    assert m["selection"]["sources"][0]["lowercase"] is True and m["stored_as"] == "float32"


def test_exit_codes(sample_path, tmp_path, capsys):
    out = tmp_path / "o"
    out.mkdir()
    (out / "x").write_text("x")
    code, _, err = _run(capsys, "export", str(sample_path), "--top", "5", "-o", str(out))
    assert code == 1 and "not empty" in err and "Traceback" not in err
    assert _run(capsys, "export", str(sample_path), "--top", "5", "-o", str(out),
                "--force")[0] == 0
    code, _, err = _run(capsys, "export", str(sample_path), "--regex", "qqqzzzq+",
                        "-o", str(tmp_path / "n"))
    assert code == 1 and "no words" in err
    code, _, err = _run(capsys, "export", str(tmp_path / "missing.txt"), "--top", "5",
                        "-o", str(tmp_path / "m"))
    assert code == 2
    code, _, err = _run(capsys, "export", str(sample_path), "--words",
                        str(tmp_path / "nolist.txt"), "-o", str(tmp_path / "m"))
    assert code == 2 and "nolist.txt" in err
    code, _, err = _run(capsys, "export", str(sample_path), "-o", str(tmp_path / "m"))
    assert code == 2 and "no words" in err
    code, _, err = _run(capsys, "export", str(sample_path), "--top", "5", "--format", "xyz",
                        "-o", str(tmp_path / "m"))
    assert code == 2
    assert not (tmp_path / "m").exists() and not (tmp_path / "n").exists()


def test_fix_shift_repairs_the_pairing_before_exporting(tmp_path, sample, capsys):
    """A words list one line short at the top (a padding token the matrix has a row for):
    with --fix-shift the exported rows belong to the right words again."""
    import numpy as np

    from embedscope.cli import main

    src = tmp_path / "src"
    src.mkdir()
    np.save(src / "emb.npy", np.asarray(sample.vectors[:3000]))
    (src / "emb.vocab.txt").write_text("\n".join(sample.words[1:3001]) + "\n", encoding="utf-8")
    out = tmp_path / "out"
    assert main(["export", str(src / "emb.npy"), "--top", "500", "--fix-shift",
                 "-o", str(out)]) == 0
    capsys.readouterr()
    words = (out / "vocab.txt").read_text(encoding="utf-8").split("\n")[:-1]
    rows = np.load(out / "embeddings.npy")
    for w in ("of", "king", "france"):
        if w in words:
            assert np.array_equal(rows[words.index(w)], sample.vector(w)), w
    assert "of" in words


def _options(command):
    import argparse

    from embedscope.cli import build_parser

    parser = build_parser()
    sub = next(a for a in parser._actions if isinstance(a, argparse._SubParsersAction))
    return {o: a for a in sub.choices[command]._actions for o in a.option_strings}


def test_format_choices_and_help_come_from_the_format_tables():
    from embedscope.io.registry import READERS, WRITERS

    fmt = _options("export")["--format"]
    assert fmt.choices == list(WRITERS) and fmt.default == "npy"
    for w in WRITERS.values():
        assert f"{w.name} (" + " + ".join(w.files) in fmt.help
    assert "word2vec-bin" in fmt.help.split("cannot go into")[1]
    for command, flag in (("info", "--format"), ("export", "--source-format")):
        help_text = _options(command)[flag].help
        assert all(name in help_text for name in READERS), (command, help_text)


def test_a_saved_recipe_reruns_with_no_options_to_the_same_bytes(sample_path, tmp_path, capsys):
    words = tmp_path / "my_vocab.txt"
    words.write_text("cat\ndog\nParis\nqqzzyx\n", encoding="utf-8")
    recipe = tmp_path / "my.recipe.json"
    code, _, err = _run(capsys, "export", str(sample_path), "--words", str(words), "--top", "50",
                        "--pad", "--unk", "--special", "<s>", "--seed", "5", "--format",
                        "safetensors", "-o", str(tmp_path / "a"), "--save-recipe", str(recipe))
    assert code == 0, err
    code, stdout, err = _run(capsys, "export", "--recipe", str(recipe), "-o",
                             str(tmp_path / "b"), "--json")
    assert code == 0, err
    first = json.loads((tmp_path / "a" / "manifest.json").read_text(encoding="utf-8"))
    assert [f["sha256"] for f in json.loads(stdout)["files"]] == \
        [f["sha256"] for f in first["files"]]
    for f in first["files"]:
        assert (tmp_path / "a" / f["name"]).read_bytes() == \
            (tmp_path / "b" / f["name"]).read_bytes()


def test_a_recipe_refuses_another_source_unless_allowed(sample_path, sample, tmp_path, capsys):
    recipe = tmp_path / "r.recipe.json"
    code, _, err = _run(capsys, "export", str(sample_path), "--top", "20", "-o",
                        str(tmp_path / "a"), "--save-recipe", str(recipe))
    assert code == 0, err
    other = np.asarray(sample.vectors).copy()
    other[3] *= 2
    np.save(tmp_path / "other.npy", other)
    (tmp_path / "other.vocab.txt").write_text("\n".join(sample.words) + "\n", encoding="utf-8")
    code, _, err = _run(capsys, "export", str(tmp_path / "other.npy"), "--recipe", str(recipe),
                        "-o", str(tmp_path / "b"))
    assert code == 1 and "other.npy has sha256" in err and "--allow-other-source" in err
    assert not (tmp_path / "b").exists()
    code, _, err = _run(capsys, "export", str(tmp_path / "other.npy"), "--recipe", str(recipe),
                        "--allow-other-source", "-o", str(tmp_path / "b"))
    assert code == 0 and "warning" in err
    assert (tmp_path / "b" / "vocab.txt").read_text() == \
        (tmp_path / "a" / "vocab.txt").read_text()


def test_a_recipe_with_word_or_matrix_options_is_refused(sample_path, tmp_path, capsys):
    recipe = tmp_path / "r.recipe.json"
    _run(capsys, "export", str(sample_path), "--top", "20", "-o", str(tmp_path / "a"),
         "--save-recipe", str(recipe))
    code, _, err = _run(capsys, "export", "--recipe", str(recipe), "--top", "5", "--dtype",
                        "float16", "-o", str(tmp_path / "b"))
    assert code == 2 and "--dtype, --top" in err
    code, _, err = _run(capsys, "export", "--recipe", str(tmp_path / "none.json"), "-o",
                        str(tmp_path / "b"))
    assert code == 2 and "none.json" in err


def test_a_recipe_made_with_fix_shift_pairs_words_and_rows_alike(tmp_path, sample, capsys):
    src = tmp_path / "src"
    src.mkdir()
    np.save(src / "emb.npy", np.asarray(sample.vectors[:3000]))
    (src / "emb.vocab.txt").write_text("\n".join(sample.words[1:3001]) + "\n", encoding="utf-8")
    recipe = tmp_path / "r.recipe.json"
    code, _, err = _run(capsys, "export", str(src / "emb.npy"), "--top", "500", "--fix-shift",
                        "-o", str(tmp_path / "a"), "--save-recipe", str(recipe))
    assert code == 0, err
    assert json.loads(recipe.read_text(encoding="utf-8"))["source"]["pairing"]["rows_from"] == 1
    code, _, err = _run(capsys, "export", "--recipe", str(recipe), "-o", str(tmp_path / "b"))
    assert code == 0, err
    for name in ("embeddings.npy", "vocab.txt"):
        assert (tmp_path / "a" / name).read_bytes() == (tmp_path / "b" / name).read_bytes()
