"""Calibration of the virtual cohort against the published study.

A 5,000-patient cohort is summarised from its raw tables with test-local code (see
_simulate_metrics.py: Kaplan-Meier in numpy, ASTCT grading of the daily rows, B-cell aplasia from
B-cell percentages), and every figure must lie in its band around the published value. The bands
are the table "Calibration" of docs/simulation.md; a test checks that the two agree.
"""

import re
from pathlib import Path

import pytest
from _simulate_metrics import summarise

from cartkit.simulate import simulate_study

DOC = Path(__file__).resolve().parents[2] / "docs" / "simulation.md"

#: metric -> (published value, lower, upper); ratios and comparisons have no published value
BANDS = {
    "male": (0.54, 0.50, 0.58),
    "age_le_10": (0.58, 0.54, 0.62),
    "mrd_reemergence": (0.82, 0.79, 0.85),
    "prior_hsct": (0.10, 0.08, 0.12),
    "dose_median": (3.68, 3.40, 3.95),
    "mrd_lt_1e-4": (0.28, 0.25, 0.31),
    "mrd_ge_1e-3": (0.42, 0.39, 0.45),
    "mrd_ge_1e-2": (0.10, 0.08, 0.12),
    "post_ld_mrd_lt_1e-4": (0.46, 0.38, 0.52),
    "post_ld_mrd_ge_1e-3": (0.34, 0.26, 0.40),
    "cmax_median": (30860, 25000, 38000),
    "cmax_p99": (1890000, 300000, 5000000),
    "tmax_median": (10.5, 9.0, 12.0),
    "cr": (0.98, 0.96, 0.99),
    "mrd_negative_cr": (0.96, 0.94, 0.975),
    "cmax_ratio_mrdnegcr": (370, 5, 1000),
    "bca": (0.96, 0.94, 0.98),
    "bca_median_days": (59, 50, 70),
    "bca_tlast_spearman": (0.57, 0.45, 0.68),
    "crs_any": (0.68, 0.64, 0.72),
    "crs_3plus": (0.16, 0.13, 0.19),
    "icans_any": (0.10, 0.08, 0.12),
    "il6_peak_median": (33.3, 26, 42),
    "il6_peak_day_median": (8, 7, 9),
    "anc_nadir_median": (0.53, 0.45, 0.62),
    "neutropenia_g4": (0.48, 0.44, 0.52),
    "infection_4w": (0.18, 0.15, 0.21),
    "tocilizumab": (0.28, 0.24, 0.32),
    "corticosteroid": (0.14, 0.11, 0.17),
    "cmax_ratio_steroid": (5.4, 1.3, 10),
    "relapse": (0.30, 0.26, 0.34),
    "relapse_cd19neg": (0.08, 0.06, 0.10),
    "relapse_cd19neg_median_months": (5.0, 4.0, 6.0),
    "relapse_cd19pos_median_months": (15.7, 13.0, 19.0),
    "hsct": (0.64, 0.60, 0.68),
    "hsct_median_months": (2.6, 2.3, 2.9),
    "os_5y": (0.749, 0.71, 0.79),
    "lfs_5y": (0.678, 0.64, 0.72),
    "follow_up_median_months": (68.7, 64, 74),
}
#: (larger, smaller, minimum ratio): directions the paper reports
ORDERINGS = [
    ("crs_3plus_mrd_high", "crs_3plus_mrd_low", 2.0),
    ("crs_3plus_dose_high", "crs_3plus_dose_low", 1.2),
    ("relapse_male", "relapse_female", 1.3),
    ("relapse_short_bca", "relapse_long_bca", 1.05),
    ("il6_peak_crs3_vs_other", None, 3.0),
]


@pytest.fixture(scope="module")
def metrics():
    return summarise(simulate_study(5000, seed=2025))


@pytest.mark.parametrize("name", list(BANDS))
def test_in_band(metrics, name):
    _, lo, hi = BANDS[name]
    assert lo <= metrics[name] <= hi, f"{name} = {metrics[name]:.4g}, band [{lo}, {hi}]"


@pytest.mark.parametrize(("larger", "smaller", "ratio"), ORDERINGS)
def test_direction(metrics, larger, smaller, ratio):
    value = metrics[larger] / (metrics[smaller] if smaller else 1.0)
    assert value >= ratio, f"{larger} / {smaller} = {value:.3g} < {ratio}"


def _doc_rows():
    text = DOC.read_text(encoding="utf-8")
    section = text.split("## Calibration", 1)[1].split("\n## ", 1)[0]
    rows = {}
    for line in section.splitlines():
        cells = [c.strip() for c in line.strip().strip("|").split("|")]
        if len(cells) >= 4 and re.fullmatch(r"`[\w.-]+`", cells[0]):
            rows[cells[0].strip("`")] = cells
    return rows


def test_docs_list_the_same_bands():
    rows = _doc_rows()
    assert set(rows) == set(BANDS)
    for name, (published, lo, hi) in BANDS.items():
        cells = rows[name]
        assert float(cells[2].replace(",", "")) == published, name
        assert cells[3] == f"{lo:,.10g} – {hi:,.10g}", name


@pytest.mark.slow
@pytest.mark.parametrize("seed", [1, 2, 3, 4, 5])
def test_bands_hold_for_other_seeds(seed):
    m = summarise(simulate_study(5000, seed=seed))
    outside = {k: round(m[k], 4) for k, (_, lo, hi) in BANDS.items() if not lo <= m[k] <= hi}
    assert not outside, outside
    for larger, smaller, ratio in ORDERINGS:
        assert m[larger] / (m[smaller] if smaller else 1.0) >= ratio, (larger, smaller)
