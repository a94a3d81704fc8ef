"""Scatter plot with a least-squares line and the correlation in the corner."""

from __future__ import annotations

import numpy as np
import pandas as pd
from matplotlib.figure import Figure

from ..._core.checks import require_columns
from ..._core.results import Test
from ...errors import DataError
from ._axes import corner_text
from ._placement import place_legend, place_text
from .style import HEIGHT, OKABE_ITO, color, format_p, new_figure, styled

__all__ = ["SIZE", "correlation_text", "draw_scatter", "scatter_figure"]

_SYMBOL = {"spearman": "ρ", "kendall": "τ", "pearson": "r"}
#: above this many points the scatter is drawn as hexagons shaded by their number of patients
MAX_POINTS = 2000


def correlation_text(test: Test) -> str:
    """``"r = 0.41, p = 0.003"`` from a correlation :class:`Test` (ρ for Spearman, τ for Kendall).

    A Cox model of a censored duration (``details["method"] == "cox"``) prints its hazard
    ratio: ``"HR per 10-fold = 0.82, p = 0.21"``.

    Parameters
    ----------
    test : Test
        From :func:`cartkit.correlate`.

    Returns
    -------
    str
    """
    method = str(test.details.get("method", "pearson")).lower()
    if method == "cox":  # a Cox model of a censored duration: its hazard ratio
        per = test.details.get("per", "unit")
        return f"HR per {per} = {test.estimate:.2f}, {format_p(test.p_value)}"
    return f"{_SYMBOL.get(method, 'r')} = {test.estimate:.2f}, {format_p(test.p_value)}"


def _values(df: pd.DataFrame, column: str, log: bool) -> np.ndarray:
    values = pd.to_numeric(df[column], errors="coerce").to_numpy(dtype=float)
    if log:
        bad = np.isfinite(values) & (values <= 0)
        if bad.any():
            rows = ", ".join(map(str, df.index[bad][:5]))
            raise DataError(
                f"column {column!r} has values <= 0 (rows {rows}) that a log axis cannot show; "
                "draw it on a linear axis or drop those rows"
            )
    return values


#: width and height of a scatter figure (or of one panel of several), in inches
SIZE = (HEIGHT * 1.15, HEIGHT)
_TEXT_PLACES = ("upper left", "upper right", "lower right", "lower left")
_LEGEND_PLACES = ("upper right", "lower right", "upper left", "lower left")


def _density(target, ax, xs, ys, log_x: bool, log_y: bool) -> None:
    # thousands of points overlap into a blot: hexagons shaded by how many patients fall in
    # each (on a log scale, as a few hexagons hold most of them) show where they are
    from matplotlib.colors import LinearSegmentedColormap

    shades = LinearSegmentedColormap.from_list("cartkit_density", ["#DCEAF5", OKABE_ITO["blue"]])
    cells = ax.hexbin(
        xs,
        ys,
        gridsize=40,
        xscale="log" if log_x else "linear",
        yscale="log" if log_y else "linear",
        bins="log",
        mincnt=1,
        cmap=shades,
        linewidths=0.2,
        edgecolors="face",
        gid="density",
    )
    ax.set_position((0.16, 0.13, 0.68, 0.78))
    bar = target.colorbar(cells, cax=target.add_axes((0.86, 0.13, 0.025, 0.78)))
    bar.set_label("Patients", fontsize=8)
    bar.ax.tick_params(labelsize=7)
    bar.ax.yaxis.set_major_formatter(lambda v, _pos: f"{v:g}")  # 1, 10, 100


