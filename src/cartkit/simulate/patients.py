"""Baseline characteristics of virtual patients (the patients table and pre-infusion MRD)."""

from __future__ import annotations

import numpy as np
import pandas as pd

from .scenario import LESIONS, Scenario

INDICATIONS = np.array(["mrd_reemergence", "mrd_persistent", "chemo_intolerance"], dtype=object)
MRD_BIN_EDGES = (1e-4, 1e-3, 1e-2, 5e-2)


def patient_ids(n: int) -> np.ndarray:
    """Return identifiers ``P001``, ``P002``, ... (zero-padded to the width of n, at least 3)."""
    width = max(3, len(str(n)))
    numbers = np.char.zfill(np.arange(1, n + 1).astype(str), width)
    return np.char.add("P", numbers).astype(object)


def _lognormal(rng, median, sd_log, size):
    return median * np.exp(rng.normal(0.0, sd_log, size))


def simulate_baseline(rng: np.random.Generator, n: int, sc: Scenario) -> dict[str, np.ndarray]:
    """Draw each patient's baseline characteristics.

    Returns arrays over patients: ``female`` (bool), ``age_years``, ``indication`` (codes 0..2),
    ``prior_hsct``, ``prior_cart``, ``dose``, ``diagnosis_months``, ``lesions`` (bool matrix over
    LESIONS), ``mrd_pre`` and ``mrd_post`` (fractions, 0 when undetectable).
    """
    female = rng.random(n) >= sc.p_male
    lo, hi = sc.age_range
    young = rng.random(n) < sc.p_age_le_10
    u = rng.random(n)
    # uniform within [lo, 10] for the young and (10, hi] for the others (one decimal)
    young_age = lo + u * (min(hi, 10.0) - lo)
    old_age = np.maximum(10.1, max(lo, 10.0) + u * (hi - max(lo, 10.0)))
    age = np.clip(np.round(np.where(young, young_age, old_age), 1), lo, hi)
    indication = rng.choice(3, size=n, p=np.asarray(sc.p_indication))
    prior_hsct = rng.random(n) < sc.p_prior_hsct
    prior_cart = rng.random(n) < sc.p_prior_cart
    dose = np.clip(_lognormal(rng, sc.dose_median, sc.dose_sd_log, n), *sc.dose_range)
    dose = np.round(dose, 2)
    months = _lognormal(rng, sc.diagnosis_months_median, sc.diagnosis_months_sd_log, n)
    months = np.round(np.clip(months, *sc.diagnosis_months_range), 1)
    lesions = rng.random((n, len(LESIONS))) < np.asarray(sc.p_lesions)

    # pre-LD MRD: a bin, then log-uniform within it; part of the lowest bin is undetectable
    mrd_bin = rng.choice(4, size=n, p=np.asarray(sc.p_mrd_bins))
    lower = np.log10(np.array([1e-5, *MRD_BIN_EDGES[:3]]))[mrd_bin]
    upper = np.log10(np.array(MRD_BIN_EDGES))[mrd_bin]
    log10_pre = lower + rng.random(n) * (upper - lower)
    undetectable = (mrd_bin == 0) & (rng.random(n) < sc.p_mrd_undetectable)
    mrd_pre = np.where(undetectable, 0.0, 10.0**log10_pre)
    shift_mean, shift_sd = sc.ld_log10_mrd_shift
    log10_post = np.minimum(log10_pre + rng.normal(shift_mean, shift_sd, n), np.log10(0.2))
    mrd_post = np.where(undetectable | (log10_post < -5.0), 0.0, 10.0**log10_post)
    return {
        "female": female,
        "age_years": age,
        "indication": indication,
        "prior_hsct": prior_hsct,
        "prior_cart": prior_cart,
        "dose": dose,
        "diagnosis_months": months,
        "lesions": lesions,
        "mrd_pre": _sig(mrd_pre),
        "mrd_post": _sig(mrd_post),
        "log10_mrd_pre": np.where(undetectable, -5.0, log10_pre),
    }


def _sig(x: np.ndarray, digits: int = 3) -> np.ndarray:
    """Round to ``digits`` significant figures, as a laboratory reports an MRD fraction."""
    out = np.zeros_like(x)
    pos = x > 0
    mag = np.floor(np.log10(x[pos]))
    out[pos] = np.round(x[pos] / 10.0**mag, digits - 1) * 10.0**mag
    return out


def risk_groups(lesions: np.ndarray) -> np.ndarray:
    """NCCN risk group from the lesion matrix: poor > standard > unclassified (no lesion)."""
    poor_cols = np.array([risk == "poor" for _, risk in LESIONS])
    poor = lesions[:, poor_cols].any(axis=1)
    standard = lesions[:, ~poor_cols].any(axis=1)
    return np.where(poor, "poor", np.where(standard, "standard", "unclassified")).astype(object)


def lesion_strings(lesions: np.ndarray) -> np.ndarray:
    """Join lesion names with ``;`` per patient (None when no lesion was found)."""
    n = lesions.shape[0]
    out = np.full(n, "", dtype=object)
    for j, (name, _) in enumerate(LESIONS):  # loop over the 9 lesions, vectorised over patients
        has = lesions[:, j]
        sep = np.where(out[has] == "", "", ";")
        out[has] = out[has] + sep + name
    out[out == ""] = None
    return out


def patients_table(ids: np.ndarray, base: dict[str, np.ndarray], dates) -> pd.DataFrame:
    """Build the patients table of the study data format."""
    return pd.DataFrame(
        {
            "patient_id": ids,
            "sex": np.where(base["female"], "F", "M").astype(object),
            "age_years": base["age_years"],
            "indication": INDICATIONS[base["indication"]],
            "prior_hsct": base["prior_hsct"],
            "prior_cart": base["prior_cart"],
            "cart_dose_e6_per_kg": base["dose"],
            "diagnosis_to_infusion_months": base["diagnosis_months"],
            "genetic_lesions": lesion_strings(base["lesions"]),
            "risk_group": risk_groups(base["lesions"]),
            "infusion_date": dates,
        }
    )
