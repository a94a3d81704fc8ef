"""Speed of CRS, ICANS and CTCAE grading on a large synthetic cohort.

Run: python benchmarks/bench_grading.py [n_patients]   (default 2000 patients x 30 days)
"""

import sys
import time

import numpy as np
import pandas as pd

sys.path.insert(0, "src")

from cartkit.derive import derive_crs, grade_crs, grade_icans, grade_labs


def cohort(n, days=30, seed=0):
    rng = np.random.default_rng(seed)
    pid = np.repeat([f"p{i:05d}" for i in range(n)], days)
    day = np.tile(np.arange(days, dtype=float), n)
    m = n * days
    crs = pd.DataFrame(
        {
            "patient_id": pid,
            "day": day,
            "temp_max_c": rng.normal(37.6, 0.8, m),
            "hypotension": rng.choice(
                ["none", "fluids", "vasopressor", "multiple_vasopressors"],
                m,
                p=[0.85, 0.1, 0.04, 0.01],
            ),
            "oxygen": rng.choice(
                ["none", "low_flow", "high_flow", "positive_pressure"], m, p=[0.85, 0.1, 0.04, 0.01]
            ),
        }
    )
    meds = pd.DataFrame(
        {
            "patient_id": rng.choice(pid, n // 2),
            "day": rng.integers(0, days, n // 2).astype(float),
            "drug": rng.choice(["tocilizumab", "corticosteroid"], n // 2),
        }
    )
    icans = pd.DataFrame(
        {
            "patient_id": pid,
            "day": day,
            "ice_score": rng.integers(0, 11, m).astype(float),
            "capd_score": rng.integers(0, 20, m).astype(float),
            "consciousness": rng.choice(["awake", "voice", "touch", "unarousable"], m),
            "seizure": rng.choice(["none", "rapid", "prolonged"], m),
            "motor_weakness": rng.random(m) < 0.01,
            "cerebral_edema": rng.choice(["none", "focal", "diffuse"], m),
        }
    )
    patients = pd.DataFrame({"patient_id": np.unique(pid), "age_years": rng.uniform(1, 18, n)})
    labs = pd.DataFrame(
        {"patient_id": pid, "day": day, "test": "ANC", "value": rng.gamma(1.5, 0.8, m)}
    )
    return crs, meds, icans, patients, labs


def timed(label, fn, *args, repeat=3):
    best = min(_once(fn, *args) for _ in range(repeat))
    print(f"{label:<40s} {best * 1e3:9.1f} ms")


def _once(fn, *args):
    t = time.perf_counter()
    fn(*args)
    return time.perf_counter() - t


if __name__ == "__main__":
    n = int(sys.argv[1]) if len(sys.argv) > 1 else 2000
    crs, meds, icans, patients, labs = cohort(n)
    print(f"{n} patients x 30 days = {len(crs)} assessments per table")
    timed("grade_crs", grade_crs, crs, meds)
    timed("derive_crs (grade + summary)", derive_crs, crs, meds)
    timed("grade_icans", grade_icans, icans, patients)
    timed("grade_labs (ANC)", grade_labs, labs)
