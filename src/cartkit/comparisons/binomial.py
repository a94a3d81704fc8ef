"""Rates with exact Clopper-Pearson intervals, and odds ratios for a biomarker threshold."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd
from scipy import stats

from .._core.checks import check_conf_level, numeric_column, require_columns
from .._core.frames import plain_text_fields, plain_text_result
from ..errors import DataError
from ._fisher import fisher_2x2

__all__ = ["ThresholdOddsRatio", "rate", "threshold_odds_ratio"]


@plain_text_result
def rate(successes, n, conf_level: float = 0.95) -> pd.DataFrame:
    """Proportions with exact Clopper-Pearson confidence intervals (R ``binom.test``).

    Parameters
    ----------
    successes : int or array-like of int
        Number of events.
    n : int or array-like of int
        Number of subjects (same shape as ``successes``, or a scalar).
    conf_level : float
        Confidence level.

    Returns
    -------
    pandas.DataFrame
        One row per rate with columns ``n_events, n, estimate, ci_lower, ci_upper``; the bounds
        are the beta quantiles ``B(a/2; x, n - x + 1)`` and ``B(1 - a/2; x + 1, n - x)``, 0 and 1
        at x = 0 and x = n.

    Raises
    ------
    DataError
        Counts that are not whole numbers, negative, or larger than n; n = 0.
    """
    level = check_conf_level(conf_level)
    x = np.atleast_1d(np.asarray(successes, dtype=float))
    m = np.broadcast_to(np.atleast_1d(np.asarray(n, dtype=float)), x.shape).copy()
    bad = (x != np.round(x)) | (m != np.round(m)) | (x < 0) | (m < 1) | (x > m)
    if bad.any():
        i = int(np.flatnonzero(bad)[0])
        raise DataError(
            f"rate needs whole counts with 0 <= successes <= n and n >= 1; got successes="
            f"{x[i]:g}, n={m[i]:g} (position {i})"
        )
    a = 1 - level
    with np.errstate(invalid="ignore"):
        lower = np.where(x == 0, 0.0, stats.beta.ppf(a / 2, x, m - x + 1))
        upper = np.where(x == m, 1.0, stats.beta.ppf(1 - a / 2, x + 1, m - x))
    return pd.DataFrame(
        {
            "n_events": x.astype(int),
            "n": m.astype(int),
            "estimate": x / m,
            "ci_lower": lower,
            "ci_upper": upper,
        }
    )


@dataclass(frozen=True)
class ThresholdOddsRatio:
    """Odds ratio of an outcome for a biomarker at or above a threshold.

    Attributes
    ----------
    table : pandas.DataFrame
        The 2 x 2 counts: rows ``below`` / ``at_or_above`` the threshold, columns
        ``no_event`` / ``event``.
    estimates : pandas.DataFrame
        Rows ``wald`` (sample odds ratio, Woolf log-scale CI, z-test) and ``fisher`` (conditional
        MLE with exact CI and Fisher's exact p, as R ``fisher.test``); columns ``method,
        estimate, ci_lower, ci_upper, p_value``.
    marker, outcome : str
        The columns used.
    threshold : float
        The threshold; ``marker >= threshold`` counts as elevated.
    n : int
        Rows with both marker and outcome observed.
    conf_level : float
        Confidence level.
    """

    table: pd.DataFrame
    estimates: pd.DataFrame
    marker: str
    outcome: str
    threshold: float
    n: int
    conf_level: float

    def __post_init__(self) -> None:
        plain_text_fields(self)


def threshold_odds_ratio(
    df: pd.DataFrame, *, marker: str, outcome: str, threshold: float, conf_level: float = 0.95
) -> ThresholdOddsRatio:
    """Odds ratio of ``outcome`` for ``marker >= threshold`` versus below (e.g. IL-6 vs CRS).

    Parameters
    ----------
    df : pandas.DataFrame
        One row per subject.
    marker : str
        Numeric biomarker column.
    outcome : str
        Binary outcome column (0/1 or boolean).
    threshold : float
        Values at or above it are "elevated".
    conf_level : float
        Confidence level.

    Returns
    -------
    ThresholdOddsRatio
        With a zero cell the Wald odds ratio is 0 or infinite and its CI and p are NaN (no
        continuity correction is added); the Fisher row stays valid.
    """
    level = check_conf_level(conf_level)
    require_columns(df, [marker, outcome], "threshold_odds_ratio data")
    mv = numeric_column(df, marker, "threshold_odds_ratio data")
    ov = df[outcome].astype("float64") if df[outcome].dtype == bool else df[outcome]
    ov = numeric_column(pd.DataFrame({outcome: ov}), outcome, "threshold_odds_ratio data")
    keep = ~(np.isnan(mv) | np.isnan(ov))
    if not np.isin(ov[keep], [0, 1]).all():
        raise DataError(f"outcome {outcome!r} must be coded 0/1 or True/False")
    if keep.sum() == 0:
        raise DataError(f"no row has both {marker!r} and {outcome!r} observed")
    high = mv[keep] >= threshold
    event = ov[keep] == 1
    counts = np.array(
        [
            [np.sum(~high & ~event), np.sum(~high & event)],
            [np.sum(high & ~event), np.sum(high & event)],
        ]
    )
    table = pd.DataFrame(counts, index=["below", "at_or_above"], columns=["no_event", "event"])
    if (counts.sum(axis=0) == 0).any() or (counts.sum(axis=1) == 0).any():
        raise DataError(
            f"every subject is on one side of threshold {threshold:g} or has the same outcome: "
            f"the 2 x 2 table {counts.tolist()} has an empty margin, so no odds ratio exists"
        )
    a, b = counts[0]
    c, d = counts[1]
    z = stats.norm.ppf(1 - (1 - level) / 2)
    with np.errstate(divide="ignore"):
        wald_or = (a * d) / (b * c) if b * c > 0 else (np.inf if a * d > 0 else np.nan)
    if counts.min() > 0:
        log_or = np.log(wald_or)
        se = np.sqrt((1.0 / counts).sum())
        wald = (wald_or, np.exp(log_or - z * se), np.exp(log_or + z * se),
                2 * stats.norm.sf(abs(log_or) / se))  # fmt: skip
    else:
        wald = (wald_or, np.nan, np.nan, np.nan)
    p, est, lo, hi = fisher_2x2(counts, level)
    estimates = pd.DataFrame(
        [("wald", *wald), ("fisher", est, lo, hi, p)],
        columns=["method", "estimate", "ci_lower", "ci_upper", "p_value"],
    )
    return ThresholdOddsRatio(
        table=table,
        estimates=estimates,
        marker=marker,
        outcome=outcome,
        threshold=float(threshold),
        n=int(keep.sum()),
        conf_level=level,
    )
