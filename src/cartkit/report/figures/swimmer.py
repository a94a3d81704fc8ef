"""Swimmer plot: one bar per patient from infusion to last contact, with the events on it."""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np
import pandas as pd
from matplotlib.figure import Figure
from matplotlib.lines import Line2D

from ..._core.checks import require_columns
from ...errors import DataError
from ._axes import days_per_unit, time_ticks
from .style import OKABE_ITO, WIDTH, new_figure, styled

__all__ = ["GROUP_LABELS", "MARKERS", "swimmer_figure"]

#: printed name of each outcome group of the lanes
GROUP_LABELS = {
    "alive_no_relapse": "Alive without relapse",
    "alive_after_relapse": "Alive after relapse",
    "died": "Died",
}
_W = "white"
#: legend label, lane column and look (marker, face colour, edge colour, size) of each marker
MARKERS = {
    "mrd_negative_cr": ("MRD-negative CR/CRi, day 28", "response_day", "o",
                        OKABE_ITO["bluish_green"], OKABE_ITO["bluish_green"], 26),
    "cr": ("CR/CRi (MRD-positive or unknown), day 28", "response_day", "o", _W,
           OKABE_ITO["bluish_green"], 26),
    "bca_recovery": ("B-cell recovery", "bca_recovery_day", "^", OKABE_ITO["sky_blue"],
                     OKABE_ITO["blue"], 30),
    "hsct": ("HSCT", "hsct_day", "D", OKABE_ITO["blue"], OKABE_ITO["blue"], 22),
    "cd19_positive": ("Relapse, CD19-positive", "relapse_day", "s", OKABE_ITO["vermillion"],
                      OKABE_ITO["vermillion"], 26),
    "cd19_negative": ("Relapse, CD19-negative", "relapse_day", "s", _W,
                      OKABE_ITO["vermillion"], 26),
    "unknown": ("Relapse, CD19 phenotype unknown", "relapse_day", "P",
                OKABE_ITO["vermillion"], OKABE_ITO["vermillion"], 30),
    "death": ("Death", "death_day", "X", OKABE_ITO["black"], OKABE_ITO["black"], 34),
    "alive": ("Alive at last contact", "end_day", ">", "#7f7f7f", "#7f7f7f", 22),
}  # fmt: skip
_BAR = "#c9d3dd"
_ID_LIMIT = 60  # above this many lanes the patient ids are not printed


def _mask(lanes: pd.DataFrame, key: str) -> np.ndarray:
    if key in ("mrd_negative_cr", "cr"):
        return lanes["response"].eq(key).to_numpy(dtype=bool)
    if key in ("cd19_positive", "cd19_negative", "unknown"):
        return lanes["relapse_phenotype"].eq(key).to_numpy(dtype=bool)
    if key == "alive":
        return lanes["alive"].to_numpy(dtype=bool)
    return lanes[MARKERS[key][1]].notna().to_numpy(dtype=bool)


def _rows(groups: np.ndarray, head: float) -> tuple[np.ndarray, list[tuple[str, float]]]:
    """The y of each lane (top first), leaving ``head`` rows above each group for its name."""
    starts = np.r_[True, groups[1:] != groups[:-1]] if len(groups) else np.zeros(0, bool)
    # each lane moves down by the group headings above it, its own included
    y = np.arange(len(groups), dtype=float) + head * np.cumsum(starts)
    heads = [(groups[i], y[i] - (head + 1.0) / 2.0) for i in np.flatnonzero(starts)]
    return y, heads


