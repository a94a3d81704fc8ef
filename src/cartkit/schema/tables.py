"""Parse each table of a raw study: names, columns, types, allowed values and ranges."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from ..io.names import did_you_mean
from ..io.readers import RawTable
from ..io.safe_text import CONTROL_RE, clean_text
from .coerce import blq_text, exact_numbers, normalise_name, parse_column, to_text
from .problems import Problems
from .spec import TABLES, ColumnSpec, date_column

#: date columns accepted instead of day columns (derived with patients.infusion_date)
DATE_FOR_DAY = {"date": "day", "onset_date": "onset_day", "end_date": "end_day"}


def parse_table(raw: RawTable, problems: Problems) -> tuple[pd.DataFrame, list[str]]:
    """Parse one raw table to canonical columns and types.

    Returns the parsed table (rows in file order, RangeIndex) and the names of date columns whose
    days must be derived once infusion dates are known.
    """
    spec = TABLES.get(raw.name)
    data = _without_controls(raw, problems)
    n = len(data)
    rows = raw.row_numbers()
    names = [CONTROL_RE.sub("\ufffd", normalise_name(c)) for c in data.columns]
    seen: dict[str, int] = {}
    keep = []
    for i, name in enumerate(names):
        if name in ("", "nan") or name.startswith("unnamed:"):
            if data.iloc[:, i].notna().any():
                problems.add(
                    raw.name,
                    f"column {i + 1} has values but no name in the header "
                    "row; give it a name or delete it",
                    severity="warning",
                )
            continue
        if name in seen:
            problems.add(
                raw.name,
                f"column {name!r} appears twice (columns {seen[name] + 1} and {i + 1}); keep one",
                column=name,
            )
            continue
        seen[name] = i
        keep.append(i)
    data = data.iloc[:, keep].copy()
    data.columns = [names[i] for i in keep]
    data = data.reset_index(drop=True)

    if spec is None:
        problems.add(raw.name, _unknown_table_message(raw), severity="warning")
        return _unknown_columns(data, list(data.columns)), []

    pids = (
        to_text(data["patient_id"]).to_numpy(dtype=object)
        if "patient_id" in data
        else np.full(n, None, dtype=object)
    )
    pids = np.where(pd.isna(pids), None, pids)
    pending_dates = []
    for col in spec.columns:
        if col.required and col.name not in data:
            alt = {v: k for k, v in DATE_FOR_DAY.items()}.get(col.name)
            if alt and alt in data:
                pending_dates.append(alt)
                continue
            problems.add(
                raw.name,
                f"required column {col.name!r} is missing; the columns "
                f"found are {', '.join(data.columns) or 'none'}",
                column=col.name,
            )

    out = {}
    blq_from_text = None
    for col in spec.columns:
        if col.name not in data:
            continue
        series = data[col.name]
        if (raw.name, col.name) == ("kinetics", "copies_per_ug"):
            blq_from_text = blq_text(series)
            series = series.where(~blq_from_text, 0)
        parsed = parse_column(
            series, col, raw.name, rows, pids, problems, decimal_comma=raw.decimal_comma
        )
        impossible = check_range(parsed, col, raw.name, rows, pids, problems)
        if impossible.any():  # reported once here, not again by every check that uses it
            parsed = parsed.where(~impossible)
        out[col.name] = parsed
    for date_col in DATE_FOR_DAY:
        if date_col in data and date_col not in out:
            out[date_col] = parse_column(
                data[date_col], date_column(date_col), raw.name, rows, pids, problems
            )
            if DATE_FOR_DAY[date_col] in data:
                pending_dates = [d for d in pending_dates if d != date_col]
    extra = [c for c in data.columns if c not in out]
    for c in extra:
        problems.add(
            raw.name,
            f"unknown column {c!r} is carried through but not used",
            column=c,
            severity="warning",
        )

    frame = pd.DataFrame(
        {c.name: _empty(c, n) if c.name not in out else out[c.name] for c in spec.columns}
    )
    for date_col in DATE_FOR_DAY:
        if date_col in out:
            frame[date_col] = out[date_col]
    if blq_from_text is not None and blq_from_text.any():
        flags = frame["blq"].copy()
        flags[blq_from_text] = True
        frame["blq"] = flags
    frame = pd.concat([frame, _unknown_columns(data, extra)], axis=1)
    return frame, pending_dates


def _empty(col: ColumnSpec, n: int) -> pd.Series:
    if col.kind in ("number", "integer"):
        return pd.Series(np.full(n, np.nan))
    if col.kind == "boolean":
        return pd.Series(pd.array([pd.NA] * n, dtype="boolean"))
    if col.kind == "date":
        return pd.Series(np.full(n, np.datetime64("NaT"), dtype="datetime64[ns]"))
    return pd.Series(np.full(n, np.nan, dtype=object), dtype=object)


def _unknown_columns(data: pd.DataFrame, columns: list[str]) -> pd.DataFrame:
    """Unknown columns are kept: numbers when every value parses as one, else text."""
    out = {}
    for c in columns:
        text = to_text(data[c])
        num = exact_numbers(text)
        out[c] = num.astype("float64") if (num.notna() == text.notna()).all() else text
    return pd.DataFrame(out, index=data.index)


def _without_controls(raw: RawTable, problems: Problems) -> pd.DataFrame:
    """The raw cells with control characters replaced, and a warning for each such cell.

    An escape code in a patient id would otherwise reach a terminal (and colour it, or worse)
    and every report; U+FFFD shows where it was.
    """
    data = raw.data
    rows = raw.row_numbers()
    out = None
    for j, name in enumerate(data.columns):
        column = data.iloc[:, j]
        if not (
            pd.api.types.is_object_dtype(column.dtype) or pd.api.types.is_string_dtype(column.dtype)
        ):
            continue
        cleaned, hit = clean_text(column.astype(object))
        if not hit.any():
            continue
        out = data.copy() if out is None else out
        out.isetitem(j, cleaned)
        for i in np.flatnonzero(hit):
            found = sorted(set(CONTROL_RE.findall(column.iloc[i])))
            shown = ", ".join(c.encode("unicode_escape").decode("ascii") for c in found[:5])
            problems.add(
                raw.name,
                f"text has control characters ({shown}), replaced by \ufffd: they could "
                "disturb a terminal or a report",
                row=rows[i],
                column=normalise_name(name),
                severity="warning",
            )
    return data if out is None else out


def _unknown_table_message(raw: RawTable) -> str:
    where = f"sheet {raw.sheet!r}" if raw.sheet is not None else Path(raw.file).name
    guess = did_you_mean(raw.name, TABLES)
    if guess:
        fix = (
            f"sheet to {guess}"
            if raw.sheet is not None
            else (f"file to {guess}{Path(raw.file).suffix}")
        )
        return (
            f"unknown table {raw.name!r} ({where}) is carried through but not analysed: did "
            f"you mean {guess}? Then rename the {fix}"
        )
    return (
        f"unknown table {raw.name!r} ({where}) is carried through but not analysed; the known "
        f"tables are {', '.join(TABLES)}"
    )


def check_range(values, col: ColumnSpec, table, rows, pids, problems: Problems) -> np.ndarray:
    """Record numbers outside a column's plausible range (errors) or usual range (warnings).

    Returns the mask of impossible values (the errors).
    """
    if col.kind == "date":
        _check_usual_date(values, col, table, rows, pids, problems)
    if col.kind not in ("number", "integer"):
        return np.zeros(len(values), bool)
    v = values.to_numpy(dtype="float64")
    checks = []
    if col.minimum is not None:
        low = (v <= col.minimum) if col.exclusive_minimum else (v < col.minimum)
        sign = ">" if col.exclusive_minimum else "≥"
        checks.append((low, col.below_hint or f"must be {sign} {col.minimum:g}", "error"))
    if col.maximum is not None:
        checks.append((v > col.maximum, col.above_hint or f"must be ≤ {col.maximum:g}", "error"))
    inside = np.ones(len(v), bool)
    for mask, _hint, _sev in checks:
        inside &= ~mask
    if col.usual_minimum is not None:
        checks.append((inside & (v < col.usual_minimum), col.unusual_low_hint, "warning"))
    if col.usual_maximum is not None:
        checks.append((inside & (v > col.usual_maximum), col.unusual_high_hint, "warning"))
    for mask, hint, severity in checks:
        for i in np.flatnonzero(mask):
            problems.add(
                table,
                f"{v[i]:g} {hint}",
                row=rows[i],
                column=col.name,
                patient_id=pids[i],
                severity=severity,
            )
    return ~inside


def _check_usual_date(values, col: ColumnSpec, table, rows, pids, problems: Problems):
    if col.usual_earliest is None:
        return
    first = pd.Timestamp(col.usual_earliest)
    early = (values.notna() & (values < first)).to_numpy(dtype=bool)
    for i in np.flatnonzero(early):
        problems.add(
            table,
            f"{values.iloc[i]:%Y-%m-%d} is before {first:%Y-%m-%d}, earlier than the first "
            "CD19 CAR-T infusions; check the year",
            row=rows[i],
            column=col.name,
            patient_id=pids[i],
            severity="warning",
        )
