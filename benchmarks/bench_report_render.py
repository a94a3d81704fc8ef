"""Time write_report on a report the size of a 10,000-patient cohort's.

Synthetic Analysis: 40 journal tables, 20 figures (scatter plots of 10,000 points), derived
datasets of 10,000 patients (adsl) and 30,000 rows (adtte), 2,000 exclusions and 2,000 findings.
No statistics run: this measures only the writing (HTML, xlsx, JSON, PNG/SVG, CSV).

    python benchmarks/bench_report_render.py
"""

from __future__ import annotations

import tempfile
import time
from pathlib import Path

import numpy as np
import pandas as pd

from cartkit.plan.default import default_plan
from cartkit.report.figures import scatter_figure
from cartkit.report.types import Analysis, AnalysisResult, ReportFigure, ReportTable, drawn
from cartkit.report.write import write_report

N = 10_000


def _analysis() -> Analysis:
    rng = np.random.default_rng(0)
    ids = [f"P{i:05d}" for i in range(N)]
    adsl = pd.DataFrame({"patient_id": ids})
    for j in range(30):
        adsl[f"v{j}"] = rng.normal(size=N)
    adtte = pd.DataFrame(
        {
            "patient_id": np.repeat(ids, 3),
            "PARAMCD": np.tile(["OS", "LFS", "RFS"], N),
            "AVAL": rng.exponential(900, 3 * N),
            "CNSR": rng.integers(0, 2, 3 * N),
        }
    )
    excluded = pd.DataFrame({"patient_id": ids[:2000], "reason": ["OS: no follow-up"] * 2000})
    findings = pd.DataFrame(
        {"patient_id": ids[:2000], "check": ["hsct_date"] * 2000, "message": ["late"] * 2000}
    )
    tables, figures, results = {}, {}, []
    points = pd.DataFrame({"x": rng.lognormal(8, 1, N), "y": rng.normal(300, 50, N)})
    for k in range(40):
        data = pd.DataFrame(
            {
                "term": [f"term{i}" for i in range(12)],
                "hr": rng.lognormal(0, 0.5, 12),
                "ci_lower": rng.uniform(0.1, 0.9, 12),
                "ci_upper": rng.uniform(1.1, 5, 12),
                "p_value": rng.uniform(0, 1, 12),
                "n": N,
            }
        )
        display = pd.DataFrame(
            {
                "Variable": data["term"],
                "HR (95% CI)": [f"{h:.2f}" for h in data["hr"]],
                "p": [f"{p:.3f}" for p in data["p_value"]],
            }
        )
        tables[f"t{k}"] = ReportTable(f"t{k}", f"a{k}", f"Table {k}", data, display)
        fig_ids = ()
        if k < 20:
            fig = scatter_figure(points, x="x", y="y", log_x=True)
            figures[f"f{k}"] = ReportFigure(f"f{k}", f"a{k}", f"Figure {k}", drawn(fig))
            fig_ids = (f"f{k}",)
        results.append(AnalysisResult(f"a{k}", "cox", f"Analysis {k}", "", (f"t{k}",), fig_ids))
    return Analysis(
        tables=tables,
        figures=figures,
        headline={"n_patients": N},
        derived={"adsl": adsl, "adtte": adtte, "excluded": excluded, "findings": findings},
        results=tuple(results),
        plan=default_plan(),
        provenance={"source": "synthetic", "seed": 0},
    )


def main() -> None:
    start = time.perf_counter()
    analysis = _analysis()
    print(f"building the synthetic analysis: {time.perf_counter() - start:6.2f} s")
    with tempfile.TemporaryDirectory() as tmp:
        start = time.perf_counter()
        write_report(analysis, tmp)
        elapsed = time.perf_counter() - start
        html_mb = (Path(tmp) / "report.html").stat().st_size / 1e6
        print(f"write_report (40 tables, 20 figures, {N:,} patients): {elapsed:6.2f} s")
        print(f"report.html size: {html_mb:.1f} MB")


if __name__ == "__main__":
    main()
