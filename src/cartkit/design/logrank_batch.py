"""The two-group log-rank statistic of many trials at once (rows are trials).

``cartkit.survival.logrank`` tests one data set; a simulation needs the statistic of thousands of
trials per second, so here each row of a matrix is one trial and every step (sorting, risk sets,
tied event times) is a numpy operation over the whole matrix. The statistic is R's ``survdiff``
(hypergeometric variance, ties handled exactly), signed: ``z = (E - O) / sqrt(V)`` for the
experimental arm, so ``z > 0`` means fewer events than expected on it (benefit).
"""

from __future__ import annotations

import numpy as np

__all__ = ["logrank_z"]


def logrank_z(time, event, experimental, included=None) -> np.ndarray:
    """Signed log-rank z of each row.

    Parameters
    ----------
    time : numpy.ndarray, shape (trials, patients)
        Follow-up times.
    event : numpy.ndarray of bool, same shape
        Event (True) or censored.
    experimental : numpy.ndarray of bool, same shape or (patients,)
        Experimental arm (True) or control.
    included : numpy.ndarray of bool, optional
        Patients in the analysis (e.g. enrolled by the analysis time); all by default.

    Returns
    -------
    numpy.ndarray, shape (trials,)
        ``(E - O) / sqrt(V)`` for the experimental arm; NaN where the variance is 0.
    """
    time = np.asarray(time, dtype=float)
    trials, n = time.shape
    exp = np.broadcast_to(np.asarray(experimental, dtype=bool), time.shape)
    inc = np.ones(time.shape, bool) if included is None else np.asarray(included, bool)
    ev = np.asarray(event, bool) & inc
    # excluded patients go first in the sort and never count as at risk
    t = np.where(inc, time, -np.inf)
    order = np.argsort(t, axis=1, kind="stable")
    t = np.take_along_axis(t, order, axis=1)
    ev = np.take_along_axis(ev, order, axis=1)
    exp = np.take_along_axis(exp, order, axis=1)
    inc = np.take_along_axis(inc, order, axis=1)
    risk = np.cumsum(inc[:, ::-1], axis=1)[:, ::-1]
    risk1 = np.cumsum((inc & exp)[:, ::-1], axis=1)[:, ::-1]
    cum_d = np.cumsum(ev, axis=1)
    cum_d1 = np.cumsum(ev & exp, axis=1)
    # runs of tied times: risk sets at the first member, deaths summed over the run
    first = np.ones((trials, n), bool)
    first[:, 1:] = t[:, 1:] != t[:, :-1]
    last = np.ones((trials, n), bool)
    last[:, :-1] = first[:, 1:]
    idx = np.broadcast_to(np.arange(n), (trials, n))
    start = np.maximum.accumulate(np.where(first, idx, 0), axis=1)
    prev_d = np.where(start > 0, np.take_along_axis(cum_d, np.maximum(start - 1, 0), axis=1), 0)
    prev_d1 = np.where(start > 0, np.take_along_axis(cum_d1, np.maximum(start - 1, 0), axis=1), 0)
    d = np.where(last, cum_d - prev_d, 0).astype(float)
    d1 = np.where(last, cum_d1 - prev_d1, 0).astype(float)
    nr = np.take_along_axis(risk, start, axis=1).astype(float)
    nr1 = np.take_along_axis(risk1, start, axis=1).astype(float)
    with np.errstate(divide="ignore", invalid="ignore"):
        frac = np.where(nr > 0, nr1 / nr, 0.0)
        expected = d * frac
        var = np.where(nr > 1, d * frac * (1.0 - frac) * (nr - d) / (nr - 1.0), 0.0)
        v = var.sum(axis=1)
        z = (expected.sum(axis=1) - d1.sum(axis=1)) / np.sqrt(v)
    return np.where(v > 0, z, np.nan)
