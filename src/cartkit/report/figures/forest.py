"""Forest plot of hazard or odds ratios with their confidence intervals."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import numpy as np
import pandas as pd
from matplotlib.figure import Figure
from matplotlib.ticker import FixedLocator, NullFormatter, NullLocator
from matplotlib.transforms import blended_transform_factory

from ..._core.checks import require_columns
from ..._core.results import RegressionResult
from ...errors import DataError
from .style import OKABE_ITO, format_estimate, format_p, new_figure, styled

__all__ = ["forest_figure"]

_ABBREVIATION = {"hr": "HR", "odds_ratio": "OR", "estimate": "Estimate"}
_ROW_INCHES = 0.3
_NICE = np.array(
    [0.01, 0.02, 0.05, 0.1, 0.2, 0.3, 0.5, 1, 2, 3, 5, 10, 20, 50, 100, 200, 500, 1000]
)


def _ticks(lo: float, hi: float) -> list[float]:
    ticks = _NICE[(_NICE >= lo) & (_NICE <= hi)]
    if len(ticks) > 7:
        # thin so the labels do not collide: 1-2-5 steps, or decades when still too many; a
        # scale that would keep fewer than three ticks (0.1 and 1 for 0.07 to 7.5) keeps more
        mantissa = ticks / 10.0 ** np.floor(np.log10(ticks) + 1e-9)
        for keep in ((1.0,), (1.0, 5.0), (1.0, 2.0, 5.0)):
            thinned = ticks[np.isin(np.round(mantissa, 6), keep)]
            if 3 <= len(thinned) <= 7 or keep == (1.0, 2.0, 5.0):
                ticks = thinned
                break
    return [float(t) for t in ticks]


@styled
def forest_figure(
    table: pd.DataFrame | RegressionResult,
    *,
    estimate: str = "hr",
    label: str = "Hazard ratio",
    term_labels: Mapping[str, str] | None = None,
    title: str | None = None,
    ci_texts: Sequence[str] | None = None,
    p_texts: Sequence[str] | None = None,
) -> Figure:
    """Estimates with confidence whiskers on a log axis, and a column of "HR (95% CI)" and p.

    Works for a fit (``ck.cox``, ``ck.logistic``, ``ck.fine_gray``) or its ``table``
    (``estimate="estimate"``, or the ratio's own name: ``"hr"``, ``"odds_ratio"``); the
    ``(Intercept)`` row is skipped.
    Rows are drawn top to bottom in table order. An interval that is not finite (a separated
    term) is written as NA and drawn as far as it is finite.

    Parameters
    ----------
    table : pandas.DataFrame or cartkit.results.RegressionResult
        Columns ``term, <estimate>, ci_lower, ci_upper, p_value``; or a fit, whose
        ``conf_level`` heads the interval column.
    estimate : str
        Column of the ratio.
    label : str
        Axis label.
    term_labels : mapping, optional
        Display name of each term (``{"age_years": "Age (years)"}``).
    title : str, optional
        Figure title.
    ci_texts, p_texts : sequence of str, optional
        The printed "ratio (CI)" and p of each row (``table`` order, intercept excluded), so
        the figure prints exactly what a table beside it prints; by default they are
        formatted here.

    Returns
    -------
    matplotlib.figure.Figure
        One whisker line and one point per row, a reference line at 1 (gid ``reference``) and
        the text columns (gids ``ci_text`` and ``p_text``).
    """
    if isinstance(table, RegressionResult):
        conf, table = table.conf_level, table.table
    else:
        conf = table.attrs.get("conf_level", 0.95)
    require_columns(table, ["term", estimate, "ci_lower", "ci_upper", "p_value"], what="table")
    rows = table[table["term"] != "(Intercept)"].reset_index(drop=True)
    if rows.empty:
        raise DataError("table has no term to draw besides the intercept")
    est = rows[estimate].to_numpy(dtype=float)
    lo = rows["ci_lower"].to_numpy(dtype=float)
    hi = rows["ci_upper"].to_numpy(dtype=float)
    finite = np.concatenate([v[np.isfinite(v) & (v > 0)] for v in (est, lo, hi)])
    if len(finite) == 0:
        raise DataError(f"column {estimate!r} has no finite positive value to draw")
    x_lo = min(float(finite.min()), 1.0) / 1.3
    x_hi = max(float(finite.max()), 1.0) * 1.3
    n = len(rows)
    names = [
        str(term_labels.get(t, t)) if term_labels else str(t) for t in rows["term"].astype(str)
    ]
    # widths in inches: term names, the plot, the estimate column, the p column
    label_in = 0.065 * max(len(s) for s in names) + 0.3
    plot_in, ci_in, p_in = 2.8, 1.8, 0.7
    width = label_in + plot_in + 0.25 + ci_in + p_in
    height = 0.9 + (0.3 if title else 0.0) + _ROW_INCHES * (n + 1)
    fig = new_figure(width, height)
    left = label_in / width
    bottom = 0.55 / height
    top = 1.0 - ((0.35 if title else 0.1) + _ROW_INCHES) / height
    ax = fig.add_axes((left, bottom, plot_in / width, top - bottom))
    y = np.arange(n)
    for i in range(n):
        w_lo = lo[i] if np.isfinite(lo[i]) and lo[i] > 0 else x_lo
        w_hi = hi[i] if np.isfinite(hi[i]) else x_hi
        ax.plot([w_lo, w_hi], [y[i], y[i]], color=OKABE_ITO["black"], linewidth=1.2)
        # an interval running off the axis (or infinite) ends in an arrow head
        for end, bound, marker in ((w_lo, lo[i], "<"), (w_hi, hi[i], ">")):
            if not (np.isfinite(bound) and x_lo < bound < x_hi):
                ax.plot([end], [y[i]], marker=marker, color=OKABE_ITO["black"], gid="clipped")
    ax.plot(est, y, linestyle="none", marker="s", markersize=6, color=OKABE_ITO["blue"])
    ax.axvline(1.0, color="0.5", linestyle="--", linewidth=0.9, gid="reference", zorder=0)
    ax.set_xscale("log")
    ax.set_xlim(x_lo, x_hi)
    ax.xaxis.set_major_locator(FixedLocator(_ticks(x_lo, x_hi)))
    ax.xaxis.set_major_formatter(lambda v, _pos: f"{v:g}")
    ax.xaxis.set_minor_locator(NullLocator())
    ax.xaxis.set_minor_formatter(NullFormatter())
    ax.set_ylim(n - 0.5, -0.5)
    ax.set_yticks(y, names)
    ax.tick_params(axis="y", length=0)
    ax.spines["left"].set_visible(False)
    ax.set_xlabel(label)
    short = _ABBREVIATION.get(estimate, label)
    ci_x = (label_in + plot_in + 0.25) / width
    columns = (
        (ci_x, f"{short} ({conf:.0%} CI)", "ci_text"),
        (ci_x + ci_in / width, "p", "p_text"),
    )
    header_y = top + 0.5 * _ROW_INCHES / height
    for x, header, _gid in columns:
        fig.text(x, header_y, header, ha="left", va="center", fontweight="bold", fontsize=8.5)
    # x in figure coordinates (the text columns right of the axes), y in data rows
    blended = blended_transform_factory(fig.transFigure, ax.transData)
    for texts in (ci_texts, p_texts):
        if texts is not None and len(texts) != n:
            raise DataError(f"{len(texts)} texts given for {n} rows of the forest plot")
    for i in range(n):
        ci = (
            f"{format_estimate(est[i])} ({format_estimate(lo[i])}–{format_estimate(hi[i])})"
            if np.isfinite(est[i])
            else "NA"
        )
        p = format_p(float(rows["p_value"].iloc[i])).removeprefix("p = ").removeprefix("p ")
        if ci_texts is not None:
            ci = ci_texts[i]
        if p_texts is not None:
            p = p_texts[i]
        for (x, _h, gid), text in zip(columns, (ci, p), strict=True):
            ax.text(
                x,
                y[i],
                text,
                transform=blended,
                ha="left",
                va="center",
                fontsize=8.5,
                gid=gid,
            )
    if title:
        fig.text(
            0.1 / width,
            1.0 - 0.08 / height,
            title,
            ha="left",
            va="top",
            fontsize=10,
            fontweight="bold",
        )
    return fig
