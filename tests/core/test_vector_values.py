"""The Vectors panel's numbers: dimension orders, the shared scale, the value sample."""
import numpy as np

from embedscope.core.vector_values import dimension_order, shared_limit, value_sample


def test_dimensions_sort_by_variance_largest_first():
    m = np.array([[0.0, 5.0, 1.0], [0.0, -5.0, 2.0]])
    assert dimension_order(m, "by variance").tolist() == [1, 2, 0]
    assert dimension_order(m, "as stored").tolist() == [0, 1, 2]


def test_dimensions_sort_by_the_difference_between_two_words():
    m = np.array([[1.0, 0.0, 0.0], [0.0, 0.0, 3.0], [9.0, 9.0, 9.0]])
    assert dimension_order(m, "by difference", 0, 1).tolist() == [2, 0, 1]


def test_the_shared_scale_is_symmetric_and_ignores_one_outlier():
    m = np.concatenate([np.linspace(-1, 1, 1000), [100.0]])[None]
    assert 0.9 < shared_limit(m) < 1.5


def test_the_value_sample_spans_the_matrix():
    v = np.arange(1000 * 10, dtype=np.float32).reshape(1000, 10)
    s = value_sample(v, max_values=1000)
    assert 900 <= len(s) <= 1000 and s.min() == 0 and s.max() > 9000
