"""Argument checks shared by the analysis functions: clear errors, never asserts."""

from __future__ import annotations

from collections.abc import Iterable

import numpy as np
import pandas as pd

from .errors import DataError


def require_columns(df: pd.DataFrame, columns: Iterable[str], what: str = "data") -> None:
    """Raise DataError naming every column of ``columns`` missing from ``df``."""
    if not isinstance(df, pd.DataFrame):
        raise DataError(f"{what} must be a pandas DataFrame, got {type(df).__name__}")
    missing = [c for c in columns if c is not None and c not in df.columns]
    if missing:
        have = ", ".join(map(str, df.columns)) or "none"
        raise DataError(
            f"{what} has no column(s) {', '.join(map(repr, missing))}; columns present: {have}"
        )


def check_conf_level(conf_level: float) -> float:
    """Return conf_level as float, or raise DataError when it is not in (0, 1)."""
    try:
        value = float(conf_level)
    except (TypeError, ValueError):
        raise DataError(f"conf_level must be a number in (0, 1), got {conf_level!r}") from None
    if not 0.0 < value < 1.0:
        raise DataError(f"conf_level must be in (0, 1), got {conf_level!r}")
    return value


def numeric_column(df: pd.DataFrame, column: str, what: str = "data") -> np.ndarray:
    """Column as float64; raise DataError naming the rows whose values are not numbers."""
    values = pd.to_numeric(df[column], errors="coerce")
    bad = values.isna() & df[column].notna()
    if bad.any():
        rows = df.index[bad.to_numpy()][:5].tolist()
        raise DataError(
            f"{what}: column {column!r} has values that are not numbers at index {rows}"
            f" (e.g. {df.loc[rows[0], column]!r})"
        )
    return values.to_numpy(dtype="float64")


UNSET = object()


def renamed(value, old_value, *, old: str, new: str, where: str):
    """The value of an argument renamed ``old`` -> ``new`` (the old name works one release).

    Returns ``value`` (the new argument) unless only the old one was given, in which case a
    DeprecationWarning says so and its value is returned. Giving both is an error.
    """
    if old_value is UNSET:
        return value
    if value is not None:
        raise DataError(f"{where}: give {new}= only ({old}= is its old name)")
    import warnings

    warnings.warn(
        f"{where}: {old}= is now {new}=; {old}= goes in the next release",
        DeprecationWarning,
        stacklevel=3,
    )
    return old_value
