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
    "check_eligibility",
    "compute_mrd_category",
    "compute_mrd_positive",
    "derive_eligibility",
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
        ``data``: one row per patient with ``pre_ld_mrd, pre_ld_mrd_day, pre_ld_mrd_category,
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


# --- eligibility: the study's inclusion definitions, as checks that report, never raise ---------

_HEMATOLOGIC_TERMS = frozenset(
    {
        "neutropenia",
        "febrile_neutropenia",
        "anemia",
        "thrombocytopenia",
        "leukopenia",
        "lymphopenia",
        "neutrophil_count_decreased",
        "platelet_count_decreased",
        "white_blood_cell_decreased",
        "lymphocyte_count_decreased",
        "pancytopenia",
    }
)


def _positive_days(rows: pd.DataFrame, fcm_threshold: float) -> pd.Series:
    """Per sampling day, whether MRD was positive by any method that day ("and/or")."""
    pos = compute_mrd_positive(rows["mrd_fraction"], rows["method"], fcm_threshold=fcm_threshold)
    return pd.Series(pos, index=rows["day"].to_numpy()).groupby(level=0).any().sort_index()


def _reemergence(days: pd.Series, blasts: pd.Series, min_gap: float) -> tuple[bool, str]:
    """MRD re-emergence in one patient's pre-infusion series; returns (met, why not)."""
    values, when = days.to_numpy(), days.index.to_numpy(dtype="float64")
    seen_negative = False
    best = "no negative MRD sample precedes a positive one"
    i = 0
    while i < len(values):
        if not values[i]:
            seen_negative = True
            i += 1
            continue
        j = i
        while j + 1 < len(values) and values[j + 1]:
            j += 1
        if seen_negative:
            first, last = when[i], when[j]
            high = blasts[(blasts.index >= first) & (blasts.index <= last) & (blasts >= 5.0)]
            if j == i:
                best = f"only one positive sample (day {first:g}) after negativity"
            elif last - first < min_gap:
                best = (
                    f"positive samples after negativity span days {first:g}-{last:g},"
                    f" less than {min_gap:g} days apart"
                )
            elif len(high):
                best = f"marrow blasts {high.iloc[0]:g}% (>= 5%) on day {high.index[0]:g}"
            else:
                return True, ""
        i = j + 1
    return False, best


def _longest_low_run(rows: pd.DataFrame, threshold: float) -> float:
    """Longest span (days) of consecutive samples below ``threshold``."""
    best, start = 0.0, None
    for day, value in zip(rows["day"], rows["value"], strict=True):
        if value < threshold:
            start = day if start is None else start
            best = max(best, day - start)
        else:
            start = None
    return best


def _chemo_intolerance(pid: str, labs, aes, neutropenia_days: float) -> dict[str, bool]:
    """Evaluate the four chemotherapy-intolerance criteria on pre-infusion data."""
    met = dict.fromkeys(("myelosuppression", "infection", "organ_toxicity", "febrile_neutropenia"))
    mine = labs[labs["patient_id"] == pid] if labs is not None else None
    anc = mine[mine["test"] == "ANC"].sort_values("day") if mine is not None else None
    if mine is not None:
        plt_rows = mine[mine["test"] == "PLT"].sort_values("day")
        met["myelosuppression"] = bool(
            _longest_low_run(anc, 0.5) > 28.0 or _longest_low_run(plt_rows, 20.0) > 28.0
        )
    else:
        met["myelosuppression"] = False
    ae = aes[aes["patient_id"] == pid] if aes is not None else aes
    if ae is None or ae.empty:
        return {k: bool(v) for k, v in met.items()}
    infections = ae[(ae["term"] == "infection") & (ae["grade"] >= 4)]
    met["infection"] = False
    for onset in infections["onset_day"]:
        near = anc[(anc["day"] - onset).abs() <= neutropenia_days] if anc is not None else None
        if near is not None and (near["value"] < 0.5).any():
            met["infection"] = True
    organ = ~ae["term"].isin(_HEMATOLOGIC_TERMS | {"infection", "crs", "icans"})
    met["organ_toxicity"] = bool((organ & (ae["grade"] >= 3)).any())
    fn = ae[ae["term"] == "febrile_neutropenia"]
    met["febrile_neutropenia"] = fn["onset_day"].nunique() >= 2
    return met


