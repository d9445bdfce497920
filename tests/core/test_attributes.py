"""Attributes that colour and filter the map: kinds, filters, legend counts, histograms."""
import numpy as np

from embedscope.core import attributes as at


def test_a_column_of_many_numbers_is_continuous_and_a_few_numbers_are_categories():
    many = at.from_texts("count", [str(i) for i in range(40)] + [""], "t.csv")
    assert many.kind == at.CONTINUOUS and np.isnan(many.values[-1])
    few = at.from_texts("stars", ["1", "2", "2", "10", ""], "t.csv")
    assert few.kind == at.CATEGORICAL
    assert few.categories == ["1", "2", "10"]  # numeric order, not text order
    assert few.codes.tolist() == [0, 1, 1, 2, -1]
    words = at.from_texts("pos", ["NOUN", "VERB", "NOUN"], "t.csv")
    assert words.kind == at.CATEGORICAL and words.value_text(1) == "VERB"


def test_a_range_filter_keeps_values_inside_it_and_drops_rows_without_a_value():
    a = at.continuous("norm", [1.0, 2.0, 3.0, np.nan])
    assert at.Filter("norm", 1.5, 3.0).mask(a).tolist() == [False, True, True, False]
    assert at.Filter("norm", 1.5, 3.0).mask(a, np.array([2, 0])).tolist() == [True, False]


def test_a_category_filter_keeps_the_chosen_categories():
    a = at.from_texts("pos", ["NOUN", "VERB", "", "ADJ"], "t.csv")
    f = at.Filter("pos", categories=frozenset({"NOUN", "ADJ"}))
    assert f.mask(a).tolist() == [True, False, False, True]


def test_legend_counts_are_per_category_most_frequent_first_with_missing_last():
    a = at.from_texts("pos", ["N", "V", "N", "", "N", "V", "A"], "t.csv")
    assert at.category_counts(a) == [("N", 3), ("V", 2), ("A", 1), (at.MISSING, 1)]


def test_colour_steps_give_the_most_frequent_categories_their_own_colour_and_count_them():
    a = at.from_texts("c", ["a"] * 5 + ["b"] * 3 + ["c", "d"], "t.csv")
    idx, legend = at.colour_steps(a, np.arange(10), n_colours=3)
    assert legend == [("other", 2), ("a", 5), ("b", 3)]
    assert idx.tolist() == [1] * 5 + [2] * 3 + [0, 0]


def test_continuous_colour_steps_split_the_range_evenly_and_count_each_step():
    a = at.continuous("x", [0.0, 1.0, 2.0, 3.0, np.nan])
    idx, legend = at.colour_steps(a, np.arange(5), n_colours=3)
    assert idx.tolist() == [1, 2, 3, 3, 0]
    assert [c for _, c in legend] == [1, 1, 1, 2]


def test_histogram_leaves_out_missing_values():
    a = at.continuous("x", [0.0, 0.5, 1.0, np.nan])
    edges, counts = at.histogram(a, bins=2)
    assert counts.tolist() == [1, 2] and edges[0] == 0.0 and edges[-1] == 1.0


def test_computed_attributes_name_rows_of_findings_words_files_and_changes():
    class F:
        def __init__(self, code, rows):
            self.code, self.rows = code, rows

    f = at.check_finding(5, [F("zero_vectors", [1]), F("norm_outliers", [1, 3])])
    assert [f.value_text(i) for i in range(5)] == ["none", "zero_vectors", "none",
                                                   "norm_outliers", "none"]
    w = at.in_words_file(4, [0, 2], "animals.txt")
    assert w.value_text(0) == "in animals.txt" and w.value_text(1) == "not in animals.txt"
    c = at.change_against(3, [2, 0], [0.5, 0.9])
    assert c.values[0] == 0.9 and np.isnan(c.values[1])
    k = at.cluster(4, [1, 3], [0, 1])
    assert [k.value_text(i) for i in range(4)] == ["", "cluster 1", "", "cluster 2"]
    assert at.frequency_rank(3).values.tolist() == [1, 2, 3]


def test_distinct_colours_stay_apart_for_many_categories():
    cols = at.distinct_colours(40)
    assert len(set(cols)) == 40
    lab = at._lab(np.array([[int(c[i:i + 2], 16) / 255 for i in (1, 3, 5)] for c in cols]))
    d = np.sqrt(((lab[:, None] - lab[None]) ** 2).sum(-1))
    assert d[~np.eye(40, dtype=bool)].min() > 10  # clearly different to the eye (ΔE > 10)
