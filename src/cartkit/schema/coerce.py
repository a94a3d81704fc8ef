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

from ..io.names import normalise_name
from ..io.safe_text import search_cells
from .problems import Problems
from .spec import ColumnSpec

__all__ = ["blq_text", "exact_numbers", "normalise_name", "parse_column", "to_text"]

TRUE_WORDS = {"true", "yes", "1", "y", "t", "1.0"}
FALSE_WORDS = {"false", "no", "0", "n", "f", "0.0"}
_ISO_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}([ T]\d{2}:\d{2}(:\d{2}(\.\d+)?)?)?$")
_BLQ_TEXT = re.compile(r"^(blq|bloq|<\s*lloq|bql|<\s*[0-9.eE+-]+)$", re.IGNORECASE)
_COMMA = re.compile(",")
#: a number written with a decimal comma (one comma, digits after it)
_COMMA_NUMBER = r"^[+-]?\d*,\d+(?:[eE][+-]?\d+)?$"
#: a number as a csv writes it: ASCII digits, one optional point, an optional exponent
_PLAIN_DECIMAL = r"^[+-]?(?:[0-9]+\.?[0-9]*|\.[0-9]+)(?:[eE][+-]?[0-9]+)?$"
#: a number written with a decimal point
_POINT_NUMBER = r"^[+-]?\d*\.\d+(?:[eE][+-]?\d+)?$"
#: the widest dates numpy's nanosecond datetimes hold; a date outside is never assigned
_NS_RANGE = (pd.Timestamp("1677-09-22"), pd.Timestamp("2262-04-11"))


def _text_dtype(dtype) -> bool:
    return pd.api.types.is_object_dtype(dtype) or pd.api.types.is_string_dtype(dtype)


def _strip(values: np.ndarray) -> np.ndarray:
    """The str cells without leading and trailing whitespace; other cells as they are."""
    out = np.empty(len(values), dtype=object)
    try:  # the common case, every cell text: one C-level pass
        out[:] = list(map(str.strip, values))
    except TypeError:
        out[:] = [v.strip() if isinstance(v, str) else v for v in values]
    return out


def _cells(series: pd.Series) -> tuple[np.ndarray, np.ndarray | None]:
    """``(missing, stripped)`` of a column, computed once for every parse of it.

    ``missing``: missing cells and text cells that are blank. ``stripped``: for a text column,
    its cells with str cells stripped (valid where not missing); None for other columns.
    """
    miss = np.asarray(series.isna().to_numpy(), dtype=bool)
    if not _text_dtype(series.dtype):
        return miss, None
    values = _objects(series)
    keep = ~miss
    stripped = np.full(len(values), None, dtype=object)
    stripped[keep] = _strip(values[keep])
    miss = miss.copy()
    miss[keep] = np.asarray(stripped[keep] == "", dtype=bool)
    return miss, stripped


def _objects(series: pd.Series) -> np.ndarray:
    """The cells as an object array: one Python object per distinct text, not one per cell.

    pandas 3 holds text in Arrow; taking it out cell by cell makes a str object for each of
    millions of repeated ids and test names (about 60 bytes each, 1.8 GB for one column of a
    28-million-row labs table). Missing cells are NaN, as ``to_numpy(dtype=object)`` gives.
    """
    if pd.api.types.is_object_dtype(series.dtype):
        return series.to_numpy(dtype=object)
    codes, uniques = pd.factorize(series)
    return _by_code(codes, np.asarray(uniques, dtype=object))


def _by_code(codes: np.ndarray, values) -> np.ndarray:
    """``values[codes]`` as objects, NaN where the code is -1 (a missing cell)."""
    table = np.empty(len(values) + 1, dtype=object)
    table[:-1] = values
    table[-1] = np.nan
    return table[codes]


def _missing(series: pd.Series) -> np.ndarray:
    return _cells(series)[0]


def exact_numbers(values: pd.Series) -> pd.Series:
    """The numbers written in ``values`` as float64, NaN where a cell is no number.

    pandas decides what counts as a number (``pandas.to_numeric``); the value of each such
    cell is then read with numpy's conversion, which rounds correctly. pandas 2's own text
    parser can be one unit in the last place off ("0.004980000000000001" becomes 0.00498)
    where pandas 3's is not: without this a study read under pandas 2 and 3 would not give
    the same numbers.
    """
    fast = _plain_decimals(values)
    if fast is not None:
        return fast
    num = pd.to_numeric(values, errors="coerce").astype("float64")
    ok = num.notna().to_numpy()
    if not ok.any():
        return num
    # float() of each cell: a text is read correctly rounded, a number already parsed (an int,
    # a float from a workbook) is itself (no detour through a str array: 2.4 times faster)
    cells = values.to_numpy(dtype=object)[ok]
    with np.errstate(over="ignore", invalid="ignore"):
        try:
            exact = cells.astype(np.float64)
        except (ValueError, OverflowError):  # a spelling or size float() refuses: pandas' value
            exact = num.to_numpy()[ok]
    out = num.to_numpy(copy=True)
    out[ok] = exact
    return pd.Series(out, index=values.index, dtype="float64")


