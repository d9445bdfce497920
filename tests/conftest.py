"""Shared fixtures: the bundled sample, gensim's shipped test data, small generated embeddings."""
from __future__ import annotations

import os
from pathlib import Path

import numpy as np
import pytest

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
os.environ.setdefault("PYQTGRAPH_QT_LIB", "PySide6")


@pytest.fixture(autouse=True)
def _private_cache(tmp_path_factory, monkeypatch):
    """Each test session gets its own cache folder, so no test reads another's cache
    or the user's real one."""
    monkeypatch.setenv("EMBEDSCOPE_CACHE_DIR", str(tmp_path_factory.getbasetemp() / "cache"))


@pytest.fixture(scope="session")
def sample_path() -> Path:
    from embedscope.resources import sample_path

    return sample_path()


@pytest.fixture(scope="session")
def sample(sample_path):
    import embedscope

    return embedscope.load(sample_path)


@pytest.fixture(scope="session")
def gensim_data() -> Path:
    """gensim's own test files, shipped inside its wheel (questions-words.txt, test_glove.txt…)."""
    from gensim.test.utils import datapath

    return Path(datapath("questions-words.txt")).parent


@pytest.fixture
def random_embedding():
    """A small generated embedding: 500 random words × 16 dims, seeded."""
    from embedscope.core.embedding import Embedding

    rng = np.random.default_rng(0)
    words = [f"w{i}" for i in range(500)]
    return Embedding(words, rng.standard_normal((500, 16)).astype(np.float32))
