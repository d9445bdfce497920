"""Saving the words file a fix implies (core.pairing.corrected_words), one word per line, as a
new file: never over the words file or the matrix the embedding was read from."""
from __future__ import annotations

import os
from pathlib import Path

from ..core.errors import ExportRefusedError
from ..core.pairing import corrected_words
from .words_file import write_words_file


def suggested_path(emb) -> Path:
    """Beside the words file (or the matrix): `<name>.corrected.txt`, numbered when taken."""
    src = emb.source
    base = Path(src.vocab_path or src.path or "words.txt")
    stem = base.name.split(".")[0] or "words"
    for n in range(1, 1000):
        name = f"{stem}.corrected.txt" if n == 1 else f"{stem}.corrected-{n}.txt"
        candidate = base.with_name(name)
        if not candidate.exists():
            return candidate
    return base.with_name(f"{stem}.corrected.txt")


def save_corrected_words(emb, path) -> Path:
    """Write the corrected words to `path` and return it. Refuses (ExportRefusedError) the
    files the embedding came from: the original words file stays as it was."""
    path = Path(path)
    src = emb.source
    for own, what in ((src.vocab_path, "the words file"), (src.path, "the matrix")):
        if own and os.path.exists(own) and path.exists() and path.resolve() == Path(own).resolve():
            raise ExportRefusedError(
                f"{path.name}: is {what} this embedding was read from; the corrected words "
                "go to a new file (choose another name)")
    tmp = path.with_name(f".{path.name}.tmp")
    write_words_file(tmp, corrected_words(emb))
    os.replace(tmp, path)
    return path
