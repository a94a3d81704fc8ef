"""The regression pipeline: a kind's models fitted in order, with the notes on each.

:func:`fit_models` fits each candidate alone (univariate screening), the model of the candidates
with p below the threshold and the models of fixed covariates, through the library fit of a
:class:`~cartkit.runner.kinds.regression.Family`. It writes the notes as it goes (censored
durations used as plain covariates, covariates and patients left out, fits that failed, the
fits' warnings, the proportional-hazards checks, then the terms a forest plot cannot show), so
they read in the order the models were fitted.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import replace

import numpy as np
import pandas as pd

from ...errors import DataError
from ...regression.screening import screen
from ._fits import (
    Fitted,
    Recorder,
    censored_notes,
    missing_note,
    preferred_references,
    usable_covariates,
)
from ._scale import log10_covariates, log10_term
from ._terms import (
    INFINITE,
    NOT_ESTIMABLE,
    SEPARATED,
    TERM_COLUMNS,
    UNBOUNDED,
    unfitted_rows,
)
from .regression import Family, Forest, ModelSpec, ModelTerms

__all__ = ["fit_models", "patients_used"]


def _no_terms() -> pd.DataFrame:
    return pd.DataFrame(columns=[*TERM_COLUMNS, "note"])


def _screen(data, ctx, family: Family, rec: Recorder, candidates, threshold, spec, notes):
    """Fit each candidate alone (and the screened model): the selected, its fit, a late note."""
    if spec is None:
        for cand in candidates:
            try:
                rec(data, covariates=[cand], **family.options)
            except DataError:
                pass  # the recorder keeps the reason; the univariate notes give it
        return [], None, None
    try:
        screening = screen(
            data, fit=rec, covariates=candidates, threshold=threshold, **family.options
        )
    except DataError as err:
        # the multivariable fit failed (e.g. two selected variables are collinear); the
        # univariate fits stand
        selected = list(rec.fits[-1].covariates) if rec.fits else []
        labels = ", ".join(map(ctx.label, selected))
        notes.append(spec.failed.format(what=spec.what, covariates=labels, error=err))
        return selected, None, None
    selected = list(screening.selected)
    if selected:
        return selected, rec.last(selected), None
    late = (
        f"No candidate had a univariate p < {threshold:g}; there is no {spec.noun}."
        if screening.univariate["p_value"].notna().any()
        else f"No univariate model could be fitted; there is no {spec.noun}."
    )
    return selected, None, late


def _univariate(data, ctx, family: Family, rec: Recorder, candidates, notes) -> ModelTerms:
    parts, unfitted = [], {}
    for cand in candidates:
        fitted = rec.last((cand,))
        if fitted is None or fitted.result is None:
            unfitted[cand] = (fitted.error if fitted else "") or "not fitted"
            parts.append(unfitted_rows({cand: unfitted[cand]}))
        else:
            parts.append(family.terms(fitted.result))
    # a candidate with one value says so in the registry's words, not the library's
    _, constant = usable_covariates(data, list(unfitted), family.required, ctx)
    for cand, why in unfitted.items():
        why = constant.get(cand, why) if cand in data else why
        notes.append(f"Univariate {family.word} model of {ctx.label(cand)}: {why}")
    missing = [
        f"{ctx.label(c)} ({int(data[c].isna().sum())})"
        for c in candidates
        if c in data and data[c].isna().any()
    ]
    if missing:
        notes.append(
            "Univariate models leave out the patients with a missing value of their variable: "
            + ", ".join(missing)
            + "."
        )
    for fitted in rec.fits:
        if len(fitted.covariates) == 1:
            what = f"Univariate model of {ctx.label(fitted.covariates[0])}"
            notes.extend(family.fit_notes(fitted, what))
    terms = pd.concat(parts, ignore_index=True)
    return ModelTerms("Univariate", "univariate", terms, tuple(candidates))


def _fitted(family: Family, spec: ModelSpec, role, fitted: Fitted, dropped, notes) -> ModelTerms:
    terms = family.terms(fitted.result)
    if dropped:
        terms = pd.concat([terms, unfitted_rows(dropped)], ignore_index=True)
    n, n_events = family.counts(fitted.result)
    checks = family.check(fitted.result, spec.what, notes) if family.check else {}
    return ModelTerms(
        spec.name,
        role,
        terms,
        fitted.covariates + tuple(dropped),
        n=int(n),
        n_events=int(n_events),
        checks=checks,
    )


def _screened(data, ctx, family: Family, spec: ModelSpec, fitted: Fitted, notes) -> ModelTerms:
    """The model of the selected candidates, fitted by the screening."""
    note = missing_note(data, [*fitted.covariates, *family.required], ctx, spec.what)
    if note:
        notes.append(note)
    notes.extend(family.fit_notes(fitted, spec.what))
    return _fitted(family, spec, "screened", fitted, {}, notes)


def _fixed(data, ctx, family: Family, spec: ModelSpec, notes) -> ModelTerms:
    """A model of fixed covariates; those that cannot be estimated are left out with a note."""
    what = spec.what
    kept, dropped = usable_covariates(data, spec.covariates, family.required, ctx)
    for cov, why in dropped.items():
        notes.append(f"{what}: {ctx.label(cov)} left out of the model ({why}).")
    unfitted = unfitted_rows(dropped) if dropped else _no_terms()
    if not kept:
        notes.append(f"{what}: not fitted, no covariate can be estimated.")
        return ModelTerms(spec.name, "fixed", unfitted, tuple(dropped))
    note = missing_note(data, [*kept, *family.required], ctx, what)
    if note:
        notes.append(note)
    rec = Recorder(family.fit, preferred_references(ctx, kept), family.required)
    try:
        rec(data, covariates=kept, **family.options)
    except DataError as err:
        notes.append(f"{what}: not fitted ({err}).")
    fitted = rec.fits[-1]
    notes.extend(family.fit_notes(fitted, what))
    if fitted.result is None:
        return ModelTerms(spec.name, "fixed", unfitted, tuple(dropped))
    return _fitted(family, spec, "fixed", fitted, dropped, notes)


def _renamed(model: ModelTerms, per_10_fold: Sequence[str]) -> ModelTerms:
    """A model whose log10 covariates' terms say so (``log10(cmax)``): a ratio per 10-fold."""
    if not per_10_fold or model.terms.empty:
        return model
    terms = model.terms.copy()
    logged = terms["variable"].isin(per_10_fold) & (terms["level"] == "")
    terms.loc[logged, "term"] = terms.loc[logged, "variable"].map(log10_term)
    return replace(model, terms=terms)


