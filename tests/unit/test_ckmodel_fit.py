"""fit_kinetic_model on a small simulated cohort: tables, censoring, predictions, errors."""

import warnings
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

import cartkit as ck
from cartkit.kinetics.popmodel.diagnostics import shrinkage
from cartkit.kinetics.popmodel.fit import fit_with_settings
from cartkit.kinetics.popmodel.saem import Settings

TRUTH = {"cmax": 30000.0, "tmax": 9.0, "rho": 0.8, "alpha": 0.15, "beta": 0.004, "fb": 0.01}
OMEGA = {"cmax": 1.0, "tmax": 0.3, "rho": 0.4, "alpha": 0.5, "beta": 0.5, "fb": 0.7}
DAYS = [0, 4, 7, 10, 14, 21, 28, 84, 182, 273, 378, 728]
QUICK = Settings(n_explore=40, n_smooth=20, n_cond=20, n_is=200, n_rounds=1)
#: shorter than the defaults (which the reference tests use) yet converged on this cohort
MODERATE = Settings(n_explore=150, n_smooth=100, n_cond=100, n_is=1000)


def cohort(n=40, seed=3):
    df = ck.simulate_kinetic_model(n, DAYS, TRUTH, OMEGA, 0.45, lloq=100.0, seed=seed)
    # day 0 is a pre-infusion sample: no transgene yet
    return df.assign(
        copies_per_ug=np.where(df["day"] == 0, 0.0, df["copies_per_ug"]),
        blq=np.where(df["day"] == 0, True, df["blq"]),
    )


@pytest.fixture(scope="module")
def data():
    return cohort()


def quick(df, settings=QUICK, **kw):
    args = dict(
        model="stein2019",
        id="patient_id",
        time="day",
        conc="copies_per_ug",
        dose=None,
        random=None,
        error="log_additive",
        lloq=None,
        covariates=None,
        seed=0,
    )
    args.update(kw)
    with warnings.catch_warnings():
        # so few iterations need not converge: these fits test the mechanics
        warnings.simplefilter("ignore", ck.ConvergenceWarning)
        return fit_with_settings(df, **args, conf_level=0.95, settings=settings)


@pytest.fixture(scope="module")
def fit(data):
    with warnings.catch_warnings():
        warnings.simplefilter("error", ck.ConvergenceWarning)
        return fit_with_settings(
            data,
            "stein2019",
            "patient_id",
            "day",
            "copies_per_ug",
            None,
            None,
            "log_additive",
            None,
            None,
            1,
            conf_level=0.95,
            settings=MODERATE,
        )


def test_tables_have_their_fixed_columns(fit):
    assert list(fit.population.columns) == [
        "parameter",
        "estimate",
        "se",
        "rse",
        "ci_lower",
        "ci_upper",
    ]
    assert list(fit.population["parameter"]) == ["cmax", "tmax", "rho", "alpha", "beta", "fb"]
    assert list(fit.omega.columns) == [
        "parameter",
        "scale",
        "sd",
        "se",
        "rse",
        "ci_lower",
        "ci_upper",
        "shrinkage",
    ]
    assert list(fit.omega["scale"]) == ["log"] * 5 + ["logit"]
    assert list(fit.residual["parameter"]) == ["sigma"]
    assert fit.sigma == fit.residual["estimate"].iloc[0]
    assert fit.covariate_tests.empty and "p_value" in fit.covariate_tests.columns
    assert {"pred", "ipred", "iwres", "cwres", "blq", "observed"} <= set(fit.observations)
    assert set(fit.vpc["statistic"]) == {"p05", "p50", "p95", "blq_fraction"}
    assert fit.trace.shape[0] == MODERATE.n_explore + MODERATE.n_smooth


def test_estimates_are_near_the_truth_with_sensible_intervals(fit):
    pop = fit.population.set_index("parameter")
    truth = pd.Series(TRUTH)
    z = (np.log(pop["estimate"]) - np.log(truth)) / (pop["se"] / pop["estimate"])
    assert (z.abs() < 3.5).all(), z
    assert (pop["ci_lower"] < pop["estimate"]).all() and (pop["estimate"] < pop["ci_upper"]).all()
    assert fit.sigma == pytest.approx(0.45, rel=0.15)


def test_values_below_lloq_are_censored_never_dropped(data, fit):
    after = data[data["day"] > 0]
    assert fit.n_obs == len(after)
    assert fit.n_blq == int(after["blq"].sum()) > 0
    blq_rows = fit.observations[fit.observations["blq"]]
    assert len(blq_rows) == fit.n_blq
    assert blq_rows["observed"].isna().all() and blq_rows["cwres"].isna().all()
    assert any("before infusion" in n for n in fit.notes)
    # the observations' row numbers point back at the input rows
    back = data.iloc[fit.observations["row"]]
    assert (back["day"].to_numpy() == fit.observations["day"].to_numpy()).all()


