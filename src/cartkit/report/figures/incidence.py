"""Cumulative-incidence figures drawn from :class:`CIF`: curves rising from 0, numbers at risk.

As the Kaplan-Meier figures: a number-at-risk table under the curves (patients still followed
and free of every cause, :meth:`CIF.at_risk`), values in [0, 1] above an x axis just below 0,
and the legend and Gray's test where they cover no curve.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import numpy as np
import pandas as pd
from matplotlib.figure import Figure

from ..._core.results import Test
from ...errors import DataError
from ...survival.competing import CIF
from ...survival.gray import GrayTests
from ._axes import corner_text, days_per_unit, group_label, percent_axis, time_ticks
from ._placement import place_legend, place_text, under
from ._risk import left_margin, risk_table, time_axes, time_event_height
from .style import HEIGHT, WIDTH, color, format_p, new_figure, styled

__all__ = ["cif_figure", "cif_height", "cif_labels", "draw_cif"]

_LINESTYLES = ("-", "--", ":", "-.")
LEGEND_PLACES = ("upper left", "upper right", "center left", "center right")
P_PLACES = ("upper right", "upper left", "center right", "center left", "lower right")


def cif_labels(cif: CIF, group_labels: Mapping | None) -> list[str]:
    """The printed name of each group of a fit (its risk-table row)."""
    return [group_label(g, group_labels) for g in cif.groups]


def cif_height(cif: CIF) -> float:
    """Height in inches of a cumulative-incidence figure or panel (curves and risk table)."""
    return time_event_height(HEIGHT, len(cif.groups))


def _gray_text(
    gray: GrayTests | pd.DataFrame | Test, causes, cause_labels, *, lines: bool = True
) -> str:
    """Gray's test of each drawn cause: a line each, or one line (where room is short)."""
    if isinstance(gray, Test):
        return f"Gray's test {format_p(gray.p_value)}"
    if isinstance(gray, GrayTests):
        p_of = {c: test.p_value for c, test in gray.tests.items()}
    else:
        p_of = gray.set_index("cause")["p_value"].to_dict()
    parts = [
        f"{group_label(int(c), cause_labels) if cause_labels else f'Cause {c}'}: "
        f"{format_p(float(p_of[c]))}"
        for c in causes
        if c in p_of
    ]
    if lines:
        return "\n".join(["Gray's test", *parts])
    return "Gray's test: " + "; ".join(p.replace(": p", " p") for p in parts)


def _causes(cif: CIF, causes) -> tuple[int, ...]:
    drawn = tuple(cif.causes) if causes is None else tuple(int(c) for c in causes)
    unknown = [c for c in drawn if c not in cif.causes]
    if unknown:
        raise DataError(
            f"causes {unknown} have no event in the fit; choose among {list(cif.causes)}"
        )
    return drawn


