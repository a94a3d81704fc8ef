"""Tables and figures of the ``cumulative_incidence`` kind (:mod:`cartkit.runner.kinds.cumulative`).

The journal layout: with a group, a heading per cause (and subgroup level) and a row per group
with N, events of that cause, the estimates at the time points and Gray's p (on the first group
row); without one, a row per cause. One figure per table, a panel (A, B, ...) per subgroup
level with an event, curves rising from 0 above the numbers at risk, drawn from the fits when
the report is written. A landmark analysis prints the same way, with the landmark's footnote
first. An estimate at a time point no patient of the group is followed to prints "NE", and a
footnote gives the group's longest follow-up.
"""

from __future__ import annotations

import math
from functools import partial

import numpy as np
import pandas as pd

from ...runner.kinds.cumulative import CIFBlock, CIFFits, CIFSpec, CumulativeResult
from ..figures.incidence import cif_figure
from ..figures.panels import cif_panels_figure
from ..format import fmt_p, p_phrase
from ..types import ReportFigure, ReportTable
from ._base import Section, Show
from ._panels import lettered, lettered_list
from ._survival_text import (
    cause_order,
    ci_label,
    estimate_cell,
    immortal_time_caveat,
    landmark_footnote,
    not_estimable_footnote,
    panel_title,
    rows_of,
    sentence_case,
    table_abbreviations,
    time_axis,
    year_header,
)

__all__ = ["COLUMN_LABELS", "PRESENTERS", "present_cumulative_incidence"]

#: header of each data column in tables.xlsx
COLUMN_LABELS = {
    "subgroup": "Subgroup",
    "group": "Group",
    "cause": "Cause code",
    "cause_label": "Cause",
    "measure": "Measure",
    "time_years": "Time, years",
    "n": "N",
    "n_events": "Events",
    "n_risk": "At risk",
    "longest_follow_up_months": "Longest follow-up, months",
    "estimate": "Estimate",
    "ci_lower": "CI lower",
    "ci_upper": "CI upper",
    "test_statistic": "Chi-squared",
    "dof": "df",
    "p_value": "p",
    "landmark_day": "Landmark, day",
}


def _block_display(spec: CIFSpec, block: CIFBlock, part: pd.DataFrame):
    """Display rows and styles of one block (its rows of the data)."""
    grouped = spec.group is not None
    with_p = grouped and spec.gray
    display, styles = [], []
    for c, cause in spec.causes.items():
        of_cause = part[part["cause"] == c]
        estimates = of_cause[of_cause["measure"] == "cumulative incidence"]
        cells_of_cause = []
        for level in block.cif.groups:
            name = block.labels[level] if grouped else None
            rows = estimates[rows_of(estimates["group"], name)]
            first = rows.iloc[0]
            cells = [name if grouped else cause, str(int(first["n"])), str(int(first["n_events"]))]
            for _, r in rows.iterrows():
                cells.append(estimate_cell(r))
            if with_p:
                cells.append("")
            cells_of_cause.append(cells)
        if not grouped:
            display += cells_of_cause
            styles += ["indent" if block.label else ""] * len(cells_of_cause)
            continue
        heading = f"{block.label}: {cause}" if block.label else cause
        display.append([heading] + [""] * (len(cells_of_cause[0]) - 1))
        styles.append("heading")
        if with_p and block.gray is not None:
            test = of_cause.loc[of_cause["measure"] == "Gray's test", "p_value"]
            cells_of_cause[0][-1] = fmt_p(test.iloc[0] if len(test) else np.nan)
        display += cells_of_cause
        styles += ["indent"] * len(cells_of_cause)
    return display, styles


def _gray_phrase(names, block: CIFBlock) -> str:
    """Each cause with a p-value: "relapse p = 0.375, non-relapse mortality p = 0.940"."""
    if block.gray is None:
        return ""
    return ", ".join(
        f"{sentence_case(names.get(int(c), str(c)))} {p_phrase(test.p_value)}"
        for c, test in block.gray.tests.items()
        if not math.isnan(test.p_value)
    )


def _panel_title(spec: CIFSpec, block: CIFBlock) -> str | None:
    names = [block.labels[g] for g in block.cif.groups]
    return panel_title(block.label, spec.group is not None, names)


def _caption(analysis, show: Show, spec: CIFSpec, blocks, others=()) -> str:
    names = spec.causes
    day = None if spec.landmark is None else spec.landmark.day
    text = f"Cumulative incidence (Aalen-Johansen) of {sentence_case(names[1])}"
    if day is not None:
        text += f" from the day-{day} landmark"
    if 2 in names:
        text += f" with {sentence_case(names[2])} as competing event"
    if analysis.group is not None:
        text += f", by {sentence_case(show.header(analysis.group))}"
        if day is not None:
            text += f" on or before day {day}"
    labels = [sentence_case(b.label) for b in blocks if b.label is not None]
    if len(labels) == 1:
        text += f", in patients with {labels[0]}"
    elif labels:
        text += f", in patients with {lettered(labels)}"
    if analysis.population is not None:
        text += f" (population: {show.label(analysis.population)})"
    grays = [(i, _gray_phrase(names, b)) for i, b in enumerate(blocks)]
    grays = [(i, g) for i, g in grays if g]
    if len(blocks) == 1 and grays:
        text += f"; Gray's test: {grays[0][1]}"
    elif grays:
        text += f"; Gray's test: {lettered_list(grays)}"
    single = [i for i, b in enumerate(blocks) if spec.group is not None and len(b.cif.groups) < 2]
    if single and len(blocks) > 1:
        text += "; " + lettered_list([(i, "has one group only") for i in single])
    text += "; numbers at risk: patients followed and free of every event."
    if grays and spec.landmark is None:
        text += immortal_time_caveat(show, analysis.group, "Gray's test", others)
    return text


