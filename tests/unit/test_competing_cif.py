import numpy as np
import pandas as pd
import pytest

from cartkit.errors import DataError
from cartkit.survival import CIF, cumulative_incidence


def cinc_loop(t, e, cause):
    """Per-time loop over sorted data, written the way cmprsk's cinc reads (test oracle)."""
    order = np.argsort(t, kind="stable")
    t, e = np.asarray(t, float)[order], np.asarray(e)[order]
    n = len(t)
    fk, f, v1, v2, v3, var = 1.0, 0.0, 0.0, 0.0, 0.0, 0.0
    out = {}
    i = 0
    while i < n:
        j = i
        while j < n and t[j] == t[i]:
            j += 1
        rs = n - i
        nd1 = int(np.sum(e[i:j] == cause))
        nd2 = int(np.sum((e[i:j] > 0) & (e[i:j] != cause)))
        if nd1 + nd2 > 0:
            fkn = fk * (rs - nd1 - nd2) / rs
            if nd1 > 0:
                f = f + fk * nd1 / rs
            if nd2 > 0 and fkn > 0:
                t5 = 1 - (nd2 - 1) / (rs - 1) if nd2 > 1 else 1.0
                t6 = fk * fk * t5 * nd2 / rs**2
                t3, t4 = 1 / fkn, f / fkn
                v1, v2, v3 = v1 + t4 * t4 * t6, v2 + t3 * t4 * t6, v3 + t3 * t3 * t6
            if nd1 > 0:
                t5 = 1 - (nd1 - 1) / (rs - 1) if nd1 > 1 else 1.0
                t6 = fk * fk * t5 * nd1 / rs**2
                t3 = 1 / fkn if fkn > 0 else 0.0
                t4 = 1 + t3 * f
                v1, v2, v3 = v1 + t4 * t4 * t6, v2 + t3 * t4 * t6, v3 + t3 * t3 * t6
                var = v1 + f * f * v3 - 2 * f * v2
            fk = fkn
        out[t[i]] = (f, var)
        i = j
    return out


def small():
    return pd.DataFrame({"t": [1, 2, 3, 4, 5], "e": [1, 2, 1, 0, 1]})


def test_hand_computed_estimates_and_survival():
    fit = cumulative_incidence(small(), time="t", event="e")
    assert isinstance(fit, CIF)
    assert fit.causes == (1, 2)
    tab = fit.table
    c1 = tab[tab["cause"] == 1]
    c2 = tab[tab["cause"] == 2]
    # S: 0.8, 0.6, 0.4, 0.4, 0; F1 jumps 0.2 at 1, 0.6/3 at 3, 0.4 at 5; F2 jumps 0.8/4 at 2
    np.testing.assert_allclose(c1["estimate"], [0.2, 0.2, 0.4, 0.4, 0.8])
    np.testing.assert_allclose(c2["estimate"], [0.0, 0.2, 0.2, 0.2, 0.2])
    np.testing.assert_allclose(fit.survival["estimate"], [0.8, 0.6, 0.4, 0.4, 0.0])
    assert c1["n_risk"].tolist() == [5, 4, 3, 2, 1]
    assert c1["n_events"].tolist() == [1, 0, 1, 0, 1]
    assert fit.survival["n_censored"].tolist() == [0, 0, 0, 1, 0]
    assert tab["group"].isna().all()


def test_variance_first_jump_is_cmprsk_not_greenwood():
    # one event among n at the first time: cmprsk's delta-method variance is 1/n^2 (0.04), not
    # the Greenwood/binomial F(1 - F)/n (0.032) of survfit's Aalen-Johansen
    fit = cumulative_incidence(small(), time="t", event="e")
    first = fit.table.iloc[0]
    assert first["variance"] == pytest.approx(1 / 25, rel=1e-12)


