"""One result type for regression fits, Gray's test as Tests, and the deprecated DataFrame access.

``ck.cox``, ``ck.logistic`` (ML and Firth) and ``ck.fine_gray`` return a
:class:`cartkit.results.RegressionResult`; ``ck.gray_test`` returns ``GrayTests`` (cause ->
Test). ``ck.logistic``, ``ck.fine_gray`` and ``ck.gray_test`` returned DataFrames before: that
access still works for one release, with a DeprecationWarning, and gives the old values.
"""

import copy
import pickle
import warnings

import numpy as np
import pandas as pd
import pytest
from scipy import stats

import cartkit as ck
from cartkit.errors import ConvergenceWarning
from cartkit.results import RATIO_COLUMNS, RegressionResult, Test, regression_columns
from cartkit.survival.gray import GrayTests

OLD_LOGISTIC = [
    "term", "coef", "se", "odds_ratio", "ci_lower", "ci_upper", "p_value", "covariate",
    "reference",
]  # fmt: skip
OLD_FINE_GRAY = [
    "term", "coef", "se", "shr", "ci_lower", "ci_upper", "p_value", "covariate", "reference",
    "n", "n_events",
]  # fmt: skip


@pytest.fixture(scope="module")
def data():
    rng = np.random.default_rng(20)
    n = 80
    x = rng.normal(size=n)
    g = rng.choice(["a", "b"], n)
    t = np.round(rng.exponential(np.exp(-0.5 * x)) * 30) + 1
    return pd.DataFrame(
        {
            "t": t,
            "e": rng.integers(0, 2, n),
            "cause": rng.choice([0, 1, 2], n, p=[0.3, 0.4, 0.3]),
            "y": (rng.random(n) < 1 / (1 + np.exp(-x))).astype(int),
            "x": np.where(np.arange(n) == 3, np.nan, x),
            "g": g,
        }
    )


@pytest.fixture(scope="module")
def fits(data):
    return {
        "cox": ck.cox(data, time="t", event="e", covariates=["x", "g"]),
        "logistic": ck.logistic(data, outcome="y", covariates=["x", "g"]),
        "firth": ck.logistic(data, outcome="y", covariates=["x", "g"], method="firth"),
        "fine_gray": ck.fine_gray(data, time="t", event="cause", cause=1, covariates=["x", "g"]),
    }


def quiet(f):
    """Call f with every warning an error: the new API never warns."""
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        return f()


@pytest.mark.parametrize("model", ["cox", "logistic", "firth", "fine_gray"])
def test_every_fit_is_a_regression_result_with_the_same_columns(fits, data, model):
    fit = fits[model]
    assert isinstance(fit, RegressionResult) and fit.model == model
    table = quiet(lambda: fit.table)
    fixed = regression_columns(model)
    assert fixed[:5] == ("term", "estimate", "ci_lower", "ci_upper", "p_value")
    assert tuple(table.columns[: len(fixed)]) == fixed
    assert fit.ratio == RATIO_COLUMNS[model] == fixed[7]
    # the interval is on the scale of estimate, the model's own ratio
    np.testing.assert_array_equal(table["estimate"], table[fit.ratio])
    np.testing.assert_allclose(table["estimate"], np.exp(table["coef"]), rtol=1e-15)
    assert (table["ci_lower"] < table["estimate"]).all()
    assert (table["estimate"] < table["ci_upper"]).all()
    # row 3 has no x: the counts are of the 79 complete cases
    assert (fit.n, fit.n_excluded) == (79, 1)
    used = data.drop(index=3)
    events = {
        "cox": used["e"].sum(),
        "logistic": used["y"].sum(),
        "firth": used["y"].sum(),
        "fine_gray": (used["cause"] == 1).sum(),
    }
    assert fit.n_events == events[model]
    assert fit.converged is True and fit.warnings == () and fit.conf_level == 0.95
    assert np.isfinite(fit.loglik) and fit.loglik < 0
    assert bool(fit) is True
    with pytest.raises(TypeError):
        fit.details["extra"] = 1  # read-only


