"""CRS and ICANS as daily observations that grade (ASTCT 2019) to each patient's intended grade.

An ordinal probit gives each patient an intended maximum grade from tumour burden, dose and
expansion; daily rows then render it: fever on every CRS day, and on the peak days the
hypotension or oxygen support that defines the grade. ICANS peak days show the ICE score
(age >= 12 years) or CAPD score (younger), consciousness, seizures, motor weakness and oedema
of the intended grade. Drugs (tocilizumab, corticosteroids, vasopressors) follow the grades.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from scipy.special import expit

from .scenario import Scenario

HYPOTENSION = np.array(["none", "fluids", "vasopressor", "multiple_vasopressors"], dtype=object)
OXYGEN = np.array(["none", "low_flow", "high_flow", "positive_pressure"], dtype=object)
CONSCIOUSNESS = np.array(["awake", "voice", "touch", "unarousable"], dtype=object)
SEIZURE = np.array(["none", "rapid", "prolonged"], dtype=object)
EDEMA = np.array(["none", "focal", "diffuse"], dtype=object)
INFECTION_CATEGORY = np.array(["bacterial", "viral", "fungal"], dtype=object)
INFECTION_DETAIL = np.array(
    ["bloodstream", "cmv_reactivation", "ebv_reactivation", "invasive_fungal"], dtype=object
)


def _ordinal(latent: np.ndarray, cutpoints) -> np.ndarray:
    return (latent[:, None] > np.asarray(cutpoints)[None, :]).sum(axis=1)


def draw_grades(rng: np.random.Generator, base: dict, kin: dict, sc: Scenario) -> dict:
    """Intended CRS and ICANS grades and timing (days from infusion), per patient."""
    n = kin["cmax"].shape[0]
    z = rng.normal(size=(2, n))
    u = rng.random((8, n))
    mrd_high = base["mrd_pre"] >= 1e-3
    log10_cmax = np.log10(kin["cmax"]) - 4.5
    crs_lp = (
        sc.crs_effect_mrd_high * mrd_high
        + sc.crs_effect_dose_high * (base["dose"] >= sc.dose_median)
        + sc.crs_effect_log10_cmax * log10_cmax
    )
    crs = _ordinal(crs_lp + z[0], sc.crs_cutpoints)
    icans_lp = sc.icans_effect_crs_grade * crs + sc.icans_effect_mrd_high * mrd_high
    icans = _ordinal(icans_lp + z[1], sc.icans_cutpoints)
    last = sc.assessment_days - 1
    # cytokine and CRS peak follow the expansion, a little before Tmax
    peak = np.clip(np.round(kin["tmax"] - 1.3 + 4 * (u[0] - 0.5)), 1, 22)
    onset = np.maximum(peak - np.floor(u[1] * 4) - 1, 1)
    peak_end = peak + np.where(crs >= 2, np.floor(u[2] * 2), 0)
    end = np.minimum(peak_end + 1 + np.floor(u[3] * (2 + crs)), last)
    i_onset = np.minimum(peak + np.floor(u[4] * 4), last - 1)
    i_peak_end = i_onset + np.floor(u[5] * (1 + (icans >= 2)))
    i_end = np.minimum(i_peak_end + np.floor(u[6] * (1 + icans)), last)
    return {
        "crs_grade": crs,
        "crs_onset": np.where(crs > 0, onset, np.nan),
        "crs_peak": peak,
        "crs_peak_end": peak_end,
        "crs_end": np.where(crs > 0, end, np.nan),
        "icans_grade": icans,
        "icans_onset": np.where(icans > 0, i_onset, np.nan),
        "icans_peak_end": i_peak_end,
        "icans_end": np.where(icans > 0, i_end, np.nan),
    }


def _window(days, start, end):
    return (days >= start[:, None]) & (days <= end[:, None])


def daily_matrices(rng: np.random.Generator, base: dict, g: dict, sc: Scenario) -> dict:
    """Daily CRS and ICANS observations as (patients x days) matrices of codes and values."""
    n = g["crs_grade"].shape[0]
    days = np.broadcast_to(
        np.arange(sc.assessment_days + 1, dtype=float), (n, sc.assessment_days + 1)
    )
    shape = days.shape
    crs, icans = g["crs_grade"], g["icans_grade"]
    u = rng.random((6, n))
    v = rng.random((4, *shape))

    on = _window(days, g["crs_onset"], g["crs_end"])  # NaN bounds give False
    at_peak = _window(days, g["crs_peak"], g["crs_peak_end"]) & on
    afebrile = np.clip(36.9 + 0.3 * rng.normal(size=shape), 36.0, 37.7)
    fever = np.minimum(38.1 + v[0] * (1.0 + 0.4 * crs[:, None]), 41.0)
    temp = np.round(np.where(on, fever, afebrile), 1)
    # the organ that defines the grade gets level grade-1, the other a lower level at most
    level = np.maximum(crs - 1, 0)
    driver_bp = u[0] < 0.6
    other = np.floor(u[1] * np.maximum(level, 0))  # 0 .. level-1
    bp_level = np.where(driver_bp, level, other).astype(int)
    o2_level = np.where(driver_bp, other, level).astype(int)
    hyp = np.where(at_peak, bp_level[:, None], 0)
    oxy = np.where(at_peak, o2_level[:, None], 0)

    i_on = _window(days, g["icans_onset"], g["icans_end"])
    i_peak = _window(days, g["icans_onset"], g["icans_peak_end"]) & i_on
    igrade = np.where(i_peak, icans[:, None], np.where(i_on, 1, 0))
    ice_age = base["age_years"] >= sc.icans_ice_min_age
    ice = np.select(
        [igrade == 0, igrade == 1, igrade == 2, igrade == 3],
        [10, 7 + np.floor(v[1] * 3), 3 + np.floor(v[1] * 4), np.floor(v[1] * 3)],
        0,
    )
    capd = np.select(
        [igrade == 0, igrade <= 2, igrade == 3],
        [0, 1 + np.floor(v[2] * 8), 9 + np.floor(v[2] * 16)],
        -1,
    )
    consciousness = np.maximum(igrade - 1, 0)
    seizure = np.where(
        (igrade == 3) & (u[2] < 0.3)[:, None],
        1,
        np.where((igrade == 4) & (u[2] < 0.3)[:, None], 2, 0),
    )
    edema = np.where(
        (igrade == 3) & (u[3] < 0.2)[:, None],
        1,
        np.where((igrade == 4) & (u[3] < 0.25)[:, None], 2, 0),
    )
    motor = (igrade == 4) & (u[4] < 0.2)[:, None]
    return {
        "days": np.asarray(days),
        "temp": temp,
        "hypotension": hyp,
        "oxygen": oxy,
        "ice": np.where(ice_age[:, None], ice, -1),
        "capd": np.where(ice_age[:, None], -1, capd),
        "consciousness": consciousness,
        "seizure": seizure,
        "edema": edema,
        "motor": motor,
    }


def _scores(values: np.ndarray) -> pd.arrays.IntegerArray:
    """Nullable integers: a negative code means not assessed (empty)."""
    return pd.arrays.IntegerArray(np.maximum(values, 0).astype("int64"), values < 0)


def crs_icans_tables(ids, daily: dict, last_day: np.ndarray) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Long ``crs`` and ``icans`` tables (one row per patient-day, until last contact)."""
    rows, cols = np.nonzero(daily["days"] <= last_day[:, None])
    pid = ids[rows]
    day = daily["days"][rows, cols]
    crs = pd.DataFrame(
        {
            "patient_id": pid,
            "day": day,
            "temp_max_c": daily["temp"][rows, cols],
            "hypotension": HYPOTENSION[daily["hypotension"][rows, cols]],
            "oxygen": OXYGEN[daily["oxygen"][rows, cols]],
        },
        copy=False,
    )
    ice = daily["ice"][rows, cols]
    capd = daily["capd"][rows, cols]
    icans = pd.DataFrame(
        {
            "patient_id": pid.copy(),  # not shared with crs: editing one table leaves the other
            "day": day.copy(),
            "ice_score": _scores(ice),
            "capd_score": _scores(capd),
            "consciousness": CONSCIOUSNESS[daily["consciousness"][rows, cols]],
            "seizure": SEIZURE[daily["seizure"][rows, cols]],
            "motor_weakness": daily["motor"][rows, cols],
            "cerebral_edema": EDEMA[daily["edema"][rows, cols]],
        },
        copy=False,
    )
    return crs, icans