def test_variance_matches_loop_with_ties_and_time_zero():
    rng = np.random.default_rng(3)
    t = rng.integers(0, 8, 60).astype(float)  # many ties, events at time 0
    e = rng.integers(0, 4, 60)
    fit = cumulative_incidence(pd.DataFrame({"t": t, "e": e}), time="t", event="e")
    for cause in (1, 2, 3):
        oracle = cinc_loop(t, e, cause)
        rows = fit.table[fit.table["cause"] == cause]
        np.testing.assert_allclose(rows["estimate"], [oracle[x][0] for x in rows["time"]])
        np.testing.assert_allclose(
            rows["variance"], [oracle[x][1] for x in rows["time"]], rtol=1e-12, atol=1e-15
        )
    at0 = fit.at(0.0)
    assert (at0["estimate"] > 0).any()  # events at time zero count at time zero


def test_variance_is_updated_only_at_own_events():
    fit = cumulative_incidence(small(), time="t", event="e")
    c1 = fit.table[fit.table["cause"] == 1].reset_index(drop=True)
    # the competing event at t = 2 changes nothing in the reported variance of cause 1 ...
    assert c1.loc[1, "variance"] == c1.loc[0, "variance"]
    # ... but enters the variance at the next cause-1 event
    no_competing = cumulative_incidence(small().assign(e=[1, 0, 1, 0, 1]), time="t", event="e")
    assert c1.loc[2, "variance"] != no_competing.table.loc[2, "variance"]


def test_at_is_a_right_continuous_step_as_timepoints():
    fit = cumulative_incidence(small(), time="t", event="e")
    got = fit.at([0.5, 1, 2.5, 5, 6, -1])
    c1 = got[got["cause"] == 1]
    np.testing.assert_allclose(c1["estimate"].iloc[:4], [0.0, 0.2, 0.2, 0.8])
    assert np.isnan(c1["estimate"].iloc[4])  # after the last follow-up time, as cmprsk
    assert np.isnan(c1["estimate"].iloc[5])
    assert list(got.columns) == [
        "group",
        "cause",
        "time",
        "estimate",
        "variance",
        "ci_lower",
        "ci_upper",
    ]
    assert fit.at(2.0)["variance"].iloc[0] == fit.table["variance"].iloc[0]


def test_groups_and_a_cause_without_events_in_a_group():
    df = pd.DataFrame(
        {"t": [1, 2, 3, 4, 1, 2, 3], "e": [1, 2, 0, 1, 2, 0, 2], "g": list("aaaabbb")}
    )
    fit = cumulative_incidence(df, time="t", event="e", group="g")
    assert fit.groups == ("a", "b")
    b1 = fit.table[(fit.table["group"] == "b") & (fit.table["cause"] == 1)]
    assert (b1["estimate"] == 0).all()
    assert (b1["variance"] == 0).all()
    assert (b1["ci_lower"] == 0).all() and (b1["ci_upper"] == 0).all()
    at = fit.at(3)
    assert at["group"].tolist() == ["a", "a", "b", "b"]
    surv = fit.survival_at([3])
    assert surv["estimate"].tolist() == pytest.approx([0.5, 0.0])


def test_at_risk_counts_the_subjects_still_followed_and_free_of_every_cause():
    rng = np.random.default_rng(4)
    df = pd.DataFrame(
        {
            "t": rng.integers(0, 60, 80).astype(float),
            "e": rng.integers(0, 3, 80),
            "g": rng.choice(["a", "b"], 80),
        }
    )
    cif = cumulative_incidence(df, time="t", event="e", group="g")
    times = [0.0, 0.5, 10.0, 30.0, 59.0, 60.0, 100.0]
    got = cif.at_risk(times)
    assert got.columns.tolist() == ["group", "time", "n_risk"]
    for level in ("a", "b"):
        mine = df[df["g"] == level]
        expected = [int((mine["t"] >= t).sum()) for t in times]
        assert got.loc[got["group"] == level, "n_risk"].tolist() == expected
    with pytest.raises(DataError, match="non-negative"):
        cif.at_risk([-1.0])


