"""Input checks of the survival estimators: survival data as arrays, times, factors.

Right-censored rows ``(time, event)`` or counting-process rows ``(start, time, event)``: a row is
at risk at ``t`` when ``start < t <= time`` (delayed entry, or one subject over several rows).

Kaplan-Meier, log-rank and follow-up use :func:`survival_data`; the competing-risks input
(``_cr_input``) shares the time check and the factor coding.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from .._core.checks import numeric_column, require_columns
from ..errors import DataError

_SHOW = 5  # rows named in an error message


@dataclass(frozen=True)
class SurvData:
    """Complete rows of a survival data set, as arrays.

    ``codes`` index ``levels`` (group levels in R's factor order); ``strata_codes`` likewise.
    ``start`` is None for right-censored data; ``real_end`` marks rows whose ``time`` ends
    the follow-up of their subject in their group (all rows unless ``id`` was given).
    """

    time: np.ndarray
    event: np.ndarray
    codes: np.ndarray
    levels: list
    strata_codes: np.ndarray | None
    strata_levels: list | None
    n_excluded: int
    start: np.ndarray | None = None
    real_end: np.ndarray | None = None
    n_ids: np.ndarray | None = None  # distinct ids per group, when id was given


def rows_shown(index: pd.Index, mask: np.ndarray) -> str:
    """The first row labels where ``mask`` holds, for an error message."""
    rows = index[mask][:_SHOW].tolist()
    more = int(mask.sum()) - len(rows)
    return f"{rows}" + (f" and {more} more" if more > 0 else "")


def check_times(df: pd.DataFrame, column: str, values: np.ndarray, what: str) -> None:
    """Raise DataError naming the rows when times are infinite or negative (NaN is let pass)."""
    bad = np.isinf(values)
    if bad.any():
        raise DataError(
            f"{what}: column {column!r} has infinite times at index {rows_shown(df.index, bad)};"
            " give the last follow-up time and mark the row censored (event 0) instead"
        )
    with np.errstate(invalid="ignore"):
        bad = values < 0
    if bad.any():
        first = values[bad][0]
        raise DataError(
            f"{what}: column {column!r} has negative times at index {rows_shown(df.index, bad)}"
            f" (e.g. {first:g}); survival times are measured from the origin (day 0) and must"
            " be >= 0: check the origin or the sign"
        )


def _times(df: pd.DataFrame, column: str, what: str) -> np.ndarray:
    values = numeric_column(df, column, what)
    check_times(df, column, values, what)
    return values


def _events(df: pd.DataFrame, column: str, what: str) -> np.ndarray:
    """Event indicator as float 0/1 with NaN where missing; DataError for any other value."""
    col = df[column]
    if pd.api.types.is_bool_dtype(col.dtype):
        return col.astype("float64").to_numpy(dtype="float64", na_value=np.nan)
    values = pd.to_numeric(col, errors="coerce").to_numpy(dtype="float64", na_value=np.nan)
    present = col.notna().to_numpy()
    bad = present & ~((values == 0) | (values == 1))
    if bad.any():
        example = col[bad].iloc[0]
        example = example.item() if isinstance(example, np.generic) else example
        raise DataError(
            f"{what}: column {column!r} must be 0 (censored) or 1 (event), or True/False;"
            f" found {example!r} at index {rows_shown(df.index, bad)}. Recode it (e.g. status == 2"
            " for R's lung data); for several event types use cumulative_incidence"
        )
    return values


def factor_codes(values: pd.Series) -> tuple[np.ndarray, list]:
    """Integer codes and levels in R's factor order (categories order, else sorted)."""
    if isinstance(values.dtype, pd.CategoricalDtype):
        values = values.cat.remove_unused_categories()
        return values.cat.codes.to_numpy(dtype=np.int64), list(values.cat.categories)
    try:
        codes, uniques = pd.factorize(values, sort=True)
    except TypeError:  # mixed types that do not sort: keep order of appearance
        codes, uniques = pd.factorize(values, sort=False)
    levels = [u.item() if isinstance(u, np.generic) else u for u in uniques]
    return codes.astype(np.int64), levels


def _check_intervals(df: pd.DataFrame, start: str, time: str, begin, stop, what: str) -> None:
    with np.errstate(invalid="ignore"):
        bad = begin >= stop
    if bad.any():
        raise DataError(
            f"{what}: {int(bad.sum())} row(s) end no later than they start ({start!r} >= "
            f"{time!r}) at index {rows_shown(df.index, bad)}; every (start, stop] interval "
            "needs start < stop: drop empty intervals, or give an event on day 0 a stop after 0"
        )


def _real_ends(start, stop, codes, ids, df: pd.DataFrame, what: str) -> np.ndarray:
    """Rows that end a run of contiguous intervals of one id in one group (R's survflag).

    Only those are censorings or entries; a split inside a run (a covariate changed) is not.
    """
    order = np.lexsort((stop, ids, codes))
    g, i, a, b = codes[order], ids[order], start[order], stop[order]
    same = (g[1:] == g[:-1]) & (i[1:] == i[:-1])
    overlap = same & (a[1:] < b[:-1])
    if overlap.any():
        shown = rows_shown(df.index[order[1:]], overlap)
        raise DataError(
            f"{what}: intervals of one id overlap at index {shown}; the (start, stop] rows "
            "of a subject must not overlap (one row per period)"
        )
    ends = np.ones(len(order), dtype=bool)
    ends[:-1] = ~(same & (a[1:] == b[:-1]))
    out = np.empty_like(ends)
    out[order] = ends
    return out


def survival_data(
    df: pd.DataFrame,
    *,
    time: str,
    event: str,
    group: str | None = None,
    strata: str | None = None,
    start: str | None = None,
    id: str | None = None,
    what: str = "data",
) -> SurvData:
    """Check a survival data set and return its complete rows as arrays.

    Rows with a missing start, time, event, group, stratum or id are excluded and counted; a
    negative or infinite time, an interval with start >= time, or an event that is not 0/1
    raises DataError naming the rows. ``id`` (with ``start``) names the subject of each row.
    """
    if id is not None and start is None:
        raise DataError(f"{what}: id needs start (it joins the (start, stop] rows of a subject)")
    columns = [c for c in (start, time, event, group, strata, id) if c is not None]
    require_columns(df, columns, what)
    t = _times(df, time, what)
    e = _events(df, event, what)
    missing = np.isnan(t) | np.isnan(e)
    b = None
    if start is not None:
        b = _times(df, start, what)
        missing |= np.isnan(b)
    for col in (group, strata, id):
        if col is not None:
            missing |= df[col].isna().to_numpy()
    keep = ~missing
    n_excluded = int(missing.sum())
    if not keep.any():
        raise DataError(
            f"{what}: no row has all of {', '.join(map(repr, columns))} present"
            f" ({len(df)} rows, all excluded as missing)"
        )
    used = df[keep] if n_excluded else df
    if n_excluded:
        t, e = t[keep], e[keep]
        b = None if b is None else b[keep]
    if b is not None:
        _check_intervals(used, start, time, b, t, what)
    if group is None:
        codes, levels = np.zeros(len(t), dtype=np.int64), [None]
    else:
        codes, levels = factor_codes(used[group])
    s_codes = s_levels = None
    if strata is not None:
        s_codes, s_levels = factor_codes(used[strata])
    real_end = n_ids = None
    if id is not None:
        ids = pd.factorize(used[id])[0]
        real_end = _real_ends(b, t, codes, ids, used, what)
        pairs = pd.DataFrame({"g": codes, "i": ids}).drop_duplicates()
        n_ids = np.bincount(pairs["g"].to_numpy(), minlength=len(levels))
    return SurvData(
        t, e.astype(bool), codes, levels, s_codes, s_levels, n_excluded, b, real_end, n_ids
    )
