"""The performance layer is fenced: core/compiled.py is the one gate to compiled code, and
EMBEDSCOPE_PLAIN=1 turns every compiled and SIMD path off while answers stay the same."""
from __future__ import annotations

import ast
import pathlib

import numpy as np
import pytest

import embedscope
from embedscope.core import analogy_batch, compiled, quantized
from embedscope.core.embedding import Embedding

PACKAGE = pathlib.Path(embedscope.__file__).parent


def _imports(path: pathlib.Path) -> set[str]:
    names = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            names.update(a.name for a in node.names)
        elif isinstance(node, ast.ImportFrom):
            names.add(node.module or "")
            names.update(f"{node.module or ''}.{a.name}" for a in node.names)
    return names


def test_numba_is_imported_only_by_the_gate_and_the_kernels_modules():
    """A compiled loop anywhere else would escape EMBEDSCOPE_PLAIN; a kernels module imported
    directly would load numba past the gate."""
    for path in PACKAGE.rglob("*.py"):
        names = _imports(path)
        if path.name != "compiled.py" and not path.stem.endswith("_kernels"):
            assert not any(n == "numba" or n.startswith("numba.") for n in names), path
        assert not any(n.split(".")[-1].endswith("_kernels") for n in names), path


def test_plain_switch_turns_every_compiled_path_off(monkeypatch):
    monkeypatch.setenv("EMBEDSCOPE_PLAIN", "1")
    assert compiled.plain()
    assert compiled.compiled(analogy_batch._answer_tile) is None
    assert compiled.kernels("quantized_kernels") is None
    assert not quantized.available() and not analogy_batch.available()
    monkeypatch.setenv("EMBEDSCOPE_PLAIN", "0")
    assert not compiled.plain()


def test_in_plain_mode_a_large_search_builds_no_4bit_copy_and_equals_gensim(sample, monkeypatch):
    from gensim.models import KeyedVectors

    import embedscope.core.neighbours as nb

    monkeypatch.setenv("EMBEDSCOPE_PLAIN", "1")
    monkeypatch.setattr(nb, "_PRUNE_MIN_ROWS", 1000)
    emb = Embedding(sample.words, np.asarray(sample.vectors))
    nb.prepare(emb)
    assert nb.search_state(emb).quantized(emb) is None
    kv = KeyedVectors(emb.dim)
    kv.add_vectors(emb.words, np.asarray(emb.vectors))
    for w in ("france", "king", "computer"):
        assert [(n.word, n.score) for n in nb.nearest(emb, w, k=10)] == \
            kv.most_similar(w, topn=10)


@pytest.mark.skipif(compiled.plain(), reason="EMBEDSCOPE_PLAIN: nothing is compiled")
def test_linked_loops_run_compiled_and_the_module_keeps_its_plain_functions():
    """The text scanner calls its number reader by name: compiled, it calls the compiled form;
    the module's own `_number` stays the plain Python function, and both read the same."""
    pytest.importorskip("numba")
    from embedscope.io import word2vec_text as wt

    scanner = wt._kernel()
    assert scanner is not None and compiled.is_loaded(wt._scan_text)
    assert not hasattr(wt._number, "py_func")  # still the plain function
    block = np.frombuffer(b"a 1.5 -2e3\nb nan 0.25\n", np.uint8)
    results = []
    for scan in (scanner, wt._scan_text):
        out = np.zeros((2, 2), np.float32)
        tok = np.zeros(16, np.uint8)
        starts, ends, lines = (np.zeros(2, np.int64) for _ in range(3))
        flags = np.zeros(2, np.int64)
        used = scan(block, 2, out, tok, starts, ends, lines, flags, wt._P10)
        results.append((used, out.tolist()[:1], flags.tolist(), bytes(tok[:used[1]])))
    assert results[0] == results[1]
    assert results[0][1] == [[1.5, -2000.0]] and results[0][3] == b"a\nb\n"
