"""The density view: points per bin over the view, shaded on a log scale."""
import numpy as np

from embedscope.core.density import counts, shade


def test_counts_agree_with_numpy_histogram2d():
    rng = np.random.default_rng(0)
    c = rng.normal(0, 1, (50_000, 2))
    n = counts(c, (-2, 2, -1, 3), (40, 30))
    ref, _, _ = np.histogram2d(c[:, 1], c[:, 0], bins=(30, 40), range=((-1, 3), (-2, 2)))
    # bins agree except where float32 rounding puts a point on the other side of an edge
    assert n.shape == (30, 40)
    assert np.abs(n - ref).sum() <= 10 and abs(n.sum() - ref.sum()) <= 2


def test_row_zero_is_the_bottom_and_hidden_or_missing_points_are_left_out():
    c = np.array([[0.5, 0.1], [0.5, 0.9], [np.nan, 0.5], [0.5, 0.9]])
    n = counts(c, (0, 1, 0, 1), (1, 2))
    assert n[:, 0].tolist() == [1, 2]
    n = counts(c, (0, 1, 0, 1), (1, 2), visible=[True, True, True, False])
    assert n[:, 0].tolist() == [1, 1]


def test_shade_leaves_empty_bins_clear_and_darkens_with_count():
    img = shade(np.array([[0, 1, 10, 1000]]))
    assert img.shape == (1, 4, 4) and img.dtype == np.uint8
    assert img[0, 0, 3] == 0 and (img[0, 1:, 3] == 255).all()
    lum = img[0, 1:, :3].astype(int).sum(axis=1)
    assert lum[0] > lum[1] > lum[2]
    assert not shade(np.zeros((3, 3))).any()
