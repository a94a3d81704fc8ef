"""Counting-process data from a per-subject table and dated events, as R survival's ``tmerge``.

A subject followed from 0 to ``time`` becomes rows ``(tstart, tstop]`` cut at the days its
time-dependent covariates change. R's conventions (Therneau, Crowson & Atkinson, "Using time
dependent covariates and time dependent coefficients in the Cox model", survival vignette):

* a covariate that changes on day ``d`` takes its new value on the rows that start at or after
  ``d``, i.e. from ``(d, ...]`` on: the day of the change still has the old value;
* so an event on the same day as the change is counted under the old value (an HSCT on the day
  of death is "no HSCT" at the death); a change on or after the last day is never seen;
* a change on or before day 0 (the time origin) holds from the first row;
* a missing day means the change never happens (a record with a missing day or value is
  ignored, R's ``na.rm = TRUE``); records of subjects not in the table are ignored.
"""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np
import pandas as pd

from .._core.checks import numeric_column, require_columns
from .._core.frames import plain_text_result
from ..errors import DataError

__all__ = ["counting_process"]

_SHOW = 5


def _ids(values) -> str:
    shown = ", ".join(map(str, list(values)[:_SHOW]))
    return shown + (f" and {len(values) - _SHOW} more" if len(values) > _SHOW else "")


def _check_base(base: pd.DataFrame, id_col: str, time: str, event: str):
    require_columns(base, [id_col, time, event], "counting_process")
    ids = base[id_col]
    if ids.isna().any():
        raise DataError(
            f"counting_process: column {id_col!r} is missing at index "
            f"{base.index[ids.isna().to_numpy()][:_SHOW].tolist()}; every subject needs an id"
        )
    dup = ids[ids.duplicated()]
    if len(dup):
        raise DataError(
            f"counting_process: {id_col!r} repeats ({_ids(dup.unique())}); the base table has "
            "one row per subject (R's tmerge needs the same)"
        )
    t = numeric_column(base, time, "counting_process")
    bad = ~np.isfinite(t) | ~(t > 0)
    if bad.any():
        raise DataError(
            f"counting_process: {time!r} must be a number > 0 for every subject (an interval "
            f"(0, time] must not be empty); not so for {id_col} {_ids(ids[bad])}. Drop them, or "
            "give an event on day 0 a time such as 0.5 (R's tmerge refuses them too)"
        )
    e = numeric_column(base, event, "counting_process")
    bad = ~np.isin(e, [0.0, 1.0])
    if bad.any():
        raise DataError(
            f"counting_process: {event!r} must be 0 or 1 for every subject; not so for "
            f"{id_col} {_ids(ids[bad])}"
        )
    return t, e


def _records(spec, name: str, base: pd.DataFrame, id_col: str, what: str):
    """Dated records of one covariate: subject code (row of ``base``), day, value or None.

    Records with a missing day or value, or of a subject not in ``base``, are dropped.
    """
    if isinstance(spec, str):
        require_columns(base, [spec], f"counting_process {what} {name!r}")
        frame, day, value = base[[id_col, spec]], spec, None
    elif isinstance(spec, tuple) and len(spec) in (2, 3) and isinstance(spec[0], pd.DataFrame):
        frame, day = spec[0], spec[1]
        value = spec[2] if len(spec) == 3 else None
        require_columns(frame, [id_col, day, value], f"counting_process {what} {name!r}")
    else:
        raise DataError(
            f"counting_process: {what} {name!r} must be a column of the base table holding the "
            "day of a 0/1 switch, or a tuple (table, day column[, value column]) of dated "
            f"records with the {id_col!r} column; got {type(spec).__name__}"
        )
    code = pd.Index(base[id_col]).get_indexer(frame[id_col])
    days = numeric_column(frame, day, f"counting_process {what} {name!r}")
    keep = (code >= 0) & ~np.isnan(days)
    values = None
    if value is not None:
        keep &= frame[value].notna().to_numpy()
        values = frame[value].to_numpy()[keep]
    return code[keep], days[keep], values


def _cut_points(time: np.ndarray, records: list) -> tuple[np.ndarray, ...]:
    """Rows (code, tstart, tstop): every subject cut at the record days inside (0, time)."""
    n = len(time)
    codes = [np.arange(n), np.arange(n)]
    days = [np.zeros(n), time]
    for code, day, _ in records:
        inside = (day > 0) & (day < time[code])
        codes.append(code[inside])
        days.append(day[inside])
    code, day = np.concatenate(codes), np.concatenate(days)
    order = np.lexsort((day, code))
    code, day = code[order], day[order]
    fresh = np.r_[True, (code[1:] != code[:-1]) | (day[1:] != day[:-1])]
    code, day = code[fresh], day[fresh]
    same = code[1:] == code[:-1]
    return code[1:][same], day[:-1][same], day[1:][same]


