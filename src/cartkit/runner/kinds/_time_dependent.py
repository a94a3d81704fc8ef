"""Counting-process rows for the runner's time-dependent analyses (Simon-Makuch, Cox).

A yes/no variable that records an event after time zero (the registry's ``event_day`` role:
HSCT after CAR-T on ``hsct_day``, B-cell recovery on ``bca_loss_day``) becomes a 0/1 covariate
that switches on at its day: each patient's follow-up ``(0, time]`` is cut there by
:func:`cartkit.counting_process` (R's ``tmerge``), so a patient is "no HSCT" until the day of
the transplant and "HSCT" from then on. An event on the day of the change counts under the old
value, as R.

Patients whose switch cannot be placed in time are left out: the variable is missing, or it
says the event happened but its day is missing. Patients with a time of 0 are left out too: the
interval (0, 0] is empty (R's ``tmerge`` refuses it as well).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd

from ...derive.registry import event_day_variable
from ...survival import counting_process

__all__ = ["START", "STOP", "Split", "placeable", "split_rows", "time_dependent_variables"]

#: interval columns of the counting-process rows
START, STOP = "_tstart", "_tstop"


@dataclass(frozen=True, eq=False)
class Split:
    """Counting-process rows and the patients left out of them.

    Attributes
    ----------
    rows : pandas.DataFrame
        ``(START, STOP]`` rows: the id, the interval, the event (on a patient's last row) and
        the kept columns, then each switch as a 0/1 column (float: NaN for a patient whose
        switch is unknown, when such patients are kept).
    unknown_day : dict of str to pandas.Series
        Per switch, the ids of the patients who had the event but have no day of it.
    missing : dict of str to pandas.Series
        Per switch, the ids of the patients whose yes/no value is missing.
    zero_time : pandas.Series
        Ids of the patients with a time of 0, who have no interval.
    """

    rows: pd.DataFrame
    unknown_day: dict
    missing: dict
    zero_time: pd.Series


def time_dependent_variables(variables: Sequence[str], columns) -> tuple[str, ...]:
    """The variables among ``variables`` that record an event after time zero.

    Only those whose day variable is a column of the data (``columns``) can be split in time.
    """
    return tuple(
        v
        for v in variables
        if event_day_variable(v) is not None and event_day_variable(v) in columns
    )


def placeable(data: pd.DataFrame, variables: Sequence[str], time: str) -> np.ndarray:
    """Patients a time-dependent fit of ``variables`` keeps (the rule of :func:`split_rows`).

    With no time-dependent variable among ``variables`` every patient is kept; otherwise a
    patient who had an event without its day, or whose time is 0, is left out.
    """
    keep = np.ones(len(data), dtype=bool)
    switches = time_dependent_variables(variables, data.columns)
    if not switches:
        return keep
    keep &= ~(pd.to_numeric(data[time], errors="coerce").to_numpy(dtype=float) <= 0)
    for s in switches:
        had = pd.to_numeric(data[s], errors="coerce").to_numpy(dtype=float) == 1
        day = pd.to_numeric(data[event_day_variable(s)], errors="coerce").to_numpy(dtype=float)
        keep &= ~(had & np.isnan(day))
    return keep


def split_rows(
    data: pd.DataFrame,
    *,
    time: str,
    event: str,
    switches: Sequence[str],
    keep: Sequence[str] = (),
    id: str = "patient_id",
    drop_unknown: bool = True,
) -> Split:
    """Each patient's follow-up cut at the days its ``switches`` turn on.

    Parameters
    ----------
    data : pandas.DataFrame
        One row per patient: ``id``, ``time`` (days), ``event`` (0/1), the switches and their
        day variables (the registry's ``event_day``), and the ``keep`` columns.
    time, event : str
        Follow-up time and event indicator.
    switches : sequence of str
        Yes/no variables recording an event after time zero.
    keep : sequence of str
        Fixed columns copied to every row.
    id : str
        The patient id.
    drop_unknown : bool
        Leave out the patients whose switch is unknown (missing value, or no day); otherwise
        keep them with the switch NaN on every row (a model then leaves them out).

    Returns
    -------
    Split
    """
    days = {s: event_day_variable(s) for s in switches}
    unknown = np.zeros(len(data), dtype=bool)
    unknown_day, missing, base_days, blank = {}, {}, {}, {}
    for s, day_var in days.items():
        value = data[s]
        is_missing = value.isna().to_numpy()
        had = np.zeros(len(data), dtype=bool)
        had[~is_missing] = value[~is_missing].astype(bool).to_numpy()
        day = pd.to_numeric(data[day_var], errors="coerce").to_numpy(dtype=float)
        no_day = had & np.isnan(day)
        missing[s] = data.loc[is_missing, id]
        unknown_day[s] = data.loc[no_day, id]
        unknown |= is_missing | no_day
        blank[s] = set(data.loc[is_missing | no_day, id])
        # the day of a patient without the event is not a switch (a stray value is ignored)
        base_days[f"_day_{s}"] = np.where(had & ~no_day, day, np.nan)
    times = pd.to_numeric(data[time], errors="coerce").to_numpy(dtype=float)
    zero = times <= 0
    zero_time = data.loc[zero, id]
    usable = ~zero & (~unknown if drop_unknown else True)
    cols = list(dict.fromkeys([id, time, event, *(k for k in keep if k not in days)]))
    base = data.loc[usable, cols].assign(**{k: v[usable] for k, v in base_days.items()})
    rows = counting_process(
        base.reset_index(drop=True),
        id=id,
        time=time,
        event=event,
        tdc={s: f"_day_{s}" for s in switches},
        start=START,
        stop=STOP,
    )
    rows = rows.drop(columns=list(base_days))
    if not drop_unknown:
        for s in switches:
            out = rows[id].isin(blank[s]).to_numpy()
            rows[s] = np.where(out, np.nan, rows[s].to_numpy(dtype=float))
    return Split(rows=rows, unknown_day=unknown_day, missing=missing, zero_time=zero_time)
