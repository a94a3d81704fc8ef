"""Parse raw table values into the format's types, recording every cell that does not parse.

Parsing changes representation only (text "yes" becomes True, "3.5" becomes 3.5, a category is
spelt canonically); it never changes a value's meaning. Canonical dtypes: text and category
columns hold Python ``str`` (missing: NaN) in ``object`` columns, numbers and integers ``float64``,
booleans pandas ``boolean``, dates ``datetime64[ns]``.
"""

from __future__ import annotations

import datetime as _dt
import re

import numpy as np
import pandas as pd

from .problems import Problems
from .spec import ColumnSpec

TRUE_WORDS = {"true", "yes", "1", "y", "t", "1.0"}
FALSE_WORDS = {"false", "no", "0", "n", "f", "0.0"}
_ISO_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}([ T]\d{2}:\d{2}(:\d{2}(\.\d+)?)?)?$")
_BLQ_TEXT = re.compile(r"^(blq|bloq|<\s*lloq|bql|<\s*[0-9.eE+-]+)$", re.IGNORECASE)


def normalise_name(name: object) -> str:
    """Canonical spelling of a table or column name: lower case, underscores for spaces."""
    return re.sub(r"[\s\-]+", "_", str(name).strip().lower())


def _missing(series: pd.Series) -> np.ndarray:
    miss = series.isna().to_numpy()
    if series.dtype == object or pd.api.types.is_string_dtype(series.dtype):
        text = series.astype(str).str.strip()
        miss = miss | (text == "").to_numpy()
    return miss


def _shown(value) -> str:
    text = repr(value) if isinstance(value, str) else str(value)
    return text if len(text) <= 40 else text[:37] + "..."


def to_text(series: pd.Series) -> pd.Series:
    """Values as stripped strings; integral numbers without a trailing ``.0``; missing as NaN."""
    miss = _missing(series)
    kind = pd.api.types.infer_dtype(series, skipna=True)
    out = np.empty(len(series), dtype=object)
    out[:] = np.nan
    keep = ~miss
    if kind in ("string", "empty"):
        # the common case (csv, simulated data): vectorised
        out[keep] = series[keep].astype(str).str.strip().to_numpy(dtype=object)
        return pd.Series(out, index=series.index, dtype=object)

    def one(v):
        if isinstance(v, float | np.floating) and float(v).is_integer():
            return str(int(v))
        if isinstance(v, bool | np.bool_):
            return "true" if v else "false"
        if isinstance(v, _dt.datetime | pd.Timestamp):
            return v.isoformat()
        return str(v).strip()

    vals = series.to_numpy(dtype=object)
    out[keep] = [one(v) for v in vals[keep]]
    return pd.Series(out, index=series.index, dtype=object)


def parse_column(series, spec: ColumnSpec, table: str, rows, pids, problems: Problems):
    """Parse one column per ``spec``; record unparsable cells; return the parsed Series."""
    miss = _missing(series)
    if spec.kind in ("number", "integer"):
        out, bad = _numbers(series, miss)
        infinite = np.isinf(out.to_numpy(dtype="float64"))
        bad = bad | infinite
        out = out.where(~infinite, np.nan)
        what = "a finite number"
        if spec.kind == "integer":
            frac = ~bad & ~miss & (np.mod(np.nan_to_num(out.to_numpy()), 1) != 0)
            bad = bad | frac
            what = "a whole number"
            out[frac] = np.nan
    elif spec.kind == "boolean":
        out, bad = _booleans(series, miss)
        what = "true/false (also yes/no, 1/0, y/n)"
    elif spec.kind == "date":
        out, bad = _dates(series, miss)
        what = "a date written YYYY-MM-DD"
    elif spec.kind == "category":
        text = to_text(series)
        lookup = {a.lower(): a for a in spec.allowed or ()}
        lowered = text.str.lower()
        mapped = lowered.map(lookup)
        bad = ~miss & mapped.isna().to_numpy()
        out = mapped.astype(object).where(mapped.notna(), np.nan)
        what = "one of " + ", ".join(spec.allowed or ())
    else:
        out, bad = to_text(series), np.zeros(len(series), bool)
        what = "text"
    raw = series.to_numpy(dtype=object)
    for i in np.flatnonzero(bad):
        problems.add(
            table,
            f"{_shown(raw[i])} is not {what}",
            row=rows[i],
            column=spec.name,
            patient_id=pids[i],
        )
    if not spec.allow_missing:
        for i in np.flatnonzero(miss):
            problems.add(
                table,
                "is empty; this column needs a value in every row",
                row=rows[i],
                column=spec.name,
                patient_id=pids[i],
            )
    return out


