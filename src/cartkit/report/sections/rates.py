"""Tables of the ``rates`` and ``event_summary`` kinds (:mod:`cartkit.runner.kinds.rates`)."""

from __future__ import annotations

from itertools import groupby

import pandas as pd

from ..format import fmt_count_pct, fmt_median_range, fmt_p, fmt_pct_ci
from ..types import ReportTable
from ._base import Section, Show, table_heading
from ._describe_text import abbreviations, ci_header, display_frame, precision, test_footnotes

__all__ = ["PRESENTERS", "present_event_summary", "present_rates"]

_UNIT_TEXT = {
    "days": "days",
    "months": "months (days / 30.4375)",
    "years": "years (days / 365.25)",
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


def _table(analysis, data, display, styles, headers, footnotes) -> ReportTable:
    shown = display_frame(display, headers)
    return ReportTable(
        **table_heading(analysis),
        data=data,
        display=shown,
        row_styles=tuple(styles),
        footnotes=tuple(footnotes),
        abbreviations=abbreviations(shown, " ".join(footnotes)),
        column_labels={c: _LABELS[c] for c in data.columns},
    )


def present_rates(result, show: Show) -> Section:
    """The rates table: ``Outcome | n/N | % (95% CI)``.

    With a group, the outcome is a heading with the group levels and the total indented under
    it, and a ``p`` column.
    """
    analysis = result.analysis
    data: pd.DataFrame = result.data[analysis.id]
    level = show.settings.conf_level
    itt = analysis.missing == "failure"
    display, styles, tests = [], [], {}
    for _, block in groupby(range(len(data)), key=lambda i: data["variable"].iloc[i]):
        rows = data.iloc[list(block)]
        first = rows.iloc[0]
        if result.grouped:
            if pd.notna(first["test"]):
                tests.setdefault(first["test"], []).append(first["label"])
            display.append([first["label"], "", "", fmt_p(first["p_value"])])
            styles.append("heading")
        for _, row in rows.iterrows():
            display.append(
                [
                    row["group_label"] if result.grouped else row["label"],
                    f"{row['n_events']}/{row['n']}",
                    fmt_pct_ci(row["estimate"], row["ci_lower"], row["ci_upper"]),
                    *([""] if result.grouped else []),
                ]
            )
            styles.append("indent" if result.grouped else "")
    headers = ["Outcome", "n/N", f"% ({ci_header(level)})", *(["p"] if result.grouped else [])]
    footnotes = [
        f"{ci_header(level)} by the Clopper-Pearson exact method.",
        "n/N: patients with the event / all patients (an unknown value counts as without the "
        "event, intention to treat)."
        if itt
        else "n/N: patients with the event / patients with a known value.",
        *test_footnotes(tests),
        *_window_footnote(data, show),
    ]
    return Section(tables=[_table(analysis, data, display, styles, headers, footnotes)])


def _window_footnote(data: pd.DataFrame, show: Show) -> list[str]:
    """When each event was counted: within the adverse-event window, or any time after it."""
    variables = list(dict.fromkeys(data["variable"]))
    inside = [v for v in variables if v in show.names.ae_window]
    if not inside:
        return []
    days = f"{show.settings.ae_window_days:g} days of infusion"
    if len(inside) == len(variables):
        return [f"Counted within {days}."]
    names = "; ".join(show.label(v) for v in inside)
    return [f"Counted within {days}: {names}; the others at any time after infusion."]


def present_event_summary(result, show: Show) -> Section:
    """The event row, then one indented row per level of ``by``: ``n (%)`` and median (range)."""
    analysis = result.analysis
    data: pd.DataFrame = result.data[analysis.id]
    digits, thousands = precision(list(result.times), "median_range", data["median"].tolist())
    display = [
        [
            r["group_label"],
            fmt_count_pct(r["n_events"], r["n"]),
            fmt_median_range(r["median"], r["min"], r["max"], digits, thousands=thousands),
        ]
        for _, r in data.iterrows()
    ]
    styles = ["", *["indent"] * (len(data) - 1)]
    headers = ["Event", "Patients, n (%)", f"Time, {analysis.unit}, median (range)"]
    elabel = show.label(analysis.event)
    footnotes = [
        f"Percentages are of the {result.n} patients with a known value of {elabel}.",
        f"Median (range) among the patients with the event of {show.label(analysis.time)}, in "
        f"{_UNIT_TEXT[analysis.unit]}.",
    ]
    return Section(tables=[_table(analysis, data, display, styles, headers, footnotes)])


PRESENTERS = {"rates": present_rates, "event_summary": present_event_summary}
