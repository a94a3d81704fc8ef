"""Day-28 response: CR, CRi, no response; MRD-negative CR.

Rules and their sources are written down in docs/endpoints.md ("Response at day 28").
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from ._common import (
    Derived,
    as_bool,
    by_value,
    check_window,
    excluded_frame,
    findings_frame,
    get_table,
    patient_ids,
    tables_of,
)
from .mrd import derive_mrd

__all__ = ["RESPONSE_CATEGORIES", "compute_response", "derive_response"]

#: ``cr_or_cri``: marrow remission but no blood counts to tell CR from CRi
RESPONSE_CATEGORIES = ("cr", "cri", "cr_or_cri", "no_response", "not_evaluable")


def compute_response(
    blasts_pct,
    extramedullary,
    anc,
    platelets,
    *,
    blast_threshold: float = 5.0,
    anc_threshold: float = 1.0,
    platelet_threshold: float = 100.0,
) -> np.ndarray:
    """Response category of each assessment (vector in, vector out).

    Parameters
    ----------
    blasts_pct : array-like of float
        Marrow blasts in %; missing gives ``not_evaluable``.
    extramedullary : array-like of bool
        Extramedullary disease present; missing counts as absent.
    anc, platelets : array-like of float
        Neutrophils and platelets in 10^9/L; missing leaves CR and CRi undecided
        (``cr_or_cri``).
    blast_threshold : float
        Remission needs blasts strictly below this (%).
    anc_threshold, platelet_threshold : float
        CR needs both counts at or above these; otherwise CRi.

    Returns
    -------
    numpy.ndarray of str
        One of :data:`RESPONSE_CATEGORIES` per assessment.
    """
    blasts = np.asarray(pd.to_numeric(pd.Series(blasts_pct), errors="coerce"), dtype="float64")
    emd = as_bool(pd.Series(extramedullary)).fillna(False).to_numpy(dtype=bool)
    anc = np.asarray(pd.to_numeric(pd.Series(anc), errors="coerce"), dtype="float64")
    plt_ = np.asarray(pd.to_numeric(pd.Series(platelets), errors="coerce"), dtype="float64")
    with np.errstate(invalid="ignore"):
        remission = (blasts < blast_threshold) & ~emd
        counts_known = np.isfinite(anc) & np.isfinite(plt_)
        # a count known to be low already means CRi, whatever the other count
        low = (np.isfinite(anc) & (anc < anc_threshold)) | (
            np.isfinite(plt_) & (plt_ < platelet_threshold)
        )
        recovered = counts_known & (anc >= anc_threshold) & (plt_ >= platelet_threshold)
    out = np.full(blasts.shape, "not_evaluable", dtype=object)
    evaluable = np.isfinite(blasts)
    out[evaluable] = "no_response"
    out[evaluable & remission & low] = "cri"
    out[evaluable & remission & recovered] = "cr"
    out[evaluable & remission & ~low & ~recovered] = "cr_or_cri"
    return out


def _nearest_lab(labs: pd.DataFrame, test: str, when: pd.Series, window) -> pd.Series:
    """Per patient, the ``test`` value in ``window`` nearest the marrow day ``when``."""
    rows = labs[(labs["test"] == test) & labs["value"].notna()]
    rows = rows[(rows["day"] >= window[0]) & (rows["day"] <= window[1])]
    rows = rows.assign(_ref=rows["patient_id"].map(when)).dropna(subset=["_ref"])
    rows = rows.assign(_dist=(rows["day"] - rows["_ref"]).abs())
    rows = rows.sort_values(["patient_id", "_dist", "day"], kind="mergesort")
    return rows.drop_duplicates("patient_id").set_index("patient_id")["value"]


def derive_response(
    tables,
    *,
    window: tuple[float, float] = (21.0, 35.0),
    target_day: float = 28.0,
    blast_threshold: float = 5.0,
    anc_threshold: float = 1.0,
    platelet_threshold: float = 100.0,
    mrd_threshold: float = 1e-4,
) -> Derived:
    """Response at the day-28 assessment, and MRD-negative CR.

    The marrow assessment in ``window`` nearest ``target_day`` (the earlier on a tie) is scored;
    blood counts are the ANC and PLT values in the window nearest that marrow day. A responder
    (CR or CRi) is MRD-negative when bone-marrow FCM MRD in the window is below
    ``mrd_threshold``.

    Parameters
    ----------
    tables : Study or mapping of str to DataFrame
        ``patients`` and ``marrow``; ``labs`` and ``mrd`` when present.
    window : (float, float)
        Days (inclusive) searched for the day-28 assessment.
    target_day : float
        The nominal assessment day.
    blast_threshold, anc_threshold, platelet_threshold : float
        See :func:`compute_response`.
    mrd_threshold : float
        MRD-negative means FCM MRD strictly below this fraction.

    Returns
    -------
    Derived
        ``table``: one row per patient: ``patient_id, marrow_day, blasts_pct, extramedullary,
        anc, platelets, response, responder, d28_mrd, d28_mrd_day, mrd_negative,
        mrd_negative_cr``. ``responder`` and ``mrd_negative_cr`` are nullable booleans, missing
        when not evaluable. ``excluded`` names each patient without a response or without the
        MRD needed for ``mrd_negative_cr``.
    """
    tables = tables_of(tables)
    ids = patient_ids(tables)
    window = check_window(window, target_day)
    marrow = get_table(tables, "marrow", ["patient_id", "day", "blasts_pct"])
    marrow["blasts_pct"] = pd.to_numeric(marrow["blasts_pct"], errors="coerce")
    marrow = marrow[marrow["blasts_pct"].notna()]
    inside = marrow[(marrow["day"] >= window[0]) & (marrow["day"] <= window[1])]
    inside = inside.assign(_dist=(inside["day"] - target_day).abs())
    pick = inside.sort_values(["patient_id", "_dist", "day"], kind="mergesort")
    pick = pick.drop_duplicates("patient_id").set_index("patient_id")
    out = pd.DataFrame({"patient_id": ids})
    out["marrow_day"] = out["patient_id"].map(pick["day"]).astype("float64")
    out["blasts_pct"] = out["patient_id"].map(pick["blasts_pct"]).astype("float64")
    emd = pick["extramedullary"] if "extramedullary" in pick.columns else None
    out["extramedullary"] = (
        as_bool(out["patient_id"].map(emd)) if emd is not None else pd.array([pd.NA] * len(ids))
    )
    out["extramedullary"] = out["extramedullary"].astype("boolean")
    labs = get_table(tables, "labs", ["patient_id", "day", "test", "value"], required=False)
    findings = []
    if labs is not None:
        labs["test"] = by_value(labs["test"], lambda s: s.astype("string").str.upper())
        labs["value"] = pd.to_numeric(labs["value"], errors="coerce")
        when = out.set_index("patient_id")["marrow_day"]
        out["anc"] = out["patient_id"].map(_nearest_lab(labs, "ANC", when, window))
        out["platelets"] = out["patient_id"].map(_nearest_lab(labs, "PLT", when, window))
    else:
        out["anc"] = np.nan
        out["platelets"] = np.nan
    out[["anc", "platelets"]] = out[["anc", "platelets"]].astype("float64")
    out["response"] = compute_response(
        out["blasts_pct"],
        out["extramedullary"],
        out["anc"],
        out["platelets"],
        blast_threshold=blast_threshold,
        anc_threshold=anc_threshold,
        platelet_threshold=platelet_threshold,
    )
    evaluable = out["response"] != "not_evaluable"
    responder = out["response"].isin(["cr", "cri", "cr_or_cri"])
    out["responder"] = pd.array(np.where(evaluable, responder, pd.NA), dtype="boolean")
    if "mrd" in tables:
        d28 = derive_mrd(tables, d28_window=window, target_day=target_day).table
        out["d28_mrd"] = d28["d28_mrd"].to_numpy()
        out["d28_mrd_day"] = d28["d28_mrd_day"].to_numpy()
    else:
        out["d28_mrd"] = np.nan
        out["d28_mrd_day"] = np.nan
    known = out["d28_mrd"].notna()
    out["mrd_negative"] = pd.array(
        np.where(known, out["d28_mrd"] < mrd_threshold, pd.NA), dtype="boolean"
    )
    mrd_neg_cr = np.where(
        ~evaluable, pd.NA, np.where(~responder, False, np.where(known, out["mrd_negative"], pd.NA))
    )
    out["mrd_negative_cr"] = pd.array(mrd_neg_cr, dtype="boolean")
    excluded = []
    for rec in out.itertuples(index=False):
        if rec.response == "not_evaluable":
            excluded.append(
                (
                    rec.patient_id,
                    f"response: no marrow assessment with blasts in days"
                    f" {window[0]:g}-{window[1]:g}",
                )
            )
        elif pd.isna(rec.mrd_negative_cr):
            excluded.append(
                (
                    rec.patient_id,
                    f"mrd_negative_cr: responder without BM FCM MRD in days"
                    f" {window[0]:g}-{window[1]:g}",
                )
            )
        if rec.response == "cr_or_cri" and labs is not None:
            findings.append(
                (
                    rec.patient_id,
                    "response_counts",
                    "marrow remission but ANC or platelets missing near the marrow day:"
                    " CR versus CRi undecided",
                )
            )
    undecided = int((out["response"] == "cr_or_cri").sum())
    if labs is None and undecided:
        # not a finding about each patient: the study has no blood counts at all
        findings.append(
            (
                None,
                "response_counts",
                f"labs table absent: CR and CRi cannot be told apart (they differ by the blood "
                f"counts), so the {undecided} patient(s) in marrow remission are CR/CRi, "
                "undecided; CR/CRi and MRD-negative CR/CRi are unaffected",
            )
        )
    return Derived(out, excluded_frame(excluded), findings_frame(findings))
