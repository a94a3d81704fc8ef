"""What every derivation shares: the result type, table access and small helpers.

The one pattern (documented in docs/endpoints.md): every ``derive_*`` of this package returns a
frozen :class:`Derived` whose ``table`` holds the derived rows, whose ``excluded`` lists each
patient that could not be derived with the reason ([patient_id, reason]) and whose ``findings``
lists data that were used but look wrong or disagree ([patient_id, check, message], then any
columns a derivation adds). Nobody is dropped silently: a patient of the patients table is either
derived or named in ``excluded``.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Any

import numpy as np
import pandas as pd

from .._core.checks import require_columns
from .._core.frames import plain_text_fields
from ..errors import DataError

EXCLUDED_COLUMNS = ("patient_id", "reason")
FINDING_COLUMNS = ("patient_id", "check", "message")


def excluded_frame(rows: Iterable[tuple] = (), columns=EXCLUDED_COLUMNS) -> pd.DataFrame:
    """A DataFrame of exclusion rows with fixed columns (empty when there are none)."""
    rows = list(rows)
    if not rows:
        return pd.DataFrame({c: pd.Series(dtype=object) for c in columns})
    return pd.DataFrame(rows, columns=list(columns))


def findings_frame(rows: Iterable[tuple] = (), extra: Iterable[str] = ()) -> pd.DataFrame:
    """A DataFrame of findings ``[patient_id, check, message]`` followed by ``extra`` columns."""
    return excluded_frame(rows, (*FINDING_COLUMNS, *extra))


@dataclass(frozen=True)
class Derived:
    """The result of a derivation: what was derived, for whom it could not be, and what looks off.

    Attributes
    ----------
    table : pandas.DataFrame
        The derived rows (their columns are listed by each ``derive_*`` function); the first
        column is ``patient_id``.
    excluded : pandas.DataFrame
        ``[patient_id, reason]``: patients (or patient-endpoint pairs) that could not be derived.
    findings : pandas.DataFrame
        ``[patient_id, check, message]`` and possibly more columns after these three (the
        grading derivations add ``term, recorded_grade, derived_grade``): data used as given
        that look wrong or disagree; empty when there are none.
    detail : pandas.DataFrame
        Row-level data behind ``table`` (daily grades, qualifying events); empty when the
        derivation has none.
    params : Mapping[str, Any]
        The rule parameters used (thresholds, windows), for provenance; read-only.
    """

    table: pd.DataFrame
    excluded: pd.DataFrame = field(default_factory=excluded_frame)
    findings: pd.DataFrame = field(default_factory=findings_frame)
    detail: pd.DataFrame = field(default_factory=pd.DataFrame)
    params: Mapping[str, Any] = field(default_factory=dict)

    def __post_init__(self):
        object.__setattr__(self, "params", MappingProxyType(dict(self.params)))
        plain_text_fields(self)

    def __repr__(self) -> str:
        return (
            f"Derived(table={len(self.table)} rows, excluded={len(self.excluded)},"
            f" findings={len(self.findings)}, detail={len(self.detail)} rows)"
        )


def tables_of(tables) -> dict[str, pd.DataFrame]:
    """The table mapping of a Study or of a plain mapping of name to DataFrame."""
    inner = getattr(tables, "tables", tables)
    if not isinstance(inner, Mapping):
        raise DataError(
            "tables must be a cartkit Study or a mapping of table name to DataFrame,"
            f" got {type(tables).__name__}"
        )
    return {str(k).lower(): v for k, v in inner.items()}


def get_table(
    tables: Mapping[str, pd.DataFrame], name: str, columns: Iterable[str], required: bool = True
) -> pd.DataFrame | None:
    """Table ``name`` with ``columns`` checked, patient_id as str; None when optional and absent."""
    if name not in tables or tables[name] is None:
        if required:
            raise DataError(
                f"the study has no {name!r} table, which this derivation needs;"
                f" tables present: {', '.join(sorted(tables)) or 'none'}"
            )
        return None
    df = tables[name]
    require_columns(df, columns, what=f"table {name!r}")
    df = df.copy()
    df["patient_id"] = df["patient_id"].astype(str)
    if "day" in df.columns:
        df["day"] = pd.to_numeric(df["day"], errors="coerce").astype("float64")
    return df


def patient_ids(tables: Mapping[str, pd.DataFrame]) -> list[str]:
    """Patient identifiers in the order of the patients table."""
    patients = get_table(tables, "patients", ["patient_id"])
    ids = patients["patient_id"].tolist()
    dup = sorted(patients.loc[patients["patient_id"].duplicated(), "patient_id"].unique())
    if dup:
        raise DataError(
            f"table 'patients': patient_id must be unique; repeated: {', '.join(dup[:10])}"
        )
    return ids


#: below this many rows a transform is applied to the column as it is
_BY_VALUE_MIN_ROWS = 1000


def by_value(series: pd.Series, transform: Callable[[pd.Series], pd.Series]) -> pd.Series:
    """``transform(series)``, computed once per distinct value instead of once per row.

    ``transform`` must work cell by cell (``.astype(str).str.strip().str.upper()``, say): a
    column of millions of rows holds a few distinct texts (test names, events, grades' words),
    and the result is the same, dtype included. Columns that are not all text (or are short)
    are transformed as they are.
    """
    if len(series) < _BY_VALUE_MIN_ROWS or pd.api.types.infer_dtype(series, skipna=True) not in (
        "string",
        "empty",
    ):
        return transform(series)
    values = series.to_numpy(dtype=object)
    missing = pd.isna(values)
    codes, uniques = pd.factorize(values[~missing])
    # missing cells mapped per kind (None, NaN, pd.NA): astype(str) tells them apart
    kinds: dict[type, int] = {}
    examples = []
    for v in values[missing]:
        if type(v) not in kinds:
            kinds[type(v)] = len(kinds)
            examples.append(v)
    distinct = np.empty(len(uniques) + len(kinds), dtype=object)
    distinct[: len(uniques)] = uniques
    distinct[len(uniques) :] = examples
    done = transform(pd.Series(distinct, dtype=series.dtype, name=series.name))
    where = np.empty(len(values), dtype=np.intp)
    where[~missing] = codes
    if missing.any():
        where[missing] = [len(uniques) + kinds[type(v)] for v in values[missing]]
    out = done.take(where)
    out.index = series.index
    return out


def lower_text(series: pd.Series) -> pd.Series:
    """Text values stripped and lower-cased (missing stays missing)."""
    return by_value(series, lambda s: s.astype("string").str.strip().str.lower())


def as_bool(series: pd.Series) -> pd.Series:
    """Boolean column as pandas' nullable boolean (the reader already normalised the text)."""
    if series.dtype == bool:
        return series.astype("boolean")
    mapping = {"true": True, "false": False, "yes": True, "no": False, "1": True, "0": False}
    mapping.update({"y": True, "n": False, "1.0": True, "0.0": False})
    text = lower_text(series)
    return text.map(mapping).astype("boolean")


def nearest_in_window(
    df: pd.DataFrame, window: tuple[float, float], target: float, day: str = "day"
) -> pd.DataFrame:
    """Per patient, the row whose day lies in ``window`` (inclusive) nearest to ``target``.

    Ties in distance go to the earlier day (the assessment closer to the response it scores).
    """
    lo, hi = float(window[0]), float(window[1])
    inside = df[(df[day] >= lo) & (df[day] <= hi)].copy()
    inside["_dist"] = (inside[day] - target).abs()
    inside = inside.sort_values(["patient_id", "_dist", day], kind="mergesort")
    return inside.drop_duplicates("patient_id").drop(columns="_dist").set_index("patient_id")


def check_window(window, target: float) -> tuple[float, float]:
    """Validate an assessment window ``(start, end)`` that contains ``target``."""
    try:
        lo, hi = (float(w) for w in window)
    except (TypeError, ValueError):
        raise DataError(
            f"window must be two numbers (start, end) in days, got {window!r}"
        ) from None
    if not (np.isfinite(lo) and np.isfinite(hi) and lo <= target <= hi):
        raise DataError(f"window {window!r} must be finite and contain the target day {target}")
    return lo, hi
