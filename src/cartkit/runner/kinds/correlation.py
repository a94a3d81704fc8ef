"""The ``correlation`` kind: correlation of pairs of variables, one scatter plot per pair.

``method = "auto"`` is the paper's rule, which :func:`cartkit.correlate` leaves to its caller:
Pearson when both variables pass Shapiro-Wilk (p > 0.05, cartkit's ``shapiro_p`` as R
``shapiro.test``) over the complete pairs, else Spearman. Which axes are logarithmic is the
registry's ``log_scale`` role; the table and figures are printed by
:mod:`cartkit.report.sections.correlation`.

A pair with a censored duration (the registry's ``censored_by``: BCA duration, censored when
B cells had not recovered by the end of monitoring) is not correlated, which would treat the
censored durations as complete: the other variable enters a Cox model of the time to the
duration's event (B-cell recovery; log10 of a ``log_scale`` variable, HR per 10-fold), in the
table ``<id>_cox``, and its scatter marks the censored durations.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from ..._core.frames import plain_text_fields
from ..._core.results import FrozenMap, Test
from ...comparisons import correlate
from ...comparisons.tests import ALPHA_NORMAL, shapiro_p
from ...derive.registry import censoring_variable, log_scale_variables
from ...errors import DataError
from ...kinetics import PARAMETERS
from ...plan.schema import Correlation
from ...survival import cox
from ..context import Context
from ..nca_names import parameter_label, short_name
from ..results import KindResult
from .kinetics import persisting_note

__all__ = [
    "CORRELATION_COLUMNS",
    "COX_COLUMNS",
    "RUNNERS",
    "CorrelationResult",
    "Scatter",
    "run_correlation",
]

#: columns of the ``data`` of a correlation table
CORRELATION_COLUMNS = (
    "x", "y", "x_label", "y_label", "n", "method", "estimate", "ci_lower", "ci_upper",
    "p_value", "statistic", "shapiro_p_x", "shapiro_p_y",
)  # fmt: skip

#: columns of the ``<id>_cox`` table: a Cox model of the time to the event ending a censored
#: duration (``duration``, ended by ``event``) on the pair's other variable (``variable``,
#: log10 when ``log10``); ``estimate`` is the HR per unit, or per 10-fold with ``log10``
COX_COLUMNS = (
    "x", "y", "variable", "duration", "event", "variable_label", "duration_label", "log10",
    "n", "n_events", "n_censored", "estimate", "ci_lower", "ci_upper", "p_value",
)  # fmt: skip


@dataclass(frozen=True)
class Scatter:
    """One correlated pair as its scatter plot shows it.

    Attributes
    ----------
    x, y : str
        The variables (x axis, y axis).
    test : Test
        The correlation (:func:`cartkit.correlate`); ``details["method"]`` is the method.
    n : int
        Patients with both values (the correlation's n).
    points : pandas.DataFrame
        The patients drawn (``patient_id``, ``x``, ``y``): those of the correlation that a
        log axis can show.
    log_x, log_y : bool
        Logarithmic axes (the registry's ``log_scale`` role).
    not_drawn : mapping of str to int
        Per log-axis variable, the patients of the correlation not drawn because their value
        is not positive (only variables with such patients).
    censored : str or None
        For a pair with a censored duration, the duration's variable; ``points`` then has a
        boolean column ``censored`` and ``test`` is the Cox model (``details["method"]`` is
        ``"cox"``, ``estimate`` the HR), not a correlation.
    """

    x: str
    y: str
    test: Test
    n: int
    points: pd.DataFrame
    log_x: bool = False
    log_y: bool = False
    not_drawn: Mapping[str, int] = field(default_factory=dict)
    censored: str | None = None

    def __post_init__(self) -> None:
        object.__setattr__(self, "not_drawn", FrozenMap(self.not_drawn))
        plain_text_fields(self)


@dataclass(frozen=True, kw_only=True)
class CorrelationResult(KindResult):
    """Correlations of the plan's pairs.

    ``data[analysis.id]`` has :data:`CORRELATION_COLUMNS`, one row per pair that could be
    analysed (``method`` empty and the estimate NaN when no correlation could be computed);
    ``data[f"{analysis.id}_cox"]`` has :data:`COX_COLUMNS`, one row per pair with a censored
    duration. Each table is there when it has a pair.

    Attributes
    ----------
    scatters : tuple of Scatter
        One per computed correlation that has points to draw, in the plan's order.
    """

    scatters: tuple[Scatter, ...] = ()


def _numeric(pats: pd.DataFrame, var: str) -> pd.Series:
    col = pats[var]
    if pd.api.types.is_bool_dtype(col.dtype) or not pd.api.types.is_numeric_dtype(col.dtype):
        raise DataError(f"{var!r} is not a numeric variable; a correlation needs numbers")
    return col.astype("Float64").astype(float)


def _pair_notes(pats, x, y, keep, ctx) -> list[str]:
    """Who is left out of one pair, and why."""
    short = {v: short_name(v, ctx.settings.nca_window, ctx.names) for v in (x, y)}
    out = int((~keep).sum())
    if not out:
        return []
    parts = []
    has_nca = ctx.nca is not None
    for var in (x, y):
        miss = pats[var].isna().to_numpy()
        if var in PARAMETERS and has_nca:
            absent = ~pats["patient_id"].isin(ctx.nca["patient_id"]).to_numpy()
            if (miss & absent).any():
                parts.append(f"{int((miss & absent).sum())} without kinetics data")
            miss = miss & ~absent
        if miss.any():
            parts.append(f"{int(miss.sum())} with {short[var]} missing")
    return [f"{short[x]} and {short[y]}: {out} patient(s) left out ({'; '.join(parts)})"]


def _choose(method: str, xv: np.ndarray, yv: np.ndarray) -> tuple[str, float, float]:
    """The method and both Shapiro-Wilk p-values."""
    px, py = shapiro_p(xv), shapiro_p(yv)
    if method != "auto":
        return method, px, py
    normal = px > ALPHA_NORMAL and py > ALPHA_NORMAL  # NaN (not assessable) is not normal
    return ("pearson" if normal else "spearman"), px, py


def _scatter(x: str, y: str, used: pd.DataFrame, test: Test) -> Scatter:
    """The points a scatter plot can show: a log axis cannot show a value <= 0."""
    logs = log_scale_variables()
    drawable = np.ones(len(used), dtype=bool)
    not_drawn = {}
    for var in (x, y):
        if var in logs:
            bad = used[var].to_numpy(float) <= 0
            if bad.any():
                not_drawn[var] = int(bad.sum())
            drawable &= ~bad
    return Scatter(
        x=x, y=y, test=test, n=len(used), points=used[drawable], log_x=x in logs,
        log_y=y in logs, not_drawn=not_drawn,
    )  # fmt: skip


def _pair(analysis: Correlation, ctx: Context, pats: pd.DataFrame, x: str, y: str):
    """Data row, scatter (or None) and notes of one pair."""
    window, names = ctx.settings.nca_window, ctx.names
    row = dict.fromkeys(CORRELATION_COLUMNS, np.nan)
    row.update(x=x, y=y)
    row.update(x_label=parameter_label(x, window, names), y_label=parameter_label(y, window, names))
    row.update(n=0, method="")
    for var in (x, y):
        if var not in pats:
            raise DataError(f"{var!r} is not a variable of this study")
    frame = pd.DataFrame(
        {"patient_id": pats["patient_id"], x: _numeric(pats, x), y: _numeric(pats, y)}
    )
    keep = frame[[x, y]].notna().all(axis=1).to_numpy()
    notes = _pair_notes(frame, x, y, keep, ctx)
    used = frame[keep]
    row["n"] = len(used)
    method, px, py = _choose(analysis.method, used[x].to_numpy(float), used[y].to_numpy(float))
    row.update(shapiro_p_x=px, shapiro_p_y=py)
    pair = f"{short_name(x, window, names)} and {short_name(y, window, names)}"
    try:
        test = correlate(used, x=x, y=y, method=method, conf_level=ctx.settings.conf_level)
    except DataError as err:
        notes.append(f"{pair}: no correlation ({err})")
        return row, None, notes
    row.update(
        method=method,
        estimate=test.estimate,
        ci_lower=test.ci_lower,
        ci_upper=test.ci_upper,
        p_value=test.p_value,
        statistic=test.statistic,
    )
    scatter = _scatter(x, y, used, test)
    if scatter.points.empty:
        notes.append(f"{pair}: not drawn, a log axis cannot show a value of 0 or below")
        return row, None, notes
    return row, scatter, notes


def _cox_pair(analysis: Correlation, ctx: Context, pats: pd.DataFrame, x: str, y: str):
    """Cox row, scatter (or None) and notes of a pair whose ``x`` or ``y`` is censored.

    The other variable (log10 when the registry draws it on a log scale) is the covariate of
    a Cox model of the time to the event that ends the censored duration.
    """
    window, names = ctx.settings.nca_window, ctx.names
    duration = y if censoring_variable(y) is not None else x
    other = x if duration == y else y
    event = censoring_variable(duration)
    for var in (x, y, event):
        if var not in pats:
            raise DataError(f"{var!r} is not a variable of this study")
    log = other in log_scale_variables()
    row = dict.fromkeys(COX_COLUMNS, np.nan)
    row.update(x=x, y=y, variable=other, duration=duration, event=event, log10=log)
    row.update(
        variable_label=parameter_label(other, window, names),
        duration_label=parameter_label(duration, window, names),
        n=0, n_events=0, n_censored=0,
    )  # fmt: skip
    ended = pd.to_numeric(pats[event], errors="coerce").astype("Float64").astype(float)
    frame = pd.DataFrame(
        {"patient_id": pats["patient_id"], x: _numeric(pats, x), y: _numeric(pats, y)}
    ).assign(_event=ended.to_numpy())
    both = frame[[x, y]].notna().all(axis=1).to_numpy()
    notes = _pair_notes(frame, x, y, both, ctx)
    pair = f"{short_name(x, window, names)} and {short_name(y, window, names)}"
    no_status = both & frame["_event"].isna().to_numpy()
    if no_status.any():
        notes.append(
            f"{pair}: {int(no_status.sum())} patient(s) without a {ctx.label(event)} status "
            f"left out (no {short_name(duration, window, names)} that could end)"
        )
    keep = both & ~no_status
    if log:
        not_positive = keep & (frame[other].to_numpy(float) <= 0)
        if not_positive.any():
            notes.append(
                f"{pair}: {int(not_positive.sum())} patient(s) with "
                f"{short_name(other, window, names)} ≤ 0 left out (no logarithm)"
            )
        keep &= ~not_positive
    used = frame[keep]
    covariate = np.log10(used[other].to_numpy(float)) if log else used[other].to_numpy(float)
    censored = used["_event"].to_numpy() == 0
    row.update(n=len(used), n_events=int((~censored).sum()), n_censored=int(censored.sum()))
    try:
        fit = cox(
            used.assign(_x=covariate),
            time=duration,
            event="_event",
            covariates=["_x"],
            ties=ctx.settings.cox_ties,
            conf_level=ctx.settings.conf_level,
        )
    except DataError as err:
        notes.append(f"{pair}: no Cox model ({err})")
        return row, None, notes
    term = fit.table.iloc[0]
    row.update(
        estimate=float(term["hr"]),
        ci_lower=float(term["ci_lower"]),
        ci_upper=float(term["ci_upper"]),
        p_value=float(term["p_value"]),
    )
    test = Test(
        test="Cox (Wald)",
        statistic=float((term["coef"] / term["se"]) ** 2),
        p_value=row["p_value"],
        dof=1.0,
        estimate=row["estimate"],
        ci_lower=row["ci_lower"],
        ci_upper=row["ci_upper"],
        conf_level=ctx.settings.conf_level,
        n=len(used),
        details={"method": "cox", "per": "10-fold" if log else "unit", "event": event},
    )
    points = used[["patient_id", x, y]].assign(censored=censored)
    logs = log_scale_variables()
    scatter = Scatter(
        x=x, y=y, test=test, n=len(used), points=points, log_x=x in logs, log_y=y in logs,
        censored=duration,
    )  # fmt: skip
    return row, scatter, notes


def run_correlation(analysis: Correlation, ctx: Context) -> CorrelationResult:
    """Correlation of each pair (Pearson or Spearman) and the points of its scatter plot.

    Parameters
    ----------
    analysis : cartkit.plan.schema.Correlation
        The plan analysis; ``method = "auto"`` applies the Shapiro-Wilk rule per pair.
    ctx : cartkit.runner.context.Context
        The run's datasets.

    Returns
    -------
    CorrelationResult
        A data row per pair with its variables (a pair naming a variable that is not a
        numeric variable of the study is a note instead), and a :class:`Scatter` per pair
        whose correlation could be computed.
    """
    pats, notes = ctx.population(analysis.population)
    window = ctx.settings.nca_window
    rows, cox_rows, scatters = [], [], []
    analysed = np.zeros(len(pats), dtype=bool)
    for x, y in analysis.pairs:
        censored = [v for v in (x, y) if censoring_variable(v) is not None]
        try:
            if len(censored) == 2:
                raise DataError("both are censored durations; pair one with a complete variable")
            if censored:
                row, scatter, more = _cox_pair(analysis, ctx, pats, x, y)
            else:
                row, scatter, more = _pair(analysis, ctx, pats, x, y)
        except DataError as err:
            pair = f"{short_name(x, window, ctx.names)} and {short_name(y, window, ctx.names)}"
            notes.append(f"{pair} not correlated: {err}")
            continue
        (cox_rows if censored else rows).append(row)
        notes += more
        if censored and scatter is not None:
            analysed |= pats["patient_id"].isin(scatter.points["patient_id"]).to_numpy()
        elif not censored and row["method"]:
            analysed |= pats[[x, y]].notna().all(axis=1).to_numpy()
        if scatter is not None:
            scatters.append(scatter)
    if "tlast" in pats and any("tlast" in pair for pair in analysis.pairs):
        notes += persisting_note(ctx, pats.loc[pats["tlast"].notna(), "patient_id"])
    data = {}
    if rows or not cox_rows:
        table = pd.DataFrame(rows, columns=list(CORRELATION_COLUMNS))
        data[analysis.id] = table.astype({"n": int})
    if cox_rows:
        table = pd.DataFrame(cox_rows, columns=list(COX_COLUMNS))
        types = {"n": int, "n_events": int, "n_censored": int, "log10": bool}
        data[f"{analysis.id}_cox"] = table.astype(types)
    return CorrelationResult(
        analysis=analysis,
        n=int(analysed.sum()),
        notes=notes,
        data=data,
        scatters=tuple(scatters),
    )


RUNNERS = {"correlation": run_correlation}
