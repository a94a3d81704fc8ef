"""A small hand-made Analysis for the report-rendering tests (no statistics are run).

It has three tables (one with heading and indented rows), two figures (a cartkit scatter and a
plain matplotlib Figure), a headline dict shaped like ``compute_headline``'s, derived frames
with ``excluded`` and ``findings``, the default plan, and hostile strings in patient ids, table
cells, notes and titles.
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
from matplotlib.figure import Figure

from cartkit.plan.default import default_plan
from cartkit.report.figures import scatter_figure
from cartkit.report.types import Analysis, AnalysisResult, ReportFigure, ReportTable, drawn
from cartkit.results import Test

SCRIPT = "<script>alert(1)</script>"
#: a note with no place to break a line (ids joined without spaces)
LONG_NOTE = "Left out: " + "".join(f"PATIENT{i:04d}" for i in range(30))
HOSTILE = (SCRIPT, '=HYPERLINK("http://x")', "+1", "-2", "@SUM(A1)", "\tTAB", "\rCR")


def _baseline() -> ReportTable:
    data = pd.DataFrame(
        {
            "variable": ["age_years", "sex", "sex", "indication"],
            "level": [None, "female", "male", SCRIPT],
            "n": np.array([50, 22, 28, 3], dtype=np.int64),
            "percent": [math.nan, 44.0, 56.0, 6.0],
            "median": [9.5, math.nan, math.nan, math.nan],
        }
    )
    display = pd.DataFrame(
        {
            "Characteristic": ["Age, years", "Sex", "Female", "Male", SCRIPT],
            "All patients (n = 50)": ["9.5 (2–17)", "", "22 (44%)", "28 (56%)", "3 (6%)"],
        }
    )
    return ReportTable(
        id="s1_baseline",
        analysis_id="s1_baseline",
        title="Baseline characteristics",
        source="Supplementary Table S1",
        data=data,
        display=display,
        row_styles=("", "heading", "indent", "indent", ""),
        footnotes=("Median (range) or n (%).",),
        abbreviations="n, number of patients.",
        column_labels={"variable": "Variable", "level": "Level", "percent": "%"},
    )


def _cox() -> ReportTable:
    data = pd.DataFrame(
        {
            "term": ["pre_ld_mrd[positive]", "hsct_after_cart", *HOSTILE[1:5]],
            "hr": [2.5, 0.41, 1.0, 1.5, 0.9, 1.1],
            "ci_lower": [1.1, 0.18, 0.5, 0.7, 0.4, 0.6],
            "ci_upper": [5.7, 0.93, 2.0, 3.2, 2.1, 2.0],
            "p_value": [0.0271, 0.000012, 1.0, 0.3, math.nan, 0.8],
            "n": [50, 50, 50, 50, 50, 50],
            "n_events": [18, 18, 18, 18, 18, 18],
            "significant": [True, True, False, False, False, False],
        }
    )
    display = pd.DataFrame(
        {
            "Variable": ["Pre-LD MRD positive", "HSCT after CAR-T", *HOSTILE[1:5]],
            "HR (95% CI)": [
                "2.50 (1.10–5.70)",
                "0.41 (0.18–0.93)",
                "1.00 (0.50–2.00)",
                "1.50 (0.70–3.20)",
                "0.90 (0.40–2.10)",
                "1.10 (0.60–2.00)",
            ],
            "p": ["0.027", "<0.001", "1.00", "0.30", "NA", "0.80"],
        }
    )
    return ReportTable(
        id="t1a_lfs_cox_multivariable",
        analysis_id="t1a_lfs_cox",
        title="Multivariable Cox model of leukaemia-free survival",
        source="Table 1A",
        data=data,
        display=display,
        footnotes=("Cox proportional hazards model, Efron ties; Wald p-values.",),
        abbreviations="CI, confidence interval; HR, hazard ratio; LD, lymphodepletion.",
        column_labels={"hr": "HR", "ci_lower": "95% CI lower", "ci_upper": "95% CI upper"},
    )


def _cmax() -> ReportTable:
    data = pd.DataFrame(
        {"group": ["MRD-negative CR", "other"], "estimate": [51234.5, 8123.25], "n": [40, 10]}
    )
    # a two-level header: the upper label spans the two columns under it
    display = pd.DataFrame(
        [["MRD-negative CR", "51,235", "40"], ["Other", "8,123", "10"]],
        columns=pd.MultiIndex.from_tuples(
            [("", "Group"), ("Cmax", "Geometric mean"), ("Cmax", "n")]
        ),
    )
    return ReportTable(
        id="kinetics_cmax_by_mrd_response_geometric_mean_long_id",
        analysis_id="kinetics_cmax",
        title="Geometric mean Cmax by day-28 MRD-negative CR",
        data=data,
        display=display,
    )


def _figures() -> dict[str, ReportFigure]:
    df = pd.DataFrame({"cmax": [1e3, 5e3, 2e4, 8e4, 1.5e5], "bca": [60, 90, 200, 310, 420]})
    test = Test(test="Spearman", estimate=0.9, p_value=0.037, n=5, details={"method": "spearman"})
    scatter = scatter_figure(df, x="cmax", y="bca", test=test, log_x=True)
    plain = Figure(figsize=(4, 3), dpi=100)
    ax = plain.add_subplot()
    ax.plot([0, 7, 14, 28], [0.0, 0.3, 0.7, 0.9])
    ax.set_xlabel("day")
    return {
        "fig2_cmax_bca": ReportFigure(
            id="fig2_cmax_bca",
            analysis_id="kinetics_cmax",
            title="Cmax and B-cell aplasia duration",
            draw=drawn(scatter),
            caption=f"Spearman correlation; {SCRIPT}",
            source="Figure 2A",
        ),
        "cif_relapse": ReportFigure(
            id="cif_relapse",
            analysis_id="t1a_lfs_cox",
            title="Cumulative incidence of relapse",
            draw=drawn(plain),
            caption="Gray's test.",
        ),
    }


def headline() -> dict:
    def rate(k, n, lo, hi):
        return {"estimate": k / n, "ci_lower": lo, "ci_upper": hi, "n_events": k, "n": n}

    return {
        "n_patients": 50,
        "cr_rate": rate(49, 50, 0.8935, 0.9995),
        "mrd_negative_cr_rate": rate(46, 50, 0.8077, 0.9778),
        "os_5y": {
            "estimate": 0.6912,
            "ci_lower": 0.5311,
            "ci_upper": 0.8044,
            "n_risk": 12,
            "time_days": 1826.25,
        },
        "lfs_5y": {
            "estimate": 0.5,
            "ci_lower": 0.3442,
            "ci_upper": 0.6366,
            "n_risk": 9,
            "time_days": 1826.25,
        },
        "median_follow_up_months": 47.25,
        "cmax_median": 41250.0,
        "tmax_median": np.float64(10.0),
        "crs_any_rate": rate(40, 50, 0.6628, 0.8997),
        "crs_grade3plus_rate": rate(4, 50, 0.0222, 0.1923),
        "icans_any_rate": rate(0, 50, 0.0, 0.0711),
    }


def derived() -> dict[str, pd.DataFrame]:
    ids = ["P001", SCRIPT, '=HYPERLINK("http://x")', "+1", "-2", "@SUM(A1)"]
    adsl = pd.DataFrame(
        {"patient_id": ids, "age_years": [3.5, 8, 12, 15, 7, np.nan], "cr": [True] * 6}
    )
    excluded = pd.DataFrame(
        {
            "patient_id": [SCRIPT, "P001", "+1"],
            "reason": ["OS: no follow-up", "bca: no B-cell data", "OS: no follow-up"],
        }
    )
    findings = pd.DataFrame(
        {
            "patient_id": ["-2", "P001"],
            "check": ["response_date", "hsct_date"],
            "message": [f"recorded {SCRIPT} disagrees", "HSCT before infusion"],
        }
    )
    return {"adsl": adsl, "excluded": excluded, "findings": findings}


def make_analysis() -> Analysis:
    """A three-analysis report with hostile strings everywhere the data reach."""
    tables = {t.id: t for t in (_baseline(), _cox(), _cmax())}
    figures = _figures()
    results = (
        AnalysisResult(
            id="s1_baseline",
            kind="baseline",
            title="Baseline characteristics",
            source="Supplementary Table S1",
            tables=("s1_baseline",),
            n=50,
        ),
        AnalysisResult(
            id="t1a_lfs_cox",
            kind="cox_screening",
            title="Leukaemia-free survival: multivariable Cox model",
            source="Table 1A",
            tables=("t1a_lfs_cox_multivariable",),
            figures=("cif_relapse",),
            notes=(f"2 patients left out: no follow-up ({SCRIPT}).", LONG_NOTE),
            n=48,
        ),
        AnalysisResult(
            id="kinetics_cmax",
            kind="kinetics",
            title="Cmax by response",
            tables=("kinetics_cmax_by_mrd_response_geometric_mean_long_id",),
            figures=("fig2_cmax_bca",),
            n=50,
        ),
    )
    provenance = {
        "source": "/data/study_<b>x</b>.xlsx",
        "input_files": {"patients.csv": "ab" * 32, "events.csv": "cd" * 32},
        "versions": {"cartkit": "0.1.0", "numpy": "2.0"},
        "settings": {"patients": 50, "plan": "default"},
        "seed": 0,
    }
    return Analysis(
        tables=tables,
        figures=figures,
        headline=headline(),
        derived=derived(),
        results=results,
        plan=default_plan(),
        provenance=provenance,
    )
