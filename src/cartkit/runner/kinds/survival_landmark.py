"""Landmark analysis of a survival comparison by an event after time zero (HSCT after CAR-T).

Comparing patients by whether they were transplanted after infusion counts the time before the
transplant, which a transplanted patient must survive, in favour of the transplanted group
(immortal-time bias). The landmark analysis fixes a day L (the median day of the event among
the patients who had it, rounded up), keeps the patients still followed at L (time >= L),
groups them by the event on or before L, and measures time from L: the groups are then defined
by what was known at the start of their follow-up.
"""

from __future__ import annotations

import math
from dataclasses import replace

import numpy as np
import pandas as pd

from ...derive.registry import event_day_variable
from ...errors import DataError
from ...report.types import ReportTable
from ..output import Output
from ._survival_common import (
    blocks,
    endpoint_name,
    figure_ids,
    sentence_case,
    table_abbreviations,
)
from .survival import (
    COLUMN_LABELS,
    Spec,
    assemble,
    fit_block,
    footnotes,
)
from .survival_figures import figure

__all__ = [
    "bias_note",
    "landmark",
    "landmark_day",
    "landmark_footnote",
    "landmark_labels",
    "landmark_rows",
]

LM_TIME = "_landmark_time"
LM_GROUP = "_landmark_group"


def landmark_day(days: np.ndarray) -> int:
    """The landmark: the median of the event days, rounded up to a whole day."""
    return math.ceil(float(np.median(days)))


def _ids(ids: pd.Series) -> str:
    shown = ", ".join(str(x) for x in ids.iloc[:10])
    return shown + (f" and {len(ids) - 10} more" if len(ids) > 10 else "")


def bias_note(analysis, ctx) -> str:
    """The note that a comparison by an event after time zero suffers from immortal-time bias."""
    group = analysis.group
    return (
        f"The comparison by {sentence_case(ctx.label(group))} is subject to immortal-time bias: "
        f"{ctx.level_label(group, True)} happens after infusion (time zero), so a patient must "
        "live free of the endpoint's event until then to be counted in that group, and this "
        f"guaranteed event-free time favours it. Table {analysis.id}_landmark compares the "
        "groups from a landmark instead; a model with it as a time-dependent covariate "
        "would use every patient (not done)."
    )


def landmark_rows(analysis, ctx, data: pd.DataFrame, time: str, notes: list[str]):
    """The rows of a landmark analysis (with ``LM_TIME``, ``LM_GROUP``), its day, and n had.

    Patients with the event but no day of it, and patients whose time ends before the
    landmark, are left out with a note. ``None`` (and a note) when no landmark can be set.
    """
    group = analysis.group
    day_var = event_day_variable(group)
    if day_var not in data:
        raise DataError(f"the day variable {day_var!r} of {group!r} is not in the patients data")
    name = ctx.label(group)
    had = data[group].astype(bool).to_numpy()
    day = pd.to_numeric(data[day_var], errors="coerce").to_numpy(dtype=float)
    unknown = had & np.isnan(day)
    if unknown.any():
        notes.append(
            f"Landmark analysis: {int(unknown.sum())} patient(s) with {name} but no "
            f"{ctx.label(day_var)} are left out ({_ids(data.loc[unknown, 'patient_id'])})"
        )
    known = had & ~unknown
    if not known.any():
        notes.append(f"Landmark analysis not done: no patient with {name} has its day")
        return None
    lm_day = landmark_day(day[known])
    times = data[time].to_numpy(dtype=float)
    early = ~unknown & (times < lm_day)
    if early.any():
        notes.append(
            f"Landmark analysis at day {lm_day}: {int(early.sum())} patient(s) with an event "
            f"or censoring before the landmark are left out "
            f"({_ids(data.loc[early, 'patient_id'])})"
        )
    keep = ~unknown & ~early
    if not keep.any():
        notes.append(f"Landmark analysis not done: no patient is followed to day {lm_day}")
        return None
    lm = data[keep].copy()
    lm[LM_GROUP] = (had & (day <= lm_day))[keep]
    lm[LM_TIME] = times[keep] - lm_day
    return lm.reset_index(drop=True), lm_day, int(known.sum())


def landmark_labels(ctx, group: str, lm_day: int) -> dict:
    """``{False: "No HSCT by day 73", True: "HSCT by day 73"}``."""
    return {level: f"{ctx.level_label(group, level)} by day {lm_day}" for level in (False, True)}


def landmark_footnote(ctx, group: str, lm_day: int, n_had: int) -> str:
    """How the landmark was chosen and who is compared."""
    return (
        f"Landmark analysis at day {lm_day} after infusion, the median day of "
        f"{ctx.label(group)} among the {n_had} patients who had it, rounded up to a whole "
        "day: patients with an event or censoring before the landmark are left out, the "
        "groups are by the event on or before the landmark (later events count as none), and "
        "times are measured from the landmark."
    )


def landmark(analysis, ctx, data: pd.DataFrame, spec: Spec, out: Output) -> None:
    """Add the landmark table ``<id>_landmark``, its figures and notes to ``out``.

    Parameters
    ----------
    analysis : cartkit.plan.schema.Survival
        The analysis; its group records an event after time zero.
    ctx : cartkit.runner.context.Context
        The datasets of the plan run.
    data : pandas.DataFrame
        The analysed rows (complete group and subgroup).
    spec : Spec
        The naive analysis' settings (time points, medians, interval).
    out : Output
        Receives the table, figures and notes.
    """
    group = analysis.group
    out.notes.append(bias_note(analysis, ctx))
    found = landmark_rows(analysis, ctx, data, spec.time, out.notes)
    if found is None:
        return
    lm, lm_day, n_had = found
    labels = landmark_labels(ctx, group, lm_day)
    lm_spec = replace(
        spec, time=LM_TIME, group=LM_GROUP, labels=labels, follow_up=False, landmark=lm_day
    )
    fitted = []
    for level, rows in blocks(lm, analysis.subgroup):
        label = None if level is None else ctx.level_label(analysis.subgroup, level)
        fitted.append(fit_block(rows, lm_spec, label, out.notes))
    heading = f"{ctx.label(group)} by day {lm_day}"
    table_data, display, styles = assemble(fitted, lm_spec, heading)
    table_data.insert(0, "landmark_day", lm_day)
    notes = [landmark_footnote(ctx, group, lm_day, n_had), *footnotes(lm_spec, table_data)]
    what = sentence_case(endpoint_name(analysis.endpoint))
    title = f"{analysis.title}: landmark analysis at day {lm_day}"
    out.tables.append(
        ReportTable(
            id=f"{analysis.id}_landmark",
            analysis_id=analysis.id,
            title=title,
            source=analysis.source,
            data=table_data,
            display=display,
            row_styles=styles,
            footnotes=tuple(notes),
            abbreviations=table_abbreviations(title, display, notes),
            column_labels={
                **COLUMN_LABELS,
                "landmark_day": "Landmark, day",
                "time_years": "Years from the landmark",
            },
        )
    )
    ids = figure_ids(f"{analysis.id}_landmark", len(fitted))
    for fig_id, block in zip(ids, fitted, strict=True):
        fig = figure(
            analysis,
            ctx,
            lm_spec,
            block,
            fig_id,
            xlabel=f"Months since the landmark (day {lm_day})",
            what=what,
        )
        out.figures.append(replace(fig, title=f"{fig.title} (landmark at day {lm_day})"))
