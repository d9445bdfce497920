"""`.npy` / `.npz` matrices with a separate words file.

The pairing of matrix and words is explicit (`vocab=`) or found beside the matrix by name:
`X.vocab.txt`, `X.words.txt`, `X.txt`, `X.vocab`, `X.json`, then `vocab.txt`, `words.txt`,
`word_index.json` in the same folder. `.npy` files open memory-mapped.
"""
from __future__ import annotations

from pathlib import Path

import numpy as np

from ..core.embedding import Embedding, Source
from ..core.errors import EmbeddingFormatError
from .registry import reader
from .words_file import read_words_file

NPY_MAGIC = b"\x93NUMPY"


def vocab_beside(path: Path) -> Path | None:
    stem = path.name[: -len(path.suffix)] if path.suffix else path.name
    names = [f"{stem}.vocab.txt", f"{stem}.words.txt", f"{stem}.txt", f"{stem}.vocab",
             f"{stem}.json", f"{stem}.tsv", "vocab.txt", "words.txt", "word_index.json"]
    for n in names:
        cand = path.with_name(n)
        if cand.is_file() and cand != path:
            return cand
    return None


def _need_vocab(path: Path, vocab) -> Path:
    if vocab is not None:
        return Path(vocab)
    found = vocab_beside(path)
    if found is None:
        raise EmbeddingFormatError(
            path, None, "a bare matrix has no words, and no words file was found beside it",
            f"--vocab FILE, or a file named {path.stem}.vocab.txt or vocab.txt next to it")
    return found


def pair(path: Path, matrix: np.ndarray, vocab, job) -> Embedding:
    """Attach a words file to a 2-D matrix, checking the counts agree."""
    if matrix.ndim != 2:
        raise EmbeddingFormatError(path, None, f"the array has shape {matrix.shape}",
                                   "a 2-D matrix (rows × dimensions)")
    if not np.issubdtype(matrix.dtype, np.floating):
        raise EmbeddingFormatError(path, None, f"the array holds {matrix.dtype} values",
                                   "floating-point values")
    vpath = _need_vocab(path, vocab)
    words, attrs, warnings = read_words_file(vpath, expected_rows=matrix.shape[0])
    if len(words) != matrix.shape[0]:
        raise EmbeddingFormatError(
            vpath, None,
            f"the words file has {len(words):,} words but {path.name} has {matrix.shape[0]:,} rows",
            "one word per row of the matrix")
    if matrix.dtype != np.float32:
        matrix = matrix.astype(np.float32)  # float16/float64 sources: one float32 copy
    src = Source(vocab_path=str(vpath), warnings=list(warnings))
    return Embedding(words, matrix, attrs, src)


def _sniff_npy(head) -> float:
    return 1.0 if head.data.startswith(NPY_MAGIC) else 0.0


@reader("npy", ".npy matrix + words file", extensions=(".npy",), sniff=_sniff_npy)
def read_npy(path, *, vocab=None, job=None, **_):
    path = Path(path)
    try:
        matrix = np.load(path, mmap_mode="r", allow_pickle=False)
    except ValueError as exc:
        raise EmbeddingFormatError(path, "header", f"not a readable .npy array ({exc})") from None
    return pair(path, matrix, vocab, job)
