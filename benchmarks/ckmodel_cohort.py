"""Simulated CAR-T cohorts from known Stein-model parameters, sampled as the published study was.

Used by ``bench_ckmodel.py`` (speed) and ``ckmodel_recovery.py`` (parameter recovery). Visits:
days 4, 7, 10, 14, 21, 28, weeks 12, 26, 39, 54 and 104, then every 6 months to 3 years; early
visits jittered by +-1 day, later ones by +-7 days; monitoring stops after two consecutive values
below the LLOQ after day 28 (the study's rule).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from cartkit.kinetics.popmodel import simulate_kinetic_model

NOMINAL = np.array([4, 7, 10, 14, 21, 28, 84, 182, 273, 378, 728, 910, 1092], dtype=float)

#: typical values (natural scale), as the virtual cohort of cartkit.simulate
TRUTH = {"cmax": 42000.0, "tmax": 9.3, "rho": 0.89, "alpha": 0.16, "beta": 0.0032, "fb": 0.006}
#: SDs of the random effects (log scale; logit for fb)
OMEGA = {"cmax": 1.2, "tmax": 0.3, "rho": 0.4, "alpha": 0.5, "beta": 0.6, "fb": 0.8}
SIGMA = 0.45
LLOQ = 100.0


def cohort(n: int, seed: int, stop: bool = True) -> pd.DataFrame:
    """A cohort of ``n`` patients (columns patient_id, day, copies_per_ug, blq, lloq).

    ``stop=False`` keeps every visit (13 samples a patient) instead of the stopping rule.
    """
    rng = np.random.default_rng(np.random.SeedSequence([seed, 1]))
    width = np.where(NOMINAL <= 28, 1, 7)
    jitter = rng.integers(-width, width + 1, size=(n, NOMINAL.size))
    days = np.maximum(NOMINAL + jitter, 1.0)
    df = simulate_kinetic_model(n, days, TRUTH, OMEGA, SIGMA, lloq=LLOQ, seed=seed)
    df = df.sort_values(["patient_id", "day"], kind="stable")
    if not stop:
        return df.reset_index(drop=True)
    late_blq = (df["blq"] & (df["day"] > 28)).to_numpy()
    pid = df["patient_id"].to_numpy()
    same = np.r_[False, pid[1:] == pid[:-1]]
    second = late_blq & np.r_[False, late_blq[:-1]] & same
    # a visit happens unless two consecutive late values below the LLOQ came before it
    stopped = pd.Series(second).groupby(pid).cummax().to_numpy()
    after_stop = np.r_[False, stopped[:-1]] & same
    return df[~after_stop].reset_index(drop=True)
