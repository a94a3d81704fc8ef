"""Speed of cartkit.survival.cox against lifelines, measured in the same run.

Usage: python benchmarks/bench_cox.py [--rows 100000] [--repeat 3] [--strata 0] [--counting]

Both fit the same Cox model with Efron ties on 10^5 simulated rows with 5 covariates (four
continuous, one binary; times in whole days, so heavily tied). Prints the best wall time of each,
their ratio, and the largest coefficient difference between the two. ``--strata K`` adds a random
stratum label with K levels (R ``strata()``; lifelines ``strata=``) and fits x1..x4 within it.

``--counting`` also times counting-process data: each subject's follow-up is cut at two random
days into (start, stop] rows and x5 becomes a time-dependent 0/1 covariate switching on at the
first cut for half the subjects; cartkit ``cox(start=...)`` against lifelines
``CoxTimeVaryingFitter`` (Efron), and cartkit's robust variance clustered on the subject.
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

from cartkit.survival import cox


def simulate(n: int, seed: int = 20240601) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    x = rng.normal(size=(n, 5))
    x[:, 4] = rng.integers(0, 2, size=n)
    beta = np.array([0.3, -0.2, 0.1, 0.0, 0.5])
    t = np.ceil(rng.exponential(365.0 * np.exp(-(x @ beta))))
    c = np.ceil(rng.exponential(2 * 365.0, size=n))
    df = pd.DataFrame(x, columns=[f"x{i}" for i in range(1, 6)])
    df["time"] = np.minimum(t, c)
    df["event"] = (t <= c).astype(int)
    return df


def best_of(repeat: int, fn):
    times, result = [], None
    for _ in range(repeat):
        start = time.perf_counter()
        result = fn()
        times.append(time.perf_counter() - start)
    return min(times), result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=100_000)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--strata", type=int, default=0)
    parser.add_argument("--counting", action="store_true")
    args = parser.parse_args()

    from lifelines import CoxPHFitter

    df = simulate(args.rows)
    covs = [f"x{i}" for i in range(1, 6)]
    strata = None
    if args.strata:
        covs = covs[:4]
        df["stratum"] = np.random.default_rng(1).integers(0, args.strata, size=len(df))
        strata = ["stratum"]
    t_ck, model = best_of(
        args.repeat,
        lambda: cox(df, time="time", event="event", covariates=covs, strata=strata),
    )
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        t_ll, fitter = best_of(
            args.repeat,
            lambda: CoxPHFitter().fit(
                df[[*covs, *(strata or []), "time", "event"]], "time", "event", strata=strata
            ),
        )
    diff = np.max(np.abs(model.table["coef"].to_numpy() - fitter.params_[covs].to_numpy()))
    print(
        f"rows: {args.rows}, covariates: {len(covs)}, strata: {args.strata}, "
        f"events: {model.n_events}, ties: efron"
    )
    print(f"unique times: {df['time'].nunique()}")
    print(f"cartkit cox:          {t_ck:8.3f} s (best of {args.repeat})")
    print(f"lifelines CoxPHFitter:{t_ll:8.3f} s (best of {args.repeat})")
    print(f"ratio cartkit / lifelines: {t_ck / t_ll:.2f}")
    print(f"max |coef difference|: {diff:.2e}")
    t_zph, _ = best_of(args.repeat, model.ph_test)
    print(f"cartkit ph_test (cox.zph): {t_zph:.3f} s")
    if args.counting:
        counting(df, args.repeat)


def split(df: pd.DataFrame, seed: int = 7) -> pd.DataFrame:
    """Cut every subject at two random days inside its follow-up; x5 switches at the first."""
    rng = np.random.default_rng(seed)
    n = len(df)
    cuts = np.sort(np.ceil(rng.uniform(size=(n, 2)) * (df["time"].to_numpy()[:, None] - 1)), 1)
    edges = np.column_stack([np.zeros(n), cuts, df["time"].to_numpy()])
    start, stop = edges[:, :-1].ravel(), edges[:, 1:].ravel()
    rows = pd.DataFrame(np.repeat(df.to_numpy(), 3, axis=0), columns=df.columns)
    rows["id"] = np.repeat(np.arange(n), 3)
    rows["start"], rows["stop"] = start, stop
    rows["event"] = np.where(np.tile([False, False, True], n), rows["event"], 0)
    switch = np.repeat(rng.integers(0, 2, size=n), 3) * np.tile([0, 1, 1], n)
    rows["x5"] = switch.astype(float)
    return rows[rows["start"] < rows["stop"]].reset_index(drop=True)


def counting(df: pd.DataFrame, repeat: int) -> None:
    from lifelines import CoxTimeVaryingFitter

    rows = split(df)
    covs = [f"x{i}" for i in range(1, 6)]
    kw = {"start": "start", "time": "stop", "event": "event", "covariates": covs}
    t_ck, model = best_of(repeat, lambda: cox(rows, **kw))
    t_rb, _ = best_of(repeat, lambda: cox(rows, cluster="id", **kw))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        t_ll, fitter = best_of(
            repeat,
            lambda: CoxTimeVaryingFitter().fit(
                rows[["id", "start", "stop", "event", *covs]],
                event_col="event",
                id_col="id",
                start_col="start",
                stop_col="stop",
            ),
        )
    diff = np.max(np.abs(model.table["coef"].to_numpy() - fitter.params_[covs].to_numpy()))
    print(f"counting process: {len(rows)} rows of {len(df)} subjects, x5 time-dependent")
    print(f"cartkit cox(start=...):         {t_ck:8.3f} s (best of {repeat})")
    print(f"cartkit, robust (cluster=id):   {t_rb:8.3f} s")
    print(f"lifelines CoxTimeVaryingFitter: {t_ll:8.3f} s")
    print(f"ratio cartkit / lifelines: {t_ck / t_ll:.2f}")
    print(f"max |coef difference|: {diff:.2e}")


if __name__ == "__main__":
    main()
