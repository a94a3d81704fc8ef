"""Daily CRS and ICANS grades: stacked bars of the patients at each grade on each day."""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np
import pandas as pd
from matplotlib.figure import Figure
from matplotlib.ticker import MaxNLocator, PercentFormatter

from ..._core.checks import require_columns
from ...errors import DataError
from .style import WIDTH, new_figure, styled

__all__ = ["GRADE_COLORS", "daily_grade_figure"]

#: one colour per grade, light to dark (ColorBrewer OrRd, black for grade 5: death), so the
#: grades also read in greyscale and with the common colour-vision deficiencies
GRADE_COLORS = {1: "#fdcc8a", 2: "#fc8d59", 3: "#e34a33", 4: "#b30000", 5: "#000000"}
_PANEL_INCHES = 2.1


def _panel(ax, rows: pd.DataFrame, days: np.ndarray, title: str) -> None:
    bottom = np.zeros(len(days))
    for grade, colour in GRADE_COLORS.items():
        pct = (
            rows[rows["grade"] == grade]
            .set_index("day")["percent"]
            .reindex(days, fill_value=0.0)
            .to_numpy(dtype=float)
        )
        if not pct.any():
            continue
        ax.bar(
            days,
            pct,
            bottom=bottom,
            width=0.8,
            color=colour,
            edgecolor="white",
            linewidth=0.3,
            label=f"Grade {grade}",
            gid=f"grade_{grade}",
        )
        bottom += pct
    top = max(5.0, float(bottom.max()) * 1.15)
    ax.set_ylim(0.0, top)
    ax.yaxis.set_major_locator(MaxNLocator(nbins=4, steps=[1, 2, 2.5, 5, 10]))
    ax.yaxis.set_major_formatter(PercentFormatter(xmax=100, decimals=0))
    ax.set_ylabel("Patients")
    ax.set_title(title, loc="left")


@styled
def daily_grade_figure(
    daily: pd.DataFrame,
    *,
    days: tuple[float, float] = (0.0, 28.0),
    titles: Mapping[str, str] | None = None,
) -> Figure:
    """One panel per syndrome: on each day, the percentage of patients at each grade, stacked.

    The figure reads the same at any cohort size: bars are percentages of the patients graded,
    not one row per patient.

    Parameters
    ----------
    daily : pandas.DataFrame
        ``syndrome, day, grade, percent`` (as
        :attr:`cartkit.runner.kinds.toxicity.CrsIcansResult.daily`): the percentage of patients
        at ``grade`` (1-5) on ``day``.
    days : tuple of float
        First and last day drawn.
    titles : mapping of str to str, optional
        Panel title of each syndrome (default the syndrome upper-cased).

    Returns
    -------
    matplotlib.figure.Figure
    """
    require_columns(daily, ["syndrome", "day", "grade", "percent"], "daily grades")
    syndromes = list(dict.fromkeys(daily["syndrome"]))
    if not syndromes:
        raise DataError("no daily grades to draw: give at least one syndrome's rows")
    titles = dict(titles or {})
    first, last = int(np.floor(days[0])), int(np.floor(days[1]))
    grid = np.arange(first, last + 1, dtype=float)
    fig = new_figure(WIDTH, 0.75 + _PANEL_INCHES * len(syndromes))
    axes = fig.subplots(len(syndromes), 1, sharex=True, squeeze=False)[:, 0]
    for ax, syndrome in zip(axes, syndromes, strict=True):
        rows = daily[daily["syndrome"] == syndrome]
        _panel(ax, rows, grid, titles.get(syndrome, str(syndrome).upper()))
    step = 7 if last - first > 14 else 1
    axes[-1].set_xticks(np.arange(first, last + 1, step))
    axes[-1].set_xlim(first - 0.7, last + 0.7)
    axes[-1].set_xlabel("Days after infusion")
    handles = {}
    for ax in axes:
        for h, label in zip(*ax.get_legend_handles_labels(), strict=True):
            handles.setdefault(label, h)
    if handles:
        labels = sorted(handles, key=lambda s: int(s.split()[-1]))
        fig.legend(
            [handles[k] for k in labels],
            labels,
            loc="upper right",
            ncol=len(labels),
            bbox_to_anchor=(0.98, 1.0),
        )
    fig.subplots_adjust(left=0.11, right=0.98, top=1 - 0.45 / fig.get_figheight(), hspace=0.45)
    return fig
