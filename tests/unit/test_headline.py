"""Headline numbers of the example study, computed by hand from its tables."""

import json
import math

import pytest

import cartkit as ck
from cartkit.report.analyze import analyze
from cartkit.report.results_json import results_json_text


@pytest.fixture(scope="module")
def headline():
    return analyze(ck.read_study(ck.example_study_path())).headline


def test_rates(headline):
    assert headline["n_patients"] == 8
    # P05 has 12% blasts on day 28: 7 of 8 respond, all MRD-negative
    assert headline["cr_rate"]["estimate"] == 7 / 8
    assert headline["mrd_negative_cr_rate"]["estimate"] == 7 / 8
    # CRS grades 1, 3, 0, 2, 0, 1, 2, 4; ICANS in P02 (2), P07 (1, CAPD 4 at 5 years), P08 (3)
    assert headline["crs_any_rate"]["estimate"] == 6 / 8
    assert headline["crs_grade3plus_rate"]["estimate"] == 2 / 8
    assert headline["icans_any_rate"]["estimate"] == 3 / 8
    # exact interval of 2/8 (R: binom.test(2, 8)$conf.int)
    assert headline["crs_grade3plus_rate"]["ci_lower"] == pytest.approx(0.03185403, rel=1e-6)
    assert headline["crs_grade3plus_rate"]["ci_upper"] == pytest.approx(0.65085579, rel=1e-6)


def test_survival(headline):
    # deaths on days 205, 296, 402 with 8, 7, 6 at risk: 7/8 * 6/7 * 5/6
    assert headline["os_5y"]["estimate"] == pytest.approx(0.625, rel=1e-12)
    # LFS events on days 150 (relapse), 205 (death), 296 (death), 478 (relapse)
    assert headline["lfs_5y"]["estimate"] == pytest.approx(0.5, rel=1e-12)
    # reverse KM: censored times 1512, 1650, 1702 ... reach 0.4 at day 1702
    assert headline["median_follow_up_months"] == pytest.approx(1702 / 30.4375, rel=1e-12)


def test_kinetics(headline):
    # Cmax sorted: 160, 30900, 33100, 38200, 61000, 129000, 412000, 1890000
    assert headline["cmax_median"] == (38200 + 61000) / 2
    assert headline["tmax_median"] == 10


def test_json_is_strict_and_stable(headline):
    text = results_json_text({"headline": headline, "x": math.nan})
    assert json.loads(text)["x"] is None
    assert text == results_json_text({"x": math.nan, "headline": headline})
