"""Kaplan-Meier estimates as R ``survfit(Surv(time, event) ~ group, conf.type = ...)``.

With ``start``, counting-process rows ``survfit(Surv(start, time, event) ~ group)``: delayed
entry (left truncation), and subjects who move between groups (a Simon-Makuch curve).

Written here, vectorised with numpy: no well-kept library gives R's three interval types, R's
median rule and its interval, and R's ``summary(fit, times, extend = TRUE)`` look-up together
(see docs/methods.md, "Kaplan-Meier, log-rank and follow-up").
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from .._core.checks import check_conf_level
from .._core.frames import plain_text_fields, plain_text_result
from ..errors import DataError
from ._km_core import CONF_TYPES, Steps, confint, km_steps, std_err
from ._km_input import SurvData, survival_data
from ._km_quantile import median_rule, quantile_rule

__all__ = ["KM", "kaplan_meier"]

TABLE_COLUMNS = (
    "group",
    "time",
    "n_risk",
    "n_events",
    "n_censored",
    "estimate",
    "std_err",
    "ci_lower",
    "ci_upper",
)


def _labels(levels: list, codes: np.ndarray) -> pd.Series:
    """Group labels for ``codes``; a column of nulls when there is no group."""
    index = pd.Index(levels, dtype=object if levels == [None] else None)
    return pd.Series(index.take(codes), name="group")


def _query_times(times, what: str) -> np.ndarray:
    values = np.atleast_1d(np.asarray(times, dtype=object))
    try:
        out = values.astype(np.float64)
    except (TypeError, ValueError):
        raise DataError(f"{what}: times must be numbers, got {times!r}") from None
    if out.ndim != 1 or len(out) == 0:
        raise DataError(f"{what}: give one or more times, got {times!r}")
    if np.isnan(out).any() or (out < 0).any():
        raise DataError(
            f"{what}: times must be >= 0 and not missing (days from the origin), got {times!r}"
        )
    return out


@dataclass(frozen=True, eq=False)
class KM:
    """Kaplan-Meier estimate of one or more groups (the result of :func:`kaplan_meier`).

    Attributes
    ----------
    table : pandas.DataFrame
        One row per group and distinct time (censored times included, as R's ``survfit``):
        ``group, time, n_risk, n_events, n_censored, estimate, std_err, ci_lower, ci_upper``.
        ``std_err`` is the standard error of the estimate (Greenwood), as R's
        ``summary.survfit``. ``group`` is null when no group column was given.
    conf_level : float
        Confidence level of the pointwise intervals.
    conf_type : str
        ``"log-log"``, ``"log"`` or ``"plain"``.
    groups : tuple
        Group levels in output order (``(None,)`` without a group column).
    n : int
        Rows used.
    n_events : int
        Events among them.
    n_excluded : int
        Rows excluded because start, time, event, group or id was missing.
    start : str or None
        Column of interval starts of counting-process data (None for right-censored data).
    """

    table: pd.DataFrame
    conf_level: float
    conf_type: str
    groups: tuple
    n: int
    n_events: int
    n_excluded: int
    _steps: Steps = field(repr=False, compare=False)
    start: str | None = None
    _n_ids: np.ndarray | None = field(default=None, repr=False, compare=False)

    def __post_init__(self) -> None:
        plain_text_fields(self)

    def __repr__(self) -> str:
        groups = "none" if self.groups == (None,) else ", ".join(map(str, self.groups))
        return (
            f"KM(groups=[{groups}], n={self.n}, n_events={self.n_events},"
            f" n_excluded={self.n_excluded}, conf_type={self.conf_type!r},"
            f" conf_level={self.conf_level})"
        )

    def _group_slices(self):
        off = self._steps.offsets
        for g, label in enumerate(self.groups):
            yield g, label, slice(off[g], off[g + 1])

    def _lookup(self, times, what: str) -> pd.DataFrame:
        """R's ``summary(fit, times, extend = TRUE)`` per group, plus cumulative counts."""
        t = _query_times(times, what)
        st = self._steps
        lower = self.table["ci_lower"].to_numpy()
        upper = self.table["ci_upper"].to_numpy()
        se = self.table["std_err"].to_numpy()
        parts = []
        for g, _label, sl in self._group_slices():
            gt = st.time[sl]
            i = np.searchsorted(gt, t, side="right") - 1  # last step at or before t
            j = np.searchsorted(gt, t, side="left")  # first step at or after t
            before = i < 0  # before the first time: R's survfit0 row (S = 1, CI = 1)
            ii = np.maximum(i, 0) + sl.start
            nr = np.append(st.n_risk[sl], 0)[j]
            cum_d = np.cumsum(st.n_events[sl])
            cum_c = np.cumsum(st.n_censored[sl])
            parts.append(
                pd.DataFrame(
                    {
                        "code": np.full(len(t), g),
                        "time": t,
                        "n_risk": nr.astype(np.int64),
                        "n_events": np.where(before, 0, cum_d[np.maximum(i, 0)]),
                        "n_censored": np.where(before, 0, cum_c[np.maximum(i, 0)]),
                        "estimate": np.where(before, 1.0, st.surv[ii]),
                        "std_err": np.where(before, 0.0, se[ii]),
                        "ci_lower": np.where(before, 1.0, lower[ii]),
                        "ci_upper": np.where(before, 1.0, upper[ii]),
                    }
                )
            )
        out = pd.concat(parts, ignore_index=True)
        out.insert(0, "group", _labels(list(self.groups), out.pop("code").to_numpy()))
        return out

    @plain_text_result
    def survival_at(self, times) -> pd.DataFrame:
        """Survival at given times, as R ``summary(fit, times = times, extend = TRUE)``.

        Parameters
        ----------
        times : float or sequence of float
            Times (>= 0, same unit as the data), e.g. ``years_to_days(5)``.

        Returns
        -------
        pandas.DataFrame
            ``group, time, n_risk, estimate, std_err, ci_lower, ci_upper``: one row per group
            and time, times in the order given. ``n_risk`` is the number still at risk at the
            time (0 past the last follow-up); the estimate and interval are those of the step
            function at the time (the last value past the end of follow-up). As R, ``n_risk``
            is that of the first time of ``table`` at or after the time: with ``start`` it
            also counts rows entering between the two.
        """
        out = self._lookup(times, "survival_at")
        cols = ["group", "time", "n_risk", "estimate", "std_err", "ci_lower", "ci_upper"]
        return out[cols]

    @plain_text_result
    def at_risk(self, times) -> pd.DataFrame:
        """Numbers at risk and cumulative events and censorings, for risk tables under figures.

        Parameters
        ----------
        times : float or sequence of float
            Times (>= 0) at which to count.

        Returns
        -------
        pandas.DataFrame
            ``group, time, n_risk, n_events, n_censored``: patients at risk at the time (whose
            time is >= it; with ``start``, as R, those at risk at the first time of ``table``
            at or after it), and events and censorings at or before it.
        """
        out = self._lookup(times, "at_risk")
        return out[["group", "time", "n_risk", "n_events", "n_censored"]]

    @plain_text_result
    def median(self) -> pd.DataFrame:
        """Median survival and its interval by R's rule (``print(survfit(...))``).

        The median is the first time the curve is <= 0.5, or the midpoint of a flat segment at
        exactly 0.5 and the next drop; its limits are the times the lower and upper bands
        reach 0.5 by the same rule. NaN where a curve or band never reaches 0.5.

        Returns
        -------
        pandas.DataFrame
            ``group, estimate, ci_lower, ci_upper``, one row per group.
        """
        st = self._steps
        lower = self.table["ci_lower"].to_numpy()
        upper = self.table["ci_upper"].to_numpy()
        rows = []
        for _g, _label, sl in self._group_slices():
            t = st.time[sl]
            rows.append(
                (
                    median_rule(t, st.surv[sl]),
                    median_rule(t, lower[sl]),
                    median_rule(t, upper[sl]),
                )
            )
        out = pd.DataFrame(rows, columns=["estimate", "ci_lower", "ci_upper"], dtype=float)
        out.insert(0, "group", _labels(list(self.groups), np.arange(len(self.groups))))
        return out

    @plain_text_result
    def quantile(self, p) -> pd.DataFrame:
        """Quantiles of the survival time, as R ``quantile(fit, probs = p)``.

        Parameters
        ----------
        p : float or sequence of float
            Probabilities in [0, 1] on the distribution scale: ``p = 0.25`` is the time by
            which a quarter have had the event (survival 0.75).

        Returns
        -------
        pandas.DataFrame
            ``group, p, estimate, ci_lower, ci_upper``, one row per group and probability.
            The limits are where the lower and upper bands reach ``1 - p``. For ``p = 0.5``
            this equals :meth:`median` except when a curve ends flat on exactly 0.5, where R's
            ``quantile`` takes the midpoint of the flat and the last follow-up time.
        """
        probs = np.atleast_1d(np.asarray(p, dtype=float))
        if probs.ndim != 1 or len(probs) == 0 or np.isnan(probs).any():
            raise DataError(f"quantile: p must be one or more numbers in [0, 1], got {p!r}")
        if ((probs < 0) | (probs > 1)).any():
            raise DataError(f"quantile: p must be in [0, 1], got {p!r}")
        st = self._steps
        lower = self.table["ci_lower"].to_numpy()
        upper = self.table["ci_upper"].to_numpy()
        rows, codes = [], []
        for g, _label, sl in self._group_slices():
            t = st.time[sl]
            for q in probs:
                codes.append(g)
                rows.append(
                    (
                        q,
                        quantile_rule(t, st.surv[sl], q),
                        quantile_rule(t, lower[sl], q),
                        quantile_rule(t, upper[sl], q),
                    )
                )
        out = pd.DataFrame(rows, columns=["p", "estimate", "ci_lower", "ci_upper"], dtype=float)
        out.insert(0, "group", _labels(list(self.groups), np.asarray(codes, dtype=np.int64)))
        return out

    @plain_text_result
    def counts(self) -> pd.DataFrame:
        """Patients, events and censorings per group.

        Returns
        -------
        pandas.DataFrame
            ``group, n, n_events, n_censored``, one row per group. ``n`` counts rows, or
            subjects when ``id`` was given; ``n_censored`` the ends of follow-up without an
            event (a split inside a subject's run of intervals is not one).
        """
        st = self._steps
        starts = st.offsets[:-1]
        d = np.add.reduceat(st.n_events, starts) if len(st.time) else []
        c = np.add.reduceat(st.n_censored, starts) if len(st.time) else []
        n = st.n if self._n_ids is None else self._n_ids
        out = pd.DataFrame(
            {
                "n": np.asarray(n, np.int64),
                "n_events": np.asarray(d, np.int64),
                "n_censored": np.asarray(c, np.int64),
            }
        )
        out.insert(0, "group", _labels(list(self.groups), np.arange(len(self.groups))))
        return out


def _fit(data: SurvData, event: np.ndarray, conf_level: float, conf_type: str, start=None) -> KM:
    steps = km_steps(data.time, event, data.codes, len(data.levels), data.start, data.real_end)
    lower, upper = confint(steps.surv, steps.var_log, conf_type, conf_level)
    table = pd.DataFrame(
        {
            "group": _labels(data.levels, steps.code),
            "time": steps.time,
            "n_risk": steps.n_risk.astype(np.int64),
            "n_events": steps.n_events.astype(np.int64),
            "n_censored": steps.n_censored.astype(np.int64),
            "estimate": steps.surv,
            "std_err": std_err(steps.surv, steps.var_log),
            "ci_lower": lower,
            "ci_upper": upper,
        },
        copy=False,  # the arrays are new: no need to copy them into one block
    )
    return KM(
        table=table,
        conf_level=conf_level,
        conf_type=conf_type,
        groups=tuple(data.levels),
        n=len(data.time),
        n_events=int(event.sum()),
        n_excluded=data.n_excluded,
        _steps=steps,
        start=start,
        _n_ids=data.n_ids,
    )


def check_conf_type(conf_type: str) -> str:
    """Return ``conf_type`` or raise DataError listing the allowed values."""
    if conf_type not in CONF_TYPES:
        allowed = ", ".join(map(repr, CONF_TYPES))
        raise DataError(f"conf_type must be one of {allowed}, got {conf_type!r}")
    return conf_type


def kaplan_meier(
    df: pd.DataFrame,
    *,
    time: str,
    event: str,
    group: str | None = None,
    conf_level: float = 0.95,
    conf_type: str = "log-log",
    start: str | None = None,
    id: str | None = None,
) -> KM:
    """Kaplan-Meier estimate with Greenwood variance, as R ``survfit``.

    Parameters
    ----------
    df : pandas.DataFrame
        One row per patient, or with ``start`` one row per interval ``(start, time]``.
    time : str
        Column of follow-up times (>= 0; days from the origin in cartkit's data format); with
        ``start``, the end of each interval.
    event : str
        Column of event indicators: 1 or True for an event, 0 or False for censoring (or, with
        ``start``, for an interval that continues in the next row).
    group : str, optional
        Column whose levels get one curve each (in R's factor order: category order for a
        categorical column, else sorted). Without it the ``group`` column is null. With
        ``start`` it may change between a subject's rows: the subject leaves one curve's risk
        set and enters the other's (a Simon-Makuch curve of a time-dependent group).
    conf_level : float, default 0.95
        Confidence level of the pointwise intervals and of the median's interval.
    conf_type : {"log-log", "log", "plain"}, default "log-log"
        Transform of the interval, as R ``survfit(conf.type = ...)``. Log-log keeps the
        interval inside [0, 1]; note that R's own default is "log".
    start : str, optional
        Column of interval starts (>= 0, < ``time``): R's ``Surv(start, time, event)``. A row is
        at risk at ``t`` when ``start < t <= time``: late entry (left truncation) or a subject
        split over several rows.
    id : str, optional
        With ``start``, the subject of each row. Only changes which rows count as censorings
        (a split inside a subject's contiguous intervals in one group is not one) and the
        ``n`` of :meth:`KM.counts`; the estimates are the same.

    Returns
    -------
    KM
        The estimate: ``.table``, ``.survival_at(times)``, ``.median()``, ``.quantile(p)``,
        ``.at_risk(times)``, ``.counts()``.

    Raises
    ------
    DataError
        A column is missing; a time is negative, infinite or not a number; an interval has
        start >= time; an id's intervals overlap; an event is not 0/1; no row is complete; or
        ``conf_level``/``conf_type`` is invalid. Rows with a missing start, time, event, group
        or id are excluded and counted in ``KM.n_excluded``.

    Notes
    -----
    Times closer than sqrt(machine epsilon) are treated as tied, as R (``timefix = TRUE``).
    Where R gives NA the result is NaN: the log-log interval where the estimate is 1 or 0,
    the log interval where it is 0, and the standard error once the estimate reaches 0.

    Examples
    --------
    >>> km = kaplan_meier(df, time="days", event="death", group="arm")  # doctest: +SKIP
    >>> km.survival_at(years_to_days(5))  # doctest: +SKIP
    """
    conf_level = check_conf_level(conf_level)
    conf_type = check_conf_type(conf_type)
    data = survival_data(
        df, time=time, event=event, group=group, start=start, id=id, what="kaplan_meier"
    )
    return _fit(data, data.event, conf_level, conf_type, start)
