"""The two tables of file formats: READERS (what Embedscope opens) and WRITERS (what an export
writes), filled by the `@reader` and `@writer` declarations in each format module.

This module imports no format module, so each can import it; `io.registry` imports them all
(which fills the tables) and is where callers look formats up.
"""
from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Callable

import numpy as np

from ..core.embedding import Embedding

HEAD_BYTES = 1 << 16


@dataclass
class FileHead:
    """What sniffers look at: the path and the first 64 KiB (decompressed when compressed)."""

    path: Path
    data: bytes
    compression: str | None  # "gzip", "bz2", "xz", "zip" or None


def read_head(path: Path) -> FileHead:
    """The first bytes of a file, seen through any compression."""
    from .compressed import compression_of, open_binary

    comp = compression_of(path)
    with open_binary(path) as f:
        data = f.read(HEAD_BYTES)
    return FileHead(path, data, comp)


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


@dataclass(frozen=True)
class Writer:
    """An output format of `embedscope export`: its files, what it can hold, how to load it."""

    name: str                 # what `export --format` takes: "npy", "word2vec", ...
    label: str                # what a user reads in the export dialog: "NumPy .npy"
    files: dict[str, str]     # file name → what it holds; the first holds the matrix
    holds_spaces: bool        # False: white space separates fields, a word may not contain it
    holds_float16: bool       # False: float16 values are rounded, then stored as float32
    load_code: tuple[str, ...]  # Python lines leaving the matrix in `weights` (for USAGE.md)
    # write(folder, words, values, metadata): values already in the stored dtype; metadata
    # holds strings (rows, pad_index, unk_index...) for a format with room for them.
    write: Callable[[Path, list, np.ndarray, dict], None]
    # read_back(folder) -> (words, or None when the files hold no words; values as stored)
    read_back: Callable[[Path], tuple[list | None, np.ndarray]]

    @property
    def matrix_file(self) -> str:
        return next(iter(self.files))


WRITERS: dict[str, Writer] = {}


def writer(name: str, label: str, files: dict[str, str], holds_spaces: bool,
           holds_float16: bool, load_code, read_back):
    """Register `write(folder, words, values, metadata)` as the output format `name`."""

    def deco(fn):
        WRITERS[name] = Writer(name, label, dict(files), holds_spaces, holds_float16,
                               tuple(load_code), fn, read_back)
        return fn

    return deco
