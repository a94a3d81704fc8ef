"""Quantiles of a Kaplan-Meier curve and of its confidence bands, by R's rules.

Two rules, both R survival 3.x:

* ``median_rule`` is the median of ``print(fit)`` / ``summary(fit)$table`` (``survmean``): the
  first time the curve is <= 0.5; when it sits exactly on 0.5 (within sqrt(machine epsilon)),
  the midpoint of that time and the time of the next drop. A curve that ends flat on 0.5 gives
  the start of the flat. The interval applies the same rule to the lower and upper bands.
* ``quantile_rule`` is ``quantile.survfit``: the same midpoint rule on the distribution function
  1 - S for any probability p; a curve that ends flat on 1 - p gives the midpoint of the flat
  and the last follow-up time.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

TOL = float(np.sqrt(np.finfo(float).eps))  # R: sqrt(.Machine$double.eps)


def median_rule(time: np.ndarray, y: np.ndarray, p: float = 0.5) -> float:
    """First time a survival-scale curve ``y`` reaches ``p``, midpoint of a flat at ``p``."""
    keep = ~np.isnan(y) & (y < p + TOL)
    if not keep.any():
        return np.nan
    x = time[keep]
    yk = y[keep]
    below = np.flatnonzero(yk < yk[0])
    if abs(yk[0] - p) < TOL and len(below):
        return (x[0] + x[below[0]]) / 2.0
    return float(x[0])


def _approx_index(knots: np.ndarray, index: np.ndarray, p: float) -> float:
    """R ``approx(knots, index, p, method="constant", f=1)``: index of the first knot >= p."""
    ok = ~np.isnan(knots)
    knots, index = knots[ok], index[ok]
    if len(knots) == 0:
        return np.nan
    order = np.argsort(knots, kind="stable")
    knots, index = knots[order], index[order]
    if p < knots[0] or p > knots[-1]:
        return np.nan
    return index[np.searchsorted(knots, p, side="left")]


def quantile_rule(time: np.ndarray, surv: np.ndarray, p: float, first: float = 0.0) -> float:
    """Time at which the distribution function 1 - ``surv`` reaches ``p`` (R ``findq``)."""
    x = np.concatenate(([first], time))
    y = np.concatenate(([0.0], 1.0 - surv))
    if np.all(np.isnan(y)) or np.nanmax(y) < p:
        return np.nan
    xmax = x[-1]
    # the censored times repeat a value; R drops every repeat (NaN counts as a value)
    keep = ~pd.Series(y).duplicated().to_numpy()
    x, y = x[keep], y[keep]
    index = np.arange(len(y))
    i1 = _approx_index(y + TOL, index, p)
    i2 = _approx_index(y - TOL, index, p)
    quant = np.nan if np.isnan(i1) or np.isnan(i2) else (x[int(i1)] + x[int(i2)]) / 2.0
    if p == 0:
        quant = x[0]
    if not np.isnan(y[-1]) and abs(p - y[-1]) < TOL:  # the curve ends flat on p
        quant = np.nan if np.isnan(i1) else (x[int(i1)] + xmax) / 2.0
    return float(quant)
