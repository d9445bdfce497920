"""The vocabulary-shift detector finds shifts of ±1, ±2, ±3 on real vectors — English words
and a word-piece vocabulary — and stays silent on correctly aligned files and random vectors."""
from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from embedscope.core.embedding import Embedding, Source
from embedscope.core.jobs import Cancelled
from embedscope.core.shift import apply_shift, detect_shift, related_pairs

SHIFTS = [-3, -2, -1, 1, 2, 3]


def shifted(emb: Embedding, k: int) -> Embedding:
    """The same rows with the words list moved so that the vector of words[i] is at row i + k
    (k > 0: lines lost at the top of the words list; k < 0: extra lines at its top)."""
    words = list(emb.words)
    if k > 0:
        words = words[k:] + [f"<extra{j}>" for j in range(k)]
    elif k < 0:
        words = [f"<extra{j}>" for j in range(-k)] + words[:k]
    return Embedding(words, emb.vectors)


# --- a word-piece vocabulary built from real vectors ------------------------------------------

CIPHER = str.maketrans("abcdefghijklmnopqrstuvwxyz", "αβγδεζηθικλμνξοπρστυφχψωϊϋ")


def wordpiece_vocabulary(sample: Embedding, seed: int = 0) -> Embedding:
    """A stand-in for a model's word-piece vocabulary (BERT-style), built from the real
    GloVe sample so the geometry of related words is genuine:

    - every word is spelled in Greek letters (a fixed letter-for-letter cipher), so nothing
      English helps: the shipped English pairs match no word, as for any language they
      do not cover; only language-agnostic signals (shared prefixes, numbers, pieces) remain;
    - special tokens ([PAD], [UNK], [CLS], [SEP], [MASK], [unused0..19]) with small random
      vectors open the list, as in BERT's vocab.txt;
    - "##" continuation pieces for every word ending shared by ≥ 40 words ("##ing",
      "##tion", …) are mixed in at random places; each piece's vector is the mean direction of
      the words ending that way plus noise, as a sub-word unit's embedding relates to the
      words it builds.

    Why it is fair: a real word-piece matrix has the same ingredients (special rows with no
    meaning, pieces without an English reading, whole words whose vectors cluster by meaning),
    and the detector gets no help it would not get there: every pair it uses must come from
    spelling alone.
    """
    rng = np.random.default_rng(seed)
    words = [w.translate(CIPHER) for w in sample.words]
    vecs = np.asarray(sample.vectors, dtype=np.float32)
    unit = vecs / np.linalg.norm(vecs, axis=1, keepdims=True)
    typical = float(np.median(np.linalg.norm(vecs, axis=1)))
    endings: dict[str, list[int]] = {}
    for i, w in enumerate(sample.words):
        if len(w) >= 5 and w.isalpha():
            for n in (2, 3, 4):
                endings.setdefault(w[-n:], []).append(i)
    pieces, piece_vecs = [], []
    for end, rows in sorted(endings.items()):
        if len(rows) >= 40:
            v = unit[rows].mean(0)
            v = v / np.linalg.norm(v) + rng.standard_normal(vecs.shape[1]) * 0.6 / np.sqrt(
                vecs.shape[1])
            pieces.append("##" + end.translate(CIPHER))
            piece_vecs.append(typical * v / np.linalg.norm(v))
    special = ["[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]"] + [f"[unused{i}]" for i in range(20)]
    special_vecs = rng.standard_normal((len(special), vecs.shape[1])) * 0.05
    # Mix the pieces into the words at random places (a real vocab is not sorted by kind).
    slots = np.sort(rng.choice(len(words) + len(pieces), size=len(pieces), replace=False))
    out_words, out_vecs = list(special), [special_vecs]
    order: list[tuple[str, np.ndarray]] = []
    wi = pi = 0
    for pos in range(len(words) + len(pieces)):
        if pi < len(pieces) and slots[pi] == pos:
            order.append((pieces[pi], piece_vecs[pi]))
            pi += 1
        else:
            order.append((words[wi], vecs[wi]))
            wi += 1
    out_words += [w for w, _ in order]
    out_vecs.append(np.stack([v for _, v in order]))
    return Embedding(out_words, np.concatenate(out_vecs).astype(np.float32))


