"""Tables and figures of the ``survival`` kind (:mod:`cartkit.runner.kinds.survival`).

The journal layout: one row per group with N, events, the estimates at the time points, the
median, the median follow-up and the log-rank p (on the first group row); a heading row per
subgroup level (or the group variable's name). One Kaplan-Meier figure per table, a panel
(A, B, ...) per subgroup level, drawn from the fits when the report is written. A landmark
analysis prints the same way, with the landmark's footnote first; so does a Simon-Makuch
analysis (time-dependent groups), with its own footnote first. An estimate at a time point no
patient of the group is followed to prints "NE", and a footnote gives the group's longest
follow-up.
"""

from __future__ import annotations

import math
from functools import partial

import pandas as pd

from ...runner.kinds.survival import KMBlock, KMFits, Spec, SurvivalResult
from ...survival import to_months
from ..figures.panels import km_panels_figure
from ..figures.survival import km_report_figure
from ..format import fmt_num, fmt_p, p_phrase
from ..types import ReportFigure, ReportTable
from ._base import Section, Show, table_heading
from ._panels import lettered, lettered_list
from ._survival_text import (
    STILL,
    ci_label,
    curve_axis,
    endpoint_name,
    estimate_cell,
    fmt_months_ci,
    immortal_time_caveat,
    landmark_footnote,
    not_estimable_footnote,
    origin_footnote,
    panel_title,
    rows_of,
    sentence_case,
    still_footnote,
    table_abbreviations,
    time_axis,
    year_header,
)

__all__ = ["COLUMN_LABELS", "PRESENTERS", "present_survival"]

#: header of each data column in tables.xlsx
COLUMN_LABELS = {
    "subgroup": "Subgroup",
    "group": "Group",
    "measure": "Measure",
    "time_years": "Time, years",
    "unit": "Unit",
    "n": "N",
    "n_events": "Events",
    "n_risk": "At risk",
    "longest_follow_up_months": "Longest follow-up, months",
    "estimate": "Estimate",
    "ci_lower": "CI lower",
    "ci_upper": "CI upper",
    "range_min": "Range, min",
    "range_max": "Range, max",
    "test_statistic": "Chi-squared",
    "dof": "df",
    "p_value": "p",
}
#: the columns a landmark table names differently
LANDMARK_LABELS = {
    "landmark_day": "Landmark, day",
    "time_years": "Years from the landmark",
    "longest_follow_up_months": "Longest follow-up from the landmark, months",
}


def _headers(spec: Spec, endpoint: str | None = None) -> list[str]:
    cols = ["", "N", "Events"]
    cols += [year_header(t, spec.conf_level, endpoint) for t in spec.years]
    if spec.median:
        cols.append(f"Median, months ({ci_label(spec.conf_level)})")
    if spec.follow_up:
        cols.append("Median follow-up, months (range)")
    if spec.group is not None and spec.logrank:
        cols.append("p")
    return cols


def _group_cells(spec: Spec, name: str, rows: pd.DataFrame) -> list[str]:
    """N, events, estimates, median and follow-up of one group (its rows of the data)."""
    first = rows.iloc[0]
    n = int(first["n"])
    cells = [name, str(n), str(int(first["n_events"]))]
    for _, r in rows[rows["measure"] == "survival"].iterrows():
        cells.append(estimate_cell(r))
    if spec.median:
        m = rows[rows["measure"] == "median"].iloc[0]
        cells.append(fmt_months_ci(m["estimate"], m["ci_lower"], m["ci_upper"], reached=n > 0))
    if spec.follow_up:
        f = rows[rows["measure"] == "median follow-up"].iloc[0]
        med = f["estimate"]
        fu = fmt_months_ci(med, f["range_min"], f["range_max"], reached=True)
        cells.append(fu if not math.isnan(med) else "NR")
    return cells


def _display(fits: KMFits, data: pd.DataFrame, heading: str | None, endpoint: str | None = None):
    """The display and row styles of one table: a heading row per block, a row per group."""
    spec = fits.spec
    headers = _headers(spec, endpoint)
    display, styles = [], []
    for block in fits.blocks:
        title = block.label if block.label is not None else heading
        if title is not None:
            display.append([title] + [""] * (len(headers) - 1))
            styles.append("heading")
        part = data[rows_of(data["subgroup"], block.label)]
        test = part[part["measure"] == "log-rank"]
        estimates = part[part["measure"] != "log-rank"]
        for i, level in enumerate(block.km.groups):
            name = spec.name(level)
            rows = estimates[rows_of(estimates["group"], None if spec.group is None else name)]
            cells = _group_cells(spec, name, rows)
            if spec.group is not None and spec.logrank:
                cells.append(fmt_p(test["p_value"].iloc[0]) if (len(test) and i == 0) else "")
            display.append(cells)
            styles.append("indent" if (block.label or spec.group is not None) else "")
    return pd.DataFrame(display, columns=headers), tuple(styles)


