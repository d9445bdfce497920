"""The audit of a model's table: exact counts, examples that name tokens, and nothing at all
for a clean word table."""
from __future__ import annotations

import numpy as np
import pytest

import embedscope
from embedscope.core.check import check
from embedscope.core.check_model import model_findings, untrained_groups
from embedscope.core.embedding import Embedding, ModelFolder
from model_folders import SPECIALS, TOKENS, UNUSED, VOCAB_SIZE, make_model_folder

MODEL_CODES = {"untrained-rows", "padding-not-zero", "rows-past-tokenizer", "special-tokens",
               "tied-output"}


@pytest.fixture(scope="module")
def bert(tmp_path_factory):
    folder = make_model_folder(tmp_path_factory.mktemp("bert") / "m", tied=True)
    return check(embedscope.load(folder))


def test_rows_past_the_tokenizer_are_counted_exactly(bert):
    f = bert.get("rows-past-tokenizer")
    assert f.severity == "info" and f.count == VOCAB_SIZE - len(TOKENS) == 15
    assert "multiple of 64" in f.message
    assert f.rows == list(range(len(TOKENS), VOCAB_SIZE)) and f.examples == ["rows 177–191"]


def test_special_tokens_are_named_with_their_rows(bert):
    f = bert.get("special-tokens")
    assert f.count == len(SPECIALS)
    assert "'[PAD]' (row 0)" in f.examples and "'[MASK]' (row 4)" in f.examples
    assert "rows 0–4" in f.message


def test_never_trained_unused_rows_are_found_and_named(bert):
    f = bert.get("untrained-rows")
    first = len(SPECIALS)
    # Exactly the [unused*] rows: the padded rows past the tokenizer are counted apart.
    assert f.count == len(UNUSED) and f.rows == list(range(first, first + len(UNUSED)))
    assert f.examples[0].startswith("'[unused0]' (row 5")


def test_tied_output_names_the_tensor(bert):
    f = bert.get("tied-output")
    assert f.examples == ["cls.predictions.decoder.weight"]
    assert "bert.embeddings.word_embeddings.weight" in f.message


def test_padding_row_that_is_not_zero(bert, tmp_path):
    f = bert.get("padding-not-zero")
    assert f.count == 1 and f.rows == [0] and "'[PAD]'" in f.message
    clean = check(embedscope.load(make_model_folder(tmp_path / "z", pad_row_zero=True)))
    assert clean.get("padding-not-zero") is None
    assert clean.get("tied-output") is None


def test_tie_declared_in_config_without_a_saved_output_layer(tmp_path):
    folder = make_model_folder(tmp_path / "m", config={"tie_word_embeddings": True})
    f = check(embedscope.load(folder)).get("tied-output")
    assert f is not None and "tie_word_embeddings" in f.message


def test_clean_word_table_gets_none_of_the_model_findings(sample):
    assert not MODEL_CODES & set(check(sample).codes)
    # Even read as a model's table (tokenizer = its words, [PAD]-free), GloVe is clean.
    sample_model = Embedding(sample.words, sample.vectors)
    sample_model.source.model = ModelFolder(
        folder="glove", weights=[], vocab_file="vocab.txt", config_file=None,
        chosen_because="test", vocab_size=sample.rows)
    assert model_findings(sample_model) == []


def test_rows_pushed_one_way_are_a_group_even_with_spread_norms():
    """Rows the input never trained but a tied output layer pushed all the same way (BERT's
    [unused*]) share a direction; their norms need not be alike."""
    rng = np.random.default_rng(3)
    trained = rng.standard_normal((600, 48)) * rng.lognormal(0, 0.15, (600, 1))
    direction = rng.standard_normal(48)
    direction /= np.linalg.norm(direction)
    pushed = (direction + rng.normal(0, 0.05, (30, 48))) * rng.uniform(0.5, 1.0, (30, 1))
    m = np.vstack([trained[:100], pushed, trained[100:]]).astype(np.float32)
    groups = untrained_groups(m, np.linalg.norm(m, axis=1))
    assert len(groups) == 1 and groups[0].tolist() == list(range(100, 130))
