"""The ``kinetic_model`` kind: the population kinetic model as a report section.

The section's numbers must be those of ``ck.fit_kinetic_model`` called directly on the same
patients with the same settings; the runner says who it left out and why; the figures draw
from the result and pickle. The estimator runs with few iterations here (its own tests check
its numbers): these tests check the plumbing, the text a reader sees and the notes.
"""

import dataclasses
import pickle
import warnings

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
import pytest
from matplotlib.figure import Figure
from tests.present import run_and_present

import cartkit as ck
from cartkit.errors import DataError
from cartkit.kinetics.popmodel import fit as fit_module
from cartkit.kinetics.popmodel.saem import Settings
from cartkit.plan.default import default_plan
from cartkit.report.sections import Show, present
from cartkit.runner.context import build_context
from cartkit.runner.kinds.kinetic_model import (
    COVARIATE_COLUMNS,
    PARAMETER_COLUMNS,
    RUNNERS,
    KineticModelRunResult,
    run_kinetic_model,
)
from cartkit.study import Study

QUICK = Settings(n_explore=40, n_smooth=20, n_cond=30, n_is=300, n_rounds=1)
COVARIATES = ["crs_grade3plus", "no_mrd_negative_cr_d28"]


@pytest.fixture(scope="module", autouse=True)
def quick():
    # every fit of this module, the runner's and the direct ones, with the same short settings
    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(fit_module, "Settings", lambda: QUICK)
        yield


@pytest.fixture(autouse=True)
def _close():
    yield
    plt.close("all")


@pytest.fixture(scope="module")
def study():
    return ck.simulate_study(50, seed=0)


@pytest.fixture(scope="module")
def ctx(study):
    return build_context(study, default_plan())


def analysis(**changes):
    # the default plan's analysis, with fewer iterations
    return dataclasses.replace(default_plan().get("kinetic_model"), iterations=(40, 20), **changes)


def run(spec, ctx):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ck.ConvergenceWarning)
        return run_and_present(run_kinetic_model, spec, ctx)


@pytest.fixture(scope="module")
def out(ctx):
    return run(analysis(), ctx)


@pytest.fixture(scope="module")
def direct(ctx):
    """``ck.fit_kinetic_model`` on the kinetics table joined to the covariates by hand."""
    pats = ctx.patients[["patient_id", *COVARIATES]].dropna()
    pats = pats.astype({c: float for c in COVARIATES})
    kin = ctx.tables["kinetics"].merge(pats, on="patient_id")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ck.ConvergenceWarning)
        return ck.fit_kinetic_model(
            kin, lloq=100.0, covariates={"cmax": COVARIATES}, seed=0, iterations=(40, 20)
        )


def test_registry():
    assert RUNNERS == {"kinetic_model": run_kinetic_model}


def test_numbers_equal_fit_kinetic_model_called_directly(out, direct):
    params, covs = out.tables
    assert isinstance(out.result, KineticModelRunResult)
    assert (params.id, covs.id) == ("kinetic_model", "kinetic_model_covariates")
    assert params.title == "Cellular kinetic model: parameters"
    assert list(params.data.columns) == list(PARAMETER_COLUMNS)
    want = direct.parameter_table()
    pd.testing.assert_frame_equal(params.data[list(want.columns)], want, check_exact=True)
    omega = direct.omega.set_index("parameter")
    np.testing.assert_array_equal(
        params.data["iiv_ci_lower"].iloc[:6], omega["ci_lower"].reindex(direct.parameters)
    )
    assert list(covs.data.columns) == list(COVARIATE_COLUMNS)
    tests = direct.covariate_tests
    for col in ("estimate", "se", "ci_lower", "ci_upper", "fold_change", "statistic", "p_value"):
        np.testing.assert_array_equal(covs.data[col], tests[col], err_msg=col)
    np.testing.assert_array_equal(covs.data["fold_ci_upper"], np.exp(tests["ci_upper"]))
    assert covs.data["n"].tolist() == [49, 49] and covs.data["n_level"].tolist() == [11.0, 3.0]
    assert out.n == direct.n_patients == 49
    pd.testing.assert_frame_equal(out.result.fit.observations, direct.observations)


def test_notes_say_who_is_left_out_and_why(out):
    assert out.notes[:2] == [
        "1 patient(s) not in the model: Day-28 MRD-negative CR/CRi unknown (P012)",
        "49 sample(s) at or before time 0 (before infusion) left out",
    ]


