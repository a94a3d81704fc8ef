"""CTCAE v5.0 grades of blood counts: neutropenia, thrombocytopenia, anaemia, febrile neutropenia.

Source: Common Terminology Criteria for Adverse Events v5.0 (NCI, 27 November 2017),
"Investigations" (neutrophil count decreased, platelet count decreased) and "Blood and
lymphatic system disorders" (anemia, febrile neutropenia). Every rule is written down in
docs/clinical-rules.md, section "Grading".
"""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np
import pandas as pd

from .._core.checks import numeric_column, require_columns
from .._core.frames import plain_text_result
from ..errors import DataError
from ._common import Derived, by_value, excluded_frame
from ._episodes import prepare

__all__ = [
    "CTCAE_TERMS",
    "DEFAULT_LLN",
    "compute_ctcae_grade",
    "derive_febrile_neutropenia",
    "derive_neutropenia",
    "grade_labs",
]

#: labs.test -> CTCAE v5.0 term
CTCAE_TERMS = {
    "ANC": "neutrophil count decreased",
    "PLT": "platelet count decreased",
    "HGB": "anemia",
}
#: lower limits of normal (adult reference ranges; see the pediatric caveat in the docs):
#: ANC 2.0 x10^9/L, platelets 150 x10^9/L, haemoglobin 12.0 g/dL
DEFAULT_LLN = {"ANC": 2.0, "PLT": 150.0, "HGB": 12.0}
# lower bounds of grades 1, 2, 3 (grade g holds values < bound(g-1) and >= bound(g));
# grade 1 starts below the LLN; the last grade is everything below its upper bound
_BOUNDS = {
    "ANC": (1.5, 1.0, 0.5),  # G1 <LLN-1.5, G2 <1.5-1.0, G3 <1.0-0.5, G4 <0.5
    "PLT": (75.0, 50.0, 25.0),  # G1 <LLN-75, G2 <75-50, G3 <50-25, G4 <25
    "HGB": (10.0, 8.0),  # G1 <LLN-10.0, G2 <10.0-8.0, G3 <8.0 (G4 is clinical, not a lab value)
}


def compute_ctcae_grade(values, test: str, lln: float | None = None) -> np.ndarray:
    """CTCAE v5.0 grade of lab values (vector in, vector out; NaN in gives NaN).

    Parameters
    ----------
    values : array-like of float
        ANC or PLT in 10^9/L, HGB in g/dL.
    test : {"ANC", "PLT", "HGB"}
        The lab test.
    lln : float, optional
        Lower limit of normal; defaults to ``DEFAULT_LLN[test]``. A value equal to the LLN is
        grade 0; each "<" boundary belongs to the milder grade (ANC exactly 1.0 is grade 2).

    Returns
    -------
    numpy.ndarray
        Grades 0-4 (0-3 for HGB) as float, NaN where the value is missing.
    """
    key = str(test).upper()
    if key not in _BOUNDS:
        raise DataError(f"no CTCAE lab grade for test {test!r}; use one of {sorted(_BOUNDS)}")
    limit = DEFAULT_LLN[key] if lln is None else float(lln)
    bounds = _BOUNDS[key]
    if not limit > bounds[0]:
        raise DataError(
            f"LLN for {key} must be above the grade 1/2 boundary {bounds[0]}, got {limit}"
        )
    v = np.asarray(values, dtype=float)
    # each grade boundary "<x" is strict: x itself stays in the milder grade
    grade = (v < limit).astype(float)
    for b in bounds:
        grade += v < b
    return np.where(np.isnan(v), np.nan, grade)


