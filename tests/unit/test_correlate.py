import numpy as np
import pandas as pd
import pytest
from scipy import stats

from cartkit.comparisons.correlation import correlate
from cartkit.errors import DataError


def data():
    rng = np.random.default_rng(5)
    x = rng.normal(size=40)
    return pd.DataFrame({"x": x, "y": x + rng.normal(size=40), "k": 2.0})


def test_pearson_fisher_z_interval():
    res = correlate(data(), x="x", y="y", method="pearson", conf_level=0.9)
    z = np.arctanh(res.estimate)
    half = stats.norm.ppf(0.95) / np.sqrt(40 - 3)
    assert res.ci_lower == pytest.approx(np.tanh(z - half), rel=1e-12)
    assert res.ci_upper == pytest.approx(np.tanh(z + half), rel=1e-12)
    assert res.dof == 38


def test_spearman_is_pearson_of_midranks_with_its_fisher_z_interval():
    df = data()
    df.loc[:4, "x"] = 0.0  # ties get mid-ranks
    res = correlate(df, x="x", y="y")
    assert res.estimate == pytest.approx(stats.spearmanr(df.x, df.y).statistic, rel=1e-12)
    half = stats.norm.ppf(0.975) / np.sqrt(40 - 3)
    assert res.ci_lower == pytest.approx(np.tanh(np.arctanh(res.estimate) - half), rel=1e-12)
    assert res.ci_upper == pytest.approx(np.tanh(np.arctanh(res.estimate) + half), rel=1e-12)
    assert np.isnan(correlate(df.iloc[10:13], x="x", y="y").ci_lower)  # n < 4: no interval


def test_missing_pairs_dropped_and_errors():
    df = data()
    df.loc[0, "x"] = np.nan
    assert correlate(df, x="x", y="y").n == 39
    with pytest.raises(DataError, match="single value"):
        correlate(df, x="x", y="k")
    with pytest.raises(DataError, match="at least 3"):
        correlate(df.head(3), x="x", y="y")
    with pytest.raises(DataError, match="method"):
        correlate(df, x="x", y="y", method="kendall")


def test_perfect_correlation_has_negligible_p():
    df = pd.DataFrame({"x": [1.0, 2, 3, 4, 5], "y": [2.0, 4, 6, 8, 10]})
    res = correlate(df, x="x", y="y", method="pearson")
    assert res.estimate == pytest.approx(1.0)
    assert res.p_value < 1e-15
