"""The layout of a time-to-event figure: curves above, the number-at-risk table below.

Kaplan-Meier and cumulative-incidence figures share it, so both carry the numbers at risk at
the x ticks, in the groups' colours, and line up when they are panels of one figure.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from .style import color

__all__ = ["ROW_INCHES", "left_margin", "risk_table", "time_axes", "time_event_height"]

#: height of one row of the number-at-risk table
ROW_INCHES = 0.2


def left_margin(labels: Sequence[str]) -> float:
    """Room on the left, in inches, for the longest group name of the risk table."""
    return max(0.75, 0.07 * max((len(s) for s in labels), default=0) + 0.4)


def time_event_height(height: float, n_rows: int) -> float:
    """The height of a figure (or panel) whose curves are ``height`` high, with its risk table."""
    return height + ROW_INCHES * (n_rows + 1)


def time_axes(target, width: float, height: float, left: float, n_rows: int):
    """The curves' axes and the risk table's axes of a figure or panel (sizes in inches).

    Parameters
    ----------
    target : matplotlib.figure.Figure or SubFigure
        Where to draw; fractions are of its own size.
    width, height : float
        Its size in inches.
    left : float
        The left margin in inches (the same for every panel of a figure, so they line up).
    n_rows : int
        Rows of the risk table (groups).
    """
    right = 0.97
    left = min(left / width, 0.4)
    table_h = (n_rows + 1) * ROW_INCHES / height
    # below the table: nothing; between the curve's x label and the table: a small gap
    bottom_table = 0.12 / height
    bottom_main = bottom_table + table_h + 0.62 / height
    top = 1.0 - 0.35 / height
    ax = target.add_axes((left, bottom_main, right - left, top - bottom_main))
    ax_risk = target.add_axes((left, bottom_table, right - left, table_h), sharex=ax)
    return ax, ax_risk


def risk_table(ax_risk, counts: Sequence[Sequence[int]], labels, ticks: np.ndarray) -> None:
    """Numbers at risk (``counts[group][tick]``) in one row per group, under the ticks."""
    n = len(counts)
    for row, values in enumerate(counts):
        for t, value in zip(ticks, values, strict=True):
            ax_risk.text(
                t, row, f"{int(value)}", ha="center", va="center", fontsize=8, gid="at_risk"
            )
    ax_risk.set_ylim(n - 0.5, -0.5)
    ax_risk.set_yticks(range(n), labels)
    for tick, level in zip(ax_risk.get_yticklabels(), range(n), strict=True):
        tick.set_color(color(level))
    # the padding keeps the names clear of the first column, which is centred on time 0 (a
    # digit is about 5 points wide at 8 points: 100000 needs more room than 50)
    widest = max((int(v) for values in counts for v in values), default=0)
    ax_risk.tick_params(axis="y", length=0, pad=max(14.0, 2.6 * len(str(widest)) + 6.0))
    ax_risk.tick_params(axis="x", bottom=False, labelbottom=False)
    for spine in ax_risk.spines.values():
        spine.set_visible(False)
    ax_risk.set_title("Number at risk", loc="left", fontsize=8, fontweight="normal", pad=2)
