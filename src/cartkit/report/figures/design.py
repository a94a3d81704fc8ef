"""Power curve of a trial design: simulated power, with its Monte-Carlo interval, by size."""

from __future__ import annotations

import numpy as np
import pandas as pd
from matplotlib.figure import Figure
from matplotlib.ticker import PercentFormatter

from ..._core.checks import require_columns
from ...errors import DataError
from .style import HEIGHT, OKABE_ITO, WIDTH, color, new_figure, styled

__all__ = ["power_curve_figure"]


@styled
def power_curve_figure(
    curve: pd.DataFrame,
    *,
    target: float | None = 0.8,
    analytic: pd.DataFrame | None = None,
    xlabel: str = "Patients randomised",
    title: str | None = None,
) -> Figure:
    """Simulated power against sample size, with 95% Monte-Carlo intervals.

    Parameters
    ----------
    curve : pandas.DataFrame
        One row per sample size with ``n_patients``, ``estimate`` (power), ``ci_lower`` and
        ``ci_upper`` (e.g. from :func:`cartkit.design.cart.hsct_power_curve`).
    target : float or None, default 0.8
        Draw a dashed line at this power (gid ``target``); None for none.
    analytic : pandas.DataFrame, optional
        ``n_patients`` and ``estimate`` of an analytic power to overlay (gid ``analytic``).
    xlabel : str
        Label of the x axis.
    title : str, optional
        Figure title.

    Returns
    -------
    matplotlib.figure.Figure
        A line with markers (gid ``power``) and error bars.
    """
    require_columns(curve, ["n_patients", "estimate", "ci_lower", "ci_upper"], what="curve")
    data = curve.sort_values("n_patients")
    if data.empty:
        raise DataError("the power curve has no rows; simulate at least one sample size")
    x = data["n_patients"].to_numpy(dtype=float)
    y = data["estimate"].to_numpy(dtype=float)
    lo = y - data["ci_lower"].to_numpy(dtype=float)
    hi = data["ci_upper"].to_numpy(dtype=float) - y
    fig = new_figure(WIDTH, HEIGHT)
    ax = fig.add_axes((0.12, 0.13, 0.84, 0.78))
    ax.errorbar(
        x, y, yerr=np.vstack([lo, hi]), color=color(0), marker="o", capsize=3,
        label="simulated (95% MC interval)", gid="power",
    )  # fmt: skip
    if analytic is not None:
        require_columns(analytic, ["n_patients", "estimate"], what="analytic")
        a = analytic.sort_values("n_patients")
        ax.plot(
            a["n_patients"], a["estimate"], color=color(1), linestyle="-", linewidth=1.2,
            label="analytic", gid="analytic",
        )  # fmt: skip
    if target is not None:
        ax.axhline(target, color=OKABE_ITO["black"], linestyle="--", linewidth=0.8, gid="target")
    ax.set_ylim(0.0, 1.0)
    ax.yaxis.set_major_formatter(PercentFormatter(1.0, decimals=0))
    ax.set_xlabel(xlabel)
    ax.set_ylabel("Power")
    ax.grid(axis="y", linewidth=0.4, alpha=0.5)
    ax.legend(loc="lower right")
    if title:
        ax.set_title(title, loc="left")
    return fig