def _numbers(series: pd.Series, miss: np.ndarray) -> tuple[pd.Series, np.ndarray]:
    if pd.api.types.is_bool_dtype(series.dtype):
        return pd.Series(np.nan, index=series.index), ~miss
    if pd.api.types.is_numeric_dtype(series.dtype):
        return series.astype("float64"), np.zeros(len(series), bool)
    kind = pd.api.types.infer_dtype(series, skipna=True)
    if kind in ("string", "empty"):
        is_bool = np.zeros(len(series), bool)
        text = series.astype(object).where(miss == False, None)  # noqa: E712
        text = text.where(miss, series.astype(str).str.strip())
    else:
        vals = series.to_numpy(dtype=object)
        is_bool = np.array([isinstance(v, bool | np.bool_) for v in vals], dtype=bool)
        text = pd.Series(
            [v.strip() if isinstance(v, str) else v for v in vals],
            index=series.index,
            dtype=object,
        )
    num = pd.to_numeric(text.where(~is_bool, np.nan).where(~miss, np.nan), errors="coerce")
    num = num.astype("float64")
    bad = ~miss & (num.isna().to_numpy() | is_bool)
    return num.where(~bad, np.nan), bad


def _booleans(series: pd.Series, miss: np.ndarray) -> tuple[pd.Series, np.ndarray]:
    out = pd.array([pd.NA] * len(series), dtype="boolean")
    if pd.api.types.is_bool_dtype(series.dtype):
        return series.astype("boolean"), np.zeros(len(series), bool)
    words = to_text(series).str.lower()
    is_true = words.isin(TRUE_WORDS).to_numpy()
    is_false = words.isin(FALSE_WORDS).to_numpy()
    out[is_true] = True
    out[is_false] = False
    bad = ~miss & ~is_true & ~is_false
    return pd.Series(out, index=series.index), bad


def _dates(series: pd.Series, miss: np.ndarray) -> tuple[pd.Series, np.ndarray]:
    if pd.api.types.is_datetime64_any_dtype(series.dtype):
        out = series.dt.tz_localize(None) if series.dt.tz is not None else series
        return out.astype("datetime64[ns]"), np.zeros(len(series), bool)
    vals = series.to_numpy(dtype=object)
    parsed = np.full(len(series), np.datetime64("NaT"), dtype="datetime64[ns]")
    bad = np.zeros(len(series), bool)
    for i in np.flatnonzero(~miss):
        v = vals[i]
        if isinstance(v, _dt.datetime | _dt.date | pd.Timestamp | np.datetime64):
            parsed[i] = pd.Timestamp(v).to_datetime64()
        elif isinstance(v, str) and _ISO_DATE.match(v.strip()):
            try:
                parsed[i] = pd.Timestamp(v.strip()).to_datetime64()
            except ValueError:
                bad[i] = True
        else:
            bad[i] = True
    return pd.Series(parsed, index=series.index), bad


def blq_text(series: pd.Series) -> np.ndarray:
    """Cells written as below-LLOQ text (``BLQ``, ``<LLOQ``, ``<100``)."""
    if series.dtype != object and not pd.api.types.is_string_dtype(series.dtype):
        return np.zeros(len(series), bool)
    text = series.astype(str).str.strip()
    return text.str.match(_BLQ_TEXT).fillna(False).to_numpy(dtype=bool)
