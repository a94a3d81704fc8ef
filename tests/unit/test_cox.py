"""cox(): result shape, input checks, categorical terms, strata and separation warnings."""

import warnings
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from scipy import stats

from cartkit.errors import ConvergenceWarning, DataError
from cartkit.results import RegressionResult
from cartkit.survival import Cox, cox

LUNG = pd.read_csv(Path(__file__).parents[1] / "reference" / "lung.csv")


def small_frame(seed=0, n=80):
    rng = np.random.default_rng(seed)
    x = rng.normal(size=n)
    group = rng.choice(["a", "b", "c"], size=n)
    t = np.round(rng.exponential(np.exp(-0.5 * x)) * 50) + 1
    c = np.round(rng.exponential(1.5, size=n) * 50) + 1
    return pd.DataFrame(
        {"time": np.minimum(t, c), "event": (t <= c).astype(int), "x": x, "group": group}
    )


def fit_quietly(*args, **kwargs):
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # a regular fit must not warn
        return cox(*args, **kwargs)


def test_table_columns_and_single_covariate():
    model = fit_quietly(LUNG, time="time", event="event", covariates="sex")
    assert isinstance(model, Cox)
    assert list(model.table.columns) == [
        "term",
        "estimate",
        "ci_lower",
        "ci_upper",
        "p_value",
        "coef",
        "se",
        "hr",
        "covariate",
        "reference",
    ]
    assert isinstance(model, RegressionResult) and model.model == "cox" and model.ratio == "hr"
    assert model.warnings == () and model.details["ties"] == "efron"
    row = model.table.iloc[0]
    assert row["term"] == "sex" and row["covariate"] == "sex" and row["reference"] == ""
    # one term: the Wald test of the table is the global Wald test
    assert model.wald_test.statistic == pytest.approx((row["coef"] / row["se"]) ** 2, rel=1e-10)
    assert model.wald_test.p_value == pytest.approx(row["p_value"], rel=1e-10)
    assert row["hr"] == pytest.approx(np.exp(row["coef"]), rel=1e-12)
    assert row["estimate"] == row["hr"]


def test_global_tests_are_consistent():
    model = fit_quietly(LUNG, time="time", event="event", covariates=["age", "sex", "ph.ecog"])
    assert model.loglik > model.loglik_null
    assert model.lr_test.statistic == pytest.approx(
        2 * (model.loglik - model.loglik_null), rel=1e-12
    )
    beta = model.table["coef"].to_numpy()
    wald = beta @ np.linalg.solve(model.covariance.to_numpy(), beta)
    assert model.wald_test.statistic == pytest.approx(wald, rel=1e-10)
    assert model.lr_test.dof == model.wald_test.dof == model.score_test.dof == 3
    assert model.lr_test.p_value == pytest.approx(stats.chi2.sf(model.lr_test.statistic, 3))
    assert model.tests["test"].tolist() == ["likelihood ratio", "Wald", "score (log-rank)"]
    # R summary.coxph prints 30.5, 29.93 and 30.5 for this model
    assert model.tests["statistic"].round(2).tolist() == [30.5, 29.93, 30.5]


def test_conf_level_sets_interval_width():
    m90 = fit_quietly(LUNG, time="time", event="event", covariates="age", conf_level=0.9)
    row = m90.table.iloc[0]
    z = stats.norm.ppf(0.95)
    assert row["ci_lower"] == pytest.approx(np.exp(row["coef"] - z * row["se"]), rel=1e-12)
    assert row["ci_upper"] == pytest.approx(np.exp(row["coef"] + z * row["se"]), rel=1e-12)
    assert m90.conf_level == 0.9


def test_missing_values_are_excluded_and_counted():
    df = small_frame()
    df.loc[[3, 7], "x"] = np.nan
    df.loc[11, "time"] = np.nan
    df.loc[12, "event"] = np.nan
    model = fit_quietly(df, time="time", event="event", covariates="x")
    assert model.n == len(df) - 4
    assert model.n_excluded == 4
    complete = df.dropna()
    assert model.n_events == int(complete["event"].sum())
    again = fit_quietly(complete, time="time", event="event", covariates="x")
    assert model.table["coef"].iloc[0] == pytest.approx(again.table["coef"].iloc[0], rel=1e-12)


