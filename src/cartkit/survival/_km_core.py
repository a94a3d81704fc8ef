"""Vectorised Kaplan-Meier steps and R's pointwise confidence intervals.

Follows R survival 3.x (``survfitKM`` and its C routine, ``survfit_confint``): one step per
distinct time of each group, the product-limit estimate as a product of (n - d) / n, Greenwood's
sum d / (n (n - d)) for the variance of log S (infinite once S reaches 0, as in R). With
counting-process rows the number at risk at ``t`` counts the rows with ``start < t <= stop``
(delayed entry; a subject may move between groups), as R's survfitkm.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy.stats import norm

CONF_TYPES = ("log-log", "log", "plain")
TOL = float(np.sqrt(np.finfo(float).eps))  # R: sqrt(.Machine$double.eps)


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


def fix_times(time: np.ndarray) -> np.ndarray:
    """Merge times that differ only by rounding error, as R's ``aeqSurv`` (timefix = TRUE).

    Over the whole data set, distinct times closer than sqrt(machine epsilon), absolutely or
    relative to the mean absolute distinct time, become the smaller of them, so a time computed
    two ways (e.g. months from days) still ties.
    """
    u = np.unique(time)
    if len(u) < 2:
        return time
    dy = np.diff(u)
    scale = np.mean(np.abs(u))
    tied = (dy <= TOL) | (dy / scale <= TOL) if scale > 0 else dy <= TOL
    if not tied.any():
        return time
    keep = np.r_[True, ~tied]
    cuts = u[keep]
    moved = u[1:][tied]  # sorted, usually few: the search below stays in cache
    target = cuts[(np.cumsum(keep) - 1)[1:][tied]]
    pos = np.minimum(np.searchsorted(moved, time), len(moved) - 1)
    hit = moved[pos] == time
    out = time.copy()
    out[hit] = target[pos[hit]]
    return out


def split_groups(codes: np.ndarray, n_groups: int):
    """Row order that puts each group's rows together, and each group's offsets into it."""
    if n_groups == 1:
        return None, np.array([0, len(codes)])
    # a stable sort of small integers is a radix sort: linear time
    small = codes.astype(np.int16) if n_groups < 2**15 else codes
    order = np.argsort(small, kind="stable")
    offsets = np.searchsorted(codes[order], np.arange(n_groups + 1), side="left")
    return order, offsets


def _one_curve(time: np.ndarray, event: np.ndarray):
    """Distinct times, numbers at risk, events and censorings of one group (unsorted input)."""
    ts = np.sort(time)
    te = np.sort(time[event])
    n = len(ts)
    brk = np.empty(n, dtype=bool)
    brk[0] = True
    np.not_equal(ts[1:], ts[:-1], out=brk[1:])
    idx = np.flatnonzero(brk)
    distinct = ts[idx]
    size = np.diff(np.append(idx, n))
    d = np.diff(np.searchsorted(te, distinct, side="right"), prepend=0)
    return distinct, n - idx, d, size - d


def _one_counting_curve(start, stop, event, real_end):
    """As :func:`_one_curve` for (start, stop] rows: times are the ends of follow-up and events.

    A row ending inside a subject's run of intervals (``real_end`` False) is neither a time
    of the table nor a censoring, as R's survfitkm with an id.
    """
    stops = np.sort(stop)
    starts = np.sort(start)
    times = np.unique(stop[event | real_end])
    n_risk = (len(stops) - np.searchsorted(stops, times, side="left")) - (
        len(starts) - np.searchsorted(starts, times, side="left")
    )
    te = np.sort(stop[event])
    tc = np.sort(stop[~event & real_end])
    d = np.searchsorted(te, times, side="right") - np.searchsorted(te, times, side="left")
    c = np.searchsorted(tc, times, side="right") - np.searchsorted(tc, times, side="left")
    return times, n_risk, d, c


def km_steps(time, event, codes, n_groups, start=None, real_end=None) -> Steps:
    """Kaplan-Meier estimate and Greenwood variance of every group, from unsorted arrays.

    ``start`` (optional) holds the interval starts of counting-process rows; ``real_end``
    which rows end a subject's follow-up in its group (default all).
    """
    if start is None:
        time = fix_times(time)
    else:
        both = fix_times(np.concatenate([start, time]))
        start, time = both[: len(time)], both[len(time) :]
        if real_end is None:
            real_end = np.ones(len(time), dtype=bool)
    order, offsets_in = split_groups(codes, n_groups)
    if order is not None:
        time, event = time[order], event[order]
        if start is not None:
            start, real_end = start[order], real_end[order]
    spans = [slice(offsets_in[g], offsets_in[g + 1]) for g in range(n_groups)]
    if start is None:
        parts = [_one_curve(time[sl], event[sl]) for sl in spans]
    else:
        parts = [_one_counting_curve(start[sl], time[sl], event[sl], real_end[sl]) for sl in spans]
    lengths = np.array([len(p[0]) for p in parts])
    t, n_risk, d, c = (np.concatenate([p[i] for p in parts]) for i in range(4))
    nr = n_risk.astype(np.float64)
    df = d.astype(np.float64)
    factor = (nr - df) / nr
    with np.errstate(divide="ignore", invalid="ignore"):
        term = np.where(d > 0, df / (nr * (nr - df)), 0.0)
    offsets = np.concatenate(([0], np.cumsum(lengths)))
    surv = np.empty(len(t))
    var_log = np.empty(len(t))
    for g in range(n_groups):
        a, b = offsets[g], offsets[g + 1]
        np.cumprod(factor[a:b], out=surv[a:b])
        np.cumsum(term[a:b], out=var_log[a:b])
    return Steps(
        code=np.repeat(np.arange(n_groups), lengths),
        time=t,
        n_risk=n_risk,
        n_events=d,
        n_censored=c,
        surv=surv,
        var_log=var_log,
        offsets=offsets,
        n=np.diff(offsets_in),
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
