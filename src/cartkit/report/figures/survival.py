"""Kaplan-Meier figures drawn from :class:`KM`: curves, bands, censor marks, numbers at risk.

Every value drawn is a probability in [0, 1]; the x axis sits just below 0, so a curve that
reaches 0 is seen above it. The legend and the log-rank p go where they cover no curve or
band (:mod:`._placement`). :func:`draw_km` draws into a figure or a panel of one
(:mod:`.panels`); the cumulative-incidence figure is :mod:`.incidence`.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import numpy as np
import pandas as pd
from matplotlib.figure import Figure

from ..._core.results import Test
from ...errors import DataError
from ...survival.km import KM
from ._axes import corner_text, days_per_unit, group_label, percent_axis, time_ticks
from ._placement import place_legend, place_text
from ._risk import left_margin, risk_table, time_axes, time_event_height
from .incidence import cif_figure, draw_cif
from .style import HEIGHT, WIDTH, color, format_p, new_figure, styled

__all__ = [
    "cif_figure",
    "draw_cif",
    "draw_km",
    "km_figure",
    "km_height",
    "km_labels",
    "km_report_figure",
]

#: where the legend and the p-value of a Kaplan-Meier figure may go, preferred first
LEGEND_PLACES = ("lower left", "upper right", "lower right", "upper left", "center left")
P_PLACES = (
    "lower right", "upper right", "lower left", "upper left", "center right", "center left",
    "lower center", "upper center",
)  # fmt: skip
#: a curve censored at more times than this shows one mark per 1/MARK_BINS of the time axis
#: (thousands of marks side by side are a solid band that hides the curve)
MAX_CENSOR_MARKS = 100
MARK_BINS = 60


def _thinned(times: np.ndarray, values: np.ndarray, t_max: float):
    if len(times) <= MAX_CENSOR_MARKS or not t_max > 0:
        return times, values
    first = np.unique(np.floor(times / (t_max / MARK_BINS)), return_index=True)[1]
    return times[first], values[first]


def km_labels(km: KM, group_labels: Mapping | None) -> list[str]:
    """The printed name of each group of a fit (its risk-table row)."""
    return [group_label(g, group_labels) for g in km.groups]


def km_height(km: KM) -> float:
    """Height in inches of a Kaplan-Meier figure or panel of ``km`` (curves and risk table)."""
    return time_event_height(HEIGHT, len(km.groups))


def _band(rows: pd.DataFrame, s: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """The confidence band of one curve as drawn (with the leading point at time 0)."""
    lo = np.r_[1.0, rows["ci_lower"].to_numpy(dtype=float)]
    hi = np.r_[1.0, rows["ci_upper"].to_numpy(dtype=float)]
    # before the first event the estimate is 1 and the interval undefined: draw it as 1
    lo = np.where(np.isnan(lo) & (s == 1.0), 1.0, lo)
    hi = np.where(np.isnan(hi) & (s == 1.0), 1.0, hi)
    # where the curve drops to 0 the interval is undefined (R gives NA): the band of the step
    # before reaches that time, and no band is drawn after it
    for k in np.flatnonzero((s == 0.0) & np.isnan(lo))[:1]:
        if k > 0:
            lo[k], hi[k] = lo[k - 1], hi[k - 1]
    return np.clip(lo, 0.0, 1.0), np.clip(hi, 0.0, 1.0)


def _in_group(intervals: pd.DataFrame, level, days: np.ndarray) -> np.ndarray:
    """Patients in a time-dependent group at each time: ``start < t <= stop``, at 0 ``start = 0``.

    R's count at the next event time of the group (``KM.at_risk``) would already count the
    patients who join the group between the tick and that time: at month 0 the transplanted
    group would not be empty.
    """
    rows = intervals[intervals["group"] == level]
    start = rows["start"].to_numpy(dtype=float)[:, None]
    stop = rows["stop"].to_numpy(dtype=float)[:, None]
    inside = (start < days) & (days <= stop)
    at_zero = (days == 0) & (start <= 0) & (stop > 0)
    return (inside | at_zero).sum(axis=0)


def _entry(intervals: pd.DataFrame, level) -> float:
    """The day the first patient enters a time-dependent group (0 for the starting group)."""
    starts = intervals.loc[(intervals["group"] == level).to_numpy(dtype=bool), "start"]
    return float(starts.min()) if len(starts) else 0.0


def draw_km(
    target,
    km: KM,
    *,
    width: float,
    height: float,
    left: float | None = None,
    title: str | None = None,
    xlabel: str = "Months since infusion",
    ylabel: str = "Probability",
    time_scale: str = "months",
    logrank_p: float | None = None,
    risk_times: Sequence[float] | None = None,
    group_labels: Mapping | None = None,
    conf_band: bool = True,
    p_label: str = "Log-rank",
    intervals: pd.DataFrame | None = None,
):
    """Draw a Kaplan-Meier figure into ``target`` (a figure or a panel): see :func:`km_figure`.

    Returns
    -------
    tuple of Axes
        The curves' axes and the risk table's.
    """
    factor = days_per_unit(time_scale)
    table = km.table
    labels = km_labels(km, group_labels)
    counts = km.counts().set_index("group")["n"] if km.groups != (None,) else None
    left = left_margin(labels) if left is None else left
    ax, ax_risk = time_axes(target, width, height, left, len(km.groups))
    t_max = float(table["time"].max()) / factor if len(table) else 1.0
    # overlapping bands of three or more groups turn muddy: lighter shading
    band_alpha = 0.15 if len(km.groups) <= 2 else 0.1
    for i, level in enumerate(km.groups):
        rows = table if level is None else table[table["group"] == level]
        # a time-dependent group starts when its first patient enters it (HSCT after CAR-T
        # at 1.5 months), not at 100% at month 0 with nobody at risk
        entry = 0.0 if intervals is None else _entry(intervals, level)
        t = np.r_[entry, rows["time"].to_numpy(dtype=float)] / factor
        s = np.clip(np.r_[1.0, rows["estimate"].to_numpy(dtype=float)], 0.0, 1.0)
        n = km.n if counts is None else int(counts.loc[level])
        ax.step(t, s, where="post", color=color(i), label=f"{labels[i]} (n = {n})")
        if conf_band:
            lo, hi = _band(rows, s)
            ax.fill_between(t, lo, hi, step="post", color=color(i), alpha=band_alpha, linewidth=0)
        cens = rows["n_censored"].to_numpy() > 0
        marks = _thinned(
            rows["time"].to_numpy(dtype=float)[cens] / factor,
            s[1:][cens],
            t_max,
        )
        ax.plot(
            *marks,
            linestyle="none",
            marker="+",
            markersize=6,
            markeredgewidth=1.0,
            color=color(i),
        )
    ticks = (
        time_ticks(t_max, time_scale) if risk_times is None else np.asarray(risk_times, dtype=float)
    )
    if ticks.ndim != 1 or len(ticks) == 0 or np.any(ticks < 0):
        raise DataError(f"risk_times must be non-negative times, got {risk_times!r}")
    ax.set_xticks(ticks)
    ax.set_xlim(0.0, max(t_max, float(ticks.max())) * 1.02)
    percent_axis(ax)
    ax.set_xlabel(xlabel)
    ax.set_ylabel(ylabel)
    if title:
        ax.set_title(title, loc="left")
    legend = place_legend(ax, LEGEND_PLACES)
    if logrank_p is not None:
        text = corner_text(ax, f"{p_label} {format_p(logrank_p)}", gid="p")
        place_text(ax, text, P_PLACES, avoid=[legend])
    if intervals is None:
        at = km.at_risk(ticks * factor)
        rows = [
            (at if level is None else at[at["group"] == level])["n_risk"].to_numpy()
            for level in km.groups
        ]
    else:
        rows = [_in_group(intervals, level, ticks * factor) for level in km.groups]
    risk_table(ax_risk, rows, labels, ticks)
    return ax, ax_risk


@styled
def km_figure(
    km: KM,
    *,
    title: str | None = None,
    xlabel: str = "Months since infusion",
    ylabel: str = "Probability",
    time_scale: str = "months",
    logrank: Test | None = None,
    risk_times: Sequence[float] | None = None,
    group_labels: Mapping | None = None,
    conf_band: bool = True,
    p_label: str = "Log-rank",
    intervals: pd.DataFrame | None = None,
) -> Figure:
    """Kaplan-Meier curves with censor marks, confidence bands and a number-at-risk table.

    Parameters
    ----------
    km : KM
        The estimate, from :func:`cartkit.kaplan_meier` (times in days).
    title : str, optional
        Figure title.
    xlabel, ylabel : str
        Axis labels.
    time_scale : {"months", "days", "weeks", "years"}
        Unit of the x axis; the estimate's days are divided by the days per unit.
    logrank : Test, optional
        A log-rank test (:func:`cartkit.logrank`); its p-value is printed where it covers no
        curve or band (a corner, else above the plot).
    risk_times : sequence of float, optional
        Times (in ``time_scale`` units) of the x ticks and the number-at-risk columns; default
        evenly spaced ticks (every 12 months for a 5-year follow-up).
    group_labels : mapping, optional
        Display name of each group level (``{True: "HSCT", False: "No HSCT"}``).
    conf_band : bool
        Shade the pointwise confidence interval of each curve.
    p_label : str
        Name of the test whose p-value ``logrank`` holds ("Mantel-Byar" for time-dependent
        groups).
    intervals : pandas.DataFrame, optional
        For a time-dependent group (``km`` fitted with ``start``): the ``group, start, stop``
        (days) of every row; the number at risk at a tick is then the patients in the group at
        that time.

    Returns
    -------
    matplotlib.figure.Figure
        Axes 0 holds the curves, axes 1 the number-at-risk table (``km.at_risk`` at the ticks).
        Every curve and band lies in [0, 1].
    """
    fig = new_figure(WIDTH, km_height(km))
    draw_km(
        fig,
        km,
        width=WIDTH,
        height=km_height(km),
        title=title,
        xlabel=xlabel,
        ylabel=ylabel,
        time_scale=time_scale,
        logrank_p=None if logrank is None else logrank.p_value,
        risk_times=risk_times,
        group_labels=group_labels,
        conf_band=conf_band,
        p_label=p_label,
        intervals=intervals,
    )
    return fig


def km_report_figure(km: KM, *, logrank_p: float | None = None, **options) -> Figure:
    """The Kaplan-Meier figure of the report (:func:`km_figure` from a plain p-value).

    Parameters
    ----------
    km : KM
        The estimate, from :func:`cartkit.kaplan_meier` (times in days).
    logrank_p : float, optional
        The log-rank p-value. A p-value rather than the :class:`~cartkit.results.Test`, whose
        read-only ``details`` do not pickle: the report may draw its figures in other
        processes.
    **options
        Passed to :func:`km_figure` (title, axis labels, group labels).

    Returns
    -------
    matplotlib.figure.Figure
    """
    logrank = None if logrank_p is None else Test("log-rank", p_value=logrank_p)
    return km_figure(km, logrank=logrank, **options)
