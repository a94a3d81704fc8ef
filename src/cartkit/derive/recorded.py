"""Recorded (adverse_events) against derived (daily assessments) toxicity grades.

A study may give CRS or ICANS already graded in ``adverse_events``, as daily assessments, or
both. :func:`reconcile_grades` picks each patient's grade source and lists every disagreement
as a data-quality finding, so a wrong grade in either source is seen, not hidden.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from .._core.checks import numeric_column, require_columns
from ..errors import DataError
from ._common import Derived, excluded_frame, findings_frame

__all__ = ["reconcile_grades", "recorded_grades"]

#: the ``check`` of a recorded-derived disagreement; its extra findings columns
GRADE_CHECK = "recorded_vs_derived_grade"
GRADE_FINDING_EXTRA = ("term", "recorded_grade", "derived_grade")

RECONCILED_COLUMNS = (
    "patient_id",
    "grade",
    "source",
    "derived_grade",
    "recorded_grade",
    "onset_day",
    "duration_days",
    "n_episodes",
    "note",
)


def recorded_grades(adverse_events: pd.DataFrame | None, term: str) -> pd.DataFrame | None:
    """Per-patient recorded grade of ``term`` in ``adverse_events``; None if it has no such row.

    Returns ``patient_id, recorded_grade`` (worst grade), ``onset_day`` (earliest),
    ``duration_days`` (latest ``end_day`` minus earliest onset, plus 1; NaN without
    ``end_day``) and ``n_episodes`` (rows).
    """
    if adverse_events is None or len(adverse_events) == 0:
        return None
    require_columns(adverse_events, ["patient_id", "term", "grade", "onset_day"], "adverse_events")
    ae = adverse_events.copy()
    ae["patient_id"] = ae["patient_id"].astype(str)
    ae = ae[ae["term"].astype(str).str.strip().str.lower() == term.lower()]
    if len(ae) == 0:
        return None
    grade = numeric_column(ae, "grade", "adverse_events")
    bad = np.isnan(grade) | (grade != np.round(grade)) | (grade < 0) | (grade > 5)
    if bad.any():
        i = ae.index[bad][0]
        raise DataError(
            f"adverse_events: {term} grade {ae.loc[i, 'grade']} at index {i}"
            f" (patient {ae.loc[i, 'patient_id']}) is not a whole number 0-5; give its grade"
        )
    ae["grade"] = grade
    ae["onset_day"] = numeric_column(ae, "onset_day", "adverse_events")
    ae["end_day"] = (
        numeric_column(ae, "end_day", "adverse_events") if "end_day" in ae.columns else np.nan
    )
    per = ae.groupby("patient_id", sort=False).agg(
        recorded_grade=("grade", "max"),
        onset_day=("onset_day", "min"),
        end=("end_day", "max"),
        n_episodes=("grade", "size"),
    )
    per["duration_days"] = per["end"] - per["onset_day"] + 1.0
    per["recorded_grade"] = per["recorded_grade"].astype("int64")
    return per.drop(columns="end").reset_index()


def _records(table: pd.DataFrame) -> dict:
    # the first row of each patient, as .loc gave it for a patient listed once
    records = table.to_dict("records")
    out: dict = {}
    for record in records:
        out.setdefault(record["patient_id"], record)
    return out


def reconcile_grades(
    derived: Derived | None,
    adverse_events: pd.DataFrame | None,
    term: str,
    *,
    patients: pd.DataFrame | None = None,
    prefer: str = "recorded",
) -> Derived:
    """Pick each patient's grade source and list recorded-derived disagreements.

    Parameters
    ----------
    derived : Derived or None
        The summary of daily grades (``table`` with ``patient_id, max_grade, onset_day,
        duration_days, n_episodes``), or None when there are no daily assessments.
    adverse_events : pandas.DataFrame or None
        When it has rows of ``term``, it records the grades: a patient it does not list had no
        such event (grade 0).
    term : str
        ``"crs"`` or ``"icans"``.
    patients : pandas.DataFrame, optional
        Patients who should have a grade; those with neither source are ``excluded``.
    prefer : {"recorded", "derived"}
        The source used when both exist.

    Returns
    -------
    Derived
        ``table`` with ``patient_id, grade, source, derived_grade, recorded_grade, onset_day,
        duration_days, n_episodes, note``; ``findings`` with one row per patient whose
        recorded and derived grades differ (``patient_id, check, message, term,
        recorded_grade, derived_grade``, check ``"recorded_vs_derived_grade"``);
        ``excluded``; ``detail`` from ``derived``.
    """
    if prefer not in ("recorded", "derived"):
        raise DataError(f"prefer must be 'recorded' or 'derived', got {prefer!r}")
    rec = recorded_grades(adverse_events, term)
    if derived is None and rec is None:
        raise DataError(
            f"no {term.upper()} data: give daily {term} assessments or {term} rows in"
            " adverse_events"
        )
    label = term.upper()
    # one record per patient, looked up by id (a DataFrame .loc per patient is slow)
    d_table = _records(derived.table) if derived is not None else None
    r_table = _records(rec) if rec is not None else None
    order: list[str] = []
    if patients is not None:
        require_columns(patients, ["patient_id"], "patients")
        order += patients["patient_id"].astype(str).tolist()
    if derived is not None:
        order += derived.table["patient_id"].tolist() + derived.excluded["patient_id"].tolist()
    if rec is not None:
        order += rec["patient_id"].tolist()
    order = list(dict.fromkeys(order))
    why_not = {} if derived is None else dict(derived.excluded.itertuples(index=False))

    rows, findings, excluded = [], [], []
    for p in order:
        d = d_table.get(p) if d_table is not None else None
        if r_table is not None:
            r = r_table.get(p)
            r_grade = int(r["recorded_grade"]) if r is not None else 0
        else:
            r, r_grade = None, None
        d_grade = int(d["max_grade"]) if d is not None else None
        if d_grade is None and r_grade is None:
            excluded.append(
                (p, why_not.get(p, f"no {label} assessments and no recorded {label} grade"))
            )
            continue
        use_rec = r_grade is not None and (prefer == "recorded" or d_grade is None)
        if use_rec:
            onset = r["onset_day"] if r is not None else np.nan
            dur = r["duration_days"] if r is not None else 0.0
            n_ep = int(r["n_episodes"]) if r is not None else 0
            grade, source = r_grade, "recorded"
        else:
            onset, dur, n_ep = d["onset_day"], d["duration_days"], int(d["n_episodes"])
            grade, source = d_grade, "derived"
        note = d["note"] if d is not None and "note" in d else None
        rows.append((p, grade, source, d_grade, r_grade, onset, dur, n_ep, note))
        if d_grade is not None and r_grade is not None and d_grade != r_grade:
            where = (
                f"recorded {label} grade {r_grade} in adverse_events"
                if r is not None
                else f"no {label} in adverse_events (grade 0)"
            )
            findings.append(
                (
                    p,
                    GRADE_CHECK,
                    f"{where}, derived grade {d_grade} from daily assessments; using {source}",
                    term,
                    r_grade,
                    d_grade,
                )
            )
    table = pd.DataFrame(rows, columns=list(RECONCILED_COLUMNS))
    for c in ("grade", "derived_grade", "recorded_grade"):
        table[c] = pd.array(table[c].tolist(), dtype="Int64")
    table["onset_day"] = table["onset_day"].astype(float)
    table["duration_days"] = table["duration_days"].astype(float)
    table["n_episodes"] = table["n_episodes"].astype("int64")
    found = findings_frame(findings, GRADE_FINDING_EXTRA).astype(
        {"recorded_grade": "Int64", "derived_grade": "Int64"}
    )
    return Derived(
        table=table,
        excluded=excluded_frame(excluded),
        detail=derived.detail if derived is not None else pd.DataFrame(),
        findings=found,
        params={"term": term, "prefer": prefer},
    )