def _plain_decimals(values: pd.Series) -> pd.Series | None:
    """:func:`exact_numbers` of a text column whose every cell is a plain decimal; else None.

    The common case (a csv column of numbers) in two passes of Arrow's C++ instead of
    pandas' parser and then Python's: every non-missing cell is checked against
    :data:`_PLAIN_DECIMAL` (ASCII digits, one optional point, an optional exponent), which
    pandas reads as a number, and converted by Arrow's cast, which rounds correctly as
    Python's ``float()`` does (the same bits). Any other cell leaves the column to the general
    path.
    """
    if not pd.api.types.is_object_dtype(values.dtype) or not len(values):
        return None
    missing = values.isna().to_numpy()
    cells = values.to_numpy(dtype=object)[~missing]
    if not len(cells) or pd.api.types.infer_dtype(cells, skipna=False) != "string":
        return None
    import pyarrow as pa
    import pyarrow.compute as pc

    text = pa.array(cells, type=pa.string())
    if not pc.all(pc.match_substring_regex(text, pattern=_PLAIN_DECIMAL)).as_py():
        return None
    try:
        parsed = pc.cast(text, pa.float64()).to_numpy(zero_copy_only=False)
    except (pa.ArrowInvalid, pa.ArrowNotImplementedError):  # e.g. out of a double's range
        return None
    out = np.full(len(values), np.nan)
    out[~missing] = parsed
    return pd.Series(out, index=values.index, dtype="float64")


def shown_value(value) -> str:
    """A value as a message quotes it: text in quotes, escaped, at most 40 characters."""
    text = repr(value) if isinstance(value, str) else str(value)
    return text if len(text) <= 40 else text[:37] + "..."


_shown = shown_value


def to_text(series: pd.Series) -> pd.Series:
    """Values as stripped strings; integral numbers without a trailing ``.0``; missing as NaN."""
    return _to_text(series, *_cells(series))


def _to_text(series: pd.Series, miss: np.ndarray, stripped: np.ndarray | None) -> pd.Series:
    kind = pd.api.types.infer_dtype(series, skipna=True)
    out = np.empty(len(series), dtype=object)
    out[:] = np.nan
    keep = ~miss
    if kind in ("string", "empty") and stripped is not None:
        # the common case (csv, simulated data): vectorised
        out[keep] = stripped[keep]
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


def _lookup(text: pd.Series, table) -> np.ndarray:
    # computed once per distinct value: a column of millions of cells has few distinct ones
    # (NaN stays NaN)
    codes, uniques = pd.factorize(text.to_numpy(dtype=object))
    return _by_code(codes, [table(u) for u in uniques])