def test_details_say_what_is_particular_to_each_model(fits):
    assert fits["cox"].details["ties"] == "efron"
    assert fits["cox"].details["iterations"] == fits["cox"].iterations
    assert dict(fits["logistic"].details) == {
        "method": "ml",
        "ci": "wald",
        "separation": (),
        "iterations": fits["logistic"].details["iterations"],
    }
    assert fits["firth"].details["method"] == "firth"
    assert fits["fine_gray"].details["cause"] == 1
    assert fits["fine_gray"].details["iterations"] >= 1


@pytest.mark.parametrize("model", ["cox", "logistic", "fine_gray"])
def test_results_pickle_copy_and_print_without_warnings(fits, model):
    fit = fits[model]
    back = quiet(lambda: pickle.loads(pickle.dumps(fit)))
    pd.testing.assert_frame_equal(back.table, fit.table)
    assert back.n == fit.n and dict(back.details) == dict(fit.details)
    quiet(lambda: copy.deepcopy(fit))
    text = quiet(lambda: repr(fit))
    assert text.startswith(f"{type(fit).__name__}(model={model!r}, n=79")
    assert "estimate" in text.splitlines()[1]
    assert "<table" in quiet(fit._repr_html_)


def test_a_table_without_the_fixed_columns_is_refused():
    with pytest.raises(ValueError, match="must start with the columns"):
        RegressionResult(model="logistic", table=pd.DataFrame({"term": ["x"]}), n=1, n_events=1)


def test_the_warnings_a_fit_issues_are_on_the_result_too():
    sep = pd.DataFrame({"y": [0, 0, 0, 1, 1, 1, 0, 1], "x": [1, 2, 3, 4, 5, 6, 2.5, 7]})
    with pytest.warns(ConvergenceWarning, match="separation") as issued:
        fit = ck.logistic(sep, outcome="y", covariates=["x"])
    assert fit.warnings == tuple(str(w.message) for w in issued)
    assert fit.details["separation"] == ("x",)
    # a Cox term running to infinity: warned once, on the result once
    df = pd.DataFrame({"t": [1.0, 2, 3, 4, 5, 6], "e": [1, 1, 1, 0, 0, 0], "x": [1, 1, 1, 0, 0, 0]})
    with pytest.warns(ConvergenceWarning, match="infinite") as issued:
        fit = ck.cox(df, time="t", event="e", covariates=["x"])
    assert len(issued) == 1 and fit.warnings == (str(issued[0].message),)
    assert fit.converged is False and fit.infinite == ("x",)


@pytest.mark.parametrize(
    ("model", "old", "name"),
    [("logistic", OLD_LOGISTIC, "LogisticResult"), ("fine_gray", OLD_FINE_GRAY, "FineGrayResult")],
)
def test_old_dataframe_access_warns_and_gives_the_old_values(fits, model, old, name):
    fit = fits[model]
    table = fit.table
    ratio = fit.ratio
    with pytest.warns(DeprecationWarning, match=f"now returns a {name}; use .table") as caught:
        column = fit[ratio]
    assert caught[0].filename == __file__  # attributed to the caller, not to cartkit
    pd.testing.assert_series_equal(column, table[ratio])
    with pytest.warns(DeprecationWarning):
        assert list(fit.columns) == old
    with pytest.warns(DeprecationWarning):
        assert len(fit) == len(table)
    with pytest.warns(DeprecationWarning):
        assert list(fit) == old
    with pytest.warns(DeprecationWarning):
        assert "coef" in fit
    with pytest.warns(DeprecationWarning):
        assert fit.loc[1, "coef"] == table.loc[1, "coef"]
    with pytest.warns(DeprecationWarning):
        assert fit.iloc[0]["p_value"] == table["p_value"].iloc[0]
    with pytest.warns(DeprecationWarning):
        indexed = fit.set_index("term")
    assert indexed.loc["x", ratio] == table.set_index("term").loc["x", ratio]
    with pytest.warns(DeprecationWarning):
        assert fit.coef.tolist() == table["coef"].tolist()  # a column as an attribute
    with pytest.warns(DeprecationWarning):
        attrs = dict(fit.attrs)
    assert attrs["n"] == fit.n and attrs["n_events"] == fit.n_events
    assert attrs["n_excluded"] == 1 and attrs["converged"] is True
    assert attrs["loglik"] == fit.loglik
    # old code that adds a column reads it back; the new table is not touched
    with pytest.warns(DeprecationWarning):
        fit["flag"] = fit["p_value"] < 0.05
    with pytest.warns(DeprecationWarning):
        assert fit["flag"].dtype == bool
    assert "flag" not in table.columns


