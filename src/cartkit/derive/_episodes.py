"""Pieces shared by the grading derivations: episodes, deaths, input checks.

The grading derivations return the :class:`cartkit.derive._common.Derived` of every derivation.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence

import numpy as np
import pandas as pd

from .._core.checks import numeric_column, require_columns
from ..errors import DataError
from ._common import by_value, excluded_frame


def check_categories(
    df: pd.DataFrame, column: str, allowed: Mapping[str, int] | Iterable[str], what: str
) -> pd.Series:
    """Column as stripped lower-case strings (NaN kept); DataError naming rows with other values."""
    present = df[column].notna()
    lowered = pd.Series(None, index=df.index, dtype=object)
    lowered[present] = by_value(
        df.loc[present, column], lambda s: s.astype(str).str.strip().str.lower()
    ).astype(object)
    bad = lowered.notna() & ~lowered.isin(list(allowed))
    if bad.any():
        idx = df.index[bad.to_numpy()][:5].tolist()
        shown = ", ".join(
            f"index {i} (patient {df.loc[i, 'patient_id']!s}): {df.loc[i, column]!r}" for i in idx
        )
        raise DataError(
            f"{what}: column {column!r} has values outside {sorted(allowed)} at {shown};"
            f" use one of the listed values or leave the cell empty"
        )
    return lowered


def prepare(
    df: pd.DataFrame, columns: Iterable[str], what: str, rows: np.ndarray | None = None
) -> pd.DataFrame:
    """Copy with patient_id as str and day as float, sorted by patient and day (stable).

    The index keeps the caller's row labels (made unique if they were not), so error
    messages name the rows as the caller knows them; reset it before returning results.
    ``rows`` (a boolean mask) keeps only those rows, after every row has been checked: a
    derivation that uses a few tests of a long labs table sorts those alone.
    """
    columns = list(columns)
    require_columns(df, ["patient_id", "day", *columns], what)
    base = df if df.index.is_unique else df.reset_index(drop=True)
    if base["patient_id"].isna().any():
        i = base.index[base["patient_id"].isna().to_numpy()][0]
        raise DataError(f"{what}: patient_id is empty at index {i}; every row needs a patient")
    day = numeric_column(base, "day", what)
    if np.isnan(day).any():
        i = base.index[np.isnan(day)][0]
        raise DataError(
            f"{what}: day is empty at index {i} (patient {base.loc[i, 'patient_id']});"
            " every assessment needs its day from infusion"
        )
    if rows is None:
        out = base.copy()
    else:
        rows = np.asarray(rows, dtype=bool)
        out, day = base[rows].copy(), day[rows]
    out["patient_id"] = out["patient_id"].astype(str)
    out["day"] = day
    return out.sort_values(["patient_id", "day"], kind="mergesort")


def label_episodes(
    patient: np.ndarray,
    day: np.ndarray,
    start: np.ndarray,
    active: np.ndarray,
    gap_days: float,
) -> tuple[np.ndarray, np.ndarray]:
    """Number the episodes of each patient (rows sorted by patient, then day).

    An episode opens on a row where ``start`` holds; it stays open while ``active`` rows follow
    within ``gap_days`` of the previous active row, so it ends once ``gap_days`` consecutive
    days pass without an active row. Returns the episode number per row (0 = not in an active
    episode row) and the day the row's episode started (NaN outside episodes).
    """
    n = len(day)
    episode = np.zeros(n, dtype=np.int64)
    started = np.full(n, np.nan)
    current = None
    count = 0
    is_open = False
    last = -np.inf
    begin = np.nan
    # sequential by nature: whether a row opens an episode depends on the rows before it
    for i in range(n):
        if patient[i] != current:
            current, count, is_open, last = patient[i], 0, False, -np.inf
        if is_open and day[i] - last > gap_days:
            is_open = False
        if not is_open and start[i]:
            count += 1
            is_open, begin = True, day[i]
        if is_open and active[i]:
            last = day[i]
            episode[i] = count
            started[i] = begin
    return episode, started


def episode_summary(daily: pd.DataFrame) -> pd.DataFrame:
    """Per patient: max grade, onset, summed episode duration and episode count.

    Only rows graded >= 1 count towards onset and duration; an episode lasts from its first to
    its last graded day, inclusive (a one-day episode lasts 1 day).
    """
    graded = daily[daily["grade"].notna()]
    ids = pd.Index(pd.unique(graded["patient_id"]), name="patient_id")
    max_grade = graded.groupby("patient_id", sort=False)["grade"].max().reindex(ids)
    pos = graded[(graded["grade"] >= 1) & (graded["episode"] > 0)]
    spans = pos.groupby(["patient_id", "episode"], sort=False)["day"].agg(["min", "max"])
    spans["length"] = spans["max"] - spans["min"] + 1.0
    per = spans.groupby(level="patient_id", sort=False).agg(
        onset_day=("min", "min"), duration_days=("length", "sum"), n_episodes=("length", "size")
    )
    out = pd.DataFrame(index=ids)
    out["max_grade"] = max_grade.astype("Int64")
    out = out.join(per)
    out["n_episodes"] = out["n_episodes"].fillna(0).astype("int64")
    out["duration_days"] = out["duration_days"].where(out["n_episodes"] > 0, 0.0)
    return out.reset_index()


def summarize_daily(
    daily: pd.DataFrame, what: str, reason: Callable[[pd.DataFrame], str]
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Per-patient summary of daily grades, and the patients none of whose days was graded.

    ``what`` names the daily table in error messages; ``reason(rows)`` gives the exclusion
    reason of a patient from its daily rows. The summary is :func:`episode_summary` plus a
    ``note`` counting the patient's assessments that could not be graded.
    """
    require_columns(daily, ["patient_id", "day", "grade", "episode"], what)
    summary = episode_summary(daily)
    graded = set(summary["patient_id"])
    ungraded_rows = daily[~daily["patient_id"].isin(graded)]
    excluded = excluded_frame(
        (p, reason(rows)) for p, rows in ungraded_rows.groupby("patient_id", sort=False)
    )
    ungraded = daily[daily["grade"].isna()].groupby("patient_id", sort=False).size()
    summary["note"] = [
        f"{int(ungraded[p])} assessment(s) could not be graded" if p in ungraded.index else None
        for p in summary["patient_id"]
    ]
    return summary, excluded


