"""The logistic-regression kind: univariate screening and multivariable models (Table 2, S4).

The models are fitted by the regression pipeline (:mod:`.regression`) with ``ck.logistic``;
:mod:`cartkit.report.sections.logistic` prints the table and forest plots.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from ...errors import DataError
from ...regression.logistic import LogisticResult, logistic
from ._fits import Fitted
from ._pipeline import fit_models, patients_used
from ._terms import SEPARATED, slug, term_table
from .regression import Family, ModelSpec, RegressionKindResult, regression_result

__all__ = ["logistic_family", "model_names", "run_logistic_screening"]


def _or_terms(fit: LogisticResult) -> pd.DataFrame:
    terms = term_table(fit.table, fit.n, fit.n_events)
    # Firth's estimates stay finite under separation; only ML ones are not estimable
    separated = set(fit.details["separation"]) if fit.model == "logistic" else set()
    return terms.assign(note=[SEPARATED if t in separated else "" for t in terms["term"]])


def _separation_notes(fitted: Fitted, what: str, *, method: str) -> list[str]:
    """A fit's warnings as notes; ML separation in a short form that suggests Firth."""
    if fitted.result is None:
        return []
    notes = []
    separated = list(fitted.result.details["separation"])
    if separated and method == "ml":
        notes.append(
            f"{what}: separation in {', '.join(separated)}: the outcome is "
            "(quasi-)perfectly predicted, so its odds ratio is infinite and its CI and p "
            'are not meaningful. Firth\'s penalised likelihood (method = "firth") gives '
            "finite estimates."
        )
    # separation is reported above in a shorter form; other warnings pass through
    notes.extend(f"{what}: {msg}" for msg in fitted.warnings if not msg.startswith("separation:"))
    return notes


def logistic_family(analysis, ctx) -> Family:
    """Logistic models (``ck.logistic``) of the analysis's outcome, method and interval."""
    return Family(
        fit=logistic,
        ratio="odds_ratio",
        required=(analysis.outcome,),
        options={
            "outcome": analysis.outcome,
            "method": analysis.method,
            "ci": analysis.ci,
            "conf_level": ctx.settings.conf_level,
        },
        word="logistic",
        terms=_or_terms,
        counts=lambda fit: (fit.n, fit.n_events),
        fit_notes=lambda fitted, what: _separation_notes(fitted, what, method=analysis.method),
    )


def model_names(analysis) -> list[tuple[str, tuple[str, ...]]]:
    """(column name, covariates) of the named models; names kept apart from the fixed ones."""
    out, taken = [], {"Univariate", "Screened model"}
    for model in analysis.models:
        name = model.name if model.name not in taken else f"{model.name} (plan)"
        taken.add(name)
        out.append((name, tuple(model.covariates)))
    return out


def _outcome_data(analysis, patients: pd.DataFrame, ctx, notes: list[str]) -> pd.DataFrame:
    """The patients with a known yes/no outcome (a note counts the others)."""
    outcome = analysis.outcome
    if outcome not in patients:
        raise DataError(f"outcome {outcome!r} is not a variable of this study")
    known = patients[outcome].notna()
    if (~known).any():
        notes.append(
            f"{int((~known).sum())} patient(s) with unknown {ctx.label(outcome)} are left out "
            "of every model."
        )
    data = patients[known.to_numpy()]
    try:
        y = data[outcome].astype(float)
    except (TypeError, ValueError):
        y = pd.Series(np.nan, index=data.index)
    if not y.isin([0.0, 1.0]).all():
        raise DataError(
            f"outcome {outcome!r} must be yes/no (True/False or 1/0); it has the values "
            f"{sorted(map(str, data[outcome].unique()))[:5]}"
        )
    return data


def run_logistic_screening(analysis, ctx) -> RegressionKindResult:
    """Univariate logistic regression of each candidate, the screened and the named models.

    Parameters
    ----------
    analysis : cartkit.plan.schema.LogisticScreening
        The analysis.
    ctx : cartkit.runner.context.Context
        The datasets.

    Returns
    -------
    RegressionKindResult
        The univariate models, the screened model (``screened_model``) and the plan's named
        models; no table when the outcome has a single value among the patients.
    """
    patients, notes = ctx.population(analysis.population)
    data = _outcome_data(analysis, patients, ctx, notes)
    n_events = int((data[analysis.outcome].astype(float) == 1).sum())
    counts = {"n": len(patients), "n_with_outcome": len(data), "n_events": n_events}
    if n_events in (0, len(data)):
        notes.append(
            f"{ctx.label(analysis.outcome)}: {n_events} events in {len(data)} patients with a "
            "known outcome; a logistic model needs both outcomes, so none was fitted."
        )
        return regression_result(
            analysis, ratio="odds_ratio", models=(), rows=(), notes=notes, **counts
        )
    threshold = (
        ctx.settings.screening_threshold if analysis.threshold is None else analysis.threshold
    )
    screened = None
    if analysis.screened_model:
        screened = ModelSpec(
            name="Screened model",
            what="Screened model",
            forest_id=f"{analysis.id}_forest_screened",
            forest_title=f"{analysis.title}: Screened model",
            noun="screened model",
            failed="Screened logistic model not fitted ({error}).",
        )
    fixed = [
        ModelSpec(
            name=name,
            what=name,
            forest_id=f"{analysis.id}_forest_{slug(name)}",
            forest_title=f"{analysis.title}: {name}",
            covariates=covariates,
        )
        for name, covariates in model_names(analysis)
    ]
    models, rows = fit_models(
        data,
        ctx,
        logistic_family(analysis, ctx),
        notes=notes,
        candidates=analysis.candidates,
        threshold=threshold,
        screened=screened,
        fixed=fixed,
    )
    counts["n"] = patients_used(data, models, (analysis.outcome,), ctx)
    return regression_result(
        analysis,
        ratio="odds_ratio",
        models=models,
        rows=rows,
        notes=notes,
        threshold=threshold,
        **counts,
    )
