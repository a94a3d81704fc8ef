"""Speed of the kinetics and correlation kinds of the default plan (tables and figures).

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
from cartkit.runner.context import build_context
from cartkit.runner.kinds.correlation import RUNNERS as CORRELATION
from cartkit.runner.kinds.kinetics import RUNNERS as KINETICS

matplotlib.use("Agg")
RUNNERS = {**KINETICS, **CORRELATION}


def main():
    plan = default_plan()
    print(f"{'analysis':<34}{'n':>8}{'seconds':>10}")
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
                out = RUNNERS[analysis.kind](analysis, ctx)
            seconds = time.perf_counter() - start
            for fig in out.figures:
                fig.figure.clear()
            print(f"{analysis.id:<34}{n:>8}{seconds:>10.2f}")


if __name__ == "__main__":
    main()
