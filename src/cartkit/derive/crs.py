"""Cytokine release syndrome graded by the ASTCT consensus (Lee et al., BBMT 2019;25:625).

Every rule and its source is written down in docs/clinical-rules.md, section "Grading".
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import replace

import numpy as np
import pandas as pd

from .._core.checks import numeric_column
from .._core.frames import plain_text_result
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
    "CRS_HYPOTENSION_GRADES",
    "CRS_OXYGEN_GRADES",
    "derive_crs",
    "grade_crs",
    "summarize_crs",
]

#: ASTCT CRS hypotension column: none; not needing vasopressors (fluids) -> 2; one vasopressor
#: with or without vasopressin -> 3; multiple vasopressors (excluding vasopressin) -> 4
CRS_HYPOTENSION_GRADES = {"none": 0, "fluids": 2, "vasopressor": 3, "multiple_vasopressors": 4}
#: ASTCT CRS hypoxia column: low-flow nasal cannula <= 6 L/min or blow-by -> 2; high-flow
#: nasal cannula > 6 L/min, facemask, non-rebreather or Venturi mask -> 3; positive pressure
#: (CPAP, BiPAP, intubation and mechanical ventilation) -> 4
CRS_OXYGEN_GRADES = {"none": 0, "low_flow": 2, "high_flow": 3, "positive_pressure": 4}

#: drugs (medications.drug) after which fever is no longer required within an episode
MASKING_DRUGS = ("tocilizumab", "corticosteroid")
#: words in medications.detail that mark an antipyretic (any drug value, usually "other")
ANTIPYRETIC_WORDS = (
    "antipyretic",
    "paracetamol",
    "acetaminophen",
    "ibuprofen",
    "metamizole",
    "dipyrone",
    "nsaid",
)
#: events.detail values of a death that count as death from CRS (grade 5)
CRS_DEATH_CAUSES = ("crs", "cytokine_release_syndrome", "cytokine release syndrome")


def _masking_days(
    medications: pd.DataFrame | None,
    masking_drugs: Sequence[str],
    antipyretic_words: Sequence[str],
) -> pd.DataFrame:
    """patient_id, day of every dose that removes the fever requirement."""
    if medications is None or len(medications) == 0:
        return pd.DataFrame({"patient_id": pd.Series(dtype=object), "day": pd.Series(dtype=float)})
    meds = prepare(medications, ["drug"], "medications")
    drug = meds["drug"].astype(str).str.strip().str.lower()
    hit = drug.isin([d.lower() for d in masking_drugs])
    if "detail" in meds.columns and antipyretic_words:
        detail = meds["detail"].where(meds["detail"].notna(), "").astype(str).str.lower()
        pattern = "|".join(re.escape(w.lower()) for w in antipyretic_words)
        hit |= detail.str.contains(pattern, regex=True)
    return meds.loc[hit, ["patient_id", "day"]]


def _masked(
    pid: np.ndarray, day: np.ndarray, ep_start: np.ndarray, doses: pd.DataFrame
) -> np.ndarray:
    """Flag rows whose episode had a masking dose on or before the row's day."""
    out = np.zeros(len(day), dtype=bool)
    in_ep = ~np.isnan(ep_start)
    if len(doses) == 0 or not in_ep.any():
        return out
    # one sorted axis for all patients: patient code * span + day, so a single searchsorted
    # counts each row's doses in [episode start, day] without a loop over patients
    codes = {p: i for i, p in enumerate(pd.unique(pid))}
    dose_code = doses["patient_id"].map(codes)
    known = dose_code.notna().to_numpy()
    dose_day = doses["day"].to_numpy(dtype=float)[known]
    low = min(day.min(), dose_day.min(initial=np.inf))
    span = max(day.max(), dose_day.max(initial=-np.inf)) - low + 1.0
    keys = np.sort(dose_code.to_numpy(dtype=float)[known] * span + (dose_day - low))
    row_code = np.array([codes[p] for p in pid[in_ep]], dtype=float) * span
    upto = np.searchsorted(keys, row_code + (day[in_ep] - low), side="right")
    before = np.searchsorted(keys, row_code + (ep_start[in_ep] - low), side="left")
    out[in_ep] = upto > before
    return out


