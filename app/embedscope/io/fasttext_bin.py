"""Native fastText models (`.bin` as written by fastText's `save_model`): the word vectors.

A fastText word's vector is not a row of the file: it is the mean of the word's own input row
and the rows of its character n-grams, composed by core/subwords.py exactly as fastText and
gensim do. The n-gram rows stay on the Embedding (`source.subwords`), so words the model never
saw can be given fastText's vector too (`export --oov subwords`); `read_subwords` gets them
again for an embedding opened from the parse cache.

Only the dictionary and the input matrix are read; the file is memory-mapped, so the 7 GB
Common Crawl models open without reading the output matrix. Quantized `.ftz` models are
refused with a reason. Words that are not valid UTF-8 are hashed from their bytes (as fastText
does) and shown with U+FFFD.
"""
from __future__ import annotations

import mmap
import re
import struct
from pathlib import Path

import numpy as np

from ..core.embedding import Embedding, Source
from ..core.errors import EmbeddingFormatError
from ..core.jobs import Job
from ..core.subwords import Subwords, bracketed, kernel
from .formats import reader
from .parsing import common_warnings, decode_tokens

MAGIC = 793712314
_ARGS = struct.Struct("<2i12id")   # magic, version, dim … lr_update_rate, t
_ENTRY = re.compile(rb"([^\x00]*)\x00(.{9})", re.S)   # word, NUL, int64 count, int8 type


def _sniff(head) -> float:
    return 1.0 if head.data[:4] == struct.pack("<i", MAGIC) else 0.0


def _fail(path, where, problem, expected=None):
    return EmbeddingFormatError(path, where, problem, expected)


def _open(path, job):
    """(memory-map, input matrix, dictionary words as bytes, nwords, nlabels, minn, maxn) of a
    fastText model; EmbeddingFormatError naming the place when the file is not one."""
    path = Path(path)
    from .compressed import compression_of

    if compression_of(path) is not None:
        raise _fail(path, None, "a compressed fastText model cannot be memory-mapped",
                    "the uncompressed .bin file")
    with open(path, "rb") as f:
        try:
            mm = mmap.mmap(f.fileno(), 0, access=mmap.ACCESS_READ)
        except ValueError:
            raise _fail(path, None, "the file is empty", "a fastText model") from None
    size = len(mm)
    if size < _ARGS.size + 28:
        raise _fail(path, "header", f"only {size} bytes", "a fastText model header")
    (magic, version, dim, ws, epoch, min_count, neg, word_ngrams, loss, model, bucket, minn,
     maxn, lr_update, t) = _ARGS.unpack_from(mm, 0)
    if magic != MAGIC:
        raise _fail(path, "byte 0", "not a fastText model", "fastText's magic number 793712314")
    pos = _ARGS.size
    vocab_size, nwords, nlabels = struct.unpack_from("<3i", mm, pos)
    ntokens, prune_size = struct.unpack_from("<2q", mm, pos + 12)
    pos += 28
    if not (0 < nwords <= vocab_size) or dim <= 0 or bucket < 0 or not 0 <= minn <= maxn:
        raise _fail(path, "header", f"{nwords} words of {vocab_size}, dimension {dim}, "
                    f"{bucket} buckets, n-grams of {minn} to {maxn} characters",
                    "a positive number of words and dimensions, buckets 0 or more, "
                    "minn ≤ maxn")
    if vocab_size > (size - pos) // 10:     # each entry takes at least 10 bytes
        raise _fail(path, "dictionary header", f"it claims {vocab_size:,} entries",
                    f"at most {(size - pos) // 10:,} in a file of {size:,} bytes")
    # dictionary: entries are word bytes, NUL, count (int64), type (int8)
    words_raw: list[bytes] = []
    while len(words_raw) < vocab_size:
        window_end = min(size, pos + (16 << 20))
        # Entries follow each other, so matches run on from `pos`; stopping at the last NUL
        # that can end a word keeps the search linear (searching a long run without a NUL
        # position by position is quadratic: a damaged dictionary took minutes).
        last = mm.rfind(b"\x00", pos, window_end - 9)
        found = _ENTRY.findall(mm, pos, last + 10)[: vocab_size - len(words_raw)] \
            if last >= 0 else []
        if not found:
            raise _fail(path, f"byte {pos:,}", "the dictionary ends early",
                        f"{vocab_size:,} dictionary entries")
        words_raw.extend(w for w, _ in found)
        pos += sum(len(w) + 10 for w, _ in found)
        job.step(pos, size, "reading the dictionary")
    if prune_size > (size - pos) // 8:     # -1 (not pruned) is what most models hold
        raise _fail(path, f"byte {_ARGS.size + 20:,}", f"a pruned-index size of {prune_size:,}",
                    f"at most {(size - pos) // 8:,} entries in what is left of the file")
    pos += 8 * max(0, prune_size)
    if pos + 17 > size:
        raise _fail(path, f"byte {pos:,}", "the file ends before the input matrix (truncated?)",
                    "the input matrix after the dictionary")
    if mm[pos] != 0:
        raise _fail(path, f"byte {pos:,}", "this is a quantized (.ftz) model",
                    "an unquantized fastText .bin model")
    rows, cols = struct.unpack_from("<2q", mm, pos + 1)
    pos += 17
    if cols != dim or rows != nwords + bucket or rows < 0 or pos + rows * cols * 4 > size:
        raise _fail(path, f"byte {pos - 16:,}", f"an input matrix of {rows:,} × {cols}",
                    f"{nwords + bucket:,} × {dim} float32 values (words + hash buckets)")
    inp = np.frombuffer(mm, dtype="<f4", count=rows * cols, offset=pos).reshape(rows, cols)
    return mm, inp, words_raw[:nwords], nwords, nlabels, minn, maxn


