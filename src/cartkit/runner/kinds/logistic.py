"""The logistic-regression kind: univariate screening and multivariable models (Table 2, S4)."""

from __future__ import annotations

import numpy as np
import pandas as pd

from ...errors import DataError
from ...regression.logistic import logistic
from ...regression.screening import screen
from ...report.types import ReportTable
from ..output import Output, table_heading
from ._fits import (
    Recorder,
    fit_fixed,
    missing_note,
    preferred_references,
    screen_failures,
    univariate_terms,
)
from ._tables import (
    NE_FOOTNOTE,
    SEPARATED,
    ModelColumn,
    abbreviations,
    column_labels,
    conf_pct,
    data_table,
    display_table,
    forest,
    slug,
    term_table,
    unfitted_rows,
)

__all__ = ["run_logistic_screening"]

_OR_ABBREVIATIONS = ("CI, confidence interval", "OR, odds ratio")


def _or_terms(table: pd.DataFrame) -> pd.DataFrame:
    terms = term_table(table, "odds_ratio", table.attrs.get("n"), table.attrs.get("n_events"))
    # Firth's estimates stay finite under separation; only ML ones are not estimable
    ml = table.attrs.get("method", "ml") == "ml"
    separated = set(table.attrs.get("separation") or ()) if ml else set()
    return terms.assign(note=[SEPARATED if t in separated else "" for t in terms["term"]])


def method_text(method: str, ci: str, pct: str) -> tuple[str, str]:
    """The footnote naming the fit, interval and test, and the test's short name."""
    fit = (
        "Maximum-likelihood logistic regression"
        if method == "ml"
        else "Firth's penalised-likelihood logistic regression"
    )
    if ci == "wald":
        interval = f"Wald {pct} CI"
    elif method == "ml":
        interval = f"profile-likelihood {pct} CI"
    else:
        interval = f"profile penalised-likelihood {pct} CI"
    test = (
        "penalised likelihood-ratio test" if (method, ci) == ("firth", "profile") else "Wald test"
    )
    return f"{fit}; {interval}; p by the {test}.", test


def _separation_notes(fits, method: str, what: str) -> list[str]:
    """The fits' warnings as notes; ML separation in a short form that suggests Firth."""
    notes = []
    for rec in fits:
        if rec.result is None:
            continue
        separated = list(rec.result.attrs.get("separation") or [])
        if separated and method == "ml":
            notes.append(
                f"{what(rec)}: separation in {', '.join(separated)}: the outcome is "
                "(quasi-)perfectly predicted, so its odds ratio is infinite and its CI and p "
                'are not meaningful. Firth\'s penalised likelihood (method = "firth") gives '
                "finite estimates."
            )
        # separation is reported above in a shorter form; other warnings pass through
        notes.extend(
            f"{what(rec)}: {msg}" for msg in rec.warnings if not msg.startswith("separation:")
        )
    return notes


def _model_names(analysis) -> list[tuple[str, tuple[str, ...]]]:
    """(column name, covariates) of the named models; names kept apart from the fixed ones."""
    out, taken = [], {"Univariate", "Screened model"}
    for model in analysis.models:
        name = model.name if model.name not in taken else f"{model.name} (plan)"
        taken.add(name)
        out.append((name, tuple(model.covariates)))
    return out


