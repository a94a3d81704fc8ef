"""Kaplan-Meier: hand-computed values, R's conventions, look-ups and result shapes."""

from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from scipy import stats
from scipy.stats import norm
from statsmodels.duration.survfunc import SurvfuncRight

from cartkit.survival import kaplan_meier, years_to_days

Z95 = norm.ppf(0.975)

# S: 5/6 at 1, 2/3 at 2, 4/9 at 3 and 4, 0 at 5; Greenwood sums 1/30, 1/12, 1/4, 1/4, inf
SMALL = pd.DataFrame({"t": [1, 2, 2, 3, 4, 5], "e": [1, 1, 0, 1, 0, 1]})


def fit(df=SMALL, **kw):
    return kaplan_meier(df, time="t", event="e", **kw)


def test_table_by_hand():
    tab = fit().table
    assert list(tab.columns) == [
        "group",
        "time",
        "n_risk",
        "n_events",
        "n_censored",
        "estimate",
        "std_err",
        "ci_lower",
        "ci_upper",
    ]
    assert tab["time"].tolist() == [1, 2, 3, 4, 5]
    assert tab["n_risk"].tolist() == [6, 5, 3, 2, 1]
    assert tab["n_events"].tolist() == [1, 1, 1, 0, 1]
    assert tab["n_censored"].tolist() == [0, 1, 0, 1, 0]
    np.testing.assert_allclose(tab["estimate"], [5 / 6, 2 / 3, 4 / 9, 4 / 9, 0], rtol=1e-14)
    # the standard error of S, not of log S (R's summary.survfit)
    se = np.array([5 / 6 * np.sqrt(1 / 30), 2 / 3 * np.sqrt(1 / 12), 2 / 9, 2 / 9])
    np.testing.assert_allclose(tab["std_err"][:4], se, rtol=1e-14)
    # once S is 0 Greenwood's variance is infinite: R reports NaN (0 * Inf)
    assert np.isnan(tab["std_err"].iloc[4])


def test_log_log_interval_by_hand():
    row = fit().table.iloc[2]  # S = 4/9, SE(log S) = 1/2
    s, sigma = 4 / 9, 0.5
    assert row["ci_lower"] == pytest.approx(s ** np.exp(Z95 * sigma / abs(np.log(s))), rel=1e-12)
    assert row["ci_upper"] == pytest.approx(s ** np.exp(-Z95 * sigma / abs(np.log(s))), rel=1e-12)


def test_log_and_plain_intervals_by_hand():
    s, sigma = 4 / 9, 0.5
    log = fit(conf_type="log").table.iloc[2]
    assert log["ci_lower"] == pytest.approx(s * np.exp(-Z95 * sigma), rel=1e-12)
    assert log["ci_upper"] == pytest.approx(min(1.0, s * np.exp(Z95 * sigma)), rel=1e-12)
    plain = fit(conf_type="plain").table.iloc[2]
    assert plain["ci_lower"] == pytest.approx(max(0.0, s - Z95 * s * sigma), rel=1e-12)
    assert plain["ci_upper"] == pytest.approx(s + Z95 * s * sigma, rel=1e-12)
    # plain is cut at 0 and 1, as R
    first = fit(conf_type="plain").table.iloc[0]
    assert first["ci_upper"] == 1.0


def test_conf_level_narrows_the_interval():
    wide = fit(conf_level=0.95).table.iloc[2]
    narrow = fit(conf_level=0.80).table.iloc[2]
    assert wide["ci_lower"] < narrow["ci_lower"] < narrow["ci_upper"] < wide["ci_upper"]
    assert wide["estimate"] == narrow["estimate"]


def test_agrees_with_statsmodels_greenwood():
    rng = np.random.default_rng(1)
    n = 400
    df = pd.DataFrame({"t": rng.integers(1, 60, n), "e": rng.integers(0, 2, n)})
    tab = fit(df).table
    sf = SurvfuncRight(df["t"], df["e"])
    at = tab.set_index("time").loc[sf.surv_times]
    np.testing.assert_allclose(at["estimate"], sf.surv_prob, rtol=1e-12)
    np.testing.assert_allclose(at["std_err"], sf.surv_prob_se, rtol=1e-10)


