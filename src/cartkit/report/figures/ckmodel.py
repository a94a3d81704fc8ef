"""Diagnostics of a population kinetic model: goodness of fit, CWRES, VPC, individual fits.

Every function takes the DataFrames of a :class:`cartkit.KineticModelResult`
(``observations``, ``vpc``, ``curves()``), so a report can draw them from saved tables too.
Values below the LLOQ have no residual and no place on a log axis of observed values: they are
counted in a corner note, drawn as open markers at the LLOQ in the individual fits, and shown
as a fraction in the VPC.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from matplotlib.axes import Axes
from matplotlib.figure import Figure
from matplotlib.lines import Line2D
from matplotlib.ticker import FuncFormatter, NullFormatter, NullLocator

from ..._core.checks import require_columns
from ...errors import DataError
from ._axes import corner_text, percent_axis
from .style import HEIGHT, OKABE_ITO, WIDTH, new_figure, styled

__all__ = [
    "ckmodel_cwres_figure",
    "ckmodel_gof_figure",
    "ckmodel_individual_figure",
    "ckmodel_vpc_figure",
]

_OBS = OKABE_ITO["black"]
_PRED = OKABE_ITO["blue"]
_IPRED = OKABE_ITO["vermillion"]
_SIM = OKABE_ITO["sky_blue"]


def _time_axis(ax: Axes, times: np.ndarray) -> None:
    """Linear time; linear to the median and logarithmic after it when sampling spans decades.

    (CAR-T: days 7 to 1,800.) Ticks are plain numbers.
    """
    t = np.asarray(times, dtype=float)
    t = t[np.isfinite(t) & (t > 0)]
    if t.size and t.max() > 8 * np.median(t):
        ax.set_xscale("symlog", linthresh=float(np.median(t)), linscale=1.0)
        ax.xaxis.set_major_formatter(FuncFormatter(lambda v, _pos: f"{v:g}"))
        ax.xaxis.set_minor_locator(NullLocator())
    ax.set_xlim(left=0.0)


def _log_y(ax: Axes) -> None:
    # unlabelled minor ticks: labelling them costs seconds per figure and shows nothing
    ax.set_yscale("log")
    ax.yaxis.set_minor_formatter(NullFormatter())


def _log_y_possible(values: np.ndarray) -> bool:
    v = values[np.isfinite(values)]
    return v.size > 0 and bool((v > 0).all())


def _quantified(observations: pd.DataFrame) -> pd.DataFrame:
    require_columns(observations, ["observed", "blq", "pred", "ipred"], what="observations")
    return observations[~observations["blq"].astype(bool)]


@styled
def ckmodel_gof_figure(
    observations: pd.DataFrame, *, title: str | None = None, unit: str = "copies/µg DNA"
) -> Figure:
    """Observed values against population (PRED) and individual (IPRED) predictions.

    Parameters
    ----------
    observations : pandas.DataFrame
        ``KineticModelResult.observations`` (``observed, blq, pred, ipred``).
    title : str, optional
        Figure title.
    unit : str
        Unit of the values, for the axis labels.

    Returns
    -------
    matplotlib.figure.Figure
        Two panels (gids ``pred`` and ``ipred``) with the line of identity (gid ``identity``).
    """
    q = _quantified(observations)
    if q.empty:
        raise DataError("observations has no quantified value to draw")
    fig = new_figure(WIDTH, HEIGHT * 0.75)
    values = np.concatenate([q[c].to_numpy(float) for c in ("observed", "pred", "ipred")])
    log = _log_y_possible(values)
    lo, hi = np.nanmin(values), np.nanmax(values)
    if log:
        # a population prediction can be decades below anything measured (a patient whose
        # cells persist, late); the axes keep to a decade below the smallest observed value,
        # and such predictions are marked at the left edge
        lo = max(lo / 1.5, float(np.nanmin(q["observed"])) / 10)
        hi = hi * 1.5
    else:
        pad = 0.05 * (hi - lo or 1.0)
        lo, hi = lo - pad, hi + pad
    for k, (col, name, c) in enumerate((("pred", "PRED", _PRED), ("ipred", "IPRED", _IPRED))):
        ax = fig.add_axes((0.1 + 0.47 * k, 0.16, 0.38, 0.72))
        ax.scatter(q[col], q["observed"], s=9, color=c, alpha=0.55, linewidths=0, gid=col)
        below = (q[col] < lo).to_numpy()
        if below.any():
            ax.scatter(
                np.full(int(below.sum()), lo),
                q.loc[below, "observed"],
                s=14,
                marker="<",
                color=c,
                alpha=0.8,
                linewidths=0,
                clip_on=False,
                gid=f"{col}_below",
            )
            # lower right: below the line of identity, where a fit leaves few points
            corner_text(
                ax, f"{int(below.sum())} {name} < {lo:.2g}: ◀ at the edge", where="lower right"
            )
        ax.plot([lo, hi], [lo, hi], color="0.3", linewidth=0.9, linestyle="--", gid="identity")
        if log:
            ax.set_xscale("log")
            ax.xaxis.set_minor_formatter(NullFormatter())
            _log_y(ax)
        ax.set_xlim(lo, hi)
        ax.set_ylim(lo, hi)
        ax.set_xlabel(f"{name} ({unit})")
        if k == 0:
            ax.set_ylabel(f"Observed ({unit})")
        ax.set_title("Population" if k == 0 else "Individual", loc="left")
    n_blq = int(observations["blq"].astype(bool).sum())
    if n_blq:
        corner_text(fig.axes[-1], f"{n_blq} value(s) < LLOQ not shown", where="lower right")
    if title:
        fig.suptitle(title, x=0.1, ha="left", fontweight="bold")
    return fig


@styled
def ckmodel_cwres_figure(
    observations: pd.DataFrame,
    *,
    time: str = "day",
    xlabel: str = "Days since infusion",
    title: str | None = None,
) -> Figure:
    """Conditional weighted residuals (CWRES) against time, with the band ``-2`` to ``2``.

    Parameters
    ----------
    observations : pandas.DataFrame
        ``KineticModelResult.observations`` (``cwres`` and the time column).
    time : str
        The time column.
    xlabel, title : str
        Axis label and title.

    Returns
    -------
    matplotlib.figure.Figure
        Points (gid ``cwres``), the zero line (gid ``zero``) and the ``±2`` lines (gid ``band``).
    """
    require_columns(observations, [time, "cwres"], what="observations")
    ok = observations["cwres"].notna()
    if not ok.any():
        raise DataError("observations has no conditional weighted residual to draw")
    fig = new_figure(WIDTH, HEIGHT * 0.8)
    ax = fig.add_axes((0.12, 0.15, 0.83, 0.75))
    t = observations.loc[ok, time].to_numpy(float)
    ax.scatter(
        t, observations.loc[ok, "cwres"], s=9, color=_PRED, alpha=0.55, linewidths=0, gid="cwres"
    )
    ax.axhline(0.0, color="0.3", linewidth=0.9, gid="zero")
    for level in (-2.0, 2.0):
        ax.axhline(level, color="0.5", linewidth=0.8, linestyle="--", gid="band")
    _time_axis(ax, t)
    ax.set_xlabel(xlabel)
    ax.set_ylabel("CWRES")
    if title:
        ax.set_title(title, loc="left")
    return fig


@styled
def ckmodel_vpc_figure(
    vpc: pd.DataFrame,
    *,
    xlabel: str = "Days since infusion",
    ylabel: str = "CAR transgene (copies/µg DNA)",
    title: str | None = None,
) -> Figure:
    """Visual predictive check, with the fraction of values below the LLOQ in a second panel.

    Parameters
    ----------
    vpc : pandas.DataFrame
        ``KineticModelResult.vpc``: per bin and statistic (``p05, p50, p95, blq_fraction``),
        the observed value and the simulated median and interval.
    xlabel, ylabel, title : str
        Axis labels and title.

    Returns
    -------
    matplotlib.figure.Figure
        Upper panel: simulated intervals of each percentile (gid ``band``) and the observed
        percentiles (gid ``observed``); lower panel: the same for the BLQ fraction. A
        percentile below the LLOQ is not drawn.
    """
    require_columns(
        vpc, ["time", "statistic", "observed", "simulated", "pi_lower", "pi_upper"], what="vpc"
    )
    if vpc.empty:
        raise DataError("vpc is empty")
    fig = new_figure(WIDTH, HEIGHT * 1.25)
    top = fig.add_axes((0.13, 0.38, 0.82, 0.55))
    bottom = fig.add_axes((0.13, 0.1, 0.82, 0.2), sharex=top)
    styles = {"p05": ("5th", "--"), "p50": ("50th", "-"), "p95": ("95th", "--")}
    values = vpc.loc[vpc["statistic"] != "blq_fraction", ["observed", "pi_lower", "pi_upper"]]
    log = _log_y_possible(values.to_numpy(float).ravel())
    for stat, (name, ls) in styles.items():
        d = vpc[vpc["statistic"] == stat].sort_values("time")
        top.fill_between(
            d["time"],
            d["pi_lower"],
            d["pi_upper"],
            color=_SIM,
            alpha=0.35 if stat == "p50" else 0.2,
            linewidth=0,
            gid="band",
        )
        top.plot(d["time"], d["simulated"], color=_SIM, linewidth=1.0, linestyle=ls)
        top.plot(
            d["time"],
            d["observed"],
            color=_OBS,
            linewidth=1.3,
            linestyle=ls,
            marker="o",
            markersize=3,
            label=f"Observed {name} percentile",
            gid="observed",
        )
    if log:
        _log_y(top)
    top.set_ylabel(ylabel)
    top.fill_between([], [], [], color=_SIM, alpha=0.3, linewidth=0, label="Simulated 90% interval")
    top.legend(loc="upper right", fontsize=7)
    top.tick_params(labelbottom=False)
    d = vpc[vpc["statistic"] == "blq_fraction"].sort_values("time")
    bottom.fill_between(
        d["time"], d["pi_lower"], d["pi_upper"], color=_SIM, alpha=0.35, linewidth=0, gid="band"
    )
    bottom.plot(
        d["time"],
        d["observed"],
        color=_OBS,
        marker="o",
        markersize=3,
        linewidth=1.3,
        gid="observed",
    )
    percent_axis(bottom, top=max(1e-9, float(np.nanmax(d[["observed", "pi_upper"]]))) * 1.1)
    bottom.set_ylabel("< LLOQ")
    bottom.set_xlabel(xlabel)
    _time_axis(bottom, vpc["time"].to_numpy(float))
    if title:
        top.set_title(title, loc="left")
    return fig


@styled
def ckmodel_individual_figure(
    observations: pd.DataFrame,
    curves: pd.DataFrame,
    *,
    id: str = "patient_id",
    time: str = "day",
    max_patients: int = 16,
    seed: int = 0,
    xlabel: str = "Days since infusion",
    ylabel: str = "copies/µg DNA",
) -> Figure:
    """Each patient's values with the individual (IPRED) and population (PRED) curves.

    Parameters
    ----------
    observations : pandas.DataFrame
        ``KineticModelResult.observations``.
    curves : pandas.DataFrame
        ``KineticModelResult.curves()``: id, time, ``pred``, ``ipred`` on a fine grid.
    id, time : str
        Column names.
    max_patients : int
        Above this many patients, a random sample of them (drawn with ``seed``, in id order).
    seed : int
        Seed of that sample.
    xlabel, ylabel : str
        Axis labels.

    Returns
    -------
    matplotlib.figure.Figure
        One small panel per patient, titled with its id; values below the LLOQ are open
        markers at the LLOQ (gid ``blq``).
    """
    require_columns(observations, [id, time, "observed", "blq", "lloq"], what="observations")
    require_columns(curves, [id, time, "pred", "ipred"], what="curves")
    ids = pd.unique(observations[id])
    if len(ids) == 0:
        raise DataError("observations has no patient to draw")
    if len(ids) > max_patients:
        rng = np.random.default_rng(seed)
        ids = np.sort(rng.choice(np.asarray(ids, dtype=object), max_patients, replace=False))
    ncol = int(np.ceil(np.sqrt(len(ids))))
    nrow = int(np.ceil(len(ids) / ncol))
    fig = new_figure(WIDTH * 1.2, 1.5 * nrow + 0.6)
    log = _log_y_possible(curves["ipred"].to_numpy(float))
    all_times = observations[time].to_numpy(float)
    for k, pid in enumerate(ids):
        ax = fig.add_subplot(nrow, ncol, k + 1)
        c = curves[curves[id] == pid]
        o = observations[observations[id] == pid]
        ax.plot(c[time], c["pred"], color=_PRED, linewidth=0.9, linestyle="--", gid="pred")
        ax.plot(c[time], c["ipred"], color=_IPRED, linewidth=1.2, gid="ipred")
        q = o[~o["blq"].astype(bool)]
        b = o[o["blq"].astype(bool)]
        ax.scatter(q[time], q["observed"], s=10, color=_OBS, zorder=3, gid="observed")
        ax.scatter(
            b[time], b["lloq"], s=12, facecolors="none", edgecolors=_OBS, zorder=3, gid="blq"
        )
        if log:
            _log_y(ax)
            # small panels: minor ticks cost drawing time and add nothing at this size
            ax.yaxis.set_minor_locator(NullLocator())
            # the curves run far below the LLOQ where nothing is measured: keep the data in view
            seen = np.concatenate([q["observed"].to_numpy(float), b["lloq"].to_numpy(float)])
            seen = seen[np.isfinite(seen) & (seen > 0)]
            if seen.size:
                ax.set_ylim(seen.min() / 10, max(seen.max(), c["ipred"].max()) * 3)
        _time_axis(ax, all_times)
        ax.set_title(str(pid), fontsize=7, loc="left")
        ax.tick_params(labelsize=6)
    handles = [
        Line2D([], [], color=_IPRED, linewidth=1.2, label="Individual (IPRED)"),
        Line2D([], [], color=_PRED, linewidth=0.9, linestyle="--", label="Population (PRED)"),
        Line2D([], [], color=_OBS, marker="o", linestyle="", markersize=3, label="Observed"),
        Line2D(
            [],
            [],
            color=_OBS,
            marker="o",
            linestyle="",
            markersize=3.5,
            markerfacecolor="none",
            label="< LLOQ (at the LLOQ)",
        ),
    ]
    fig.legend(handles=handles, loc="upper center", ncol=4, fontsize=7, frameon=False)
    fig.supxlabel(xlabel, fontsize=8)
    fig.supylabel(ylabel, fontsize=8)
    fig.subplots_adjust(hspace=0.6, wspace=0.35, left=0.09, bottom=0.08, right=0.98, top=0.9)
    return fig
