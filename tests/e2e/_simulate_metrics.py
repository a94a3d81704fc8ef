"""Test-local summaries of a simulated study, computed from its raw tables.

Deliberately independent of cartkit's derivations: small numpy code for Kaplan-Meier, ASTCT
grading from daily rows, B-cell aplasia from B-cell percentages.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from scipy import stats

MONTH = 30.4375
YEAR = 365.25


def km_at(time, event, t):
    """Kaplan-Meier survival at t (product-limit over distinct event times <= t)."""
    time = np.asarray(time, float)
    event = np.asarray(event, bool)
    s = 1.0
    for u in np.unique(time[event & (time <= t)]):
        at_risk = np.sum(time >= u)
        s *= 1.0 - np.sum((time == u) & event) / at_risk
    return s


def km_median(time, event):
    """Smallest time where the Kaplan-Meier survival is <= 0.5 (NaN if never)."""
    time = np.asarray(time, float)
    event = np.asarray(event, bool)
    s = 1.0
    for u in np.unique(time[event]):
        s *= 1.0 - np.sum((time == u) & event) / np.sum(time >= u)
        if s <= 0.5:
            return u
    return np.nan


def crs_grades(crs):
    """ASTCT 2019 CRS grade, maximum per patient, from daily temperature, blood pressure, oxygen."""
    fever = crs["temp_max_c"].to_numpy() >= 38.0
    hyp = (
        crs["hypotension"]
        .map({"none": 0, "fluids": 2, "vasopressor": 3, "multiple_vasopressors": 4})
        .to_numpy()
    )
    oxy = (
        crs["oxygen"]
        .map({"none": 0, "low_flow": 2, "high_flow": 3, "positive_pressure": 4})
        .to_numpy()
    )
    grade = np.where(fever, np.maximum(1, np.maximum(hyp, oxy)), 0)
    return pd.Series(grade, index=crs["patient_id"]).groupby(level=0).max()


def icans_grades(icans, patients):
    """ASTCT 2019 ICANS grade (ICE for age >= 12, CAPD below), maximum per patient."""
    age = icans["patient_id"].map(patients.set_index("patient_id")["age_years"]).to_numpy()
    ice = icans["ice_score"].astype("float64").to_numpy()
    capd = icans["capd_score"].astype("float64").to_numpy()
    cons = icans["consciousness"].map({"awake": 0, "voice": 2, "touch": 3, "unarousable": 4})
    g_ice = np.select([ice >= 10, ice >= 7, ice >= 3, ice >= 1, ice == 0], [0, 1, 2, 3, 4], 4)
    g_ice = np.where((ice == 0) & (cons.to_numpy() < 4), 3, g_ice)
    g_capd = np.select([capd == 0, capd <= 8, capd >= 9], [0, 1, 3], 4)
    g_score = np.where(age >= 12, g_ice, g_capd)
    g_cons = np.where(cons.to_numpy() == 0, 0, cons.to_numpy())
    g_cons = np.where((age < 12) & (cons.to_numpy() == 0) & (g_score == 1), 1, g_cons)
    seizure = icans["seizure"].map({"none": 0, "rapid": 3, "prolonged": 4}).to_numpy()
    edema = icans["cerebral_edema"].map({"none": 0, "focal": 3, "diffuse": 4}).to_numpy()
    motor = np.where(icans["motor_weakness"].to_numpy(), 4, 0)
    grade = np.maximum.reduce([g_score, g_cons, seizure, edema, motor])
    return pd.Series(grade, index=icans["patient_id"]).groupby(level=0).max()


def kinetics_summary(kin):
    """Per patient: Cmax, Tmax (first day of Cmax) and Tlast (last day >= LLOQ)."""
    k = kin.sort_values(["patient_id", "day"], kind="stable")
    idx = k.groupby("patient_id")["copies_per_ug"].idxmax()
    out = pd.DataFrame(
        {"cmax": k.loc[idx, "copies_per_ug"].to_numpy(), "tmax": k.loc[idx, "day"].to_numpy()},
        index=k.loc[idx, "patient_id"].to_numpy(),
    )
    q = k[~k["blq"]]
    out["tlast"] = q.groupby("patient_id")["day"].max()
    return out


def bca_summary(labs):
    """Per patient: any aplasia and its duration (first aplastic day to first recovered day)."""
    b = labs[labs["test"].isin(["BCELL_PCT_LYM", "BCELL_PCT_WBC"])]
    w = b.pivot_table(index=["patient_id", "day"], columns="test", values="value").reset_index()
    w["aplastic"] = (w["BCELL_PCT_WBC"] <= 1.0) | (w["BCELL_PCT_LYM"] <= 3.0)
    first = w[w["aplastic"]].groupby("patient_id")["day"].min()
    w["first"] = w["patient_id"].map(first)
    after = w[(w["day"] > w["first"]) & ~w["aplastic"]].groupby("patient_id")["day"].min()
    last_aplastic = w[w["aplastic"]].groupby("patient_id")["day"].max()
    end = after.reindex(first.index).fillna(last_aplastic)
    out = pd.DataFrame({"bca": w.groupby("patient_id")["aplastic"].any()})
    out["duration"] = (end - first).reindex(out.index)
    return out


def summarise(study):
    """Every calibrated figure of the published study, from the raw tables."""
    t = study.tables
    pts = t["patients"].set_index("patient_id")
    ids = pts.index
    n = len(ids)
    m = {}
    m["male"] = np.mean(pts["sex"] == "M")
    m["age_le_10"] = np.mean(pts["age_years"] <= 10)
    m["mrd_reemergence"] = np.mean(pts["indication"] == "mrd_reemergence")
    m["prior_hsct"] = pts["prior_hsct"].mean()
    m["dose_median"] = pts["cart_dose_e6_per_kg"].median()
    mrd = t["mrd"]
    pre = mrd[mrd["timepoint"] == "pre_ld"].set_index("patient_id")["mrd_fraction"].reindex(ids)
    m["mrd_lt_1e-4"] = np.mean(pre < 1e-4)
    m["mrd_ge_1e-3"] = np.mean(pre >= 1e-3)
    m["mrd_ge_1e-2"] = np.mean(pre >= 1e-2)
    post = mrd[mrd["timepoint"] == "post_ld"].set_index("patient_id")["mrd_fraction"].reindex(ids)
    m["post_ld_mrd_lt_1e-4"] = np.mean(post < 1e-4)
    m["post_ld_mrd_ge_1e-3"] = np.mean(post >= 1e-3)
    k = kinetics_summary(t["kinetics"]).reindex(ids)
    m["cmax_median"] = k["cmax"].median()
    m["cmax_p99"] = k["cmax"].quantile(0.99)
    m["tmax_median"] = k["tmax"].median()
    m["tlast_median"] = k["tlast"].median()
    marrow = t["marrow"]
    d28 = mrd[mrd["timepoint"] == "d28"].set_index("patient_id")
    blasts = marrow.merge(
        d28[["day"]], left_on=["patient_id", "day"], right_on=["patient_id", "day"]
    )
    blasts = blasts.set_index("patient_id")["blasts_pct"].reindex(ids)
    cr = (blasts < 5).to_numpy()
    mrd_neg_cr = cr & (d28["mrd_fraction"].reindex(ids) < 1e-4).to_numpy()
    m["cr"] = cr.mean()
    m["mrd_negative_cr"] = mrd_neg_cr.mean()
    m["cmax_ratio_mrdnegcr"] = np.exp(np.log(k["cmax"][mrd_neg_cr].clip(lower=1)).mean()) / np.exp(
        np.log(k["cmax"][~mrd_neg_cr].clip(lower=1)).mean()
    )
    b = bca_summary(t["labs"]).reindex(ids)
    m["bca"] = b["bca"].eq(True).mean()
    m["bca_median_days"] = b["duration"].median()
    both = b["duration"].notna() & k["tlast"].notna()
    m["bca_tlast_spearman"] = stats.spearmanr(b["duration"][both], k["tlast"][both]).statistic
    crs = crs_grades(t["crs"]).reindex(ids).fillna(0)
    m["crs_any"] = np.mean(crs >= 1)
    m["crs_3plus"] = np.mean(crs >= 3)
    high = (pre >= 1e-3).to_numpy()
    m["crs_3plus_mrd_high"] = np.mean(crs[high] >= 3)
    m["crs_3plus_mrd_low"] = np.mean(crs[~high] >= 3)
    dose_high = (pts["cart_dose_e6_per_kg"] >= pts["cart_dose_e6_per_kg"].median()).to_numpy()
    m["crs_3plus_dose_high"] = np.mean(crs[dose_high] >= 3)
    m["crs_3plus_dose_low"] = np.mean(crs[~dose_high] >= 3)
    icans = icans_grades(t["icans"], t["patients"]).reindex(ids).fillna(0)
    m["icans_any"] = np.mean(icans >= 1)
    labs = t["labs"]
    il6 = labs[labs["test"] == "IL6"]
    peak_idx = il6.groupby("patient_id")["value"].idxmax()
    il6_peak = il6.loc[peak_idx].set_index("patient_id").reindex(ids)
    m["il6_peak_median"] = il6_peak["value"].median()
    m["il6_peak_day_median"] = il6_peak["day"].median()
    m["il6_peak_crs3_vs_other"] = (
        il6_peak["value"][crs >= 3].median() / il6_peak["value"][crs < 3].median()
    )
    anc = labs[(labs["test"] == "ANC") & (labs["day"] <= 28)]
    nadir = anc.groupby("patient_id")["value"].min().reindex(ids)
    m["anc_nadir_median"] = nadir.median()
    m["neutropenia_g4"] = np.mean(nadir < 0.5)
    ae = t["adverse_events"]
    inf = ae[(ae["term"] == "infection") & (ae["onset_day"] <= 28)]
    m["infection_4w"] = inf["patient_id"].nunique() / n
    meds = t["medications"]
    toci = ids.isin(meds.loc[meds["drug"] == "tocilizumab", "patient_id"])
    ster = ids.isin(meds.loc[meds["drug"] == "corticosteroid", "patient_id"])
    m["tocilizumab"] = toci.mean()
    m["corticosteroid"] = ster.mean()
    m["cmax_ratio_steroid"] = k["cmax"][ster].median() / k["cmax"][~ster].median()

    ev = t["events"]
    last = ev[ev["event"] == "last_contact"].set_index("patient_id")["day"].reindex(ids)
    death = ev[ev["event"] == "death"].set_index("patient_id")["day"].reindex(ids)
    rel = ev[ev["event"] == "relapse"].drop_duplicates("patient_id").set_index("patient_id")
    rel = rel.reindex(ids)
    hsct = ev[ev["event"] == "hsct"].set_index("patient_id")["day"].reindex(ids)
    m["relapse"] = rel["day"].notna().mean()
    neg = rel["detail"] == "cd19_negative"
    pos = rel["detail"] == "cd19_positive"
    m["relapse_cd19neg"] = neg.mean()
    m["relapse_cd19neg_median_months"] = rel["day"][neg].median() / MONTH
    m["relapse_cd19pos_median_months"] = rel["day"][pos].median() / MONTH
    female = (pts["sex"] == "F").to_numpy()
    m["relapse_female"] = rel["day"].notna()[female].mean()
    m["relapse_male"] = rel["day"].notna()[~female].mean()
    long_bca = (b["duration"] >= b["duration"].median()).to_numpy()
    m["relapse_long_bca"] = rel["day"].notna()[long_bca].mean()
    m["relapse_short_bca"] = rel["day"].notna()[b["duration"].notna().to_numpy() & ~long_bca].mean()
    m["hsct"] = hsct.notna().mean()
    m["hsct_median_months"] = hsct.median() / MONTH
    os_time = death.fillna(last).to_numpy()
    os_event = death.notna().to_numpy()
    m["os_5y"] = km_at(os_time, os_event, 5 * YEAR)
    lfs_time = np.fmin(rel["day"].to_numpy(), os_time)
    lfs_event = rel["day"].notna().to_numpy() | os_event
    m["lfs_5y"] = km_at(lfs_time, lfs_event, 5 * YEAR)
    m["follow_up_median_months"] = km_median(os_time, ~os_event) / MONTH
    return m
