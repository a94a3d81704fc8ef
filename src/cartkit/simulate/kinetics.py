"""CAR-T transgene kinetics: exponential expansion, then biphasic contraction (Stein et al. 2019).

Up to Tmax, C(t) = Cmax * exp(rho * (t - Tmax)) with rho = log(fold expansion) / Tmax; after it,
C(t) = Cmax * [(1 - FB) * exp(-alpha * (t - Tmax)) + FB * exp(-beta * (t - Tmax))]. Each patient
has log-normal parameters (between-patient variability); each sample has log-normal residual error.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from .scenario import Scenario


def draw_parameters(rng: np.random.Generator, base: dict, sc: Scenario) -> dict[str, np.ndarray]:
    """Per-patient kinetic parameters: cmax, tmax, fold, alpha, fb, beta (arrays over patients)."""
    n = base["dose"].shape[0]
    z = rng.normal(size=(6, n))
    log_cmax = (
        np.log(sc.cmax_median)
        + sc.cmax_sd_log * z[0]
        + sc.cmax_per_log10_mrd * (base["log10_mrd_pre"] + 3.0)
        + sc.cmax_per_log_dose * np.log(base["dose"] / sc.dose_median)
    )
    tmax = np.clip(sc.tmax_median * np.exp(sc.tmax_sd_log * z[1]), *sc.tmax_range)
    return {
        "cmax": np.exp(log_cmax),
        "tmax": tmax,
        "fold": np.maximum(sc.fold_expansion_median * np.exp(sc.fold_expansion_sd_log * z[2]), 2.0),
        "alpha": sc.alpha_median * np.exp(sc.alpha_sd_log * z[3]),
        "fb": np.minimum(sc.fb_median * np.exp(sc.fb_sd_log * z[4]), 0.5),
        "beta": sc.beta_median * np.exp(sc.beta_sd_log * z[5]),
    }


def concentration(p: dict[str, np.ndarray], t: np.ndarray) -> np.ndarray:
    """Return the true level at days ``t`` (shape (n,) or (n, k)); 0 at or before infusion."""
    t = np.asarray(t, dtype=float)
    col = (lambda a: a[:, None]) if t.ndim == 2 else (lambda a: a)
    cmax, tmax = col(p["cmax"]), col(p["tmax"])
    rho = np.log(col(p["fold"])) / tmax
    s = t - tmax
    rising = cmax * np.exp(rho * np.minimum(s, 0.0))
    fb = col(p["fb"])
    s_pos = np.maximum(s, 0.0)
    falling = cmax * (
        (1 - fb) * np.exp(-col(p["alpha"]) * s_pos) + fb * np.exp(-col(p["beta"]) * s_pos)
    )
    return np.where(t <= 0, 0.0, np.where(s < 0, rising, falling))


def time_below(p: dict[str, np.ndarray], level: np.ndarray) -> np.ndarray:
    """First day after Tmax when the true level falls below ``level``; NaN when Cmax <= level."""
    ratio = np.asarray(level, dtype=float) / p["cmax"]
    lo = np.zeros_like(ratio)
    hi = np.full_like(ratio, 1e5)
    fb, a, b = p["fb"], p["alpha"], p["beta"]
    for _ in range(50):  # bisection, vectorised over patients; the curve falls monotonically
        mid = 0.5 * (lo + hi)
        above = (1 - fb) * np.exp(-a * mid) + fb * np.exp(-b * mid) > ratio
        lo = np.where(above, mid, lo)
        hi = np.where(above, hi, mid)
    return np.where(ratio < 1.0, p["tmax"] + hi, np.nan)


def nominal_days(sc: Scenario) -> np.ndarray:
    """Return the sampling schedule: the listed days, then every ``kinetics_late_interval`` days."""
    days = np.asarray(sc.kinetics_days, dtype=float)
    late = np.arange(
        days[-1] + sc.kinetics_late_interval, sc.kinetics_end_day + 1e-9, sc.kinetics_late_interval
    )
    return np.concatenate([days, late])


def jittered_days(rng, nominal: np.ndarray, n: int, early: int, late: int) -> np.ndarray:
    """Visit days with whole-day jitter (none at day 0, never before day 1 otherwise)."""
    width = np.where(nominal <= 28, early, late)
    jitter = np.floor(rng.random((n, nominal.size)) * (2 * width + 1)) - width
    days = np.where(nominal > 0, np.maximum(nominal + jitter, 1.0), 0.0)
    return days


def sample_kinetics(
    rng: np.random.Generator,
    ids: np.ndarray,
    p: dict[str, np.ndarray],
    hsct_day: np.ndarray,
    end_day: np.ndarray,
    sc: Scenario,
) -> pd.DataFrame:
    """Build the kinetics table: jittered and missed visits, stopped after two BLQ after day 28.

    ``hsct_day`` (NaN when none) ablates CAR-T cells by ``hsct_cart_factor``; no sample is taken
    after ``end_day`` (last contact).
    """
    n = ids.shape[0]
    nominal = nominal_days(sc)
    days = jittered_days(rng, nominal, n, sc.jitter_early, sc.jitter_late)
    missed = (rng.random(days.shape) < sc.p_missed_visit) & (nominal > 0)
    noise = np.exp(rng.normal(0.0, sc.residual_sd_log, days.shape))
    level = concentration(p, days)
    ablated = days > np.where(np.isnan(hsct_day), np.inf, hsct_day)[:, None]
    level = np.where(ablated, level * sc.hsct_cart_factor, level) * noise
    level = np.round(level, 1)
    blq = level < sc.lloq
    taken = np.zeros(days.shape, dtype=bool)
    run = np.zeros(n, dtype=int)
    stopped = np.zeros(n, dtype=bool)
    for j in range(nominal.size):  # over visits, vectorised over patients
        take = ~missed[:, j] & (days[:, j] <= end_day) & ~stopped
        taken[:, j] = take
        counts = nominal[j] > 28
        run = np.where(take, np.where(counts & blq[:, j], run + 1, 0), run)
        stopped |= run >= 2
    rows, cols = np.nonzero(taken)
    return pd.DataFrame(
        {
            "patient_id": ids[rows],
            "day": days[rows, cols],
            "copies_per_ug": np.where(blq[rows, cols], 0.0, level[rows, cols]),
            "blq": blq[rows, cols],
            "lloq": np.full(rows.size, float(sc.lloq)),
        },
        copy=False,
    )
