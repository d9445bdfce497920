"""A model folder opens as one source: the input-embedding table found from config.json and
the tensor names, the tokens from tokenizer.json or vocab.txt, and a record of why."""
from __future__ import annotations

import json

import numpy as np
import pytest

import embedscope
from embedscope.core.errors import EmbeddingFormatError
from embedscope.io.model_folder import is_model_folder
from model_folders import ADDED, DIM, SPECIALS, TABLE, TOKENS, VOCAB_SIZE, make_model_folder, table


@pytest.mark.parametrize("weights", ["safetensors", "torch", "sharded"])
@pytest.mark.parametrize("vocab", ["tokenizer.json", "vocab.txt"])
def test_folder_opens_as_its_input_table_with_the_tokenizers_tokens(tmp_path, weights, vocab):
    folder = make_model_folder(tmp_path / "m", weights=weights, vocab=vocab)
    emb = embedscope.load(folder)
    assert (emb.rows, emb.dim) == (VOCAB_SIZE, DIM)
    np.testing.assert_array_equal(emb.vectors, table())
    assert emb.words[: len(TOKENS)] == TOKENS
    # Rows the tokenizer has no token for keep their place, under the words files' name.
    assert emb.words[len(TOKENS):] == [f"<row {i}>" for i in range(len(TOKENS), VOCAB_SIZE)]
    src = emb.source
    assert src.format == "model-folder" and src.path == str(folder) and src.tensor == TABLE
    assert src.model.vocab_size == len(TOKENS) and src.model.config_vocab_size == VOCAB_SIZE
    assert src.model.special_tokens == {t: i for i, t in enumerate(SPECIALS)}
    assert src.model.pad_id == 0
    assert "vocab_size 192" in src.model.chosen_because
    assert "word_embeddings" in src.model.chosen_because
    assert src.model.vocab_file.endswith(vocab)


def test_added_tokens_take_their_ids_from_tokenizer_json(tmp_path):
    emb = embedscope.load(make_model_folder(tmp_path / "m"))
    assert [emb.row(t) for t in ADDED] == [TOKENS.index(t) for t in ADDED]


def test_sharded_checkpoint_records_its_index_and_the_shard_read(tmp_path):
    emb = embedscope.load(make_model_folder(tmp_path / "m", weights="sharded"))
    names = [w.rsplit("/", 1)[-1] for w in emb.source.model.weights]
    assert names == ["model.safetensors.index.json", "model-00002-of-00002.safetensors"]


def test_tied_output_layer_is_recorded_with_its_tensor(tmp_path):
    emb = embedscope.load(make_model_folder(tmp_path / "m", tied=True))
    assert emb.source.model.tied_to == "cls.predictions.decoder.weight"
    assert "same values" in emb.source.model.tied_because
    untied = embedscope.load(make_model_folder(tmp_path / "u"))
    assert untied.source.model.tied_to is None and untied.source.model.tied_because is None


def test_ambiguous_folder_lists_the_candidates_and_tensor_chooses(tmp_path):
    folder = make_model_folder(tmp_path / "m", ambiguous=True)
    with pytest.raises(EmbeddingFormatError) as err:
        embedscope.load(folder)
    assert sorted(err.value.candidates) == ["decoder.embed_tokens.weight",
                                            "encoder.embed_tokens.weight"]
    assert "--tensor" in str(err.value)
    emb = embedscope.load(folder, tensor="encoder.embed_tokens.weight")
    np.testing.assert_array_equal(emb.vectors, table())
    assert emb.source.model.chosen_because == "named with --tensor"


def test_an_output_layer_of_the_same_shape_is_not_a_candidate(tmp_path):
    """BERT's `cls.predictions.decoder.weight` has the table's shape; an untied one with other
    values must not make the folder ambiguous."""
    folder = make_model_folder(tmp_path / "m")
    from safetensors.numpy import load_file, save_file

    tensors = load_file(str(folder / "model.safetensors"))
    tensors["cls.predictions.decoder.weight"] = np.ones((VOCAB_SIZE, DIM), np.float32)
    save_file(tensors, str(folder / "model.safetensors"))
    emb = embedscope.load(folder)
    assert emb.source.tensor == TABLE and emb.source.model.tied_to is None


def test_without_config_the_tokenizer_sizes_the_table(tmp_path):
    folder = make_model_folder(tmp_path / "m")
    (folder / "config.json").unlink()
    emb = embedscope.load(folder)
    assert emb.source.tensor == TABLE and emb.rows == VOCAB_SIZE
    assert emb.source.model.config_file is None
    assert "no vocab_size" in emb.source.model.chosen_because


def test_folder_without_weights_says_what_was_looked_for(tmp_path):
    folder = make_model_folder(tmp_path / "m")
    (folder / "model.safetensors").unlink()
    (folder / "tf_model.h5").write_bytes(b"\x89HDF")
    with pytest.raises(EmbeddingFormatError, match="no model weights found") as err:
        embedscope.load(folder)
    assert "model.safetensors" in str(err.value) and "tf_model.h5" in str(err.value)
    assert not is_model_folder(folder)


def test_folder_without_a_matching_table_lists_the_tensors(tmp_path):
    folder = make_model_folder(tmp_path / "m", config={"vocab_size": 999})
    with pytest.raises(EmbeddingFormatError, match="no tensor has 999 rows") as err:
        embedscope.load(folder)
    assert TABLE in err.value.candidates


def test_folder_without_tokenizer_names_the_files_it_wanted(tmp_path):
    folder = make_model_folder(tmp_path / "m")
    (folder / "tokenizer.json").unlink()
    with pytest.raises(EmbeddingFormatError, match="tokenizer.json, vocab.txt, vocab.json"):
        embedscope.load(folder)
    (folder / "tokenizer.model").write_bytes(b"\n\x0b")
    with pytest.raises(EmbeddingFormatError, match="SentencePiece"):
        embedscope.load(folder)
    emb = embedscope.load(folder, vocab=make_model_folder(tmp_path / "v", vocab="vocab.txt")
                          / "vocab.txt")
    assert emb.words[:5] == SPECIALS and emb.source.model.vocab_because == "given with --vocab"


def test_missing_shard_is_named(tmp_path):
    folder = make_model_folder(tmp_path / "m", weights="sharded")
    (folder / "model-00002-of-00002.safetensors").unlink()
    with pytest.raises(EmbeddingFormatError, match="model-00002-of-00002"):
        embedscope.load(folder)


def test_is_model_folder(tmp_path):
    assert is_model_folder(make_model_folder(tmp_path / "m", weights="sharded"))
    assert not is_model_folder(tmp_path)


def test_fingerprint_follows_the_weights_file(tmp_path):
    folder = make_model_folder(tmp_path / "m")
    before = embedscope.load(folder).source.fingerprint
    cfg = json.loads((folder / "config.json").read_text())
    make_model_folder(folder, config=cfg, pad_row_zero=True)
    assert embedscope.load(folder).source.fingerprint != before
