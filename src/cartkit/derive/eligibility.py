"""The study's inclusion definitions as checks that report, never raise.

MRD positivity, re-emergence, persistence and chemotherapy intolerance: patients whose data do
not support their stated indication are listed as findings.

Rules and their sources are written down in docs/endpoints.md ("Eligibility").
"""

from __future__ import annotations

import pandas as pd

from .._core.frames import plain_text_result
from ._common import (
    Derived,
    by_value,
    excluded_frame,
    findings_frame,
    get_table,
    lower_text,
    patient_ids,
    tables_of,
)
from .mrd import compute_mrd_positive, mrd_table

__all__ = ["check_eligibility", "derive_eligibility"]

_NO_LABS = pd.DataFrame({"patient_id": [], "day": [], "test": [], "value": []})
_NO_MRD = pd.DataFrame({"day": [], "mrd_fraction": [], "method": []})
_NO_MARROW = pd.DataFrame({"day": [], "blasts_pct": []})

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
    mine = labs.get(pid, _NO_LABS) if labs is not None else None
    anc = mine[mine["test"] == "ANC"].sort_values("day") if mine is not None else None
    if mine is not None:
        plt_rows = mine[mine["test"] == "PLT"].sort_values("day")
        met["myelosuppression"] = bool(
            _longest_low_run(anc, 0.5) > 28.0 or _longest_low_run(plt_rows, 20.0) > 28.0
        )
    else:
        met["myelosuppression"] = False
    ae = aes.get(pid) if aes is not None else None
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
        ``table``: one row per patient: ``indication, mrd_positive, mrd_reemergence,
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
            test=lambda d: by_value(d["test"], lambda s: s.astype("string").str.upper()),
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
    # one group per patient, looked up in the loop below
    pre, marrow, labs, aes = (
        dict(tuple(df.groupby("patient_id"))) if df is not None else None
        for df in (pre, marrow, labs, aes)
    )
    rows, findings = [], []
    for pid in ids:
        ind = indication.get(pid)
        series = pd.Series(dtype=bool)
        if pre is not None:
            series = _positive_days(pre.get(pid, _NO_MRD), fcm_threshold)
        blasts = pd.Series(dtype="float64")
        if marrow is not None:
            mine = marrow.get(pid, _NO_MARROW)
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


@plain_text_result
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
