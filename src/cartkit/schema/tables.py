"""Parse each table of a raw study: names, columns, types, allowed values and ranges."""

from __future__ import annotations

import numpy as np
import pandas as pd

from ..io.readers import RawTable
from .coerce import blq_text, normalise_name, parse_column, to_text
from .problems import Problems
from .spec import TABLES, ColumnSpec

#: (table, column) -> message for a value above the column's maximum, when it suggests a unit slip
ABOVE_MAX_HINTS = {
    ("mrd", "mrd_fraction"): "looks like a percentage; mrd_fraction is a fraction "
    "(percent / 100, so 0.01% is 0.0001)",
    ("crs", "temp_max_c"): "looks like °F; give the temperature in °C",
    ("marrow", "blasts_pct"): "is above 100%",
}
#: (table, column) -> message for a value below the minimum
BELOW_MIN_HINTS = {
    ("kinetics", "copies_per_ug"): "copies cannot be negative; a value below the LLOQ is 0 "
    "(or flag it with blq = true)",
    ("crs", "temp_max_c"): "is below 30 °C; check the unit and the value",
}
#: date columns accepted instead of day columns (derived with patients.infusion_date)
DATE_FOR_DAY = {"date": "day", "onset_date": "onset_day", "end_date": "end_day"}


def parse_table(raw: RawTable, problems: Problems) -> tuple[pd.DataFrame, list[str]]:
    """Parse one raw table to canonical columns and types.

    Returns the parsed table (rows in file order, RangeIndex) and the names of date columns whose
    days must be derived once infusion dates are known.
    """
    spec = TABLES.get(raw.name)
    data = raw.data
    n = len(data)
    rows = np.arange(n) + raw.first_row
    names = [normalise_name(c) for c in data.columns]
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
        problems.add(
            raw.name,
            f"unknown table {raw.name!r} is carried through but not "
            f"analysed; the known tables are {', '.join(TABLES)}",
            severity="warning",
        )
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
        parsed = parse_column(series, col, raw.name, rows, pids, problems)
        _check_range(parsed, col, raw.name, rows, pids, problems)
        out[col.name] = parsed
    for date_col in DATE_FOR_DAY:
        if date_col in data and date_col not in out:
            out[date_col] = parse_column(
                data[date_col],
                ColumnSpec(date_col, "date", allow_missing=True),
                raw.name,
                rows,
                pids,
                problems,
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
        num = pd.to_numeric(text, errors="coerce")
        out[c] = num.astype("float64") if (num.notna() == text.notna()).all() else text
    return pd.DataFrame(out, index=data.index)


def _check_range(values, col: ColumnSpec, table, rows, pids, problems: Problems):
    if col.kind not in ("number", "integer"):
        return
    v = values.to_numpy(dtype="float64")
    if col.minimum is not None:
        strict = col.name == "cart_dose_e6_per_kg"
        low = (v <= col.minimum) if strict else (v < col.minimum)
        for i in np.flatnonzero(low):
            hint = BELOW_MIN_HINTS.get(
                (table, col.name), f"must be {'>' if strict else '≥'} {col.minimum:g}"
            )
            problems.add(
                table, f"{v[i]:g} {hint}", row=rows[i], column=col.name, patient_id=pids[i]
            )
    if col.maximum is not None:
        for i in np.flatnonzero(v > col.maximum):
            hint = ABOVE_MAX_HINTS.get((table, col.name), f"must be ≤ {col.maximum:g}")
            problems.add(
                table, f"{v[i]:g} {hint}", row=rows[i], column=col.name, patient_id=pids[i]
            )
