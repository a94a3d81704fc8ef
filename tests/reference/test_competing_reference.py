"""Competing risks against R cmprsk 2.2-11 on survival's ``mgus2``.

Source: mgus2.csv and mgus2_reference.json, byte-identical copies of /work/shared/reference/,
written by /work/shared/reference/scripts/reference_visible.R (R 4.2.2, cmprsk 2.2-11):

    m$etime <- ifelse(m$pstat == 1, m$ptime, m$futime)
    m$event <- ifelse(m$pstat == 1, 1L, ifelse(m$death == 1, 2L, 0L))
    ci <- cuminc(m$etime, m$event, m$sex, cencode = 0); tp <- timepoints(ci, c(60, 120, 240))
    ci$Tests                                                  # Gray's test, rho = 0
    fg <- crr(m$etime[cc], m$event[cc], model.matrix(~ age + sex, m[cc, ])[, -1],
              failcode = 1, cencode = 0); summary(fg)$coef

In R the sex term is "sexM" (factor F/M, reference F); in cartkit it is "sex[M]" with reference
"F". summary.crr rounds its p-values to 2 significant digits (its ``digits`` argument), so the
stored p is compared at that rounding, and cartkit's unrounded p is checked against the Wald
p-value recomputed from R's own coef and se.
"""

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from scipy import stats

from cartkit.survival.competing import cumulative_incidence
from cartkit.survival.fine_gray import fine_gray
from cartkit.survival.gray import gray_test

HERE = Path(__file__).parent
REF = json.loads((HERE / "mgus2_reference.json").read_text())


@pytest.fixture(scope="module")
def mgus2():
    return pd.read_csv(HERE / "mgus2.csv")


@pytest.fixture(scope="module")
def cif(mgus2):
    return cumulative_incidence(mgus2, time="etime", event="event", group="sex")


@pytest.mark.parametrize("key", sorted(REF["cif"]))
def test_cuminc_timepoints(cif, key):
    group, cause = key.split()
    expected = pd.DataFrame(REF["cif"][key])
    got = cif.at(expected["time"].to_numpy())
    got = got[(got["group"] == group) & (got["cause"] == int(cause))]
    np.testing.assert_allclose(got["time"], expected["time"])
    np.testing.assert_allclose(got["estimate"], expected["est"], rtol=1e-6)
    np.testing.assert_allclose(got["variance"], expected["var"], rtol=1e-6)


def test_gray_test(cif):
    tests = cif.gray_test()
    got = tests.table
    expected = pd.DataFrame(REF["gray"])
    assert got["cause"].tolist() == [1, 2]
    assert tests.causes == (1, 2)
    for cause, stat in zip((1, 2), expected["stat"], strict=True):
        assert tests[cause].test == "Gray" and tests[cause].details["cause"] == cause
        assert tests[cause].statistic == pytest.approx(stat, rel=1e-6)
    np.testing.assert_allclose(got["statistic"], expected["stat"], rtol=1e-6)
    np.testing.assert_allclose(got["p_value"], expected["pv"], rtol=1e-6)
    np.testing.assert_allclose(got["dof"], expected["df"])


def test_gray_test_function_matches_method(mgus2, cif):
    got = gray_test(mgus2, time="etime", event="event", group="sex")
    pd.testing.assert_frame_equal(got.table, cif.gray_test().table)


def test_gray_single_stratum_is_unstratified(mgus2, cif):
    got = gray_test(mgus2.assign(s=1), time="etime", event="event", group="sex", strata="s")
    pd.testing.assert_frame_equal(got.table, cif.gray_test().table)


@pytest.fixture(scope="module")
def crr_fit(mgus2):
    return fine_gray(mgus2, time="etime", event="event", cause=1, covariates=["age", "sex"])


@pytest.fixture(scope="module")
def crr(crr_fit):
    return crr_fit.table


def test_crr_coefficients(crr):
    expected = pd.DataFrame(REF["fine_gray_pcm"])
    assert crr["term"].tolist() == ["age", "sex[M]"]
    assert crr["reference"].tolist() == ["", "F"]
    np.testing.assert_allclose(crr["coef"], expected["coef"], rtol=1e-6)
    np.testing.assert_allclose(crr["se"], expected["se"], rtol=1e-6)
    np.testing.assert_allclose(crr["shr"], expected["shr"], rtol=1e-6)


def test_crr_p_values(crr):
    expected = pd.DataFrame(REF["fine_gray_pcm"])
    wald = 2 * stats.norm.sf(np.abs(expected["coef"] / expected["se"]))
    np.testing.assert_allclose(crr["p_value"], wald, rtol=1e-6)
    # summary.crr's own rounding
    rounded = [float(f"{p:.2g}") for p in crr["p_value"]]
    assert rounded == expected["p"].tolist()


def test_crr_interval_and_counts(crr, crr_fit):
    z = stats.norm.ppf(0.975)
    np.testing.assert_allclose(crr["ci_lower"], np.exp(crr["coef"] - z * crr["se"]), rtol=1e-12)
    np.testing.assert_allclose(crr["ci_upper"], np.exp(crr["coef"] + z * crr["se"]), rtol=1e-12)
    assert crr["n"].tolist() == [1384, 1384]
    assert crr["n_events"].tolist() == [115, 115]
    assert crr_fit.converged is True
    assert (crr_fit.n, crr_fit.n_events, crr_fit.details["cause"]) == (1384, 115, 1)
