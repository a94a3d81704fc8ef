"""Kaplan-Meier and log-rank on 10^6 rows: cartkit against lifelines, measured in the same run.

Run: python benchmarks/bench_km.py [--rows 1000000] [--repeat 3]

Two data shapes: integer days (many ties, as clinical data) and continuous times (every time
distinct). Each figure is the best of ``--repeat`` runs; the ratio is lifelines / cartkit (> 1:
cartkit is faster). lifelines is a benchmark comparator only, never a cartkit dependency.
A third block times delayed entry (left truncation: each row enters at a random time before its
end), cartkit ``kaplan_meier(start=...)`` against lifelines ``KaplanMeierFitter(entry=...)``.
"""

from __future__ import annotations

import argparse
import sys
import time
import warnings
from pathlib import Path

import numpy as np
import pandas as pd

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "src"))

from cartkit.survival import kaplan_meier, logrank


def best(fn, repeat):
    times = []
    for _ in range(repeat):
        t0 = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t0)
    return min(times)


def data(n, continuous, seed=0):
    rng = np.random.default_rng(seed)
    g = rng.integers(0, 2, n)
    t = rng.exponential(365 * (1 + 0.3 * g))
    c = rng.uniform(0, 2000, n)
    e = (t <= c).astype(np.int64)
    obs = np.minimum(t, c)
    if not continuous:
        obs = np.floor(obs)
    return pd.DataFrame({"time": obs, "event": e, "arm": g})


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--rows", type=int, default=1_000_000)
    ap.add_argument("--repeat", type=int, default=3)
    args = ap.parse_args()
    try:
        import lifelines  # noqa: F401
    except ImportError:
        sys.exit("lifelines is needed for the comparison (a benchmark comparator only)")
    warnings.simplefilter("ignore")

    print(f"rows: {args.rows:,}, best of {args.repeat}")
    print(f"{'data':<12}{'task':<26}{'cartkit s':>11}{'lifelines s':>13}{'ratio':>8}")
    for label, continuous in (("int days", False), ("continuous", True)):
        run(label, data(args.rows, continuous), args.repeat)
    delayed(data(args.rows, True), args.repeat)


def delayed(df, repeat):
    from lifelines import KaplanMeierFitter

    rng = np.random.default_rng(1)
    df = df.assign(entry=df["time"] * rng.uniform(0, 0.9, len(df)))

    def ck_km():
        return kaplan_meier(df, start="entry", time="time", event="event")

    def ll_km():
        return KaplanMeierFitter().fit(df["time"], df["event"], entry=df["entry"])

    a, b = best(ck_km, repeat), best(ll_km, repeat)
    print(f"{'entry':<12}{'KM, one curve, delayed':<26}{a:>11.3f}{b:>13.3f}{b / a:>8.2f}")
    times = [100.0, 365.0, 1000.0]
    ours = ck_km().survival_at(times)["estimate"].to_numpy()
    theirs = ll_km().survival_function_at_times(times).to_numpy()
    # cartkit merges times closer than sqrt(machine eps) as R's timefix; lifelines does not
    print(f"{'':<12}max |S difference| at {times}: {np.max(np.abs(ours - theirs)):.1e}")


def run(label, df, repeat):
    from lifelines import KaplanMeierFitter
    from lifelines.statistics import logrank_test

    T, E, G = df["time"], df["event"], df["arm"]
    m0, m1 = (G == 0).to_numpy(), (G == 1).to_numpy()

    def ck_km():
        kaplan_meier(df, time="time", event="event").median()

    def ll_km():
        kmf = KaplanMeierFitter().fit(T, E)
        _ = kmf.confidence_interval_
        _ = kmf.median_survival_time_

    def ck_km_groups():
        kaplan_meier(df, time="time", event="event", group="arm").median()

    def ll_km_groups():
        for m in (m0, m1):
            kmf = KaplanMeierFitter().fit(T[m], E[m])
            _ = kmf.confidence_interval_
            _ = kmf.median_survival_time_

    def ck_lr():
        return logrank(df, time="time", event="event", group="arm")

    def ll_lr():
        return logrank_test(T[m0], T[m1], E[m0], E[m1])

    def ck_all():
        ck_km_groups()
        ck_lr()

    def ll_all():
        ll_km_groups()
        ll_lr()

    tasks = [
        ("KM, one curve + median", ck_km, ll_km),
        ("KM, two groups + median", ck_km_groups, ll_km_groups),
        ("log-rank, two groups", ck_lr, ll_lr),
        ("KM by group + log-rank", ck_all, ll_all),
    ]
    for name, ck, ll in tasks:
        a, b = best(ck, repeat), best(ll, repeat)
        print(f"{label:<12}{name:<26}{a:>11.3f}{b:>13.3f}{b / a:>8.2f}")
    # the same numbers: both log-rank statistics agree
    print(
        f"{'':<12}log-rank chi2: cartkit {ck_lr().statistic:.6f},"
        f" lifelines {ll_lr().test_statistic:.6f}"
    )


if __name__ == "__main__":
    main()