def notes_from_flags(n: int, flags: Iterable[tuple[np.ndarray, str]]) -> np.ndarray:
    """One note per row: the texts whose flag holds, joined by '; ' (None when none holds)."""
    parts: dict[int, list[str]] = {}
    for mask, text in flags:
        for i in np.flatnonzero(mask):
            parts.setdefault(int(i), []).append(text)
    out = np.full(n, None, dtype=object)
    for i, texts in parts.items():
        out[i] = "; ".join(texts)
    return out


def death_days(events: pd.DataFrame | None, causes: Sequence[str]) -> pd.DataFrame:
    """patient_id, day of deaths whose detail names the toxicity (grade 5)."""
    empty = pd.DataFrame({"patient_id": pd.Series(dtype=object), "day": pd.Series(dtype=float)})
    if events is None or len(events) == 0:
        return empty
    ev = prepare(events, ["event"], "events")
    if "detail" not in ev.columns:
        return empty
    kind = ev["event"].astype(str).str.strip().str.lower()
    detail = ev["detail"].where(ev["detail"].notna(), "").astype(str).str.strip().str.lower()
    hit = (kind == "death") & detail.isin([c.lower() for c in causes])
    return ev.loc[hit, ["patient_id", "day"]].drop_duplicates("patient_id")


def _blank(dtype):
    if dtype == np.bool_:
        return False
    if dtype == np.int64:
        return 0
    return pd.NA if str(dtype) == "Int64" else None


def add_deaths(daily: pd.DataFrame, deaths: pd.DataFrame, note: str) -> pd.DataFrame:
    """Grade 5 on the day of a death from the toxicity (on that day's row, or a new row)."""
    daily = daily.reset_index(drop=True)
    if len(deaths) == 0:
        return daily
    extra = []
    for p, d in zip(deaths["patient_id"], deaths["day"], strict=True):
        mine = daily["patient_id"] == p
        last_ep = int(daily.loc[mine, "episode"].max()) if mine.any() else 0
        same = mine & (daily["day"] == d)
        if same.any():
            daily.loc[same, "grade"] = 5
            daily.loc[same, "episode"] = daily.loc[same, "episode"].where(
                daily.loc[same, "episode"] > 0, max(last_ep, 1)
            )
            daily.loc[same, "note"] = note
        else:
            # a death row carries no assessment: flags false, component grades 0
            row = {c: _blank(daily[c].dtype) for c in daily.columns}
            row.update(patient_id=p, day=float(d), grade=5, episode=max(last_ep, 1), note=note)
            extra.append(row)
    if extra:
        add = pd.DataFrame(extra, columns=daily.columns)
        add = add.astype({c: daily[c].dtype for c in daily.columns if c != "note"})
        # column by column: a frame-level concat would re-infer all-NA columns' dtypes
        daily = pd.DataFrame(
            {c: pd.concat([daily[c], add[c]], ignore_index=True) for c in daily.columns}
        )
        daily = daily.sort_values(["patient_id", "day"], kind="mergesort").reset_index(drop=True)
    return daily