def _footnotes(spec: Spec, data: pd.DataFrame) -> list[str]:
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
        if spec.start is None:
            notes.append("p by the log-rank test.")
        else:
            notes.append(
                "p by the Mantel-Byar test (the log-rank test with time-dependent groups: at "
                "each event, patients are counted in the group they are in then)."
            )
    beyond = not_estimable_footnote(data, "survival", landmark=spec.landmark is not None)
    if beyond:
        notes.append(beyond)
    return notes


def _one_group_title(spec: Spec, block: KMBlock) -> str | None:
    names = [spec.name(g) for g in block.km.groups]
    return panel_title(block.label, spec.group is not None, names)


def _caption(analysis, show: Show, spec: Spec, blocks, others=()) -> str:
    """Figure legend: what is shown, the interval, censor marks and the p-value (per panel)."""
    endpoint = sentence_case(endpoint_name(analysis.endpoint))
    day = None if spec.landmark is None else spec.landmark.day
    if spec.start is not None:
        text = f"Simon-Makuch (time-dependent Kaplan-Meier) estimates of {endpoint}"
    else:
        text = f"Kaplan-Meier estimates of {endpoint}"
    if day is not None:
        text += f" from the day-{day} landmark"
    if analysis.group is not None:
        text += f" by {sentence_case(show.header(analysis.group))}"
        if day is not None:
            text += f" on or before day {day}"
    labels = [sentence_case(b.label) for b in blocks if b.label is not None]
    if len(labels) == 1:
        text += f" in patients with {labels[0]}"
    elif labels:
        text += f" in patients with {lettered(labels)}"
    if analysis.population is not None:
        text += f" (population: {show.label(analysis.population)})"
    if spec.start is not None:
        text += (
            f": a patient counts in {show.level_label(analysis.group, False)} from infusion "
            f"until the day of {show.level_label(analysis.group, True)} and in "
            f"{show.level_label(analysis.group, True)} from that day on, so each curve "
            "describes survival from the time patients are in its group"
        )
    text += f"; shaded: {ci_label(spec.conf_level)} ({spec.conf_type}); +: censored"
    if spec.start is not None:
        no, yes = (show.level_label(analysis.group, level) for level in (False, True))
        text += f" (in {no}, also where a patient moves to {yes})"
    test = "log-rank test" if spec.start is None else "Mantel-Byar test"
    tests = [
        (i, p_phrase(b.test.p_value))
        for i, b in enumerate(blocks)
        if b.test is not None and not math.isnan(b.test.p_value)
    ]
    if len(blocks) == 1 and tests:
        text += f"; {tests[0][1]} by the {test}"
    elif tests:
        text += f"; {test}: {lettered_list(tests)}"
    single = [i for i, b in enumerate(blocks) if spec.group is not None and len(b.km.groups) < 2]
    if single and len(blocks) > 1:
        text += "; " + lettered_list([(i, "has one group only") for i in single])
    text += "."
    if tests and spec.landmark is None and spec.start is None:
        text += immortal_time_caveat(show, analysis.group, test, others)
    return text


def _p(block: KMBlock) -> float | None:
    return None if block.test is None or math.isnan(block.test.p_value) else block.test.p_value


def _figure(analysis, show: Show, spec: Spec, fits: KMFits, others=()) -> ReportFigure:
    """The Kaplan-Meier figure of one table: a panel per subgroup level, drawn when written."""
    blocks = fits.blocks
    title = analysis.title
    xlabel = time_axis(analysis.endpoint)
    if spec.landmark is not None:
        xlabel = f"Months since the landmark (day {spec.landmark.day})"
        title += f" (landmark at day {spec.landmark.day})"
    options = {
        "xlabel": xlabel,
        "ylabel": curve_axis(analysis.endpoint),
        "group_labels": dict(spec.labels),
    }
    if spec.start is not None:
        title += " (Simon-Makuch)"
        options["p_label"] = "Mantel-Byar"
    if len(blocks) == 1:
        (block,) = blocks
        if spec.start is not None:
            options["intervals"] = block.intervals
        draw = partial(
            km_report_figure,
            block.km,
            title=_one_group_title(spec, block),
            logrank_p=_p(block),
            **options,
        )
    else:
        if spec.start is not None:
            options["intervals"] = tuple(b.intervals for b in blocks)
        draw = partial(
            km_panels_figure,
            tuple(b.km for b in blocks),
            titles=tuple(_one_group_title(spec, b) for b in blocks),
            logrank_ps=tuple(_p(b) for b in blocks),
            **options,
        )
    return ReportFigure(
        id=fits.id,
        analysis_id=analysis.id,
        title=title,
        draw=draw,
        caption=_caption(analysis, show, spec, blocks, others),
        source=analysis.source,
    )


