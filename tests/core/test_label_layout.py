"""Map labels: placed by priority, never overlapping each other nor covering marked points."""
import numpy as np

from embedscope.core.label_layout import in_view, label_text, lay_out


def _boxes(plan, widths, height):
    return [(left, top, left + widths[i], top + height)
            for i, left, top in zip(plan.chosen, plan.left, plan.top)]


def _overlap(a, b):
    return a[0] < b[2] and b[0] < a[2] and a[1] < b[3] and b[1] < a[3]


def test_labels_of_a_crowd_never_overlap_and_the_first_come_first():
    rng = np.random.default_rng(0)
    xy = rng.uniform(0, 400, (2000, 2))
    widths = rng.uniform(20, 80, 2000)
    plan = lay_out(xy, widths, 14, (400, 400))
    boxes = _boxes(plan, widths, 14)
    assert 20 < len(boxes) < 2000
    for i, a in enumerate(boxes):
        for b in boxes[i + 1:]:
            assert not _overlap(a, b)
    # priority order: the first candidate always finds room, the chosen keep their order
    assert plan.chosen[0] == 0 and (np.diff(plan.chosen) > 0).all()


def test_a_label_sits_beside_its_point_and_inside_the_view():
    plan = lay_out([[100, 100], [395, 200]], [50, 50], 14, (400, 400))
    left, top = plan.left[0], plan.top[0]
    assert left > 100 and top < 100 < top + 14  # to the right of its point
    # the second would be cut by the right edge on the right: it goes to the left instead
    assert plan.left[1] + 50 < 395


def test_no_label_covers_a_marked_point():
    rng = np.random.default_rng(1)
    xy = rng.uniform(0, 300, (500, 2))
    marked = rng.uniform(0, 300, (60, 2))
    widths = np.full(500, 40.0)
    plan = lay_out(xy, widths, 12, (300, 300), obstacles=marked)
    for left, top, right, bottom in _boxes(plan, widths, 12):
        inside = ((marked[:, 0] >= left) & (marked[:, 0] <= right)
                  & (marked[:, 1] >= top) & (marked[:, 1] <= bottom))
        assert not inside.any()


def test_the_picked_word_is_labelled_even_when_crowded():
    marked = np.array([[x, y] for x in range(0, 200, 4) for y in range(0, 200, 4)], float)
    plan = lay_out([[100, 100], [60, 60]], [40, 40], 12, (200, 200), obstacles=marked,
                   required=1)
    assert plan.chosen.tolist() == [0]


def test_the_cap_bounds_the_count():
    xy = np.column_stack([np.arange(0, 1000, 25), np.full(40, 10.0)])
    assert len(lay_out(xy, 10, 10, (1000, 100), cap=5).chosen) == 5


def test_in_view_walks_the_given_order_and_stops_at_want():
    coords = np.array([[0, 0], [5, 5], [1, 1], [9, 9], [2, 2]], float)
    assert in_view(coords, (0, 3, 0, 3), order=[4, 3, 2, 1, 0]).tolist() == [4, 2, 0]
    assert in_view(coords, (0, 3, 0, 3), want=2).tolist() == [0, 2]


def test_punctuation_and_invisible_characters_read_as_text():
    assert label_text("frog") == "frog"
    assert label_text(".") == "\u201c.\u201d"
    assert label_text("--") == "\u201c--\u201d"
    assert label_text("a\u00adb") == "a\\u00adb"   # a soft hyphen draws as nothing
    assert label_text("\u200b") == "\\u200b"   # a zero-width space, written out
    assert label_text("don't") == "don't"