@pytest.fixture(scope="module")
def wordpieces(sample):
    return wordpiece_vocabulary(sample)


def test_wordpiece_stand_in_looks_like_one(wordpieces):
    assert wordpieces.words[:5] == ["[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]"]
    n_pieces = sum(w.startswith("##") for w in wordpieces.words)
    assert n_pieces > 150
    assert not any(w in wordpieces.word_to_row for w in ("the", "paris", "france", "king"))
    signals = related_pairs(wordpieces)
    assert len(signals["related English words"]) == 0  # English gives no help here


# --- English words ----------------------------------------------------------------------------

@pytest.mark.parametrize("k", SHIFTS)
def test_finds_shifts_on_the_sample(sample, k):
    r = detect_shift(shifted(sample, k))
    assert r.offset == k, r.evidence["verdict"]
    assert r.scores[k] - r.scores[0] > 0.3
    assert r.evidence["z over 0"][k] > 20


def test_silent_on_the_sample(sample):
    r = detect_shift(sample)
    assert r.offset == 0 and not r.found
    assert r.evidence["fits"]  # and it is sure the loaded pairing is the right one
    assert r.scores[0] == max(r.scores.values())


def test_each_kind_of_evidence_points_the_same_way(sample):
    r = detect_shift(shifted(sample, 2))
    for name, sig in r.evidence["signals"].items():
        best = max(sig["scores"], key=sig["scores"].get)
        assert best == 2, (name, sig)


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_silent_on_random_vectors(sample, seed):
    # Real words (so plenty of "related" pairs are found), vectors that mean nothing.
    rng = np.random.default_rng(seed)
    emb = Embedding(sample.words, rng.standard_normal((sample.rows, 50)).astype(np.float32))
    r = detect_shift(emb)
    assert r.offset == 0 and not r.evidence["fits"]


def test_silent_on_random_vectors_with_a_common_direction(sample):
    rng = np.random.default_rng(7)
    v = rng.standard_normal((sample.rows, 50)).astype(np.float32) + 2.0
    assert detect_shift(Embedding(sample.words, v)).offset == 0


def _gensim_file(gensim_data: Path, name: str) -> Embedding:
    """A gensim test file as an Embedding: through embedscope.load when a text reader is
    there, through gensim's own parser otherwise."""
    path = gensim_data / name
    try:
        import embedscope

        return embedscope.load(path)
    except Exception:  # noqa: BLE001 - a format only gensim reads
        from gensim.models import KeyedVectors

        kv = KeyedVectors.load_word2vec_format(str(path), binary=name.endswith(".bin"),
                                               no_header=name == "test_glove.txt",
                                               unicode_errors="replace")
        return Embedding(list(kv.index_to_key), kv.vectors)


@pytest.mark.parametrize("name", [
    "test_glove.txt", "lee_fasttext.vec", "crime-and-punishment.vec",
    "pang_lee_polarity_fasttext.vec", "euclidean_vectors.bin", "high_precision.kv.txt",
    "EN.1-10.cbow1_wind5_hs0_neg10_size300_smpl1e-05.txt",
])
def test_silent_on_gensim_test_files(gensim_data, name):
    emb = _gensim_file(gensim_data, name)
    r = detect_shift(emb)
    assert r.offset == 0, r.evidence


def test_finds_a_shift_in_a_small_trained_model(gensim_data):
    """lee_fasttext.vec: 1,762 words × 10 dims trained on a tiny corpus — weak vectors, still
    enough signal for a shift of one line."""
    emb = _gensim_file(gensim_data, "lee_fasttext.vec")
    assert detect_shift(shifted(emb, -1)).offset == -1


# --- a word-piece vocabulary ------------------------------------------------------------------

@pytest.mark.parametrize("k", SHIFTS)
def test_finds_shifts_in_a_wordpiece_vocabulary(wordpieces, k):
    r = detect_shift(shifted(wordpieces, k))
    assert r.offset == k, r.evidence["verdict"]