@styled
def swimmer_figure(
    lanes: pd.DataFrame,
    *,
    unit: str = "months",
    group_labels: Mapping[str, str] | None = None,
    show_ids: bool | None = None,
    ylabel: str | None = None,
    title: str | None = None,
) -> Figure:
    """One horizontal bar per patient with markers for response, BCA, HSCT, relapse and death.

    Lanes are drawn in the order given, top first, with each group's name above its lanes.

    Parameters
    ----------
    lanes : pandas.DataFrame
        As :attr:`cartkit.runner.kinds.swimmer.SwimmerResult.lanes`: ``patient_id, group,
        end_day, alive, response, response_day, bca_recovery_day, hsct_day, relapse_day,
        relapse_phenotype, death_day`` (days after infusion).
    unit : {"days", "weeks", "months", "years"}
        Unit of the time axis.
    group_labels : mapping of str to str, optional
        Printed name of each group (default :data:`GROUP_LABELS`).
    show_ids : bool, optional
        Print the patient ids on the y axis (default: when there are at most 60 lanes).
    ylabel : str, optional
        Label of the y axis (default ``"Patients (n = <lanes>)"``).
    title : str, optional
        Figure title.

    Returns
    -------
    matplotlib.figure.Figure
    """
    require_columns(lanes, ["patient_id", "group", "end_day", "alive"], "swimmer lanes")
    if not len(lanes):
        raise DataError("no lanes to draw: the swimmer plot needs at least one patient")
    labels = {**GROUP_LABELS, **dict(group_labels or {})}
    factor = days_per_unit(unit)
    n = len(lanes)
    groups = lanes["group"].to_numpy(dtype=object)
    n_groups = int(np.sum(np.r_[True, groups[1:] != groups[:-1]]))
    per_row = 0.14 if n <= _ID_LIMIT else max(0.05, 7.5 / (n + 4 * n_groups))
    # a group's name needs about 0.2 inch above its first lane, whatever the lane height
    y, heads = _rows(groups, max(1.0, np.ceil(0.2 / per_row)))
    rows = y.max() + 1.0
    fig = new_figure(WIDTH, 1.6 + per_row * rows)
    ax = fig.add_axes((0.14, 1.25 / fig.get_figheight(), 0.83, 1 - 1.45 / fig.get_figheight()))
    end = lanes["end_day"].to_numpy(dtype=float) / factor
    ax.barh(y, end, height=0.62, color=_BAR, edgecolor="none", gid="lanes")
    handles = []
    size_scale = 1.0 if n <= _ID_LIMIT else 0.5
    for key, (label, column, marker, face, edge, size) in MARKERS.items():
        mask = _mask(lanes, key)
        if not mask.any():
            continue
        x = lanes.loc[mask, column].to_numpy(dtype=float) / factor
        ax.scatter(
            x, y[mask], marker=marker, s=size * size_scale, facecolors=face, edgecolors=edge,
            linewidths=0.9, zorder=3, gid=key, label=label,
        )  # fmt: skip
        handles.append(
            Line2D([], [], linestyle="none", marker=marker, markersize=6,
                   markerfacecolor=face, markeredgecolor=edge, label=label)
        )  # fmt: skip
    for group, row in heads:
        ax.text(
            0.0, row, labels.get(group, str(group)), ha="left", va="center", fontsize=8,
            fontweight="bold", gid="group_label",
        )  # fmt: skip
    t_max = float(np.nanmax(end)) if np.isfinite(end).any() else 1.0
    ax.set_xticks(time_ticks(t_max, unit))
    ax.set_xlim(0.0, t_max * 1.03)
    ax.set_ylim(rows - 0.4, -0.6)
    ax.set_xlabel(f"{unit.capitalize()} after infusion")
    ids = n <= _ID_LIMIT if show_ids is None else show_ids
    if ids:
        ax.set_yticks(y)
        ax.set_yticklabels(lanes["patient_id"].astype(str).tolist(), fontsize=6)
        ax.tick_params(axis="y", length=0)
    else:
        ax.set_yticks([])
    ax.set_ylabel(ylabel or f"Patients (n = {n:,})")
    ax.spines["left"].set_visible(False)
    if title:
        ax.set_title(title, loc="left")
    legend_top = 0.95 / fig.get_figheight()
    fig.legend(
        handles=handles, loc="upper center", ncol=3, bbox_to_anchor=(0.55, legend_top),
        handletextpad=0.3, columnspacing=1.2,
    )  # fmt: skip
    return fig