@pytest.mark.parametrize(("ours", "theirs"), [("plain", "linear"), ("log-log", "log-log")])
def test_intervals_agree_with_scipy_ecdf(ours, theirs):
    rng = np.random.default_rng(4)
    n = 300
    df = pd.DataFrame({"t": rng.integers(1, 80, n).astype(float), "e": rng.integers(0, 2, n)})
    data = stats.CensoredData(uncensored=df["t"][df["e"] == 1], right=df["t"][df["e"] == 0])
    sf = stats.ecdf(data).sf
    ci = sf.confidence_interval(confidence_level=0.9, method=theirs)
    times = np.arange(1.0, 60.0)
    got = fit(df, conf_type=ours, conf_level=0.9).survival_at(times)
    np.testing.assert_allclose(got["estimate"], sf.evaluate(times), rtol=1e-12)
    np.testing.assert_allclose(got["ci_lower"], ci.low.evaluate(times), rtol=1e-9)
    np.testing.assert_allclose(got["ci_upper"], ci.high.evaluate(times), rtol=1e-9)


def test_survival_at_is_r_summary_with_extend():
    got = fit().survival_at([0, 0.5, 2, 2.5, 5, 99])
    assert list(got.columns) == [
        "group",
        "time",
        "n_risk",
        "estimate",
        "std_err",
        "ci_lower",
        "ci_upper",
    ]
    # number still at risk at the time: those whose time is >= it; 0 past the end
    assert got["n_risk"].tolist() == [6, 6, 5, 3, 1, 0]
    np.testing.assert_allclose(got["estimate"], [1, 1, 2 / 3, 2 / 3, 0, 0], rtol=1e-14)
    # before the first time, R's survfit0 row: S = 1, SE 0, interval (1, 1)
    assert got.iloc[0][["std_err", "ci_lower", "ci_upper"]].tolist() == [0.0, 1.0, 1.0]


def test_survival_at_keeps_the_order_given_and_accepts_a_scalar():
    got = fit().survival_at([3, 1])
    assert got["time"].tolist() == [3, 1]
    assert fit().survival_at(3)["estimate"].iloc[0] == pytest.approx(4 / 9)
    five_years = fit().survival_at(years_to_days(5))
    assert five_years["time"].iloc[0] == 1826.25


@pytest.mark.parametrize("bad", [-1, [1, np.nan], "soon", []])
def test_survival_at_rejects_bad_times(bad):
    with pytest.raises(ValueError, match="times"):
        fit().survival_at(bad)


def test_at_risk_counts_cumulative_events_and_censorings():
    got = fit().at_risk([0, 2, 4.5, 10])
    assert list(got.columns) == ["group", "time", "n_risk", "n_events", "n_censored"]
    assert got["n_risk"].tolist() == [6, 5, 1, 0]
    assert got["n_events"].tolist() == [0, 2, 3, 4]
    assert got["n_censored"].tolist() == [0, 1, 2, 2]


def test_median_is_first_time_at_or_below_half():
    med = fit().median()
    assert list(med.columns) == ["group", "estimate", "ci_lower", "ci_upper"]
    assert med["estimate"].iloc[0] == 3.0


def test_median_midpoint_of_a_flat_at_half():
    # S = 3/4, 1/2, 1/4, 0: exactly 0.5 from 2 to 3, so the median is 2.5 (R)
    df = pd.DataFrame({"t": [1, 2, 3, 4], "e": [1, 1, 1, 1]})
    assert fit(df).median()["estimate"].iloc[0] == 2.5
    # a flat at 0.5 interrupted by censoring still ends at the next drop
    df = pd.DataFrame({"t": [1, 2, 3, 5, 6, 8], "e": [1, 1, 1, 0, 1, 1]})
    assert fit(df).table["estimate"].iloc[2] == pytest.approx(0.5)
    assert fit(df).median()["estimate"].iloc[0] == (3 + 6) / 2