@plain_text_result
def grade_crs(
    crs: pd.DataFrame,
    medications: pd.DataFrame | None = None,
    events: pd.DataFrame | None = None,
    *,
    fever_c: float = 38.0,
    resolution_days: float = 1.0,
    masking_drugs: Sequence[str] = MASKING_DRUGS,
    antipyretic_words: Sequence[str] = ANTIPYRETIC_WORDS,
    death_causes: Sequence[str] = CRS_DEATH_CAUSES,
) -> pd.DataFrame:
    """Grade CRS per patient-day by the ASTCT consensus (Lee et al. 2019).

    Fever (``temp_max_c >= fever_c``) opens an episode. Within an episode, once a masking drug
    (tocilizumab, corticosteroid, an antipyretic) has been given, fever is no longer required
    and the grade follows hypotension and hypoxia alone. The grade of a day is the worst of
    fever (1), hypotension and oxygen support; a death from CRS is grade 5.

    Parameters
    ----------
    crs : pandas.DataFrame
        Daily assessments: ``patient_id, day, temp_max_c, hypotension, oxygen``.
    medications : pandas.DataFrame, optional
        ``patient_id, day, drug`` and optional ``detail``; the masking doses.
    events : pandas.DataFrame, optional
        ``patient_id, day, event, detail``; a ``death`` whose detail is in ``death_causes``
        gives grade 5 on its day.
    fever_c : float, default 38.0
        Fever threshold in °C (fever is ``>=`` this).
    resolution_days : float, default 1.0
        An episode ends once this many consecutive days pass with neither fever nor
        hypotension treatment nor oxygen; a later fever opens a new episode.
    masking_drugs : sequence of str
        ``medications.drug`` values after which fever is no longer required.
    antipyretic_words : sequence of str
        Words in ``medications.detail`` (case-insensitive) that also mark a masking dose.
    death_causes : sequence of str
        ``events.detail`` values of a death from CRS.

    Returns
    -------
    pandas.DataFrame
        ``patient_id, day, grade`` then ``episode`` (0 outside an episode), ``fever``,
        ``masked``, ``hypotension_grade``, ``oxygen_grade``, ``note``. Rows are never dropped:
        a missing component counts as absent and is named in ``note``; a row with every
        component missing has grade NA. ``grade`` is a nullable integer in 0..5.
    """
    cols = ["temp_max_c", "hypotension", "oxygen"]
    df = prepare(crs, cols, "crs")
    temp = numeric_column(df, "temp_max_c", "crs")
    hyp = check_categories(df, "hypotension", CRS_HYPOTENSION_GRADES, "crs")
    oxy = check_categories(df, "oxygen", CRS_OXYGEN_GRADES, "crs")
    hyp_g = hyp.map(CRS_HYPOTENSION_GRADES).fillna(0).to_numpy(dtype=np.int64)
    oxy_g = oxy.map(CRS_OXYGEN_GRADES).fillna(0).to_numpy(dtype=np.int64)
    temp_missing = np.isnan(temp)
    fever = ~temp_missing & (temp >= fever_c)
    support = np.maximum(hyp_g, oxy_g)

    pid = df["patient_id"].to_numpy(dtype=object)
    day = df["day"].to_numpy(dtype=float)
    episode, ep_start = label_episodes(pid, day, fever, fever | (support > 0), resolution_days)
    doses = _masking_days(medications, masking_drugs, antipyretic_words)
    masked = _masked(pid, day, ep_start, doses)

    in_ep = episode > 0
    grade = np.where(fever, np.maximum(1, support), np.where(in_ep & masked, support, 0))
    all_missing = temp_missing & hyp.isna().to_numpy() & oxy.isna().to_numpy()

    unattributed = in_ep & ~fever & ~masked & (support > 0)
    notes = notes_from_flags(
        len(df),
        [
            (temp_missing, "temp_max_c missing"),
            (hyp.isna().to_numpy(), "hypotension missing"),
            (oxy.isna().to_numpy(), "oxygen missing"),
            (
                unattributed,
                "organ support without fever before any masking drug: not graded as CRS",
            ),
        ],
    )

    out = pd.DataFrame(
        {
            "patient_id": df["patient_id"],
            "day": day,
            "grade": pd.array(np.where(all_missing, 0, grade), dtype="Int64"),
            "episode": episode,
            "fever": fever,
            "masked": masked,
            "hypotension_grade": hyp_g,
            "oxygen_grade": oxy_g,
            "note": notes,
        }
    )
    out.loc[all_missing, "grade"] = pd.NA
    return add_deaths(out, death_days(events, death_causes), "death from CRS (events table)")


