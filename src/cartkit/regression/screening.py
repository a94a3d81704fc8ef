"""Univariate screening into a multivariable model, and named models side by side.

Generic over the model: ``fit`` is any callable ``fit(df, covariates=[...], **fit_kwargs)`` that
returns an object with a ``.table`` DataFrame (a :class:`cartkit.results.RegressionResult`, as
``ck.cox``, ``ck.logistic`` and ``ck.fine_gray`` return) or a DataFrame, with columns ``term``,
``covariate`` and ``p_value``.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd

from .._core.frames import plain_text_fields, plain_text_result
from ..errors import DataError

__all__ = ["Screening", "models", "screen"]

RULE = (
    "each candidate fitted alone; it enters the multivariable model when its p-value is below "
    "{threshold:g} (for a categorical covariate with several terms, the smallest term p-value)"
)


@dataclass(frozen=True)
class Screening:
    """Univariate screening and the multivariable model it leads to.

    Attributes
    ----------
    univariate : pandas.DataFrame
        Every term of every candidate's own model (intercepts left out) with the fit's columns
        plus ``candidate_p`` (the p-value the rule compares), ``selected`` and ``note`` (why a
        candidate could not be fitted, else empty).
    selected : tuple of str
        Candidates that entered the multivariable model, in the order given.
    multivariable : pandas.DataFrame
        The multivariable model's table (intercept included when the fit reports one); no rows
        when no candidate was selected.
    threshold : float
        The p-value threshold.
    rule : str
        The selection rule in words, for a report's footnote.
    """

    univariate: pd.DataFrame
    selected: tuple[str, ...]
    multivariable: pd.DataFrame
    threshold: float
    rule: str

    def __post_init__(self) -> None:
        plain_text_fields(self)

    @property
    @plain_text_result
    def table(self) -> pd.DataFrame:
        """Both stages in one long table with a leading ``stage`` column."""
        uni = self.univariate.drop(columns=["candidate_p", "selected", "note"])
        return pd.concat(
            [uni.assign(stage="univariate"), self.multivariable.assign(stage="multivariable")],
            ignore_index=True,
        )[["stage", *uni.columns]]


def _table(result, covariates: Sequence[str]) -> pd.DataFrame:
    table = result.table if hasattr(result, "table") else result
    if not isinstance(table, pd.DataFrame):
        raise TypeError(
            f"the fit function returned {type(result).__name__}; it must return a DataFrame or an "
            f"object with a .table DataFrame"
        )
    missing = {"term", "covariate", "p_value"} - set(table.columns)
    if missing:
        raise TypeError(
            f"the fit function's table lacks column(s) {sorted(missing)} (model of {covariates})"
        )
    return table.reset_index(drop=True)


def _terms_only(table: pd.DataFrame) -> pd.DataFrame:
    is_intercept = (table["covariate"].fillna("") == "") | (table["term"] == "(Intercept)")
    return table[~is_intercept.to_numpy()]


def screen(
    df: pd.DataFrame,
    *,
    fit: Callable,
    covariates: Sequence[str],
    threshold: float = 0.2,
    **fit_kwargs,
) -> Screening:
    """Fit each candidate alone, then the model of those with p below ``threshold``.

    Parameters
    ----------
    df : pandas.DataFrame
        The data, passed unchanged to ``fit``.
    fit : callable
        ``fit(df, covariates=[...], **fit_kwargs)`` returning an object with a ``.table``
        DataFrame (or a DataFrame) having ``term``, ``covariate`` and ``p_value`` columns, e.g.
        :func:`cartkit.logistic` or :func:`cartkit.cox`.
    covariates : sequence of str
        The candidates.
    threshold : float
        A candidate enters when its univariate p-value is strictly below this (the study: 0.2).
    **fit_kwargs
        Passed to every fit (``outcome=``, or ``time=`` and ``event=``, ``method=``, ...).

    Returns
    -------
    Screening

    Notes
    -----
    A categorical covariate with several terms is represented by its smallest term p-value
    (what a reader of the univariate table sees); this selects slightly more often than a
    likelihood-ratio test of all its terms would. A candidate whose own model cannot be fitted
    (a constant or all-missing column: a DataError) is kept in the table with its reason in
    ``note`` and is not selected.
    """
    if isinstance(covariates, str):
        covariates = [covariates]
    covariates = list(covariates)
    if not covariates:
        raise DataError("screen: no candidate covariates given")
    if not 0.0 < float(threshold) <= 1.0:
        raise DataError(f"threshold must be in (0, 1], got {threshold!r}")
    parts = []
    selected = []
    for cov in covariates:
        try:
            table = _terms_only(_table(fit(df, covariates=[cov], **fit_kwargs), [cov]))
        except DataError as err:
            parts.append(
                pd.DataFrame(
                    {
                        "term": [cov],
                        "covariate": [cov],
                        "p_value": [np.nan],
                        "candidate_p": [np.nan],
                        "selected": [False],
                        "note": [str(err)],
                    }
                )
            )
            continue
        p = float(np.nanmin(table["p_value"])) if table["p_value"].notna().any() else np.nan
        chosen = bool(p < threshold)
        if chosen:
            selected.append(cov)
        parts.append(table.assign(candidate_p=p, selected=chosen, note=""))
    uni = pd.concat(parts, ignore_index=True)
    uni["selected"] = uni["selected"].astype(bool)
    if selected:
        multi = _table(fit(df, covariates=selected, **fit_kwargs), selected)
    else:
        multi = pd.DataFrame(columns=[c for c in uni.columns if c not in ("candidate_p", "note")])
        multi = multi.drop(columns=["selected"])
    return Screening(
        univariate=uni,
        selected=tuple(selected),
        multivariable=multi,
        threshold=float(threshold),
        rule=RULE.format(threshold=threshold),
    )


@plain_text_result
def models(
    df: pd.DataFrame, *, fit: Callable, specs: Mapping[str, Sequence[str]], **fit_kwargs
) -> pd.DataFrame:
    """Several named multivariable models side by side (the study's Models 1 and 2).

    Parameters
    ----------
    df : pandas.DataFrame
        The data.
    fit : callable
        As in :func:`screen`.
    specs : mapping of str to sequence of str
        Model name -> its covariates, in the order the models should appear.
    **fit_kwargs
        Passed to every fit.

    Returns
    -------
    pandas.DataFrame
        The fits' tables stacked, with a leading ``model`` column.
    """
    if not specs:
        raise DataError("models: no model given in specs")
    tables = []
    for name, covs in specs.items():
        covs = [covs] if isinstance(covs, str) else list(covs)
        table = _table(fit(df, covariates=covs, **fit_kwargs), covs)
        tables.append(table.assign(model=name))
    out = pd.concat(tables, ignore_index=True)
    return out[["model", *[c for c in out.columns if c != "model"]]]