def _table(analysis, show: Show, fits: CIFFits, data: pd.DataFrame) -> ReportTable:
    spec = fits.spec
    cols = ["", "N", "Events", *(year_header(t, spec.conf_level) for t in spec.years)]
    if spec.group is not None and spec.gray:
        cols.append("p")
    display, styles = [], []
    for block in fits.blocks:
        part = data[rows_of(data["subgroup"], block.label)]
        rows, block_styles = _block_display(spec, block, part)
        display += rows
        styles += block_styles
    if spec.group is None and analysis.subgroup is None:
        styles = [""] * len(display)
    footnotes = [
        f"Cumulative incidence (Aalen-Johansen) with {ci_label(spec.conf_level)} on the "
        f"{spec.conf_type} scale, variance as R cmprsk; events are those of the cause in the "
        "heading; a year is 365.25 days."
    ]
    title = analysis.title
    labels = dict(COLUMN_LABELS)
    if spec.landmark is not None:
        footnotes.insert(0, landmark_footnote(show, analysis.group, spec.landmark))
        title += f": landmark analysis at day {spec.landmark.day}"
        labels["time_years"] = "Years from the landmark"
        labels["longest_follow_up_months"] = "Longest follow-up from the landmark, months"
    beyond = not_estimable_footnote(
        data, "cumulative incidence", landmark=spec.landmark is not None
    )
    if beyond:
        footnotes.append(beyond)
    if (data["measure"] == "Gray's test").any():
        footnotes.append("p by Gray's test (rho = 0) for the cause in the heading.")
    shown = pd.DataFrame(display, columns=cols)
    return ReportTable(
        id=fits.id,
        analysis_id=analysis.id,
        title=title,
        source=analysis.source,
        data=data,
        display=shown,
        row_styles=tuple(styles),
        footnotes=tuple(footnotes),
        abbreviations=table_abbreviations(title, shown, footnotes),
        column_labels=labels,
    )


def _figures(analysis, show: Show, fits: CIFFits, others=()) -> list[ReportFigure]:
    """The figure of one table: a panel per subgroup level with an event."""
    spec = fits.spec
    xlabel = time_axis(analysis.endpoint)
    title = analysis.title
    if spec.landmark is not None:
        xlabel = f"Months since the landmark (day {spec.landmark.day})"
        title += f" (landmark at day {spec.landmark.day})"
    # a level with no event of any cause has nothing that rises (the table notes it)
    blocks = [b for b in fits.blocks if b.cif.causes]
    if not blocks:
        return []
    if len(blocks) == 1:
        (block,) = blocks
        draw = partial(
            cif_figure,
            block.cif,
            cause_labels=dict(spec.causes),
            gray=block.gray,
            title=_panel_title(spec, block),
            xlabel=xlabel,
            group_labels=dict(block.labels),
            cause_order=cause_order(spec.causes),
        )
    else:
        draw = partial(
            cif_panels_figure,
            tuple(b.cif for b in blocks),
            titles=tuple(_panel_title(spec, b) for b in blocks),
            grays=tuple(b.gray for b in blocks),
            cause_labels=dict(spec.causes),
            group_labels=tuple(dict(b.labels) for b in blocks),
            xlabel=xlabel,
            cause_order=cause_order(spec.causes),
        )
    figure = ReportFigure(
        id=fits.id,
        analysis_id=analysis.id,
        title=title,
        draw=draw,
        caption=_caption(analysis, show, spec, blocks, others),
        source=analysis.source,
    )
    return [figure]


def present_cumulative_incidence(result: CumulativeResult, show: Show) -> Section:
    """The tables and cumulative-incidence figures of a ``cumulative_incidence`` analysis.

    Parameters
    ----------
    result : cartkit.runner.kinds.cumulative.CumulativeResult
        What the runner computed.
    show : Show
        Printed names and the plan's settings.

    Returns
    -------
    Section
        Table ``<id>`` and its figure ``<id>`` (a panel A, B, ... per subgroup level with an
        event), then the landmark table ``<id>_landmark`` and its figure when there is one.
    """
    analysis = result.analysis
    section = Section()
    others = [f"the landmark analysis at day {f.spec.landmark.day}" for f in result.fits[1:]]
    for fits in result.fits:
        section.tables.append(_table(analysis, show, fits, result.data[fits.id]))
        section.figures += _figures(analysis, show, fits, others)
    return section


PRESENTERS = {"cumulative_incidence": present_cumulative_incidence}
