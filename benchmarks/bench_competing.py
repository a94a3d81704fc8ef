"""Speed of cumulative incidence, Gray's test and Fine-Gray on simulated data.

Run: python benchmarks/bench_competing.py
"""

import sys
import time
import warnings
from pathlib import Path

import numpy as np
import pandas as pd

# the source tree beside this script, not an installed copy
sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "src"))

from cartkit.survival import cumulative_incidence, fine_gray, gray_test


def simulate(n, seed=0, resolution=0.01):
    rng = np.random.default_rng(seed)
    x = rng.normal(size=n)
    sex = rng.choice(["F", "M"], n)
    t = np.round(rng.exponential(size=n) * np.exp(-0.3 * x), 2) / resolution * resolution
    e = rng.choice([0, 1, 2], n, p=[0.3, 0.4, 0.3])
    return pd.DataFrame({"t": t, "e": e, "x": x, "sex": sex, "g": rng.integers(0, 3, n)})


def timed(fn, repeat=3):
    best = float("inf")
    for _ in range(repeat):
        start = time.perf_counter()
        fn()
        best = min(best, time.perf_counter() - start)
    return best


def main():
    print(f"{'task':<44}{'n':>8}{'seconds':>10}")
    for n in (1_000, 10_000, 100_000):
        df = simulate(n)
        s = timed(lambda df=df: cumulative_incidence(df, time="t", event="e", group="g"))
        print(f"{'cumulative_incidence (3 groups, 2 causes)':<44}{n:>8}{s:>10.3f}")
        s = timed(lambda df=df: gray_test(df, time="t", event="e", group="g"))
        print(f"{'gray_test (3 groups, 2 causes)':<44}{n:>8}{s:>10.3f}")
    try:
        from lifelines import AalenJohansenFitter

        df = simulate(10_000)
        warnings.simplefilter("ignore")  # lifelines warns that it jitters tied times
        s = timed(lambda: AalenJohansenFitter(calculate_variance=True).fit(df["t"], df["e"], 1))
        print(f"{'lifelines AalenJohansenFitter (1 cause)':<44}{10_000:>8}{s:>10.3f}")
    except ImportError:
        pass
    for n in (1_000, 10_000, 100_000):
        df = simulate(n)
        distinct = df.loc[df["e"] == 1, "t"].nunique()
        s = timed(
            lambda df=df: fine_gray(df, time="t", event="e", cause=1, covariates=["x", "sex"]),
            repeat=1,
        )
        label = f"fine_gray (2 terms, {distinct} failure times)"
        print(f"{label:<44}{n:>8}{s:>10.3f}")


if __name__ == "__main__":
    main()
