import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy.stats import multivariate_normal

from cartkit.design import group_sequential
from cartkit.design.probabilities import crossing_probabilities
from cartkit.errors import DataError


def test_crossing_probabilities_match_the_bivariate_normal():
    # P(Z1 < a, Z2 < b) with corr sqrt(t1 / t2) from SciPy's MVN CDF
    t = np.array([0.4, 1.0])
    a, b = 2.3, 1.9
    p = crossing_probabilities(np.array([[-6.0, -6.0], [a, b]]), t)
    mvn = multivariate_normal(mean=[0, 0], cov=[[1, np.sqrt(0.4)], [np.sqrt(0.4), 1]])
    # stage 2, row 1: P(-6 <= Z1 < a, Z2 < b)
    assert p[1, 1] == pytest.approx(mvn.cdf([a, b]), abs=1e-8)
    assert p[1, 0] == pytest.approx(0.9892758899783243, abs=1e-12)  # Phi(2.3)


def test_crossing_probabilities_rpact_documentation_example():
    # rpact 3.3.4 unit test of getGroupSequentialProbabilities (two and four rows)
    z = 1.6448536269514722
    two = crossing_probabilities(np.array([[-z] * 4, [z] * 4]), np.arange(1, 5) / 4)
    np.testing.assert_allclose(two[0], [0.05, 0.030074925, 0.020961248, 0.01595848], rtol=1e-7)
    np.testing.assert_allclose(two[2], [1, 0.9, 0.83985015, 0.79792765], rtol=1e-7)
    four = crossing_probabilities(
        np.array([[-z] * 4, [-1] * 4, [1] * 4, [z] * 4]), np.arange(1, 5) / 4
    )
    np.testing.assert_allclose(four[4], [1, 0.21731051, 0.065008074, 0.024429419], rtol=1e-7)


def test_textbook_obrien_fleming_and_pocock():
    # Jennison & Turnbull (2000), Tables 2.1 and 2.3: K = 5, two-sided alpha 0.05
    of = group_sequential(5, alpha=0.05, spending="OF", sided=2)
    np.testing.assert_allclose(of.critical_z, 2.040 * np.sqrt(5 / np.arange(1, 6)), atol=6e-4)
    p = group_sequential(5, alpha=0.05, spending="P", sided=2)
    np.testing.assert_allclose(p.critical_z, 2.413, atol=6e-4)
    # inflation factors R (alpha 0.05 two-sided, power 0.8): OF 1.028, Pocock 1.229
    assert group_sequential(5, 0.05, 0.8, "OF", sided=2).inflation == pytest.approx(1.028, abs=6e-4)
    assert group_sequential(5, 0.05, 0.8, "P", sided=2).inflation == pytest.approx(1.229, abs=6e-4)


def test_asof_three_looks():
    # Lan-DeMets O'Brien-Fleming, K = 3, one-sided 0.025 (gsDesign / rpact: 3.7103 2.5114 1.9930)
    d = group_sequential(3, spending="asOF")
    np.testing.assert_allclose(d.critical_z, [3.7103, 2.5114, 1.9930], atol=5e-5)


def test_fixed_design_is_one_look():
    d = group_sequential(1, alpha=0.025, power=0.9)
    assert d.critical_z[0] == pytest.approx(1.959963984540054)
    assert d.inflation == 1.0
    assert d.alpha_spent[0] == pytest.approx(0.025)


def test_boundary_table_and_text():
    d = group_sequential(3, alpha=0.025, power=0.8, spending="asOF", futility="bsOF")
    t = d.boundary_table(0.7)
    assert list(t.columns[:5]) == [
        "stage",
        "information_rate",
        "critical_z",
        "nominal_p",
        "alpha_spent",
    ]
    assert {"events", "hr_efficacy", "hr_futility"} <= set(t.columns)
    # the events of the last look are the design's events; the HR bound is below 1 for benefit
    assert t["events"].iloc[-1] == pytest.approx(d.logrank_events(0.7))
    assert (t["hr_efficacy"] < 1).all()
    assert np.isnan(t["futility_z"].iloc[-1])
    text = str(d)
    assert "asOF" in text and "non-binding futility bsOF" in text and "inflation factor" in text
    assert isinstance(d.table, pd.DataFrame)


def test_results_are_read_only():
    d = group_sequential(2)
    with pytest.raises(ValueError):
        d.critical_z[0] = 0.0
    with pytest.raises(AttributeError):
        d.k = 3


def test_futility_lowers_expected_information_under_h0():
    plain = group_sequential(3, spending="asOF")
    fut = group_sequential(3, spending="asOF", futility="bsOF")
    assert fut.expected_information_h0 < plain.expected_information_h0
    # non-binding: the efficacy bounds do not move, so the design needs more information
    np.testing.assert_allclose(fut.critical_z, plain.critical_z)
    assert fut.inflation > plain.inflation
    binding = group_sequential(3, spending="asOF", futility="bsOF", binding_futility=True)
    assert binding.critical_z[-1] < fut.critical_z[-1]


@pytest.mark.parametrize(
    "kwargs, words",
    [
        ({"k": 0}, "k must be"),
        ({"k": 2, "spending": "xx"}, "spending must be one of"),
        ({"k": 2, "spending": "asKD"}, "gamma"),
        ({"k": 2, "spending": "WT"}, "delta"),
        ({"k": 2, "information_rates": [0.6, 0.5]}, "increase"),
        ({"k": 2, "information_rates": [0.5]}, "needs 2"),
        ({"k": 2, "futility": "bsOF"}, "alpha-spending design"),
        ({"k": 2, "spending": "asOF", "sided": 2, "futility": "bsOF"}, "one-sided"),
        ({"k": 2, "alpha": 0.3, "power": 0.2}, "exceed alpha"),
    ],
)
def test_bad_arguments(kwargs, words):
    with pytest.raises(DataError, match=words):
        group_sequential(**kwargs)


spending = st.sampled_from(["OF", "P", "asOF", "asP"])


@settings(max_examples=25, deadline=None)
@given(st.integers(2, 5), spending, st.floats(0.005, 0.1), st.sampled_from([1, 2]))
def test_alpha_spent_increases_to_alpha(k, kind, alpha, sided):
    d = group_sequential(k, alpha=alpha, spending=kind, sided=sided)
    assert np.all(np.diff(d.alpha_spent) > 0)
    assert d.alpha_spent[-1] == pytest.approx(alpha, rel=1e-7)
    assert d.inflation >= 1 - 1e-9


@settings(max_examples=25, deadline=None)
@given(
    st.lists(st.floats(0.05, 0.95), min_size=1, max_size=4, unique=True),
    st.floats(0.005, 0.05),
)
def test_obrien_fleming_bounds_decrease(rates, alpha):
    t = sorted(rates)
    if np.min(np.diff([0.0, *t, 1.0])) < 0.02:
        return
    d = group_sequential(len(t) + 1, alpha=alpha, spending="OF", information_rates=[*t, 1.0])
    assert np.all(np.diff(d.critical_z) < 0)
    # (Lan-DeMets asOF bounds need not decrease: a look at t = 0.94 spends almost nothing)
