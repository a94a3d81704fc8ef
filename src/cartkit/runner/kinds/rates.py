"""Analysis kinds ``rates`` (proportions with exact CIs) and ``event_summary`` (events, times).

Rates come from :func:`cartkit.rate` (Clopper-Pearson), group p-values from
:func:`cartkit.comparisons`, median (range) of times from :func:`cartkit.describe`, and the
conversion of days to months or years from :func:`cartkit.to_months` / :func:`cartkit.to_years`.
Their tables are printed by :mod:`cartkit.report.sections.rates`.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from ..._core.units import to_months, to_years
from ...comparisons.binomial import rate
from ...comparisons.descriptive import describe
from ...comparisons.tests import compare
from ...errors import DataError
from ...plan.schema import EventSummary, Rates
from ..results import KindResult
from ._describe_common import (
    as_text,
    grouping,
    is_boolean_levels,
    no_p_note,
    observed_levels,
    order_levels,
    same,
    usable_variables,
)

__all__ = [
    "EVENT_SUMMARY_COLUMNS",
    "RATE_COLUMNS",
    "EventSummaryResult",
    "RatesResult",
    "run_event_summary",
    "run_rates",
]

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
_CONVERT = {"days": lambda d: d, "months": to_months, "years": to_years}


@dataclass(frozen=True, kw_only=True)
class RatesResult(KindResult):
    """Proportions of a ``rates`` analysis.

    ``data[analysis.id]`` has :data:`RATE_COLUMNS`: per variable, one row per group level
    (when ``grouped``) and a total row (``group`` None), in report order.
    """

    grouped: bool = False


@dataclass(frozen=True, kw_only=True)
class EventSummaryResult(KindResult):
    """Events and times of an ``event_summary`` analysis.

    ``data[analysis.id]`` has :data:`EVENT_SUMMARY_COLUMNS`: the event row, then one row per
    level of ``by``; ``times`` are the analysed times (in ``analysis.unit``) of the patients
    with the event, which set the precision they print with.
    """

    times: tuple[float, ...] = ()


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


def run_rates(analysis: Rates, ctx) -> RatesResult:
    """Proportions of binary variables with exact Clopper-Pearson CIs, overall or by group.

    Parameters
    ----------
    analysis : cartkit.plan.schema.Rates
        The plan analysis.
    ctx : cartkit.runner.context.Context
        The datasets of the run (``ctx.settings.conf_level`` is the CI level).

    Returns
    -------
    RatesResult
        Per variable, its rate overall and (with a group) in each group level, with the group
        p-value (:func:`cartkit.compare`). Patients with a missing value are left out of that
        outcome's N (``missing = "exclude"``) or counted as without the event
        (``"failure"``), and counted in the notes either way.
    """
    level = ctx.settings.conf_level
    itt = analysis.missing == "failure"
    pats, notes = ctx.population(analysis.population)
    notes = list(notes)
    if not len(pats):
        notes.append("No patient is in the population: no rate")
        return RatesResult(analysis=analysis, notes=notes, n=0)
    variables = usable_variables(analysis.variables, pats, ctx, notes)
    data, columns = grouping(pats, analysis.group, ctx, notes, required=False)
    group = analysis.group if columns else None
    rows = []
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
        p, test = np.nan, None
        if group is not None:
            try:
                if len(columns) > 1:  # else grouping() has said why there is no p-value
                    res = compare(data, variable=var, group=group, conf_level=level)
                    p, test = res.p_value, res.test
            except DataError as err:
                notes.append(no_p_note(label, data[var], str(err)))
            for value, header, _ in columns:
                mask = np.array([same(g, value) for g in data[group]], dtype=bool)
                cells.append((value, header, _rate_row(events[mask], level, itt)))
        total = "Total" if group is not None else "All patients"
        cells.append((None, total, _rate_row(events, level, itt)))
        for value, header, row in cells:
            rows.append(
                {
                    "variable": var, "label": label, "group": as_text(value),
                    "group_label": header, **row, "p_value": p, "test": test,
                }
            )  # fmt: skip
    if not rows:
        raise DataError("no variable is a yes/no variable with a rate")
    table = pd.DataFrame(rows, columns=list(RATE_COLUMNS))
    return RatesResult(
        analysis=analysis,
        notes=notes,
        n=len(data),
        data={analysis.id: table},
        grouped=group is not None,
    )


def _times(frame: pd.DataFrame) -> dict:
    """Median (range) of ``_time`` by :func:`cartkit.describe` (NaN with no time)."""
    out = {"n_time": int(frame["_time"].notna().sum())}
    if out["n_time"] == 0:
        return {**out, "median": np.nan, "min": np.nan, "max": np.nan}
    d = describe(frame, variables=["_time"], summary="median_range").iloc[0]
    return {**out, "median": d["median"], "min": d["min"], "max": d["max"]}


def run_event_summary(analysis: EventSummary, ctx) -> EventSummaryResult:
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
    EventSummaryResult
        The event row, then one row per level of ``by`` among the patients with the event:
        patients with the event among those with a known event status, and the median
        (range) time among the patients with the event.
    """
    pats, notes = ctx.population(analysis.population)
    notes = list(notes)
    if not len(pats):
        notes.append("No patient is in the population: nothing to count")
        return EventSummaryResult(analysis=analysis, notes=notes, n=0)
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
    days = pd.to_numeric(with_event[time], errors="coerce").astype(float)
    frame = with_event.assign(_time=_CONVERT[analysis.unit](days))
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
    return EventSummaryResult(
        analysis=analysis,
        notes=notes,
        n=n,
        data={analysis.id: pd.DataFrame(rows, columns=list(EVENT_SUMMARY_COLUMNS))},
        times=tuple(float(t) for t in frame["_time"]),
    )
