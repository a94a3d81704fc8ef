"""Summaries of NCA parameters."""

import math

import numpy as np
import pandas as pd
import pytest

from cartkit.errors import DataError
from cartkit.kinetics import (
    SUMMARY_COLUMNS,
    expansion_responders,
    summarize_expansion,
    summarize_nca,
)


@pytest.fixture
def params():
    return pd.DataFrame(
        {
            "patient_id": ["A", "B", "C", "D", "E"],
            "cmax": [1000.0, 10000.0, 100000.0, 0.0, np.nan],
            "tmax": [7.0, 14.0, 10.0, np.nan, np.nan],
            "tlast": [28.0, 90.0, 400.0, np.nan, np.nan],
            "auc_window": [1e4, 1e5, 1e6, 0.0, np.nan],
            "auclast": [2e4, 2e5, 2e6, 0.0, np.nan],
            "mrd_negative": ["yes", "yes", "no", "no", "no"],
            "pre": [0.0, 0.0, 99950.0, 0.0, 0.0],
        }
    )


def test_summary_of_one_group(params):
    got = summarize_nca(params).set_index("parameter")
    assert list(summarize_nca(params).columns) == list(SUMMARY_COLUMNS)
    assert got["group"].isna().all()
    cmax = got.loc["cmax"]
    assert (cmax["n"], cmax["n_positive"]) == (4, 3)
    assert cmax["median"] == pytest.approx(5500.0)
    assert (cmax["min"], cmax["max"]) == (0.0, 100000.0)
    assert cmax["geo_mean"] == pytest.approx(10000.0, rel=1e-12)
    sd = np.std(np.log([1e3, 1e4, 1e5]), ddof=1)
    assert cmax["geo_cv_pct"] == pytest.approx(100 * math.sqrt(math.exp(sd**2) - 1), rel=1e-12)
    tmax = got.loc["tmax"]
    assert tmax["summary"] == "10 (7–14)"
    assert math.isnan(tmax["geo_mean"])
    assert got.loc["cmax", "summary"] == "5,500 (0–100,000)"


def test_summary_by_group(params):
    got = summarize_nca(params, group="mrd_negative", parameters=["cmax"])
    assert list(got["group"]) == ["no", "yes"]
    assert list(got["n"]) == [2, 2]
    assert got.loc[got["group"] == "yes", "geo_mean"].item() == pytest.approx(
        math.sqrt(1e3 * 1e4), rel=1e-12
    )


def test_summary_rejects_unknown_parameter(params):
    with pytest.raises(DataError, match="unknown NCA parameter"):
        summarize_nca(params.assign(foo=1), parameters=["foo"])


def test_expansion_responders(params):
    got = expansion_responders(params)
    assert got.tolist() == [True, True, True, False, pd.NA]
    over_baseline = expansion_responders(params, threshold=100, baseline="pre")
    assert over_baseline.tolist() == [True, True, False, False, pd.NA]


def test_summarize_expansion_clopper_pearson(params):
    got = summarize_expansion(params).iloc[0]
    assert (got["n"], got["n_events"]) == (4, 3)
    assert got["estimate"] == 0.75
    # R: binom.test(3, 4)$conf.int -> 0.1941204 0.9936905
    assert got["ci_lower"] == pytest.approx(0.1941204, abs=1e-7)
    assert got["ci_upper"] == pytest.approx(0.9936905, abs=1e-7)
    by = summarize_expansion(params, group="mrd_negative")
    assert list(by["n_events"]) == [1, 2]
    assert by["ci_upper"].iloc[1] == 1.0


def test_summarize_expansion_group_without_cmax_has_no_rate():
    params = pd.DataFrame({"cmax": [500.0, 50.0, np.nan], "arm": ["x", "x", "y"]})
    got = summarize_expansion(params, group="arm").set_index("group")
    assert (got.loc["y", "n"], got.loc["y", "n_events"]) == (0, 0)
    assert got.loc["y", ["estimate", "ci_lower", "ci_upper"]].isna().all()
    # R: binom.test(1, 2)$conf.int -> 0.01257912 0.98742088
    assert got.loc["x", "ci_lower"] == pytest.approx(0.01257912, abs=1e-8)


def test_by_is_the_deprecated_name_of_group():
    params = pd.DataFrame({"cmax": [1.0, 10.0, 100.0], "arm": ["a", "a", "b"]})
    with pytest.warns(DeprecationWarning, match="by= is now group="):
        old = summarize_nca(params, by="arm", parameters=["cmax"])
    pd.testing.assert_frame_equal(old, summarize_nca(params, group="arm", parameters=["cmax"]))
    with pytest.raises(DataError, match="give group= only"):
        summarize_nca(params, group="arm", by="arm", parameters=["cmax"])
