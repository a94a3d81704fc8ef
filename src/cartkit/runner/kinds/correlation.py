"""The ``correlation`` kind: correlation of pairs of variables, one scatter plot per pair.

``method = "auto"`` is the paper's rule, which :func:`cartkit.correlate` leaves to its caller:
Pearson when both variables pass Shapiro-Wilk (p > 0.05, cartkit's ``shapiro_p`` as R
``shapiro.test``) over the complete pairs, else Spearman.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from ...comparisons import correlate
from ...comparisons.tests import ALPHA_NORMAL, shapiro_p
from ...derive.registry import log_scale_variables
from ...errors import DataError
from ...kinetics import PARAMETERS
from ...plan.schema import Correlation
from ...report.figures import scatter_figure
from ...report.format import NA, fmt_ci, fmt_num, fmt_p, p_phrase
from ...report.types import ReportFigure, ReportTable, drawn
from ..context import Context
from ..output import Output, table_heading
from ._kinetics_text import abbreviations, parameter_label, parameter_short, persisting_note

__all__ = ["RUNNERS", "run_correlation"]

_METHOD_NAMES = {"pearson": "Pearson", "spearman": "Spearman"}
_SYMBOL = {"pearson": "r", "spearman": "ρ"}
_DATA_COLUMNS = (
    "x", "y", "x_label", "y_label", "n", "method", "estimate", "ci_lower", "ci_upper",
    "p_value", "statistic", "shapiro_p_x", "shapiro_p_y",
)  # fmt: skip


def _short(var: str, ctx: Context) -> str:
    return parameter_short(var, ctx) if var in PARAMETERS else ctx.label(var).split(",")[0]


def _numeric(pats: pd.DataFrame, var: str) -> pd.Series:
    col = pats[var]
    if pd.api.types.is_bool_dtype(col.dtype) or not pd.api.types.is_numeric_dtype(col.dtype):
        raise DataError(f"{var!r} is not a numeric variable; a correlation needs numbers")
    return col.astype("Float64").astype(float)


def _pair_notes(pats, x, y, keep, ctx) -> list[str]:
    """Who is left out of one pair, and why."""
    short = f"{_short(x, ctx)} and {_short(y, ctx)}"
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
            parts.append(f"{int(miss.sum())} with {_short(var, ctx)} missing")
    return [f"{short}: {out} patient(s) left out ({'; '.join(parts)})"]


def _choose(method: str, xv: np.ndarray, yv: np.ndarray) -> tuple[str, float, float, str]:
    """The method, both Shapiro-Wilk p-values and why the method was chosen."""
    px, py = shapiro_p(xv), shapiro_p(yv)
    if method != "auto":
        return method, px, py, "the plan sets it"
    normal = px > ALPHA_NORMAL and py > ALPHA_NORMAL  # NaN (not assessable) is not normal
    reason = (
        "both Shapiro-Wilk p > 0.05"
        if normal
        else "Shapiro-Wilk p ≤ 0.05, or not assessable, for at least one variable"
    )
    return ("pearson" if normal else "spearman"), px, py, reason


def _figure(analysis, ctx, x, y, used: pd.DataFrame, test, reason: str):
    logs = log_scale_variables()
    log_x, log_y = x in logs, y in logs
    drawable = np.ones(len(used), dtype=bool)
    hidden = []
    for var, log in ((x, log_x), (y, log_y)):
        if log:
            bad = used[var].to_numpy(float) <= 0
            if bad.any():
                hidden.append(f"{int(bad.sum())} with {_short(var, ctx)} = 0")
            drawable &= ~bad
    points = used[drawable]
    method = _METHOD_NAMES[test.details["method"]]
    ci = ""
    if not np.isnan(test.ci_lower):
        pct = f"{100 * ctx.settings.conf_level:g}%"
        ci = f" ({pct} CI {fmt_num(test.ci_lower, 3)}–{fmt_num(test.ci_upper, 3)})"
    logs = [_short(v, ctx) for v, log in ((x, log_x), (y, log_y)) if log]
    p = p_phrase(test.p_value)
    caption = (
        f"{_short(y, ctx)} against {_short(x, ctx)}, one point per patient (n = {len(used)}). "
        f"{method} correlation, chosen because {reason}: {_SYMBOL[test.details['method']]} = "
        f"{fmt_num(test.estimate, 3)}{ci}, {p} (t test on n − 2 degrees of freedom). "
        "Line: least-squares fit on the plotted scale."
    )
    if logs:
        caption += f" Log scale for {' and '.join(logs)}."
    if hidden:
        caption += (
            f" {len(used) - len(points)} patient(s) not drawn because a log axis cannot show "
            f"zero ({'; '.join(hidden)}); they are in the correlation."
        )
    fig = scatter_figure(
        points, x=x, y=y, test=test, log_x=log_x, log_y=log_y,
        xlabel=parameter_label(x, ctx), ylabel=parameter_label(y, ctx),
    )  # fmt: skip
    return ReportFigure(
        id=f"{analysis.id}_{x}_{y}",
        analysis_id=analysis.id,
        title=f"{_short(y, ctx)} and {_short(x, ctx)}",
        draw=drawn(fig),
        caption=caption,
        source=analysis.source,
    )


def _pair(analysis: Correlation, ctx: Context, pats: pd.DataFrame, x: str, y: str):
    """Data row, display row, figure (or None) and notes of one pair."""
    row = dict.fromkeys(_DATA_COLUMNS, np.nan)
    row.update(x=x, y=y, x_label=parameter_label(x, ctx), y_label=parameter_label(y, ctx))
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
    method, px, py, reason = _choose(
        analysis.method, used[x].to_numpy(float), used[y].to_numpy(float)
    )
    row.update(shapiro_p_x=px, shapiro_p_y=py)
    try:
        test = correlate(used, x=x, y=y, method=method, conf_level=ctx.settings.conf_level)
    except DataError as err:
        notes.append(f"{_short(x, ctx)} and {_short(y, ctx)}: no correlation ({err})")
        return row, None, notes
    row.update(
        method=method,
        estimate=test.estimate,
        ci_lower=test.ci_lower,
        ci_upper=test.ci_upper,
        p_value=test.p_value,
        statistic=test.statistic,
    )
    return row, _figure(analysis, ctx, x, y, used, test, reason), notes


def _display(rows: list[dict], ctx: Context) -> pd.DataFrame:
    pct = f"{100 * ctx.settings.conf_level:g}%"
    shown = []
    for r in rows:
        has = bool(r["method"])
        shown.append(
            {
                "X": r["x_label"],
                "Y": r["y_label"],
                "n": str(int(r["n"])),
                "Method": _METHOD_NAMES[r["method"]] if has else NA,
                f"r ({pct} CI)": fmt_ci(r["estimate"], r["ci_lower"], r["ci_upper"], 3)
                if has
                else NA,
                "p": fmt_p(r["p_value"]),
            }
        )
    columns = ["X", "Y", "n", "Method", f"r ({pct} CI)", "p"]
    return pd.DataFrame(shown, columns=columns)


def _footnotes(analysis: Correlation, rows: list[dict], ctx: Context) -> tuple[str, ...]:
    pct = f"{100 * ctx.settings.conf_level:g}%"
    notes = [
        "r is Pearson's r or Spearman's ρ, as the Method column says; p two-sided, by the t test "
        "of the coefficient on n − 2 degrees of freedom (R cor.test, exact = FALSE)."
    ]
    if analysis.method == "auto":
        notes.append(
            "Method: Pearson when both variables pass the Shapiro-Wilk test (p > 0.05) over the "
            "complete pairs, else Spearman."
        )
    if any(r["method"] == "pearson" for r in rows):
        notes.append(f"{pct} CI of Pearson's r by Fisher's z transformation; Spearman's ρ has "
                     "no CI.")  # fmt: skip
    return tuple(notes)


def _abbreviations(analysis: Correlation, ctx: Context) -> str:
    variables = {v for pair in analysis.pairs for v in pair}
    extra = ["CI, confidence interval"]
    if any(v.startswith("bca") for v in variables):
        extra.append("BCA, B-cell aplasia")
    params = [p for p in PARAMETERS if p in variables]
    if not params:
        return "; ".join(extra) + "."
    return abbreviations(params, ctx, *extra)


def run_correlation(analysis: Correlation, ctx: Context) -> Output:
    """Correlation of each pair (Pearson or Spearman), a table and one scatter plot per pair.

    Parameters
    ----------
    analysis : cartkit.plan.schema.Correlation
        The plan analysis; ``method = "auto"`` applies the Shapiro-Wilk rule per pair.
    ctx : cartkit.runner.context.Context
        The run's datasets.

    Returns
    -------
    Output
        One table (``analysis.id``) with a row per pair, and a figure per pair that could be
        computed (``<id>_<x>_<y>``).
    """
    pats, notes = ctx.population(analysis.population)
    out = Output(notes=notes)
    rows, analysed = [], np.zeros(len(pats), dtype=bool)
    for x, y in analysis.pairs:
        try:
            row, figure, more = _pair(analysis, ctx, pats, x, y)
        except DataError as err:
            out.notes.append(f"{_short(x, ctx)} and {_short(y, ctx)} not correlated: {err}")
            continue
        rows.append(row)
        out.notes += more
        if figure is not None:
            out.figures.append(figure)
            analysed |= pats[[x, y]].notna().all(axis=1).to_numpy()
    out.n = int(analysed.sum())
    if "tlast" in pats and any("tlast" in pair for pair in analysis.pairs):
        out.notes += persisting_note(ctx, pats.loc[pats["tlast"].notna(), "patient_id"])
    data = pd.DataFrame(rows, columns=list(_DATA_COLUMNS))
    data["n"] = data["n"].astype(int)
    out.tables.append(
        ReportTable(
            **table_heading(analysis),
            data=data,
            display=_display(rows, ctx),
            footnotes=_footnotes(analysis, rows, ctx),
            abbreviations=_abbreviations(analysis, ctx),
            column_labels={
                "x_label": "X",
                "y_label": "Y",
                "estimate": "r",
                "shapiro_p_x": "Shapiro-Wilk p, X",
                "shapiro_p_y": "Shapiro-Wilk p, Y",
            },
        )
    )
    return out


RUNNERS = {"correlation": run_correlation}
