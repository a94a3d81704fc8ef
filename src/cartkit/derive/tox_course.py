"""The course of CRS or ICANS per patient: onset, duration, treatment, and the daily grades.

Built on a grading (:func:`cartkit.derive.toxicity.grade_study`): the patient's grade is the
grading's (recorded or derived, as the grading chose), while onset and duration follow the ASTCT
daily grades (``grading.detail``), so a day graded only by organ support after tocilizumab or
steroids counts as it does in the grading. A patient with the syndrome but no day graded >= 1
(recorded grades only) takes the ``onset_day`` and ``end_day`` of their ``adverse_events``
rows. Rules and their sources: docs/clinical-rules.md, "Onset, duration and treatment of
CRS and ICANS".
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from .._core.checks import numeric_column, require_columns
from .._core.frames import plain_text
from ._common import Derived, lower_text
from .recorded import recorded_grades

__all__ = ["COURSE_COLUMNS", "COURSE_DRUGS", "daily_grades", "syndrome_course"]

#: drugs (``medications.drug``) whose use during the syndrome is reported
COURSE_DRUGS = ("tocilizumab", "corticosteroid")
#: columns of :func:`syndrome_course`
COURSE_COLUMNS = (
    "patient_id",
    "grade",
    "onset_day",
    "last_day",
    "duration_days",
    "n_episodes",
    "course_source",
    *COURSE_DRUGS,
)


def _daily_positive(detail: pd.DataFrame) -> pd.DataFrame:
    """Per patient with a day graded >= 1: first and last such day, and the episodes."""
    if detail is None or len(detail) == 0:
        return pd.DataFrame(columns=["onset_day", "last_day", "n_episodes"], dtype=float)
    require_columns(detail, ["patient_id", "day", "grade", "episode"], "daily grades")
    graded = pd.to_numeric(detail["grade"], errors="coerce").fillna(0).to_numpy() >= 1
    pos = detail[graded]
    return pos.groupby("patient_id", sort=False).agg(
        onset_day=("day", "min"), last_day=("day", "max"), n_episodes=("episode", "nunique")
    )


def _recorded(adverse_events: pd.DataFrame | None, term: str) -> pd.DataFrame:
    """Per patient with recorded rows of ``term``: earliest onset, latest end, rows."""
    rec = recorded_grades(adverse_events, term)
    if rec is None:
        return pd.DataFrame(columns=["onset_day", "last_day", "n_episodes"], dtype=float)
    rec = rec.set_index("patient_id")
    # recorded_grades gives latest end - earliest onset + 1; NaN without an end day
    return pd.DataFrame(
        {
            "onset_day": rec["onset_day"],
            "last_day": rec["onset_day"] + rec["duration_days"] - 1.0,
            "n_episodes": rec["n_episodes"].astype(float),
        }
    )


def _given_during(course: pd.DataFrame, medications: pd.DataFrame | None, drug: str) -> pd.Series:
    """Whether each patient had a dose of ``drug`` from onset to the last day (inclusive).

    Without an end day the window stays open; missing (NA) for everyone without a
    medications table, which cannot tell "not given" from "not recorded".
    """
    index = course.index
    if medications is None:
        return pd.Series(pd.NA, index=index, dtype="boolean")
    require_columns(medications, ["patient_id", "day", "drug"], "medications")
    meds = pd.DataFrame(
        {
            "patient_id": medications["patient_id"].astype(str),
            "day": numeric_column(medications, "day", "medications"),
            "hit": lower_text(medications["drug"]).eq(drug).fillna(False).to_numpy(dtype=bool),
        }
    )
    meds = meds[meds["hit"]]
    window = course.loc[course["onset_day"].notna(), ["onset_day", "last_day"]]
    doses = meds.merge(window, left_on="patient_id", right_index=True, how="inner")
    upto = doses["last_day"].fillna(np.inf)
    inside = (doses["day"] >= doses["onset_day"]) & (doses["day"] <= upto)
    given = set(doses.loc[inside, "patient_id"])
    return pd.Series(index.isin(given), index=index, dtype="boolean")


def syndrome_course(
    grading: Derived,
    term: str,
    *,
    adverse_events: pd.DataFrame | None = None,
    medications: pd.DataFrame | None = None,
) -> pd.DataFrame:
    """Onset, duration and treatment of CRS or ICANS for each graded patient.

    Parameters
    ----------
    grading : Derived
        The grading of ``term`` (:func:`cartkit.derive.toxicity.grade_study`): ``table`` with
        ``patient_id, grade`` and ``detail`` the daily grades (``patient_id, day, grade,
        episode``; empty when only recorded grades exist).
    term : {"crs", "icans"}
        The syndrome, as its ``adverse_events.term``.
    adverse_events : pandas.DataFrame, optional
        The recorded grades: their ``onset_day`` and ``end_day`` give the course of a patient
        with the syndrome and no day graded >= 1.
    medications : pandas.DataFrame, optional
        ``patient_id, day, drug``: doses of tocilizumab and corticosteroids.

    Returns
    -------
    pandas.DataFrame
        One row per patient of ``grading.table``, columns :data:`COURSE_COLUMNS`: ``grade``
        (the grading's), and for a patient with grade >= 1: ``onset_day`` (first day at grade
        >= 1, days after infusion), ``last_day`` (last such day), ``duration_days`` (``last_day
        - onset_day + 1``: both days count, days between episodes too), ``n_episodes``,
        ``course_source`` (``"daily"`` from the daily grades, ``"recorded"`` from
        adverse_events, None without either), and ``tocilizumab`` / ``corticosteroid``: a dose
        on a day from onset to the last day (NA for everyone without a medications table).
        Patients without the syndrome have NaN days, 0 episodes and False drugs.
    """
    require_columns(grading.table, ["patient_id", "grade"], f"{term} grading")
    ids = pd.Index(grading.table["patient_id"].astype(str), name="patient_id")
    grade = pd.array(pd.to_numeric(grading.table["grade"]).to_numpy(), dtype="Int64")
    has = pd.Series(grade, index=ids).fillna(0).to_numpy() >= 1
    daily = _daily_positive(grading.detail).reindex(ids)
    rec = _recorded(adverse_events, term).reindex(ids)
    use_daily = has & daily["onset_day"].notna().to_numpy()
    use_rec = has & ~use_daily & rec["onset_day"].notna().to_numpy()
    pick = np.where(use_daily[:, None], daily.to_numpy(dtype=float), rec.to_numpy(dtype=float))
    pick[~(use_daily | use_rec)] = np.nan
    course = pd.DataFrame(pick, index=ids, columns=["onset_day", "last_day", "n_episodes"])
    course.insert(0, "grade", grade)
    course["duration_days"] = course["last_day"] - course["onset_day"] + 1.0
    course["n_episodes"] = course["n_episodes"].fillna(0).astype("int64")
    source = np.full(len(ids), None, dtype=object)
    source[use_daily], source[use_rec] = "daily", "recorded"
    course["course_source"] = source
    for drug in COURSE_DRUGS:
        course[drug] = _given_during(course, medications, drug)
    return plain_text(course.reset_index()[list(COURSE_COLUMNS)])


def daily_grades(
    grading: Derived,
    term: str,
    *,
    adverse_events: pd.DataFrame | None = None,
    days: tuple[float, float] = (0.0, 28.0),
) -> pd.DataFrame:
    """Each graded patient's grade on each whole day of ``days`` on which it was >= 1.

    A patient with daily assessments takes their ASTCT daily grades (several assessments of
    one day: the worst; a day without an assessment counts as no CRS/ICANS, as in the
    grading). A patient graded only from ``adverse_events`` takes each recorded row's grade on
    every day from its ``onset_day`` to its ``end_day`` (the onset day alone without an end).

    Parameters
    ----------
    grading : Derived
        As for :func:`syndrome_course`.
    term : {"crs", "icans"}
    adverse_events : pandas.DataFrame, optional
    days : tuple of float
        First and last day after infusion (inclusive).

    Returns
    -------
    pandas.DataFrame
        ``patient_id, day, grade, source`` (``"daily"`` or ``"recorded"``), one row per patient
        and day with grade >= 1, sorted by patient and day.
    """
    first, last = float(days[0]), float(days[1])
    ids = set(grading.table["patient_id"].astype(str))
    frames = []
    detail = grading.detail
    assessed: set[str] = set()
    if detail is not None and len(detail):
        assessed = set(detail["patient_id"].astype(str))
        d = pd.DataFrame(
            {
                "patient_id": detail["patient_id"].astype(str),
                "day": np.floor(detail["day"].to_numpy(dtype=float)),
                "grade": pd.to_numeric(detail["grade"], errors="coerce").fillna(0).to_numpy(),
            }
        )
        frames.append(d.assign(source="daily"))
    rec = recorded_grades(adverse_events, term)
    if rec is not None:
        ae = adverse_events[lower_text(adverse_events["term"]).eq(term).fillna(False)]
        ae = ae[~ae["patient_id"].astype(str).isin(assessed)]
        onset = numeric_column(ae, "onset_day", "adverse_events")
        end = numeric_column(ae, "end_day", "adverse_events") if "end_day" in ae else onset
        end = np.where(np.isnan(end), onset, end)
        ok = ~np.isnan(onset)
        start, stop = np.floor(onset[ok]), np.floor(end[ok])
        length = (stop - start + 1).astype(np.int64)
        # one row per recorded day: repeat each event over its days, offset by 0..length-1
        offsets = np.arange(length.sum()) - np.repeat(np.cumsum(length) - length, length)
        frames.append(
            pd.DataFrame(
                {
                    "patient_id": np.repeat(ae["patient_id"].astype(str).to_numpy()[ok], length),
                    "day": np.repeat(start, length) + offsets,
                    "grade": np.repeat(numeric_column(ae, "grade", "adverse_events")[ok], length),
                    "source": "recorded",
                }
            )
        )
    if not frames:
        return pd.DataFrame(
            {
                "patient_id": pd.Series(dtype=object),
                "day": pd.Series(dtype=float),
                "grade": pd.Series(dtype="int64"),
                "source": pd.Series(dtype=object),
            }
        )
    out = pd.concat(frames, ignore_index=True)
    keep = out["patient_id"].isin(ids) & (out["grade"] >= 1) & out["day"].between(first, last)
    out = out[keep]
    out = out.sort_values(["patient_id", "day", "grade"], kind="mergesort")
    out = out.drop_duplicates(["patient_id", "day"], keep="last").reset_index(drop=True)
    out["grade"] = out["grade"].astype("int64")
    return plain_text(out[["patient_id", "day", "grade", "source"]])
