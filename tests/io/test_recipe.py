"""Export recipes: a plan saved as a file rebuilds the same plan, keeps its paths movable and
its word lists whole, and refuses files that changed or that it cannot read."""
from __future__ import annotations

import json
import shutil

import numpy as np
import pytest

from embedscope.core.errors import ExportRefusedError, SavedFileError, SourceChangedError
from embedscope.core.export import ExportPlan
from embedscope.core.vocabulary import (
    Corpus,
    Neighbours,
    Regex,
    SelectionError,
    TopWords,
    Words,
    source_from_describe,
)
from embedscope.io.export_folder import write_export
from embedscope.io.recipe import (
    check_same_source,
    differences,
    read_recipe,
    resolved_path,
    save_recipe,
    stored_path,
)
from embedscope.io.registry import load
from embedscope.io.words_file import words_source


def _hashes(manifest):
    return {f["name"]: f["sha256"] for f in manifest["files"]}


def test_every_word_source_rebuilds_from_its_description(tmp_path):
    words = tmp_path / "v.txt"
    words.write_text("cat\ndog\n", encoding="utf-8")
    sources = [TopWords(5), words_source(words, keep_indices=False, combine="exclude"),
               Corpus(str(tmp_path / "c.txt"), min_count=2, max_words=9, lowercase=True,
                      tokenizer="whitespace", combine="intersect"),
               Regex("[a-z]+", ignore_case=True), Words(["a", "b"], label="mine"),
               Neighbours(["cat"], k=3)]
    for src in sources:
        d = src.describe(all_words=True) if isinstance(src, Words) else src.describe()
        back = source_from_describe(json.loads(json.dumps(d)), words_source)
        assert back.describe() == src.describe()


def test_a_plan_round_trips_through_its_dict_with_a_long_word_list():
    many = [f"w{i}" for i in range(2500)]
    plan = ExportPlan(sources=[Words(many, label="selection on the plot"), TopWords(10,
                      combine="exclude")], pad="<pad>", unk=None, specials=["<s>"],
                      oov="zeros", format="npz", dtype="float16", normalize=True, seed=9,
                      alias=True, alias_min_similarity=0.5)
    back = ExportPlan.from_dict(plan.to_dict(all_words=True), words_source)
    assert back.sources[0].words == many
    assert back.to_dict(all_words=True) == plan.to_dict(all_words=True)
    # A manifest's description cuts the list: it cannot pass for the whole selection.
    with pytest.raises(SelectionError, match="first 1,000 of its 2500"):
        ExportPlan.from_dict(plan.to_dict(), words_source)


@pytest.mark.parametrize("change, match", [({"dtype": "float64"}, "dtype"),
                                           ({"seed": "7"}, "seed"),
                                           ({"colour": "red"}, "unknown export option"),
                                           ({"sources": [{"kind": "magic"}]}, "magic")])
def test_a_plan_dict_with_a_wrong_entry_is_refused(change, match):
    d = dict(ExportPlan(sources=[TopWords(3)]).to_dict(), **change)
    with pytest.raises(SelectionError, match=match):
        ExportPlan.from_dict(d, words_source)


def test_paths_beside_the_saved_file_are_relative(tmp_path):
    assert stored_path(tmp_path / "sub" / "v.txt", tmp_path) == "sub/v.txt"
    assert stored_path("/elsewhere/v.txt", tmp_path) == "/elsewhere/v.txt"
    assert resolved_path("sub/v.txt", tmp_path) == str(tmp_path / "sub" / "v.txt")


def test_a_recipe_reruns_to_the_same_bytes_even_after_its_folder_moved(sample_path, tmp_path):
    folder = tmp_path / "project"
    folder.mkdir()
    shutil.copy(sample_path, folder / "vectors.npy")
    shutil.copy(str(sample_path).replace(".npy", ".vocab.txt"), folder / "vectors.vocab.txt")
    (folder / "v.txt").write_text("cat\nParis\nqqzzyx\n", encoding="utf-8")
    emb = load(folder / "vectors.npy")
    lasso = ["dog", "the", "über-word", "paris"]
    plan = ExportPlan(sources=[words_source(folder / "v.txt"), Words(lasso, label="selection "
                      "on the plot")], pad="<pad>", unk="<unk>", specials=["<s>"], seed=4)
    first = write_export(emb, plan, tmp_path / "first")
    save_recipe(folder / "my.recipe.json", emb, plan, first["source"]["sha256"])
    saved = json.loads((folder / "my.recipe.json").read_text(encoding="utf-8"))
    assert saved["source"]["path"] == "vectors.npy"
    assert saved["source"]["sha256"] == first["source"]["sha256"]
    assert saved["plan"]["sources"][1]["words"] == lasso

    moved = tmp_path / "moved"
    shutil.move(folder, moved)
    recipe = read_recipe(moved / "my.recipe.json")
    assert recipe.source["path"] == str(moved / "vectors.npy")
    again = load(recipe.source["path"])
    assert differences(recipe, again) == []
    second = write_export(again, recipe.plan, tmp_path / "second")
    assert _hashes(second) == _hashes(first)
    for name in _hashes(first):
        assert (tmp_path / "first" / name).read_bytes() == (tmp_path / "second" / name).read_bytes()


def test_a_recipe_names_a_changed_source_or_words_file(sample_path, tmp_path, random_embedding):
    words = tmp_path / "v.txt"
    words.write_text("cat\n", encoding="utf-8")
    emb = load(sample_path)
    save_recipe(tmp_path / "r.json", emb, ExportPlan(sources=[words_source(words)]))
    recipe = read_recipe(tmp_path / "r.json")
    check_same_source(recipe, emb)
    words.write_text("cat\ndog\n", encoding="utf-8")
    with pytest.raises(SourceChangedError, match="v.txt changed"):
        check_same_source(recipe, emb)
    other = np.asarray(emb.vectors).copy()
    other[0, 0] += 1
    np.save(tmp_path / "other.npy", other)
    shutil.copy(str(sample_path).replace(".npy", ".vocab.txt"), tmp_path / "other.vocab.txt")
    found = differences(recipe, load(tmp_path / "other.npy"))
    assert any("other.npy has sha256" in f for f in found)


@pytest.mark.parametrize("text, match", [("{not json", "line 1"),
                                         ('{"kind": "something else"}', "not an embedscope"),
                                         ('{"kind": "embedscope export recipe", "version": 9}',
                                          "version 9")])
def test_an_unreadable_recipe_names_the_file_and_the_place(tmp_path, text, match):
    bad = tmp_path / "bad.recipe.json"
    bad.write_text(text, encoding="utf-8")
    with pytest.raises(SavedFileError, match=match) as info:
        read_recipe(bad)
    assert "bad.recipe.json" in str(info.value)


def test_an_embedding_built_in_memory_has_no_recipe(random_embedding, tmp_path):
    with pytest.raises(ExportRefusedError, match="built in memory"):
        save_recipe(tmp_path / "r.json", random_embedding, ExportPlan(sources=[TopWords(3)]))
    assert not (tmp_path / "r.json").exists()
