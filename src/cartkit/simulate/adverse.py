"""Adverse-event and medication tables derived from the simulated toxicities."""

from __future__ import annotations

import numpy as np
import pandas as pd
from scipy.special import expit

from .scenario import Scenario
from .toxicity import INFECTION_CATEGORY, INFECTION_DETAIL


def draw_drugs(rng: np.random.Generator, kin: dict, g: dict, sc: Scenario) -> dict:
    """Tocilizumab (by CRS grade) and corticosteroids (severe CRS or ICANS, high expansion)."""
    n = g["crs_grade"].shape[0]
    u = rng.random((3, n))
    toci = u[0] < np.asarray(sc.p_tocilizumab_by_grade)[g["crs_grade"]]
    toci_day = np.where(g["crs_grade"] >= 2, g["crs_peak"], g["crs_onset"] + 1)
    toci_day = np.minimum(toci_day, np.nan_to_num(g["crs_end"], nan=sc.assessment_days))
    lp = (
        sc.steroid_logit
        + sc.steroid_effect_crs3 * (g["crs_grade"] >= 3)
        + sc.steroid_effect_icans2 * (g["icans_grade"] >= 2)
        + sc.steroid_effect_log10_cmax * (np.log10(kin["cmax"]) - 4.5)
    )
    steroid = u[1] < expit(lp)
    steroid_day = np.fmax(g["crs_peak"], np.where(g["icans_grade"] >= 2, g["icans_onset"], np.nan))
    return {
        "tocilizumab": toci,
        "tocilizumab_day": np.where(toci, toci_day, np.nan),
        "tocilizumab_second_dose": toci & (g["crs_grade"] >= 3) & (u[2] < 0.4),
        "corticosteroid": steroid,
        "corticosteroid_day": np.where(steroid, steroid_day, np.nan),
    }


def medications_table(ids, drugs: dict, daily: dict, last_day: np.ndarray) -> pd.DataFrame:
    """Medications: tocilizumab doses, 3 days of dexamethasone, one row per vasopressor per day."""
    n = ids.shape[0]
    idx = np.arange(n)
    parts = []  # (patient index, day, drug, detail)

    def add(mask, day, drug, detail):
        parts.append((idx[mask], day[mask], drug, detail))

    t_day = drugs["tocilizumab_day"]
    add(drugs["tocilizumab"], t_day, "tocilizumab", "8 mg/kg")
    add(drugs["tocilizumab_second_dose"], t_day + 1, "tocilizumab", "8 mg/kg")
    for k in range(3):
        add(
            drugs["corticosteroid"],
            drugs["corticosteroid_day"] + k,
            "corticosteroid",
            "dexamethasone",
        )
    rows, cols = np.nonzero(daily["hypotension"] >= 2)
    vday = daily["days"][rows, cols]
    parts.append((rows, vday, "vasopressor", "norepinephrine"))
    multi = daily["hypotension"][rows, cols] == 3
    parts.append((rows[multi], vday[multi], "vasopressor", "epinephrine"))

    pid = np.concatenate([p[0] for p in parts])
    day = np.concatenate([p[1] for p in parts]).astype(float)
    drug = np.concatenate([np.full(p[0].size, p[2], dtype=object) for p in parts])
    detail = np.concatenate([np.full(p[0].size, p[3], dtype=object) for p in parts])
    keep = day <= last_day[pid]
    order = np.lexsort((np.arange(pid.size), day, pid))
    order = order[keep[order]]
    return pd.DataFrame(
        {
            "patient_id": ids[pid[order]],
            "day": day[order],
            "drug": drug[order],
            "detail": detail[order],
        },
        copy=False,
    )


def draw_hlh(rng: np.random.Generator, base: dict, g: dict, sc: Scenario) -> dict:
    """HLH: a share of patients with severe CRS on a high tumour burden (pre-LD MRD >= 1e-2)."""
    n = g["crs_grade"].shape[0]
    u = rng.random(n)
    at_risk = (g["crs_grade"] >= 3) & (base["mrd_pre"] >= 1e-2)
    hlh = at_risk & (u < sc.p_hlh_given_risk)
    return {"hlh": hlh, "hlh_onset": np.where(hlh, g["crs_peak"] + 2, np.nan)}


def adverse_events_table(ids, g: dict, inf: dict, hlh: dict, last_day: np.ndarray) -> pd.DataFrame:
    """CRS and ICANS with their intended grades, infections of the first 4 weeks, and HLH."""
    n = ids.shape[0]
    idx = np.arange(n)
    none = np.full(n, None, dtype=object)
    has_inf = inf["infection"]
    cat = np.maximum(inf["infection_category"], 0)
    blocks = [  # (who, term, grade, onset, end, category, detail)
        (g["crs_grade"] > 0, "crs", g["crs_grade"], g["crs_onset"], g["crs_end"], none, none),
        (g["icans_grade"] > 0, "icans", g["icans_grade"], g["icans_onset"], g["icans_end"],
         none, none),
        (has_inf, "infection", inf["infection_grade"], inf["infection_onset"],
         np.fmin(inf["infection_onset"] + 10, inf["infection_death_day"]),
         INFECTION_CATEGORY[cat], INFECTION_DETAIL[np.maximum(inf["infection_detail"], 0)]),
        (hlh["hlh"], "hlh", np.full(n, 4), hlh["hlh_onset"], hlh["hlh_onset"] + 14, none, none),
    ]  # fmt: skip
    pid = np.concatenate([idx[b[0]] for b in blocks])
    term = np.concatenate([np.full(b[0].sum(), b[1], dtype=object) for b in blocks])
    grade, onset, end, category, detail = (
        np.concatenate([b[k][b[0]] for b in blocks]) for k in range(2, 7)
    )
    keep = onset <= last_day[pid]
    order = np.lexsort((np.arange(pid.size), onset, pid))
    order = order[keep[order]]
    return pd.DataFrame(
        {
            "patient_id": ids[pid[order]],
            "term": term[order],
            "grade": grade[order].astype("int64"),
            "onset_day": onset[order].astype(float),
            "end_day": np.fmin(end[order], last_day[pid[order]]).astype(float),
            "category": category[order],
            "detail": detail[order],
        },
        copy=False,
    )
