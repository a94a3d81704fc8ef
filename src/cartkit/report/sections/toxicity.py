"""Table and figure of the ``crs_icans_characteristics`` kind (runner: ``kinds.toxicity``).

The table puts the syndromes side by side, as the safety section of a CAR-T paper does:
``Characteristic | CRS (N = 50) | ICANS (N = 50)``.
"""

from __future__ import annotations

from functools import partial

import pandas as pd

from ...runner.kinds.toxicity import GRADES, CrsIcansResult
from ..figures.toxicity import daily_grade_figure
from ..format import NA, fmt_count_pct, fmt_median_range
from ..glossary import abbreviations_in
from ..types import ReportFigure, ReportTable
from ._base import Section, Show, table_heading
from ._describe_text import display_frame, precision

__all__ = ["PRESENTERS", "SYNDROME_NAMES", "present_crs_icans_characteristics"]

#: printed name of each syndrome
SYNDROME_NAMES = {"crs": "CRS", "icans": "ICANS"}
#: (row label, row style, what the cell shows) of the display, top to bottom
_ROWS = (
    ("Any grade, n (%)", "", ("count", "n_events")),
    *((f"Grade {g}", "indent", ("count", f"n_grade_{g}")) for g in GRADES),
    ("Grade ≥ 3, n (%)", "", ("count", "n_grade_3plus")),
    ("Onset, day after infusion, median (range)", "", ("days", "onset")),
    ("Duration, days, median (range)", "", ("days", "duration")),
    ("Tocilizumab during the syndrome, n (%)", "", ("count", "n_tocilizumab")),
    ("Corticosteroids during the syndrome, n (%)", "", ("count", "n_corticosteroid")),
)
_LABELS = {
    "syndrome": "Syndrome",
    "n": "Patients graded",
    "n_events": "Patients, any grade",
    "percent": "%, any grade",
    **{f"n_grade_{g}": f"Patients, grade {g}" for g in GRADES},
    **{f"percent_grade_{g}": f"%, grade {g}" for g in GRADES},
    "n_grade_3plus": "Patients, grade ≥ 3",
    "percent_grade_3plus": "%, grade ≥ 3",
    "onset_n": "Patients with an onset day",
    "onset_median": "Onset, median day",
    "onset_min": "Onset, earliest day",
    "onset_max": "Onset, latest day",
    "duration_n": "Patients with a duration",
    "duration_median": "Duration, median days",
    "duration_min": "Duration, shortest",
    "duration_max": "Duration, longest",
    "n_recorded_course": "Onset and end from adverse_events",
    "n_multiple_episodes": "Patients with more than one episode",
    "n_tocilizumab": "Patients given tocilizumab during the syndrome",
    "n_corticosteroid": "Patients given corticosteroids during the syndrome",
    "percent_tocilizumab": "%, tocilizumab",
    "percent_corticosteroid": "%, corticosteroids",
}


def _days(row, prefix: str) -> str:
    med, lo, hi = row[f"{prefix}_median"], row[f"{prefix}_min"], row[f"{prefix}_max"]
    digits, thousands = precision([lo, hi], "median_range", [med])
    return fmt_median_range(med, lo, hi, digits, thousands=thousands)


def _cell(row, what: tuple[str, str]) -> str:
    kind, key = what
    if kind == "days":
        return _days(row, key)
    if pd.isna(row[key]):
        return NA
    return fmt_count_pct(row[key], row["n"])


