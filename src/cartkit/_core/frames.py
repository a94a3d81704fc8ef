"""Result tables that hold their text the same way under every supported pandas version.

pandas 3 stores text in its own ``str`` dtype with NaN for a missing value, where pandas 2 kept
Python objects (None or NaN, depending on how the column was made). cartkit's result tables
follow one rule whatever pandas is installed: a text column has dtype ``object`` and holds
``str`` values, with ``None`` where a value is missing. Result objects apply it when they are
made, so a table compares equal, prints and is written the same way under pandas 2 and 3.
"""

from __future__ import annotations

import dataclasses
import functools
from collections.abc import Mapping

import pandas as pd
from pandas.api.types import infer_dtype

__all__ = ["plain_text", "plain_text_fields", "plain_text_result"]


def _needs_plain(frame: pd.DataFrame, i: int, dtype) -> bool:
    if isinstance(dtype, pd.StringDtype):
        return True
    if not pd.api.types.is_object_dtype(dtype):
        return False
    column = frame.iloc[:, i]
    missing = column.isna().to_numpy()
    if not missing.any():
        return False
    # only a text column (or one with no value at all); a column mixing numbers and text keeps
    # its NaN, as pandas 2 and 3 both hold it as objects
    if infer_dtype(column, skipna=True) not in ("string", "empty"):
        return False
    return any(v is not None for v in column.to_numpy()[missing])


def plain_text(frame: pd.DataFrame) -> pd.DataFrame:
    """``frame`` with every text column as Python ``str`` objects and None for missing.

    Parameters
    ----------
    frame : pandas.DataFrame
        A result table.

    Returns
    -------
    pandas.DataFrame
        ``frame`` itself when it already follows the rule, else a new frame (the caller's is
        not changed). Columns of other dtypes, and object columns mixing text with other
        values, are kept as they are.
    """
    # the dtypes first: taking a column out of a frame costs more than the check
    change = [i for i, dtype in enumerate(frame.dtypes) if _needs_plain(frame, i, dtype)]
    if not change:
        return frame
    out = frame.copy(deep=False)
    for i in change:
        column = frame.iloc[:, i]
        values = column.to_numpy(dtype=object, na_value=None)
        # by position: column names of a result table may repeat
        out.isetitem(i, pd.Series(values, index=frame.index, dtype=object))
    return out


def _plain(value):
    if isinstance(value, pd.DataFrame):
        return plain_text(value)
    if isinstance(value, Mapping) and any(isinstance(v, pd.DataFrame) for v in value.values()):
        items = {k: plain_text(v) if isinstance(v, pd.DataFrame) else v for k, v in value.items()}
        try:
            return type(value)(items)
        except TypeError:  # a mapping type that cannot be built from a dict
            return items
    return value


def plain_text_fields(obj) -> None:
    """Apply :func:`plain_text` to every DataFrame field of the (frozen) dataclass ``obj``.

    A field holding a mapping of DataFrames has each of them made plain. Called from a
    result's ``__post_init__``.
    """
    for f in dataclasses.fields(obj):
        value = getattr(obj, f.name)
        plain = _plain(value)
        if plain is not value:
            object.__setattr__(obj, f.name, plain)


def plain_text_result(func):
    """Decorate a function that returns a DataFrame: the frame is made :func:`plain_text`."""

    @functools.wraps(func)
    def wrapper(*args, **kwargs):
        out = func(*args, **kwargs)
        return plain_text(out) if isinstance(out, pd.DataFrame) else out

    return wrapper