def _value_at_start(code, tstart, records, kind: str) -> np.ndarray:
    """The covariate on each row: the last record on or before the row's start (tmerge2)."""
    rec_code, rec_day, rec_value = records
    # one exact integer key per (subject, day) over the records' and the rows' days
    uniq = np.unique(np.concatenate([rec_day, tstart]))
    width = np.int64(len(uniq) + 1)
    order = np.lexsort((rec_day, rec_code))  # stable: equal days keep their input order
    rec_key = rec_code[order] * width + np.searchsorted(uniq, rec_day[order])
    row_key = code * width + np.searchsorted(uniq, tstart)
    last = np.searchsorted(rec_key, row_key, side="right") - 1
    first = np.searchsorted(rec_key, code * width, side="left")
    n_before = np.maximum(last - first + 1, 0)  # records of the subject on or before tstart
    if kind == "count":
        return n_before.astype(np.int64)
    if kind == "switch":
        return (n_before > 0).astype(np.int64)
    values = pd.Series(rec_value[order]) if len(order) else pd.Series([], dtype=float)
    out = values.reindex(np.where(n_before > 0, last, -1))
    return out.to_numpy()


@plain_text_result
def counting_process(
    base: pd.DataFrame,
    *,
    id: str,
    time: str,
    event: str,
    tdc: Mapping[str, str | tuple] | None = None,
    counts: Mapping[str, tuple] | None = None,
    start: str = "tstart",
    stop: str = "tstop",
) -> pd.DataFrame:
    """Split each subject's follow-up at the days its covariates change (R ``tmerge``).

    Parameters
    ----------
    base : pandas.DataFrame
        One row per subject: ``id``, follow-up ``time`` (> 0, from day 0), ``event`` (0/1 at
        ``time``), and any fixed covariates, which are copied to every row.
    id : str
        Column identifying the subject.
    time, event : str
        Columns of the end of follow-up and of the event indicator.
    tdc : mapping, optional
        New time-dependent covariates (R ``tdc()``), name to either

        * a column of ``base`` holding the day of a 0/1 switch (missing: never), e.g.
          ``{"hsct": "hsct_day"}``: 0 before the day, 1 from it on;
        * ``(table, day)``: dated records of ``table`` (with the ``id`` column); a 0/1 switch
          at the subject's first record;
        * ``(table, day, value)``: the covariate takes ``value`` from each record's day on
          (last value carried forward; missing before the first record).
    counts : mapping, optional
        New cumulative counts (R ``cumtdc()``), name to ``(table, day)``: the number of the
        subject's records on or before each row's start (e.g. infections so far).
    start, stop : str
        Names of the interval columns of the result.

    Returns
    -------
    pandas.DataFrame
        Rows ``(start, stop]`` per subject in the order of ``base``, then by time: ``id,
        start, stop, event`` and the other columns of ``base`` (``time`` is replaced by the
        intervals), then the ``tdc`` and ``counts`` columns. The intervals of a subject are
        contiguous from 0 to its ``time``; ``event`` is its event on the last row, 0 before.
        Fit with ``cox(rows, start=start, time=stop, event=event, covariates=[...],
        cluster=id)`` or ``kaplan_meier(rows, start=start, time=stop, ..., id=id)``.

    Raises
    ------
    cartkit.errors.DataError
        A missing or repeated id, a time that is not > 0, an event not 0/1, a missing column,
        or a new column name that clashes with a column of ``base``.

    Notes
    -----
    As R's tmerge: a covariate changing on day ``d`` holds on the rows starting at or after
    ``d``, so an event on day ``d`` is counted under the old value; a change on or before day
    0 holds from the start; a change on or after ``time`` is never seen.
    """
    times, events = _check_base(base, id, time, event)
    tdc, counts = dict(tdc or {}), dict(counts or {})
    new = [*tdc, *counts, start, stop]
    clash = [c for c in new if c in base.columns and c not in (time,)]
    if clash or len(set(new)) != len(new):
        raise DataError(
            f"counting_process: the new column name(s) {sorted(set(clash) or set(new))} clash "
            "with a column of the base table or with each other; choose other names"
        )
    records = {name: _records(spec, name, base, id, "tdc") for name, spec in tdc.items()}
    records.update(
        {name: _records(spec, name, base, id, "counts") for name, spec in counts.items()}
    )
    code, tstart, tstop = _cut_points(times, list(records.values()))
    fixed = base.drop(columns=[time]).reset_index(drop=True)
    out = fixed.iloc[code].reset_index(drop=True)
    out.insert(1, start, tstart)
    out.insert(2, stop, tstop)
    last = np.r_[code[1:] != code[:-1], True]
    ev = np.where(last, events[code], 0.0)
    # keep the event column's type (0/1 integers, booleans or floats)
    out[event] = ev.astype(base[event].dtype if base[event].dtype != object else np.int64)
    out = out[[id, start, stop, event] + [c for c in fixed.columns if c not in (id, event)]]
    for name, spec in tdc.items():
        kind = "value" if isinstance(spec, tuple) and len(spec) == 3 else "switch"
        out[name] = _value_at_start(code, tstart, records[name], kind)
    for name in counts:
        out[name] = _value_at_start(code, tstart, records[name], "count")
    return out