def summarize_crs(
    daily: pd.DataFrame,
    medications: pd.DataFrame | None = None,
    *,
    window: tuple[float, float] = (0.0, np.inf),
) -> Derived:
    """Per-patient CRS summary from daily grades (the output of :func:`grade_crs`).

    Parameters
    ----------
    daily : pandas.DataFrame
        ``patient_id, day, grade, episode`` as returned by :func:`grade_crs`.
    medications : pandas.DataFrame, optional
        For the ``tocilizumab`` and ``corticosteroid`` flags (any dose within ``window``).
    window : tuple of float, default (0, inf)
        Days (inclusive) in which tocilizumab and corticosteroid doses count.

    Returns
    -------
    Derived
        ``table``: ``patient_id, max_grade, onset_day, duration_days, n_episodes,
        tocilizumab, corticosteroid, note``; ``excluded``: patients none of whose days could
        be graded; ``detail``: ``daily``.
    """
    table, excluded = summarize_daily(
        daily,
        "daily CRS grades",
        lambda rows: "no CRS assessment could be graded (every component missing)",
    )
    for drug in ("tocilizumab", "corticosteroid"):
        table[drug] = table["patient_id"].isin(_drug_patients(medications, drug, window))
    table = table[
        [
            "patient_id",
            "max_grade",
            "onset_day",
            "duration_days",
            "n_episodes",
            "tocilizumab",
            "corticosteroid",
            "note",
        ]
    ]
    return Derived(table=table, excluded=excluded, detail=daily, params={"window": window})


def _drug_patients(
    medications: pd.DataFrame | None, drug: str, window: tuple[float, float]
) -> set[str]:
    if medications is None or len(medications) == 0:
        return set()
    meds = prepare(medications, ["drug"], "medications")
    d = meds["drug"].astype(str).str.strip().str.lower()
    hit = (d == drug) & meds["day"].between(window[0], window[1])
    return set(meds.loc[hit, "patient_id"])


def derive_crs(
    crs: pd.DataFrame | None = None,
    medications: pd.DataFrame | None = None,
    events: pd.DataFrame | None = None,
    adverse_events: pd.DataFrame | None = None,
    patients: pd.DataFrame | None = None,
    *,
    prefer: str = "recorded",
    **options,
) -> Derived:
    """Per-patient CRS grade from daily assessments and/or graded adverse events.

    Daily assessments are graded with :func:`grade_crs` (``options`` go to it) and summarised
    with :func:`summarize_crs`; where ``adverse_events`` also carries ``crs`` rows, the
    recorded grade is used (``prefer="recorded"``) or the derived one (``prefer="derived"``),
    and every disagreement is listed in ``findings``.

    Parameters
    ----------
    crs, medications, events, adverse_events, patients : pandas.DataFrame, optional
        The study tables; at least one of ``crs`` and ``adverse_events`` is needed.
        ``patients`` lists who should have a grade: those with no source are ``excluded``.
    prefer : {"recorded", "derived"}
        Which source gives a patient's grade when both exist.
    **options
        Passed to :func:`grade_crs` (``fever_c``, ``resolution_days``, ``masking_drugs``...).

    Returns
    -------
    Derived
        ``table``: ``patient_id, grade, source, derived_grade, recorded_grade, onset_day,
        duration_days, n_episodes, tocilizumab, corticosteroid, note``; ``detail``: the daily
        grades; ``findings``: recorded and derived grades that disagree; ``excluded``.
    """
    if crs is not None:
        daily = grade_crs(crs, medications, events, **options)
        derived = summarize_crs(daily, medications)
    else:
        derived = None
    result = reconcile_grades(derived, adverse_events, "crs", patients=patients, prefer=prefer)
    table = result.table.copy()
    for drug in ("tocilizumab", "corticosteroid"):
        table.insert(
            len(table.columns) - 1,
            drug,
            table["patient_id"].isin(_drug_patients(medications, drug, (0.0, np.inf))),
        )
    return replace(result, table=table, params={**result.params, **options})
