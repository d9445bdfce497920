"""Where callers look file formats up: `load()` that picks a reader by content, the reader
and writer tables, and the Open dialog's filter built from them.

Each format family lives in its own module and declares `@reader(...)` and `@writer(...)` (see
`io.formats`); importing the modules below fills READERS and WRITERS. A new format is one new
module added to FORMAT_MODULES, never an edit to an if/elif chain.
"""
from __future__ import annotations

import os
import re
import time
from pathlib import Path

from ..core.embedding import Embedding
from ..core.errors import EmbeddingFormatError, NotEnoughMemoryError
from ..core.jobs import Job
from . import (
    checkpoint,
    fasttext_bin,
    gensim_pickle,
    numpy_files,
    projector,
    word2vec_binary,
    word2vec_text,
)
from .formats import READERS, WRITERS, Reader, Writer, read_head
from .model_folder import read_model_folder

# In this order the tables list their formats: the CLI's choices, the export dialog's list, and,
# when two sniffers are equally sure of a file, the reader that wins.
FORMAT_MODULES = (numpy_files, checkpoint, word2vec_text, word2vec_binary, projector, fasttext_bin,
                  gensim_pickle)


def _in_module_order(table: dict) -> None:
    """Put a table in FORMAT_MODULES order (declaration order within a module), whichever
    module happened to be imported first."""
    rank = {m.__name__: i for i, m in enumerate(FORMAT_MODULES)}

    def module_rank(item):
        entry = item[1]
        return rank[(entry.read if isinstance(entry, Reader) else entry.write).__module__]

    ordered = sorted(table.items(), key=module_rank)
    table.clear()
    table.update(ordered)


_in_module_order(READERS)
_in_module_order(WRITERS)

# Compressed files are recognised by their content (io.compressed); these are the names they
# usually carry, for the Open dialog.
COMPRESSED_EXTENSIONS = (".gz", ".bz2", ".xz", ".zip")

__all__ = ["FORMAT_MODULES", "READERS", "WRITERS", "Reader", "Writer", "detect_format",
           "format_names", "load", "open_file_filter", "read_head"]


def format_names() -> list[str]:
    return list(READERS)


def open_file_filter() -> str:
    """The Open dialog's filter (Qt syntax): every readable extension, compressed or not, then
    one entry per format, then "All files (*)"."""
    every = dict.fromkeys(f"*{e}" for r in READERS.values() for e in r.extensions)
    every.update(dict.fromkeys(f"*{e}" for e in COMPRESSED_EXTENSIONS))
    parts = ["Embeddings (" + " ".join(every) + ")"]
    parts += [f"{r.label} (" + " ".join(f"*{e}" for e in r.extensions) + ")"
              for r in READERS.values() if r.extensions]
    parts.append("All files (*)")
    return ";;".join(parts)


def detect_format(path, vocab=None) -> Reader:
    """The reader whose sniffer is most confident about this file's content."""
    path = Path(path)
    head = read_head(path)
    if not head.data:
        raise EmbeddingFormatError(path, None, "the file is empty", "an embedding file")
    best, best_score = None, 0.0
    for r in READERS.values():
        try:
            score = float(r.sniff(head))
        except Exception:  # noqa: BLE001 - a sniffer never stops detection; it does not vote
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
    `source.words_in_file`) so the alignment check can say what is wrong. Raises
    EmbeddingFormatError (or PickleRefusedError) with file and place; Cancelled when
    `should_stop()` turns true.
    """
    job = Job(progress, should_stop)
    path = Path(path)
    if not path.exists():
        raise EmbeddingFormatError(path, None, "no such file")
    if path.is_dir():
        # A model folder (config.json, weights, tokenizer) is one source; its reader records
        # path, format and size itself, since they are the folder's, not one file's.
        if format is not None:
            raise EmbeddingFormatError(path, None, "is a folder, not a file",
                                       f"a file for --format {format}")
        start = time.perf_counter()
        emb = read_model_folder(path, vocab=vocab, tensor=tensor, trust_pickle=trust_pickle,
                                job=job, allow_mismatch=allow_mismatch)
        emb.source.load_seconds = time.perf_counter() - start
        emb.source.vocab_given, emb.source.tensor_given = vocab is not None, tensor is not None
        return emb
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
    src.vocab_given, src.tensor_given = vocab is not None, tensor is not None
    src.load_seconds = time.perf_counter() - start
    return emb