def _forest(
    model: ModelTerms, spec: ModelSpec, fig_id: str, family: Family, ctx, notes
) -> Forest | None:
    """The terms a forest plot can draw; a note for each that it cannot, or for no plot."""
    terms = model.terms
    title = spec.forest_title
    finite = np.isfinite(terms["estimate"].to_numpy(dtype=float))
    separated = (terms["note"] == SEPARATED).to_numpy()
    infinite = (terms["note"] == INFINITE).to_numpy()
    unbounded = (terms["note"] == UNBOUNDED).to_numpy()
    for mask, why in (
        (separated, "separation"),
        (infinite, "infinite coefficient"),
        (unbounded, "no finite confidence interval"),
    ):
        if np.any(mask):
            names = ", ".join(dict.fromkeys(ctx.label(v) for v in terms.loc[mask, "variable"]))
            notes.append(f"{title}: {names} not drawn (not estimable: {why}).")
    drawable = terms[finite & ~separated & ~infinite & ~unbounded]
    if drawable.empty:
        notes.append(f"{title}: no estimable term, so no forest plot.")
        return None
    values = drawable[["estimate", "ci_lower", "ci_upper"]].to_numpy(dtype=float)
    if not (np.isfinite(values) & (values > 0)).any():
        # what the forest figure would refuse to draw on its log axis
        notes.append(
            f"{title}: no forest plot (column {family.ratio!r} has no finite "
            "positive value to draw)."
        )
        return None
    return Forest(fig_id, title, drawable[list(TERM_COLUMNS)].reset_index(drop=True))


