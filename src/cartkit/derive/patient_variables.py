"""The patient variables derived beside ADSL (:data:`cartkit.derive.registry.PATIENT_VARIABLES`).

Each comes from a graded or derived dataset. A variable whose source table is absent is
missing (NA) for every patient rather than False: "no medications table" is not "no
tocilizumab".
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from .._core.frames import plain_text_result
from ._common import by_value, lower_text
from .ctcae import derive_neutropenia
from .infections import derive_infections

__all__ = ["NCA_COLUMNS", "derive_patient_variables"]

NCA_COLUMNS = ("cmax", "tmax", "tlast", "clast", "auc_window", "auclast", "half_life")


def _bool_na(index: pd.Index) -> pd.Series:
    return pd.Series(pd.NA, index=index, dtype="boolean")


def _float_na(index: pd.Index) -> pd.Series:
    return pd.Series(np.nan, index=index, dtype=float)


def _after_infusion(table: pd.DataFrame | None, day: str) -> pd.DataFrame | None:
    if table is None:
        return None
    days = pd.to_numeric(table[day], errors="coerce")
    return table[days >= 0]


def _patients_with(table: pd.DataFrame, day: str, column: str, value: str, ids) -> pd.Series:
    """Whether each patient has a row after infusion whose ``column`` is ``value``."""
    after = _after_infusion(table, day)
    match = lower_text(after[column]).eq(value).fillna(False).to_numpy(dtype=bool)
    return pd.Series(ids.isin(set(after.loc[match, "patient_id"])), index=ids, dtype="boolean")


def _has_term(ae: pd.DataFrame | None, ids: pd.Index, term: str) -> pd.Series:
    if ae is None:
        return _bool_na(ids)
    return _patients_with(ae, "onset_day", "term", term, ids)


def _grades(grades: pd.DataFrame | None, ids: pd.Index, prefix: str) -> dict[str, pd.Series]:
    out = {f"{prefix}_max_grade": _float_na(ids)}
    if grades is None:
        return out
    g = grades.set_index("patient_id")
    out[f"{prefix}_max_grade"] = pd.to_numeric(g["grade"], errors="coerce").reindex(ids)
    return out


def _medication(study_tables, crs: pd.DataFrame | None, ids: pd.Index, drug: str) -> pd.Series:
    meds = study_tables.get("medications")
    if meds is not None:
        return _patients_with(meds, "day", "drug", drug, ids)
    if crs is not None and drug in crs:
        return crs.set_index("patient_id")[drug].reindex(ids).astype("boolean")
    return _bool_na(ids)


def _il6(labs: pd.DataFrame | None, ids: pd.Index) -> dict[str, pd.Series]:
    peak, day = _float_na(ids), _float_na(ids)
    if labs is not None:
        il6 = _after_infusion(labs, "day")
        test = by_value(il6["test"], lambda s: s.astype(str).str.upper())
        il6 = il6[test == "IL6"].copy()
        il6["value"] = pd.to_numeric(il6["value"], errors="coerce")
        il6 = il6.dropna(subset=["value"])
        if len(il6):
            # the first day the peak is reached, as the paper reports "peak on day 8"
            il6 = il6.sort_values(["patient_id", "value", "day"], ascending=[True, False, True])
            first = il6.drop_duplicates("patient_id").set_index("patient_id")
            peak = first["value"].astype(float).reindex(ids)
            day = pd.to_numeric(first["day"]).astype(float).reindex(ids)
    return {"il6_peak": peak, "il6_peak_day": day}


@plain_text_result
def derive_patient_variables(
    study_tables, patients: pd.DataFrame, *, crs, icans, nca, ae_window: float
) -> pd.DataFrame:
    """Per-patient variables from grading, labs, adverse events, medications and NCA.

    Parameters
    ----------
    study_tables : mapping of str to pandas.DataFrame
        The study's tables.
    patients : pandas.DataFrame
        The patients table (one row per ``patient_id``).
    crs, icans : pandas.DataFrame or None
        Per-patient grades (``cartkit.grade_study(...).table``).
    nca : pandas.DataFrame or None
        NCA parameters per patient (``cartkit.nca``).
    ae_window : float
        Adverse events, neutropenia and infections count from day 0 to this day.

    Returns
    -------
    pandas.DataFrame
        One row per patient, indexed by ``patient_id``, one column per patient variable.
    """
    ids = pd.Index(patients["patient_id"], name="patient_id")
    cols: dict[str, pd.Series] = {}
    cols.update(_grades(crs, ids, "crs"))
    cols.update(_grades(icans, ids, "icans"))
    cols["tocilizumab"] = _medication(study_tables, crs, ids, "tocilizumab")
    cols["corticosteroid"] = _medication(study_tables, crs, ids, "corticosteroid")
    window = (0.0, float(ae_window))
    labs = study_tables.get("labs")
    cols["neutropenia_max_grade"], cols["anc_nadir"] = _float_na(ids), _float_na(ids)
    if labs is not None:
        neut = derive_neutropenia(labs, window=window, patients=patients).table
        neut = neut.set_index("patient_id")
        cols["neutropenia_max_grade"] = pd.to_numeric(neut["worst_grade"]).reindex(ids)
        cols["anc_nadir"] = pd.to_numeric(neut["nadir_anc"]).reindex(ids)
    ae = study_tables.get("adverse_events")
    types = ("bacterial", "viral", "fungal")
    if ae is None:
        cols["infection_4w"] = _bool_na(ids)
        for kind in types:
            cols[f"infection_{kind}_4w"] = _bool_na(ids)
    else:
        inf = derive_infections(ae, window=window, patients=patients).table.set_index("patient_id")
        cols["infection_4w"] = inf["any_infection"].reindex(ids).astype("boolean")
        for kind in types:
            cols[f"infection_{kind}_4w"] = (inf[kind].reindex(ids) > 0).astype("boolean")
    cols["hlh"] = _has_term(ae, ids, "hlh")
    cols["gvhd"] = _has_term(ae, ids, "gvhd")
    cols.update(_il6(labs, ids))
    params = None if nca is None else nca.set_index("patient_id")
    for name in NCA_COLUMNS:
        cols[name] = _float_na(ids) if params is None else params[name].astype(float).reindex(ids)
    out = pd.DataFrame(cols, index=ids)
    return out