def test_median_when_the_curve_ends_flat_on_half():
    # survmean (print/summary) takes the start of the flat; quantile() the midpoint of the
    # flat and the last follow-up time
    df = pd.DataFrame({"t": [1, 2], "e": [1, 0]})
    assert fit(df).median()["estimate"].iloc[0] == 1.0
    assert fit(df).quantile(0.5)["estimate"].iloc[0] == 1.5


def test_median_interval_where_the_bands_cross_half():
    km = fit(pd.DataFrame({"t": np.arange(1, 41), "e": np.ones(40, int)}))
    tab, med = km.table, km.median().iloc[0]
    first = tab["time"][tab["ci_lower"] <= 0.5].iloc[0]
    last = tab["time"][tab["ci_upper"] <= 0.5].iloc[0]
    assert (med["ci_lower"], med["ci_upper"]) == (first, last)
    assert med["ci_lower"] < med["estimate"] < med["ci_upper"]


def test_quantiles_on_the_distribution_scale():
    q = fit().quantile([0.25, 0.5, 1.0])
    assert list(q.columns) == ["group", "p", "estimate", "ci_lower", "ci_upper"]
    # 1 - S is 1/6 at 1, 1/3 at 2, 5/9 at 3 and 1 at 5
    assert q["estimate"].tolist() == [2.0, 3.0, 5.0]
    with pytest.raises(ValueError, match=r"\[0, 1\]"):
        fit().quantile(1.5)


def test_group_none_gives_a_null_group_column_and_same_shapes():
    plain = fit()
    df = SMALL.assign(arm=["x", "x", "y", "y", "y", "y"])
    grouped = fit(df, group="arm")
    for method in ("median", "counts"):
        a, b = getattr(plain, method)(), getattr(grouped, method)()
        assert list(a.columns) == list(b.columns)
    assert list(plain.table.columns) == list(grouped.table.columns)
    assert plain.table["group"].isna().all()
    assert plain.median()["group"].isna().all()
    assert plain.groups == (None,)
    assert grouped.groups == ("x", "y")
    assert grouped.survival_at([1, 2])["group"].tolist() == ["x", "x", "y", "y"]


def test_group_order_follows_r_factor_levels():
    df = SMALL.assign(arm=["b", "b", "a", "a", "c", "c"])
    assert fit(df, group="arm").groups == ("a", "b", "c")
    cat = df.assign(arm=pd.Categorical(df["arm"], categories=["c", "b", "a", "unused"]))
    assert fit(cat, group="arm").groups == ("c", "b", "a")


def test_counts_per_group():
    df = SMALL.assign(arm=["x", "x", "y", "y", "y", "y"])
    got = fit(df, group="arm").counts()
    assert got["n"].tolist() == [2, 4]
    assert got["n_events"].tolist() == [2, 2]
    assert got["n_censored"].tolist() == [0, 2]
    km = fit()
    assert (km.n, km.n_events, km.n_excluded) == (6, 4, 0)


def test_result_is_frozen():
    km = fit()
    with pytest.raises(AttributeError):
        km.n = 3
    assert repr(km) == (
        "KM(groups=[none], n=6, n_events=4, n_excluded=0, conf_type='log-log', conf_level=0.95)"
    )


def test_lung_medians_by_sex_as_printed_by_r():
    # print(survfit(Surv(time, status) ~ sex, data = lung)), R's default log interval:
    # sex=1 138 112 270 212 310; sex=2 90 53 426 348 550
    lung = pd.read_csv(Path(__file__).parents[1] / "reference" / "lung.csv")
    km = kaplan_meier(lung, time="time", event="event", group="sex", conf_type="log")
    med = km.median()
    assert med[["estimate", "ci_lower", "ci_upper"]].to_numpy().tolist() == [
        [270, 212, 310],
        [426, 348, 550],
    ]
    assert km.counts()[["n", "n_events"]].to_numpy().tolist() == [[138, 112], [90, 53]]
