"""Table and figure of the ``swimmer`` kind (:mod:`cartkit.runner.kinds.swimmer`).

Above ``max_patients`` lanes the figure draws an evenly spaced selection of the sorted lanes
(every k-th), so each outcome group keeps its share and the same study always gives the same
figure; the table counts every patient.
"""

from __future__ import annotations

from functools import partial

import numpy as np
import pandas as pd

from ...runner.kinds.swimmer import SwimmerResult
from ..figures.swimmer import GROUP_LABELS, swimmer_figure
from ..format import NA, fmt_count_pct, fmt_median_range
from ..glossary import abbreviations_in
from ..types import ReportFigure, ReportTable
from ._base import Section, Show, table_heading
from ._describe_text import display_frame, precision

__all__ = ["EVENT_NAMES", "PRESENTERS", "present_swimmer", "shown_lanes"]

#: printed name of each event of the table
EVENT_NAMES = {
    "cr_d28": "CR/CRi at day 28",
    "mrd_negative_cr_d28": "MRD-negative CR/CRi at day 28",
    "bca_recovery": "B-cell recovery (end of B-cell aplasia)",
    "hsct": "HSCT after CAR-T",
    "relapse_cd19_positive": "Relapse, CD19-positive",
    "relapse_cd19_negative": "Relapse, CD19-negative",
    "relapse_phenotype_unknown": "Relapse, CD19 phenotype not recorded",
    "death": "Death",
    "alive_at_last_contact": "Alive at last contact",
}
_UNIT_TEXT = {"days": "days", "months": "months (days / 30.4375)", "years": "years (days / 365.25)"}
_LABELS = {
    "event": "Event",
    "n": "Patients",
    "n_events": "Patients with the event",
    "percent": "%",
    "unit": "Unit",
    "n_time": "Patients with a time",
    "median": "Median time",
    "min": "Earliest",
    "max": "Latest",
}


def shown_lanes(lanes: pd.DataFrame, max_patients: int) -> pd.DataFrame:
    """The lanes drawn: all of them, or ``max_patients`` evenly spaced in their order."""
    n = len(lanes)
    if n <= max_patients:
        return lanes
    pick = np.unique(np.round(np.linspace(0, n - 1, max_patients)).astype(np.int64))
    return lanes.iloc[pick].reset_index(drop=True)


def _table(result: SwimmerResult) -> ReportTable:
    analysis = result.analysis
    data: pd.DataFrame = result.data[analysis.id]
    timed = data[data["n_time"] > 0]
    digits, thousands = precision(
        pd.concat([timed["min"], timed["max"]]), "median_range", timed["median"].tolist()
    )
    rows = [
        [
            EVENT_NAMES[r["event"]],
            fmt_count_pct(r["n_events"], r["n"]),
            fmt_median_range(r["median"], r["min"], r["max"], digits, thousands=thousands)
            if r["n_time"]
            else NA,
        ]
        for _, r in data.iterrows()
    ]
    headers = ["Event", "Patients, n (%)", f"Time from infusion, {analysis.unit}, median (range)"]
    events = set(data["event"])
    footnotes = [
        f"Percentages are of the {result.n:,} patients in the swimmer plot.",
        f"Times from infusion (day 0) in {_UNIT_TEXT[analysis.unit]}; alive at last contact: "
        "the follow-up.",
    ]
    if "cr_d28" in events:
        footnotes.append("The day-28 response is drawn at day 28 and has no time of its own.")
    if "bca_recovery" in events:
        footnotes.append(
            "B-cell recovery: the first B-cell sample after B-cell aplasia that is no longer "
            "aplastic (as in the B-cell aplasia analyses)."
        )
    shown = display_frame(rows, headers)
    return ReportTable(
        **table_heading(analysis),
        data=data,
        display=shown,
        footnotes=tuple(footnotes),
        abbreviations=abbreviations_in(
            " ".join([*(r[0] for r in rows), *footnotes]), ("CAR-T", "CR", "CRi", "HSCT", "MRD")
        ),
        column_labels={c: _LABELS[c] for c in data.columns},
    )


def _legend_text(lanes: pd.DataFrame) -> str:
    """What each marker drawn means, in the order of the legend."""
    relapse = lanes["relapse_phenotype"]
    parts = [
        (lanes["response"].notna(), "circles: CR/CRi at day 28 (filled: MRD-negative)"),
        (lanes["bca_recovery_day"].notna(), "triangles: B-cell recovery"),
        (lanes["hsct_day"].notna(), "diamonds: HSCT"),
        (
            relapse.isin(["cd19_positive", "cd19_negative"]),
            "squares: relapse (filled: CD19-positive, open: CD19-negative)",
        ),
        (relapse.eq("unknown"), "plus signs: relapse of unrecorded CD19 phenotype"),
        (lanes["death_day"].notna(), "crosses: death"),
        (lanes["alive"], "arrowheads: alive at last contact"),
    ]
    text = "; ".join(t for mask, t in parts if mask.fillna(False).any())
    return text[:1].upper() + text[1:] + "." if text else ""


def _caption(result: SwimmerResult, lanes: pd.DataFrame) -> str:
    unit = result.analysis.unit
    groups = ", ".join(GROUP_LABELS[g].lower() for g in dict.fromkeys(result.lanes["group"]))
    text = (
        f"One bar per patient from CAR-T infusion (day 0) to the last contact or death, in "
        f"{unit}, grouped by outcome ({groups}) and sorted by follow-up, longest first. "
        + _legend_text(lanes)
    )
    if len(lanes) < result.n:
        text += (
            f" {len(lanes):,} of the {result.n:,} patients are drawn, evenly spaced through the "
            "sorted list so each group keeps its share; the table counts every patient."
        )
    return text


def present_swimmer(result: SwimmerResult, show: Show) -> Section:
    """The event table and the swimmer plot (its figure id contains "swimmer")."""
    analysis = result.analysis
    lanes = shown_lanes(result.lanes, int(analysis.max_patients))
    ylabel = f"Patients (n = {result.n:,})"
    if len(lanes) < result.n:
        ylabel = f"Patients ({len(lanes):,} of {result.n:,} drawn)"
    fig_id = analysis.id if "swimmer" in analysis.id else f"{analysis.id}_swimmer"
    figure = ReportFigure(
        id=fig_id,
        analysis_id=analysis.id,
        title="Swimmer plot: each patient's follow-up after CAR-T",
        draw=partial(swimmer_figure, lanes, unit=analysis.unit, ylabel=ylabel),
        caption=_caption(result, lanes),
        source=analysis.source,
    )
    return Section(tables=[_table(result)], figures=[figure])


PRESENTERS = {"swimmer": present_swimmer}