@styled
def scatter_figure(
    df: pd.DataFrame,
    *,
    x: str,
    y: str,
    test: Test | None = None,
    log_x: bool = False,
    log_y: bool = False,
    xlabel: str | None = None,
    ylabel: str | None = None,
    title: str | None = None,
    censored: str | None = None,
    censored_labels: tuple[str, str] = ("Event", "Censored"),
) -> Figure:
    """Points, a least-squares line and the correlation of ``test`` in the corner.

    The line is fitted by ordinary least squares on the drawn scale (log10 of a log axis), so it
    is straight on the figure. Rows missing either value are left out.

    Parameters
    ----------
    df : pandas.DataFrame
        One row per patient.
    x, y : str
        Columns to plot.
    test : Test, optional
        A correlation (:func:`cartkit.correlate`); printed as ``"ρ = 0.41, p = 0.003"``.
    log_x, log_y : bool
        Logarithmic axes (values must be positive).
    xlabel, ylabel : str, optional
        Axis labels (default the column names).
    title : str, optional
        Figure title.
    censored : str, optional
        A boolean column marking censored values (a duration whose end was not seen): those
        points are drawn open, the others filled, with a legend (``censored_labels``: the
        filled points', then the open points'), and no least-squares line is drawn, which
        would treat the censored values as complete.
    censored_labels : tuple of str
        Legend of the filled and the open points.

    Returns
    -------
    matplotlib.figure.Figure
        One point collection (two with ``censored``), one fitted line (gid ``fit``; absent
        with fewer than two distinct x values, or with ``censored``). Above
        :data:`MAX_POINTS` points, hexagons shaded by the number of patients in each (gid
        ``density``, with a colour bar) instead of points, censored or not (the caption says
        how many are censored).
    """
    fig = new_figure(*SIZE)
    draw_scatter(
        fig, df, x=x, y=y, test=test, log_x=log_x, log_y=log_y, xlabel=xlabel, ylabel=ylabel,
        title=title, censored=censored, censored_labels=censored_labels,
    )  # fmt: skip
    return fig


def draw_scatter(
    target,
    df: pd.DataFrame,
    *,
    x: str,
    y: str,
    test: Test | None = None,
    log_x: bool = False,
    log_y: bool = False,
    xlabel: str | None = None,
    ylabel: str | None = None,
    title: str | None = None,
    censored: str | None = None,
    censored_labels: tuple[str, str] = ("Event", "Censored"),
):
    """Draw :func:`scatter_figure` into ``target`` (a figure or a panel); returns its axes."""
    require_columns(df, [x, y] if censored is None else [x, y, censored], what="data")
    xs, ys = _values(df, x, log_x), _values(df, y, log_y)
    keep = np.isfinite(xs) & np.isfinite(ys)
    xs, ys = xs[keep], ys[keep]
    if len(xs) == 0:
        raise DataError(f"no row has both {x!r} and {y!r}; nothing to draw")
    ax = target.add_axes((0.16, 0.13, 0.8, 0.78))
    dense = len(xs) > MAX_POINTS
    if dense:
        # open and filled markers by the thousand are one blot either way: a density of all
        # the patients, and the caption says how many of them are censored
        _density(target, ax, xs, ys, log_x, log_y)
    elif censored is None:
        ax.scatter(xs, ys, s=22, color=color(0), alpha=0.8, edgecolors="white", linewidths=0.5)
    else:
        open_ = df[censored].to_numpy(dtype=bool)[keep]
        ax.scatter(xs[~open_], ys[~open_], s=22, color=color(0), alpha=0.8,
                   edgecolors="white", linewidths=0.5, label=censored_labels[0])  # fmt: skip
        ax.scatter(xs[open_], ys[open_], s=22, facecolors="none", edgecolors=color(0),
                   linewidths=1.0, label=censored_labels[1])  # fmt: skip
    fx = np.log10(xs) if log_x else xs
    fy = np.log10(ys) if log_y else ys
    if censored is None and len(np.unique(fx)) >= 2:
        slope, intercept = np.polyfit(fx, fy, 1)
        grid = np.linspace(fx.min(), fx.max(), 100)
        line = intercept + slope * grid
        ax.plot(
            10**grid if log_x else grid,
            10**line if log_y else line,
            color=OKABE_ITO["vermillion"],
            linewidth=1.4,
            gid="fit",
        )
    if log_x:
        ax.set_xscale("log")
    if log_y:
        ax.set_yscale("log")
    ax.set_xlabel(x if xlabel is None else xlabel)
    ax.set_ylabel(y if ylabel is None else ylabel)
    if title:
        ax.set_title(title, loc="left")
    if test is not None:
        # headroom so the text need not sit on the highest points
        lo, hi = ax.get_ylim()
        if log_y:
            ax.set_ylim(lo, hi * (hi / lo) ** 0.15)
        else:
            ax.set_ylim(lo, hi + 0.15 * (hi - lo))
    legend = None if censored is None or dense else place_legend(ax, _LEGEND_PLACES)
    if test is not None:
        text = corner_text(ax, correlation_text(test), where="upper left", gid="p")
        place_text(ax, text, _TEXT_PLACES, avoid=[legend])
    return ax
