"""The engine behind derive_time_to_event: source rows as arrays, earliest/latest per patient.

Rules are in the docstring of cartkit.derive.time_to_event and in docs/endpoints.md.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

import numpy as np
import pandas as pd

from .._core.checks import require_columns
from ._common import get_table


def where_mask(df: pd.DataFrame, where: Mapping[str, object]) -> np.ndarray:
    """Rows of ``df`` whose columns equal the values of ``where`` (a value or a collection).

    Text compares stripped and case-insensitively; a missing cell never matches.
    """
    keep = np.ones(len(df), dtype=bool)
    for column, wanted in where.items():
        values = wanted if isinstance(wanted, tuple | list | frozenset | set) else (wanted,)
        col = df[column]
        if pd.api.types.is_string_dtype(col) or col.dtype == object:
            col = col.astype("string").str.strip().str.lower()
            values = tuple(str(v).lower() for v in values)
        keep &= col.isin(values).fillna(False).to_numpy(dtype=bool)
    return keep


def day_and_detail(sel: pd.DataFrame, src) -> tuple[np.ndarray, np.ndarray]:
    """The day (float, NaN where not a number) and detail (None without a column) of rows."""
    day = pd.to_numeric(sel[src.day], errors="coerce").to_numpy(dtype="float64")
    detail = (
        sel[src.detail].to_numpy(dtype=object)
        if src.detail and src.detail in sel.columns
        else np.full(len(sel), None, dtype=object)
    )
    return day, detail


class Rows:
    """Source rows of one derivation call: each table normalised and each source read once.

    A source's rows come back as numpy arrays: position of the patient in ``ids``, day and
    detail (rows of patients not in the patients table are left out).
    """

    def __init__(self, tables: Mapping[str, pd.DataFrame], ids: list[str]):
        self.tables = tables
        self.index = pd.Index(ids)
        self._norm: dict[str, pd.DataFrame] = {}
        self._cache: dict[tuple, tuple[np.ndarray, np.ndarray, np.ndarray]] = {}

    def _table(self, name: str, columns) -> pd.DataFrame:
        if name not in self._norm:
            self._norm[name] = get_table(self.tables, name, ["patient_id"])
        df = self._norm[name]
        require_columns(df, columns, what=f"table {name!r}")
        return df

    def __call__(self, src) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        key = (src.table, src.day, src.detail, tuple(sorted(map(str, src.where.items()))))
        if key not in self._cache:
            df = self._table(src.table, [src.day, *src.where])
            sel = df[where_mask(df, src.where)]
            day, detail = day_and_detail(sel, src)
            pos = self.index.get_indexer(sel["patient_id"])
            ok = (pos >= 0) & np.isfinite(day)
            self._cache[key] = (pos[ok], day[ok], detail[ok])
        return self._cache[key]


@dataclass
class _Pick:
    """Per patient (by position): the chosen day, its kind (cause), source index and detail."""

    day: np.ndarray
    kind: np.ndarray
    source: np.ndarray
    detail: np.ndarray


def _pick(rows: Rows, groups, origin: np.ndarray, latest: bool = False) -> _Pick:
    """Earliest (or latest) row per patient over ``groups`` of (sources, kind, rank).

    Rows before the patient's origin are ignored. Ties on the day go to the lower rank, then
    to the source listed first.
    """
    n = len(origin)
    parts = []
    for sources, kind, rank in groups:
        for i, src in enumerate(sources):
            pos, day, detail = rows(src)
            m = len(pos)
            parts.append((pos, day, detail, np.full(m, kind), np.full(m, rank), np.full(m, i)))
    out = _Pick(np.full(n, np.nan), np.zeros(n, int), np.full(n, -1), np.full(n, None, object))
    if not parts:
        return out
    pos, day, detail, kind, rank, source = (np.concatenate(c) for c in zip(*parts, strict=True))
    with np.errstate(invalid="ignore"):
        keep = day >= origin[pos]
    pos, day, detail, kind, rank, source = (a[keep] for a in (pos, day, detail, kind, rank, source))
    order = np.lexsort((source, rank, -day if latest else day, pos))
    first = order[np.r_[True, pos[order][1:] != pos[order][:-1]]] if len(order) else order
    at = pos[first]
    out.day[at], out.kind[at] = day[first], kind[first]
    out.source[at], out.detail[at] = source[first], detail[first]
    return out


def one_endpoint(ep, rows: Rows, ids: list[str], hsct_censor=None):
    """ADTTE rows of one endpoint (a DataFrame), its exclusions and its findings."""
    n = len(ids)
    origin = np.zeros(n)
    if ep.origin is not None:
        origin = _pick(rows, [([ep.origin], 0, 0)], np.full(n, -np.inf)).day
    tie = (2, 1) if ep.competing_wins_ties else (1, 2)
    first = _pick(rows, [(ep.events, 1, tie[0]), (ep.competing, 2, tie[1])], origin)
    truncating = [c for c in ep.censors if c.truncates]
    if hsct_censor is not None and hsct_censor not in truncating:
        truncating.append(hsct_censor)
    ends = [c for c in ep.censors if not c.truncates]
    trunc = _pick(rows, [(truncating, 0, 0)], origin)
    end = _pick(rows, [(ends, 0, 0)], origin, latest=True)
    has_start = np.isfinite(origin)
    e, t, c = first.day, trunc.day, end.day
    with np.errstate(invalid="ignore"):
        use_e = has_start & np.isfinite(e) & (np.isnan(t) | (e <= t))
        use_t = has_start & ~use_e & np.isfinite(t) & (np.isnan(c) | (t <= c))
    use_c = has_start & ~use_e & ~use_t & np.isfinite(c)
    cause = np.where(use_e, first.kind, 0)
    day = np.select([use_e, use_t, use_c], [e, t, c], np.nan)
    chosen = [
        (use_e & (cause == 1), ep.events, first),
        (use_e & (cause == 2), ep.competing, first),
        (use_t, truncating, trunc),
        (use_c, ends, end),
    ]
    info = {k: np.full(n, "", dtype=object) for k in ("description", "name", "table")}
    detail = np.full(n, None, dtype=object)
    for mask, sources, pick in chosen:
        for i in np.flatnonzero(mask):
            src = sources[pick.source[i]]
            info["description"][i], info["name"][i] = src.description, src.name
            info["table"][i] = src.table
            value = pick.detail[i]
            detail[i] = None if value is None or pd.isna(value) else str(value)
    out = pd.DataFrame(
        {
            "USUBJID": ids,
            "patient_id": ids,
            "PARAMCD": ep.paramcd,
            "PARAM": ep.param,
            "STARTDY": origin,
            "ADY": day,
            "AVAL": day - origin,
            "AVALU": "DAYS",
            "CNSR": (cause != 1).astype("int64"),
            "CAUSE": cause.astype("int64"),
            "EVNTDESC": np.where(cause > 0, info["description"], ""),
            "CNSDTDSC": np.where(cause == 0, info["description"], ""),
            "SRCDOM": info["table"],
            "SRCSEQ": info["name"],
            "EVNTDTL": detail,
        }
    )
    derived = use_e | use_t | use_c
    excluded = [
        (pid, f"{ep.paramcd}: no origin ({ep.origin.name})")
        if not ok_start
        else (pid, f"{ep.paramcd}: no event and no censoring date")
        for pid, ok_start, ok in zip(ids, has_start, derived, strict=True)
        if not ok
    ]
    with np.errstate(invalid="ignore"):
        late = use_e & np.isfinite(c) & (e > c)
    findings = [
        (
            ids[i],
            "time_to_event",
            f"{ep.paramcd}: event on day {e[i]:g} after the last censoring date (day {c[i]:g});"
            " the event is used — check the last_contact date",
        )
        for i in np.flatnonzero(late)
    ]
    return out[derived], excluded, findings
