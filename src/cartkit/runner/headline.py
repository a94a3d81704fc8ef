"""The headline numbers, taken from the analyses' own results as the plan's ``[headline]`` says.

Nothing is computed here: each item names one row of an analysis's numeric table, so the
headline repeats the report's numbers whatever the plan's settings (confidence level,
interval type, time points).
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping

import numpy as np
import pandas as pd

from .._core.units import years_to_days

__all__ = ["headline_values"]

_COUNTS = ("n_events", "n", "n_risk")


def _matches(column: pd.Series, value) -> np.ndarray:
    if isinstance(value, bool) or isinstance(value, str):
        return (column.astype(object) == value).to_numpy(dtype=bool)
    numbers = pd.to_numeric(column, errors="coerce").to_numpy(dtype=float)
    return np.isclose(numbers, float(value), rtol=1e-12, atol=0.0)


def _row(table: pd.DataFrame, where) -> pd.Series | None:
    keep = np.ones(len(table), dtype=bool)
    for column, value in where:
        if column not in table:
            return None
        keep &= _matches(table[column], value)
    return table[keep].iloc[0] if keep.sum() == 1 else None


def _number(value):
    try:
        x = float(value)
    except (TypeError, ValueError):
        return None
    return x if math.isfinite(x) else None


def _shown(item, row: pd.Series):
    if item.show == "number":
        return _number(row.get(item.column))
    out = {k: _number(row.get(k)) for k in ("estimate", "ci_lower", "ci_upper")}
    if item.show == "rate":
        keys = ("n_events", "n")
    else:
        keys = ("n_risk",)
        years = _number(row.get("time_years"))
        out["time_days"] = None if years is None else float(years_to_days(years))
    for k in keys:
        v = _number(row.get(k))
        out[k] = None if v is None else int(v)
    if item.show == "survival":
        out["not_estimable"] = _not_estimable(row, out)
    return out


def _not_estimable(row: pd.Series, shown: dict) -> str | None:
    """Why an estimate at a time point is not given: no patient is followed to it (0 at risk).

    The table's own row says so: its estimate is missing and nobody is at risk then (a curve
    that reached 0 before keeps its estimate there).
    """
    if shown.get("n_risk") != 0 or shown.get("estimate") is not None:
        return None
    for k in ("estimate", "ci_lower", "ci_upper"):
        shown[k] = None
    years = _number(row.get("time_years"))
    longest = _number(row.get("longest_follow_up_months"))
    text = "no patient is followed"
    if years is not None:
        text += f" to {years:g} year{'' if years == 1 else 's'}"
    if longest is not None:
        text += f" (longest follow-up {longest:.1f} months)"
    return text


def headline_values(
    items: Iterable, tables: Mapping[str, list[tuple[str, pd.DataFrame]]], n_patients: int
) -> dict:
    """The headline numbers of a plan run.

    Parameters
    ----------
    items : iterable of cartkit.plan.schema.HeadlineItem
        The plan's ``[headline]``.
    tables : mapping of str to list of (str, DataFrame)
        The numeric tables of each analysis (by analysis id), as ``(table id, data)``.
    n_patients : int
        Patients in the study.

    Returns
    -------
    dict
        ``n_patients`` and one entry per item: a number, or a dict of the estimate, its CI
        and counts; None where the analysis did not run or no single row matches. A
        ``survival`` item also has ``not_estimable``: None, or why the estimate and its CI
        are None (no patient is followed to the time point, with the longest follow-up).
    """
    out: dict = {"n_patients": int(n_patients)}
    for item in items:
        found = dict(tables.get(item.analysis, []))
        table_id = item.table or next(iter(found), None)
        table = found.get(table_id) if table_id is not None else None
        row = None if table is None else _row(table, item.where)
        out[item.key] = None if row is None else _shown(item, row)
    return out
