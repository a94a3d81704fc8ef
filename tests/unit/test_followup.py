"""Median follow-up by reverse Kaplan-Meier."""

import numpy as np
import pandas as pd
import pytest

from cartkit.errors import DataError
from cartkit.survival import follow_up, kaplan_meier, median_follow_up


def test_reverse_km_by_hand():
    # reversed events 0, 1, 0, 1: the censoring curve is 1, 2/3, 2/3, 0, median 4
    df = pd.DataFrame({"t": [1, 2, 3, 4], "e": [1, 0, 1, 0]})
    assert median_follow_up(df, time="t", event="e") == 4.0


def test_early_deaths_do_not_shorten_follow_up():
    # deaths at 1..5, the rest followed to 20..24: observed median time 12.5, but the
    # potential follow-up (reverse KM) is 22
    df = pd.DataFrame({"t": [*range(1, 6), *range(20, 25)], "e": [1] * 5 + [0] * 5})
    assert np.median(df["t"]) == 12.5
    assert median_follow_up(df, time="t", event="e") == 22.0


def test_follow_up_is_the_median_of_the_reversed_curve():
    rng = np.random.default_rng(2)
    df = pd.DataFrame({"t": rng.integers(1, 100, 300), "e": rng.integers(0, 2, 300)})
    reverse = kaplan_meier(df.assign(e=1 - df["e"]), time="t", event="e", conf_level=0.9)
    got = follow_up(df, time="t", event="e", conf_level=0.9)
    want = reverse.median()
    assert list(got.columns) == ["group", "estimate", "ci_lower", "ci_upper", "n"]
    pd.testing.assert_frame_equal(got.drop(columns="n"), want)
    assert got["n"].iloc[0] == 300
    assert got["ci_lower"].iloc[0] <= got["estimate"].iloc[0] <= got["ci_upper"].iloc[0]


def test_follow_up_per_group():
    df = pd.DataFrame(
        {"t": [1, 2, 3, 4, 10, 20], "e": [1, 0, 1, 0, 0, 0], "g": ["a"] * 4 + ["b"] * 2}
    )
    got = follow_up(df, time="t", event="e", group="g")
    assert got["group"].tolist() == ["a", "b"]
    # group b: the reversed curve is exactly 0.5 from 10 to 20, so R's midpoint rule gives 15
    assert got["estimate"].tolist() == [4.0, 15.0]
    assert got["n"].tolist() == [4, 2]


def test_no_censoring_means_no_follow_up_median():
    df = pd.DataFrame({"t": [1, 2, 3], "e": [1, 1, 1]})
    assert np.isnan(median_follow_up(df, time="t", event="e"))


def test_follow_up_checks_input():
    with pytest.raises(DataError, match="negative"):
        median_follow_up(pd.DataFrame({"t": [-1, 2], "e": [1, 0]}), time="t", event="e")
    with pytest.raises(DataError, match="conf_type"):
        follow_up(pd.DataFrame({"t": [1, 2], "e": [1, 0]}), time="t", event="e", conf_type="x")