def run_logistic_screening(analysis, ctx) -> Output:
    """Univariate logistic regression of each candidate, the screened and the named models.

    Parameters
    ----------
    analysis : cartkit.plan.schema.LogisticScreening
        The analysis.
    ctx : cartkit.runner.context.Context
        The datasets.

    Returns
    -------
    Output
    """
    patients, notes = ctx.population(analysis.population)
    out = Output(notes=notes, n=len(patients))
    outcome = analysis.outcome
    if outcome not in patients:
        raise DataError(f"outcome {outcome!r} is not a variable of this study")
    known = patients[outcome].notna()
    if (~known).any():
        out.notes.append(
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
    n_events = int((y == 1).sum())
    if n_events in (0, len(data)):
        out.notes.append(
            f"{ctx.label(outcome)}: {n_events} events in {len(data)} patients with a known "
            "outcome; a logistic model needs both outcomes, so none was fitted."
        )
        return out
    pct = conf_pct(ctx.settings.conf_level)
    threshold = (
        ctx.settings.screening_threshold if analysis.threshold is None else analysis.threshold
    )
    options = {
        "outcome": outcome,
        "method": analysis.method,
        "ci": analysis.ci,
        "conf_level": ctx.settings.conf_level,
    }
    candidates = list(analysis.candidates)
    rec = Recorder(logistic, preferred_references(ctx, candidates), [outcome])
    failed, selected, screened = {}, [], None
    if analysis.screened_model:
        try:
            screening = screen(data, fit=rec, covariates=candidates, threshold=threshold, **options)
            failed = screen_failures(screening)
            selected = list(screening.selected)
            screened = rec.last(selected) if selected else None
            if not selected:
                out.notes.append(
                    f"No candidate had a univariate p < {threshold:g}; there is no screened model."
                    if screening.univariate["p_value"].notna().any()
                    else "No univariate model could be fitted; there is no screened model."
                )
        except DataError as err:
            selected = list(rec.fits[-1].covariates)
            out.notes.append(f"Screened logistic model not fitted ({err}).")
    else:
        for cand in candidates:
            try:
                rec(data, covariates=[cand], **options)
            except DataError as err:
                failed[cand] = str(err)
    uni = univariate_terms(rec, candidates, failed, _or_terms)
    for cand, why in failed.items():
        out.notes.append(f"Univariate logistic model of {ctx.label(cand)}: {why}")
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
    uni_fits = [r for r in rec.fits if len(r.covariates) == 1]
    out.notes.extend(
        _separation_notes(
            uni_fits, analysis.method, lambda r: f"Univariate model of {ctx.label(r.covariates[0])}"
        )
    )
    columns = [ModelColumn("Univariate", f"Univariate OR ({pct} CI)", uni, tuple(candidates))]
    parts = [uni.assign(model="Univariate")]
    method_note, test = method_text(analysis.method, analysis.ci, pct)
    footnotes = [
        f"{ctx.label(outcome)}: {n_events} events in {len(data)} patients.",
        method_note,
        "Continuous variables: OR per 1-unit increase; yes/no variables: OR of yes versus no; "
        "categorical variables: OR of each level versus the reference level.",
    ]
    # (column name, Fitted, left-out covariates, id suffix) of every multivariable model
    multis = []
    if screened is not None:
        out.notes.extend(
            _separation_notes([screened], analysis.method, lambda _r: "Screened model")
        )
        note = missing_note(data, [*selected, outcome], ctx, "Screened model")
        if note:
            out.notes.append(note)
        multis.append(("Screened model", screened, {}, "screened"))
    for name, covs in _model_names(analysis):
        fitted, dropped = fit_fixed(
            data,
            ctx,
            logistic,
            list(covs),
            required=[outcome],
            notes=out.notes,
            what=name,
            warnings_as_notes=False,
            **options,
        )
        if fitted is not None:
            out.notes.extend(_separation_notes([fitted], analysis.method, lambda _r, n=name: n))
        multis.append((name, fitted, dropped, slug(name)))
    if analysis.screened_model:
        footnotes.append(
            f"Every candidate variable is shown; those with univariate p < {threshold:g} "
            "entered the screened model (for a categorical variable, its smallest level p)."
        )
    if analysis.models:
        names = [n for n, _ in _model_names(analysis)]
        footnotes.append(
            "Every candidate variable is shown, not only those with univariate p < "
            f"{threshold:g}; {' and '.join(names)} have the covariates set by the analysis plan."
        )
    in_models = [c for m in analysis.models for c in m.covariates]
    rows = list(dict.fromkeys([*candidates, *selected, *in_models]))
    figure_ids = set()
    for name, fitted, dropped, suffix in multis:
        if fitted is None:
            terms = unfitted_rows(dropped) if dropped else None
        else:
            terms = _or_terms(fitted.result)
            if dropped:
                terms = pd.concat([terms, unfitted_rows(dropped)], ignore_index=True)
            footnotes.append(
                f"{name}: {fitted.result.attrs['n']} patients, "
                f"{fitted.result.attrs['n_events']} events."
            )
        covs = fitted.covariates + tuple(dropped) if fitted else tuple(dropped)
        if terms is None:
            continue
        columns.append(ModelColumn(name, f"{name} OR ({pct} CI)", terms, covs))
        parts.append(terms.assign(model=name))
        if fitted is None:
            continue
        fig_id = f"{analysis.id}_forest_{suffix}"
        while fig_id in figure_ids:
            fig_id += "_"
        figure_ids.add(fig_id)
        fig = forest(
            ctx,
            terms,
            fig_id=fig_id,
            analysis_id=analysis.id,
            title=f"{analysis.title}: {name}",
            ratio="odds_ratio",
            caption=(
                f"Odds ratios of {ctx.label(outcome)} with {pct} confidence intervals, {name} "
                f"({fitted.result.attrs['n']} patients, {fitted.result.attrs['n_events']} "
                f"events). {method_note} OR, odds ratio; CI, confidence interval."
            ),
            source=analysis.source,
            notes=out.notes,
        )
        if fig is not None:
            out.figures.append(fig)
    display, styles = display_table(ctx, rows, columns)
    if any((col.terms["note"] == SEPARATED).any() for col in columns):
        footnotes.append(NE_FOOTNOTE)
    out.tables.append(
        ReportTable(
            **table_heading(analysis),
            data=data_table(parts),
            display=display,
            row_styles=styles,
            footnotes=tuple(footnotes),
            abbreviations=abbreviations(
                [analysis.title, ctx.label(outcome), *display.iloc[:, 0]], _OR_ABBREVIATIONS
            ),
            column_labels={"model": "Model", **column_labels(pct, "OR", test)},
        )
    )
    return out
