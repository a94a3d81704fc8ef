"""Regression kinds of an analysis plan: Cox models, fixed and screened.

Logistic screening and threshold odds ratios are in :mod:`.logistic`; :data:`RUNNERS` lists all
four kinds. Every number comes from the library (``ck.cox``, ``ck.screen``, ``ck.logistic``,
``ck.threshold_odds_ratio``); this module selects the patients, names who was left out and
lays the results out as a journal would (Tables 1A/1B, 2, S2, S4).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from ...derive.time_to_event import DEFAULT_ENDPOINTS
from ...errors import DataError
from ...regression.screening import screen
from ...report.format import p_phrase
from ...report.types import ReportTable
from ...survival.cox import cox
from ..output import Output, table_heading
from ._fits import (
    Recorder,
    fit_fixed,
    missing_note,
    preferred_references,
    screen_failures,
    univariate_terms,
    warning_notes,
)
from ._tables import (
    ModelColumn,
    abbreviations,
    column_labels,
    conf_pct,
    data_table,
    display_table,
    forest,
    term_table,
    unfitted_rows,
)
from .logistic import run_logistic_screening
from .odds import run_threshold_or

__all__ = ["RUNNERS", "run_cox", "run_cox_screening"]

_TIME, _EVENT = "AVAL", "event"
_ENDPOINT_NAMES = {e.paramcd: e.param for e in DEFAULT_ENDPOINTS}
_HR_ABBREVIATIONS = ("CI, confidence interval", "HR, hazard ratio")


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


def _endpoint_name(paramcd: str, *, capital: bool = False) -> str:
    name = _ENDPOINT_NAMES.get(paramcd)
    if not name:
        return paramcd
    first = name[0] if capital else name[0].lower()
    return f"{first}{name[1:]} ({paramcd})"


def _method_footnotes(ctx, pct: str) -> list[str]:
    ties = ctx.settings.cox_ties.capitalize()
    return [
        f"Cox proportional hazards model ({ties} ties); HR with Wald {pct} CI; p by the Wald test.",
        "Continuous variables: HR per 1-unit increase; yes/no variables: HR of yes versus no; "
        "categorical variables: HR of each level versus the reference level.",
    ]


def _ph_footnote(model, ctx, notes: list[str], what: str) -> str | None:
    """The global proportional-hazards test (R ``cox.zph``) of a fitted model, for a footnote."""
    try:
        ph = model.ph_test()
    except (DataError, ValueError, np.linalg.LinAlgError) as err:
        notes.append(f"{what}: the proportional-hazards test could not be computed ({err}).")
        return None
    glob = ph[ph["term"] == "GLOBAL"]["p_value"].iloc[0]
    for _, row in ph[ph["term"] != "GLOBAL"].iterrows():
        if row["p_value"] < ctx.settings.alpha:
            notes.append(
                f"{what}: proportional hazards may not hold for {ctx.label(row['term'])} "
                f"(scaled Schoenfeld residuals, {p_phrase(row['p_value'])})."
            )
    return (
        "Proportional-hazards assumption: global test on scaled Schoenfeld residuals "
        f"(as R cox.zph, Kaplan-Meier time scale), {p_phrase(glob)}."
    )


def _cox_options(ctx) -> dict:
    return {
        "time": _TIME,
        "event": _EVENT,
        "ties": ctx.settings.cox_ties,
        "conf_level": ctx.settings.conf_level,
    }


def _cox_terms(model) -> pd.DataFrame:
    return term_table(model.table, "hr", model.n, model.n_events)


def run_cox(analysis, ctx) -> Output:
    """One Cox model with the plan's covariates (Tables 1A/1B), its table and forest plot.

    Parameters
    ----------
    analysis : cartkit.plan.schema.CoxModel
        The analysis.
    ctx : cartkit.runner.context.Context
        The datasets.

    Returns
    -------
    Output
    """
    data, notes = _endpoint_data(analysis, ctx)
    out = Output(notes=notes, n=len(data))
    if not _has_events(data, analysis, out.notes):
        return out
    what = f"Cox model of {analysis.endpoint}"
    fitted, dropped = fit_fixed(
        data,
        ctx,
        cox,
        list(analysis.covariates),
        required=[_TIME, _EVENT],
        notes=out.notes,
        what=what,
        **_cox_options(ctx),
    )
    if fitted is None:
        return out
    model = fitted.result
    pct = conf_pct(ctx.settings.conf_level)
    terms = _cox_terms(model)
    table_data = data_table([terms, unfitted_rows(dropped)] if dropped else [terms])
    column = ModelColumn("Model", f"HR ({pct} CI)", table_data, tuple(analysis.covariates))
    display, styles = display_table(ctx, analysis.covariates, [column])
    footnotes = [
        f"{_endpoint_name(analysis.endpoint, capital=True)}: {model.n} patients, "
        f"{model.n_events} events.",
        *_method_footnotes(ctx, pct),
    ]
    ph = _ph_footnote(model, ctx, out.notes, what)
    if ph:
        footnotes.append(ph)
    abbr = abbreviations([analysis.title, *display.iloc[:, 0]], _HR_ABBREVIATIONS)
    out.tables.append(
        ReportTable(
            **table_heading(analysis),
            data=table_data,
            display=display,
            row_styles=styles,
            footnotes=tuple(footnotes),
            abbreviations=abbr,
            column_labels=column_labels(pct, "HR", "Wald test"),
        )
    )
    fig = forest(
        ctx,
        terms,
        fig_id=f"{analysis.id}_forest",
        analysis_id=analysis.id,
        title=f"{analysis.title}: hazard ratios",
        ratio="hr",
        caption=(
            f"Hazard ratios with {pct} confidence intervals of the Cox model of "
            f"{_endpoint_name(analysis.endpoint)} ({model.n} patients, {model.n_events} "
            f"events, {ctx.settings.cox_ties.capitalize()} ties); p by the Wald test. "
            "HR, hazard ratio; CI, confidence interval."
        ),
        source=analysis.source,
        notes=out.notes,
    )
    if fig is not None:
        out.figures.append(fig)
    return out


def run_cox_screening(analysis, ctx) -> Output:
    """Univariate Cox of each candidate and the model of those with p < threshold (S2, 1A/B).

    Parameters
    ----------
    analysis : cartkit.plan.schema.CoxScreening
        The analysis.
    ctx : cartkit.runner.context.Context
        The datasets.

    Returns
    -------
    Output
    """
    data, notes = _endpoint_data(analysis, ctx)
    out = Output(notes=notes, n=len(data))
    if not _has_events(data, analysis, out.notes):
        return out
    threshold = (
        ctx.settings.screening_threshold if analysis.threshold is None else analysis.threshold
    )
    candidates = list(analysis.candidates)
    pct = conf_pct(ctx.settings.conf_level)
    rec = Recorder(cox, preferred_references(ctx, candidates), [_TIME, _EVENT])
    try:
        screening = screen(
            data, fit=rec, covariates=candidates, threshold=threshold, **_cox_options(ctx)
        )
        selected = list(screening.selected)
    except DataError as err:
        # the multivariable fit failed (e.g. two selected variables are collinear); the
        # univariate fits stand
        screening = None
        selected = list(rec.fits[-1].covariates)
        out.notes.append(
            f"Multivariable Cox model of {', '.join(map(ctx.label, selected))} not fitted ({err})."
        )
    failed = {} if screening is None else screen_failures(screening)
    uni = univariate_terms(rec, candidates, failed, _cox_terms)
    for _, row in uni[uni["note"] != ""].iterrows():
        out.notes.append(f"Univariate Cox model of {ctx.label(row['variable'])}: {row['note']}")
    missing = [
        f"{ctx.label(c)} ({int(data[c].isna().sum())})"
        for c in candidates
        if c in data and data[c].isna().any()
    ]
    if missing:
        out.notes.append(
            "Univariate models leave out the patients with a missing value of their variable: "
            + ", ".join(missing)
            + "."
        )
    out.notes.extend(
        warning_notes([r for r in rec.fits if len(r.covariates) == 1], "Univariate Cox model")
    )
    columns = [ModelColumn("Univariate", f"Univariate HR ({pct} CI)", uni, tuple(candidates))]
    parts = [uni.assign(model="Univariate")]
    multi_fit = rec.last(selected) if selected and screening is not None else None
    footnotes = [
        f"{_endpoint_name(analysis.endpoint, capital=True)}: {len(data)} patients, "
        f"{int(data[_EVENT].sum())} events.",
        *_method_footnotes(ctx, pct),
        f"Every candidate variable is shown; those with univariate p < {threshold:g} entered "
        "the multivariable model (for a categorical variable, its smallest level p).",
    ]
    if multi_fit is not None:
        model = multi_fit.result
        what = f"Multivariable Cox model of {analysis.endpoint}"
        note = missing_note(data, [*selected, _TIME, _EVENT], ctx, what)
        if note:
            out.notes.append(note)
        out.notes.extend(warning_notes([multi_fit], what))
        multi = term_table(screening.multivariable, "hr", model.n, model.n_events)
        multi = multi.assign(note="")
        columns.append(
            ModelColumn("Multivariable", f"Multivariable HR ({pct} CI)", multi, tuple(selected))
        )
        parts.append(multi.assign(model="Multivariable"))
        footnotes.append(f"Multivariable model: {model.n} patients, {model.n_events} events.")
        ph = _ph_footnote(model, ctx, out.notes, what)
        if ph:
            footnotes.append(ph)
    elif screening is not None:
        out.notes.append(
            f"No candidate had a univariate p < {threshold:g}; there is no multivariable model."
            if uni["estimate"].notna().any()
            else "No univariate model could be fitted; there is no multivariable model."
        )
    display, styles = display_table(ctx, candidates, columns)
    table_data = data_table(parts)
    out.tables.append(
        ReportTable(
            **table_heading(analysis),
            data=table_data,
            display=display,
            row_styles=styles,
            footnotes=tuple(footnotes),
            abbreviations=abbreviations(
                [analysis.title, *display.iloc[:, 0]],
                _HR_ABBREVIATIONS,
            ),
            column_labels={"model": "Model", **column_labels(pct, "HR", "Wald test")},
        )
    )
    if multi_fit is not None:
        model = multi_fit.result
        fig = forest(
            ctx,
            multi,
            fig_id=f"{analysis.id}_forest",
            analysis_id=analysis.id,
            title=f"{analysis.title}: multivariable hazard ratios",
            ratio="hr",
            caption=(
                f"Hazard ratios with {pct} confidence intervals of the multivariable Cox model "
                f"of {_endpoint_name(analysis.endpoint)} ({model.n} patients, {model.n_events} "
                f"events): the candidates with univariate p < {threshold:g}; p by the Wald "
                "test. HR, hazard ratio; CI, confidence interval."
            ),
            source=analysis.source,
            notes=out.notes,
        )
        if fig is not None:
            out.figures.append(fig)
    return out


RUNNERS = {
    "cox": run_cox,
    "cox_screening": run_cox_screening,
    "logistic_screening": run_logistic_screening,
    "threshold_or": run_threshold_or,
}
