"""Covariates measured over orders of magnitude enter regression models per 10-fold change.

A ratio per copy/µg DNA of a quantity spanning five orders of magnitude prints as 1.00000 and
means nothing; the registry's ``log_scale`` variables (Cmax, AUC, ...) are entered as their
base-10 logarithm instead, so a hazard or odds ratio is per 10-fold change. A value of 0 or
below has no logarithm: those patients are left out of the variable's models, and a note says
how many.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd

from ...derive.registry import log_scale_variables

__all__ = ["log10_covariates", "log10_term"]


def log10_term(variable: str) -> str:
    """The term name of a covariate entered per 10-fold change: ``log10(cmax)``."""
    return f"log10({variable})"


def log10_covariates(
    data: pd.DataFrame, variables: Sequence[str], ctx, notes: list[str]
) -> tuple[pd.DataFrame, tuple[str, ...]]:
    """``data`` with its log-scale covariates replaced by their base-10 logarithm.

    Parameters
    ----------
    data : pandas.DataFrame
        The analysed patients.
    variables : sequence of str
        Every covariate of the kind's models.
    ctx : cartkit.runner.context.Context
        For the variables' labels in the notes.
    notes : list of str
        A note is appended for each covariate with values that have no logarithm.

    Returns
    -------
    data : pandas.DataFrame
        A copy with each log-scale covariate as log10 (NaN where the value is 0 or below).
    per_10_fold : tuple of str
        The covariates so transformed, in order.
    """
    logs = log_scale_variables()
    chosen = tuple(v for v in dict.fromkeys(variables) if v in logs and v in data)
    if not chosen:
        return data, ()
    data = data.copy()
    for var in chosen:
        x = pd.to_numeric(data[var], errors="coerce").astype(float).to_numpy()
        bad = int((np.isfinite(x) & (x <= 0)).sum())
        with np.errstate(divide="ignore", invalid="ignore"):
            data[var] = np.where(x > 0, np.log10(np.where(x > 0, x, 1.0)), np.nan)
        if bad:
            name = ctx.label(var).partition(",")[0]
            notes.append(
                f"{name} enters the models per 10-fold change (log10): {bad} patient(s) with "
                f"{name} of 0 have no logarithm and are left out of its models."
            )
    return data, chosen