def read_subwords(path, job=None) -> Subwords:
    """The n-gram rows of a native fastText model (memory-mapped), without composing its
    words' vectors: what an embedding opened from the parse cache lacks."""
    _, inp, _, nwords, _, minn, maxn = _open(path, job or Job())
    return Subwords(inp[nwords:], minn, maxn)


def subwords_of(emb) -> Subwords | None:
    """The n-gram rows of an embedding read from a native fastText model, read again (and
    kept on its source) when it was opened from the parse cache, which keeps only the words'
    vectors; None for any other source."""
    src = emb.source
    if src.subwords is None and src.format == "fasttext-bin" and src.path:
        src.subwords = read_subwords(src.path)
    return src.subwords


@reader("fasttext-bin", "fastText native model (.bin)", extensions=(".bin",), sniff=_sniff,
        cacheable=True)
def read_fasttext_bin(path, *, job=None, **_):
    path = Path(path)
    job = job or Job()
    _, inp, words_raw, nwords, nlabels, minn, maxn = _open(path, job)
    dim = inp.shape[1]
    blob, starts, ends = bracketed(words_raw)
    out = np.empty((nwords, dim), np.float32)
    # "small" counts the n-gram work, the words' text included, so a few very long (damaged)
    # words do not take minutes in the plain loop
    compose = kernel(len(blob) * dim // 10)
    buckets = inp[nwords:]
    step = 1 << 16
    for s in range(0, nwords, step):       # in blocks, for progress and cancel
        e = min(nwords, s + step)
        compose(blob, starts[s:e], ends[s:e], s, inp, buckets, minn, maxn, out[s:e])
        job.step(e, nwords, "composing word vectors from n-grams")
    words, bad = decode_tokens(words_raw)
    src = Source(warnings=common_warnings(words, out, bad), body_rows=nwords,
                 subwords=Subwords(buckets, minn, maxn))
    src.warnings[:0] = ([f"the model also has {nlabels:,} labels (a classifier); only its "
                         f"{nwords:,} words were read"] if nlabels else [])
    return Embedding(words, out, source=src)