def _footnotes(result: CrsIcansResult, sources: dict[str, str]) -> list[str]:
    notes = [
        "Grades by the ASTCT consensus (Lee et al. 2019), each patient counted at the highest "
        "grade; grade 5 is death from the syndrome. Percentages are of the N patients graded.",
        "Onset: the first day at grade ≥ 1 (day 0 = infusion). Duration: days from the first "
        "to the last day at grade ≥ 1, both included.",
    ]
    if any(s != "recorded" for s in sources.values()):
        notes.append(
            "Onset and duration follow the ASTCT grades of the daily assessments: a day with "
            "hypotension or hypoxia but no fever after tocilizumab or corticosteroids counts "
            "as CRS."
        )
    for source, text in (
        ("recorded", "no daily assessments: onset and duration from the onset_day to the "
         "end_day recorded in adverse_events."),
        ("mixed", "patients with no day at grade ≥ 1 in the daily assessments: onset and "
         "duration from the onset_day to the end_day recorded in adverse_events."),
    ):  # fmt: skip
        names = [SYNDROME_NAMES[s] for s, src in sources.items() if src == source]
        if names:
            notes.append(f"{' and '.join(names)}, {text}")
    if result.medications:
        notes.append(
            "Tocilizumab and corticosteroids: a dose given from the onset to the last day at "
            "grade ≥ 1 of that syndrome."
        )
    else:
        notes.append("Tocilizumab and corticosteroids: not known (no medications table).")
    return notes


def _caption(result: CrsIcansResult, sources: dict[str, str]) -> str:
    days = result.analysis.days
    data = result.data[result.analysis.id]
    ns = ", ".join(
        f"{SYNDROME_NAMES[r['syndrome']]} N = {int(r['n']):,}" for _, r in data.iterrows()
    )
    text = (
        f"Patients at each grade on each day from day {days[0]:g} to day {days[1]:g} after "
        f"infusion, stacked, as a percentage of the patients graded ({ns}). "
    )
    how = {
        "daily": "ASTCT grades of the daily assessments; a day without an assessment counts as "
        "no {name}.",
        "recorded": "without daily assessments, each recorded {name} grade of adverse_events "
        "is drawn on every day from its onset_day to its end_day.",
        "mixed": "ASTCT grades of the daily assessments (a day without an assessment counts as "
        "no {name}); for patients with recorded grades only, each grade of adverse_events from "
        "its onset_day to its end_day.",
    }
    for syndrome, source in sources.items():
        text += (
            f"{SYNDROME_NAMES[syndrome]}: "
            + how[source].format(name=SYNDROME_NAMES[syndrome])
            + " "
        )
    return text + (
        "Each panel has its own scale. ASTCT, American Society for Transplantation and "
        "Cellular Therapy."
    )


def present_crs_icans_characteristics(result: CrsIcansResult, show: Show) -> Section:
    """The CRS/ICANS characteristics table and the figure of daily grades."""
    analysis = result.analysis
    data: pd.DataFrame = result.data[analysis.id]
    sources = dict(result.daily_source)
    headers = ["Characteristic"] + [
        f"{SYNDROME_NAMES[r['syndrome']]} (N = {int(r['n']):,})" for _, r in data.iterrows()
    ]
    rows = [[label] + [_cell(r, what) for _, r in data.iterrows()] for label, _, what in _ROWS]
    footnotes = _footnotes(result, sources)
    display = display_frame(rows, headers)
    table = ReportTable(
        **table_heading(analysis),
        data=data,
        display=display,
        row_styles=tuple(style for _, style, _ in _ROWS),
        footnotes=tuple(footnotes),
        abbreviations=abbreviations_in(" ".join([*headers, *footnotes]), ("ASTCT", "CRS", "ICANS")),
        column_labels={c: _LABELS[c] for c in data.columns},
    )
    titles = {
        r["syndrome"]: f"{SYNDROME_NAMES[r['syndrome']]} (N = {int(r['n']):,})"
        for _, r in data.iterrows()
    }
    figure = ReportFigure(
        id=f"{analysis.id}_daily",
        analysis_id=analysis.id,
        title=f"Daily CRS and ICANS grades, days {analysis.days[0]:g}–{analysis.days[1]:g}",
        draw=partial(daily_grade_figure, result.daily, days=analysis.days, titles=titles),
        caption=_caption(result, sources),
        source=analysis.source,
    )
    return Section(tables=[table], figures=[figure])


PRESENTERS = {"crs_icans_characteristics": present_crs_icans_characteristics}