@plain_text_result
def grade_labs(labs: pd.DataFrame, *, lln: Mapping[str, float] | None = None) -> pd.DataFrame:
    """CTCAE v5.0 grade of every ANC, PLT and HGB value in a long labs table.

    Parameters
    ----------
    labs : pandas.DataFrame
        ``patient_id, day, test, value``; rows of other tests are left out.
    lln : mapping of str to float, optional
        Lower limits of normal by test, overriding :data:`DEFAULT_LLN`.

    Returns
    -------
    pandas.DataFrame
        ``patient_id, day, test, value, term, grade`` (nullable integer; NA for a missing
        value), sorted by patient, test and day.
    """
    limits = {**DEFAULT_LLN, **{str(k).upper(): float(v) for k, v in (lln or {}).items()}}
    require_columns(labs, ["patient_id", "day", "test", "value"], "labs")
    test = by_value(labs["test"], lambda s: s.astype(str).str.strip().str.upper())
    graded = test.isin(list(CTCAE_TERMS)).to_numpy()
    df = prepare(labs.assign(test=test.to_numpy()), ["test", "value"], "labs", rows=graded)
    df["value"] = numeric_column(df, "value", "labs")
    grade = np.full(len(df), np.nan)
    for test in CTCAE_TERMS:
        rows = (df["test"] == test).to_numpy()
        grade[rows] = compute_ctcae_grade(df["value"].to_numpy()[rows], test, limits[test])
    df["term"] = df["test"].map(CTCAE_TERMS)
    df["grade"] = pd.array(grade, dtype="Float64").astype("Int64")
    df = df.sort_values(["patient_id", "test", "day"], kind="mergesort").reset_index(drop=True)
    return df[["patient_id", "day", "test", "value", "term", "grade"]]


def _window(df: pd.DataFrame, window: tuple[float, float], column: str = "day") -> pd.DataFrame:
    lo, hi = window
    return df[(df[column] >= lo) & (df[column] <= hi)]


def _everyone(patients: pd.DataFrame | None, *frames: pd.DataFrame) -> list[str]:
    ids: list[str] = []
    if patients is not None:
        ids += patients["patient_id"].astype(str).tolist()
    for f in frames:
        ids += f["patient_id"].astype(str).tolist()
    return list(dict.fromkeys(ids))


def derive_neutropenia(
    labs: pd.DataFrame,
    *,
    window: tuple[float, float] = (0.0, 28.0),
    lln: float | None = None,
    patients: pd.DataFrame | None = None,
) -> Derived:
    """Nadir ANC and worst CTCAE neutropenia grade per patient within a window.

    Parameters
    ----------
    labs : pandas.DataFrame
        ``patient_id, day, test, value``; the ``ANC`` rows (10^9/L) are used.
    window : tuple of float, default (0, 28)
        Days from infusion, both ends included (the first 4 weeks).
    lln : float, optional
        ANC lower limit of normal (default 2.0 x10^9/L).
    patients : pandas.DataFrame, optional
        Patients who should have a result; those without an ANC in the window are
        ``excluded``.

    Returns
    -------
    Derived
        ``table``: ``patient_id, nadir_anc, nadir_day, worst_grade, grade4, n_values``
        (``nadir_day`` is the first day the nadir was reached); ``excluded``;
        ``detail``: the graded ANC values in the window.
    """
    graded = grade_labs(labs, lln=None if lln is None else {"ANC": lln})
    anc = _window(graded[(graded["test"] == "ANC") & graded["value"].notna()], window)
    first_min = anc.sort_values(["patient_id", "value", "day"], kind="mergesort")
    nadir = first_min.groupby("patient_id", sort=False).first()
    table = pd.DataFrame(
        {
            "nadir_anc": nadir["value"],
            "nadir_day": nadir["day"],
            "worst_grade": anc.groupby("patient_id")["grade"].max(),
            "n_values": anc.groupby("patient_id").size(),
        }
    )
    table["grade4"] = (table["worst_grade"] == 4).fillna(False).astype(bool)
    table = table.rename_axis("patient_id").reset_index()
    table = table[["patient_id", "nadir_anc", "nadir_day", "worst_grade", "grade4", "n_values"]]
    lo, hi = window
    done = set(table["patient_id"])
    gone = [p for p in _everyone(patients, graded) if p not in done]
    excluded = excluded_frame((p, f"no ANC value between day {lo:g} and day {hi:g}") for p in gone)
    return Derived(
        table=table,
        excluded=excluded,
        detail=anc.reset_index(drop=True),
        params={"window": window, "lln": DEFAULT_LLN["ANC"] if lln is None else lln},
    )


