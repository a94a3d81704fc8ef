"""Minimal residual disease: categories, pre-/post-lymphodepletion levels, day-28 MRD.

Rules and their sources are written down in docs/endpoints.md ("MRD").
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from ..errors import DataError
from ._common import (
    Derived,
    check_window,
    excluded_frame,
    findings_frame,
    get_table,
    lower_text,
    nearest_in_window,
    patient_ids,
    tables_of,
)

__all__ = [
    "MRD_CATEGORIES",
    "compute_mrd_category",
    "compute_mrd_positive",
    "derive_mrd",
]

#: category labels, lowest first; each lower bound is inclusive ("1e-4" is in "1e-4 to <1e-3")
MRD_CATEGORIES = ("<1e-4", "1e-4 to <1e-3", "1e-3 to <1e-2", ">=1e-2")
_CUTS = (1e-4, 1e-3, 1e-2)
#: lymphodepletion starts on day -5 (fludarabine/cyclophosphamide days -5 to -3)
LD_START_DAY = -5.0
MRD_COLUMNS = ("patient_id", "day", "specimen", "method", "mrd_fraction")


def compute_mrd_category(fraction) -> pd.Categorical:
    """MRD level as one of :data:`MRD_CATEGORIES` (missing stays missing).

    Parameters
    ----------
    fraction : array-like of float
        MRD as a fraction of cells (1e-4 = 0.01%), in [0, 1].

    Returns
    -------
    pandas.Categorical
        Ordered categories ``<1e-4``, ``1e-4 to <1e-3``, ``1e-3 to <1e-2``, ``>=1e-2``. A value
        exactly on a cut point belongs to the higher category, as in the published
        "MRD ≥ 10^-4" versus "< 10^-4" groups.
    """
    values = np.asarray(pd.to_numeric(pd.Series(fraction), errors="coerce"), dtype="float64")
    bad = np.isfinite(values) & ((values < 0) | (values > 1))
    if bad.any():
        raise DataError(
            f"MRD fraction must be in [0, 1] (1e-4 = 0.01%); got {values[bad][:5].tolist()};"
            " divide percentages by 100"
        )
    codes = np.searchsorted(np.asarray(_CUTS), values, side="right")
    codes = np.where(np.isfinite(values), codes, -1)
    return pd.Categorical.from_codes(codes, categories=list(MRD_CATEGORIES), ordered=True)


def compute_mrd_positive(fraction, method, *, fcm_threshold: float = 1e-4) -> np.ndarray:
    """Whether each MRD result is positive by the study's definition.

    FCM is positive at ``fraction >= fcm_threshold`` (0.01%); qPCR is positive whenever the
    fusion transcript is detected (``fraction > 0``). Missing values give False.

    Parameters
    ----------
    fraction : array-like of float
        MRD fraction.
    method : array-like of str
        ``FCM`` or ``qPCR`` (case-insensitive).
    fcm_threshold : float
        FCM positivity threshold.

    Returns
    -------
    numpy.ndarray of bool
    """
    frac = np.asarray(pd.to_numeric(pd.Series(fraction), errors="coerce"), dtype="float64")
    meth = lower_text(pd.Series(method)).fillna("").to_numpy(dtype=object)
    unknown = sorted({m for m in meth if m not in ("fcm", "qpcr")})
    if unknown:
        raise DataError(f"MRD method must be FCM or qPCR; got {unknown}")
    with np.errstate(invalid="ignore"):
        fcm = (meth == "fcm") & (frac >= fcm_threshold)
        qpcr = (meth == "qpcr") & (frac > 0)
    return np.asarray(fcm | qpcr, dtype=bool)


def mrd_table(tables, required: bool = True) -> pd.DataFrame | None:
    """Return the mrd table with specimen/method/timepoint lower-cased, fractions checked."""
    mrd = get_table(tables, "mrd", MRD_COLUMNS, required=required)
    if mrd is None:
        return None
    mrd["specimen"] = lower_text(mrd["specimen"])
    mrd["method"] = lower_text(mrd["method"])
    if "timepoint" in mrd.columns:
        mrd["timepoint"] = lower_text(mrd["timepoint"])
    mrd["mrd_fraction"] = pd.to_numeric(mrd["mrd_fraction"], errors="coerce").astype("float64")
    compute_mrd_category(mrd["mrd_fraction"])  # raises on values outside [0, 1]
    return mrd


def _select(mrd: pd.DataFrame, specimen: str | None, method: str | None) -> pd.DataFrame:
    out = mrd[mrd["mrd_fraction"].notna() & mrd["day"].notna()]
    if specimen is not None:
        out = out[out["specimen"] == specimen.lower()]
    if method is not None:
        out = out[out["method"] == method.lower()]
    return out


def _latest(rows: pd.DataFrame) -> pd.DataFrame:
    return rows.sort_values(["patient_id", "day"], kind="mergesort").drop_duplicates(
        "patient_id", keep="last"
    )


def _timepoint_rows(sel: pd.DataFrame, timepoint: str, lo: float, hi: float) -> pd.DataFrame:
    """Rows labelled ``timepoint``; for patients without such labels, rows with lo <= day < hi."""
    if "timepoint" in sel.columns:
        labelled = sel[sel["timepoint"] == timepoint]
        rest = sel[~sel["patient_id"].isin(labelled["patient_id"])]
        rest = rest[rest["timepoint"].isna() | ~rest["timepoint"].isin(["pre_ld", "post_ld"])]
    else:
        labelled, rest = sel.iloc[0:0], sel
    by_day = rest[(rest["day"] >= lo) & (rest["day"] < hi)]
    if "timepoint" in by_day.columns:
        by_day = by_day[by_day["timepoint"].isna() | (by_day["timepoint"] != "d28")]
    return _latest(pd.concat([labelled, by_day]))


def derive_mrd(
    tables,
    *,
    specimen: str | None = "bm",
    method: str | None = "fcm",
    ld_start_day: float = LD_START_DAY,
    d28_window: tuple[float, float] = (21.0, 35.0),
    target_day: float = 28.0,
) -> Derived:
    """Per-patient MRD before lymphodepletion (pre-LD), after it (post-LD) and at day 28.

    Parameters
    ----------
    tables : Study or mapping of str to DataFrame
        Needs ``patients`` and ``mrd``.
    specimen, method : str or None
        Which samples count (default bone-marrow flow cytometry, the study's assessment);
        None accepts any.
    ld_start_day : float
        First day of lymphodepletion. Without a ``timepoint`` label, pre-LD is the last sample
        before this day and post-LD the last sample from this day to day 0 (inclusive).
    d28_window : (float, float)
        Days searched for the day-28 sample (inclusive); the one nearest ``target_day`` is used,
        the earlier one on a tie.
    target_day : float
        The nominal assessment day.

    Returns
    -------
    Derived
        ``table``: one row per patient with ``pre_ld_mrd, pre_ld_mrd_day, pre_ld_mrd_category,
        post_ld_mrd, post_ld_mrd_day, post_ld_mrd_category, d28_mrd, d28_mrd_day,
        d28_mrd_category`` (NaN where there is no sample); ``excluded`` names each missing value
        with its reason (as ``"<what>: <reason>"``).
    """
    tables = tables_of(tables)
    ids = patient_ids(tables)
    window = check_window(d28_window, target_day)
    mrd = mrd_table(tables)
    sel = _select(mrd, specimen, method)
    labelled_d28 = (
        sel[sel["timepoint"] == "d28"] if "timepoint" in sel.columns else sel.iloc[0:0]
    ).set_index("patient_id")
    picks = {
        "pre_ld": _timepoint_rows(sel, "pre_ld", -np.inf, ld_start_day).set_index("patient_id"),
        "post_ld": _timepoint_rows(sel, "post_ld", ld_start_day, np.nextafter(0.0, 1.0)).set_index(
            "patient_id"
        ),
        "d28": nearest_in_window(sel, window, target_day),
    }
    out = pd.DataFrame({"patient_id": ids})
    excluded = []
    what = f"{(specimen or 'any').upper()} {(method or 'any').upper()} MRD"
    for key, rows in picks.items():
        if key == "d28":
            # a sample labelled d28 outside the window is still the day-28 assessment
            extra = labelled_d28[~labelled_d28.index.isin(rows.index)]
            rows = pd.concat([rows, extra[~extra.index.duplicated()]])
        out[f"{key}_mrd"] = out["patient_id"].map(rows["mrd_fraction"]).astype("float64")
        out[f"{key}_mrd_day"] = out["patient_id"].map(rows["day"]).astype("float64")
        out[f"{key}_mrd_category"] = compute_mrd_category(out[f"{key}_mrd"])
        for pid in out.loc[out[f"{key}_mrd"].isna(), "patient_id"]:
            where = {
                "pre_ld": f"before day {ld_start_day:g}",
                "post_ld": f"from day {ld_start_day:g} to day 0",
                "d28": f"in days {window[0]:g}-{window[1]:g}",
            }[key]
            excluded.append((pid, f"{key}_mrd: no {what} sample {where}"))
    return Derived(out, excluded_frame(excluded), findings_frame())
