import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy import stats

from cartkit.comparisons.binomial import rate, threshold_odds_ratio
from cartkit.errors import DataError


def test_clopper_pearson_as_binom_test():
    r = rate(8, 50).iloc[0]
    # the exact interval: P(X >= 8 | lower) = P(X <= 8 | upper) = 0.025
    assert stats.binom.sf(7, 50, r.ci_lower) == pytest.approx(0.025, rel=1e-9)
    assert stats.binom.cdf(8, 50, r.ci_upper) == pytest.approx(0.025, rel=1e-9)
    assert r.estimate == 0.16
    assert r.n_events == 8 and r.n == 50


def test_clopper_pearson_boundaries_and_vector():
    t = rate([0, 50], 50, conf_level=0.9)
    assert t.ci_lower[0] == 0.0
    assert t.ci_upper[0] == pytest.approx(1 - 0.05 ** (1 / 50), rel=1e-12)
    assert t.ci_upper[1] == 1.0
    assert t.ci_lower[1] == pytest.approx(0.05 ** (1 / 50), rel=1e-12)


@pytest.mark.parametrize(("x", "n"), [(-1, 5), (6, 5), (1.5, 5), (0, 0)])
def test_rate_rejects_impossible_counts(x, n):
    with pytest.raises(DataError, match="successes"):
        rate(x, n)


@settings(max_examples=50, deadline=None)
@given(st.integers(1, 500).flatmap(lambda n: st.tuples(st.integers(0, n), st.just(n))),
       st.floats(0.5, 0.999))  # fmt: skip
def test_rate_ci_contains_estimate_within_unit_interval(xn, level):
    x, n = xn
    r = rate(x, n, conf_level=level).iloc[0]
    assert 0.0 <= r.ci_lower <= r.estimate <= r.ci_upper <= 1.0


def il6():
    return pd.DataFrame(
        {
            "il6": [5, 10, 40, 80, 200, 3, 60, 150, 20, 500, 8, 33.3],
            "severe": [0, 0, 1, 0, 1, 0, 1, 1, 0, 1, 0, 0],
        }
    )


def test_threshold_odds_ratio_table_and_estimates():
    r = threshold_odds_ratio(il6(), marker="il6", outcome="severe", threshold=33.3)
    # 33.3 itself counts as elevated
    assert r.table.to_numpy().tolist() == [[5, 0], [2, 5]]
    wald, fisher = r.estimates.itertuples(index=False)
    assert wald.estimate == np.inf and np.isnan(wald.ci_lower)  # zero cell: no Woolf interval
    assert fisher.estimate == np.inf
    assert fisher.p_value == pytest.approx(stats.fisher_exact([[5, 0], [2, 5]]).pvalue, rel=1e-12)
    assert r.n == 12


def test_threshold_odds_ratio_woolf_interval():
    df = pd.DataFrame({"m": [1] * 10 + [5] * 10, "y": [0] * 7 + [1] * 3 + [0] * 4 + [1] * 6})
    w = threshold_odds_ratio(df, marker="m", outcome="y", threshold=2).estimates.iloc[0]
    assert w.estimate == pytest.approx(6 * 7 / (3 * 4))
    se = np.sqrt(1 / 7 + 1 / 3 + 1 / 4 + 1 / 6)
    assert w.ci_lower == pytest.approx(np.exp(np.log(3.5) - 1.959963984540054 * se))


def test_threshold_with_empty_margin_is_an_error():
    with pytest.raises(DataError, match="empty margin"):
        threshold_odds_ratio(il6(), marker="il6", outcome="severe", threshold=1000)
