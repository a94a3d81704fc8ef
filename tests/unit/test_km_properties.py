"""Property tests (hypothesis): invariants of Kaplan-Meier and the log-rank test."""

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from cartkit.survival import kaplan_meier, logrank

rows = st.lists(
    st.tuples(
        st.integers(0, 30).map(float),  # small range: many ties
        st.booleans(),
        st.sampled_from(["a", "b", "c"]),
    ),
    min_size=1,
    max_size=60,
)


def frame(data):
    return pd.DataFrame(data, columns=["t", "e", "g"])


@settings(max_examples=60, deadline=None)
@given(rows, st.sampled_from(["log-log", "log", "plain"]), st.floats(0.5, 0.99))
def test_survival_in_unit_interval_non_increasing_and_inside_its_interval(data, ct, level):
    tab = kaplan_meier(
        frame(data), time="t", event="e", group="g", conf_type=ct, conf_level=level
    ).table
    assert tab["estimate"].between(0, 1).all()
    for _, g in tab.groupby("group"):
        assert (np.diff(g["estimate"]) <= 0).all()
        assert (np.diff(g["n_risk"]) < 0).all()
        assert (np.diff(g["time"]) > 0).all()
    ok = tab["ci_lower"].notna() & tab["ci_upper"].notna()
    inside = tab.loc[ok]
    assert (inside["ci_lower"] <= inside["estimate"] + 1e-12).all()
    assert (inside["estimate"] <= inside["ci_upper"] + 1e-12).all()
    assert inside["ci_lower"].between(0, 1).all() and inside["ci_upper"].between(0, 1).all()


@settings(max_examples=40, deadline=None)
@given(rows, st.randoms(use_true_random=False))
def test_row_order_does_not_change_the_estimate(data, rnd):
    df = frame(data)
    shuffled = df.sample(frac=1, random_state=rnd.randint(0, 10**6))
    a = kaplan_meier(df, time="t", event="e", group="g")
    b = kaplan_meier(shuffled, time="t", event="e", group="g")
    pd.testing.assert_frame_equal(a.table, b.table)
    pd.testing.assert_frame_equal(a.median(), b.median())


@settings(max_examples=40, deadline=None)
@given(rows)
def test_survival_at_matches_the_step_function(data):
    km = kaplan_meier(frame(data), time="t", event="e")
    tab = km.table
    times = np.arange(0, 33, 0.5)
    got = km.survival_at(times)
    for t, est, nr in zip(times, got["estimate"], got["n_risk"], strict=True):
        past = tab[tab["time"] <= t]
        assert est == (past["estimate"].iloc[-1] if len(past) else 1.0)
        assert nr == sum(1 for row in data if row[0] >= t)


@settings(max_examples=40, deadline=None)
@given(rows, st.randoms(use_true_random=False))
def test_logrank_ignores_row_order_and_is_a_valid_test(data, rnd):
    df = frame(data)
    if df["g"].nunique() < 2:
        return
    a = logrank(df, time="t", event="e", group="g")
    b = logrank(
        df.sample(frac=1, random_state=rnd.randint(0, 10**6)), time="t", event="e", group="g"
    )
    if np.isnan(a.statistic):
        assert np.isnan(b.statistic)
        return
    assert a.statistic == pytest.approx(b.statistic, rel=1e-9, abs=1e-12)
    assert a.statistic >= -1e-12
    assert 0 <= a.p_value <= 1
