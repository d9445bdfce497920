"""The table of file formats Embedscope reads, and `load()` that picks one by content.

Each format family lives in its own module and registers itself with `@reader(...)`:
a new format is one new module listed in `FORMAT_MODULES`, never an edit to an if/elif chain.
"""
from __future__ import annotations

import importlib
import os
import re
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Callable

from ..core.embedding import Embedding
from ..core.errors import EmbeddingFormatError, NotEnoughMemoryError
from ..core.jobs import Job

# Modules that register readers when imported, in sniffing-priority order for ties.
FORMAT_MODULES = [
    "embedscope.io.word2vec_binary",
    "embedscope.io.word2vec_text",
    "embedscope.io.fasttext_bin",
    "embedscope.io.numpy_files",
    "embedscope.io.projector",
    "embedscope.io.checkpoint",
    "embedscope.io.gensim_pickle",
]

HEAD_BYTES = 1 << 16


@dataclass
class FileHead:
    """What sniffers look at: the path and the first 64 KiB (decompressed when compressed)."""

    path: Path
    data: bytes
    compression: str | None  # "gzip", "bz2", "xz", "zip" or None


@dataclass
class Reader:
    name: str          # what --format takes: "word2vec", "glove", "word2vec-bin", "npy", ...
    label: str         # what a user reads: "word2vec text (with header)"
    extensions: tuple[str, ...]
    sniff: Callable[[FileHead], float]   # 0 = not this format, 1 = certainly this format
    read: Callable[..., Embedding]       # read(path, *, vocab, tensor, trust_pickle, job)
    cacheable: bool = False              # parsed text/binary: worth a memory-mapped cache


READERS: dict[str, Reader] = {}


def reader(name: str, label: str, extensions=(), sniff=None, cacheable: bool = False):
    """Register `read(path, *, vocab=None, tensor=None, trust_pickle=False, job=Job())`."""

    def deco(fn):
        READERS[name] = Reader(name, label, tuple(extensions), sniff or (lambda head: 0.0), fn,
                               cacheable)
        return fn

    return deco


_loaded_modules = False


def _ensure_readers() -> None:
    global _loaded_modules
    if not _loaded_modules:
        for mod in FORMAT_MODULES:
            try:
                importlib.import_module(mod)
            except ModuleNotFoundError as exc:  # a format module not written yet
                if exc.name != mod:
                    raise
        _loaded_modules = True


def format_names() -> list[str]:
    _ensure_readers()
    return list(READERS)


def read_head(path: Path) -> FileHead:
    """The first bytes of a file, seen through any compression."""
    from .compressed import compression_of, open_binary

    comp = compression_of(path)
    with open_binary(path) as f:
        data = f.read(HEAD_BYTES)
    return FileHead(path, data, comp)


def detect_format(path, vocab=None) -> Reader:
    """The reader whose sniffer is most confident about this file's content."""
    _ensure_readers()
    path = Path(path)
    head = read_head(path)
    if not head.data:
        raise EmbeddingFormatError(path, None, "the file is empty", "an embedding file")
    best, best_score = None, 0.0
    for r in READERS.values():
        try:
            score = float(r.sniff(head))
        except Exception:  # a sniffer never stops detection; it just does not vote
            score = 0.0
        if score > best_score:
            best, best_score = r, score
    if best is None:
        raise EmbeddingFormatError(
            path, "start of file", "not a recognised embedding format",
            "word2vec/GloVe/fastText text or binary, .npy/.npz, Projector TSV, safetensors, "
            "a PyTorch checkpoint or a gensim file",
        )
    return best


def _out_of_memory(path, exc: MemoryError) -> NotEnoughMemoryError:
    """A failed allocation said as a sentence, with the size numpy asked for when it says."""
    m = re.search(r"allocate ([\d.]+ [KMGTP]?i?B)", str(exc))
    size = f" (an allocation of {m.group(1)} failed)" if m else ""
    return NotEnoughMemoryError(path, None, "not enough memory to read it: ran out of memory "
                                f"while reading{size}")


def load(
    path,
    vocab=None,
    format: str | None = None,
    tensor: str | None = None,
    trust_pickle: bool = False,
    use_cache: bool = True,
    allow_mismatch: bool = False,
    progress=None,
    should_stop=None,
) -> Embedding:
    """Open an embedding file with its vocabulary.

    `format` overrides detection (one of `format_names()`); `vocab` names the words file for a
    bare matrix or checkpoint; `tensor` picks a checkpoint tensor; `trust_pickle` allows gensim's
    pickle files. With `allow_mismatch`, a words file whose length differs from the
    matrix's rows loads anyway (paired up to the shorter, the full list kept in
    `source.words_in_file`) so the alignment check can say what is wrong. Raises EmbeddingFormatError (or PickleRefusedError) with file and place;
    Cancelled when `should_stop()` turns true.
    """
    _ensure_readers()
    job = Job(progress, should_stop)
    path = Path(path)
    if not path.exists():
        raise EmbeddingFormatError(path, None, "no such file")
    if path.is_dir():
        raise EmbeddingFormatError(path, None, "is a folder, not a file", "an embedding file")
    if vocab is not None and not Path(vocab).is_file():
        raise EmbeddingFormatError(vocab, None, "words file not found")
    if format is not None:
        if format not in READERS:
            raise EmbeddingFormatError(path, None, f"unknown format '{format}'",
                                       "one of " + ", ".join(READERS))
        rd = READERS[format]
    else:
        rd = detect_format(path, vocab)
    start = time.perf_counter()
    emb = None
    if rd.cacheable and use_cache:
        from . import cache

        emb = cache.lookup(path, rd.name, vocab)
    if emb is None:
        try:
            emb = rd.read(path, vocab=vocab, tensor=tensor, trust_pickle=trust_pickle, job=job,
                          allow_mismatch=allow_mismatch)
        except MemoryError as exc:
            raise _out_of_memory(path, exc) from None
        if rd.cacheable and use_cache:
            from . import cache

            cache.store(path, rd.name, vocab, emb)
    src = emb.source
    src.path = str(path)
    src.format = rd.name
    st = os.stat(path)
    src.size, src.mtime = st.st_size, st.st_mtime
    if vocab is not None and src.vocab_path is None:
        src.vocab_path = str(vocab)
    src.load_seconds = time.perf_counter() - start
    return emb
