"""The export in PyTorch: from_pretrained on the written matrix, words looked up through
word_index.json, and USAGE.md's own code run as written."""
from __future__ import annotations

import json
import re

import numpy as np
import pytest

from embedscope.core.export import ExportPlan
from embedscope.core.vocabulary import TopWords, Words
from embedscope.io.export_folder import write_export

torch = pytest.importorskip("torch")


def test_from_pretrained_looks_words_up_through_word_index(sample, tmp_path):
    plan = ExportPlan(sources=[Words(["king", "queen", "qqzzyx"]), TopWords(1000)],
                      pad="<pad>", unk="<unk>")
    write_export(sample, plan, tmp_path / "o")
    weights = torch.from_numpy(np.load(tmp_path / "o" / "embeddings.npy"))
    layer = torch.nn.Embedding.from_pretrained(weights, freeze=True, padding_idx=0)
    index = json.loads((tmp_path / "o" / "word_index.json").read_text(encoding="utf-8"))
    unk = index["<unk>"]
    sentence = "the king and the queen met qqzzyx florbnax".split()
    ids = torch.tensor([[index.get(w, unk) for w in sentence] + [0, 0]])
    out = layer(ids)[0].numpy()
    assert np.array_equal(out[1], sample.vector("king"))
    assert np.array_equal(out[4], sample.vector("queen"))
    assert np.array_equal(out[0], sample.vector("the"))
    assert np.array_equal(out[7], weights[unk].numpy())      # unknown word → <unk> row
    assert not out[8:].any()                                   # padding stays zero
    assert not layer.weight.requires_grad


@pytest.mark.parametrize("fmt", ["npy", "npz", "safetensors", "word2vec", "word2vec-bin", "glove",
                                 "tsv"])
def test_usage_md_code_runs_for_these_files(fmt, sample, tmp_path, monkeypatch):
    plan = ExportPlan(sources=[TopWords(2000)], pad="<pad>", unk="<unk>", format=fmt,
                      dtype="float16" if fmt == "safetensors" else "float32")
    write_export(sample, plan, tmp_path / "o")
    usage = (tmp_path / "o" / "USAGE.md").read_text(encoding="utf-8")
    blocks = re.findall(r"```python\n(.*?)```", usage, flags=re.S)
    mapping, pytorch = blocks[0], blocks[1]
    monkeypatch.chdir(tmp_path / "o")
    ns: dict = {}
    exec(mapping, ns)
    exec(pytorch, ns)
    layer, ids = ns["layer"], ns["ids"]
    assert layer.padding_idx == 0 and ids[-1] == 1  # the made-up word maps to <unk>
    first = ns["vectors"][0, 0].detach().numpy()
    expect = sample.vector(_word(ids[0], tmp_path / "o"))
    if fmt == "safetensors":
        expect = expect.astype(np.float16).astype(np.float32)
    assert np.array_equal(first, expect)


def _word(row, folder):
    return (folder / "vocab.txt").read_text(encoding="utf-8").split("\n")[row]
