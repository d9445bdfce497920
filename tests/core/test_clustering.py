"""Clusters for the map's colours: k-means of the words' directions."""
import numpy as np
import pytest

from embedscope.core.clustering import cluster_rows
from embedscope.core.embedding import Embedding
from embedscope.core.jobs import Cancelled

pytest.importorskip("sklearn")


def test_words_in_separate_directions_fall_into_separate_clusters():
    rng = np.random.default_rng(0)
    centres = np.eye(6, dtype=np.float32)[:3] * 5
    vectors = np.repeat(centres, 40, axis=0) + rng.normal(0, 0.3, (120, 6)).astype(np.float32)
    # scale does not matter, direction does: a long and a short copy of a vector group together
    vectors[::2] *= 7
    emb = Embedding([f"w{i}" for i in range(120)], vectors)
    labels = cluster_rows(emb, np.arange(120), k=3)
    assert labels.shape == (120,) and labels.dtype == np.int64
    groups = [set(labels[g * 40:(g + 1) * 40].tolist()) for g in range(3)]
    assert all(len(g) == 1 for g in groups) and len(set().union(*groups)) == 3


def test_the_sample_gets_k_clusters_the_same_each_time(sample):
    rows = np.arange(0, 20000, 2)
    seen = []
    a = cluster_rows(sample, rows, k=8, fit_sample=4000,
                     progress=lambda d, t, m="": seen.append((d, t)))
    b = cluster_rows(sample, rows, k=8, fit_sample=4000)
    assert len(a) == len(rows) and set(a.tolist()) == set(range(8))
    assert np.array_equal(a, b)
    assert seen[-1] == (1000, 1000)


def test_more_clusters_than_words_and_no_words():
    emb = Embedding(["a", "b", "c"], np.eye(3, dtype=np.float32))
    assert sorted(cluster_rows(emb, [0, 1, 2], k=8).tolist()) == [0, 1, 2]
    assert cluster_rows(emb, [], k=8).shape == (0,)


def test_clustering_stops_when_asked(sample):
    with pytest.raises(Cancelled):
        cluster_rows(sample, np.arange(5000), should_stop=lambda: True)


def test_a_cluster_is_named_by_its_most_central_words():
    from embedscope.core.clustering import central_rows

    # two groups of directions; in each, the word nearest the group's mean direction names it
    vectors = np.array([[1, 0.02, 0], [1, 0.3, 0], [1, -0.3, 0],
                        [0, 0, 1], [0, 0.25, 1], [0.01, -0.3, 1]], dtype=np.float32)
    emb = Embedding(["cat", "cats", "kitten", "car", "cars", "truck"], vectors)
    labels = np.array([0, 0, 0, 1, 1, 1])
    names = central_rows(emb, np.arange(6), labels, n=2)
    assert [emb.words[r] for r in names[0]][0] == "cat"
    assert [emb.words[r] for r in names[1]][0] == "car"
    assert all(len(n) == 2 for n in names)


def test_cluster_names_come_from_its_frequent_words():
    from embedscope.core.clustering import central_rows

    # the rare last row is the most central, but names come from the `pool` most frequent
    vectors = np.array([[1, 0.2], [1, -0.25], [1, 0.3], [1, 0.0]], dtype=np.float32)
    emb = Embedding(["the", "of", "and", "zq9"], vectors)
    labels = np.zeros(4, dtype=np.int64)
    assert emb.words[central_rows(emb, np.arange(4), labels, n=1, pool=None)[0][0]] == "zq9"
    assert emb.words[central_rows(emb, np.arange(4), labels, n=1, pool=3)[0][0]] == "the"
