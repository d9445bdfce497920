"""Embedscope: open, check, explore and prune pretrained word embeddings for transfer learning.

    import embedscope
    emb = embedscope.load("glove.6B.50d.txt")
    emb.words[:3], emb.vectors.shape
"""
from ._version import __version__


def load(path, vocab=None, **kwargs):
    """Open an embedding file with its vocabulary; see `embedscope.io.registry.load`."""
    from .io.registry import load as _load

    return _load(path, vocab=vocab, **kwargs)


def sample_path():
    """The bundled sample: the 20,000 most frequent GloVe 6B 50d words."""
    from .resources import sample_path as _sample_path

    return _sample_path()


__all__ = ["__version__", "load", "sample_path"]
