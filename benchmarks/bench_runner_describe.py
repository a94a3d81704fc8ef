"""Time the descriptive analysis kinds (baseline, rates, event_summary, compare), default plan.

Run: python benchmarks/bench_runner_describe.py [n_patients ...]   (default: 50 1000 10000)

Prints the time to build the context (not these kinds' cost, shown for scale) and the time of
each default-plan analysis of these kinds, plus a grouped baseline (S1 by HSCT after CAR-T).
"""

import dataclasses
import sys
import time
import warnings

import cartkit as ck
from cartkit.plan.default import default_plan
from cartkit.runner.context import build_context
from cartkit.runner.kinds.describe import RUNNERS


def main(sizes):
    plan = default_plan()
    analyses = [a for a in plan.analyses if a.kind in RUNNERS]
    analyses.append(
        dataclasses.replace(plan.get("s1_baseline"), id="s1_by_hsct", group="hsct_after_cart")
    )
    for n in sizes:
        t0 = time.perf_counter()
        ctx = build_context(ck.simulate_study(n, seed=0), plan)
        built = time.perf_counter() - t0
        total = 0.0
        rows = []
        for a in analyses:
            start = time.perf_counter()
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                RUNNERS[a.kind](a, ctx)
            took = time.perf_counter() - start
            total += took
            rows.append(f"  {a.id:32s} {a.kind:14s} {1000 * took:8.1f} ms")
        print(f"{n} patients: simulate + context {built:.1f} s; these kinds {total:.2f} s")
        print("\n".join(rows))


if __name__ == "__main__":
    main([int(x) for x in sys.argv[1:]] or [50, 1000, 10000])
