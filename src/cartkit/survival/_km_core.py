"""Vectorised Kaplan-Meier steps and R's pointwise confidence intervals.

Follows R survival 3.x (``survfitKM`` and its C routine, ``survfit_confint``): one step per
distinct time of each group, the product-limit estimate as a product of (n - d) / n, Greenwood's
sum d / (n (n - d)) for the variance of log S (infinite once S reaches 0, as in R).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy.stats import norm

from ._km_input import near_ties

CONF_TYPES = ("log-log", "log", "plain")


@dataclass(frozen=True)
class Steps:
    """One row per distinct time within each group, groups one after the other.

    ``offsets[g]:offsets[g + 1]`` is group g's slice; ``n[g]`` its number of observations.
    ``var_log`` is Greenwood's variance of log S (R's ``std.err`` squared, before summary).
    """

    code: np.ndarray
    time: np.ndarray
    n_risk: np.ndarray
    n_events: np.ndarray
    n_censored: np.ndarray
    surv: np.ndarray
    var_log: np.ndarray
    offsets: np.ndarray
    n: np.ndarray


def sort_by_group_time(time, event, codes, n_groups):
    """Sort by (group, time) after merging near-tied times over the whole data, as R does."""
    order = np.argsort(time, kind="stable")
    ts = near_ties(time[order])
    es = event[order]
    if n_groups > 1:
        cs = codes[order]
        # a stable sort by group keeps the time order within each group
        small = cs.astype(np.int16) if n_groups < 2**15 else cs
        o2 = np.argsort(small, kind="stable")
        ts, es, cs = ts[o2], es[o2], cs[o2]
    else:
        cs = np.zeros(len(ts), dtype=np.int64)
    return ts, es, cs


def km_steps(time, event, codes, n_groups) -> Steps:
    """Kaplan-Meier estimate and Greenwood variance of every group, from unsorted arrays."""
    ts, es, cs = sort_by_group_time(time, event, codes, n_groups)
    total = len(ts)
    brk = np.empty(total, dtype=bool)
    brk[0] = True
    np.not_equal(ts[1:], ts[:-1], out=brk[1:])
    if n_groups > 1:
        brk[1:] |= cs[1:] != cs[:-1]
    idx = np.flatnonzero(brk)
    size = np.diff(np.append(idx, total))
    d = np.add.reduceat(es.astype(np.int64), idx)
    code = cs[idx]
    group_end = np.searchsorted(cs, np.arange(n_groups), side="right")
    group_start = np.searchsorted(cs, np.arange(n_groups), side="left")
    n_risk = group_end[code] - idx
    nr = n_risk.astype(np.float64)
    df = d.astype(np.float64)
    factor = (nr - df) / nr
    with np.errstate(divide="ignore", invalid="ignore"):
        term = np.where(d > 0, df / (nr * (nr - df)), 0.0)
    offsets = np.searchsorted(code, np.arange(n_groups + 1), side="left")
    surv = np.empty(len(idx))
    var_log = np.empty(len(idx))
    for g in range(n_groups):
        a, b = offsets[g], offsets[g + 1]
        np.cumprod(factor[a:b], out=surv[a:b])
        np.cumsum(term[a:b], out=var_log[a:b])
    return Steps(
        code=code,
        time=ts[idx],
        n_risk=n_risk,
        n_events=d,
        n_censored=size - d,
        surv=surv,
        var_log=var_log,
        offsets=offsets,
        n=group_end - group_start,
    )


def z_value(conf_level: float) -> float:
    """Two-sided normal quantile for ``conf_level``."""
    return float(norm.ppf(1.0 - (1.0 - conf_level) / 2.0))


def confint(surv, var_log, conf_type: str, conf_level: float):
    """Pointwise interval of S as R's ``survfit_confint`` (log-scale standard error).

    NaN where R gives NA: log-log where S is 0 or 1, log where S is 0, and every type once
    Greenwood's variance is infinite (S = 0).
    """
    z = z_value(conf_level)
    se = np.sqrt(var_log)
    with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
        if conf_type == "plain":
            half = se * surv * z
            return np.maximum(surv - half, 0.0), np.minimum(surv + half, 1.0)
        if conf_type == "log":
            xx = np.where(surv == 0, np.nan, surv)
            return np.exp(np.log(xx) - z * se), np.minimum(np.exp(np.log(xx) + z * se), 1.0)
        xx = np.where((surv == 0) | (surv == 1), np.nan, surv)
        half = z * se / np.log(xx)
        loglog = np.log(-np.log(xx))
        return np.exp(-np.exp(loglog - half)), np.exp(-np.exp(loglog + half))


def std_err(surv, var_log):
    """Standard error of S (R's ``summary.survfit`` std.err): S times the SE of log S."""
    with np.errstate(invalid="ignore"):
        return surv * np.sqrt(var_log)
