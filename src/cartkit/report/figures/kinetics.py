"""Transgene kinetics: individual profiles and their median, on a log scale."""

from __future__ import annotations

import numpy as np
import pandas as pd
from matplotlib.figure import Figure
from matplotlib.ticker import FixedLocator, LogLocator, NullFormatter
from matplotlib.transforms import blended_transform_factory

from ..._core.checks import require_columns
from ...errors import DataError
from .style import HEIGHT, WIDTH, color, new_figure, styled

__all__ = ["VISITS", "kinetics_figure", "visit_bins"]

_DAY_TICKS = (0, 7, 14, 21, 28, 90, 180, 365, 730, 1095, 1460, 1825, 2190)
#: a common CAR-T sampling schedule (days after infusion)
VISITS = (0, 4, 7, 10, 14, 21, 28, 84, 182, 273, 365, 546, 728)


def visit_bins(days, visits=VISITS) -> np.ndarray:
    """The nominal visit of each sampling day: the nearest of ``visits`` (yearly after the last).

    Sampling days scatter around the nominal visits (day 10 is sampled on days 8 to 12); the
    median profile takes, at each visit, the median over patients.

    Parameters
    ----------
    days : array-like
        Sampling days.
    visits : sequence of float
        Nominal visit days in increasing order; past the last one visits are added every 365
        days, so long follow-up is binned too.

    Returns
    -------
    numpy.ndarray
        Nominal day of each sampling day.
    """
    days = np.asarray(days, dtype=float)
    grid = np.asarray(visits, dtype=float)
    if grid.ndim != 1 or len(grid) == 0 or np.any(np.diff(grid) <= 0):
        raise DataError(f"visits must be increasing days, got {visits!r}")
    d_max = float(np.nanmax(days)) if len(days) else grid[-1]
    if d_max > grid[-1]:
        # only the yearly visits next to a sampling day: as many as there are days, however
        # late the days (a grid of every year up to day 1e15 would not fit in memory)
        late = days[days > grid[-1]]
        k = np.floor((late - grid[-1]) / 365.0)
        extra = grid[-1] + 365.0 * np.unique(np.r_[k, k + 1, np.floor((d_max - grid[-1]) / 365.0)])
        grid = np.r_[grid, extra[(extra > grid[-1]) & (extra < d_max + 183.0)]]
    idx = np.clip(np.searchsorted(grid, days), 1, len(grid) - 1)
    left, right = grid[idx - 1], grid[idx]
    return np.where(days - left <= right - days, left, right)


def _groups(kin: pd.DataFrame, by, id_col: str) -> pd.Series:
    if by is None:
        return pd.Series(None, index=kin.index, dtype=object)
    if isinstance(by, str):
        require_columns(kin, [by], what="kinetics")
        return kin[by]
    if isinstance(by, pd.Series):
        mapped = kin[id_col].map(by)
        missing = kin.loc[mapped.isna(), id_col].unique()
        if len(missing) == len(kin[id_col].unique()):
            raise DataError(
                "by must be indexed by patient id: none of the kinetics patients "
                f"(e.g. {missing[0]!r}) is in its index"
            )
        return mapped
    raise DataError(f"by must be a column name or a Series indexed by patient id, got {by!r}")


