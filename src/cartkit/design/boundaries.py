"""Critical values and futility bounds of group-sequential designs, as rpact computes them.

Efficacy bounds: the Wang-Tsiatis family ``c_k = C t_k^(Delta - 1/2)`` (O'Brien & Fleming 1979,
``Delta = 0``; Pocock 1977, ``Delta = 1/2``) with ``C`` such that the total type I error is
alpha; or error spending (Lan & DeMets 1983), each ``c_k`` such that the error spent by stage k
is the spending function at ``t_k``. Futility bounds by beta spending (rpact's
``typeBetaSpending``): for a drift ``theta`` the bounds spend beta under H1 stage by stage,
and ``theta`` is found so that the last futility bound meets the last critical value.
Non-binding futility leaves the efficacy bounds as they are; binding futility recomputes them
with the futility region in place.
Roots are found with Brent's method to 1e-12 (rpact bisects to 1e-8).
"""

from __future__ import annotations

import numpy as np
from scipy.optimize import brentq
from scipy.special import ndtri

from .probabilities import crossing_probabilities
from .spending import spending

__all__ = [
    "LOWER",
    "alpha_spending_bounds",
    "alpha_spent",
    "beta_spending_futility",
    "wang_tsiatis_bounds",
]

#: the "no futility bound" of a one-sided design (rpact's C_FUTILITY_BOUNDS_DEFAULT)
LOWER = -6.0
_TOL = 1e-12


def _root(f, lo: float, hi: float) -> float:
    """Root of a monotone ``f`` in [lo, hi]; the nearer end when the sign does not change."""
    flo, fhi = f(lo), f(hi)
    if flo == 0:
        return lo
    if fhi == 0:
        return hi
    if np.sign(flo) == np.sign(fhi):
        return lo if abs(flo) < abs(fhi) else hi
    return brentq(f, lo, hi, xtol=_TOL, rtol=4 * np.finfo(float).eps, maxiter=200)


def _bracketed_root(f, lo: float, hi: float, steps: int = 28) -> float:
    """Root of an increasing ``f``: scan [lo, hi] for the first sign change, then Brent."""
    grid = np.linspace(lo, hi, steps + 1)
    prev_x, prev_f = grid[0], f(grid[0])
    for x in grid[1:]:  # a few dozen evaluations at most
        fx = f(x)
        if prev_f <= 0 <= fx:
            return _root(f, prev_x, x)
        prev_x, prev_f = x, fx
    return _root(f, lo, hi)


def _rejection(crit, t, sided: int, futility=None) -> np.ndarray:
    """Per-stage probability under H0 of crossing the efficacy bound(s)."""
    k = len(crit)
    if sided == 1:
        lower = np.full(k, LOWER) if futility is None else futility
        p = crossing_probabilities(np.vstack([lower, crit]), t)
        return p[2] - p[1]
    if futility is None:
        p = crossing_probabilities(np.vstack([-crit, crit]), t)
        return p[2] - p[1] + p[0]
    p = crossing_probabilities(np.vstack([-crit, -futility, futility, crit]), t)
    return p[4] - p[3] + p[0]


def alpha_spent(crit, t, sided: int, futility=None) -> np.ndarray:
    """Cumulative type I error spent by each stage (rpact's ``alphaSpent``)."""
    return np.cumsum(_rejection(np.asarray(crit, float), np.asarray(t, float), sided, futility))


def wang_tsiatis_bounds(delta: float, alpha: float, t, sided: int) -> np.ndarray:
    """``C t^(delta - 1/2)`` with ``C`` giving total type I error ``alpha``."""
    t = np.asarray(t, float)
    shape = t ** (delta - 0.5)
    scale = _root(lambda c: _rejection(c * shape, t, sided).sum() - alpha, 0.0, 8.0)
    return scale * shape


def alpha_spending_bounds(
    cumulative: np.ndarray, t, sided: int, futility: np.ndarray | None = None
) -> np.ndarray:
    """Critical values spending ``cumulative[k]`` by stage k (futility: binding lower bounds)."""
    t = np.asarray(t, float)
    k_max = len(t)
    crit = np.empty(k_max)
    crit[0] = -ndtri(cumulative[0] / sided)
    for k in range(1, k_max):  # stage by stage: each bound depends on the ones before

        def excess(c, k=k):
            trial = crit[: k + 1].copy()
            trial[k] = c
            fut = None if futility is None else futility[: k + 1]
            return _rejection(trial, t[: k + 1], sided, fut).sum() - cumulative[k]

        crit[k] = _root(excess, 0.0, 8.0)
    return crit


def _futility_for_drift(beta_cum, t, crit, drift, sided_alpha_bounds=None):
    """Futility bounds spending ``beta_cum`` under drift ``drift`` (one-sided test)."""
    k_max = len(t)
    shift = np.sqrt(t) * drift
    fut = np.empty(k_max)
    fut[0] = ndtri(beta_cum[0]) + shift[0]
    if k_max > 1:
        fut[0] = min(fut[0], crit[0])
    for k in range(1, k_max):

        def excess(f, k=k):
            lower = fut[: k + 1].copy()
            lower[k] = f
            p = crossing_probabilities(
                np.vstack([lower - shift[: k + 1], crit[: k + 1] - shift[: k + 1]]), t[: k + 1]
            )
            return beta_cum[k] - p[0].sum()

        # an interim futility bound above the efficacy bound would leave no continuation region
        top = 5.0 if k == k_max - 1 else min(5.0, crit[k])
        fut[k] = _root(excess, -6.0, top)
    return fut


def beta_spending_futility(
    crit: np.ndarray,
    t,
    beta: float,
    kind: str,
    gamma: float | None,
    *,
    binding: bool,
    alpha_cumulative: np.ndarray | None = None,
) -> dict:
    """Futility bounds by beta spending for a one-sided design (rpact's one-sided algorithm).

    Returns the futility bounds of stages 1..K-1, the critical values (recomputed when the
    futility is binding), the drift, cumulative beta spent and cumulative power under the drift.
    """
    t = np.asarray(t, float)
    beta_cum = spending(kind, beta, t, 1, gamma)
    crit = np.asarray(crit, float).copy()
    state = {}

    if not binding:

        def gap(drift):
            fut = _futility_for_drift(beta_cum, t, crit, drift)
            state["fut"] = fut
            return fut[-1] - crit[-1]

    else:

        def gap(drift):
            fut = np.full(len(t), LOWER)
            c = crit.copy()
            shift = np.sqrt(t) * drift
            c[0] = -ndtri(alpha_cumulative[0])
            fut[0] = min(ndtri(beta_cum[0]) + shift[0], c[0])
            for k in range(1, len(t)):
                ck = alpha_spending_bounds(alpha_cumulative[: k + 1], t[: k + 1], 1, fut[: k + 1])
                c[k] = ck[k]
                fk = _futility_for_drift(beta_cum[: k + 1], t[: k + 1], c[: k + 1], drift)
                fut[k] = fk[k]
            state["fut"], state["crit"] = fut, c
            return fut[-1] - c[-1]

    drift = _bracketed_root(gap, -4.0, 10.0)
    gap(drift)
    fut = state["fut"]
    if binding:
        crit = state["crit"]
    shift = np.sqrt(t) * drift
    p = crossing_probabilities(np.vstack([fut - shift, crit - shift]), t)
    return {
        "futility": fut[:-1],
        "critical": crit,
        "drift": drift,
        "beta_spent": np.cumsum(p[0]),
        "power": np.cumsum(p[2] - p[1]),
    }