def test_parameter_table_as_printed(out, direct):
    params = out.tables[0]
    shown = params.display
    assert list(shown.columns) == [
        "Parameter",
        "Typical value (95% CI)",
        "RSE, %",
        "IIV, SD of the log parameter (RSE, %)",
        "Shrinkage, %",
    ]
    assert shown["Parameter"].tolist() == [
        "Cmax, copies/µg DNA",
        "Tmax, days",
        "ρ, expansion rate, /day",
        "α, contraction rate, /day",
        "β, persistence rate, /day",
        "FB, persisting fraction",
        "σ, residual SD (log scale)",
    ]
    t = direct.parameter_table().set_index("parameter")
    tmax = shown.iloc[1]
    assert tmax["Typical value (95% CI)"] == (
        f"{t.loc['tmax', 'estimate']:.3g} ({t.loc['tmax', 'ci_lower']:.3g}–"
        f"{t.loc['tmax', 'ci_upper']:.3g})"
    )
    assert tmax["RSE, %"] == f"{t.loc['tmax', 'rse']:.1f}"
    assert tmax["Shrinkage, %"] == f"{100 * t.loc['tmax', 'shrinkage']:.0f}"
    fb = shown.iloc[5]["IIV, SD of the log parameter (RSE, %)"]
    assert fb == f"{t.loc['fb', 'iiv_sd']:.3g} ({t.loc['fb', 'iiv_rse']:.1f}), logit scale"
    sigma = shown.iloc[6]
    assert sigma["IIV, SD of the log parameter (RSE, %)"] == sigma["Shrinkage, %"] == ""


def test_parameter_footnotes_name_model_estimator_m3_error_and_reference(out, direct):
    notes = out.tables[0].footnotes
    assert notes[0].startswith("Population (nonlinear mixed-effects) model of the CAR transgene")
    assert "(Stein et al. 2019)" in notes[0]
    assert notes[1].startswith(
        "Estimated by SAEM (Kuhn & Lavielle 2005; the algorithm of Monolix; 40 exploratory and "
        "20 smoothing iterations)"
    )
    assert notes[2].startswith("Values below the LLOQ enter the likelihood as censored")
    assert "(Beal's M3)" in notes[2]
    assert notes[3] == (
        "Residual error additive on the log scale: log C = log f + ε, ε ~ N(0, σ²)."
    )
    assert notes[5] == (
        "Typical values are those of a patient with CRS grade 0–2 and MRD-negative CR/CRi (see the "
        "covariate effects)."
    )
    assert notes[6].startswith(
        f"49 patients, {direct.n_obs} samples after infusion ({direct.n_blq} below the LLOQ); "
        f"−2 log-likelihood {-2 * direct.loglik:,.1f}"
    )
    abbr = out.tables[0].abbreviations
    for term in ("IIV, inter-individual", "RSE, relative standard error", "SAEM, stochastic"):
        assert term in abbr


def test_covariate_table_as_printed(out, direct):
    covs = out.tables[1]
    assert covs.title == "Cellular kinetic model: covariate effects"
    shown = covs.display
    assert shown["Covariate (patients)"].tolist() == [
        "CRS grade ≥ 3 (11) vs CRS grade 0–2 (38)",
        "No MRD-negative CR/CRi (3) vs MRD-negative CR/CRi (46)",
    ]
    assert shown["Parameter"].tolist() == ["Cmax", "Cmax"]
    t = direct.covariate_tests.iloc[1]
    assert shown["p (LRT)"].iloc[1] == ("<0.001" if t["p_value"] < 0.001 else f"{t.p_value:.3f}")
    assert shown["Coefficient (SE)"].iloc[1] == f"{t['estimate']:.2f} ({t['se']:.2f})"
    assert any(f.startswith("p by the likelihood-ratio test (1 degree") for f in covs.footnotes)
    assert covs.footnotes[-1] == (
        "Patients in the model: 49; in parentheses, the patients at each level."
    )


