"""Log-rank test: hand-computed values, statsmodels' survdiff, strata and edge cases."""

import numpy as np
import pandas as pd
import pytest
from scipy.stats import chi2
from statsmodels.duration.survfunc import survdiff

from cartkit.errors import DataError
from cartkit.results import Test
from cartkit.survival import logrank

# group A: deaths at 1 and 3; group B: death at 2, censored at 4
SMALL = pd.DataFrame({"t": [1, 3, 2, 4], "e": [1, 1, 1, 0], "g": ["A", "A", "B", "B"]})


def test_two_groups_by_hand():
    res = logrank(SMALL, time="t", event="e", group="g")
    assert isinstance(res, Test)
    # E_A = 2/4 + 1/3 + 1/2; V = 1/4 + 2/9 + 1/4 (hypergeometric, with ties correction)
    assert res.details["observed"] == {"A": 2.0, "B": 1.0}
    assert res.details["expected"]["A"] == pytest.approx(4 / 3, rel=1e-14)
    assert res.details["expected"]["B"] == pytest.approx(5 / 3, rel=1e-14)
    assert res.details["variance"][0][0] == pytest.approx(13 / 18, rel=1e-14)
    assert res.statistic == pytest.approx(8 / 13, rel=1e-14)
    assert res.dof == 1
    assert res.p_value == pytest.approx(chi2.sf(8 / 13, 1), rel=1e-14)
    assert res.details["n"] == {"A": 2, "B": 2}
    assert res.n == 4


def _data(seed, n=300, groups=3, strata=2):
    rng = np.random.default_rng(seed)
    g = rng.integers(0, groups, n)
    return pd.DataFrame(
        {
            "t": np.ceil(rng.exponential(20 + 10 * g)),  # ties on purpose
            "e": rng.integers(0, 2, n),
            "g": g,
            "s": rng.integers(0, strata, n),
        }
    )


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_matches_statsmodels_survdiff_with_three_groups(seed):
    df = _data(seed)
    res = logrank(df, time="t", event="e", group="g")
    stat, p = survdiff(df["t"], df["e"], df["g"])
    assert res.statistic == pytest.approx(stat, rel=1e-10)
    assert res.p_value == pytest.approx(p, rel=1e-8)
    assert res.dof == 2


@pytest.mark.parametrize("seed", [3, 4])
def test_matches_statsmodels_survdiff_with_strata(seed):
    df = _data(seed, strata=3)
    res = logrank(df, time="t", event="e", group="g", strata="s")
    stat, p = survdiff(df["t"], df["e"], df["g"], strata=df["s"])
    assert res.statistic == pytest.approx(stat, rel=1e-10)
    assert res.p_value == pytest.approx(p, rel=1e-8)
    assert res.details["n_strata"] == 3


def test_strata_sum_observed_expected_and_variance():
    # two identical strata double every sum, so the statistic doubles
    one = logrank(SMALL, time="t", event="e", group="g")
    twice = pd.concat([SMALL.assign(s=1), SMALL.assign(s=2)])
    two = logrank(twice, time="t", event="e", group="g", strata="s")
    assert two.details["expected"]["A"] == pytest.approx(2 * one.details["expected"]["A"])
    assert two.statistic == pytest.approx(2 * one.statistic, rel=1e-12)
    # pooled without strata, the test is a different one
    pooled = logrank(twice, time="t", event="e", group="g")
    assert pooled.statistic != pytest.approx(two.statistic)


def test_observed_minus_expected_sums_to_zero():
    res = logrank(_data(5, groups=4), time="t", event="e", group="g")
    obs = np.array(list(res.details["observed"].values()))
    exp = np.array(list(res.details["expected"].values()))
    assert (obs - exp).sum() == pytest.approx(0, abs=1e-9)
    assert res.dof == 3


def test_group_never_at_risk_at_an_event_is_left_out():
    # group C is censored before the first death: expected 0, so 1 degree of freedom, as R
    df = pd.concat(
        [SMALL, pd.DataFrame({"t": [0.5, 0.5], "e": [0, 0], "g": ["C", "C"]})],
        ignore_index=True,
    )
    res = logrank(df, time="t", event="e", group="g")
    assert res.dof == 1
    assert res.details["expected"]["C"] == 0
    assert res.statistic == pytest.approx(8 / 13, rel=1e-12)


def test_no_events_gives_nan_with_a_reason():
    df = SMALL.assign(e=0)
    res = logrank(df, time="t", event="e", group="g")
    assert np.isnan(res.statistic) and np.isnan(res.p_value)
    assert "no test" in res.details["note"]


def test_missing_rows_are_excluded_and_counted():
    df = pd.concat(
        [SMALL, pd.DataFrame({"t": [np.nan, 5.0], "e": [1, 1], "g": ["A", None]})],
        ignore_index=True,
    )
    res = logrank(df, time="t", event="e", group="g")
    assert res.n == 4
    assert res.details["n_excluded"] == 2
    assert res.statistic == pytest.approx(8 / 13, rel=1e-12)


def test_one_group_is_an_error():
    with pytest.raises(DataError, match="two or more groups"):
        logrank(SMALL.assign(g="A"), time="t", event="e", group="g")


def test_event_must_be_binary():
    with pytest.raises(DataError, match="0 \\(censored\\) or 1"):
        logrank(SMALL.assign(e=[1, 2, 0, 1]), time="t", event="e", group="g")


def test_row_order_does_not_matter():
    df = _data(9)
    a = logrank(df, time="t", event="e", group="g", strata="s")
    b = logrank(df.iloc[::-1], time="t", event="e", group="g", strata="s")
    assert a.statistic == pytest.approx(b.statistic, rel=1e-12)


def test_singular_variance_gives_nan_with_a_reason():
    # both at risk die at the only event time: the hypergeometric variance is 0
    df = pd.DataFrame({"t": [1, 1], "e": [1, 1], "g": ["A", "B"]})
    res = logrank(df, time="t", event="e", group="g")
    assert np.isnan(res.statistic)
    assert "singular" in res.details["note"]
