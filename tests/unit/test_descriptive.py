import numpy as np
import pandas as pd
import pytest
from scipy import stats

from cartkit.comparisons.descriptive import DESCRIBE_COLUMNS, describe
from cartkit.errors import DataError


def frame():
    normal = stats.norm.ppf((np.arange(1, 21) - 0.5) / 20)
    return pd.DataFrame(
        {
            "arm": ["A"] * 10 + ["B"] * 10,
            "age": 30 + 5 * normal,
            "dose": np.exp(2 * normal),  # skewed
            "sex": ["F", "M"] * 10,
            "empty": np.nan,
        }
    )


def test_rule_mean_sd_vs_median_range_and_formatting():
    t = describe(frame(), variables=["age", "dose"])
    assert tuple(t.columns) == DESCRIBE_COLUMNS
    age, dose = t.itertuples(index=False)
    assert age.summary == "mean_sd"
    assert age.formatted == f"{age.mean:.1f} ± {age.sd:.1f}"
    assert dose.summary == "median_range"
    assert dose.formatted == f"{dose.median:.1f} ({dose.min:.1f}–{dose.max:.1f})"
    assert age.group is None and np.isnan(age.p_value)


def test_forced_summary_and_counts_by_group():
    t = describe(frame(), variables=["dose", "sex"], group="arm", summary={"dose": "mean_sd"})
    dose = t[t.variable == "dose"]
    assert dose.summary.tolist() == ["mean_sd", "mean_sd"]
    assert dose.group.tolist() == ["A", "B"]
    sex = t[t.variable == "sex"]
    assert sex.level.tolist() == ["F", "M", "F", "M"]
    assert sex["count"].tolist() == [5, 5, 5, 5]
    assert sex.formatted.tolist() == ["5 (50.0%)"] * 4
    # the comparison p-value is that of compare() on the same variable
    assert (sex.test == "Pearson chi-square").all()
    assert sex.p_value.iloc[0] == pytest.approx(1.0)


def test_missing_values_counted_and_all_missing_reported():
    df = frame()
    df.loc[[0, 1], "age"] = np.nan
    t = describe(df, variables=["age", "empty"], group="arm")
    a = t[(t.variable == "age") & (t.group == "A")].iloc[0]
    assert a.n == 8 and a.n_missing == 2
    empty = t[t.variable == "empty"]
    assert empty.n.tolist() == [0, 0]
    assert empty.n_missing.tolist() == [10, 10]
    assert "missing in every row" in empty.note.iloc[0]


def test_errors():
    with pytest.raises(DataError, match="summary"):
        describe(frame(), variables=["age"], summary="mean")
    with pytest.raises(DataError, match="no column"):
        describe(frame(), variables=["nope"])
