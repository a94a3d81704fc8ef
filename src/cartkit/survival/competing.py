"""Cumulative incidence of competing events (Aalen-Johansen), with variances as R cmprsk.

The estimate of cause ``k`` at time ``t`` is the Aalen-Johansen (empirical) cumulative incidence
``F_k(t) = sum_{t_j <= t} S(t_j-) d_kj / n_j`` with ``S`` the all-cause Kaplan-Meier survival. Its
variance is the one R ``cmprsk::cuminc`` reports (Gray's delta-method formula with a correction
for tied events), not the Greenwood-type Aalen-Johansen variance of ``survival::survfit``; the
variance changes only at the times of events of cause ``k``, exactly as in cmprsk.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd
from scipy import stats

from .._core.checks import check_conf_level
from .._core.frames import plain_text_fields, plain_text_result
from ..errors import DataError
from ._cr_input import CompetingData, prepare

if TYPE_CHECKING:  # pragma: no cover
    from .gray import GrayTests

__all__ = ["CIF", "cumulative_incidence"]

_CONF_TYPES = ("log-log", "plain")
_AT_COLUMNS = ["group", "cause", "time", "estimate", "variance", "ci_lower", "ci_upper"]
_TABLE_COLUMNS = [
    "group",
    "cause",
    "time",
    "n_risk",
    "n_events",
    "estimate",
    "variance",
    "ci_lower",
    "ci_upper",
]
_SURV_COLUMNS = ["group", "time", "n_risk", "n_events", "n_censored", "estimate"]


@dataclass(frozen=True)
class _Curve:
    """Step functions of one group: its distinct times, all-cause survival and each cause."""

    time: np.ndarray
    n_risk: np.ndarray
    n_events: np.ndarray
    n_censored: np.ndarray
    survival: np.ndarray
    cause_events: Mapping[int, np.ndarray]
    estimate: Mapping[int, np.ndarray]
    variance: Mapping[int, np.ndarray]


def _cif_variance(
    r: np.ndarray, d: np.ndarray, d1: np.ndarray, s_before: np.ndarray, s_after: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """Cumulative incidence of one cause and its cmprsk variance at each distinct time.

    ``r`` at risk, ``d`` events of any cause, ``d1`` events of this cause, ``s_before`` and
    ``s_after`` the all-cause survival just before and at each time.
    """
    f = np.cumsum(s_before * d1 / r)
    d2 = d - d1
    alive = r > d  # all-cause survival still positive after this time
    with np.errstate(divide="ignore", invalid="ignore"):
        inv = np.where(alive, 1.0 / s_after, 0.0)
        denom = np.maximum(r - 1.0, 1.0)
        # ties correction: several events at once count as draws without replacement
        tie2 = np.where(d2 > 1, 1.0 - (d2 - 1.0) / denom, 1.0)
        tie1 = np.where(d1 > 1, 1.0 - (d1 - 1.0) / denom, 1.0)
    w2 = np.where((d2 > 0) & alive, s_before**2 * tie2 * d2 / r**2, 0.0)
    w1 = np.where(d1 > 0, s_before**2 * tie1 * d1 / r**2, 0.0)
    a1 = 1.0 + inv * f
    # three running sums whose combination at a jump gives the variance (cmprsk's v1, v2, v3)
    v1 = np.cumsum((f * inv) ** 2 * w2 + a1**2 * w1)
    v2 = np.cumsum(f * inv**2 * w2 + inv * a1 * w1)
    v3 = np.cumsum(inv**2 * w2 + inv**2 * w1)
    at_jump = v1 + f**2 * v3 - 2.0 * f * v2
    last = np.maximum.accumulate(np.where(d1 > 0, np.arange(len(r)), -1))
    var = np.where(last >= 0, at_jump[np.maximum(last, 0)], 0.0)
    return f, var


def _curve(t: np.ndarray, e: np.ndarray, causes: Iterable[int]) -> _Curve:
    times, inverse = np.unique(t, return_inverse=True)
    k = len(times)
    count = np.bincount(inverse, minlength=k).astype(float)
    r = len(t) - np.concatenate(([0.0], np.cumsum(count)[:-1]))
    d = np.bincount(inverse, weights=(e > 0).astype(float), minlength=k)
    s_after = np.cumprod(1.0 - d / r)
    s_before = np.concatenate(([1.0], s_after[:-1]))
    events, est, var = {}, {}, {}
    for c in causes:
        d1 = np.bincount(inverse, weights=(e == c).astype(float), minlength=k)
        events[c] = d1
        est[c], var[c] = _cif_variance(r, d, d1, s_before, s_after)
    return _Curve(
        time=times,
        n_risk=r,
        n_events=d,
        n_censored=count - d,
        survival=s_after,
        cause_events=events,
        estimate=est,
        variance=var,
    )


def _interval(
    est: np.ndarray, var: np.ndarray, conf_level: float, conf_type: str
) -> tuple[np.ndarray, np.ndarray]:
    z = stats.norm.ppf(0.5 + conf_level / 2.0)
    se = np.sqrt(np.maximum(var, 0.0))
    if conf_type == "plain":
        return np.clip(est - z * se, 0.0, 1.0), np.clip(est + z * se, 0.0, 1.0)
    lower, upper = est.astype(float).copy(), est.astype(float).copy()
    inside = (est > 0) & (est < 1) & (se > 0)
    f = est[inside]
    theta = z * se[inside] / (f * np.log(f))  # negative: log F < 0
    lower[inside] = f ** np.exp(-theta)
    upper[inside] = f ** np.exp(theta)
    nan = np.isnan(est)
    lower[nan] = upper[nan] = np.nan
    return lower, upper


def _step(times: np.ndarray, values: np.ndarray, at: np.ndarray, start: float) -> np.ndarray:
    """Right-continuous step function at ``at``: NaN beyond the last time, as cmprsk."""
    idx = np.searchsorted(times, at, side="right") - 1
    out = np.where(idx >= 0, values[np.maximum(idx, 0)], start)
    out = np.where((at > times[-1]) | (at < 0), np.nan, out)
    return out.astype(float)


def _as_times(times: Any) -> np.ndarray:
    arr = np.atleast_1d(np.asarray(times, dtype=float))
    if arr.ndim != 1 or np.isnan(arr).any():
        raise DataError(f"times must be a number or a 1-d sequence of numbers, got {times!r}")
    return arr


@dataclass(frozen=True)
class CIF:
    """Cumulative incidence functions of competing events, by group.

    Attributes
    ----------
    table : pandas.DataFrame
        One row per group, cause and distinct observed time of the group, with columns
        ``group, cause, time, n_risk, n_events, estimate, variance, ci_lower, ci_upper``
        (``n_events`` counts events of that cause at that time).
    survival : pandas.DataFrame
        All-cause Kaplan-Meier survival of the same fit: ``group, time, n_risk, n_events,
        n_censored, estimate``. At every time, the cumulative incidences of all causes plus this
        survival sum to one.
    causes : tuple of int
        Cause codes with at least one event, in increasing order.
    groups : tuple
        Group levels in order (``(None,)`` without groups).
    conf_level : float
        Confidence level of the intervals.
    conf_type : str
        ``"log-log"`` or ``"plain"``.
    n : int
        Number of observations used.
    n_excluded : int
        Rows left out for a missing time, event, group or strata value.
    """

    table: pd.DataFrame
    survival: pd.DataFrame
    causes: tuple[int, ...]
    groups: tuple
    conf_level: float
    conf_type: str
    n: int
    n_excluded: int
    _curves: tuple[_Curve, ...] = field(repr=False, compare=False)
    _data: CompetingData = field(repr=False, compare=False)

    def __post_init__(self) -> None:
        plain_text_fields(self)

    @plain_text_result
    def at(self, times: Any) -> pd.DataFrame:
        """Cumulative incidence of every group and cause at ``times``, as cmprsk ``timepoints``.

        Parameters
        ----------
        times : float or sequence of float
            Times at which to read the step functions (the value at or before each time).

        Returns
        -------
        pandas.DataFrame
            Columns ``group, cause, time, estimate, variance, ci_lower, ci_upper``. Times after
            the last observed time of a group (or negative) give NaN, as in cmprsk.
        """
        at = _as_times(times)
        parts = []
        for level, curve in zip(self.groups, self._curves, strict=True):
            for c in self.causes:
                est = _step(curve.time, curve.estimate[c], at, 0.0)
                var = _step(curve.time, curve.variance[c], at, 0.0)
                lo, hi = _interval(est, var, self.conf_level, self.conf_type)
                parts.append(
                    pd.DataFrame(
                        {
                            "group": [level] * len(at),
                            "cause": c,
                            "time": at,
                            "estimate": est,
                            "variance": var,
                            "ci_lower": lo,
                            "ci_upper": hi,
                        }
                    )
                )
        if not parts:
            return pd.DataFrame({c: [] for c in _AT_COLUMNS})
        return pd.concat(parts, ignore_index=True)[_AT_COLUMNS]

    def at_risk(self, times: Any) -> pd.DataFrame:
        """Numbers at risk of any event at ``times``, for risk tables under figures.

        Parameters
        ----------
        times : float or sequence of float
            Times (>= 0) at which to count.

        Returns
        -------
        pandas.DataFrame
            ``group, time, n_risk``: per group, the subjects whose time is at or after each
            time (still followed and free of every cause), as :meth:`KM.at_risk`.
        """
        at = _as_times(times)
        if np.any(at < 0):
            raise DataError(f"times must be non-negative, got {times!r}")
        parts = []
        for level, curve in zip(self.groups, self._curves, strict=True):
            # n_risk at each distinct time counts those with time >= it; after the last: 0
            idx = np.searchsorted(curve.time, at, side="left")
            padded = np.r_[curve.n_risk, 0.0]
            parts.append(
                pd.DataFrame(
                    {
                        "group": [level] * len(at),
                        "time": at,
                        "n_risk": padded[idx].astype(np.int64),
                    }
                )
            )
        return pd.concat(parts, ignore_index=True)

    @plain_text_result
    def survival_at(self, times: Any) -> pd.DataFrame:
        """All-cause survival of every group at ``times`` (NaN after a group's last time).

        Parameters
        ----------
        times : float or sequence of float
            Times at which to read the Kaplan-Meier step function.

        Returns
        -------
        pandas.DataFrame
            Columns ``group, time, estimate``.
        """
        at = _as_times(times)
        parts = [
            pd.DataFrame(
                {
                    "group": [level] * len(at),
                    "time": at,
                    "estimate": _step(curve.time, curve.survival, at, 1.0),
                }
            )
            for level, curve in zip(self.groups, self._curves, strict=True)
        ]
        return pd.concat(parts, ignore_index=True)

    def gray_test(self, rho: float = 0.0) -> GrayTests:
        """Gray's K-sample test of equal cumulative incidence across groups, for each cause.

        As R ``cmprsk::cuminc(..., group, strata)$Tests``: stratified when the fit was given
        ``strata``.

        Parameters
        ----------
        rho : float
            Power of the weight ``(1 - F(t-))^rho``; 0 (cmprsk's default) weighs all times alike.

        Returns
        -------
        GrayTests
            ``res[cause]``: the :class:`cartkit.results.Test` of each cause; ``res.table``:
            one row per cause, ``cause, statistic, dof, p_value``.
        """
        from .gray import gray_statistics

        if len(self.groups) < 2:
            raise DataError(
                "Gray's test compares groups: fit cumulative_incidence with a group column "
                "that has at least two levels"
            )
        return gray_statistics(self._data, self.causes, rho=rho)


def cumulative_incidence(
    df: pd.DataFrame,
    *,
    time: str,
    event: str,
    group: str | None = None,
    conf_level: float = 0.95,
    conf_type: str = "log-log",
    strata: str | None = None,
) -> CIF:
    """Aalen-Johansen cumulative incidence of each competing event, with cmprsk variances.

    Parameters
    ----------
    df : pandas.DataFrame
        One row per subject.
    time : str
        Column of follow-up times (non-negative).
    event : str
        Column of event codes: 0 censored, 1, 2, ... the cause of the first event.
    group : str, optional
        Column defining groups; one set of curves per group (levels in sorted order, or in
        category order for a pandas Categorical).
    conf_level : float
        Confidence level of the pointwise intervals.
    conf_type : {"log-log", "plain"}
        Interval on the ``log(-log F)`` scale (default; stays within (0, 1)) or ``F +- z se``
        clipped to [0, 1]. cmprsk reports no intervals, only the variance.
    strata : str, optional
        Column of strata for a stratified Gray's test (cmprsk ``strata=``); the curves ignore it.

    Returns
    -------
    CIF

    Raises
    ------
    DataError
        Missing columns, negative or infinite times, event codes that are not non-negative
        integers, or no complete row. Rows with a missing value are left out and counted.
    """
    conf_level = check_conf_level(conf_level)
    if conf_type not in _CONF_TYPES:
        raise DataError(f"conf_type must be one of {_CONF_TYPES}, got {conf_type!r}")
    data = prepare(df, time=time, event=event, group=group, strata=strata, what="data")
    causes = tuple(int(c) for c in np.unique(data.event[data.event > 0]))
    curves, rows, surv_rows = [], [], []
    for gi, level in enumerate(data.group_levels):
        mask = data.group == gi
        curve = _curve(data.time[mask], data.event[mask], causes)
        curves.append(curve)
        m = len(curve.time)
        surv_rows.append(
            pd.DataFrame(
                {
                    "group": [level] * m,
                    "time": curve.time,
                    "n_risk": curve.n_risk.astype(np.int64),
                    "n_events": curve.n_events.astype(np.int64),
                    "n_censored": curve.n_censored.astype(np.int64),
                    "estimate": curve.survival,
                }
            )
        )
        for c in causes:
            est, var = curve.estimate[c], curve.variance[c]
            lo, hi = _interval(est, var, conf_level, conf_type)
            rows.append(
                pd.DataFrame(
                    {
                        "group": [level] * m,
                        "cause": c,
                        "time": curve.time,
                        "n_risk": curve.n_risk.astype(np.int64),
                        "n_events": curve.cause_events[c].astype(np.int64),
                        "estimate": est,
                        "variance": var,
                        "ci_lower": lo,
                        "ci_upper": hi,
                    }
                )
            )
    table = (
        pd.concat(rows, ignore_index=True)[_TABLE_COLUMNS]
        if rows
        else pd.DataFrame({c: [] for c in _TABLE_COLUMNS})
    )
    return CIF(
        table=table,
        survival=pd.concat(surv_rows, ignore_index=True)[_SURV_COLUMNS],
        causes=causes,
        groups=tuple(data.group_levels),
        conf_level=conf_level,
        conf_type=conf_type,
        n=len(data.time),
        n_excluded=data.n_excluded,
        _curves=tuple(curves),
        _data=data,
    )
