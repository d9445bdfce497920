"""fastText's character n-grams: a word's vector composed from the hashed rows of "<word>"'s
n-grams, for the words of a model (with their own row) and for words it never saw.

The n-grams of "<word>" are hashed with 32-bit FNV-1a over their UTF-8 bytes (bytes taken as
signed chars, fastText's own quirk) into `bucket` rows. Sums run in fastText's (and gensim's)
order of float32 additions, so a word's vector is bit-identical to gensim's
`load_facebook_vectors(path)[word]`, in the vocabulary or not. The loop runs compiled through
core/compiled.py; the plain Python function is the reference.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .compiled import compiled, is_loaded


def compose(blob, starts, ends, first, own, buckets, minn, maxn, out):
    """out[w] = mean of own[first + w] (left out when first < 0) and the bucket rows of the
    character n-grams of blob[starts[w]:ends[w]] (which holds "<word>"), summed in fastText's
    order; a word with neither gets zeros, as fastText gives it."""
    dim = out.shape[1]
    nbuckets = buckets.shape[0]
    acc = np.empty(dim, np.float32)
    for w in range(starts.shape[0]):
        s = starts[w]
        e = ends[w]
        count = 0
        if first >= 0:
            for d in range(dim):
                acc[d] = own[first + w, d]
            count = 1
        else:
            for d in range(dim):
                acc[d] = np.float32(0.0)
        if nbuckets > 0:
            for i in range(s, e):
                if (blob[i] & 0xC0) == 0x80:      # inside a multi-byte character
                    continue
                h = np.uint64(2166136261)       # 64-bit arithmetic, kept to 32 bits
                j = i
                n = 1
                while j < e and n <= maxn:
                    b = blob[j]
                    x = np.uint64(b) | (np.uint64(0xFFFFFF00) if b >= 128 else np.uint64(0))
                    h = ((h ^ x) * np.uint64(16777619)) & np.uint64(0xFFFFFFFF)
                    j += 1
                    while j < e and (blob[j] & 0xC0) == 0x80:
                        b = blob[j]
                        x = np.uint64(b) | (np.uint64(0xFFFFFF00) if b >= 128 else np.uint64(0))
                        h = ((h ^ x) * np.uint64(16777619)) & np.uint64(0xFFFFFFFF)
                        j += 1
                    if n >= minn and not (n == 1 and (i == s or j == e)):
                        row = np.int64(h % np.uint64(nbuckets))
                        for d in range(dim):
                            acc[d] = acc[d] + buckets[row, d]
                        count += 1
                    n += 1
        if count == 0:
            for d in range(dim):
                out[w, d] = np.float32(0.0)
        else:
            div = np.float32(count)
            for d in range(dim):
                out[w, d] = acc[d] / div


def bracketed(words_utf8) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """("<word>" bytes of every word back to back, start of each, end of each)."""
    blob = b"".join(b"<" + w + b">" for w in words_utf8)
    lens = np.fromiter(map(len, words_utf8), np.int64, len(words_utf8)) + 2
    ends = np.cumsum(lens)
    return np.frombuffer(blob, np.uint8), ends - lens, ends


def kernel(work: int):
    """The compiled `compose` for `work` values or more (numba's load costs more than a small
    model's Python loop), else the plain function."""
    if work > 5000 or is_loaded(compose):
        return compiled(compose) or compose
    return compose


@dataclass
class Subwords:
    """A fastText model's n-gram rows (`buckets`, usually memory-mapped from the .bin) and the
    n-gram lengths it was trained with: enough to give any word a vector."""

    buckets: np.ndarray
    minn: int
    maxn: int

    @property
    def usable(self) -> bool:
        """Whether any word has n-grams here (a model trained with -maxn 0 has none)."""
        return self.buckets.shape[0] > 0 and self.maxn >= max(self.minn, 1)

    def describe(self) -> dict:
        return {"buckets": int(self.buckets.shape[0]), "minn": int(self.minn),
                "maxn": int(self.maxn)}

    def vectors(self, words) -> np.ndarray:
        """The vector fastText gives each word from its character n-grams alone (float32,
        one row per word): what it gives a word outside its vocabulary."""
        dim = self.buckets.shape[1]
        out = np.empty((len(words), dim), np.float32)
        if not len(words):
            return out
        blob, starts, ends = bracketed([w.encode("utf-8", "surrogateescape") for w in words])
        kernel(len(words) * dim)(blob, starts, ends, -1, self.buckets, self.buckets,
                                 self.minn, self.maxn, out)
        return out
