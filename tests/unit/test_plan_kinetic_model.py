"""The ``kinetic_model`` kind in a plan: its keys, strict validation, what it needs to run."""

import pytest

from cartkit.kinetics.popmodel import MODELS
from cartkit.kinetics.popmodel.residual import ERRORS
from cartkit.plan.default import default_plan
from cartkit.plan.kinds import KINETIC_ERRORS, STEIN_PARAMETERS
from cartkit.plan.plan import load_plan, plan_to_toml
from cartkit.plan.requirements import OPTIONAL_TABLES, plan_gaps
from cartkit.plan.schema import PlanError, PopulationKineticModel
from cartkit.runner.runner import _without

ALL = ("patients", "events", *OPTIONAL_TABLES)

PLAN = """name = "ck"

[[analyses]]
id = "ck"
kind = "kinetic_model"
title = "Cellular kinetic model"
covariates = { cmax = ["prior_hsct"], beta = ["age_years"] }
seed = 3
"""


def _problems(text):
    with pytest.raises(PlanError) as err:
        load_plan(text)
    return err.value.problems


def test_the_plan_vocabulary_is_the_estimators():
    # kept in the plan so that reading a plan does not import the estimator
    assert MODELS["stein2019"].parameters == STEIN_PARAMETERS
    assert tuple(ERRORS) == KINETIC_ERRORS


def test_keys_and_defaults():
    (a,) = load_plan(PLAN).analyses
    assert isinstance(a, PopulationKineticModel)
    assert (a.model, a.error, a.random, a.iterations, a.seed) == (
        "stein2019",
        "log_additive",
        None,
        None,
        3,
    )
    assert a.covariates == (("cmax", ("prior_hsct",)), ("beta", ("age_years",)))
    assert a.needs_tables == (("kinetics",),)
    assert a.max_patients == 300


def test_round_trip_keeps_the_covariate_table():
    plan = load_plan(PLAN.replace("seed = 3", 'random = ["cmax", "beta"]\niterations = [20, 10]'))
    text = plan_to_toml(plan)
    assert 'covariates = {cmax = ["prior_hsct"], beta = ["age_years"]}' in text
    assert load_plan(text) == plan


def test_default_plan_runs_one_kinetic_model_after_the_nca_analyses():
    plan = default_plan()
    ids = [a.id for a in plan.analyses]
    a = plan.get("kinetic_model")
    assert ids.index("kinetic_model") == ids.index("persistence_by_mrd_cr") + 1
    assert ids.index("kinetic_model") > ids.index("table3_kinetics_by_subgroup")
    assert a.covariates == (("cmax", ("crs_grade3plus", "no_mrd_negative_cr_d28")),)
    assert (a.iterations, a.seed, a.random) == ((150, 100), 0, None)


def test_an_unknown_covariate_is_refused_with_its_line_and_a_suggestion():
    text = PLAN.replace('["prior_hsct"]', '["prior_hsc"]')
    line = text.splitlines().index(next(x for x in text.splitlines() if "covariates" in x)) + 1
    assert _problems(text) == (
        f"line {line}: analyses[0].covariates.cmax[0]: 'prior_hsc' is not a variable of the "
        "analysis dataset (did you mean 'prior_hsct'?)",
    )


@pytest.mark.parametrize(
    ("old", "new", "problem"),
    [
        (
            "cmax = [",
            "cmx = [",
            "analyses[0].covariates.cmx: 'cmx' is not a parameter of the model; known: cmax, "
            "tmax, rho, alpha, beta, fb (did you mean 'cmax'?)",
        ),
        (
            "seed = 3",
            'random = ["cmax", "tmx"]',
            "analyses[0].random: 'tmx' is not a parameter of the model; known: cmax, tmax, rho, "
            "alpha, beta, fb (did you mean 'tmax'?)",
        ),
        (
            "seed = 3",
            'random = ["cmax", "tmax"]',
            "analyses[0].covariates.beta: 'beta' has no between-patient variability (it is not "
            "in random), so a covariate cannot act on it; add it to random or remove the effect",
        ),
        (
            "seed = 3",
            'error = "exponential"',
            "analyses[0].error: 'exponential' is not allowed; use one of log_additive, additive, "
            "proportional, combined",
        ),
        ("seed = 3", "seed = -1", "analyses[0].seed: must be a whole number >= 0, got -1 (int)"),
        (
            "seed = 3",
            "max_patients = 0",
            "analyses[0].max_patients: must be a whole number >= 1, got 0 (int)",
        ),
        (
            "seed = 3",
            "max_patients = 250.5",
            "analyses[0].max_patients: must be a whole number >= 1, got 250.5 (float)",
        ),
        (
            "seed = 3",
            "iterations = [100]",
            "analyses[0].iterations: must be [exploratory, smoothing] iterations, got [100] (list)",
        ),
        (
            "seed = 3",
            "iterations = [100, 0]",
            "analyses[0].iterations: iterations must be >= 1, got [100, 0]",
        ),
        (
            '{ cmax = ["prior_hsct"], beta = ["age_years"] }',
            '["prior_hsct"]',
            "analyses[0].covariates: must be a table of parameter = [variables], e.g. "
            "{ cmax = [\"crs_grade3plus\"] }, got ['prior_hsct'] (list)",
        ),
        (
            'beta = ["age_years"]',
            "beta = []",
            "analyses[0].covariates.beta: must list at least one name",
        ),
        (
            "seed = 3",
            'model = "one_compartment_oral"',
            "analyses[0].model: 'one_compartment_oral' is not allowed; use one of stein2019",
        ),
    ],
)
def test_strict_validation_with_located_messages(old, new, problem):
    (got,) = _problems(PLAN.replace(old, new))
    assert got.split(": ", 1)[1] == problem


def test_a_study_without_kinetics_cannot_run_it_and_one_without_covariates_runs_without():
    plan = default_plan()
    gaps = {g.analysis_id: g for g in plan_gaps(plan, set(ALL) - {"kinetics"})}
    assert gaps["kinetic_model"].cannot_run == "it needs the kinetics table"
    # without marrow and the CRS tables, every covariate is lost: the model still runs
    gaps = {
        g.analysis_id: g for g in plan_gaps(plan, set(ALL) - {"marrow", "crs", "adverse_events"})
    }
    gap = gaps["kinetic_model"]
    assert gap.cannot_run == ""
    assert gap.without == (
        "crs_grade3plus (needs crs or adverse_events)",
        "no_mrd_negative_cr_d28 (needs marrow)",
    )
    reduced, note = _without(plan.get("kinetic_model"), gap)
    assert reduced.covariates == ()
    assert note.startswith("Runs without crs_grade3plus (needs crs or adverse_events), ")


def test_losing_one_covariate_keeps_the_others():
    plan = default_plan()
    gaps = {g.analysis_id: g for g in plan_gaps(plan, set(ALL) - {"marrow"})}
    reduced, _note = _without(plan.get("kinetic_model"), gaps["kinetic_model"])
    assert reduced.covariates == (("cmax", ("crs_grade3plus",)),)
