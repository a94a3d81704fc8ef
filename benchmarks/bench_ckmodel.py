"""Speed of the population kinetic model: 150 and 400 CAR-T patients x 13 samples.

Run: python benchmarks/bench_ckmodel.py [--patients 150 400] [--seed 0] [--stop]

Each cohort comes from ``ckmodel_cohort.py`` (the study's schedule: 13 visits a patient from day
4 to 3 years, about a quarter below the LLOQ; ``--stop`` applies the study's rule of stopping
after two values below the LLOQ, about 10 samples a patient). Reports the wall-clock and CPU
time of ``fit_kinetic_model`` (Stein model, random effects on all six parameters, the default
estimation: SAEM, conditional sampling, Newton refinement on the importance-sampled likelihood,
EBEs, residuals and a 200-replicate VPC). On a shared machine the wall time includes waiting
for the CPU; the CPU time is the work itself. Targets: < 60 s for 150 patients, < 3 min for 400.
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "src"))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from ckmodel_cohort import cohort

from cartkit.kinetics.popmodel import fit_kinetic_model


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--patients", type=int, nargs="+", default=[150, 400])
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--stop", action="store_true", help="apply the study's stopping rule")
    args = ap.parse_args()
    print(f"load average before: {os.getloadavg()[0]:.1f} on {os.cpu_count()} CPU(s)")
    for n in args.patients:
        df = cohort(n, args.seed, stop=args.stop)
        quantified = df.loc[~df["blq"], "patient_id"].unique()
        df = df[df["patient_id"].isin(quantified)]
        wall, cpu = time.perf_counter(), time.process_time()
        fit = fit_kinetic_model(df, seed=args.seed)
        wall, cpu = time.perf_counter() - wall, time.process_time() - cpu
        print(
            f"{fit.n_patients} patients x {fit.n_obs / fit.n_patients:.1f} samples "
            f"({100 * fit.n_blq / fit.n_obs:.0f}% < LLOQ): wall {wall:.1f} s, CPU {cpu:.1f} s, "
            f"loglik {fit.loglik:.2f} (MC SE {fit.loglik_se:.2f}), "
            f"load average {os.getloadavg()[0]:.1f}"
        )


if __name__ == "__main__":
    main()
