"""Time the survival and cumulative-incidence plan kinds on a simulated cohort.

Run: python benchmarks/bench_runner_survival.py [n_patients]   (default 10000)
Prints the time of each default-plan analysis of the two kinds: computing (the runner), then
presenting its tables and drawing its figures (the report).
"""

from __future__ import annotations

import sys
import time
import warnings

import matplotlib.pyplot as plt

import cartkit as ck
from cartkit.plan.default import default_plan
from cartkit.report.sections import Show, present
from cartkit.runner.context import build_context
from cartkit.runner.kinds.cumulative import run_cumulative_incidence
from cartkit.runner.kinds.survival import run_survival


def main(n: int) -> None:
    plan = default_plan()
    t0 = time.perf_counter()
    study = ck.simulate_study(n, seed=1)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        ctx = build_context(study, plan)
    print(f"{n} patients: simulate + build_context {time.perf_counter() - t0:.2f} s")
    runners = {"survival": run_survival, "cumulative_incidence": run_cumulative_incidence}
    show = Show(ctx.names, ctx.settings)
    total_run = total_show = 0.0
    for analysis in plan.analyses:
        if analysis.kind not in runners:
            continue
        t = time.perf_counter()
        result = runners[analysis.kind](analysis, ctx)
        t_run = time.perf_counter() - t
        t = time.perf_counter()
        section = present(result, show)
        for fig in section.figures:
            fig.figure  # noqa: B018 - drawing is what is timed
        t_show = time.perf_counter() - t
        total_run += t_run
        total_show += t_show
        print(
            f"  {analysis.id:32s} run {t_run:6.2f} s  present and draw {t_show:6.2f} s  "
            f"tables {len(section.tables)}  figures {len(section.figures)}"
        )
        plt.close("all")
    print(f"total: run {total_run:.2f} s, present and draw {total_show:.2f} s")


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 10_000)
