"""Helpers of the descriptive kinds (baseline, compare, rates, event_summary): levels and groups.

Level order, the groups of a table and the patients it leaves out. One convention for every
descriptive table: the levels of a
boolean (or 0/1) variable are listed True (1) first, then False (0), so a group column or a
rate reads "with the condition" before "without"; other levels follow the printed level
labels' order when cartkit knows it, else cartkit's order (categorical order, else sorted).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from ...errors import DataError


def is_boolean_levels(levels) -> bool:
    """Whether the observed levels are those of a yes/no variable (booleans or 0/1)."""
    levels = list(levels)
    if not levels:
        return False
    for lv in levels:
        if isinstance(lv, bool | np.bool_):
            continue
        if isinstance(lv, int | float | np.number) and lv in (0, 1):
            continue
        return False
    return True


def order_levels(ctx, variable: str, levels) -> list:
    """``levels`` (values as found in the data) in the printing order (module docstring)."""
    levels = list(levels)
    if is_boolean_levels(levels):
        return sorted(levels, key=lambda lv: not bool(lv))
    known = list(ctx.names.levels.get(variable, {}))

    def rank(item):
        i, lv = item
        for j, k in enumerate(known):
            if type(k) is type(lv) and k == lv:
                return (0, j)
        return (1, i)

    return [lv for _, lv in sorted(enumerate(levels), key=rank)]


def observed_levels(series: pd.Series) -> list:
    """Distinct non-missing values of a column, in cartkit's order (categorical, else sorted)."""
    s = series.dropna()
    if isinstance(s.dtype, pd.CategoricalDtype):
        return [lv for lv in s.cat.categories if (s == lv).any()]
    return sorted(s.unique(), key=lambda v: (str(type(v)), v))


def as_text(value) -> str | None:
    """A level or group value as the text stored in a table's data (None stays None)."""
    if value is None:
        return None
    if isinstance(value, bool | np.bool_):
        return str(bool(value))
    if isinstance(value, np.integer | np.floating):
        return str(value.item())
    return str(value)


def same(a, b) -> bool:
    """Equality of two data values that never raises (NA is equal to nothing)."""
    try:
        return bool(a == b)
    except (TypeError, ValueError):
        return False


def matches(values: pd.Series, value) -> np.ndarray:
    """Which entries of a column equal ``value``, as :func:`same` (NA equals nothing)."""
    try:
        equal = values == value
    except (TypeError, ValueError):  # values pandas cannot compare at once: one by one
        return np.array([same(v, value) for v in values], dtype=bool)
    return pd.Series(equal, index=values.index).fillna(False).to_numpy(dtype=bool)


def no_p_note(label: str, values: pd.Series, reason: str) -> str:
    """Why a variable has no p-value, in words (a single observed value said plainly)."""
    if values.isna().all():
        return f"{label}: no p-value (no patient has a value)"
    if len(observed_levels(values)) == 1:
        return f"{label}: no p-value (every patient has the same value)"
    return f"{label}: no p-value ({reason})"


def usable_variables(variables, frame: pd.DataFrame, ctx, notes: list[str]) -> list[str]:
    """The variables of ``frame`` among ``variables``; a note for each one it does not have."""
    out = []
    for var in variables:
        if var in frame:
            out.append(var)
        else:
            notes.append(f"{var!r} is not a variable of this study; left out of the table")
    if not out:
        raise DataError(f"none of the variables {list(variables)} is in the study's data")
    return out


def grouping(pats: pd.DataFrame, group: str | None, ctx, notes: list[str], *, required: bool):
    """The analysed patients (group known) and the groups ``[(value, printed label, size)]``.

    Patients with a missing group are left out (a note says how many). When the group is
    missing for everyone, a ``required`` group raises DataError; otherwise the patients are
    returned ungrouped (no groups) with a note.
    """
    if group is None:
        return pats, []
    if group not in pats:
        raise DataError(f"group variable {group!r} is not a column of the patients data")
    known = pats[group].notna().to_numpy()
    unknown = int((~known).sum())
    if unknown == len(pats):
        if required:
            raise DataError(f"{ctx.label(group)} ({group!r}) is missing for every patient")
        notes.append(
            f"{ctx.label(group)} is missing for every patient: the table is not split by it"
        )
        return pats, []
    if unknown:
        notes.append(f"{unknown} patient(s) with unknown {ctx.label(group)} are left out")
    data = pats[known]
    levels = order_levels(ctx, group, observed_levels(data[group]))
    cols = []
    for lv in levels:
        size = int(matches(data[group], lv).sum())
        cols.append((lv, ctx.level_label(group, lv), size))
    if len(levels) < 2:
        notes.append(f"{ctx.label(group)} takes one value: no p-value")
    return data, cols
