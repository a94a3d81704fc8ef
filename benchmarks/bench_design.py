"""Simulated trials per second: in one process and on a Dask LocalCluster with 2 workers.

Run: python benchmarks/bench_design.py [--trials 20000] [--patients 330] [--repeat 3]

Each trial enrols ``--patients`` patients (1:1, exponential survival, HR 0.7) and is analysed by
the log-rank test when 247 events have occurred (the fixed design with 80% power), and, in the
second scenario, also at an interim look at half the events (asOF). The figure is the best of
``--repeat`` runs; the LocalCluster time is measured after the cluster has started (the start
itself, ~2-5 s, is reported apart). Needs ``pip install "cartkit[dask]"`` for the cluster rows.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "src"))

from cartkit.design import group_sequential, simulate_trials


def best(fn, repeat):
    times = []
    for _ in range(repeat):
        t0 = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t0)
    return min(times)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--trials", type=int, default=20_000)
    ap.add_argument("--patients", type=int, default=330)
    ap.add_argument("--repeat", type=int, default=3)
    args = ap.parse_args()
    n, p = args.trials, args.patients
    looks = group_sequential(2, spending="asOF")
    scenarios = {"one analysis": None, "2 looks (asOF)": looks}

    def run(scheduler, design):
        return lambda: simulate_trials(n, p, 0.7, 247, seed=1, scheduler=scheduler, looks=design)

    print(f"{n} trials of {p} patients, HR 0.7, 247 events")
    for name, design in scenarios.items():
        t = best(run(None, design), args.repeat)
        print(f"  in process     {name:15s} {t:6.2f} s  {n / t:9,.0f} trials/s")
    try:
        from distributed import Client, LocalCluster
    except ImportError:
        print('  LocalCluster: Dask not installed (pip install "cartkit[dask]")')
        return
    t0 = time.perf_counter()
    with (
        LocalCluster(
            n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None
        ) as cluster,
        Client(cluster) as client,
    ):
        print(f"  LocalCluster(2 workers) started in {time.perf_counter() - t0:.1f} s")
        for name, design in scenarios.items():
            t = best(run(client, design), args.repeat)
            print(f"  LocalCluster 2 {name:15s} {t:6.2f} s  {n / t:9,.0f} trials/s")


if __name__ == "__main__":
    main()