def test_wordpiece_shift_is_found_from_spelling_alone(wordpieces):
    # Without numbers too: shared prefixes of non-English words carry the verdict on their own.
    r = detect_shift(shifted(wordpieces, -2))
    prefix = r.evidence["signals"]["shared prefixes"]
    assert prefix["pairs"] > 1000
    assert prefix["scores"][-2] - prefix["scores"][0] > 0.3


def test_silent_on_the_aligned_wordpiece_vocabulary(wordpieces):
    r = detect_shift(wordpieces)
    assert r.offset == 0 and r.evidence["fits"]


def test_silent_on_a_wordpiece_vocabulary_with_random_vectors(wordpieces):
    rng = np.random.default_rng(11)
    emb = Embedding(wordpieces.words,
                    rng.standard_normal((wordpieces.rows, 50)).astype(np.float32))
    assert detect_shift(emb).offset == 0


# --- undoing a shift --------------------------------------------------------------------------

@pytest.mark.parametrize("k", SHIFTS)
def test_apply_shift_restores_the_pairing(sample, k):
    bad = shifted(sample, k)
    fixed = apply_shift(bad, detect_shift(bad).offset)
    assert fixed.rows == sample.rows - abs(k)
    for w in ("paris", "france", "1987", "king", "queen", "president"):
        assert np.array_equal(fixed.vector(w), sample.vector(w)), w
    assert "moved by" in fixed.source.warnings[-1]
    assert detect_shift(fixed).offset == 0


def test_apply_shift_uses_the_whole_words_file(sample):
    """A header line read as a word, loaded with allow_mismatch: nothing is lost at the end."""
    words = ["20000 50"] + sample.words
    emb = Embedding(words[: sample.rows], sample.vectors,
                    source=Source(words_in_file=words))
    fixed = apply_shift(emb, -1)
    assert fixed.words == sample.words and fixed.rows == sample.rows
    assert fixed.source.words_in_file is None


def test_apply_shift_keeps_attributes_with_their_words():
    v = np.arange(20, dtype=np.float32).reshape(10, 2)
    emb = Embedding([f"w{i}" for i in range(10)], v, {"count": list(range(10))})
    fixed = apply_shift(emb, 2)
    assert fixed.words[0] == "w0" and fixed.attributes["count"][0] == 0
    assert np.array_equal(fixed.vectors[0], v[2])  # word 0 now has row 2
    fixed = apply_shift(emb, -2)
    assert fixed.words[0] == "w2" and np.array_equal(fixed.vectors[0], v[0])


def test_apply_shift_zero_changes_nothing(sample):
    same = apply_shift(sample, 0)
    assert same.words == sample.words and same.rows == sample.rows


def test_tiny_embeddings_are_not_judged():
    emb = Embedding(["a", "b", "c"], np.eye(3, dtype=np.float32))
    r = detect_shift(emb)
    assert r.offset == 0 and "verdict" in r.evidence


def test_cancel(sample):
    with pytest.raises(Cancelled):
        detect_shift(sample, should_stop=lambda: True)


# --- a words list that goes out of step part-way down ------------------------------------------

@pytest.mark.parametrize("at", [5000, 12000])
def test_finds_where_a_line_went_missing(sample, at):
    words = sample.words[:at] + sample.words[at + 1:] + ["<extra>"]
    r = detect_shift(Embedding(words, sample.vectors))
    brk = r.evidence["break"]
    assert (brk["before"], brk["after"]) == (0, 1)
    assert abs(brk["around_row"] - at) < 1000
    assert r.offset == 0  # no single offset fixes it, so none is offered


def test_no_break_on_aligned_or_random(sample):
    assert "break" not in detect_shift(sample).evidence
    rng = np.random.default_rng(5)
    emb = Embedding(sample.words, rng.standard_normal((sample.rows, 50)).astype(np.float32))
    assert "break" not in detect_shift(emb).evidence


def test_scan_windows_cover_a_big_vocabulary():
    from embedscope.core.shift import SCAN_WORDS, scan_windows

    assert scan_windows(20000) == [(0, 20000)]
    wins = scan_windows(2_000_000)
    assert wins[0][0] == 0 and wins[-1][1] == 2_000_000
    assert sum(b - a for a, b in wins) <= SCAN_WORDS
    assert all(a1 >= b0 for (_, b0), (a1, _) in zip(wins, wins[1:]))
