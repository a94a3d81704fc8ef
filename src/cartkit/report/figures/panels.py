"""Multi-panel figures: one panel per subgroup or pair, lettered A, B, C as a journal prints them.

A survival or incidence analysis by subgroup (Figure 1: OS by HSCT within pre-LD MRD < 10⁻⁴
and ≥ 10⁻⁴) and a correlation analysis of several pairs (Figure 2: BCA duration against Cmax,
AUC and Tlast) are one figure each, its panels stacked (time-to-event panels, the full width
with their risk tables) or in a grid (scatter plots), each with its letter in the top left
corner; the caption refers to the panels by these letters.
"""

from __future__ import annotations

import math
import string
from collections.abc import Callable, Mapping, Sequence

from matplotlib.figure import Figure

from ...survival.competing import CIF
from ...survival.km import KM
from ._risk import left_margin
from .incidence import cif_height, cif_labels, draw_cif
from .scatter import SIZE, draw_scatter
from .style import WIDTH, new_figure, styled
from .survival import draw_km, km_height, km_labels

__all__ = [
    "cif_panels_figure",
    "grid_panels",
    "km_panels_figure",
    "panel_letter",
    "scatter_panels_figure",
    "stack_panels",
]


def panel_letter(i: int) -> str:
    """The letter of the ``i``-th panel: A, B, ..., Z, then AA, AB, ..."""
    letters = string.ascii_uppercase
    return letters[i] if i < 26 else letters[i // 26 - 1] + letters[i % 26]


def _letter(panel, i: int, width: float, height: float) -> None:
    panel.text(
        0.08 / width,
        1.0 - 0.06 / height,
        panel_letter(i),
        ha="left",
        va="top",
        fontsize=13,
        fontweight="bold",
        gid="panel",
    )


def stack_panels(
    heights: Sequence[float], draw: Callable[[object, int, float], None], width: float = WIDTH
) -> Figure:
    """A figure of panels stacked top to bottom, ``draw(panel, i, height)`` filling each.

    Each panel is a :class:`matplotlib.figure.SubFigure` of ``width`` by ``heights[i]``
    inches, lettered A, B, ... in its top left corner.
    """
    fig = new_figure(width, float(sum(heights)))
    panels = fig.subfigures(len(heights), 1, height_ratios=list(heights), hspace=0.0)
    panels = [panels] if len(heights) == 1 else list(panels)
    for i, (panel, height) in enumerate(zip(panels, heights, strict=True)):
        draw(panel, i, height)
        _letter(panel, i, width, height)
    return fig


def grid_panels(
    n: int, size: tuple[float, float], draw: Callable[[object, int], None], columns: int = 2
) -> Figure:
    """A figure of ``n`` panels of ``size`` inches in a grid, ``draw(panel, i)`` filling each."""
    cols = min(n, columns)
    rows = math.ceil(n / cols)
    width, height = size
    fig = new_figure(width * cols, height * rows)
    grid = fig.subfigures(rows, cols, squeeze=False, wspace=0.0, hspace=0.0)
    for i in range(n):
        panel = grid[i // cols][i % cols]
        draw(panel, i)
        _letter(panel, i, width, height)
    return fig


@styled
def km_panels_figure(
    kms: Sequence[KM],
    *,
    titles: Sequence[str | None],
    logrank_ps: Sequence[float | None],
    group_labels: Mapping | None = None,
    xlabel: str = "Months since infusion",
    ylabel: str = "Probability",
    p_label: str = "Log-rank",
    intervals: Sequence | None = None,
) -> Figure:
    """Kaplan-Meier panels A, B, ... of one analysis (one per subgroup level), stacked.

    Parameters
    ----------
    kms : sequence of KM
        One fit per panel (times in days).
    titles : sequence of str or None
        Each panel's title (its subgroup level).
    logrank_ps : sequence of float or None
        Each panel's log-rank p (None: not printed).
    group_labels : mapping, optional
        Display name of each group level.
    xlabel, ylabel : str
        Axis labels of every panel.
    p_label : str
        Name of the test of the p-values ("Mantel-Byar" for time-dependent groups).
    intervals : sequence of pandas.DataFrame, optional
        For time-dependent groups, each panel's ``group, start, stop`` rows
        (:func:`~cartkit.report.figures.survival.km_figure`).

    Returns
    -------
    matplotlib.figure.Figure
        Two axes per panel (curves, number at risk), in panel order; every panel has the same
        left margin, so their time axes line up.
    """
    left = max(left_margin(km_labels(km, group_labels)) for km in kms)
    rows = [None] * len(kms) if intervals is None else list(intervals)

    def draw(panel, i: int, height: float) -> None:
        draw_km(
            panel, kms[i], width=WIDTH, height=height, left=left, title=titles[i],
            xlabel=xlabel, ylabel=ylabel, logrank_p=logrank_ps[i], group_labels=group_labels,
            p_label=p_label, intervals=rows[i],
        )  # fmt: skip

    return stack_panels([km_height(km) for km in kms], draw)


@styled
def cif_panels_figure(
    cifs: Sequence[CIF],
    *,
    titles: Sequence[str | None],
    grays: Sequence,
    cause_labels: Mapping[int, str] | None = None,
    group_labels: Sequence[Mapping | None] = (),
    xlabel: str = "Months since infusion",
    cause_order: Sequence[int] | None = None,
) -> Figure:
    """Cumulative-incidence panels A, B, ... of one analysis (one per subgroup level), stacked.

    Parameters
    ----------
    cifs : sequence of CIF
        One fit per panel (times in days).
    titles : sequence of str or None
        Each panel's title.
    grays : sequence
        Each panel's Gray's test (:class:`cartkit.survival.gray.GrayTests`) or None.
    cause_labels : mapping, optional
        Display name of each cause code.
    group_labels : sequence of mapping
        Display names of each panel's group levels.
    xlabel : str
        The x axis label of every panel.
    cause_order : sequence of int, optional
        Cause codes in the order of their line styles, the same in every panel
        (:func:`~cartkit.report.figures.incidence.cif_figure`).

    Returns
    -------
    matplotlib.figure.Figure
        Two axes per panel (curves, number at risk), in panel order.
    """
    names = list(group_labels) or [None] * len(cifs)
    left = max(left_margin(cif_labels(c, g)) for c, g in zip(cifs, names, strict=True))

    def draw(panel, i: int, height: float) -> None:
        draw_cif(
            panel, cifs[i], width=WIDTH, height=height, left=left, title=titles[i],
            gray=grays[i], cause_labels=cause_labels, group_labels=names[i], xlabel=xlabel,
            cause_order=cause_order,
        )  # fmt: skip

    return stack_panels([cif_height(c) for c in cifs], draw)


@styled
def scatter_panels_figure(panels: Sequence[Mapping], *, columns: int = 2) -> Figure:
    """Scatter panels A, B, C of one analysis (one per pair), two to a row.

    Parameters
    ----------
    panels : sequence of mapping
        The keyword arguments of :func:`cartkit.report.figures.scatter.scatter_figure` of
        each panel (``df``, ``x``, ``y``, ``test``, ``log_x``, ...).
    columns : int
        Panels per row.

    Returns
    -------
    matplotlib.figure.Figure
        One axes per panel, in panel order (each panel's own: a panel of more than
        :data:`~cartkit.report.figures.scatter.MAX_POINTS` points adds its colour bar).
    """
    return grid_panels(
        len(panels), SIZE, lambda panel, i: draw_scatter(panel, **panels[i]), columns
    )