def test_categorical_group_keeps_category_order():
    df = pd.DataFrame(
        {"t": [1, 2, 3, 4], "e": [1, 1, 2, 0], "g": pd.Categorical(list("xyxy"), ["y", "x"])}
    )
    assert cumulative_incidence(df, time="t", event="e", group="g").groups == ("y", "x")


def test_all_censored():
    df = pd.DataFrame({"t": [1.0, 2.0, 3.0], "e": [0, 0, 0]})
    fit = cumulative_incidence(df, time="t", event="e")
    assert fit.causes == ()
    assert fit.table.empty
    assert "estimate" in fit.table.columns
    assert (fit.survival["estimate"] == 1).all()
    assert fit.at([1, 2]).empty


def test_single_patient():
    fit = cumulative_incidence(pd.DataFrame({"t": [3.0], "e": [1]}), time="t", event="e")
    assert fit.table["estimate"].tolist() == [1.0]
    assert fit.survival["estimate"].tolist() == [0.0]
    # cmprsk's formula gives variance 1 for one subject who fails
    assert fit.table["variance"].tolist() == [1.0]


def test_missing_values_are_excluded_and_counted():
    df = pd.DataFrame({"t": [1, np.nan, 3, 4], "e": [1, 1, None, 0], "g": ["a", "a", "b", None]})
    fit = cumulative_incidence(df, time="t", event="e", group="g")
    assert fit.n == 1
    assert fit.n_excluded == 3


def test_log_log_interval():
    fit = cumulative_incidence(small(), time="t", event="e", conf_level=0.9)
    row = fit.table.iloc[0]
    f, se = row["estimate"], np.sqrt(row["variance"])
    z = 1.6448536269514722
    lo = f ** np.exp(-z * se / (f * np.log(f)))
    hi = f ** np.exp(z * se / (f * np.log(f)))
    assert row["ci_lower"] == pytest.approx(lo, rel=1e-12)
    assert row["ci_upper"] == pytest.approx(hi, rel=1e-12)
    assert 0 < lo < f < hi < 1


def test_plain_interval_is_clipped():
    fit = cumulative_incidence(small(), time="t", event="e", conf_type="plain")
    row = fit.table.iloc[0]
    se = np.sqrt(row["variance"])
    assert row["ci_upper"] == pytest.approx(0.2 + 1.959963984540054 * se, rel=1e-12)
    assert row["ci_lower"] == 0.0  # 0.2 - 1.96 * 0.179 < 0


@pytest.mark.parametrize(
    ("frame", "match"),
    [
        (pd.DataFrame({"t": [1, -2], "e": [1, 0]}), "negative times"),
        (pd.DataFrame({"t": [1, np.inf], "e": [1, 0]}), "infinite"),
        (pd.DataFrame({"t": [1, 2], "e": [1, 1.5]}), "positive integer cause"),
        (pd.DataFrame({"t": [1, 2], "e": [1, -1]}), "positive integer cause"),
        (pd.DataFrame({"t": [1, 2], "e": ["death", 0]}), "not numbers"),
        (pd.DataFrame({"t": [1, 2], "x": [1, 0]}), "no column"),
        (pd.DataFrame({"t": [np.nan], "e": [1]}), "no row has a value"),
    ],
)
def test_bad_input(frame, match):
    with pytest.raises(DataError, match=match):
        cumulative_incidence(frame, time="t", event="e")


def test_bad_options():
    with pytest.raises(DataError, match="conf_level"):
        cumulative_incidence(small(), time="t", event="e", conf_level=95)
    with pytest.raises(DataError, match="conf_type"):
        cumulative_incidence(small(), time="t", event="e", conf_type="log")
    fit = cumulative_incidence(small(), time="t", event="e")
    with pytest.raises(DataError, match="times"):
        fit.at([1, np.nan])


def test_result_is_frozen():
    fit = cumulative_incidence(small(), time="t", event="e")
    with pytest.raises(AttributeError):
        fit.n = 3
