"""Test of proportional hazards from scaled Schoenfeld residuals, as R survival 3.x ``cox.zph``.

The test is the score test of adding ``x * g(t)`` to the fitted model, at the fitted
coefficients and zero for the new terms (Grambsch and Therneau 1994; survival >= 3.0 computes
it exactly instead of with the older one-step approximation). ``g`` is the transformed time
centred at its mean over the deaths; with ``transform="km"`` it is ``1 - S(t-)``, the
left-continuous Kaplan-Meier estimate of the pooled data (strata ignored, as in R).
Only :class:`cartkit.survival.cox.Cox` calls this; use ``Cox.ph_test()``.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd
from scipy import stats
from scipy.stats import rankdata

from ..errors import DataError
from ._cox_fit import RiskSets, information, term_sums

__all__ = ["TRANSFORMS", "scaled_schoenfeld", "zph_test"]

#: the time transforms R's cox.zph accepts by name
TRANSFORMS = ("km", "identity", "rank", "log")


def _left_km(time: np.ndarray, dead: np.ndarray) -> np.ndarray:
    """Kaplan-Meier survival just before each time, ``S(t-)``, of the pooled data."""
    uniq, inverse = np.unique(time, return_inverse=True)
    n_dead = np.bincount(inverse, weights=dead.astype(float), minlength=len(uniq))
    n_at = np.bincount(inverse, minlength=len(uniq)).astype(float)
    n_risk = np.cumsum(n_at[::-1])[::-1]
    surv = np.cumprod(1.0 - n_dead / n_risk)
    before = np.r_[1.0, surv[:-1]]
    return before[inverse]


def _transform(time: np.ndarray, dead: np.ndarray, transform: str) -> np.ndarray:
    if transform == "km":
        return 1.0 - _left_km(time, dead)
    if transform == "identity":
        return time.astype(float)
    if transform == "rank":
        return rankdata(time)  # average ranks for ties, as R's rank()
    if transform == "log":
        if np.any(time <= 0):
            raise DataError("ph_test(transform='log') needs every time > 0; use 'km' or 'rank'")
        return np.log(time)
    raise DataError(f"ph_test: transform must be one of {TRANSFORMS}, got {transform!r}")


def zph_test(
    rs: RiskSets,
    beta: np.ndarray,
    groups: Sequence[tuple[str, Sequence[int]]],
    transform: str = "km",
) -> pd.DataFrame:
    """Per-covariate and global score tests of proportional hazards.

    Parameters
    ----------
    rs : RiskSets
        The sorted data of the fit.
    beta : numpy.ndarray
        Fitted coefficients.
    groups : sequence of (name, column indices)
        One test per group (a categorical covariate's indicator columns test together).
    transform : {"km", "identity", "rank", "log"}
        Function of time the hazard ratios are tested against.

    Returns
    -------
    pandas.DataFrame
        Columns ``term, statistic, dof, p_value``; one row per group and a ``GLOBAL`` row.
    """
    g_row = _transform(rs.time, rs.dead, transform)
    g_row = g_row - g_row[rs.dead].mean()
    if np.ptp(g_row[rs.dead]) == 0.0:
        raise DataError(
            "ph_test: every event happens at the same time, so hazard ratios cannot be "
            "compared over time; the test needs events at two or more distinct times"
        )
    ts = term_sums(rs, beta)
    # every term of a block shares the block's time, hence its g
    g_term = g_row[rs.starts][rs.term_block]
    p = len(beta)
    u = np.zeros(2 * p)
    u[p:] = (rs.x[rs.dead] * g_row[rs.dead, None]).sum(axis=0) - g_term @ ts.mean
    imat = np.empty((2 * p, 2 * p))
    imat[:p, :p] = information(rs, ts)
    imat[:p, p:] = imat[p:, :p] = information(rs, ts, g_term)
    imat[p:, p:] = information(rs, ts, g_term**2)

    def quadratic_form(kk: np.ndarray) -> float:
        try:
            return float(u[kk] @ np.linalg.solve(imat[np.ix_(kk, kk)], u[kk]))
        except np.linalg.LinAlgError:
            # e.g. a term whose x * g(t) is collinear with the model's own terms
            return float("nan")

    rows = [
        (name, quadratic_form(np.r_[np.arange(p), p + np.asarray(cols, dtype=int)]), len(cols))
        for name, cols in groups
    ]
    rows.append(("GLOBAL", quadratic_form(np.arange(2 * p)), p))
    table = pd.DataFrame(rows, columns=["term", "statistic", "dof"])
    table["dof"] = table["dof"].astype("int64")
    table["p_value"] = stats.chi2.sf(table["statistic"], table["dof"])
    return table


def scaled_schoenfeld(
    rs: RiskSets,
    beta: np.ndarray,
    groups: Sequence[tuple[str, Sequence[int]]],
    transform: str = "km",
) -> pd.DataFrame:
    """Scaled Schoenfeld residuals plus the coefficient: R's ``cox.zph(fit)$y``, long format.

    At each death, ``beta + V^-1 r`` where ``r`` is the Schoenfeld residual (the covariates
    minus their risk-weighted mean; for Efron ties the mean over the tied deaths' terms) and
    ``V`` the information divided by the number of events (per stratum, counting only strata
    where a covariate varies). A categorical covariate is collapsed to its linear predictor,
    whose coefficient is 1, as R does. Plotted against ``transformed_time`` they estimate the
    time-varying coefficient beta(t).

    Returns
    -------
    pandas.DataFrame
        Columns ``time, transformed_time, term, estimate``; one row per death and covariate, in
        order of stratum and time. ``estimate`` is NaN in a stratum where the covariate is
        constant.
    """
    ts = term_sums(rs, beta)
    p = len(beta)
    nb = len(rs.starts)
    # Schoenfeld residual: each death minus the average of its block's term means
    counts = np.bincount(rs.term_block, minlength=nb)
    mean_sum = np.zeros((nb, p))
    np.add.at(mean_sum, rs.term_block, ts.mean)
    dead_block = rs.block[rs.dead]
    resid = rs.x[rs.dead] - mean_sum[dead_block] / counts[dead_block, None]

    # used[s, j]: events of stratum s when column j varies within it, else 0 (R's zph1)
    row_stratum = rs.block_stratum[rs.block]
    strata = np.unique(row_stratum)
    used = np.zeros((len(strata), p))
    for i, s in enumerate(strata):
        rows = row_stratum == s
        varies = np.ptp(rs.x[rows], axis=0) > 0
        used[i] = varies * rs.dead[rows].sum()
    wt = np.zeros((p, p))
    for row in used:
        wt += np.minimum.outer(row, row)
    vmean = information(rs, ts) / np.where(wt == 0, 1.0, wt)

    # collapse multi-column covariates to their linear predictor
    collapse = np.zeros((p, len(groups)))
    shift = np.empty(len(groups))
    for i, (_, cols) in enumerate(groups):
        cols = list(cols)
        collapse[cols, i] = 1.0 if len(cols) == 1 else beta[cols]
        shift[i] = beta[cols[0]] if len(cols) == 1 else 1.0
    resid = resid @ collapse
    vmean = collapse.T @ vmean @ collapse
    used = used[:, [cols[0] for _, cols in groups]]

    dead_stratum = row_stratum[rs.dead]
    scaled = np.full_like(resid, np.nan)
    for i, s in enumerate(strata):
        k = np.flatnonzero(used[i] > 0)
        rows = dead_stratum == s
        if len(k) and rows.any():
            block = np.ix_(rows, k)
            scaled[block] = np.linalg.solve(vmean[np.ix_(k, k)], resid[block].T).T
    scaled += shift

    ttime = _transform(rs.time, rs.dead, transform)[rs.dead]
    n_dead, n_terms = scaled.shape
    return pd.DataFrame(
        {
            "time": np.repeat(rs.time[rs.dead], n_terms),
            "transformed_time": np.repeat(ttime, n_terms),
            "term": np.tile([name for name, _ in groups], n_dead),
            "estimate": scaled.reshape(-1),
        }
    )
