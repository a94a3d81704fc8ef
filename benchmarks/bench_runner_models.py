"""Speed of the runner's model kinds (cox, cox_screening, logistic_screening, threshold_or).

Runs every default-plan analysis of those kinds on simulated cohorts: computing (the runner), then
presenting (the section's tables) and drawing the forest plots, timed apart; the context
(derivations, NCA) is built once per cohort and timed separately.

Run: python benchmarks/bench_runner_models.py
"""

import sys
import time
import warnings
from pathlib import Path

# the source tree beside this script, not an installed copy
sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "src"))

import cartkit as ck
from cartkit.plan.default import default_plan
from cartkit.report.sections import Show, present
from cartkit.runner.context import build_context
from cartkit.runner.kinds.models import RUNNERS


def main():
    plan = default_plan()
    for n in (50, 1000, 10_000):
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            start = time.perf_counter()
            ctx = build_context(ck.simulate_study(n, seed=1), plan)
            print(f"n = {n:>6}: context {time.perf_counter() - start:6.2f} s")
        show = Show(ctx.names, ctx.settings)
        total = 0.0
        for analysis in plan.analyses:
            if analysis.kind not in RUNNERS:
                continue
            start = time.perf_counter()
            result = RUNNERS[analysis.kind](analysis, ctx)
            computed = time.perf_counter()
            section = present(result, show)
            for fig in section.figures:
                fig.figure  # noqa: B018 - drawing is what is timed
            end = time.perf_counter()
            total += end - start
            print(
                f"    {analysis.id:<30} {end - start:6.2f} s (compute {computed - start:6.2f} s, "
                f"present and draw {end - computed:6.2f} s)"
            )
        print(f"    {'all model kinds':<30} {total:6.2f} s")


if __name__ == "__main__":
    main()