def test_old_attrs_of_logistic_and_fine_gray(fits):
    with pytest.warns(DeprecationWarning):
        attrs = fits["logistic"].attrs
    assert (attrs["method"], attrs["ci"], attrs["separation"]) == ("ml", "wald", [])
    assert attrs["conf_level"] == 0.95
    with pytest.warns(DeprecationWarning):
        attrs = fits["fine_gray"].attrs
    assert attrs["cause"] == 1 and attrs["iterations"] == fits["fine_gray"].details["iterations"]


def test_unknown_attribute_is_an_attribute_error_without_warning(fits):
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        with pytest.raises(AttributeError, match="no_such_thing"):
            _ = fits["logistic"].no_such_thing
        assert not hasattr(fits["logistic"], "_private")
        assert not hasattr(fits["cox"], "attrs")  # Cox never was a DataFrame


def test_forest_figure_takes_a_fit_and_its_level(data):
    from cartkit.report.figures.forest import forest_figure

    fit = ck.logistic(data, outcome="y", covariates=["x", "g"], conf_level=0.9)
    fig = quiet(lambda: forest_figure(fit, estimate="estimate", label="Odds ratio"))
    assert any(t.get_text() == "Estimate (90% CI)" for t in fig.texts)


# Gray's test


@pytest.fixture(scope="module")
def gray(data):
    return ck.gray_test(data, time="t", event="cause", group="g")


def test_gray_test_is_a_test_per_cause(gray, data):
    assert isinstance(gray, GrayTests) and gray.causes == (1, 2)
    for cause in (1, 2):
        test = quiet(lambda c=cause: gray[c])
        assert isinstance(test, Test) and test.test == "Gray"
        assert test is gray.tests[cause]
        assert test.dof == 1.0 and test.n == len(data)
        assert test.p_value == pytest.approx(stats.chi2.sf(test.statistic, 1), rel=1e-12)
        assert test.details["cause"] == cause
        assert test.details["n_events"] == int((data["cause"] == cause).sum())
        assert test.details["groups"] == ("a", "b") and test.details["rho"] == 0.0
    table = quiet(lambda: gray.table)
    assert list(table.columns) == ["cause", "statistic", "dof", "p_value"]
    assert table["p_value"].tolist() == [gray[1].p_value, gray[2].p_value]
    with pytest.raises(KeyError, match="cause 3"):
        quiet(lambda: gray[3])
    back = quiet(lambda: pickle.loads(pickle.dumps(gray)))
    assert back[1].statistic == gray[1].statistic
    assert quiet(lambda: repr(gray)).startswith("GrayTests(causes=(1, 2))")


def test_gray_test_old_dataframe_access_warns_and_gives_the_old_values(gray):
    table = gray.table
    with pytest.warns(DeprecationWarning, match="now returns a GrayTests") as caught:
        p = gray["p_value"]
    assert caught[0].filename == __file__
    assert p.tolist() == table["p_value"].tolist()
    with pytest.warns(DeprecationWarning):
        assert gray.set_index("cause").loc[2, "statistic"] == gray[2].statistic
    with pytest.warns(DeprecationWarning):
        assert gray.iloc[0]["dof"] == 1.0
    with pytest.warns(DeprecationWarning):
        rows = [(int(r["cause"]), r["p_value"]) for _, r in gray.iterrows()]
    assert rows == [(1, gray[1].p_value), (2, gray[2].p_value)]
    with pytest.warns(DeprecationWarning):
        assert list(gray) == ["cause", "statistic", "dof", "p_value"]
    with pytest.warns(DeprecationWarning):
        assert len(gray) == 2
    with pytest.warns(DeprecationWarning):
        assert gray[gray["cause"] == 2]["p_value"].item() == gray[2].p_value
    with pytest.warns(DeprecationWarning):
        assert gray.cause.tolist() == [1, 2]


def test_cif_gray_test_is_the_same(data, gray):
    cif = ck.cumulative_incidence(data, time="t", event="cause", group="g")
    pd.testing.assert_frame_equal(cif.gray_test().table, gray.table)
