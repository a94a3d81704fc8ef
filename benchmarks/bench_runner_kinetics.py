"""Speed of the kinetics and correlation kinds of the default plan: computing, then presenting.

``run`` is the runner (numbers); ``present`` builds the tables and draws every figure.

Run: python benchmarks/bench_runner_kinetics.py
"""

import sys
import time
import warnings
from pathlib import Path

import matplotlib

# the source tree beside this script, not an installed copy
sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "src"))

import cartkit as ck
from cartkit.plan.default import default_plan
from cartkit.report.sections import Show, present
from cartkit.runner.context import build_context
from cartkit.runner.kinds.correlation import RUNNERS as CORRELATION
from cartkit.runner.kinds.kinetics import RUNNERS as KINETICS

matplotlib.use("Agg")
RUNNERS = {**KINETICS, **CORRELATION}


def main():
    plan = default_plan()
    print(f"{'analysis':<34}{'n':>8}{'run, s':>10}{'present, s':>12}")
    for n in (50, 1_000, 10_000):
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            ctx = build_context(ck.simulate_study(n, seed=0), plan)
        for analysis in plan.analyses:
            if analysis.kind not in RUNNERS:
                continue
            start = time.perf_counter()
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                result = RUNNERS[analysis.kind](analysis, ctx)
            ran = time.perf_counter()
            section = present(result, Show(ctx.names, ctx.settings))
            for fig in section.figures:
                fig.figure.clear()
            done = time.perf_counter()
            print(f"{analysis.id:<34}{n:>8}{ran - start:>10.2f}{done - ran:>12.2f}")


if __name__ == "__main__":
    main()
