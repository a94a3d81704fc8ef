"""Regression kinds of an analysis plan: Cox models, fixed and screened.

Logistic screening and threshold odds ratios are in :mod:`.logistic` and :mod:`.odds`;
:data:`RUNNERS` lists all four kinds. Every number comes from the library (``ck.cox``,
``ck.screen``); the shared pipeline (:mod:`.regression`) fits the models and names who and what
was left out. :mod:`cartkit.report.sections.models` prints Tables 1A/1B and S2.
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd

from ...errors import DataError
from ...survival.cox import cox
from ._pipeline import fit_models, patients_used
from ._terms import INFINITE, term_table
from .logistic import run_logistic_screening
from .odds import run_threshold_or
from .regression import Family, ModelSpec, RegressionResult, regression_result

__all__ = ["RUNNERS", "run_cox", "run_cox_screening"]

_TIME, _EVENT = "AVAL", "event"


def _endpoint_data(analysis, ctx) -> tuple[pd.DataFrame, list[str]]:
    """The endpoint's rows in the population, and notes on patients who are not in them."""
    patients, notes = ctx.population(analysis.population)
    data = ctx.endpoint(analysis.endpoint, analysis.population)
    lacking = len(patients) - len(data)
    if lacking:
        notes.append(
            f"{lacking} patient(s) of the population have no {analysis.endpoint} record "
            "(time to event) and are not analysed."
        )
    return data, notes


def _has_events(data: pd.DataFrame, analysis, notes: list[str]) -> bool:
    """Whether a Cox model can be fitted at all; if not, a note says why."""
    if data.empty:
        notes.append(f"No patient with a {analysis.endpoint} record: no Cox model.")
        return False
    if not data[_EVENT].any():
        notes.append(
            f"No {analysis.endpoint} event among the {len(data)} patients: no Cox model "
            "(a hazard ratio needs at least one event)."
        )
        return False
    return True


def p_text(p: float) -> str:
    """``p = 0.012``, ``p < 0.001`` or ``p > 0.999`` for a note.

    The rule of :func:`cartkit.report.format.p_phrase` (a test keeps the two equal): the runner
    writes its notes without importing the report.
    """
    if p is None or math.isnan(float(p)):
        return "p = –"
    if p < 0.001:
        return "p < 0.001"
    if p > 0.999:
        return "p > 0.999"
    return f"p = {float(p):.3f}"


def _ph_check(model, what: str, notes: list[str], *, ctx) -> dict[str, float]:
    """The global proportional-hazards test (R ``cox.zph``); a note per term that may fail it."""
    try:
        ph = model.ph_test()
    except (DataError, ValueError, np.linalg.LinAlgError) as err:
        notes.append(f"{what}: the proportional-hazards test could not be computed ({err}).")
        return {}
    for _, row in ph[ph["term"] != "GLOBAL"].iterrows():
        if row["p_value"] < ctx.settings.alpha:
            notes.append(
                f"{what}: proportional hazards may not hold for {ctx.label(row['term'])} "
                f"(scaled Schoenfeld residuals, {p_text(row['p_value'])})."
            )
    return {"ph_global_p": float(ph[ph["term"] == "GLOBAL"]["p_value"].iloc[0])}


def _cox_terms(model) -> pd.DataFrame:
    terms = term_table(model.table, "hr", model.n, model.n_events)
    # a coefficient running to infinity has no meaningful HR, CI or p: printed "NE"
    return terms.assign(note=[INFINITE if t in model.infinite else "" for t in terms["term"]])


def cox_family(ctx) -> Family:
    """Cox proportional hazards models (``ck.cox``) with the plan's ties and CI level."""
    return Family(
        fit=cox,
        ratio="hr",
        required=(_TIME, _EVENT),
        options={
            "time": _TIME,
            "event": _EVENT,
            "ties": ctx.settings.cox_ties,
            "conf_level": ctx.settings.conf_level,
        },
        word="Cox",
        terms=_cox_terms,
        counts=lambda model: (model.n, model.n_events),
        check=lambda model, what, notes: _ph_check(model, what, notes, ctx=ctx),
    )


def _result(analysis, data, notes, ctx, **fits) -> RegressionResult:
    models = fits.get("models", ())
    return regression_result(
        analysis,
        ratio="hr",
        notes=notes,
        n=patients_used(data, models, (_TIME, _EVENT), ctx) if models else len(data),
        n_with_outcome=len(data),
        n_events=int(data[_EVENT].sum()) if len(data) else 0,
        **fits,
    )


def run_cox(analysis, ctx) -> RegressionResult:
    """One Cox model with the plan's covariates (Tables 1A/1B) and its forest plot.

    Parameters
    ----------
    analysis : cartkit.plan.schema.CoxModel
        The analysis.
    ctx : cartkit.runner.context.Context
        The datasets.

    Returns
    -------
    RegressionResult
        One unnamed model (covariates that cannot be estimated are rows with a reason); no
        table when no model could be fitted (the notes say why).
    """
    data, notes = _endpoint_data(analysis, ctx)
    if not _has_events(data, analysis, notes):
        return _result(analysis, data, notes, ctx, models=(), rows=())
    model = ModelSpec(
        name="",
        what=f"Cox model of {analysis.endpoint}",
        forest_id=f"{analysis.id}_forest",
        forest_title=f"{analysis.title}: hazard ratios",
        covariates=tuple(analysis.covariates),
    )
    models, rows = fit_models(data, ctx, cox_family(ctx), notes=notes, fixed=[model])
    return _result(analysis, data, notes, ctx, models=models, rows=rows)


def run_cox_screening(analysis, ctx) -> RegressionResult:
    """Univariate Cox of each candidate and the model of those with p < threshold (S2, 1A/B).

    Parameters
    ----------
    analysis : cartkit.plan.schema.CoxScreening
        The analysis.
    ctx : cartkit.runner.context.Context
        The datasets.

    Returns
    -------
    RegressionResult
        The univariate models and the multivariable one (when a candidate was selected and
        the model could be fitted).
    """
    data, notes = _endpoint_data(analysis, ctx)
    if not _has_events(data, analysis, notes):
        return _result(analysis, data, notes, ctx, models=(), rows=())
    threshold = (
        ctx.settings.screening_threshold if analysis.threshold is None else analysis.threshold
    )
    multivariable = ModelSpec(
        name="Multivariable",
        what=f"Multivariable Cox model of {analysis.endpoint}",
        forest_id=f"{analysis.id}_forest",
        forest_title=f"{analysis.title}: multivariable hazard ratios",
        noun="multivariable model",
        failed="Multivariable Cox model of {covariates} not fitted ({error}).",
    )
    models, rows = fit_models(
        data,
        ctx,
        cox_family(ctx),
        notes=notes,
        candidates=analysis.candidates,
        threshold=threshold,
        screened=multivariable,
    )
    return _result(analysis, data, notes, ctx, models=models, rows=rows, threshold=threshold)


RUNNERS = {
    "cox": run_cox,
    "cox_screening": run_cox_screening,
    "logistic_screening": run_logistic_screening,
    "threshold_or": run_threshold_or,
}