def _remedy(spec: Spec) -> str:
    """The figure of an analysis free of immortal-time bias, as a caption names it."""
    if spec.landmark is not None:
        return f"the landmark analysis at day {spec.landmark.day}"
    return "the Simon-Makuch figure (time-dependent groups)"


def reached_zero_footnote(fits: KMFits, data: pd.DataFrame) -> str | None:
    """Estimates of 0 past the follow-up: where each curve reached 0 and on how few patients.

    Such an estimate is known, not extrapolated (the last patient at risk had the event), but a
    reader must see it rests on the patients at risk when the curve fell to 0.
    """
    rows = data[(data["measure"] == "survival") & (data["n_risk"] == 0) & (data["estimate"] == 0)]
    if rows.empty:
        return None
    clauses = []
    for block in fits.blocks:
        table = block.km.table
        for level in block.km.groups:
            name = None if fits.spec.group is None else fits.spec.name(level)
            mine = rows[rows_of(rows["subgroup"], block.label) & rows_of(rows["group"], name)]
            if mine.empty:
                continue
            curve = table if level is None else table[table["group"] == level]
            end = curve[curve["estimate"] == 0].iloc[0]
            who = name or block.label or "All patients"
            n = int(end["n_risk"])
            last = "the one patient still at risk" if n == 1 else f"the last {n} patients at risk"
            clauses.append(
                f"{who}: the curve reached 0 at {fmt_num(to_months(float(end['time'])), 1)} "
                f"months, when {last} had the event"
            )
    text = "; ".join(clauses)
    return f"0.0% past the follow-up is the end of the curve, not an extrapolation: {text}."


def simon_makuch_footnote(show: Show, group: str) -> str:
    """How the time-dependent groups of a Simon-Makuch table are formed and counted."""
    no, yes = show.level_label(group, False), show.level_label(group, True)
    return (
        f"Simon-Makuch analysis, {show.label(group)} as a time-dependent group: each patient "
        f"counts in {no} from infusion until the day of {yes} and in {yes} from that day on "
        "(counting-process data, as R tmerge and survfit(Surv(tstart, tstop, event) ~ group)); "
        f"an event on the day of {yes} counts under {no}. N is the patients ever in the group "
        f"(a patient with {yes} is counted in both); events are counted in the group the "
        "patient was in at the event."
    )


def _table(analysis, show: Show, fits: KMFits, data: pd.DataFrame) -> ReportTable:
    spec = fits.spec
    heading = show.header(analysis.group) if analysis.group else None
    footnotes = _footnotes(spec, data)
    heading_of = table_heading(analysis)
    labels = COLUMN_LABELS
    if spec.landmark is not None:
        day = spec.landmark.day
        heading = f"{show.label(analysis.group)} by day {day}"
        footnotes.insert(0, landmark_footnote(show, analysis.group, spec.landmark))
        heading_of.update(id=fits.id, title=f"{analysis.title}: landmark analysis at day {day}")
        labels = {**COLUMN_LABELS, **LANDMARK_LABELS}
    reached = reached_zero_footnote(fits, data)
    if reached:
        footnotes.append(reached)
    still = still_footnote(analysis.endpoint)
    if still:
        footnotes.insert(0, still)
        labels = {**labels, "estimate": f"Estimate ({sentence_case(STILL[analysis.endpoint])})"}
    origin = origin_footnote(analysis.endpoint)
    if origin:
        footnotes.insert(0, origin)
    if spec.start is not None:
        heading = f"{show.label(analysis.group)}, time-dependent"
        footnotes.insert(0, simon_makuch_footnote(show, analysis.group))
        heading_of.update(
            id=fits.id, title=f"{analysis.title}: time-dependent groups (Simon-Makuch)"
        )
    display, styles = _display(fits, data, heading, analysis.endpoint)
    return ReportTable(
        **heading_of,
        data=data,
        display=display,
        row_styles=styles,
        footnotes=tuple(footnotes),
        abbreviations=table_abbreviations(heading_of["title"], display, footnotes),
        column_labels=labels,
    )


def present_survival(result: SurvivalResult, show: Show) -> Section:
    """The tables and Kaplan-Meier figures of a ``survival`` analysis.

    Parameters
    ----------
    result : cartkit.runner.kinds.survival.SurvivalResult
        What the runner computed.
    show : Show
        Printed names and the plan's settings.

    Returns
    -------
    Section
        Table ``<id>`` and its figure ``<id>`` (a panel A, B, ... per subgroup level), then the
        landmark table ``<id>_landmark`` and the time-dependent (Simon-Makuch) table
        ``<id>_simon_makuch`` and their figures when there are.
    """
    analysis = result.analysis
    tables, figures = [], []
    others = [_remedy(fits.spec) for fits in result.fits[1:]]
    for fits in result.fits:
        tables.append(_table(analysis, show, fits, result.data[fits.id]))
        figures.append(_figure(analysis, show, fits.spec, fits, others))
    return Section(tables=tables, figures=figures)


PRESENTERS = {"survival": present_survival}
