"""Landmark data sets: a comparison by an event after time zero, from a fixed day on.

Grouping patients by something that happens after time zero (a transplant after CAR-T) and
comparing their survival from time zero counts the time before the event, which the group must
survive, in that group's favour (immortal-time bias). A landmark analysis (Anderson, Cain &
Gelber 1983) fixes a day L, keeps the patients still followed at L, groups them by whether the
event happened on or before L, and measures time from L. The time-dependent alternative uses
every patient: :func:`cartkit.survival.counting_process` and a Cox model or a Simon-Makuch
Kaplan-Meier curve with ``start``.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from .._core.checks import numeric_column, require_columns
from .._core.frames import plain_text_fields
from ..errors import DataError

__all__ = ["Landmark", "landmark"]


@dataclass(frozen=True, eq=False)
class Landmark:
    """The rows of a landmark analysis and the rows it leaves out.

    Attributes
    ----------
    data : pandas.DataFrame
        The rows still followed at the landmark (``time >= at``), with ``time`` measured from
        the landmark (``time - at``) and, when an event day was given, the boolean column
        ``group``: the event happened on or before the landmark day. Index of the input.
    at : float
        The landmark day.
    group : str or None
        Name of the group column (None without ``event_day``).
    before : pandas.Index
        Rows left out because their follow-up ends before the landmark.
    unknown_day : pandas.Index
        Rows left out because they had the event (``had``) but its day is missing.
    n_with_day : int
        Rows whose event day is known (the landmark day is often chosen from them).
    """

    data: pd.DataFrame
    at: float
    group: str | None
    before: pd.Index
    unknown_day: pd.Index
    n_with_day: int

    def __post_init__(self) -> None:
        plain_text_fields(self)


def landmark(
    df: pd.DataFrame,
    *,
    time: str,
    at: float,
    event: str | None = None,
    event_day: str | None = None,
    had: str | None = None,
    group: str = "landmark_group",
) -> Landmark:
    """Keep the rows at risk at day ``at``, measure time from it, group by an earlier event.

    Parameters
    ----------
    df : pandas.DataFrame
        One row per patient.
    time : str
        Column of follow-up times from the origin (>= 0).
    at : float
        The landmark day (>= 0, in the unit of ``time``).
    event : str, optional
        Column of the endpoint's event indicator; checked (0/1) and carried unchanged.
    event_day : str, optional
        Column of the day of the grouping event (e.g. ``"hsct_day"``); missing when it did not
        happen. The group is true when the day is on or before ``at``.
    had : str, optional
        Column saying whether the grouping event happened (true/false). With it, a row that
        had the event but lacks its day is left out (``unknown_day``) rather than counted as
        no event, and ``event_day`` is ignored where ``had`` is false.
    group : str
        Name of the boolean group column added to ``data``.

    Returns
    -------
    Landmark

    Raises
    ------
    cartkit.errors.DataError
        A missing column, a negative or non-finite ``at``, a time or day that is not a
        number, an event not 0/1, ``had`` without ``event_day``, or a ``group`` name already
        in ``df``.

    Notes
    -----
    A patient whose time equals the landmark day is kept with time 0 from the landmark. Rows
    with a missing time are left out as ``before``.
    """
    try:
        day0 = float(at)
    except (TypeError, ValueError):
        raise DataError(f"landmark: at must be a day (a number >= 0), got {at!r}") from None
    if not np.isfinite(day0) or day0 < 0:
        raise DataError(f"landmark: at must be a day (a number >= 0), got {at!r}")
    if had is not None and event_day is None:
        raise DataError("landmark: had needs event_day (the day of the grouping event)")
    require_columns(df, [c for c in (time, event, event_day, had) if c is not None], "landmark")
    if event_day is not None and group in df.columns:
        raise DataError(f"landmark: column {group!r} exists already; pass another group name")
    t = numeric_column(df, time, "landmark")
    if event is not None:
        e = numeric_column(df, event, "landmark")
        bad = ~np.isnan(e) & ~np.isin(e, [0.0, 1.0])
        if bad.any():
            raise DataError(
                f"landmark: column {event!r} must be 0 or 1; found {e[bad][0]!r} at index "
                f"{df.index[bad][:5].tolist()}"
            )
    keep = ~np.isnan(t) & (t >= day0)
    unknown = np.zeros(len(df), dtype=bool)
    in_group = None
    n_with_day = 0
    if event_day is not None:
        day = numeric_column(df, event_day, "landmark")
        if had is None:
            happened = ~np.isnan(day)
        else:
            happened = df[had].fillna(False).astype(bool).to_numpy()
            unknown = happened & np.isnan(day)
        n_with_day = int((happened & ~np.isnan(day)).sum())
        in_group = happened & ~unknown & (day <= day0)
    before = ~keep & ~unknown
    keep &= ~unknown
    data = df[keep].copy()
    data[time] = t[keep] - day0
    if in_group is not None:
        data[group] = in_group[keep]
    return Landmark(
        data=data,
        at=day0,
        group=group if event_day is not None else None,
        before=df.index[before],
        unknown_day=df.index[unknown],
        n_with_day=n_with_day,
    )
