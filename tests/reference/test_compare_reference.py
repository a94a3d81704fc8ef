"""Group comparisons and correlation against R.

Source: ``birthwt.csv`` and ``birthwt_reference.json`` (copies of /work/shared/reference), written
by /work/shared/reference/scripts/reference_visible.R with R 4.2.2 (stats, MASS ``birthwt``):
``tab <- table(b$smoke, b$low)``; ``fisher.test(tab)`` (p, conditional MLE odds ratio);
``chisq.test(tab)`` (Yates) and ``chisq.test(tab, correct = FALSE)``;
``wilcox.test(bwt ~ smoke, data = b, exact = FALSE)`` (W, p);
``t.test(bwt ~ smoke, data = b)`` (Welch) and ``var.equal = TRUE`` (Student);
``cor.test(b$lwt, b$bwt, method = "spearman", exact = FALSE)`` and ``cor.test(b$lwt, b$bwt)``;
``shapiro.test(b$bwt)``.
"""

import json
import math
from pathlib import Path

import pandas as pd
import pytest

from cartkit.comparisons.correlation import correlate
from cartkit.comparisons.tests import compare, shapiro_p

HERE = Path(__file__).parent
REF = json.loads((HERE / "birthwt_reference.json").read_text())


@pytest.fixture(scope="module")
def b():
    return pd.read_csv(HERE / "birthwt.csv")


def test_fisher_p_and_conditional_mle_odds_ratio(b):
    res = compare(b, variable="low", group="smoke", test="fisher")
    assert res.test == "Fisher exact"
    assert res.p_value == pytest.approx(REF["fisher_smoke_low"]["p"], rel=1e-6)
    assert res.estimate == pytest.approx(REF["fisher_smoke_low"]["or"], rel=1e-6)


def test_chisq_with_and_without_yates(b):
    # the study's rule: every expected count >= 5, so Pearson chi-square without correction
    auto = compare(b, variable="low", group="smoke")
    assert auto.test == "Pearson chi-square"
    assert auto.p_value == pytest.approx(REF["chisq_smoke_low"]["pearson"], rel=1e-6)
    yates = compare(b, variable="low", group="smoke", test="chisq_yates")
    assert yates.p_value == pytest.approx(REF["chisq_smoke_low"]["yates"], rel=1e-6)


def test_mann_whitney_normal_approximation(b):
    res = compare(b, variable="bwt", group="smoke", test="mannwhitney")
    assert res.statistic == pytest.approx(REF["mannwhitney_bwt_smoke"]["W"], rel=1e-6)
    assert res.p_value == pytest.approx(REF["mannwhitney_bwt_smoke"]["p"], rel=1e-6)
    # 115 and 74 values with ties: R's default also uses the normal approximation
    assert res.details["method"].startswith("normal approximation")


def test_welch_and_student_t(b):
    welch = compare(b, variable="bwt", group="smoke")
    # bwt is normal in both groups, so the rule picks Welch
    assert welch.test == "Welch t"
    assert welch.p_value == pytest.approx(REF["welch_t_bwt_smoke"], rel=1e-6)
    student = compare(b, variable="bwt", group="smoke", test="student")
    assert student.p_value == pytest.approx(REF["student_t_bwt_smoke"], rel=1e-6)


def test_spearman_and_pearson(b):
    s = correlate(b, x="lwt", y="bwt", method="spearman")
    assert s.estimate == pytest.approx(REF["spearman_lwt_bwt"]["rho"], rel=1e-6)
    assert s.p_value == pytest.approx(REF["spearman_lwt_bwt"]["p"], rel=1e-6)
    p = correlate(b, x="lwt", y="bwt", method="pearson")
    assert p.estimate == pytest.approx(REF["pearson_lwt_bwt"]["r"], rel=1e-6)
    assert p.p_value == pytest.approx(REF["pearson_lwt_bwt"]["p"], rel=1e-6)


def test_spearman_interval_is_fishers_z_of_rs_rho(b):
    # R gives no interval for Spearman; the usual one is Fisher's z of rho, which is R's
    # Pearson interval of the mid-ranks, cor.test(rank(lwt), rank(bwt))$conf.int
    rho, n = REF["spearman_lwt_bwt"]["rho"], len(b)
    half = 1.959963984540054 / math.sqrt(n - 3)  # qnorm(0.975)
    s = correlate(b, x="lwt", y="bwt", method="spearman")
    assert s.ci_lower == pytest.approx(math.tanh(math.atanh(rho) - half), rel=1e-12)
    assert s.ci_upper == pytest.approx(math.tanh(math.atanh(rho) + half), rel=1e-12)
    ranks = b.assign(lwt=b["lwt"].rank(), bwt=b["bwt"].rank())
    p = correlate(ranks, x="lwt", y="bwt", method="pearson")
    assert (s.ci_lower, s.ci_upper) == pytest.approx((p.ci_lower, p.ci_upper), rel=1e-12)


def test_shapiro_wilk(b):
    assert shapiro_p(b["bwt"].to_numpy()) == pytest.approx(REF["shapiro_bwt_p"], rel=1e-6)