def test_zero_with_an_lloq_is_censored_and_below_lloq_values_too(data):
    # no blq column: 0 and any value under the LLOQ are censored at the given LLOQ
    df = data.drop(columns=["blq", "lloq"])
    low = df.index[(df["day"] == 28)][:3]
    df.loc[low, "copies_per_ug"] = 50.0
    res = quick(df, lloq=100.0)
    n_zero = int(((df["copies_per_ug"] == 0) & (df["day"] > 0)).sum())
    assert res.n_blq == n_zero + int((df.loc[low, "copies_per_ug"] < 100).sum())
    assert any("below the LLOQ" in n for n in res.notes)


def test_predict_keeps_rows_index_and_order(data, fit):
    sub = data[data["day"] > 0].sample(frac=0.5, random_state=0)
    extra = pd.DataFrame({"patient_id": ["NEW"], "day": [10.0]}, index=[999])
    query = pd.concat([sub[["patient_id", "day"]], extra])
    out = fit.predict(query)
    assert out.shape == (len(query), 4)
    assert list(out.index) == list(query.index)
    assert list(out.columns) == ["patient_id", "day", "pred", "ipred"]
    assert np.isnan(out.loc[999, "ipred"]) and np.isfinite(out.loc[999, "pred"])
    obs = fit.observations.set_index("row")
    rows = data.index.get_indexer(sub.index)
    np.testing.assert_allclose(out["ipred"].iloc[:-1], obs.loc[rows, "ipred"], rtol=1e-10)
    np.testing.assert_allclose(out["pred"].iloc[:-1], obs.loc[rows, "pred"], rtol=1e-10)


def test_individual_parameters_and_shrinkage(fit):
    ind = fit.individual
    assert len(ind) == fit.n_patients == ind["patient_id"].nunique()
    etas = ind[[f"eta_{p}" for p in fit.omega["parameter"]]].to_numpy()
    np.testing.assert_allclose(fit.omega["shrinkage"], shrinkage(etas, fit.omega["sd"]))
    # a patient's parameters are the typical value times exp(eta) (no covariates here)
    typical = fit.population.set_index("parameter")["estimate"]
    np.testing.assert_allclose(ind["cmax"], typical["cmax"] * np.exp(ind["eta_cmax"]))


def test_information_criteria(fit):
    k = 6 + 6 + 1
    assert fit.aic == pytest.approx(-2 * fit.loglik + 2 * k)
    assert fit.bic == pytest.approx(-2 * fit.loglik + k * np.log(fit.n_obs))
    assert 0 < fit.loglik_se < 1.0


def test_conditional_residuals_look_standard_normal(fit):
    cw = fit.observations["cwres"].dropna()
    assert abs(cw.mean()) < 0.25
    assert 0.75 < cw.std() < 1.25


def test_vpc_blq_fraction_is_the_data_fraction(fit):
    v = fit.vpc[fit.vpc["statistic"] == "blq_fraction"]
    obs = fit.observations
    assert v["n"].sum() == len(obs)
    assert (v["observed"] * v["n"]).sum() == pytest.approx(obs["blq"].sum())
    assert ((v["pi_lower"] <= v["simulated"]) & (v["simulated"] <= v["pi_upper"])).all()


def test_curves_cover_every_patient(fit):
    c = fit.curves(n_points=20)
    assert len(c) == 20 * fit.n_patients
    assert (c["ipred"] > 0).all() and (c["pred"] > 0).all()


def test_same_data_and_seed_give_identical_numbers(data):
    a, b = quick(data, seed=7), quick(data, seed=7)
    pd.testing.assert_frame_equal(a.population, b.population)
    pd.testing.assert_frame_equal(a.observations, b.observations)
    pd.testing.assert_frame_equal(a.vpc, b.vpc)
    assert a.loglik == b.loglik
    assert quick(data, seed=8).loglik != a.loglik


def test_covariate_effect_estimate_and_likelihood_ratio_test():
    df = cohort(40, seed=11)
    pid = df["patient_id"].unique()
    group = pd.Series(np.arange(pid.size) % 2 == 0, index=pid)
    # the group has 4-fold higher expansion
    df["high"] = df["patient_id"].map(group)
    df.loc[df["high"], "copies_per_ug"] *= 4.0
    res = quick(df, covariates={"cmax": ["high"]})
    row = res.covariate_tests.iloc[0]
    assert (row["parameter"], row["term"]) == ("cmax", "high")
    assert row["ci_lower"] < np.log(4.0) < row["ci_upper"]
    assert row["p_value"] < 0.01 and row["statistic"] > 0 and row["dof"] == 1
    assert row["fold_change"] == pytest.approx(np.exp(row["estimate"]))
    ind = res.individual.set_index("patient_id")
    typical = res.population.set_index("parameter")["estimate"]["cmax"]
    high = group[ind.index].to_numpy()
    np.testing.assert_allclose(
        ind["cmax"], typical * np.exp(row["estimate"] * high + ind["eta_cmax"]), rtol=1e-10
    )


