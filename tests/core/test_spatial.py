"""The hover lookup finds the point under the mouse, and nothing when the mouse is on empty map."""
import numpy as np

from embedscope.core.spatial import PointIndex


def test_nearest_matches_a_brute_force_scan():
    rng = np.random.default_rng(1)
    pts = rng.standard_normal((5000, 2))
    index = PointIndex(pts)
    for q in rng.standard_normal((50, 2)):
        want = int(np.argmin(np.hypot(*(pts - q).T)))
        assert index.nearest(*q) == want


def test_nothing_within_reach_gives_none():
    index = PointIndex([[0, 0], [10, 10]])
    assert index.nearest(5, 5, max_dist=1.0) is None
    assert index.nearest(0.5, 0.2, max_dist=1.0) == 0


def test_reach_per_axis_measures_in_pixels():
    # x spans 1000 units on screen, y 1 unit: a point 0.5 units away in y is far in pixels,
    # a point 5 units away in x is close.
    index = PointIndex([[0.0, 0.5], [5.0, 0.0]])
    assert index.nearest(0, 0, max_dist=(10.0, 0.01)) == 1
    assert index.nearest(0, 0, max_dist=(1.0, 0.01)) is None


def test_nan_points_are_never_found():
    index = PointIndex([[np.nan, np.nan], [3, 3]])
    assert index.nearest(0, 0) == 1
    assert list(index.within(3, 3, 0.1)) == [1]


def test_within_returns_nearest_first():
    index = PointIndex([[0, 0], [2, 0], [1, 0], [9, 9]])
    assert list(index.within(0, 0, 2.5)) == [0, 2, 1]