def draw_infections(rng: np.random.Generator, grade4_neutropenia: np.ndarray, sc: Scenario) -> dict:
    """Infections in the first 4 weeks, more likely with grade 4 neutropenia; some are fatal."""
    n = grade4_neutropenia.shape[0]
    u = rng.random((6, n))
    p = expit(sc.infection_logit + sc.infection_effect_neutropenia * grade4_neutropenia)
    has = u[0] < p
    category = np.searchsorted(np.cumsum(sc.p_infection_category), u[1], side="right")
    category = np.minimum(category, 2)
    grade = np.where(u[2] < 0.3, 2, np.where(u[2] < 0.85, 3, 4))
    fatal = has & (u[3] < sc.p_infection_fatal)
    onset = 3 + np.floor(u[4] * (sc.assessment_days - 3))
    return {
        "infection": has,
        "infection_category": np.where(has, category, -1),
        # detail: bacteraemia; CMV (2 in 3) or EBV reactivation; invasive fungal infection
        "infection_detail": np.where(has, np.choose(category, [0, 1 + (u[5] >= 2 / 3), 3]), -1),
        "infection_grade": np.where(has, np.where(fatal, 5, grade), 0),
        "infection_onset": np.where(has, onset, np.nan),
        "infection_death_day": np.where(
            fatal, onset + 1 + np.floor(u[3] / max(sc.p_infection_fatal, 1e-12) * 14), np.nan
        ),
    }
