"""Timings of logistic regression, screening and group comparisons (run on demand).

python benchmarks/bench_regression.py
"""

import sys
import time
from pathlib import Path

import numpy as np
import pandas as pd

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))

from cartkit.comparisons import compare, describe  # noqa: E402
from cartkit.regression import logistic, screen  # noqa: E402


def timed(label, fn, repeat=5):
    best = np.inf
    for _ in range(repeat):
        t0 = time.perf_counter()
        fn()
        best = min(best, time.perf_counter() - t0)
    print(f"{label:<60s} {best * 1000:9.1f} ms (best of {repeat})")


def main():
    ref = ROOT / "tests" / "reference"
    b = pd.read_csv(ref / "birthwt.csv")
    s = pd.read_csv(ref / "sex2.csv")
    covs = ["age", "lwt", "smoke", "ht", "ui"]
    timed("logistic ML, Wald, birthwt (n=189, 6 terms)",
          lambda: logistic(b, outcome="low", covariates=covs))  # fmt: skip
    timed("logistic ML, profile (R MASS), birthwt",
          lambda: logistic(b, outcome="low", covariates=covs, ci="profile"))  # fmt: skip
    timed("logistic Firth, profile + PLR tests, sex2 (n=239, 7 terms)",
          lambda: logistic(s, outcome="case", covariates=["age", "oc", "vic", "vicl", "vis", "dia"],
                           method="firth", ci="profile"))  # fmt: skip
    rng = np.random.default_rng(0)
    n = 50
    cohort = pd.DataFrame(
        {f"x{i}": rng.normal(size=n) for i in range(10)}
        | {"y": (rng.random(n) < 0.16).astype(int), "grp": rng.choice(["a", "b"], n)}
    )
    timed("screen 10 candidates, Firth profile, n=50, 8 events",
          lambda: screen(cohort, fit=logistic, covariates=[f"x{i}" for i in range(10)],
                         outcome="y", method="firth", ci="profile"), repeat=2)  # fmt: skip
    timed("compare continuous, n=50", lambda: compare(cohort, variable="x0", group="grp"))
    variables = [*(f"x{i}" for i in range(10)), "y"]
    timed("describe 11 variables by group, n=50",
          lambda: describe(cohort, variables=variables, group="grp"))  # fmt: skip
    big = pd.DataFrame({"g": rng.choice(list("abc"), 50), "v": rng.choice(list("uvw"), 50)})
    timed("compare 3 x 3 Fisher exact enumeration, n=50",
          lambda: compare(big, variable="v", group="g", test="fisher"), repeat=2)  # fmt: skip


if __name__ == "__main__":
    main()
