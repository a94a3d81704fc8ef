"""Kaplan-Meier: edge cases and input checking."""

import numpy as np
import pandas as pd
import pytest

from cartkit.errors import DataError
from cartkit.survival import kaplan_meier, to_months


def fit(df, **kw):
    return kaplan_meier(df, time="t", event="e", **kw)


def test_all_censored_survival_one_median_nan():
    km = fit(pd.DataFrame({"t": [1, 2, 3], "e": [0, 0, 0]}))
    assert (km.table["estimate"] == 1).all()
    assert (km.table["std_err"] == 0).all()
    assert km.median()[["estimate", "ci_lower", "ci_upper"]].isna().all(axis=None)
    # R: the log-log interval is NA where S = 1 (after the origin); log and plain give (1, 1)
    assert km.table["ci_lower"].isna().all()
    log = fit(pd.DataFrame({"t": [1, 2, 3], "e": [0, 0, 0]}), conf_type="log").table
    assert (log["ci_lower"] == 1).all() and (log["ci_upper"] == 1).all()


def test_a_group_without_events():
    df = pd.DataFrame({"t": [1, 2, 3, 4], "e": [0, 0, 1, 1], "g": ["a", "a", "b", "b"]})
    km = fit(df, group="g")
    med = km.median().set_index("group")
    assert np.isnan(med.loc["a", "estimate"])
    assert med.loc["b", "estimate"] == 3.5  # S = 1/2 from 3 to 4, then 0
    at = km.survival_at(10).set_index("group")
    assert at.loc["a", "estimate"] == 1.0
    assert at.loc["b", "estimate"] == 0.0


def test_ties_at_every_time():
    df = pd.DataFrame({"t": [1, 1, 2, 2, 3, 3], "e": [1, 0, 1, 1, 0, 1]})
    tab = fit(df).table
    assert tab["n_risk"].tolist() == [6, 4, 2]
    assert tab["n_events"].tolist() == [1, 2, 1]
    np.testing.assert_allclose(tab["estimate"], [5 / 6, 5 / 6 * 2 / 4, 5 / 6 * 2 / 4 * 1 / 2])


def test_single_patient():
    event = fit(pd.DataFrame({"t": [5.0], "e": [1]}))
    assert event.table["estimate"].tolist() == [0.0]
    assert event.median()["estimate"].iloc[0] == 5.0
    assert event.survival_at(4)["estimate"].iloc[0] == 1.0
    censored = fit(pd.DataFrame({"t": [5.0], "e": [0]}))
    assert censored.survival_at(6)["estimate"].iloc[0] == 1.0
    assert np.isnan(censored.median()["estimate"].iloc[0])


def test_events_at_time_zero():
    km = fit(pd.DataFrame({"t": [0, 0, 1, 2], "e": [1, 0, 1, 1]}))
    assert km.table["time"].iloc[0] == 0
    # right-continuous: at day 0 the curve has already dropped (R summary(times = 0))
    assert km.survival_at(0)["estimate"].iloc[0] == 0.75
    assert km.survival_at(0)["n_risk"].iloc[0] == 4
    assert km.median()["estimate"].iloc[0] == 1.0


def test_missing_values_are_excluded_and_counted():
    df = pd.DataFrame(
        {
            "t": [1.0, 2.0, np.nan, 4.0, 5.0],
            "e": pd.array([1, pd.NA, 1, 0, 1], dtype="Int64"),
            "g": ["x", "x", "x", None, "x"],
        }
    )
    km = fit(df, group="g")
    assert (km.n, km.n_excluded, km.n_events) == (2, 3, 2)
    assert km.table["time"].tolist() == [1.0, 5.0]


def test_bool_and_nullable_inputs():
    df = pd.DataFrame({"t": pd.array([3, 1, 2], dtype="Int64"), "e": pd.array([True, False, True])})
    assert fit(df).table["n_events"].tolist() == [0, 1, 1]
    as_float = fit(pd.DataFrame({"t": [3.0, 1.0, 2.0], "e": [1.0, 0.0, 1.0]}))
    pd.testing.assert_frame_equal(fit(df).table, as_float.table)


def test_times_that_differ_by_rounding_are_ties():
    # 7 days in months, computed two ways: R's timefix treats them as one time
    a = to_months(7.0)
    b = 7.0 * (1 / 30.4375)
    assert a != b
    km = fit(pd.DataFrame({"t": [b, a, 3.0], "e": [1, 1, 0]}))
    assert km.table["n_events"].iloc[0] == 2
    assert len(km.table) == 2


def test_row_order_and_index_do_not_matter():
    rng = np.random.default_rng(7)
    df = pd.DataFrame({"t": rng.integers(0, 30, 200), "e": rng.integers(0, 2, 200)})
    shuffled = df.sample(frac=1, random_state=3)
    pd.testing.assert_frame_equal(fit(df).table, fit(shuffled).table)


@pytest.mark.parametrize(
    ("data", "match"),
    [
        ({"t": [1, -2], "e": [1, 0]}, r"negative times at index \[1\]"),
        ({"t": [1, np.inf], "e": [1, 0]}, "infinite"),
        ({"t": [1, "soon"], "e": [1, 0]}, "not numbers"),
        ({"t": [1, 2], "e": [1, 2]}, r"0 \(censored\) or 1 \(event\).*found 2 at index \[1\]"),
        ({"t": [1, 2], "e": ["dead", "alive"]}, "found 'dead'"),
    ],
)
def test_bad_values_name_the_rows(data, match):
    with pytest.raises(DataError, match=match):
        fit(pd.DataFrame(data))


def test_missing_column_and_bad_options():
    df = pd.DataFrame({"t": [1, 2], "e": [1, 0]})
    with pytest.raises(DataError, match=r"no column.*'arm'"):
        fit(df, group="arm")
    with pytest.raises(DataError, match="conf_type must be one of"):
        fit(df, conf_type="logit")
    with pytest.raises(DataError, match="conf_level"):
        fit(df, conf_level=95)
    with pytest.raises(DataError, match="no row has all"):
        fit(pd.DataFrame({"t": [np.nan], "e": [1]}))
    with pytest.raises(DataError, match="DataFrame"):
        kaplan_meier({"t": [1]}, time="t", event="e")


def test_large_data_gives_one_row_per_distinct_time():
    rng = np.random.default_rng(0)
    n = 50_000
    df = pd.DataFrame(
        {
            "t": rng.exponential(100, n).round(1),
            "e": rng.integers(0, 2, n),
            "g": rng.integers(0, 3, n),
        }
    )
    km = fit(df, group="g")
    assert len(km.table) == df.groupby("g")["t"].nunique().sum()
    assert km.counts()["n"].sum() == n


def test_a_chain_of_near_ties_collapses_to_its_smallest_time():
    a = 100.0
    times = [a, a * (1 + 1e-9), a * (1 + 2e-9), a * (1 + 3e-9), 200.0]
    km = fit(pd.DataFrame({"t": times, "e": [1, 0, 1, 1, 0]}))
    assert km.table["time"].tolist() == [a, 200.0]
    assert km.table["n_events"].tolist() == [3, 0]
    assert km.table["n_censored"].tolist() == [1, 1]
