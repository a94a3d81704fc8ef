"""The ``survival`` kind: Kaplan-Meier estimates, medians, log-rank, follow-up, landmark.

One table (``<id>``) in long form, one row per estimate: ``measure`` is ``survival`` (at
``time_years``, with ``n_risk``), ``median`` (months), ``median follow-up`` (months, reverse
Kaplan-Meier, with the range of observed times) or ``log-rank`` (``test_statistic``, ``dof``,
``p_value``; ``group`` null). ``subgroup`` and ``group`` hold the printed level names (null
when the analysis has none). The display is the journal layout: one row per group, N, events,
the estimates at the time points, the median and the log-rank p; a heading row per subgroup.

A group variable recording an event after time zero (HSCT after CAR-T) adds a landmark
analysis (``<id>_landmark``, :mod:`.survival_landmark`): the naive comparison suffers from
immortal-time bias.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from ..._core.results import Test
from ...derive.registry import event_day_variable
from ...errors import DataError
from ...report.format import fmt_p
from ...report.types import ReportTable
from ...survival import kaplan_meier, logrank, median_follow_up, to_months, years_to_days
from ..output import Output, table_heading
from ._survival_common import (
    analysed_rows,
    blocks,
    ci_label,
    endpoint_name,
    figure_ids,
    fmt_estimate_ci,
    fmt_months_ci,
    group_labels,
    sentence_case,
    table_abbreviations,
    time_points,
    year_header,
)
from .survival_figures import figure

__all__ = ["RUNNERS", "run_survival"]

#: columns of the data table of a survival analysis, the same for every analysis
COLUMNS = (
    "subgroup",
    "group",
    "measure",
    "time_years",
    "unit",
    "n",
    "n_events",
    "n_risk",
    "estimate",
    "ci_lower",
    "ci_upper",
    "range_min",
    "range_max",
    "test_statistic",
    "dof",
    "p_value",
)

COLUMN_LABELS = {
    "subgroup": "Subgroup",
    "group": "Group",
    "measure": "Measure",
    "time_years": "Time, years",
    "unit": "Unit",
    "n": "N",
    "n_events": "Events",
    "n_risk": "At risk",
    "estimate": "Estimate",
    "ci_lower": "CI lower",
    "ci_upper": "CI upper",
    "range_min": "Range, min",
    "range_max": "Range, max",
    "test_statistic": "Chi-squared",
    "dof": "df",
    "p_value": "p",
}


@dataclass
class Spec:
    """How one Kaplan-Meier block is fitted and printed (naive or landmark)."""

    time: str  # column of times, days
    group: str | None  # column of groups
    labels: dict  # group level -> printed name
    years: tuple[float, ...]
    median: bool
    follow_up: bool
    logrank: bool
    conf_level: float
    conf_type: str
    landmark: int | None = None  # day of the landmark, when times are measured from it


@dataclass
class Block:
    """The fit of one subgroup level (or of all patients) and its table rows."""

    label: str | None
    km: object
    test: Test | None
    rows: list[dict] = field(default_factory=list)
    display: list[list[str]] = field(default_factory=list)
    styles: list[str] = field(default_factory=list)


def headers(spec: Spec) -> list[str]:
    """The display columns of a survival table."""
    cols = ["", "N", "Events"]
    cols += [year_header(t, spec.conf_level) for t in spec.years]
    if spec.median:
        cols.append(f"Median, months ({ci_label(spec.conf_level)})")
    if spec.follow_up:
        cols.append("Median follow-up, months (range)")
    if spec.group is not None and spec.logrank:
        cols.append("p")
    return cols


def _row(sub, group, measure, **values) -> dict:
    row = dict.fromkeys(COLUMNS, np.nan)
    row.update(subgroup=sub, group=group, measure=measure, unit="")
    row.update(values)
    return row


def _logrank(df: pd.DataFrame, spec: Spec, where: str, notes: list[str]) -> Test | None:
    if spec.group is None or not spec.logrank:
        return None
    if df[spec.group].nunique() < 2:
        notes.append(f"Log-rank test not done{where}: only one group has patients")
        return None
    test = logrank(df, time=spec.time, event="event", group=spec.group)
    if math.isnan(test.p_value):
        notes.append(f"Log-rank p not available{where}: {test.details.get('note', 'no events')}")
    return test


def fit_block(df: pd.DataFrame, spec: Spec, sub_label: str | None, notes: list[str]) -> Block:
    """Kaplan-Meier of one block, its estimates, medians, follow-up and log-rank test."""
    where = f" in {sub_label}" if sub_label else ""
    km = kaplan_meier(
        df,
        time=spec.time,
        event="event",
        group=spec.group,
        conf_level=spec.conf_level,
        conf_type=spec.conf_type,
    )
    test = _logrank(df, spec, where, notes)
    block = Block(sub_label, km, test)
    counts = km.counts().set_index("group", drop=False)
    days = years_to_days(np.asarray(spec.years, dtype=float))
    at = km.survival_at(days)
    medians = km.median()
    for i, level in enumerate(km.groups):
        name = spec.labels.get(level, str(level))
        label = None if spec.group is None else name
        n, n_events = int(counts["n"].iloc[i]), int(counts["n_events"].iloc[i])
        base = {"n": n, "n_events": n_events}
        cells = [name, str(n), str(n_events)]
        rows_at = at.iloc[i * len(days) : (i + 1) * len(days)]
        beyond = [t for t, r in zip(spec.years, rows_at["n_risk"], strict=True) if r == 0]
        if beyond:
            who = "patients" if spec.group is None else name
            notes.append(
                f"No patient ({who}{where}) is followed to {beyond[0]:g} "
                f"year{'' if beyond[0] == 1 else 's'}: the estimate "
                "there is the one at the last follow-up (0 at risk)"
            )
        for t, (_, r) in zip(spec.years, rows_at.iterrows(), strict=True):
            block.rows.append(
                _row(
                    sub_label,
                    label,
                    "survival",
                    time_years=float(t),
                    unit="proportion",
                    n_risk=int(r["n_risk"]),
                    estimate=r["estimate"],
                    ci_lower=r["ci_lower"],
                    ci_upper=r["ci_upper"],
                    **base,
                )
            )
            cells.append(fmt_estimate_ci(r["estimate"], r["ci_lower"], r["ci_upper"]))
        if spec.median:
            m = medians.iloc[i]
            est, lo, hi = (to_months(float(m[c])) for c in ("estimate", "ci_lower", "ci_upper"))
            block.rows.append(
                _row(
                    sub_label,
                    label,
                    "median",
                    unit="months",
                    estimate=est,
                    ci_lower=lo,
                    ci_upper=hi,
                    **base,
                )
            )
            cells.append(fmt_months_ci(est, lo, hi, reached=n > 0))
        if spec.follow_up:
            cells.append(_follow_up(df, spec, level, block, sub_label, label, base))
        if spec.group is not None and spec.logrank:
            cells.append(fmt_p(test.p_value) if (test is not None and i == 0) else "")
        block.display.append(cells)
        block.styles.append("indent" if (sub_label or spec.group is not None) else "")
    if test is not None:
        block.rows.append(
            _row(
                sub_label,
                None,
                "log-rank",
                n=test.n,
                n_events=int(km.n_events),
                test_statistic=test.statistic,
                dof=test.dof,
                p_value=test.p_value,
            )
        )
    return block


def _follow_up(df, spec, level, block, sub_label, label, base) -> str:
    rows = df if spec.group is None else df[(df[spec.group] == level).to_numpy(dtype=bool)]
    med = to_months(median_follow_up(rows, time=spec.time, event="event"))
    lo, hi = to_months(float(rows[spec.time].min())), to_months(float(rows[spec.time].max()))
    block.rows.append(
        _row(
            sub_label,
            label,
            "median follow-up",
            unit="months",
            estimate=med,
            range_min=lo,
            range_max=hi,
            **base,
        )
    )
    return fmt_months_ci(med, lo, hi, reached=True) if not math.isnan(med) else "NR"


def assemble(fitted: list[Block], spec: Spec, heading: str | None) -> tuple:
    """Data, display and row styles of the blocks of one table."""
    rows, display, styles = [], [], []
    width = len(headers(spec))
    for b in fitted:
        title = b.label if b.label is not None else heading
        if title is not None:
            display.append([title] + [""] * (width - 1))
            styles.append("heading")
        rows += b.rows
        display += b.display
        styles += b.styles
    data = pd.DataFrame(rows, columns=list(COLUMNS))
    data = data.astype({"n": "int64", "n_events": "int64"})
    return data, pd.DataFrame(display, columns=headers(spec)), tuple(styles)


def footnotes(spec: Spec, data: pd.DataFrame) -> list[str]:
    """What every number of a survival table is and how it was computed."""
    ci = ci_label(spec.conf_level)
    notes = [
        f"Kaplan-Meier estimates with {ci} (Greenwood variance, {spec.conf_type} transform); "
        "a year is 365.25 days."
    ]
    if spec.median:
        notes.append(
            f"Median in months (a month is 30.4375 days); its {ci} is where the pointwise "
            "interval bands cross 50%, as R survfit."
        )
    if spec.follow_up:
        notes.append(
            "Median follow-up by the reverse Kaplan-Meier method, with the range of the "
            "observed times (events and censorings)."
        )
    if spec.group is not None and spec.logrank and (data["measure"] == "log-rank").any():
        notes.append("p by the log-rank test.")
    return notes


def run_survival(analysis, ctx) -> Output:
    """Kaplan-Meier analysis of an endpoint (plan kind ``survival``).

    Parameters
    ----------
    analysis : cartkit.plan.schema.Survival
        The plan analysis.
    ctx : cartkit.runner.context.Context
        The datasets of the plan run.

    Returns
    -------
    Output
        Table ``<id>`` (and ``<id>_landmark`` when the group is an event after time zero), one
        Kaplan-Meier figure per subgroup level (``<id>`` or ``<id>_1``, ``<id>_2``, ...).
    """
    data, notes = analysed_rows(analysis, ctx)
    out = Output(notes=notes)
    if data.empty:
        out.notes.append(f"No patient has {analysis.endpoint} data: nothing to estimate")
        return out
    out.n = len(data)
    levels = sorted(data[analysis.group].unique().tolist()) if analysis.group else [None]
    spec = Spec(
        time="AVAL",
        group=analysis.group,
        labels=group_labels(ctx, analysis.group, levels),
        years=time_points(analysis, ctx),
        median=analysis.median,
        follow_up=analysis.follow_up,
        logrank=analysis.logrank,
        conf_level=ctx.settings.conf_level,
        conf_type=ctx.settings.km_conf_type,
    )
    fitted = []
    for level, rows in blocks(data, analysis.subgroup):
        label = None if level is None else ctx.level_label(analysis.subgroup, level)
        fitted.append(fit_block(rows, spec, label, out.notes))
    heading = ctx.label(analysis.group) if analysis.group else None
    table_data, display, styles = assemble(fitted, spec, heading)
    what = sentence_case(endpoint_name(analysis.endpoint))
    notes = footnotes(spec, table_data)
    out.tables.append(
        ReportTable(
            **table_heading(analysis),
            data=table_data,
            display=display,
            row_styles=styles,
            footnotes=tuple(notes),
            abbreviations=table_abbreviations(analysis.title, display, notes),
            column_labels=COLUMN_LABELS,
        )
    )
    ids = figure_ids(analysis.id, len(fitted))
    for fig_id, block in zip(ids, fitted, strict=True):
        out.figures.append(
            figure(analysis, ctx, spec, block, fig_id, xlabel="Months since infusion", what=what)
        )
    if event_day_variable(analysis.group) is not None:
        from .survival_landmark import landmark

        try:
            landmark(analysis, ctx, data, spec, out)
        except DataError as exc:
            out.notes.append(f"Landmark analysis not done: {exc}")
    return out


RUNNERS = {"survival": run_survival}
