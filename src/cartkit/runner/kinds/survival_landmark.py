"""Landmark analysis of a survival comparison by an event after time zero (HSCT after CAR-T).

Comparing patients by whether they were transplanted after infusion counts the time before the
transplant, which a transplanted patient must survive, in favour of the transplanted group
(immortal-time bias). The landmark analysis fixes a day L (the median day of the event among
the patients who had it, rounded up), keeps the patients still followed at L (time >= L),
groups them by the event on or before L, and measures time from L: the groups are then defined
by what was known at the start of their follow-up.

This module selects the landmark rows only; the ``survival`` and ``cumulative_incidence``
kinds fit them as they fit the naive comparison. The event's day variable comes from the
variable registry (:func:`cartkit.derive.registry.event_day_variable`).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import pandas as pd

from ...derive.registry import event_day_variable
from ...errors import DataError
from ...survival import landmark
from ._survival_common import id_list, sentence_case

__all__ = [
    "LM_GROUP",
    "LM_TIME",
    "Landmark",
    "bias_note",
    "landmark_day",
    "landmark_rows",
    "landmark_title",
    "simon_makuch_title",
]

#: columns added to the landmark rows: time from the landmark (days), group at the landmark
LM_TIME = "_landmark_time"
LM_GROUP = "_landmark_group"


@dataclass(frozen=True)
class Landmark:
    """Where a landmark analysis starts and who its groups are.

    Attributes
    ----------
    day : int
        The landmark, in days after infusion.
    n_had : int
        Patients with the event (and its day) whose median day set the landmark.
    labels : dict
        Printed name of each landmark group (``{False: "No HSCT by day 73", True: ...}``).
    """

    day: int
    n_had: int
    labels: dict


def landmark_day(days: np.ndarray) -> int:
    """The landmark: the median of the event days, rounded up to a whole day."""
    return math.ceil(float(np.median(days)))


def landmark_title(title: str, day: int) -> str:
    """The title of the landmark table of an analysis titled ``title``."""
    return f"{title}: landmark analysis at day {day}"


def simon_makuch_title(title: str) -> str:
    """The title of the time-dependent (Simon-Makuch) table of an analysis titled ``title``."""
    return f"{title}: time-dependent groups (Simon-Makuch)"


def bias_note(analysis, ctx, *, landmark_day: int | None, simon_makuch: bool | None) -> str:
    """The note that a comparison by an event after time zero suffers from immortal-time bias.

    It names, by their titles, the tables that avoid the bias and were made: the landmark
    table (``landmark_day``, None when it could not be made) and the time-dependent
    (Simon-Makuch) table of a ``survival`` analysis (``simon_makuch``: whether it was made;
    None for a cumulative incidence, which has the landmark only).
    """
    group = analysis.group
    text = (
        f"The comparison by {sentence_case(ctx.label(group))} is subject to immortal-time bias: "
        f"{ctx.level_label(group, True)} happens after infusion (time zero), so a patient must "
        "live free of the endpoint's event until then to be counted in that group, and this "
        "guaranteed event-free time favours it."
    )
    remedies = []
    if landmark_day is not None:
        remedies.append(
            f'"{landmark_title(analysis.title, landmark_day)}" compares the groups from a '
            "landmark instead"
        )
    if simon_makuch:
        remedies.append(
            f'"{simon_makuch_title(analysis.title)}" compares them with time-dependent groups, '
            "using every patient"
        )
    if remedies:
        text += " The table " + ", and the table ".join(remedies) + "."
    else:
        text += (
            " No landmark or time-dependent analysis could be made (the notes below say why): "
            "read this comparison as biased."
        )
    if simon_makuch is None:
        text += (
            " A time-dependent (Simon-Makuch) version is given for survival only, not for "
            "cumulative incidence."
        )
    return text


def _labels(ctx, group: str, day: int) -> dict:
    return {level: f"{ctx.level_label(group, level)} by day {day}" for level in (False, True)}


def landmark_rows(
    analysis, ctx, data: pd.DataFrame, time: str, notes: list[str]
) -> tuple[pd.DataFrame, Landmark] | None:
    """The rows of a landmark analysis (with ``LM_TIME``, ``LM_GROUP``) and its landmark.

    The rows are :func:`cartkit.landmark`'s at the day :func:`landmark_day` sets. Patients with
    the event but no day of it, and patients whose time ends before the landmark, are left out
    with a note. ``None`` (and a note) when no landmark can be set.

    Raises
    ------
    DataError
        When the day variable of the group is not in the data.
    """
    group = analysis.group
    day_var = event_day_variable(group)
    if day_var not in data:
        raise DataError(f"the day variable {day_var!r} of {group!r} is not in the patients data")
    name = ctx.label(group)
    had = data[group].astype(bool).to_numpy()
    day = pd.to_numeric(data[day_var], errors="coerce").to_numpy(dtype=float)
    known = had & ~np.isnan(day)
    if not known.any():
        if had.any():
            notes.append(_unknown_note(ctx, name, day_var, data.loc[had, "patient_id"]))
        notes.append(f"Landmark analysis not done: no patient with {name} has its day")
        return None
    lm_day = landmark_day(day[known])
    # the landmark time is a copy of the time, measured from the landmark; the time stays
    found = landmark(
        data.assign(**{LM_TIME: data[time]}),
        time=LM_TIME,
        at=lm_day,
        event_day=day_var,
        had=group,
        group=LM_GROUP,
    )
    if len(found.unknown_day):
        notes.append(_unknown_note(ctx, name, day_var, data.loc[found.unknown_day, "patient_id"]))
    if len(found.before):
        notes.append(
            f"Landmark analysis at day {lm_day}: {len(found.before)} patient(s) with an event "
            f"or censoring before the landmark are left out "
            f"({id_list(data.loc[found.before, 'patient_id'])})"
        )
    if found.data.empty:
        notes.append(f"Landmark analysis not done: no patient is followed to day {lm_day}")
        return None
    lm = found.data.astype({LM_GROUP: bool})
    labels = _labels(ctx, group, lm_day)
    return lm.reset_index(drop=True), Landmark(lm_day, found.n_with_day, labels)


def _unknown_note(ctx, name: str, day_var: str, ids: pd.Series) -> str:
    return (
        f"Landmark analysis: {len(ids)} patient(s) with {name} but no "
        f"{ctx.label(day_var)} are left out ({id_list(ids)})"
    )