def draw_cif(
    target,
    cif: CIF,
    *,
    width: float,
    height: float,
    left: float | None = None,
    causes: Sequence[int] | None = None,
    cause_labels: Mapping[int, str] | None = None,
    time_scale: str = "months",
    gray: GrayTests | pd.DataFrame | Test | None = None,
    title: str | None = None,
    xlabel: str = "Months since infusion",
    ylabel: str = "Cumulative incidence",
    group_labels: Mapping | None = None,
    cause_order: Sequence[int] | None = None,
):
    """Draw a cumulative-incidence figure into ``target`` (a figure or a panel).

    See :func:`cif_figure`. Returns the curves' axes and the risk table's.
    """
    # a cause keeps its line style (and colour, without groups) whichever causes a panel has
    rank = {int(c): i for i, c in enumerate(cause_order or ())}
    factor = days_per_unit(time_scale)
    drawn = _causes(cif, causes)
    table = cif.table
    labels = cif_labels(cif, group_labels)
    left = left_margin(labels) if left is None else left
    ax, ax_risk = time_axes(target, width, height, left, len(cif.groups))
    grouped = cif.groups != (None,)
    top = 0.0
    for gi, level in enumerate(cif.groups):
        for cause in drawn:
            ci = rank.get(int(cause), int(cause) - 1)
            rows = table if level is None else table[table["group"] == level]
            rows = rows[rows["cause"] == cause]
            t = np.r_[0.0, rows["time"].to_numpy(dtype=float)] / factor
            f = np.clip(np.r_[0.0, rows["estimate"].to_numpy(dtype=float)], 0.0, 1.0)
            top = max(top, float(np.nanmax(f)))
            name = group_label(cause, cause_labels) if cause_labels else f"Cause {cause}"
            ax.step(
                t,
                f,
                where="post",
                color=color(gi if grouped else ci),
                linestyle=_LINESTYLES[ci % len(_LINESTYLES)],
                label=f"{labels[gi]}: {name}" if grouped else name,
            )
    t_max = float(table["time"].max()) / factor if len(table) else 1.0
    ticks = time_ticks(t_max, time_scale)
    ax.set_xticks(ticks)
    ax.set_xlim(0.0, max(t_max, float(ticks.max())) * 1.02)
    # room above the highest curve for the legend and Gray's test, one under the other when
    # they do not fit side by side (about 6.5 % of the axes per row of text)
    n_rows = len(drawn) * len(cif.groups) + (len(drawn) + 1 if gray is not None else 0)
    legend_share = min(0.7, 0.065 * n_rows + 0.08)
    y_top = min(1.0, np.ceil(top / (1.0 - legend_share) * 10) / 10)
    percent_axis(ax, y_top)
    ax.set_xlabel(xlabel)
    ax.set_ylabel(ylabel)
    if title:
        ax.set_title(title, loc="left")
    legend = place_legend(ax, LEGEND_PLACES, ncols=1)
    if gray is not None:
        texts = [_gray_text(gray, drawn, cause_labels, lines=lines) for lines in (True, False)]
        text = corner_text(ax, texts[0], gid="p")
        while True:
            # beside the legend, else under it, else lower down where the curves leave room;
            # on one line when three do not fit
            for variant in texts:
                text.set_text(variant)
                order = (P_PLACES[0], under(ax, legend), *P_PLACES[1:])
                where = place_text(ax, text, order, avoid=[legend])
                if where != "above":
                    break
            if where != "above" or y_top >= 1.0:
                break
            # no room yet: raise the top of the axis, and place both again
            y_top = min(1.0, round(y_top + 0.1, 1))
            percent_axis(ax, y_top)
            legend = place_legend(ax, LEGEND_PLACES, ncols=1)
    at = cif.at_risk(ticks * factor)
    counts = [
        (at if level is None else at[at["group"] == level])["n_risk"].to_numpy()
        for level in cif.groups
    ]
    risk_table(ax_risk, counts, labels, ticks)
    return ax, ax_risk


@styled
def cif_figure(
    cif: CIF,
    *,
    causes: Sequence[int] | None = None,
    cause_labels: Mapping[int, str] | None = None,
    time_scale: str = "months",
    gray: GrayTests | pd.DataFrame | Test | None = None,
    title: str | None = None,
    xlabel: str = "Months since infusion",
    ylabel: str = "Cumulative incidence",
    group_labels: Mapping | None = None,
    cause_order: Sequence[int] | None = None,
) -> Figure:
    """Cumulative incidence curves (rising from 0) per group and cause, with numbers at risk.

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
    gray : GrayTests, pandas.DataFrame or Test, optional
        Gray's test, as returned by :func:`cartkit.gray_test` (or its ``table``: columns
        ``cause, p_value``); the p-value of each drawn cause is printed where it covers no
        curve.
    title, xlabel, ylabel : str
        Title and axis labels.
    group_labels : mapping, optional
        Display name of each group level.
    cause_order : sequence of int, optional
        Cause codes in the order of their line styles (solid, dashed, dotted, ...) and, without
        groups, colours; default by code (cause 1 solid). A cause keeps its style whether or
        not the other causes have events in this fit, with or without groups.

    Returns
    -------
    matplotlib.figure.Figure
        Axes 0: one line per group and cause (colour by group, or by cause without groups;
        line style by cause, with or without groups); axes 1: the number at risk of each group
        at the x ticks (:meth:`CIF.at_risk`).
    """
    fig = new_figure(WIDTH, cif_height(cif))
    draw_cif(
        fig,
        cif,
        width=WIDTH,
        height=cif_height(cif),
        causes=causes,
        cause_labels=cause_labels,
        time_scale=time_scale,
        gray=gray,
        title=title,
        xlabel=xlabel,
        ylabel=ylabel,
        group_labels=group_labels,
        cause_order=cause_order,
    )
    return fig
