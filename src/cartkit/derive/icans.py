"""ICANS graded by the ASTCT consensus (Lee et al., BBMT 2019;25:625).

Adults and children aged >= 12 years are scored with the ICE tool, younger children with the
Cornell Assessment of Pediatric Delirium (CAPD). The grade is the worst of five domains.
Every rule and its source is written down in docs/clinical-rules.md, section "Grading".
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace

import numpy as np
import pandas as pd

from .._core.checks import numeric_column, require_columns
from .._core.frames import plain_text_result
from ..errors import DataError
from ._common import Derived
from ._episodes import (
    add_deaths,
    check_categories,
    death_days,
    label_episodes,
    notes_from_flags,
    prepare,
    summarize_daily,
)
from .recorded import reconcile_grades

__all__ = [
    "ICANS_CONSCIOUSNESS_GRADES",
    "ICANS_EDEMA_GRADES",
    "ICANS_SEIZURE_GRADES",
    "capd_grade",
    "derive_icans",
    "grade_icans",
    "ice_grade",
    "summarize_icans",
]

#: depressed level of consciousness: awakens to voice 2, only to tactile stimulus 3,
#: unarousable or needing vigorous/repetitive tactile stimuli (stupor, coma) 4
ICANS_CONSCIOUSNESS_GRADES = {"awake": 0, "voice": 2, "touch": 3, "unarousable": 4}
#: any clinical seizure that resolves rapidly, or non-convulsive seizures on EEG that resolve
#: with intervention 3; life-threatening prolonged (> 5 min) or repetitive seizures without
#: return to baseline in between 4
ICANS_SEIZURE_GRADES = {"none": 0, "rapid": 3, "prolonged": 4}
#: focal/local oedema on neuroimaging 3; diffuse oedema (or decerebrate/decorticate
#: posturing, cranial nerve VI palsy, papilledema, Cushing's triad) 4
ICANS_EDEMA_GRADES = {"none": 0, "focal": 3, "diffuse": 4}
#: events.detail values of a death from ICANS (grade 5)
ICANS_DEATH_CAUSES = ("icans", "neurotoxicity", "cerebral_edema", "cerebral edema")

_TRUE = {"true", "yes", "y", "1", "1.0"}
_FALSE = {"false", "no", "n", "0", "0.0"}


def ice_grade(score) -> np.ndarray:
    """ICANS grade of ICE scores: 10 -> 0, 7-9 -> 1, 3-6 -> 2, 0-2 -> 3 (NaN stays NaN).

    An ICE score of 0 in an unarousable patient is grade 4; that comes from the level of
    consciousness, so the score alone gives 3 (awake with global aphasia).
    """
    s = np.asarray(score, dtype=float)
    out = np.select([s >= 10, s >= 7, s >= 3, s >= 0], [0.0, 1.0, 2.0, 3.0], np.nan)
    return np.where(np.isnan(s), np.nan, out)


def capd_grade(score) -> np.ndarray:
    """ICANS grade of CAPD scores: 0 -> 0, 1-8 -> 1, >= 9 -> 3 (NaN stays NaN).

    The ASTCT table for children places CAPD 1-8 under both grade 1 and grade 2; the score
    alone gives the lower, grade 2 then comes from awakening only to voice.
    """
    s = np.asarray(score, dtype=float)
    out = np.select([s >= 9, s >= 1, s >= 0], [3.0, 1.0, 0.0], np.nan)
    return np.where(np.isnan(s), np.nan, out)


def _score(df: pd.DataFrame, column: str, top: int) -> np.ndarray:
    if column not in df.columns:
        return np.full(len(df), np.nan)
    s = numeric_column(df, column, "icans")
    bad = ~np.isnan(s) & ((s < 0) | (s > top) | (s != np.round(s)))
    if bad.any():
        i = np.flatnonzero(bad)[0]
        raise DataError(
            f"icans: {column} {s[i]:g} at index {df.index[i]}"
            f" (patient {df['patient_id'].iloc[i]}) is not a whole number 0-{top};"
            " correct it or leave it empty"
        )
    return s


def _flag(df: pd.DataFrame, column: str) -> np.ndarray:
    """Boolean column as float (1, 0, NaN), accepting true/false, yes/no, 1/0, y/n."""
    out = np.full(len(df), np.nan)
    for i, v in enumerate(df[column].tolist()):
        if v is None or (isinstance(v, float) and np.isnan(v)) or v is pd.NA:
            continue
        text = str(v).strip().lower()
        if text in _TRUE:
            out[i] = 1.0
        elif text in _FALSE:
            out[i] = 0.0
        else:
            raise DataError(
                f"icans: {column} {v!r} at index {df.index[i]}"
                f" (patient {df['patient_id'].iloc[i]}) is not a boolean;"
                " use true/false, yes/no or 1/0"
            )
    return out


@plain_text_result
def grade_icans(
    icans: pd.DataFrame,
    patients: pd.DataFrame,
    events: pd.DataFrame | None = None,
    *,
    age_cutoff: float = 12.0,
    resolution_days: float = 1.0,
    death_causes: Sequence[str] = ICANS_DEATH_CAUSES,
) -> pd.DataFrame:
    """Grade ICANS per patient-day by the ASTCT consensus (Lee et al. 2019).

    The grade of a day is the worst of: the encephalopathy score (ICE at age >= ``age_cutoff``,
    CAPD below it), the level of consciousness, seizures, motor weakness and raised
    intracranial pressure / cerebral oedema. A death from ICANS is grade 5.

    Parameters
    ----------
    icans : pandas.DataFrame
        ``patient_id, day, ice_score, capd_score, consciousness, seizure, motor_weakness,
        cerebral_edema``; ``ice_score`` or ``capd_score`` may be empty or absent.
    patients : pandas.DataFrame
        ``patient_id, age_years``: the age chooses the score.
    events : pandas.DataFrame, optional
        A ``death`` whose detail is in ``death_causes`` gives grade 5 on its day.
    age_cutoff : float, default 12.0
        Age in years from which ICE is used; younger patients are scored with CAPD.
    resolution_days : float, default 1.0
        An episode ends once this many consecutive days pass without ICANS (grade >= 1).
    death_causes : sequence of str
        ``events.detail`` values of a death from ICANS.

    Returns
    -------
    pandas.DataFrame
        ``patient_id, day, grade`` then ``episode``, ``score_tool`` (``ice``/``capd``/None),
        ``score_grade``, ``consciousness_grade``, ``seizure_grade``, ``motor_grade``,
        ``edema_grade``, ``note``. When the age-appropriate score is missing the other one is
        used if present, else the grade comes from the other domains (noted). A missing domain
        counts as absent and is noted; a row with every domain missing, or of a patient with
        no ``age_years``, has grade NA.
    """
    domains = ["consciousness", "seizure", "motor_weakness", "cerebral_edema"]
    df = prepare(icans, domains, "icans")
    require_columns(patients, ["patient_id", "age_years"], "patients")
    ages = pd.Series(
        numeric_column(patients, "age_years", "patients"),
        index=patients["patient_id"].astype(str).to_numpy(),
    )
    ages = ages[~ages.index.duplicated()]
    age = df["patient_id"].map(ages).to_numpy(dtype=float)

    ice = _score(df, "ice_score", 10)
    capd = _score(df, "capd_score", 32)
    adult = age >= age_cutoff
    primary = np.where(adult, ice, capd)
    other = np.where(adult, capd, ice)
    use_other = np.isnan(primary) & ~np.isnan(other)
    score_g = np.where(
        adult,
        np.where(use_other, capd_grade(capd), ice_grade(ice)),
        np.where(use_other, ice_grade(ice), capd_grade(capd)),
    )
    tool = np.where(adult != use_other, "ice", "capd").astype(object)
    no_score = np.isnan(primary) & np.isnan(other)
    tool[no_score | np.isnan(age)] = None
    score_g = np.where(np.isnan(age), np.nan, score_g)

    cons = check_categories(df, "consciousness", ICANS_CONSCIOUSNESS_GRADES, "icans")
    seiz = check_categories(df, "seizure", ICANS_SEIZURE_GRADES, "icans")
    edema = check_categories(df, "cerebral_edema", ICANS_EDEMA_GRADES, "icans")
    parts = {
        "score_grade": score_g,
        "consciousness_grade": cons.map(ICANS_CONSCIOUSNESS_GRADES).to_numpy(dtype=float),
        "seizure_grade": seiz.map(ICANS_SEIZURE_GRADES).to_numpy(dtype=float),
        "motor_grade": _flag(df, "motor_weakness") * 4.0,
        "edema_grade": edema.map(ICANS_EDEMA_GRADES).to_numpy(dtype=float),
    }
    stack = np.column_stack(list(parts.values()))
    all_missing = np.isnan(stack).all(axis=1)
    no_age = np.isnan(age)
    grade = np.nanmax(np.where(np.isnan(stack), 0.0, stack), axis=1)

    has_age = ~no_age
    flags = [
        (no_age, "no age_years in patients: ICE/CAPD choice unknown, not graded"),
        (has_age & use_other & adult, "ice_score missing: capd_score used instead"),
        (has_age & use_other & ~adult, "capd_score missing: ice_score used instead"),
        (
            has_age & no_score,
            "ice_score and capd_score missing: graded from the other domains",
        ),
    ]
    for key, name in (
        ("consciousness_grade", "consciousness"),
        ("seizure_grade", "seizure"),
        ("motor_grade", "motor_weakness"),
        ("edema_grade", "cerebral_edema"),
    ):
        flags.append((has_age & np.isnan(parts[key]), f"{name} missing"))
    notes = notes_from_flags(len(df), flags)

    pid = df["patient_id"].to_numpy(dtype=object)
    day = df["day"].to_numpy(dtype=float)
    ungraded = all_missing | no_age
    active = (grade >= 1) & ~ungraded
    episode, _ = label_episodes(pid, day, active, active, resolution_days)
    out = pd.DataFrame(
        {
            "patient_id": df["patient_id"],
            "day": day,
            "grade": pd.array(grade.astype(np.int64), dtype="Int64"),
            "episode": episode,
            "score_tool": tool,
            **{k: pd.array(v, dtype="Float64").astype("Int64") for k, v in parts.items()},
            "note": notes,
        }
    )
    out.loc[ungraded, "grade"] = pd.NA
    return add_deaths(out, death_days(events, death_causes), "death from ICANS (events table)")


def summarize_icans(daily: pd.DataFrame) -> Derived:
    """Per-patient ICANS summary from daily grades (the output of :func:`grade_icans`).

    Returns
    -------
    Derived
        ``table``: ``patient_id, max_grade, onset_day, duration_days, n_episodes, note``;
        ``excluded``: patients none of whose days could be graded, with the reason;
        ``detail``: ``daily``.
    """
    summary, excluded = summarize_daily(daily, "daily ICANS grades", _ungraded_reason)
    return Derived(table=summary, excluded=excluded, detail=daily)


def _ungraded_reason(rows: pd.DataFrame) -> str:
    if rows["note"].fillna("").str.contains("no age_years").any():
        return "no age_years in patients (ICE or CAPD cannot be chosen)"
    return "no ICANS assessment could be graded (every domain missing)"


def derive_icans(
    icans: pd.DataFrame | None = None,
    patients: pd.DataFrame | None = None,
    events: pd.DataFrame | None = None,
    adverse_events: pd.DataFrame | None = None,
    *,
    prefer: str = "recorded",
    **options,
) -> Derived:
    """Per-patient ICANS grade from daily assessments and/or graded adverse events.

    Parameters
    ----------
    icans, patients, events, adverse_events : pandas.DataFrame, optional
        The study tables; daily grading needs ``icans`` and ``patients`` (for age).
    prefer : {"recorded", "derived"}
        Which source gives a patient's grade when both exist (see
        :func:`cartkit.derive.recorded.reconcile_grades`).
    **options
        Passed to :func:`grade_icans` (``age_cutoff``, ``resolution_days``...).

    Returns
    -------
    Derived
        As :func:`cartkit.derive.crs.derive_crs`, without the drug flags.
    """
    derived = None
    if icans is not None:
        if patients is None:
            raise DataError("grading ICANS from daily assessments needs the patients table (age)")
        derived = summarize_icans(grade_icans(icans, patients, events, **options))
    result = reconcile_grades(derived, adverse_events, "icans", patients=patients, prefer=prefer)
    return replace(result, params={**result.params, **options})