@pytest.mark.parametrize("error", ["proportional", "combined", "additive"])
def test_other_error_models_fit_and_report_their_sds(error):
    df = ck.simulate_kinetic_model(
        30,
        [0.5, 1, 2, 4, 8, 12, 24],
        {"ka": 1.5, "cl": 0.04, "v": 0.45},
        {"ka": 0.5, "cl": 0.3},
        [0.2, 0.1] if error == "combined" else 0.15,
        model="one_compartment_oral",
        error=error,
        dose=4.0,
        lloq=0.1,
        seed=4,
    )
    res = quick(df, model="one_compartment_oral", dose="dose", error=error, random=["ka", "cl"])
    names = ["sigma_add", "sigma_prop"] if error == "combined" else ["sigma"]
    assert list(res.residual["parameter"]) == names
    assert np.isfinite(res.population["estimate"]).all() and res.sigma > 0
    assert res.n_blq == int(df["blq"].sum())


def test_proportional_error_refuses_values_where_the_model_is_zero():
    df = pd.read_csv(Path(__file__).parents[1] / "reference" / "theoph_dosed.csv")
    with pytest.raises(ck.DataError, match=r"predicts exactly 0.*combined"):
        ck.fit_kinetic_model(
            df,
            model="one_compartment_oral",
            id="Subject",
            time="Time",
            conc="conc",
            dose="Dose",
            error="proportional",
        )


def test_random_restricts_which_parameters_vary(data):
    res = quick(data, random=["cmax", "alpha"])
    assert list(res.omega["parameter"]) == ["cmax", "alpha"]
    assert "eta_tmax" not in res.individual
    assert res.individual["tmax"].nunique() == 1


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"model": "one_compartment_oral"}, "needs a dose"),
        ({"model": "nope"}, "unknown model"),
        ({"error": "nope"}, "unknown error model"),
        ({"random": ["cmax", "ka"]}, "not parameters"),
        ({"random": []}, "at least one"),
        ({"random": ["cmax"], "covariates": {"tmax": ["x"]}}, "no between-patient"),
        ({"covariates": {"cmax": ["missing_col"]}}, "no column"),
        ({"lloq": -1.0}, "positive"),
    ],
)
def test_errors_say_what_to_fix(data, kwargs, message):
    with pytest.raises(ck.DataError, match=message):
        ck.fit_kinetic_model(data.assign(x=1.0), **kwargs)


def test_a_patient_without_a_quantifiable_value_is_a_clear_error(data):
    df = data.copy()
    p = df["patient_id"] == "S0003"
    df.loc[p, "copies_per_ug"] = 0.0
    df.loc[p, "blq"] = True
    with pytest.raises(ck.DataError, match=r"no quantifiable value.*S0003"):
        ck.fit_kinetic_model(df)


def test_zero_without_any_lloq_cannot_enter_a_log_scale_model(data):
    df = data.drop(columns=["blq", "lloq"])
    with pytest.raises(ck.DataError, match=r"cannot use them"):
        ck.fit_kinetic_model(df)


def test_a_covariate_must_be_constant_within_a_patient(data):
    df = data.assign(x=np.arange(len(data), dtype=float))
    with pytest.raises(ck.DataError, match="one number per patient"):
        ck.fit_kinetic_model(df, covariates={"cmax": ["x"]})


def test_iterations_set_the_saem_iterations_of_the_public_function(data, monkeypatch):
    from dataclasses import replace

    from cartkit.kinetics.popmodel import fit as fit_module

    monkeypatch.setattr(fit_module, "Settings", lambda: QUICK)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ck.ConvergenceWarning)
        got = ck.fit_kinetic_model(data, seed=2, iterations=(30, 10))
        default = ck.fit_kinetic_model(data, seed=2)
    want = quick(data, replace(QUICK, n_explore=30, n_smooth=10), seed=2)
    pd.testing.assert_frame_equal(got.parameter_table(), want.parameter_table(), check_exact=True)
    assert len(got.trace) == 40 and len(default.trace) == 60


@pytest.mark.parametrize("iterations", [(30,), (0, 10), (30.0, 10), "30,10", (True, 10)])
def test_iterations_must_be_two_whole_numbers(data, iterations):
    with pytest.raises(ck.DataError, match=r"iterations must be two whole numbers >= 1"):
        ck.fit_kinetic_model(data, iterations=iterations)