def test_a_fit_that_did_not_converge_or_has_no_precision_does_not_print_as_precise(out, ctx):
    # as the review's s40: rho's IIV collapsed to ~0 (shrinkage 100%), its SE ~0, the fit and
    # one reduced model not converged, whose LRT printed ">0.999" against a Wald p of 0.27
    result = out.result
    aid = result.analysis.id
    params = result.data[aid].copy()
    rho = params["parameter"] == "rho"
    params.loc[rho, ["se", "rse", "shrinkage"]] = [1.7e-4, 0.02, 0.999]
    est = params.loc[rho, "estimate"].iloc[0]
    params.loc[rho, ["ci_lower", "ci_upper"]] = [est * 0.9996, est * 1.0004]
    params.loc[params["parameter"] == "beta", "se"] = np.nan
    covs = result.data[f"{aid}_covariates"].copy()
    assert covs["lrt_converged"].tolist() == [True, True]
    covs["lrt_converged"] = [False, True]
    covs.loc[0, ["p_value", "wald_p_value"]] = [1.0, 0.266]
    fit = dataclasses.replace(result.fit, converged=False, reduced_converged=(False, True))
    broken = dataclasses.replace(result, fit=fit, data={aid: params, f"{aid}_covariates": covs})
    section = present(broken, Show(ctx.names, ctx.settings))
    table, effects = section.tables
    shown = table.display.set_index("Parameter")
    rho_row = shown.loc["ρ, expansion rate, /day"]
    assert rho_row["Typical value (95% CI)"] == f"{est:.3g} (–)"
    assert rho_row["RSE, %"] == "–ᵃ"
    assert shown.loc["β, persistence rate, /day", "RSE, %"] == "–ᵃ"
    assert shown.loc["Tmax, days", "RSE, %"] != "–ᵃ"
    assert table.title.endswith(": parameters (the fit did not converge)")
    assert table.footnotes[0].startswith("The fit did not converge:")
    assert table.footnotes[1].startswith("ᵃ No CI or RSE for ρ, β: the standard error is 0 or")
    assert table.footnotes[1].endswith(
        "; the between-patient SD of ρ is at its boundary, about 0 (shrinkage near 100%)."
    )
    assert effects.title.endswith("(the fit did not converge)")
    assert effects.display["p (LRT)"].iloc[0] == ">0.999ᵃ"
    assert not effects.display["p (LRT)"].iloc[1].endswith("ᵃ")
    assert effects.footnotes[-2].startswith("ᵃ Not reliable:")
    assert effects.footnotes[-2].endswith("(CRS grade ≥ 3, Wald p 0.266).")


def test_figures_draw_from_the_result_and_pickle(out):
    ids = [f.id for f in out.figures]
    assert ids == [
        "kinetic_model_gof",
        "kinetic_model_cwres",
        "kinetic_model_vpc",
        "kinetic_model_individual",
    ]
    for spec in out.figures:
        fig = pickle.loads(pickle.dumps(spec.draw))()
        assert isinstance(fig, Figure), spec.id
    obs = out.result.fit.observations
    gof = out.figures[0].draw()
    quantified = int((~obs["blq"]).sum())
    drawn = [a for ax in gof.axes for a in ax.collections if a.get_gid() == "ipred"]
    assert len(drawn[0].get_offsets()) == quantified
    assert "16 of the 49 patients, drawn at random" in out.figures[3].caption
    assert out.figures[0].caption.endswith(
        "IPRED, individual prediction; LLOQ, lower limit of quantification; PRED, population "
        "prediction."
    )


def _with_kinetics(study, kinetics):
    return Study(tables={**study.tables, "kinetics": kinetics}, metadata=dict(study.metadata))


def test_patients_without_samples_or_without_a_quantified_value_are_left_out(study):
    kin = study.tables["kinetics"]
    flat = kin["patient_id"] == "P005"
    kin = kin.assign(
        copies_per_ug=np.where(flat, 0.0, kin["copies_per_ug"]),
        blq=np.where(flat, True, kin["blq"]),
    )
    kin = kin[kin["patient_id"] != "P007"]
    ctx = build_context(_with_kinetics(study, kin), default_plan())
    got = run(analysis(covariates=()), ctx)
    assert got.notes[:2] == [
        "1 patient(s) without kinetics samples are not in the model: P007",
        "1 patient(s) with no value above the LLOQ after infusion are not in the model (no "
        "expansion to describe; counted as non-expanders): P005",
    ]
    assert got.n == 48 and len(got.tables) == 1
    assert "P005" not in set(got.result.fit.individual["patient_id"])
    assert not any(f.startswith("Typical values are those") for f in got.tables[0].footnotes)


def test_above_max_patients_a_seeded_random_sample_is_fitted_and_said(ctx):
    got = run(analysis(covariates=(), max_patients=20), ctx)
    fitted = sorted(set(got.result.fit.individual["patient_id"]))
    assert got.n == 20 and len(fitted) == 20
    assert (
        "fitted to a simple random sample of 20 of the 50 eligible patients (the plan's "
        "max_patients = 20, drawn with seed 0): the population estimates and their intervals "
        "are those of the sample; set max_patients to 50 or more to fit every eligible patient"
        in got.notes
    )
    # the same plan draws the same patients; another seed other ones
    again = run(analysis(covariates=(), max_patients=20), ctx)
    assert sorted(set(again.result.fit.individual["patient_id"])) == fitted
    other = run(analysis(covariates=(), max_patients=20, seed=1), ctx)
    assert sorted(set(other.result.fit.individual["patient_id"])) != fitted
    # at or above the eligible count nobody is left out and nothing is said
    whole = run(analysis(covariates=(), max_patients=50), ctx)
    assert whole.n == 50 and not any("random sample" in n for n in whole.notes)


def test_a_covariate_with_one_value_is_not_estimated(ctx):
    pats = ctx.patients.assign(crs_grade3plus=pd.array([False] * len(ctx.patients)))
    one = dataclasses.replace(ctx, patients=pats)
    got = run(analysis(covariates=(("cmax", ("crs_grade3plus",)),)), one)
    assert (
        "CRS grade ≥ 3 takes one value among the patients of the model; its effect is not "
        "estimated" in got.notes
    )
    assert len(got.tables) == 1


