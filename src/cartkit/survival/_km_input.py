"""Input checks of the survival estimators: right-censored data as arrays, times, factors.

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
    """

    time: np.ndarray
    event: np.ndarray
    codes: np.ndarray
    levels: list
    strata_codes: np.ndarray | None
    strata_levels: list | None
    n_excluded: int


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


def survival_data(
    df: pd.DataFrame,
    *,
    time: str,
    event: str,
    group: str | None = None,
    strata: str | None = None,
    what: str = "data",
) -> SurvData:
    """Check a right-censored data set and return its complete rows as arrays.

    Rows with a missing time, event, group or stratum are excluded and counted; a negative or
    infinite time, or an event that is not 0/1, raises DataError naming the rows.
    """
    columns = [c for c in (time, event, group, strata) if c is not None]
    require_columns(df, columns, what)
    t = _times(df, time, what)
    e = _events(df, event, what)
    missing = np.isnan(t) | np.isnan(e)
    for col in (group, strata):
        if col is not None:
            missing |= df[col].isna().to_numpy()
    keep = ~missing
    n_excluded = int(missing.sum())
    if not keep.any():
        raise DataError(
            f"{what}: no row has all of {', '.join(map(repr, columns))} present"
            f" ({len(df)} rows, all excluded as missing)"
        )
    if n_excluded:
        t, e = t[keep], e[keep]
    if group is None:
        codes, levels = np.zeros(len(t), dtype=np.int64), [None]
    else:
        codes, levels = factor_codes(df[group][keep] if n_excluded else df[group])
    s_codes = s_levels = None
    if strata is not None:
        s_codes, s_levels = factor_codes(df[strata][keep] if n_excluded else df[strata])
    return SurvData(t, e.astype(bool), codes, levels, s_codes, s_levels, n_excluded)