def test_boolean_event_column():
    df = small_frame()
    as_bool = df.assign(event=df["event"].astype(bool))
    a = fit_quietly(df, time="time", event="event", covariates="x")
    b = fit_quietly(as_bool, time="time", event="event", covariates="x")
    assert a.table["coef"].iloc[0] == pytest.approx(b.table["coef"].iloc[0], rel=1e-12)


def test_categorical_terms_and_reference_level():
    df = small_frame()
    model = fit_quietly(df, time="time", event="event", covariates=["x", "group"])
    assert model.table["term"].tolist() == ["x", "group[b]", "group[c]"]
    assert model.table["reference"].tolist() == ["", "a", "a"]
    assert model.table["covariate"].tolist() == ["x", "group", "group"]
    # the same model with hand-made indicator columns
    manual = df.assign(gb=(df["group"] == "b").astype(float), gc=(df["group"] == "c").astype(float))
    hand = fit_quietly(manual, time="time", event="event", covariates=["x", "gb", "gc"])
    np.testing.assert_allclose(model.table["coef"], hand.table["coef"], rtol=1e-10)
    np.testing.assert_allclose(model.table["se"], hand.table["se"], rtol=1e-10)


def test_reference_override_reparametrises():
    df = small_frame()
    base = fit_quietly(df, time="time", event="event", covariates="group")
    other = fit_quietly(
        df, time="time", event="event", covariates="group", reference={"group": "c"}
    )
    assert other.table["term"].tolist() == ["group[a]", "group[b]"]
    coef = base.table.set_index("term")["coef"]
    coef2 = other.table.set_index("term")["coef"]
    assert coef2["group[a]"] == pytest.approx(-coef["group[c]"], rel=1e-9)
    assert coef2["group[b]"] == pytest.approx(coef["group[b]"] - coef["group[c]"], rel=1e-9)
    assert other.loglik == pytest.approx(base.loglik, rel=1e-12)


def test_numeric_column_as_categorical():
    model = fit_quietly(
        LUNG, time="time", event="event", covariates="ph.ecog", categorical=["ph.ecog"]
    )
    assert model.table["term"].tolist() == ["ph.ecog[1.0]", "ph.ecog[2.0]", "ph.ecog[3.0]"]
    assert set(model.table["reference"]) == {"0.0"}


def test_stratified_matches_lifelines():
    # lifelines 0.30.3: CoxPHFitter().fit(lung[time, event, age, sex, ph.ecog].dropna(),
    # "time", "event", strata=["sex"]) (Efron ties); no R value exists in the reference set
    model = fit_quietly(
        LUNG, time="time", event="event", covariates=["age", "ph.ecog"], strata="sex"
    )
    assert model.strata == ("sex",)
    np.testing.assert_allclose(
        model.table["coef"], [0.010566253854347035, 0.46242443653754733], rtol=1e-6
    )
    np.testing.assert_allclose(
        model.table["se"], [0.009241373878926878, 0.1147610978770126], rtol=1e-6
    )
    assert model.loglik == pytest.approx(-628.7709395012047, rel=1e-9)


def test_stratum_copies_halve_the_variance():
    # two identical strata: the partial likelihood doubles, the estimate stays, SE / sqrt(2)
    df = small_frame()
    one = fit_quietly(df, time="time", event="event", covariates=["x", "group"])
    both = pd.concat([df.assign(s=1), df.assign(s=2, time=df["time"] * 7 + 3)])
    two = fit_quietly(both, time="time", event="event", covariates=["x", "group"], strata="s")
    np.testing.assert_allclose(two.table["coef"], one.table["coef"], rtol=1e-9)
    np.testing.assert_allclose(two.table["se"], one.table["se"] / np.sqrt(2), rtol=1e-9)
    assert two.loglik == pytest.approx(2 * one.loglik, rel=1e-12)


def test_separation_warning_names_both_terms():
    # survival's tests/infcox.R: every event has x1 = 0 and x2 = 0
    df = pd.DataFrame(
        {
            "futime": range(1, 13),
            "fustat": [1, 0, 1, 0, 1, 0, 0, 0, 0, 0, 0, 0],
            "x1": [0, 1] * 6,
            "x2": [0] * 6 + [1] * 6,
        }
    )
    with pytest.warns(ConvergenceWarning, match=r"terms 'x1', 'x2' appear to be infinite"):
        model = cox(df, time="futime", event="fustat", covariates=["x1", "x2"])
    assert not model.converged
    assert (model.table["coef"] < -10).all()