def derive_eligibility(
    tables,
    *,
    fcm_threshold: float = 1e-4,
    min_gap_days: float = 14.0,
    neutropenia_days: float = 7.0,
) -> Derived:
    """Check each patient against the study's inclusion definitions, from pre-infusion data.

    MRD positivity: FCM >= 0.01% or qPCR fusion transcript detected. MRD re-emergence: a
    negative sample followed by >= 2 consecutive positive samples whose first and last are
    >= ``min_gap_days`` apart, with no marrow sample in between showing blasts >= 5%. Persistent
    MRD: positive samples and no negative sample before the last one. Chemotherapy
    intolerance: any of (i) ANC < 0.5 or platelets < 20 (10^9/L) on consecutive samples spanning
    more than 28 days; (ii) an infection of grade >= 4 with ANC < 0.5 within
    ``neutropenia_days`` of its onset; (iii) a grade >= 3 non-haematological toxicity; (iv) >= 2
    febrile-neutropenia episodes. Only data before day 0 are used (MRD on day 0 counts).
    "No intervening targeted therapy" cannot be checked from the study tables.

    Parameters
    ----------
    tables : Study or mapping of str to DataFrame
        ``patients`` and ``mrd``; ``marrow``, ``labs`` and ``adverse_events`` when present.
    fcm_threshold : float
        FCM positivity threshold (fraction).
    min_gap_days : float
        Minimum span of the re-emerging positive samples.
    neutropenia_days : float
        How far from an infection's onset an ANC < 0.5 counts as "during neutropenia".

    Returns
    -------
    Derived
        ``data``: one row per patient: ``indication, mrd_positive, mrd_reemergence,
        mrd_persistent, ci_myelosuppression, ci_infection, ci_organ_toxicity,
        ci_febrile_neutropenia, chemo_intolerance, eligible``; ``findings``: one row per
        patient whose data do not support the stated indication (check ``eligibility``).
    """
    tables = tables_of(tables)
    ids = patient_ids(tables)
    patients = get_table(tables, "patients", ["patient_id", "indication"]).set_index("patient_id")
    indication = lower_text(patients["indication"])
    mrd = mrd_table(tables, required=False)
    pre = mrd[(mrd["day"] <= 0) & mrd["mrd_fraction"].notna()] if mrd is not None else None
    marrow = get_table(tables, "marrow", ["patient_id", "day", "blasts_pct"], required=False)
    labs = get_table(tables, "labs", ["patient_id", "day", "test", "value"], required=False)
    if labs is not None:
        labs = labs[labs["day"] < 0].assign(
            test=lambda d: d["test"].astype("string").str.upper(),
            value=lambda d: pd.to_numeric(d["value"], errors="coerce"),
        )
    aes = get_table(
        tables, "adverse_events", ["patient_id", "term", "grade", "onset_day"], required=False
    )
    if aes is not None:
        aes = aes.assign(
            term=lower_text(aes["term"]),
            grade=pd.to_numeric(aes["grade"], errors="coerce"),
            onset_day=pd.to_numeric(aes["onset_day"], errors="coerce"),
        )
        aes = aes[aes["onset_day"] < 0]
    rows, findings = [], []
    for pid in ids:
        ind = indication.get(pid)
        series = pd.Series(dtype=bool)
        if pre is not None:
            series = _positive_days(pre[pre["patient_id"] == pid], fcm_threshold)
        blasts = pd.Series(dtype="float64")
        if marrow is not None:
            mine = marrow[marrow["patient_id"] == pid]
            blasts = pd.Series(pd.to_numeric(mine["blasts_pct"]).to_numpy(), index=mine["day"])
        positive = bool(series.any())
        reemerged, why = _reemergence(series, blasts, min_gap_days)
        persistent = positive and not (~series.loc[: series[series].index.max()]).any()
        ci = _chemo_intolerance(pid, labs, aes, neutropenia_days)
        intolerant = any(ci.values())
        ok = {
            "mrd_reemergence": reemerged,
            "mrd_persistent": persistent,
            "chemo_intolerance": intolerant,
        }.get(ind)
        rows.append(
            {
                "patient_id": pid,
                "indication": ind,
                "mrd_positive": positive,
                "mrd_reemergence": reemerged,
                "mrd_persistent": persistent,
                **{f"ci_{k}": v for k, v in ci.items()},
                "chemo_intolerance": intolerant,
                "eligible": bool(ok) if ok is not None else pd.NA,
            }
        )
        if ok is None:
            findings.append((pid, "eligibility", f"indication {ind!r} is not one of the study's"))
        elif not ok:
            if ind == "chemo_intolerance":
                msg = (
                    "indication chemo_intolerance but none of the four criteria is met by"
                    " pre-infusion labs/adverse events (myelosuppression > 4 weeks, grade >= 4"
                    " infection during neutropenia, grade >= 3 organ toxicity, >= 2 febrile"
                    " neutropenia episodes)"
                )
            elif not positive:
                msg = f"indication {ind} but no positive MRD sample before infusion"
            elif ind == "mrd_reemergence":
                msg = f"indication mrd_reemergence not supported: {why}"
            else:
                msg = (
                    "indication mrd_persistent but a negative MRD sample precedes the last positive"
                )
            findings.append((pid, "eligibility", msg))
    data = pd.DataFrame(rows)
    return Derived(data, excluded_frame(), findings_frame(findings))


def check_eligibility(tables, **options) -> pd.DataFrame:
    """Return findings ``[patient_id, check, message]`` for patients failing their indication.

    Parameters
    ----------
    tables : Study or mapping of str to DataFrame
        As for :func:`derive_eligibility`.
    **options
        Passed to :func:`derive_eligibility`.

    Returns
    -------
    pandas.DataFrame
    """
    return derive_eligibility(tables, **options).findings
