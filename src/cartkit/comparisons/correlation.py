"""Pearson and Spearman correlation with R ``cor.test``'s p-values."""

from __future__ import annotations

import numpy as np
import pandas as pd
from scipy import stats

from .._core.checks import check_conf_level, numeric_column, require_columns
from .._core.results import Test
from ..errors import DataError

__all__ = ["correlate"]


def correlate(
    df: pd.DataFrame,
    *,
    x: str,
    y: str,
    method: str = "spearman",
    conf_level: float = 0.95,
) -> Test:
    """Correlation of two numeric columns, with its test and (Pearson) confidence interval.

    Parameters
    ----------
    df : pandas.DataFrame
        The data; rows with either value missing are left out.
    x, y : str
        The two columns.
    method : {"spearman", "pearson"}
        Spearman's rho (Pearson correlation of mid-ranks) or Pearson's r.
    conf_level : float
        Confidence level of the interval.

    Returns
    -------
    cartkit.results.Test
        ``estimate`` is rho or r; ``statistic`` and ``dof`` the t statistic on n - 2 degrees of
        freedom; ``p_value`` two-sided. The CI is Fisher's z interval ``tanh(atanh(r) +-
        z / sqrt(n - 3))`` (NaN for n < 4): for Pearson, R ``cor.test``'s; for Spearman, the
        same transform of rho, the usual large-sample approximation (it is R's Pearson
        interval of the mid-ranks, ``cor.test(rank(x), rank(y))``; R's Spearman test gives
        none). Spearman's p-value is R ``cor.test(method = "spearman", exact = FALSE)``, the
        t approximation ``t = rho sqrt((n - 2) / (1 - rho^2))``.

    Raises
    ------
    DataError
        Missing or non-numeric columns, fewer than 3 complete pairs, a constant column.
    """
    if method not in ("spearman", "pearson"):
        raise DataError(f"method must be 'spearman' or 'pearson', got {method!r}")
    level = check_conf_level(conf_level)
    require_columns(df, [x, y], "correlate data")
    xv = numeric_column(df, x, "correlate data")
    yv = numeric_column(df, y, "correlate data")
    keep = ~(np.isnan(xv) | np.isnan(yv))
    n = int(keep.sum())
    if n < 3:
        raise DataError(
            f"correlation of {x!r} and {y!r} needs at least 3 rows with both observed; found {n}"
        )
    xv, yv = xv[keep], yv[keep]
    for name, v in ((x, xv), (y, yv)):
        if np.ptp(v) == 0:
            raise DataError(
                f"column {name!r} takes the single value {v[0]:g} in the {n} complete pairs; "
                f"a correlation with a constant is undefined"
            )
    if method == "spearman":
        xv, yv = stats.rankdata(xv), stats.rankdata(yv)
    r = float(np.clip(np.corrcoef(xv, yv)[0, 1], -1.0, 1.0))
    dof = n - 2
    with np.errstate(divide="ignore"):
        t = r * np.sqrt(dof / (1.0 - r * r)) if abs(r) < 1 else np.copysign(np.inf, r)
    p = float(2 * stats.t.sf(abs(t), dof))
    lo = hi = float("nan")
    # Spearman: rho is the Pearson r of the mid-ranks, so Fisher's z applies to it as well
    if n > 3:
        z = np.arctanh(r)
        half = stats.norm.ppf(1 - (1 - level) / 2) / np.sqrt(n - 3)
        lo, hi = float(np.tanh(z - half)), float(np.tanh(z + half))
    name = "Spearman correlation" if method == "spearman" else "Pearson correlation"
    return Test(
        name,
        statistic=float(t),
        p_value=p,
        dof=float(dof),
        estimate=r,
        ci_lower=lo,
        ci_upper=hi,
        conf_level=level,
        n=n,
        details={"n_missing": int(len(keep) - n), "method": method},
    )
