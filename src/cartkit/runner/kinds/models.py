"""Regression kinds of an analysis plan: Cox models, fixed and screened.

Logistic screening and threshold odds ratios are in :mod:`.logistic` and :mod:`.odds`;
:data:`RUNNERS` lists all four kinds. Every number comes from the library (``ck.cox``,
``ck.screen``); the shared pipeline (:mod:`.regression`) fits the models and names who and what
was left out. :mod:`cartkit.report.sections.models` prints Tables 1A/1B and S2.
"""

from __future__ import annotations

import math
import warnings
from dataclasses import dataclass
from functools import partial

import numpy as np
import pandas as pd

from ...errors import DataError
from ...survival.cox import Cox, cox
from ._pipeline import fit_models, patients_used
from ._survival_common import id_list
from ._terms import INFINITE, estimability, term_table
from ._time_dependent import START, STOP, placeable, split_rows, time_dependent_variables
from .logistic import run_logistic_screening
from .odds import run_threshold_or
from .regression import Family, ModelSpec, RegressionKindResult, regression_result

__all__ = ["RUNNERS", "PatientCox", "run_cox", "run_cox_screening", "time_dependent_cox"]

_TIME, _EVENT = "AVAL", "event"


@dataclass(frozen=True, eq=False)
class PatientCox:
    """A Cox fit on counting-process rows (time-dependent covariates), counted in patients.

    ``ck.cox`` counts the rows it used; a table reports patients. Read like a
    :class:`~cartkit.survival.cox.Cox`: ``table``, ``infinite``, ``n``, ``n_events``,
    ``ph_test()``.

    Attributes
    ----------
    fit : Cox
        The fit on the ``(tstart, tstop]`` rows.
    n, n_events : int
        Patients with a complete row set, and their events.
    time_dependent : tuple of str
        The covariates that change at their day.
    """

    fit: Cox
    n: int
    n_events: int
    time_dependent: tuple[str, ...]

    @property
    def table(self) -> pd.DataFrame:
        """The fit's term table (as ``Cox.table``)."""
        return self.fit.table

    @property
    def infinite(self) -> tuple[str, ...]:
        """The fit's terms whose coefficient runs to infinity (as ``Cox.infinite``)."""
        return self.fit.infinite

    def ph_test(self) -> pd.DataFrame:
        """The proportional-hazards test of the fit (R ``cox.zph``)."""
        return self.fit.ph_test()


def time_dependent_cox(
    df: pd.DataFrame, *, covariates, time: str, event: str, label=str, **options
) -> Cox | PatientCox:
    """``ck.cox`` with each covariate that records an event after time zero time-dependent.

    Such a covariate (the registry's ``event_day``: HSCT after CAR-T, B-cell recovery) is 0
    until its day and 1 from then on: the patients' rows are cut there (R ``tmerge``) and fitted
    as ``coxph(Surv(tstart, tstop, event) ~ ...)``, with the model-based variance, as R's
    time-dependent covariate vignette (a patient's intervals do not overlap, so the partial
    likelihood is the usual one). A model without such a covariate is the plain fit.

    Patients whose switch cannot be placed in time (the event without its day) and patients
    with a time of 0 are left out; a warning (a note of the model) names them.
    """
    covs = [covariates] if isinstance(covariates, str) else list(covariates)
    tdc = time_dependent_variables(covs, df.columns)
    if not tdc:
        return cox(df, covariates=covs, time=time, event=event, **options)
    fixed = [c for c in covs if c not in tdc]
    split = split_rows(df, time=time, event=event, switches=tdc, keep=fixed, drop_unknown=False)
    for var, ids in split.unknown_day.items():
        if len(ids):
            warnings.warn(
                f"{len(ids)} patient(s) with {label(var)} but no day of it are left out "
                f"({id_list(ids)})",
                stacklevel=2,
            )
    if len(split.zero_time):
        warnings.warn(
            f"{len(split.zero_time)} patient(s) with an event or censoring on day 0 have no "
            "interval to split at the day of a time-dependent covariate and are left out "
            f"({id_list(split.zero_time)})",
            stacklevel=2,
        )
    rows = split.rows
    fit = cox(rows, covariates=covs, start=START, time=STOP, event=event, **options)
    complete = rows[[START, STOP, event, *covs]].notna().all(axis=1).to_numpy()
    return PatientCox(
        fit, n=int(rows.loc[complete, "patient_id"].nunique()), n_events=fit.n_events,
        time_dependent=tdc,
    )  # fmt: skip


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
    terms = term_table(model.table, model.n, model.n_events)
    # a coefficient running to infinity has no meaningful HR, CI or p: printed "NE"; so has a
    # term whose interval is unbounded (its SE infinite beside such a term, or too few events)
    return terms.assign(note=estimability(terms, set(model.infinite), INFINITE))


def cox_family(ctx) -> Family:
    """Cox proportional hazards models (``ck.cox``) with the plan's ties and CI level.

    A covariate recording an event after time zero is time-dependent
    (:func:`time_dependent_cox`).
    """
    return Family(
        fit=partial(time_dependent_cox, label=ctx.label),
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


def _result(analysis, data, notes, ctx, **fits) -> RegressionKindResult:
    variables = [*getattr(analysis, "covariates", ()), *getattr(analysis, "candidates", ())]
    models = fits.get("models", ())
    fittable = partial(placeable, time=_TIME)
    return regression_result(
        analysis,
        ratio="hr",
        time_dependent=time_dependent_variables(variables, data.columns),
        notes=notes,
        n=patients_used(data, models, (_TIME, _EVENT), ctx, fittable) if models else len(data),
        n_with_outcome=len(data),
        n_events=int(data[_EVENT].sum()) if len(data) else 0,
        **fits,
    )


def run_cox(analysis, ctx) -> RegressionKindResult:
    """One Cox model with the plan's covariates (Tables 1A/1B) and its forest plot.

    Parameters
    ----------
    analysis : cartkit.plan.schema.CoxModel
        The analysis.
    ctx : cartkit.runner.context.Context
        The datasets.

    Returns
    -------
    RegressionKindResult
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


def run_cox_screening(analysis, ctx) -> RegressionKindResult:
    """Univariate Cox of each candidate and the model of those with p < threshold (S2, 1A/B).

    Parameters
    ----------
    analysis : cartkit.plan.schema.CoxScreening
        The analysis.
    ctx : cartkit.runner.context.Context
        The datasets.

    Returns
    -------
    RegressionKindResult
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
