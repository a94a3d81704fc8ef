"""Analysis kinds ``rates`` (proportions with exact CIs) and ``event_summary`` (events, times).

Rates come from :func:`cartkit.rate` (Clopper-Pearson), group p-values from
:func:`cartkit.comparisons`, median (range) of times from :func:`cartkit.describe`, and the
conversion of days to months or years from :func:`cartkit.to_months` / :func:`cartkit.to_years`.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from ..._core.units import to_months, to_years
from ...comparisons.binomial import rate
from ...comparisons.descriptive import describe
from ...comparisons.tests import compare
from ...errors import DataError
from ...plan.schema import EventSummary, Rates
from ..format import fmt_count_pct, fmt_median_range, fmt_p, fmt_pct_ci
from ..output import Output, table_heading
from ..types import ReportTable
from ._describe_common import (
    abbreviations,
    as_text,
    ci_header,
    display_frame,
    grouping,
    is_boolean_levels,
    no_p_note,
    observed_levels,
    order_levels,
    precision,
    same,
    test_footnotes,
    usable_variables,
)

__all__ = ["EVENT_SUMMARY_COLUMNS", "RATE_COLUMNS", "run_event_summary", "run_rates"]

#: columns of the ``data`` of a rates table
RATE_COLUMNS = (
    "variable", "label", "group", "group_label", "n_events", "n", "n_missing", "estimate",
    "ci_lower", "ci_upper", "p_value", "test",
)  # fmt: skip
#: columns of the ``data`` of an event_summary table
EVENT_SUMMARY_COLUMNS = (
    "event", "time", "unit", "group", "group_label", "n", "n_events", "percent", "n_time",
    "median", "min", "max",
)  # fmt: skip
_UNITS = {
    "days": (lambda d: d, "days"),
    "months": (to_months, "months (days / 30.4375)"),
    "years": (to_years, "years (days / 365.25)"),
}
_LABELS = {
    "variable": "Variable",
    "label": "Outcome",
    "group": "Group",
    "group_label": "Group (printed)",
    "n_events": "Patients with the event",
    "n": "Patients assessed",
    "n_missing": "Patients not assessed",
    "estimate": "Proportion",
    "ci_lower": "CI lower",
    "ci_upper": "CI upper",
    "p_value": "p",
    "test": "Test",
    "event": "Event",
    "time": "Time variable",
    "unit": "Unit",
    "percent": "%",
    "n_time": "Patients with a time",
    "median": "Median",
    "min": "Minimum",
    "max": "Maximum",
}


def _binary(series: pd.Series) -> pd.Series | None:
    """The column as a nullable 0/1 event indicator, or None when it is not yes/no."""
    levels = observed_levels(series)
    if levels and not is_boolean_levels(levels):
        return None
    return series.astype("Float64").astype("boolean")


def _rate_row(events: pd.Series, conf_level: float, itt: bool) -> dict:
    # intention to treat: an unknown value is counted as no event, and still reported unknown
    known = events.fillna(False) if itt else events.dropna()
    n, k = int(known.size), int(known.sum())
    row = {"n_events": k, "n": n, "n_missing": int(events.isna().sum())}
    if n:
        row.update(rate(k, n, conf_level).iloc[0][["estimate", "ci_lower", "ci_upper"]])
    else:
        row.update(estimate=np.nan, ci_lower=np.nan, ci_upper=np.nan)
    return row


def run_rates(analysis: Rates, ctx) -> Output:
    """Proportions of binary variables with exact Clopper-Pearson CIs, overall or by group.

    Parameters
    ----------
    analysis : cartkit.plan.schema.Rates
        The plan analysis.
    ctx : cartkit.runner.context.Context
        The datasets of the run (``ctx.settings.conf_level`` is the CI level).

    Returns
    -------
    Output
        One table (id = the analysis id): ``Outcome | n/N | % (95% CI)``; with a group, the
        outcome is a heading with the group levels and the total indented under it, and a
        ``p`` column (:func:`cartkit.compare`). Patients with a missing value are left out
        of that outcome's N (``missing = "exclude"``) or counted as without the event
        (``"failure"``), and counted in the notes either way.
    """
    level = ctx.settings.conf_level
    itt = analysis.missing == "failure"
    pats, notes = ctx.population(analysis.population)
    notes = list(notes)
    if not len(pats):
        notes.append("No patient is in the population: no rate")
        return Output(notes=notes, n=0)
    variables = usable_variables(analysis.variables, pats, ctx, notes)
    data, columns = grouping(pats, analysis.group, ctx, notes, required=False)
    group = analysis.group if columns else None
    display, styles, rows, tests = [], [], [], {}
    for var in variables:
        label = ctx.label(var)
        events = _binary(data[var])
        if events is None:
            notes.append(f"{label} is not a yes/no variable: no rate")
            continue
        missing = int(events.isna().sum())
        if missing and itt:
            notes.append(
                f"{label}: {missing} patient(s) with an unknown value are counted as without "
                "it (intention to treat)"
            )
        elif missing:
            notes.append(f"{label}: {missing} patient(s) with an unknown value are left out")
        if not events.notna().any():
            notes.append(f"{label}: no patient has a known value")
        cells = []
        if group is not None:
            p, test = np.nan, None
            try:
                if len(columns) > 1:  # else grouping() has said why there is no p-value
                    res = compare(data, variable=var, group=group, conf_level=level)
                    p, test = res.p_value, res.test
                    tests.setdefault(test, []).append(label)
            except DataError as err:
                notes.append(no_p_note(label, data[var], str(err)))
            display.append([label, "", "", fmt_p(p)])
            styles.append("heading")
            for value, header, _ in columns:
                mask = np.array([same(g, value) for g in data[group]], dtype=bool)
                cells.append((value, header, _rate_row(events[mask], level, itt)))
        else:
            p, test = np.nan, None
        total = "Total" if group is not None else "All patients"
        cells.append((None, total, _rate_row(events, level, itt)))
        for value, header, row in cells:
            shown = header if group is not None else label
            display.append(
                [
                    shown,
                    f"{row['n_events']}/{row['n']}",
                    fmt_pct_ci(row["estimate"], row["ci_lower"], row["ci_upper"]),
                    *([""] if group is not None else []),
                ]
            )
            styles.append("indent" if group is not None else "")
            rows.append(
                {
                    "variable": var, "label": label, "group": as_text(value),
                    "group_label": header, **row, "p_value": p, "test": test,
                }
            )  # fmt: skip
    if not display:
        raise DataError("no variable is a yes/no variable with a rate")
    headers = ["Outcome", "n/N", f"% ({ci_header(level)})", *(["p"] if group else [])]
    footnotes = [
        f"{ci_header(level)} by the Clopper-Pearson exact method.",
        "n/N: patients with the event / all patients (an unknown value counts as without the "
        "event, intention to treat)."
        if itt
        else "n/N: patients with the event / patients with a known value.",
        *test_footnotes(tests),
    ]
    table = _table(analysis, display, styles, headers, rows, RATE_COLUMNS, footnotes)
    return Output(tables=[table], notes=notes, n=len(data))


def _table(analysis, display, styles, headers, rows, columns, footnotes) -> ReportTable:
    shown = display_frame(display, headers)
    data = pd.DataFrame(rows, columns=list(columns))
    return ReportTable(
        **table_heading(analysis),
        data=data,
        display=shown,
        row_styles=tuple(styles),
        footnotes=tuple(footnotes),
        abbreviations=abbreviations(shown, " ".join(footnotes)),
        column_labels={c: _LABELS[c] for c in columns},
    )


def _times(frame: pd.DataFrame) -> dict:
    """Median (range) of ``_time`` by :func:`cartkit.describe` (NaN with no time)."""
    out = {"n_time": int(frame["_time"].notna().sum())}
    if out["n_time"] == 0:
        return {**out, "median": np.nan, "min": np.nan, "max": np.nan}
    d = describe(frame, variables=["_time"], summary="median_range").iloc[0]
    return {**out, "median": d["median"], "min": d["min"], "max": d["max"]}


def run_event_summary(analysis: EventSummary, ctx) -> Output:
    """Patients with an event and the median (range) time to it, overall and by ``by``.

    Parameters
    ----------
    analysis : cartkit.plan.schema.EventSummary
        The plan analysis: ``event`` (yes/no), ``time`` (days from infusion), ``by``
        (optional), ``unit`` (days, months or years).
    ctx : cartkit.runner.context.Context
        The datasets of the run.

    Returns
    -------
    Output
        One table (id = the analysis id): the event row, then one indented row per level of
        ``by`` among the patients with the event; columns ``n (%)`` (of the patients with a
        known event status) and the median (range) time among the patients with the event.
    """
    pats, notes = ctx.population(analysis.population)
    notes = list(notes)
    if not len(pats):
        notes.append("No patient is in the population: nothing to count")
        return Output(notes=notes, n=0)
    event, time, by = analysis.event, analysis.time, analysis.by
    for var in (event, time, *([by] if by else [])):
        if var not in pats:
            raise DataError(f"{var!r} is not a column of the patients data")
    flag = _binary(pats[event])
    if flag is None:
        raise DataError(f"event variable {event!r} is not a yes/no variable")
    elabel = ctx.label(event)
    unknown = int(flag.isna().sum())
    if unknown:
        notes.append(f"{unknown} patient(s) with unknown {elabel} are left out")
    known = pats[flag.notna().to_numpy()]
    with_event = known[flag.dropna().to_numpy(dtype=bool)]
    convert, unit_text = _UNITS[analysis.unit]
    days = pd.to_numeric(with_event[time], errors="coerce").astype(float)
    frame = with_event.assign(_time=convert(days))
    no_time = int(frame["_time"].isna().sum())
    if no_time:
        notes.append(
            f"{no_time} patient(s) with {elabel} but no {ctx.label(time)} are left out of the times"
        )
    n = len(known)
    parts = [(None, elabel, frame)]
    if by is not None:
        levels = order_levels(ctx, by, observed_levels(frame[by]))
        for lv in levels:
            mask = np.array([same(v, lv) for v in frame[by]], dtype=bool)
            parts.append((lv, ctx.level_label(by, lv), frame[mask]))
        unknown_by = int(frame[by].isna().sum())
        if unknown_by:
            notes.append(
                f"{unknown_by} patient(s) with {elabel} and unknown {ctx.label(by)} are "
                "counted in the total only"
            )
    rows = []
    for value, text, part in parts:
        k = len(part)
        rows.append(
            {
                "event": event, "time": time, "unit": analysis.unit, "group": as_text(value),
                "group_label": text, "n": n, "n_events": k,
                "percent": 100.0 * k / n if n else np.nan, **_times(part),
            }
        )  # fmt: skip
    digits, thousands = precision(frame["_time"], "median_range", [r["median"] for r in rows])
    display = [
        [
            r["group_label"],
            fmt_count_pct(r["n_events"], r["n"]),
            fmt_median_range(r["median"], r["min"], r["max"], digits, thousands=thousands),
        ]
        for r in rows
    ]
    styles = ["", *["indent"] * (len(rows) - 1)]
    headers = ["Event", "Patients, n (%)", f"Time, {analysis.unit}, median (range)"]
    footnotes = [
        f"Percentages are of the {n} patients with a known value of {elabel}.",
        f"Median (range) among the patients with the event of {ctx.label(time)}, in {unit_text}.",
    ]
    table = _table(analysis, display, styles, headers, rows, EVENT_SUMMARY_COLUMNS, footnotes)
    return Output(tables=[table], notes=notes, n=n)