def test_level_without_events_warns_with_its_term():
    df = small_frame(seed=3)
    df.loc[df["group"] == "c", "event"] = 0
    with pytest.warns(ConvergenceWarning, match=r"term 'group\[c\]' appears to be infinite"):
        model = cox(df, time="time", event="event", covariates=["x", "group"])
    coef = model.table.set_index("term")["coef"]
    assert coef["group[c]"] < -10
    assert abs(coef["x"]) < 5  # the finite terms are still estimated


def test_all_events_in_one_level_warns():
    df = small_frame(seed=4)
    df["event"] = (df["group"] == "b").astype(int)
    with pytest.warns(ConvergenceWarning, match=r"group\[b\]"):
        cox(df, time="time", event="event", covariates="group")


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (lambda d: d.assign(time=d["time"].where(d.index != 5, -2.0)), "negative time"),
        (lambda d: d.assign(time=d["time"].where(d.index != 5, np.inf)), "infinite time"),
        (lambda d: d.assign(event=d["event"].where(d.index != 9, 2)), r"1 \(event\) or 0"),
        (lambda d: d.assign(event=0), "no events"),
        (lambda d: d.assign(x=4.2), "term 'x' is constant"),
        (lambda d: d.assign(x=d["x"].where(d.index != 2, np.inf)), "'x' has infinite values"),
        (lambda d: d.assign(group="a"), "covariate 'group' has a single level"),
        (lambda d: d.assign(event="yes"), "not numbers"),
    ],
)
def test_bad_input_raises_data_error(change, message):
    df = change(small_frame())
    with pytest.raises(DataError, match=message):
        cox(df, time="time", event="event", covariates=["x", "group"])


def test_error_messages_point_at_rows():
    df = small_frame()
    df.loc[5, "time"] = -2.0
    with pytest.raises(DataError, match=r"index \[5\]"):
        cox(df, time="time", event="event", covariates="x")


def test_collinear_term_is_named():
    df = small_frame().assign(y=lambda d: 2 * d["x"] + 1)
    with pytest.raises(DataError, match="term 'y' is a linear combination of 'x'"):
        cox(df, time="time", event="event", covariates=["x", "y"])


def test_covariate_constant_within_strata():
    df = small_frame().assign(s=lambda d: d["group"], z=lambda d: (d["group"] == "b") * 1.0)
    with pytest.raises(DataError, match="constant within every stratum"):
        cox(df, time="time", event="event", covariates=["x", "z"], strata="s")


def test_bad_arguments():
    df = small_frame()
    with pytest.raises(DataError, match="ties must be one of"):
        cox(df, time="time", event="event", covariates="x", ties="exact")
    with pytest.raises(DataError, match="conf_level"):
        cox(df, time="time", event="event", covariates="x", conf_level=95)
    with pytest.raises(DataError, match="'nope'"):
        cox(df, time="time", event="event", covariates="x", strata="nope")
    with pytest.raises(DataError, match="'w'"):
        cox(df, time="time", event="event", covariates=["x", "w"])


def test_result_is_frozen():
    model = fit_quietly(small_frame(), time="time", event="event", covariates="x")
    with pytest.raises(AttributeError):
        model.n = 3


def test_times_equal_up_to_rounding_are_tied():
    # as R's coxph(timefix = TRUE): 10 and 10 + 1e-12 are one time, so Efron != Breslow
    df = pd.DataFrame(
        {
            "time": [10.0, 10.0 + 1e-12, 10.0, 20.0, 30.0, 40.0],
            "event": [1, 1, 1, 1, 0, 1],
            "x": [0.5, 1.0, 3.0, 0.0, 1.0, 2.0],
        }
    )
    exact = df.assign(time=df["time"].round(6))
    a = fit_quietly(df, time="time", event="event", covariates="x")
    b = fit_quietly(exact, time="time", event="event", covariates="x")
    assert a.loglik == pytest.approx(b.loglik, rel=1e-13)
    breslow = fit_quietly(df, time="time", event="event", covariates="x", ties="breslow")
    assert a.table["coef"].iloc[0] != pytest.approx(breslow.table["coef"].iloc[0], rel=1e-3)


def test_ph_test_needs_two_event_times():
    df = small_frame().assign(time=5.0)
    model = fit_quietly(df, time="time", event="event", covariates="x")
    with pytest.raises(DataError, match="two or more distinct times"):
        model.ph_test()
