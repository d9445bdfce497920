"""gensim's own save format (`.kv`, `.model`, `.wv`, with `.npy` sidecars for big arrays).

These files are Python pickles, and unpickling runs code stored in the file. They are
recognised by their first bytes only (the pickle protocol marker 0x80 0x02..0x05) and refused
with `PickleRefusedError` unless the user trusts the file (`--trust-pickle`, or a confirmation
in the window). Nothing in this module unpickles before that check.
"""
from __future__ import annotations

from pathlib import Path

import numpy as np

from ..core.embedding import Embedding, Source
from ..core.errors import EmbeddingFormatError, PickleRefusedError
from .checkpoint import TORCH_LEGACY_MAGIC
from .formats import reader


def is_pickle(data: bytes) -> bool:
    """True for the start of a pickle of protocol 2 to 5 (what gensim, joblib and torch write)."""
    return len(data) >= 2 and data[0] == 0x80 and 2 <= data[1] <= 5


def _sniff_gensim(head) -> float:
    if not is_pickle(head.data) or head.data.startswith(TORCH_LEGACY_MAGIC):
        return 0.0
    return 0.9


def _unpickle_trusted(path: Path):
    """gensim's `SaveLoad.load`, step by step so a pickle that is not a gensim object gets a
    clear message instead of an AttributeError. Big arrays come memory-mapped from sidecars."""
    from gensim import utils

    compress, subname = utils.SaveLoad._adapt_by_suffix(str(path))
    obj = utils.unpickle(str(path))
    if isinstance(obj, utils.SaveLoad):
        # Compressed saves (.gz/.bz2) cannot be memory-mapped; gensim insists on mmap=None.
        obj._load_specials(str(path), None if compress else "r", compress, subname)
    return obj


@reader("gensim", "gensim KeyedVectors / Word2Vec / FastText file (a Python pickle)",
        extensions=(".kv", ".model", ".wv", ".pkl"), sniff=_sniff_gensim)
def read_gensim(path, *, trust_pickle=False, job=None, **_):
    path = Path(path)
    if not trust_pickle:
        raise PickleRefusedError(path)
    from gensim.models import KeyedVectors

    try:
        obj = _unpickle_trusted(path)
    except Exception as exc:  # noqa: BLE001 - a trusted pickle can raise anything; one line
        raise EmbeddingFormatError(path, None, "gensim could not load it "
                                   f"({exc.__class__.__name__}: {str(exc)[:200]})",
                                   "a file written by gensim's .save(), with its .npy sidecars "
                                   "beside it") from None
    kv = obj if isinstance(obj, KeyedVectors) else getattr(obj, "wv", None)
    if not isinstance(kv, KeyedVectors):
        raise EmbeddingFormatError(path, None, f"the pickle holds a {type(obj).__name__}, "
                                   "not word vectors",
                                   "gensim KeyedVectors, or a Word2Vec/FastText/Doc2Vec model")
    vectors = kv.vectors
    if vectors is None or getattr(vectors, "ndim", 0) != 2 or vectors.shape[0] == 0:
        raise EmbeddingFormatError(path, None, "the model holds no word vectors",
                                   "a trained model or KeyedVectors with at least one word")
    if not isinstance(getattr(kv, "index_to_key", None), list):
        raise EmbeddingFormatError(path, None, "the word vectors have no list of words",
                                   "KeyedVectors whose index_to_key lists the words")
    words = [w if isinstance(w, str) else str(w) for w in kv.index_to_key]
    if len(words) != vectors.shape[0]:
        raise EmbeddingFormatError(path, None, f"{len(words):,} words for {vectors.shape[0]:,} "
                                   "vector rows", "one word per row")
    attrs = {}
    counts = getattr(kv, "expandos", {}).get("count")
    if counts is not None and len(counts) == len(words) and np.any(counts):
        attrs["count"] = np.asarray(counts).tolist()
    if vectors.dtype != np.float32:
        vectors = np.asarray(vectors, dtype=np.float32)
    src = Source(warnings=[])
    return Embedding(words, vectors, attrs, src)