def test_a_covariate_that_is_text_is_refused(ctx):
    with pytest.raises(DataError, match=r"Sex \('sex'\) is neither a number nor yes/no"):
        run_kinetic_model(analysis(covariates=(("cmax", ("sex",)),)), ctx)


def test_no_kinetics_table_is_a_clear_error(ctx):
    with pytest.raises(DataError, match="the study has no kinetics table"):
        run_kinetic_model(analysis(), dataclasses.replace(ctx, kinetics=None))


@pytest.mark.parametrize(
    ("x", "text"),
    [
        (50760.3, "50,800"),
        (9.357, "9.36"),
        (0.0102, "0.0102"),
        (9.996, "10.0"),
        (99960.0, "100,000"),
        (-0.6949, "-0.695"),
        (1.0, "1.00"),
        (0.0, "0"),
        (float("nan"), "–"),
    ],
)
def test_model_parameters_print_with_three_significant_digits(x, text):
    from cartkit.report.format import fmt_sig, fmt_sig_ci

    assert fmt_sig(x) == text
    assert fmt_sig_ci(0.824, 0.737, 0.921) == "0.824 (0.737–0.921)"


def test_gof_keeps_its_axes_to_the_data_and_marks_far_lower_predictions(out):
    # a persisting patient's late population predictions are decades below any value: the
    # axes would otherwise span 1e-20 to 1e6 and squeeze every point into a corner
    q = out.result.fit.observations.query("~blq")
    ax = out.figures[0].draw().axes[0]
    lo = ax.get_xlim()[0]
    assert lo == pytest.approx(q["observed"].min() / 10)
    n = int((q["pred"] < lo).sum())
    assert n > 0
    (marks,) = [c for c in ax.collections if c.get_gid() == "pred_below"]
    np.testing.assert_allclose(marks.get_offsets()[:, 0], lo)
    assert len(marks.get_offsets()) == n
    assert [t.get_text() for t in ax.texts] == [f"{n} PRED < {lo:.2g}: ◀ at the edge"]


def test_run_plan_fits_the_model_in_a_worker_with_the_same_numbers_in_its_place(study):
    import multiprocessing
    from concurrent.futures import ProcessPoolExecutor

    from cartkit.runner.runner import run_plan, starters

    assert set(starters()) == {"kinetic_model"}
    full = default_plan()
    first, last = full.analyses[0], full.get("bca_summary")
    plan = dataclasses.replace(full, analyses=(first, analysis(), last), headline=())
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ck.ConvergenceWarning)
        here = run_plan(study, plan)
        # forked after the QUICK settings are in place, so the worker fits as this process
        fork = multiprocessing.get_context("fork")
        # two workers: the refits of the two likelihood-ratio tests run at the same time
        with ProcessPoolExecutor(2, mp_context=fork) as pool:
            there = run_plan(study, plan, submit=pool.submit)
    assert [r.id for r in there.results] == [first.id, "kinetic_model", last.id]
    a, b = here.results[1], there.results[1]
    assert b.fit.covariate_tests["p_value"].notna().all()
    assert len(b.fit.reduced_converged) == 2
    assert b.notes == a.notes and b.n == a.n == 49
    for name, frame in a.data.items():
        pd.testing.assert_frame_equal(b.data[name], frame, check_exact=True)
    pd.testing.assert_frame_equal(b.curves, a.curves, check_exact=True)


def test_a_model_that_cannot_start_is_not_run_with_its_reason(study):
    from cartkit.runner.runner import run_plan

    text = analysis(covariates=(("cmax", ("sex",)),))
    plan = dataclasses.replace(default_plan(), analyses=(text,), headline=())
    calls = []

    def submit(function, *args):
        calls.append(function)
        raise AssertionError("nothing to fit: never submitted")

    (result,) = run_plan(study, plan, submit=submit).results
    assert not calls
    assert result.notes[0].startswith("Not run: covariate Sex ('sex') is neither a number")


def test_what_starting_warns_or_raises_becomes_the_result_notes():
    from cartkit.runner.results import KindResult
    from cartkit.runner.runner import _start

    spec = analysis()

    def warns(a, _ctx, _submit):
        warnings.warn("two samples share a day", UserWarning, stacklevel=2)
        return lambda: KindResult(analysis=a, notes=("fitted",))

    def fails(_a, _ctx, _submit):
        raise DataError("no patient has a value above the LLOQ")

    collect = _start(warns, spec, None, None)
    assert collect().notes == ("fitted", "UserWarning: two samples share a day")
    failed = _start(fails, spec, None, None)()
    assert failed.notes == ("Not run: no patient has a value above the LLOQ",)
