"""Fitting through the library for the regression kinds.

Every call's result and warnings, and the patients and covariates it left out, are kept for the
report's notes.
"""

from __future__ import annotations

import warnings
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from ...derive.registry import censoring_variable, event_day_variable
from ...errors import DataError
from ._survival_common import sentence_case

__all__ = [
    "Fitted",
    "Recorder",
    "censored_notes",
    "missing_note",
    "preferred_references",
    "usable_covariates",
]


@dataclass
class Fitted:
    """One library fit: its result (or the error that stopped it) and the warnings it raised."""

    covariates: tuple[str, ...]
    result: object = None
    error: str = ""
    warnings: list[str] = field(default_factory=list)


class Recorder:
    """Wraps a library fit function so every call's result and warnings are kept.

    Used as ``fit=`` of ``ck.screen`` (which only returns the term tables) and for single
    models, so a kind can report each model's n, events, convergence and warnings. It also
    passes the preferred reference level of each categorical covariate that occurs among the
    model's complete cases.
    """

    def __init__(self, fit: Callable, references: dict[str, list], required: Sequence[str]):
        self.fit = fit
        self.references = references
        self.required = list(required)
        self.fits: list[Fitted] = []

    def _reference(self, df: pd.DataFrame, covariates: Sequence[str]) -> dict:
        used = [c for c in (*covariates, *self.required) if c in df]
        complete = df[used].notna().all(axis=1)
        ref = {}
        for cov in covariates:
            if cov in self.references and cov in df:
                present = set(df.loc[complete, cov].dropna().tolist())
                for level in self.references[cov]:
                    if level in present:
                        ref[cov] = level
                        break
        return ref

    def __call__(self, df: pd.DataFrame, *, covariates, **kwargs):
        covs = tuple([covariates] if isinstance(covariates, str) else covariates)
        rec = Fitted(covs)
        self.fits.append(rec)
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            try:
                rec.result = self.fit(
                    df,
                    covariates=list(covs),
                    reference=self._reference(df, covs) or None,
                    **kwargs,
                )
            except DataError as err:
                rec.error = str(err)
                raise
            except np.linalg.LinAlgError as err:
                # a coefficient running off to infinity (monotone likelihood) can leave the
                # information matrix singular; a thin-data failure like the DataErrors above
                rec.error = (
                    f"the fit failed numerically ({err}): a coefficient is probably infinite "
                    "(monotone likelihood or separation, e.g. the variable orders the events "
                    "perfectly)"
                )
                raise DataError(rec.error) from err
            finally:
                rec.warnings = list(dict.fromkeys(str(w.message) for w in caught))
        return rec.result

    def last(self, covariates: Sequence[str]) -> Fitted | None:
        """The most recent fit of exactly these covariates."""
        for rec in reversed(self.fits):
            if rec.covariates == tuple(covariates):
                return rec
        return None


def preferred_references(ctx, variables: Sequence[str]) -> dict[str, list]:
    """Reference level candidates of text variables, in the order their labels are listed.

    The context lists the levels of coded variables in reading order (risk group: standard,
    poor, unclassified); the first that occurs is the natural reference. Variables without such
    a list keep the library's default (first category, else the smallest level).
    """
    out = {}
    for var in variables:
        levels = ctx.names.levels.get(var, {})
        keys = [k for k in levels if not isinstance(k, bool | np.bool_)]
        if keys:
            out[var] = keys
    return out


def usable_covariates(
    df: pd.DataFrame, covariates: Sequence[str], required: Sequence[str], ctx=None
) -> tuple[list[str], dict[str, str]]:
    """Covariates a fixed model can use, and why the others cannot (all missing or constant).

    R ``coxph``/``glm`` give such a column an NA coefficient; the report says so and fits the
    model without it rather than not at all. With the run's context ``ctx`` the reason names
    the value by its printed level ("the same for all 23 patients: No prior HSCT").
    """
    base = df[list(required)].notna().all(axis=1) if required else pd.Series(True, index=df.index)
    kept, dropped = [], {}
    for cov in covariates:
        if cov not in df:
            dropped[cov] = "not a variable of this study"
            continue
        values = df.loc[base, cov].dropna()
        if values.empty:
            dropped[cov] = "no observed value"
        elif values.nunique() < 2:
            value = values.iloc[0]
            value = value.item() if isinstance(value, np.generic) else value
            shown = str(value) if ctx is None else ctx.level_label(cov, value)
            dropped[cov] = (
                f"the same for all {len(values)} patients: {shown}, no effect to estimate"
            )
        else:
            kept.append(cov)
    return kept, dropped


def missing_note(df: pd.DataFrame, columns: Sequence[str], ctx, what: str) -> str | None:
    """A note naming how many patients ``what`` left out for a missing value, and of what."""
    cols = [c for c in dict.fromkeys(columns) if c in df]
    if not cols:
        return None
    incomplete = ~df[cols].notna().all(axis=1)
    k = int(incomplete.sum())
    if not k:
        return None
    parts = [f"{ctx.label(c)} ({int(df[c].isna().sum())})" for c in cols if df[c].isna().any()]
    return (
        f"{what}: {k} of {len(df)} patient(s) left out for a missing value of "
        f"{', '.join(parts)} (complete cases)."
    )


def censored_notes(df: pd.DataFrame, variables: Sequence[str], ctx) -> list[str]:
    """A note for each censored duration used as a plain covariate (the registry's role).

    BCA duration ends at B-cell recovery or is censored (recovery not seen by the end of
    monitoring); a model taking it as a number treats the censored durations as complete.
    The note says for how many patients, and names the time-dependent alternative.
    """
    notes = []
    for var in dict.fromkeys(variables):
        event = censoring_variable(var)
        if event is None or var not in df or event not in df:
            continue
        known = df[var].notna().to_numpy()
        ended = pd.to_numeric(df[event], errors="coerce").to_numpy(dtype=float, na_value=np.nan)
        censored = known & (ended == 0)
        if not censored.any():
            continue
        note = (
            f"{ctx.label(var)} is censored for {int(censored.sum())} of {int(known.sum())} "
            f"patients ({sentence_case(ctx.level_label(event, False))} by the end of its "
            "follow-up) "
            "but is used here as if complete"
        )
        if event_day_variable(event) is not None:
            note += (
                f"; {ctx.label(event)} as a time-dependent covariate ({event}) uses what is "
                "known instead"
            )
        notes.append(note + ".")
    return notes
