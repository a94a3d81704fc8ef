import itertools

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy import stats

from cartkit.comparisons._fisher import fisher_2x2, fisher_rxc
from cartkit.comparisons.tests import compare
from cartkit.errors import DataError


def test_fisher_chosen_when_an_expected_count_is_small():
    df = pd.DataFrame(
        {"g": ["a"] * 10 + ["b"] * 10, "v": ["x"] * 9 + ["y"] + ["x"] * 6 + ["y"] * 4}
    )
    res = compare(df, variable="v", group="g")
    assert res.test == "Fisher exact"
    assert "below 5" in res.details["reason"]
    assert res.details["table"] == [[9, 1], [6, 4]]


def test_fisher_tea_tasting_as_r():
    # R ?fisher.test TeaTasting: odds ratio 6.408309, two-sided p-value 0.4857
    p, est, lo, hi = fisher_2x2(np.array([[3, 1], [1, 3]]))
    assert p == pytest.approx(0.4857142857, rel=1e-6)
    assert est == pytest.approx(6.408309, rel=1e-6)
    assert lo < 1 < est < hi


def test_fisher_zero_cell_gives_boundary_estimate():
    p, est, lo, hi = fisher_2x2(np.array([[5, 0], [2, 3]]))
    assert est == np.inf and hi == np.inf and lo > 0
    assert p == pytest.approx(stats.fisher_exact([[5, 0], [2, 3]]).pvalue, rel=1e-12)


def brute_force_fisher(table):
    table = np.asarray(table)
    rows, cols = table.sum(axis=1), table.sum(axis=0)

    def logp(t):
        return stats.multivariate_hypergeom.logpmf(
            t[0], cols, rows[0]
        ) + stats.multivariate_hypergeom.logpmf(t[1], cols - t[0], rows[1])

    obs = logp(table)
    total = 0.0
    for first in itertools.product(*[range(c + 1) for c in cols]):
        first = np.array(first)
        if first.sum() != rows[0]:
            continue
        t = np.vstack([first, cols - first])
        lp = logp(t)
        if lp <= obs + np.log1p(1e-7):
            total += np.exp(lp)
    return total


def test_fisher_rxc_equals_brute_force_enumeration():
    table = [[2, 3, 5], [6, 1, 0]]
    assert fisher_rxc(table) == pytest.approx(brute_force_fisher(table), rel=1e-10)
    # on a 2 x 2 table the r x c enumeration is the 2 x 2 test
    assert fisher_rxc([[3, 1], [1, 3]]) == pytest.approx(fisher_2x2(np.array([[3, 1], [1, 3]]))[0])


def test_more_than_two_groups():
    normal = stats.norm.ppf((np.arange(1, 21) - 0.5) / 20)  # Shapiro-Wilk p near 1
    df = pd.DataFrame({"g": np.repeat(["a", "b", "c"], 20), "x": np.tile(normal, 3)})
    assert compare(df, variable="x", group="g").test == "one-way ANOVA"
    df["x"] = np.exp(3 * df["x"])  # far from normal
    res = compare(df, variable="x", group="g")
    assert res.test == "Kruskal-Wallis"
    assert res.p_value == pytest.approx(
        stats.kruskal(*[df.x[df.g == k] for k in "abc"]).pvalue, rel=1e-12
    )
    df["c"] = np.tile(["u", "v"], 30)
    assert compare(df, variable="c", group="g").dof == 2


def test_mann_whitney_exact_when_small_and_untied():
    df = pd.DataFrame({"g": [0] * 5 + [1] * 5, "x": [1.0, 2, 3, 4, 5, 6, 7, 8, 9, 10]})
    res = compare(df, variable="x", group="g", test="mannwhitney")
    # R wilcox.test(1:5, 6:10): W = 0, exact p = 2 / choose(10, 5)
    assert res.statistic == 0
    assert res.p_value == pytest.approx(2 / 252, rel=1e-12)
    assert res.details["method"] == "exact"


def test_group_with_one_member_uses_rank_test():
    df = pd.DataFrame({"g": ["a"] + ["b"] * 8, "x": [5.0, 1, 2, 3, 4, 6, 7, 8, 9]})
    res = compare(df, variable="x", group="g")
    assert res.test == "Mann-Whitney"
    assert np.isnan(res.details["shapiro_p"][0])
    with pytest.raises(DataError, match="at least 2 values per group"):
        compare(df, variable="x", group="g", test="welch")


def test_clear_errors():
    df = pd.DataFrame({"g": ["a", "a", "b", "b"], "x": [np.nan] * 4, "y": [1.0, 2, 3, 4]})
    with pytest.raises(DataError, match="missing in every row"):
        compare(df, variable="x", group="g")
    with pytest.raises(DataError, match="at least two groups"):
        compare(df.assign(g="a"), variable="y", group="g")
    with pytest.raises(DataError, match="unknown test"):
        compare(df, variable="y", group="g", test="sign")
    with pytest.raises(DataError, match="one value"):
        compare(df.assign(c="k"), variable="c", group="g")


def test_missing_rows_dropped_and_counted():
    df = pd.DataFrame({"g": [0, 0, 0, 1, 1, 1, None], "x": [1.0, 2, np.nan, 4, 5, 6, 7]})
    res = compare(df, variable="x", group="g", test="mannwhitney")
    assert res.n == 5
    assert res.details["n_missing"] == 2


def test_numeric_coded_category_can_be_declared():
    df = pd.DataFrame({"g": np.tile([0, 1], 30), "c": np.repeat([1, 2, 3], 20)})
    assert compare(df, variable="c", group="g").test in ("Mann-Whitney", "Welch t")
    assert compare(df, variable="c", group="g", categorical=True).dof == 2


@settings(max_examples=25, deadline=None)
@given(st.lists(st.tuples(st.sampled_from(["a", "b"]), st.floats(2, 100)), min_size=8, max_size=30),
       st.randoms(use_true_random=False))  # fmt: skip
def test_compare_invariant_to_row_order(rows, rnd):
    df = pd.DataFrame(rows, columns=["g", "x"])
    if df.g.nunique() < 2:
        return
    shuffled = df.sample(frac=1.0, random_state=rnd.randint(0, 10_000))
    a = compare(df, variable="x", group="g")
    b = compare(shuffled, variable="x", group="g")
    assert a.test == b.test
    assert a.p_value == pytest.approx(b.p_value, rel=1e-9, nan_ok=True)


def test_fisher_rxc_too_large_says_what_to_do():
    rng = np.random.default_rng(0)
    df = pd.DataFrame({"g": rng.choice(list("abcd"), 120), "v": rng.choice(list("uvwxy"), 120)})
    with pytest.raises(DataError, match="too large for an exact enumeration; use test='chisq'"):
        compare(df, variable="v", group="g", test="fisher")
    assert compare(df, variable="v", group="g", test="chisq").dof == 12
