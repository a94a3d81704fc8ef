"""Pieces shared by the figure functions: time scales, axis ticks, corner text."""

from __future__ import annotations

import numpy as np
from matplotlib.axes import Axes
from matplotlib.ticker import MaxNLocator, PercentFormatter

from ..._core.units import DAYS_PER_MONTH, DAYS_PER_WEEK, DAYS_PER_YEAR
from ...errors import DataError

DAYS_PER_UNIT = {
    "days": 1.0,
    "weeks": DAYS_PER_WEEK,
    "months": DAYS_PER_MONTH,
    "years": DAYS_PER_YEAR,
}


def days_per_unit(time_scale: str) -> float:
    try:
        return DAYS_PER_UNIT[time_scale]
    except KeyError:
        raise DataError(
            f"time_scale must be one of {tuple(DAYS_PER_UNIT)}, got {time_scale!r}"
        ) from None


def time_ticks(t_max: float, time_scale: str) -> np.ndarray:
    # months read best in steps of 3, 6 or 12; days in weeks or months
    steps = {
        "months": [1, 3, 6, 12, 24, 36, 60],
        "days": [1, 7, 14, 28, 30, 90, 180, 365],
    }.get(time_scale)
    if steps is not None:
        step = next((s for s in steps if t_max / s <= 9), None)
        if step is not None:
            return np.arange(0.0, t_max + 1e-9, step)
    # beyond the largest step (a follow-up of decades): about 8 ticks, never one per step
    locator = MaxNLocator(nbins=8, steps=[1, 2, 2.5, 5, 10], integer=False)
    ticks = locator.tick_values(0.0, t_max)
    return ticks[(ticks >= 0) & (ticks <= t_max + 1e-9)]


#: how far below 0 the x axis sits, as a share of the y range: a curve at 0 (every patient had
#: the event, a cause with no event) is drawn above the axis line, not on or through it
FLOOR = 0.02


def percent_axis(ax: Axes, top: float = 1.0) -> None:
    """A probability axis from 0 to ``top`` in whole percents, its x axis just below 0."""
    ax.set_ylim(-FLOOR * top, top * 1.02)
    # whole-percent steps: a tick at 2.5% must not print as "2%"
    ax.yaxis.set_major_locator(MaxNLocator(nbins=6, steps=[1, 2, 2.5, 5, 10], min_n_ticks=3))
    ticks = [t for t in ax.get_yticks() if -1e-9 <= t <= top + 1e-9]
    if any(abs(100 * t - round(100 * t)) > 1e-9 for t in ticks):
        ax.yaxis.set_major_locator(MaxNLocator(nbins=6, steps=[1, 2, 5, 10], integer=True))
        ticks = [t for t in np.arange(0.0, top + 1e-9, _percent_step(top))]
    ax.set_yticks(ticks)
    ax.yaxis.set_major_formatter(PercentFormatter(xmax=1.0, decimals=0))
    # the y axis line spans the probabilities only
    ax.spines["left"].set_bounds(0.0, top)


def _percent_step(top: float) -> float:
    """A whole-percent tick step giving three to seven ticks from 0 to ``top``."""
    for step in (0.01, 0.02, 0.05, 0.1, 0.2, 0.25):
        if top / step <= 6:
            return step
    return 0.25


def group_label(level, labels) -> str:
    if labels is not None and level in labels:
        return str(labels[level])
    return "All patients" if level is None else str(level)


def corner_text(ax: Axes, text: str, *, where: str = "lower left", gid: str | None = None):
    x = 0.03 if "left" in where else 0.97
    y = 0.04 if "lower" in where else 0.96
    return ax.text(
        x,
        y,
        text,
        transform=ax.transAxes,
        ha="left" if "left" in where else "right",
        va="bottom" if "lower" in where else "top",
        gid=gid,
        bbox={
            "boxstyle": "round,pad=0.25",
            "facecolor": "white",
            "edgecolor": "none",
            "alpha": 0.8,
        },
    )