def parse_column(
    series, spec: ColumnSpec, table: str, rows, pids, problems: Problems, *, decimal_comma=False
):
    """Parse one column per ``spec``; record unparsable cells; return the parsed Series.

    ``decimal_comma``: the file's separator is not a comma, so ``7,2`` can only mean 7.2 and
    is read so (unless the column also uses decimal points: then it is ambiguous, an error).
    """
    miss, stripped = _cells(series)
    hints: dict[int, str] = {}
    if spec.kind in ("number", "integer"):
        fixed, hints = _decimal_commas(series, miss, spec, table, problems, decimal_comma)
        if fixed is not series:
            series, (miss, stripped) = fixed, _cells(fixed)
        out, bad = _numbers(series, miss, stripped)
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
        out, bad = _booleans(series, miss, stripped)
        what = "true/false (also yes/no, 1/0, y/n)"
    elif spec.kind == "date":
        out, bad, outside = _dates(series, miss, spec)
        what = "a date written YYYY-MM-DD"
        for i in np.flatnonzero(outside):
            problems.add(
                table,
                _date_range_message(series.iloc[i], spec),
                row=rows[i],
                column=spec.name,
                patient_id=pids[i],
            )
    elif spec.kind == "category":
        text = _to_text(series, miss, stripped)
        lookup = {a.lower(): a for a in spec.allowed or ()}
        mapped = _lookup(text, lambda v: lookup.get(v.lower(), np.nan))
        bad = ~miss & pd.isna(mapped)
        out = pd.Series(mapped, index=series.index, dtype=object)
        what = "one of " + ", ".join(spec.allowed or ())
    else:
        out, bad = _to_text(series, miss, stripped), np.zeros(len(series), bool)
        what = "text"
        _check_length(out, spec, table, rows, pids, problems)
    raw = series.to_numpy(dtype=object) if bad.any() else None
    for i in np.flatnonzero(bad):
        problems.add(
            table,
            f"{_shown(raw[i])} is not {what}" + hints.get(int(i), _hint(raw[i], spec.kind)),
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


def _numbers(
    series: pd.Series, miss: np.ndarray, stripped: np.ndarray | None
) -> tuple[pd.Series, np.ndarray]:
    if pd.api.types.is_bool_dtype(series.dtype):
        return pd.Series(np.nan, index=series.index), ~miss
    if pd.api.types.is_numeric_dtype(series.dtype):
        return series.astype("float64"), np.zeros(len(series), bool)
    kind = pd.api.types.infer_dtype(series, skipna=True)
    if kind in ("string", "empty") and stripped is not None:
        is_bool = np.zeros(len(series), bool)
        text = np.full(len(series), np.nan, dtype=object)
        text[~miss] = stripped[~miss]
        text = pd.Series(text, index=series.index, dtype=object)
    else:
        vals = series.to_numpy(dtype=object)
        is_bool = np.array([isinstance(v, bool | np.bool_) for v in vals], dtype=bool)
        text = pd.Series(
            [v.strip() if isinstance(v, str) else v for v in vals],
            index=series.index,
            dtype=object,
        )
    num = exact_numbers(text.where(~is_bool, np.nan).where(~miss, np.nan))
    num = num.astype("float64")
    bad = ~miss & (num.isna().to_numpy() | is_bool)
    return num.where(~bad, np.nan), bad


def _booleans(
    series: pd.Series, miss: np.ndarray, stripped: np.ndarray | None
) -> tuple[pd.Series, np.ndarray]:
    out = pd.array([pd.NA] * len(series), dtype="boolean")
    if pd.api.types.is_bool_dtype(series.dtype):
        return series.astype("boolean"), np.zeros(len(series), bool)
    word = _lookup(
        _to_text(series, miss, stripped),
        lambda v: 1 if v.lower() in TRUE_WORDS else (0 if v.lower() in FALSE_WORDS else 2),
    )
    is_true, is_false = word == 1, word == 0
    out[is_true] = True
    out[is_false] = False
    bad = ~miss & ~is_true & ~is_false
    return pd.Series(out, index=series.index), bad


def _date_bounds(spec: ColumnSpec) -> tuple[pd.Timestamp, pd.Timestamp]:
    lo = pd.Timestamp(spec.earliest) if spec.earliest else _NS_RANGE[0]
    hi = pd.Timestamp(spec.latest) if spec.latest else _NS_RANGE[1]
    return max(lo, _NS_RANGE[0]), min(hi, _NS_RANGE[1])


def _dates(series: pd.Series, miss: np.ndarray, spec: ColumnSpec):
    """Parsed dates, the cells that are no date, and the dates outside the spec's range.

    A date outside the range stays missing (NaT): numpy's nanosecond dates would wrap a year
    such as 1492 around silently.
    """
    lo, hi = _date_bounds(spec)
    n = len(series)
    if pd.api.types.is_datetime64_any_dtype(series.dtype):
        out = series.dt.tz_localize(None) if series.dt.tz is not None else series
        outside = (out.notna() & ((out < lo) | (out > hi + pd.Timedelta(days=1)))).to_numpy()
        out = out.where(~outside)
        return out.astype("datetime64[ns]"), np.zeros(n, bool), outside.astype(bool)
    vals = series.to_numpy(dtype=object)
    parsed = np.full(n, np.datetime64("NaT"), dtype="datetime64[ns]")
    bad = np.zeros(n, bool)
    outside = np.zeros(n, bool)
    for i in np.flatnonzero(~miss):
        v = vals[i]
        try:
            if isinstance(v, _dt.datetime | _dt.date | pd.Timestamp | np.datetime64):
                ts = pd.Timestamp(v)
            elif isinstance(v, str) and _ISO_DATE.match(v.strip()):
                ts = pd.Timestamp(v.strip())
            else:
                bad[i] = True
                continue
        except (ValueError, OverflowError):
            bad[i] = True
            continue
        if ts.tzinfo is not None:
            ts = ts.tz_localize(None)
        if ts.normalize() < lo or ts.normalize() > hi:
            outside[i] = True
            continue
        parsed[i] = ts.as_unit("ns").to_datetime64()
    return pd.Series(parsed, index=series.index), bad, outside


def _date_range_message(value, spec: ColumnSpec) -> str:
    text = value.strftime("%Y-%m-%d") if hasattr(value, "strftime") else str(value).strip()[:10]
    lo, hi = _date_bounds(spec)
    try:
        early = pd.Timestamp(text) < lo
    except (ValueError, OverflowError):
        early = text < lo.strftime("%Y-%m-%d")
    if early:
        why = (
            "earlier than any CAR-T infusion"
            if spec.name == "infusion_date"
            else "too early for a study's date"
        )
        return f"{text} is before {lo:%Y-%m-%d}, {why}; check the year"
    return f"{text} is after {hi:%Y-%m-%d}; check the year"


def _decimal_commas(series, miss, spec, table, problems, decimal_comma):
    """Cells written with a decimal comma: read as decimals when unambiguous, else explained.

    Returns the column with those cells rewritten with a point (when read), and a hint for each
    cell that stays unreadable (by position).
    """
    if not _text_dtype(series.dtype) or miss.all():
        return series, {}
    if not search_cells(series.to_numpy(dtype=object)[~miss], _COMMA):
        return series, {}
    is_text = np.array([isinstance(v, str) for v in series.to_numpy(dtype=object)]) & ~miss
    stripped = series[is_text].astype(str).str.strip()
    comma = stripped.str.match(_COMMA_NUMBER)
    if not comma.any():
        return series, {}
    point = stripped.str.match(_POINT_NUMBER)
    positions = series.index.get_indexer(comma.index[comma.to_numpy(dtype=bool)])
    if decimal_comma and not point.any():
        fixed = series.copy()
        fixed.iloc[positions] = stripped[comma].str.replace(",", ".", regex=False).to_numpy()
        example = stripped[comma].iloc[0]
        problems.add(
            table,
            f"{len(positions)} value(s) written with a decimal comma were read as decimals "
            f"(e.g. {example!r} as {example.replace(',', '.')}), as the file is not "
            "comma-separated",
            column=spec.name,
            severity="warning",
        )
        return fixed, {}
    if decimal_comma:
        example = stripped[point].iloc[0]
        hint = (
            f"; this column mixes decimal commas and decimal points (e.g. {example!r}), so "
            "neither can be trusted: use one kind"
        )
    else:
        hint = "; if ',' is a decimal comma, write a point (7.2), as the file is comma-separated"
    return series, dict.fromkeys((int(i) for i in positions), hint)


def _hint(value, kind: str) -> str:
    """A hint on why a cell is not of its column's kind, or ""."""
    if not isinstance(value, str):
        return ""
    text = value.strip()
    if kind in ("number", "integer") and "," in text and any(c.isdigit() for c in text):
        return "; write numbers with a decimal point and no thousands separator (1234.5)"
    if kind == "date":
        if re.fullmatch(r"\d{5}(\.\d+)?", text):
            return " (an Excel date number? format the column as a date)"
        if re.fullmatch(r"\d{1,2}[./-]\d{1,2}[./-]\d{2,4}", text):
            return " (write dates as YYYY-MM-DD: day and month order cannot be guessed)"
    return ""


def _check_length(out: pd.Series, spec: ColumnSpec, table, rows, pids, problems) -> None:
    if spec.max_length is None:
        return
    values = out.to_numpy(dtype=object)
    present = values[~pd.isna(values)]
    if max(map(len, present), default=0) <= spec.max_length:  # the common case: one pass
        return
    lengths = out.map(len, na_action="ignore").fillna(0).to_numpy(dtype=int)
    for i in np.flatnonzero(lengths > spec.max_length):
        problems.add(
            table,
            f"is {lengths[i]:,} characters long; a {spec.name} has at most {spec.max_length} "
            "(is the file's separator right?)",
            row=rows[i],
            column=spec.name,
            patient_id=None if spec.name == "patient_id" else pids[i],
        )


def blq_text(series: pd.Series) -> np.ndarray:
    """Cells written as below-LLOQ text (``BLQ``, ``<LLOQ``, ``<100``)."""
    if series.dtype != object and not pd.api.types.is_string_dtype(series.dtype):
        return np.zeros(len(series), bool)
    text = series.astype(str).str.strip()
    return text.str.match(_BLQ_TEXT).fillna(False).to_numpy(dtype=bool)
