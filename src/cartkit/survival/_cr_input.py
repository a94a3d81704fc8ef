"""Input checks shared by the competing-risks estimators (cumulative incidence, Gray, Fine-Gray)."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from .._core.checks import numeric_column, require_columns
from ..errors import DataError
from ._km_input import check_times as check_time
from ._km_input import factor_codes, rows_shown


@dataclass(frozen=True)
class CompetingData:
    """Complete cases of a competing-risks data set, as arrays in input row order."""

    time: np.ndarray
    event: np.ndarray
    group: np.ndarray  # integer codes into ``group_levels``
    group_levels: tuple
    strata: np.ndarray  # integer codes into ``strata_levels``
    strata_levels: tuple
    rows: np.ndarray  # positions of the used rows in the input
    n_excluded: int


def check_event(df: pd.DataFrame, column: str, values: np.ndarray, what: str) -> np.ndarray:
    """Event codes as int64; raise DataError unless they are non-negative integers."""
    bad = (values < 0) | (values != np.round(values))
    if bad.any():
        raise DataError(
            f"{what}: column {column!r} must hold 0 (censored) or a positive integer cause "
            f"code (1, 2, ...); found {values[bad][0]!r} at index {rows_shown(df.index, bad)}"
        )
    return values.astype(np.int64)


def _levels(series: pd.Series) -> tuple[np.ndarray, tuple]:
    codes, levels = factor_codes(series)
    return codes, tuple(levels)


def prepare(
    df: pd.DataFrame,
    *,
    time: str,
    event: str,
    group: str | None = None,
    strata: str | None = None,
    what: str = "data",
) -> CompetingData:
    """Check and extract time, event, group and strata; rows with a missing value are dropped."""
    columns = [c for c in (time, event, group, strata) if c is not None]
    require_columns(df, columns, what)
    for c in (time, event):
        if not isinstance(c, str):
            raise DataError(f"{what}: column names must be text, got {c!r}")
    complete = df[columns].notna().all(axis=1).to_numpy()
    rows = np.flatnonzero(complete)
    if len(rows) == 0:
        raise DataError(
            f"{what}: no row has a value in every one of {columns} ({len(df)} row(s) in all); "
            "fill in the missing values"
        )
    data = df.iloc[rows]
    t = numeric_column(data, time, what)
    check_time(data, time, t, what)
    e = check_event(data, event, numeric_column(data, event, what), what)
    if group is None:
        g, g_levels = np.zeros(len(rows), dtype=np.int64), (None,)
    else:
        g, g_levels = _levels(data[group])
    if strata is None:
        s, s_levels = np.zeros(len(rows), dtype=np.int64), (None,)
    else:
        s, s_levels = _levels(data[strata])
    return CompetingData(
        time=t,
        event=e,
        group=g,
        group_levels=g_levels,
        strata=s,
        strata_levels=s_levels,
        rows=rows,
        n_excluded=int(len(df) - len(rows)),
    )
