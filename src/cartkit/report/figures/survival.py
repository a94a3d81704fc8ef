"""Kaplan-Meier and cumulative-incidence figures, drawn from :class:`KM` and :class:`CIF`."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import matplotlib as mpl
import numpy as np
import pandas as pd
from matplotlib.figure import Figure

from ..._core.results import Test
from ...errors import DataError
from ...survival.competing import CIF
from ...survival.km import KM
from ._axes import corner_text, days_per_unit, group_label, percent_axis, time_ticks
from .style import HEIGHT, RC, WIDTH, color, format_p, new_figure, styled

__all__ = ["cif_figure", "keep_legend_clear", "km_figure", "km_report_figure"]

_LINESTYLES = ("-", "--", ":", "-.")
_ROW_INCHES = 0.2  # height of one row of the number-at-risk table
#: a curve censored at more times than this shows one mark per 1/MARK_BINS of the time axis
#: (thousands of marks side by side are a solid band that hides the curve)
MAX_CENSOR_MARKS = 100
MARK_BINS = 60


def _thinned(times: np.ndarray, values: np.ndarray, t_max: float):
    if len(times) <= MAX_CENSOR_MARKS or not t_max > 0:
        return times, values
    first = np.unique(np.floor(times / (t_max / MARK_BINS)), return_index=True)[1]
    return times[first], values[first]


def _margins(fig: Figure, labels: Sequence[str]) -> float:
    # room on the left for the longest group name of the risk table, in figure coordinates
    width = fig.get_figwidth()
    inches = max(0.75, 0.07 * max((len(s) for s in labels), default=0) + 0.4)
    return min(inches / width, 0.4)


def _group_rows(table: pd.DataFrame, level) -> pd.DataFrame:
    if level is None:
        return table
    return table[table["group"] == level]


def _km_axes(fig: Figure, labels: Sequence[str], n_rows: int):
    height = fig.get_figheight()
    left = _margins(fig, labels)
    right = 0.97
    table_h = (n_rows + 1) * _ROW_INCHES / height
    # below the table: nothing; between the curve's x label and the table: a small gap
    bottom_table = 0.12 / height
    bottom_main = bottom_table + table_h + 0.62 / height
    top = 1.0 - 0.35 / height
    ax = fig.add_axes((left, bottom_main, right - left, top - bottom_main))
    ax_risk = fig.add_axes((left, bottom_table, right - left, table_h), sharex=ax)
    return ax, ax_risk


def _risk_table(ax_risk, km: KM, labels, ticks: np.ndarray, factor: float) -> None:
    counts = km.at_risk(ticks * factor)
    n = len(km.groups)
    for row, level in enumerate(km.groups):
        sub = counts if level is None else counts[counts["group"] == level]
        for t, value in zip(ticks, sub["n_risk"].to_numpy(), strict=True):
            ax_risk.text(
                t, row, f"{int(value)}", ha="center", va="center", fontsize=8, gid="at_risk"
            )
    ax_risk.set_ylim(n - 0.5, -0.5)
    ax_risk.set_yticks(range(n), labels)
    for tick, level in zip(ax_risk.get_yticklabels(), range(n), strict=True):
        tick.set_color(color(level))
    # the padding keeps the names clear of the first column, which is centred on time 0 (a
    # digit is about 5 points wide at 8 points: 100000 needs more room than 50)
    digits = len(str(int(counts["n_risk"].max()))) if len(counts) else 1
    ax_risk.tick_params(axis="y", length=0, pad=max(14.0, 2.6 * digits + 6.0))
    ax_risk.tick_params(axis="x", bottom=False, labelbottom=False)
    for spine in ax_risk.spines.values():
        spine.set_visible(False)
    ax_risk.set_title("Number at risk", loc="left", fontsize=8, fontweight="normal", pad=2)


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
        A log-rank test (:func:`cartkit.logrank`); its p-value is printed in the corner.
    risk_times : sequence of float, optional
        Times (in ``time_scale`` units) of the x ticks and the number-at-risk columns; default
        evenly spaced ticks (every 12 months for a 5-year follow-up).
    group_labels : mapping, optional
        Display name of each group level (``{True: "HSCT", False: "No HSCT"}``).
    conf_band : bool
        Shade the pointwise confidence interval of each curve.

    Returns
    -------
    matplotlib.figure.Figure
        Axes 0 holds the curves, axes 1 the number-at-risk table (``km.at_risk`` at the ticks).
    """
    factor = days_per_unit(time_scale)
    table = km.table
    labels = [group_label(g, group_labels) for g in km.groups]
    counts = km.counts().set_index("group")["n"] if km.groups != (None,) else None
    fig = new_figure(WIDTH, HEIGHT + _ROW_INCHES * (len(km.groups) + 1))
    ax, ax_risk = _km_axes(fig, labels, len(km.groups))
    t_max = float(table["time"].max()) / factor if len(table) else 1.0
    # overlapping bands of three or more groups turn muddy: lighter shading
    band_alpha = 0.15 if len(km.groups) <= 2 else 0.1
    for i, level in enumerate(km.groups):
        rows = _group_rows(table, level)
        t = np.r_[0.0, rows["time"].to_numpy(dtype=float)] / factor
        s = np.r_[1.0, rows["estimate"].to_numpy(dtype=float)]
        n = km.n if counts is None else int(counts.loc[level])
        ax.step(t, s, where="post", color=color(i), label=f"{labels[i]} (n = {n})")
        if conf_band:
            lo = np.r_[1.0, rows["ci_lower"].to_numpy(dtype=float)]
            hi = np.r_[1.0, rows["ci_upper"].to_numpy(dtype=float)]
            # before the first event the estimate is 1 and the interval undefined: draw it as 1
            lo = np.where(np.isnan(lo) & (s == 1.0), 1.0, lo)
            hi = np.where(np.isnan(hi) & (s == 1.0), 1.0, hi)
            ax.fill_between(t, lo, hi, step="post", color=color(i), alpha=band_alpha, linewidth=0)
        cens = rows["n_censored"].to_numpy() > 0
        marks = _thinned(
            rows["time"].to_numpy(dtype=float)[cens] / factor,
            rows["estimate"].to_numpy(dtype=float)[cens],
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
    ax.legend(loc="lower left")
    if logrank is not None:
        corner_text(ax, f"Log-rank {format_p(logrank.p_value)}", where="lower right", gid="p")
    _risk_table(ax_risk, km, labels, ticks, factor)
    return fig


def keep_legend_clear(fig: Figure, km: KM) -> None:
    """Move the legend and p-value of a :func:`km_figure` to the top right when a curve ends low.

    :func:`km_figure` puts them bottom left and right, where curves that fall below one half
    (CAR-T persistence) would run under them.
    """
    table = km.table
    if table.empty:
        return
    last = table.groupby("group", dropna=False, sort=False)["estimate"].last()
    if float(last.min()) >= 0.5:
        return
    ax = fig.axes[0]
    with mpl.rc_context(RC):  # the figures' style (font size, no frame), not the caller's
        ax.legend(loc="upper right")
    below_legend = 0.96 - 0.065 * len(km.groups) - 0.02
    for text in ax.texts:
        if text.get_gid() == "p":
            text.set_position((0.97, below_legend))
            text.set_verticalalignment("top")


def km_report_figure(km: KM, *, logrank_p: float | None = None, **options) -> Figure:
    """The Kaplan-Meier figure of the report: :func:`km_figure`, legend kept clear.

    Parameters
    ----------
    km : KM
        The estimate, from :func:`cartkit.kaplan_meier` (times in days).
    logrank_p : float, optional
        The log-rank p-value printed in the corner. A p-value rather than the
        :class:`~cartkit.results.Test`, whose read-only ``details`` do not pickle: the report
        may draw its figures in other processes.
    **options
        Passed to :func:`km_figure` (title, axis labels, group labels).

    Returns
    -------
    matplotlib.figure.Figure
    """
    logrank = None if logrank_p is None else Test("log-rank", p_value=logrank_p)
    fig = km_figure(km, logrank=logrank, **options)
    keep_legend_clear(fig, km)
    return fig


def _gray_text(gray: pd.DataFrame | Test, causes, cause_labels) -> str:
    if isinstance(gray, Test):
        return f"Gray's test {format_p(gray.p_value)}"
    rows = gray.set_index("cause")["p_value"]
    parts = [
        f"{group_label(int(c), cause_labels) if cause_labels else f'Cause {c}'}: "
        f"{format_p(float(rows.loc[c]))}"
        for c in causes
        if c in rows.index
    ]
    return "\n".join(["Gray's test", *parts])


@styled
def cif_figure(
    cif: CIF,
    *,
    causes: Sequence[int] | None = None,
    cause_labels: Mapping[int, str] | None = None,
    time_scale: str = "months",
    gray: pd.DataFrame | Test | None = None,
    title: str | None = None,
    xlabel: str = "Months since infusion",
    ylabel: str = "Cumulative incidence",
    group_labels: Mapping | None = None,
) -> Figure:
    """Cumulative incidence curves (rising from 0) per group and competing cause.

    Parameters
    ----------
    cif : CIF
        From :func:`cartkit.cumulative_incidence` (times in days).
    causes : sequence of int, optional
        Cause codes to draw (default every cause with an event).
    cause_labels : mapping, optional
        Display name of each cause code (``{1: "Relapse", 2: "Non-relapse death"}``).
    time_scale : {"months", "days", "weeks", "years"}
        Unit of the x axis.
    gray : pandas.DataFrame or Test, optional
        Gray's test, as returned by :func:`cartkit.gray_test` (columns ``cause, p_value``); the
        p-value of each drawn cause is printed in the corner.
    title, xlabel, ylabel : str
        Title and axis labels.
    group_labels : mapping, optional
        Display name of each group level.

    Returns
    -------
    matplotlib.figure.Figure
        One line per group and cause: colour by group (by cause without groups), line style by
        cause.
    """
    factor = days_per_unit(time_scale)
    drawn = tuple(cif.causes) if causes is None else tuple(int(c) for c in causes)
    unknown = [c for c in drawn if c not in cif.causes]
    if unknown:
        raise DataError(
            f"causes {unknown} have no event in the fit; choose among {list(cif.causes)}"
        )
    table = cif.table
    fig = new_figure(WIDTH, HEIGHT)
    ax = fig.add_axes((0.12, 0.13, 0.85, 0.78))
    grouped = cif.groups != (None,)
    top = 0.0
    for gi, level in enumerate(cif.groups):
        for ci, cause in enumerate(drawn):
            rows = _group_rows(table, level)
            rows = rows[rows["cause"] == cause]
            t = np.r_[0.0, rows["time"].to_numpy(dtype=float)] / factor
            f = np.r_[0.0, rows["estimate"].to_numpy(dtype=float)]
            top = max(top, float(np.nanmax(f)))
            name = group_label(cause, cause_labels) if cause_labels else f"Cause {cause}"
            label = f"{group_label(level, group_labels)}: {name}" if grouped else name
            ax.step(
                t,
                f,
                where="post",
                color=color(gi if grouped else ci),
                linestyle=_LINESTYLES[ci % len(_LINESTYLES)] if grouped else "-",
                label=label,
            )
    t_max = float(table["time"].max()) / factor if len(table) else 1.0
    ax.set_xticks(time_ticks(t_max, time_scale))
    ax.set_xlim(0.0, t_max * 1.02)
    # room above the highest curve for the legend (about 6.5 % of the axes per row)
    n_rows = len(drawn) * len(cif.groups)
    legend_share = min(0.6, 0.065 * n_rows + 0.05)
    percent_axis(ax, min(1.0, np.ceil(top / (1.0 - legend_share) * 10) / 10))
    ax.set_xlabel(xlabel)
    ax.set_ylabel(ylabel)
    if title:
        ax.set_title(title, loc="left")
    ax.legend(loc="upper left", ncols=1)
    if gray is not None:
        corner_text(ax, _gray_text(gray, drawn, cause_labels), where="upper right", gid="p")
    return fig
