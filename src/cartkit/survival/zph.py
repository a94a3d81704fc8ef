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

from ..errors import DataError
from ._cox_fit import RiskSets, information, term_sums

__all__ = ["TRANSFORMS", "scaled_schoenfeld", "zph_test"]

#: the time transforms R's cox.zph accepts by name
TRANSFORMS = ("km", "identity", "rank", "log")


def _left_km(rs: RiskSets, times: np.ndarray) -> np.ndarray:
    """Kaplan-Meier survival just before ``times``, ``S(t-)``, of the pooled data.

    Strata are ignored, as R; with ``(start, stop]`` rows the risk set at ``u`` is the rows
    with ``start < u <= stop`` (delayed entry).
    """
    stop, dead = rs.stop_all, rs.dead_all
    death_times, d = np.unique(stop[dead], return_counts=True)
    stops = np.sort(stop)
    n_risk = len(stops) - np.searchsorted(stops, death_times, side="left")
    if rs.start_all is not None:
        starts = np.sort(rs.start_all)
        n_risk = n_risk - (len(starts) - np.searchsorted(starts, death_times, side="left"))
    surv = np.cumprod(1.0 - d / n_risk)
    before = np.r_[1.0, surv]
    return before[np.searchsorted(death_times, times, side="left")]


def _transform(rs: RiskSets, transform: str) -> np.ndarray:
    """The transformed time at each event time of the fit (R cox.zph's ``ttimes``)."""
    t = rs.event_time
    if transform == "km":
        return 1.0 - _left_km(rs, t)
    if transform == "identity":
        return t.astype(float)
    if transform == "rank":
        # average rank among every row's stop time, as R's rank(y[, "stop"])
        stops = np.sort(rs.stop_all)
        below = np.searchsorted(stops, t, side="left")
        upto = np.searchsorted(stops, t, side="right")
        return (below + upto + 1) / 2.0
    if transform == "log":
        if np.any(rs.stop_all <= 0):
            raise DataError("ph_test(transform='log') needs every time > 0; use 'km' or 'rank'")
        return np.log(t)
    raise DataError(f"ph_test: transform must be one of {TRANSFORMS}, got {transform!r}")


def _centred_g(rs: RiskSets, transform: str) -> np.ndarray:
    """g(t) at each death (in the fit's row order), centred at its mean over the deaths."""
    g = _transform(rs, transform)[rs.k2[rs.dead]]
    g = g - g.mean()
    if len(g) == 0 or np.ptp(g) == 0.0:
        raise DataError(
            "ph_test: every event happens at the same time, so hazard ratios cannot be "
            "compared over time; the test needs events at two or more distinct times"
        )
    return g


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
    g_dead = _centred_g(rs, transform)
    ts = term_sums(rs, beta)
    # every term of an event time shares its g
    g_event = np.zeros(len(rs.event_time))
    g_event[rs.k2[rs.dead]] = g_dead
    g_term = g_event[rs.term_event]
    p = len(beta)
    u = np.zeros(2 * p)
    u[p:] = (rs.x[rs.dead] * g_dead[:, None]).sum(axis=0) - g_term @ ts.mean
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
    nk = len(rs.event_time)
    # Schoenfeld residual: each death minus the average of its event time's term means
    counts = np.bincount(rs.term_event, minlength=nk)
    mean_sum = np.zeros((nk, p))
    np.add.at(mean_sum, rs.term_event, ts.mean)
    dead_event = rs.k2[rs.dead]
    resid = rs.x[rs.dead] - mean_sum[dead_event] / counts[dead_event, None]

    # used[s, j]: events of stratum s when column j varies within it, else 0 (R's zph1)
    n_strata = len(rs.varies)
    deaths = np.bincount(rs.stratum[rs.dead], minlength=n_strata)
    used = rs.varies * deaths[:, None].astype(float)
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

    dead_stratum = rs.stratum[rs.dead]
    scaled = np.full_like(resid, np.nan)
    for i in np.flatnonzero(deaths):
        k = np.flatnonzero(used[i] > 0)
        rows = dead_stratum == i
        if len(k):
            block = np.ix_(rows, k)
            scaled[block] = np.linalg.solve(vmean[np.ix_(k, k)], resid[block].T).T
    scaled += shift

    ttime = _transform(rs, transform)[dead_event]
    n_dead, n_terms = scaled.shape
    return pd.DataFrame(
        {
            "time": np.repeat(rs.event_time[dead_event], n_terms),
            "transformed_time": np.repeat(ttime, n_terms),
            "term": np.tile([name for name, _ in groups], n_dead),
            "estimate": scaled.reshape(-1),
        }
    )
