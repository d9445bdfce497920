"""The export in Keras 3: USAGE.md's Keras code, run as written for every output format on the
torch backend, gives an Embedding layer whose output rows are the exported matrix's rows."""
from __future__ import annotations

import importlib.util
import json
import os
import re
import subprocess
import sys
import textwrap

import numpy as np
import pytest

from embedscope.core.export import ExportPlan
from embedscope.core.vocabulary import TopWords
from embedscope.io.export_contents import read_manifest, read_matrix
from embedscope.io.export_folder import write_export
from embedscope.io.registry import WRITERS

pytest.importorskip("torch")
if importlib.util.find_spec("keras") is None:
    pytest.skip("Keras 3 is not installed (pip install -e '.[dev]')", allow_module_level=True)
if os.environ.get("EMBEDSCOPE_PLAIN"):
    # The files Keras reads do not depend on the compiled paths: once, in the ordinary run, is
    # enough (the plain run of tests/core re-checks what the compiled code computes).
    pytest.skip("run once, in the ordinary test run", allow_module_level=True)

# Runs in a fresh interpreter so KERAS_BACKEND is read before keras is first imported: for each
# export folder, USAGE.md's sentence mapping then its Keras block, exactly as written there.
RUNNER = textwrap.dedent("""
    import json, os, re, sys
    import numpy as np
    import keras

    results = {}
    for folder, out in json.loads(sys.argv[1]):
        os.chdir(folder)
        usage = open("USAGE.md", encoding="utf-8").read()
        blocks = dict(re.findall(r"## (.+?)\\n\\n```python\\n(.*?)```", usage, flags=re.S))
        ns = {}
        exec(blocks["Map a sentence to row indices"], ns)
        exec(blocks["Keras"], ns)
        layer = ns["embedding_layer"]
        ids = np.array([ns["ids"] + [0]])
        np.save(out, keras.ops.convert_to_numpy(layer(ids))[0])
        results[folder] = {"ids": ns["ids"], "mask_zero": bool(layer.mask_zero),
                           "trainable": bool(layer.trainable), "backend": keras.backend.backend()}
    print(json.dumps(results))
""")


def test_usage_md_keras_code_gives_the_matrix_rows_in_every_format(sample, tmp_path):
    runs = []
    for fmt in WRITERS:
        folder = tmp_path / fmt
        plan = ExportPlan(sources=[TopWords(1500)], pad="<pad>", unk="<unk>", format=fmt,
                          dtype="float16" if WRITERS[fmt].holds_float16 else "float32")
        write_export(sample, plan, folder)
        runs.append((str(folder), str(tmp_path / f"{fmt}-out.npy")))
    env = {**os.environ, "KERAS_BACKEND": "torch"}
    done = subprocess.run([sys.executable, "-c", RUNNER, json.dumps(runs)], env=env,
                          capture_output=True, text=True, timeout=600)
    assert done.returncode == 0, done.stderr[-3000:]
    results = json.loads(done.stdout.strip().splitlines()[-1])
    for folder, out in runs:
        fmt = os.path.basename(folder)
        got = results[folder]
        assert got["backend"] == "torch"
        assert got["mask_zero"] and not got["trainable"], fmt   # row 0 is the padding row
        manifest = read_manifest(folder)
        matrix = read_matrix(folder, manifest).vectors
        rows = np.load(out)
        ids = got["ids"] + [0]
        assert np.array_equal(rows, np.asarray(matrix[ids], dtype=np.float32)), fmt
        assert not rows[-1].any()
        assert ids[-2] == manifest["unk_index"]        # the made-up word maps to <unk>
        vocab = open(os.path.join(folder, "vocab.txt"), encoding="utf-8").read().split("\n")
        first = sample.vector(vocab[ids[0]])
        if manifest["dtype"] == "float16":
            first = first.astype(np.float16).astype(np.float32)
        assert np.array_equal(rows[0], first), fmt


def test_usage_md_has_one_keras_block_per_export(sample, tmp_path):
    write_export(sample, ExportPlan(sources=[TopWords(100)], pad="<pad>"), tmp_path / "o")
    usage = (tmp_path / "o" / "USAGE.md").read_text(encoding="utf-8")
    assert len(re.findall(r"## Keras\n\n```python\n", usage)) == 1