def fit_models(
    data: pd.DataFrame,
    ctx,
    family: Family,
    *,
    notes: list[str],
    candidates: Sequence[str] = (),
    threshold: float = 0.2,
    screened: ModelSpec | None = None,
    fixed: Sequence[ModelSpec] = (),
) -> tuple[tuple[ModelTerms, ...], tuple[str, ...]]:
    """Fit a kind's models: each candidate alone, the screened model, the fixed models.

    Parameters
    ----------
    data : pandas.DataFrame
        The analysed patients, one row each.
    ctx : cartkit.runner.context.Context
        The run (variable labels, preferred reference levels).
    family : Family
        The model family.
    notes : list of str
        The kind's notes; the models' notes are appended in order.
    candidates : sequence of str
        Fitted one at a time (the univariate column); none for a kind of fixed models only.
    threshold : float
        Univariate p below which a candidate enters the screened model.
    screened : ModelSpec, optional
        The model of the candidates with p below ``threshold`` (none: no screened model).
    fixed : sequence of ModelSpec
        Models of fixed covariates, in order.

    Returns
    -------
    models : tuple of ModelTerms
        Univariate, screened (when fitted), then each fixed model, with their forest plots.
    rows : tuple of str
        The variables of the table: the candidates, then the fixed models' covariates.
    """
    candidates = list(candidates)
    in_fixed = [c for spec in fixed for c in spec.covariates]
    notes.extend(censored_notes(data, [*candidates, *in_fixed], ctx))
    data, per_10_fold = log10_covariates(data, [*candidates, *in_fixed], ctx, notes)
    done: list[tuple[ModelTerms, ModelSpec | None]] = []
    selected = []
    if candidates:
        rec = Recorder(family.fit, preferred_references(ctx, candidates), family.required)
        selected, screened_fit, late = _screen(
            data, ctx, family, rec, candidates, threshold, screened, notes
        )
        done.append((_univariate(data, ctx, family, rec, candidates, notes), None))
        if late:
            notes.append(late)
        if screened_fit is not None:
            done.append((_screened(data, ctx, family, screened, screened_fit, notes), screened))
    for spec in fixed:
        done.append((_fixed(data, ctx, family, spec, notes), spec))
    models, ids = [], set()
    for model, spec in done:
        model = _renamed(model, per_10_fold)
        if spec is not None and model.fitted:
            fig_id = spec.forest_id
            while fig_id in ids:
                fig_id += "_"
            ids.add(fig_id)
            model = replace(model, forest=_forest(model, spec, fig_id, family, ctx, notes))
        models.append(model)
    rows = tuple(dict.fromkeys([*candidates, *selected, *in_fixed]))
    return tuple(models), rows


def _estimated(model: ModelTerms) -> list[list[str]]:
    """The covariate sets a model was fitted with: one per candidate (univariate), else one."""
    t = model.terms
    fitted = t["note"].isin(("", *NOT_ESTIMABLE))
    ok = list(dict.fromkeys(t.loc[fitted, "variable"]))
    if model.role == "univariate":
        return [[v] for v in ok]
    return [ok] if model.fitted else []


def patients_used(
    data: pd.DataFrame,
    models: Sequence[ModelTerms],
    required: Sequence[str],
    ctx,
    placeable: Callable[[pd.DataFrame, list[str]], np.ndarray] | None = None,
) -> int:
    """Patients in at least one fitted model: the complete cases of each fit, pooled.

    The section's "n analysed" and the tables' n then agree: a fixed model of 49 complete
    cases is an analysis of 49 patients, not of the 50 with an endpoint record. A model with a
    time-dependent covariate leaves out the patients its switch cannot be placed for
    (``placeable``, given the kind's time column).
    """
    covariates = [v for m in models for v in m.variables]
    # as fitted: a log-scale covariate of 0 has no logarithm and is not in its models
    data, _ = log10_covariates(data, covariates, ctx, [])
    used = np.zeros(len(data), dtype=bool)
    for model in models:
        for variables in _estimated(model):
            cols = [c for c in (*required, *variables) if c in data]
            ok = data[cols].notna().all(axis=1).to_numpy()
            if placeable is not None:
                ok = ok & placeable(data, variables)
            used |= ok
    return int(used.sum())
