"""Analysis kind ``crs_icans_characteristics``: the CRS and ICANS table of every CAR-T paper.

Per syndrome: patients with any grade and with each grade, onset and duration (median and
range, days), tocilizumab and corticosteroids during the syndrome. The grades are the study's
grading (:func:`cartkit.derive.toxicity.grade_study`, as every other analysis uses them); onset,
duration and treatment come from :func:`cartkit.derive.tox_course.syndrome_course`, the daily
grades of the figure from :func:`cartkit.derive.tox_course.daily_grades`. Printed by
:mod:`cartkit.report.sections.toxicity`.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from ...derive.tox_course import COURSE_DRUGS, daily_grades, syndrome_course
from ...plan.schema import CrsIcansCharacteristics
from ..results import KindResult

__all__ = [
    "CHARACTERISTICS_COLUMNS",
    "DAILY_COLUMNS",
    "GRADES",
    "RUNNERS",
    "SYNDROMES",
    "CrsIcansResult",
    "run_crs_icans_characteristics",
]

#: the syndromes, as their grading terms
SYNDROMES = ("crs", "icans")
#: the grades counted one by one (ASTCT grades 1-4, and 5 for a death from the syndrome)
GRADES = (1, 2, 3, 4, 5)
_COUNTS = ("any", *(f"grade_{g}" for g in GRADES), "grade_3plus", *COURSE_DRUGS)
#: columns of the ``data`` table: one row per syndrome
CHARACTERISTICS_COLUMNS = (
    "syndrome", "n", "n_events", "percent",
    *(f"n_grade_{g}" for g in GRADES), *(f"percent_grade_{g}" for g in GRADES),
    "n_grade_3plus", "percent_grade_3plus",
    "onset_n", "onset_median", "onset_min", "onset_max",
    "duration_n", "duration_median", "duration_min", "duration_max",
    "n_recorded_course", "n_multiple_episodes",
    *(f"n_{d}" for d in COURSE_DRUGS), *(f"percent_{d}" for d in COURSE_DRUGS),
)  # fmt: skip
#: columns of :attr:`CrsIcansResult.daily`
DAILY_COLUMNS = ("syndrome", "day", "grade", "n_patients", "n", "percent")


@dataclass(frozen=True, kw_only=True)
class CrsIcansResult(KindResult):
    """The numbers of a ``crs_icans_characteristics`` analysis.

    ``data[analysis.id]`` has :data:`CHARACTERISTICS_COLUMNS`, one row per syndrome graded.

    Attributes
    ----------
    daily : pandas.DataFrame
        :data:`DAILY_COLUMNS`: per syndrome, day of ``analysis.days`` and grade >= 1, the
        patients at that grade that day (``n_patients``) of the ``n`` graded (``percent``).
    daily_source : tuple of tuple of str
        ``(syndrome, source)`` with source ``"daily"`` (every patient's days from daily
        assessments), ``"recorded"`` (from adverse_events onset and end days) or ``"mixed"``.
    medications : bool
        Whether the study has a medications table (without it, drug use is unknown).
    """

    daily: pd.DataFrame = field(default_factory=lambda: pd.DataFrame(columns=DAILY_COLUMNS))
    daily_source: tuple[tuple[str, str], ...] = ()
    medications: bool = False


def _summary(values: np.ndarray, prefix: str) -> dict:
    v = values[~np.isnan(values)]
    if not v.size:
        return {f"{prefix}_n": 0, **{f"{prefix}_{k}": np.nan for k in ("median", "min", "max")}}
    return {
        f"{prefix}_n": int(v.size),
        f"{prefix}_median": float(np.median(v)),
        f"{prefix}_min": float(v.min()),
        f"{prefix}_max": float(v.max()),
    }


def _row(term: str, course: pd.DataFrame) -> dict:
    n = len(course)
    grade = course["grade"].fillna(0).to_numpy(dtype=float)
    has = grade >= 1
    counts = {"any": int(has.sum()), "grade_3plus": int((grade >= 3).sum())}
    counts.update({f"grade_{g}": int((grade == g).sum()) for g in GRADES})
    for drug in COURSE_DRUGS:
        known = course[drug]
        counts[drug] = int(known.fillna(False).sum()) if known.notna().any() else np.nan

    def pct(k):
        return 100.0 * k / n if n and not pd.isna(k) else np.nan

    row = {"syndrome": term, "n": n, "n_events": counts["any"], "percent": pct(counts["any"])}
    for key in _COUNTS[1:]:
        row[f"n_{key}"], row[f"percent_{key}"] = counts[key], pct(counts[key])
    with_it = course[has]
    row.update(_summary(with_it["onset_day"].to_numpy(dtype=float), "onset"))
    row.update(_summary(with_it["duration_days"].to_numpy(dtype=float), "duration"))
    row["n_recorded_course"] = int((with_it["course_source"] == "recorded").sum())
    row["n_multiple_episodes"] = int((with_it["n_episodes"] > 1).sum())
    return row


def _notes(term: str, course: pd.DataFrame, row: dict, excluded: int, days_from: str) -> list:
    name = term.upper()
    notes = []
    if excluded:
        notes.append(
            f"{name}: {excluded} patient(s) could not be graded and are left out (see the "
            "exclusions)"
        )
    has = course["grade"].fillna(0).to_numpy(dtype=float) >= 1
    if row["n_recorded_course"] and days_from == "recorded":
        notes.append(
            f"{name}: no daily assessments; onset and duration come from the onset_day and "
            "end_day recorded in adverse_events"
        )
    elif row["n_recorded_course"]:
        notes.append(
            f"{name}: onset and duration of {row['n_recorded_course']} patient(s) come from the "
            "onset_day and end_day recorded in adverse_events (no day graded ≥ 1 in the daily "
            "assessments)"
        )
    no_course = int((has & course["course_source"].isna()).sum())
    if no_course:
        notes.append(f"{name}: {no_course} patient(s) with {name} have no onset day")
    no_end = int((has & course["onset_day"].notna() & course["duration_days"].isna()).sum())
    if no_end:
        notes.append(
            f"{name}: {no_end} patient(s) have no end_day in adverse_events and are left out "
            "of the duration"
        )
    if row["n_multiple_episodes"]:
        notes.append(
            f"{name}: {row['n_multiple_episodes']} patient(s) had more than one episode; the "
            "duration runs from the first to the last day at grade ≥ 1, days between episodes "
            "included"
        )
    return notes


def _daily_counts(term: str, grades: pd.DataFrame, n: int, days) -> pd.DataFrame:
    first, last = int(np.floor(days[0])), int(np.floor(days[1]))
    full = pd.MultiIndex.from_product(
        [np.arange(first, last + 1, dtype=float), list(GRADES)], names=["day", "grade"]
    )
    counts = grades.groupby(["day", "grade"]).size().reindex(full, fill_value=0)
    out = counts.rename("n_patients").reset_index()
    out.insert(0, "syndrome", term)
    out["n"] = n
    out["percent"] = 100.0 * out["n_patients"] / n if n else np.nan
    return out[list(DAILY_COLUMNS)]


def _source(grading, grades: pd.DataFrame) -> str:
    if grading.detail is None or len(grading.detail) == 0:
        return "recorded"
    return "mixed" if (grades["source"] == "recorded").any() else "daily"


def run_crs_icans_characteristics(analysis: CrsIcansCharacteristics, ctx) -> CrsIcansResult:
    """Patients by grade, onset, duration and treatment of CRS and ICANS, and daily grades.

    Parameters
    ----------
    analysis : cartkit.plan.schema.CrsIcansCharacteristics
        The plan analysis (``days``: the window of the daily grades).
    ctx : cartkit.runner.context.Context
        The datasets of the run (its CRS and ICANS gradings and the study's tables).

    Returns
    -------
    CrsIcansResult
        One row per syndrome with a grading: counts among the graded patients of the
        population; onset and duration (days) among the patients with the syndrome; drug use
        during the syndrome. Notes name patients left out, recorded onsets used, and that the
        data format records no ICU transfer.
    """
    pats, notes = ctx.population(analysis.population)
    notes = list(notes)
    keep = set(pats["patient_id"].astype(str))
    tables = ctx.tables
    rows, daily, sources, n_max = [], [], [], 0
    for term in SYNDROMES:
        grading = ctx.grading.get(term)
        if grading is None:
            notes.append(
                f"{term.upper()}: not summarised, the study has no {term} table and no "
                "adverse_events table"
            )
            continue
        course = syndrome_course(
            grading,
            term,
            adverse_events=tables.get("adverse_events"),
            medications=tables.get("medications"),
        )
        course = course[course["patient_id"].isin(keep)]
        excluded = int(grading.excluded["patient_id"].astype(str).isin(keep).sum())
        grades = daily_grades(
            grading, term, adverse_events=tables.get("adverse_events"), days=analysis.days
        )
        grades = grades[grades["patient_id"].isin(set(course["patient_id"]))]
        row = _row(term, course)
        rows.append(row)
        source = _source(grading, grades)
        notes += _notes(term, course, row, excluded, source)
        daily.append(_daily_counts(term, grades, len(course), analysis.days))
        sources.append((term, source))
        n_max = max(n_max, len(course))
    if not rows:
        return CrsIcansResult(analysis=analysis, notes=notes)
    has_meds = tables.get("medications") is not None
    if not has_meds:
        notes.append(
            "No medications table: tocilizumab and corticosteroid use during CRS and ICANS are "
            "not known"
        )
    notes.append("ICU transfer is not reported: no table of the data format records it")
    return CrsIcansResult(
        analysis=analysis,
        notes=notes,
        n=n_max,
        data={analysis.id: pd.DataFrame(rows, columns=list(CHARACTERISTICS_COLUMNS))},
        daily=pd.concat(daily, ignore_index=True),
        daily_source=tuple(sources),
        medications=has_meds,
    )


RUNNERS = {"crs_icans_characteristics": run_crs_icans_characteristics}