def derive_febrile_neutropenia(
    labs: pd.DataFrame,
    crs: pd.DataFrame,
    *,
    anc_below: float = 1.0,
    temp_above: float = 38.3,
    window: tuple[float, float] = (0.0, 28.0),
    patients: pd.DataFrame | None = None,
) -> Derived:
    """Febrile neutropenia (CTCAE v5.0) from daily ANC and daily maximum temperature.

    CTCAE v5.0 defines febrile neutropenia as ANC < 1.0 x10^9/L with a single temperature of
    > 38.3 °C or a sustained temperature of >= 38 °C for more than one hour. With one maximum
    temperature per day the sustained criterion cannot be seen, so a day qualifies when its
    ANC is below ``anc_below`` and ``temp_max_c`` is above ``temp_above`` (a documented
    simplification that can miss sustained fevers of 38.0-38.3 °C).

    Parameters
    ----------
    labs : pandas.DataFrame
        ``patient_id, day, test, value`` (ANC rows).
    crs : pandas.DataFrame
        ``patient_id, day, temp_max_c`` (the daily CRS assessments carry the temperature).
    anc_below, temp_above : float
        Thresholds (strict: ANC exactly 1.0 or temperature exactly 38.3 does not qualify).
    window : tuple of float, default (0, 28)
        Days, both ends included.
    patients : pandas.DataFrame, optional
        Patients who should have a result.

    Returns
    -------
    Derived
        ``table``: ``patient_id, febrile_neutropenia, first_day, n_days``; ``excluded``:
        patients with no day in the window that has both an ANC and a temperature;
        ``detail``: the qualifying days (``patient_id, day, anc, temp_max_c``).
    """
    require_columns(labs, ["patient_id", "day", "test", "value"], "labs")
    anc = by_value(labs["test"], lambda s: s.astype(str).str.strip().str.upper()) == "ANC"
    lab = prepare(labs, ["test", "value"], "labs", rows=anc.to_numpy())
    lab["anc"] = numeric_column(lab, "value", "labs")
    temp = prepare(crs, ["temp_max_c"], "crs")
    temp["temp_max_c"] = numeric_column(temp, "temp_max_c", "crs")
    # several ANC values on a day: the lowest; the day's temperature is its maximum
    anc_day = lab.dropna(subset=["anc"]).groupby(["patient_id", "day"])["anc"].min()
    temp_day = temp.dropna(subset=["temp_max_c"]).groupby(["patient_id", "day"])["temp_max_c"]
    both = pd.concat([anc_day, temp_day.max()], axis=1, join="inner").reset_index()
    both = _window(both, window)
    hit = both[(both["anc"] < anc_below) & (both["temp_max_c"] > temp_above)]
    ids = pd.unique(both["patient_id"])
    table = pd.DataFrame({"patient_id": ids})
    first = hit.groupby("patient_id")["day"].min()
    count = hit.groupby("patient_id").size()
    table["febrile_neutropenia"] = table["patient_id"].isin(first.index)
    table["first_day"] = table["patient_id"].map(first).astype(float)
    table["n_days"] = table["patient_id"].map(count).fillna(0).astype("int64")
    lo, hi = window
    done = set(ids)
    gone = [p for p in _everyone(patients, lab, temp) if p not in done]
    excluded = excluded_frame(
        (p, f"no day between day {lo:g} and day {hi:g} with both an ANC and a temperature")
        for p in gone
    )
    return Derived(
        table=table,
        excluded=excluded,
        detail=hit.reset_index(drop=True),
        params={"anc_below": anc_below, "temp_above": temp_above, "window": window},
    )