@styled
def kinetics_figure(
    kinetics: pd.DataFrame,
    *,
    by: str | pd.Series | None = None,
    lloq: float = 100.0,
    visits=VISITS,
    id: str = "patient_id",
    time: str = "day",
    conc: str = "copies_per_ug",
    title: str | None = None,
    xlabel: str = "Days since infusion",
    ylabel: str = "CAR transgene (copies/µg DNA)",
    max_profiles: int = 200,
) -> Figure:
    """Individual transgene profiles (thin, translucent) with the median profile, log10 y axis.

    Values below the LLOQ (zero included) cannot be placed on a log axis; they are drawn at
    LLOQ/2, under the dashed LLOQ line, so a profile that falls below quantification is still
    seen to. The median is taken over patients at each visit (:func:`visit_bins`) from the
    same values. The x axis is linear over
    the first 28 days (expansion) and logarithmic after (persistence).

    Parameters
    ----------
    kinetics : pandas.DataFrame
        One row per sample: ``patient_id, day, copies_per_ug`` (names set by ``id``, ``time``,
        ``conc``).
    by : str or pandas.Series, optional
        Grouping: a column of ``kinetics`` or a Series indexed by patient id (the day-28
        response); one colour and one median per group. Patients without a group are left out.
    lloq : float
        Lower limit of quantification (copies/µg DNA).
    visits : sequence of float
        Nominal visit days for the median (:func:`visit_bins`); drawn at visits where at least
        3 patients, and half of the group, were sampled (sampling usually stops once the
        transgene is no longer detected, so later medians would describe only the persisters).
    id, time, conc : str
        Column names.
    title, xlabel, ylabel : str
        Title and axis labels.
    max_profiles : int
        Above this many patients in a group, its individual profiles are replaced by a band
        of the 10th to 90th percentiles at each visit (thousands of lines show nothing).

    Returns
    -------
    matplotlib.figure.Figure
        Lines: one per patient (gid ``profile``) or a percentile band (gid ``band``) per
        group, then one median per group (gid ``median``).
    """
    require_columns(kinetics, [id, time, conc], what="kinetics")
    if not np.isfinite(lloq) or lloq <= 0:
        raise DataError(f"lloq must be a positive number, got {lloq!r}")
    kin = kinetics[[id, time, conc]].copy()
    kin["_group"] = _groups(kinetics, by, id)
    kin = kin.dropna(subset=[time, conc])
    if by is not None:
        kin = kin.dropna(subset=["_group"])
    if kin.empty:
        raise DataError("kinetics has no sample with a day and a concentration to draw")
    values = kin[conc].to_numpy(dtype=float)
    kin["_y"] = np.where(values < lloq, lloq / 2.0, values)
    kin["_visit"] = visit_bins(kin[time].to_numpy(dtype=float), visits)
    levels = [None] if by is None else list(pd.unique(kin["_group"]))
    if by is not None:
        levels = sorted(levels, key=str)
    fig = new_figure(WIDTH, HEIGHT)
    ax = fig.add_axes((0.13, 0.13, 0.77, 0.78))
    for gi, level in enumerate(levels):
        sub = kin if level is None else kin[kin["_group"] == level]
        c = color(gi)
        # without groups the profiles are grey, so the median stands out from them
        thin = "0.45" if level is None else c
        n_pat = sub[id].nunique()
        # one value per patient and visit, then the median over patients
        per_patient = sub.groupby(["_visit", id])["_y"].median().reset_index()
        med = per_patient.groupby("_visit").agg(
            y=("_y", "median"),
            lo=("_y", lambda v: np.quantile(v, 0.1)),
            hi=("_y", lambda v: np.quantile(v, 0.9)),
            n=(id, "size"),
        )
        # late visits are sampled only while cells persist, so the median of those sampled
        # would rise again; it is drawn only where at least half of the group was sampled
        med = med[med["n"] >= max(3, 0.5 * n_pat)]
        if n_pat <= max_profiles:
            for _pid, prof in sub.sort_values(time).groupby(id, sort=True):
                ax.plot(prof[time], prof["_y"], color=thin, alpha=0.3, linewidth=0.7, gid="profile")
        else:
            # thousands of lines are an unreadable mass (and slow to draw): the spread instead
            ax.fill_between(
                med.index.to_numpy(dtype=float),
                med["lo"],
                med["hi"],
                color=c,
                alpha=0.18,
                linewidth=0,
                gid="band",
                label=f"{'' if level is None else f'{level}: '}10th–90th percentile",
            )
        name = "Median" if level is None else f"{level}: median"
        ax.plot(
            med.index.to_numpy(dtype=float),
            med["y"],
            color=c,
            linewidth=2.2,
            marker="o",
            markersize=3.5,
            label=f"{name} (n = {n_pat})",
            gid="median",
        )
    ax.axhline(lloq, color="0.4", linestyle="--", linewidth=0.9, gid="lloq")
    ax.set_yscale("log")
    ax.yaxis.set_minor_locator(LogLocator(subs=np.arange(2, 10)))
    ax.yaxis.set_minor_formatter(NullFormatter())
    ax.set_ylim(bottom=lloq / 4.0)
    d_max = float(kin[time].max())
    ax.set_xscale("symlog", linthresh=28.0, linscale=1.5)
    ticks: list[float] = []
    for t in _DAY_TICKS:
        # past day 28 the axis is logarithmic: keep ticks at least a factor 1.8 apart
        if t <= d_max * 1.05 and (t <= 28 or t >= 1.8 * ticks[-1]):
            ticks.append(t)
    ax.xaxis.set_major_locator(FixedLocator(ticks))
    ax.xaxis.set_minor_locator(FixedLocator([]))
    ax.set_xticklabels([str(t) for t in ticks])
    ax.set_xlim(0.0, d_max * 1.1)
    # labels outside the right edge, where no profile can cover them
    right = blended_transform_factory(ax.transAxes, ax.transData)
    for y, text in ((lloq, "LLOQ"), (lloq / 2.0, "<LLOQ")):
        ax.text(1.01, y, text, transform=right, ha="left", va="center", fontsize=7.5, color="0.3")
    ax.set_xlabel(xlabel)
    ax.set_ylabel(ylabel)
    if title:
        ax.set_title(title, loc="left")
    ax.legend(loc="upper right")
    return fig
