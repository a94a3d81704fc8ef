import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from cartkit.survival import cumulative_incidence, gray_test

records = st.lists(
    st.tuples(
        st.integers(min_value=0, max_value=12),  # integer times: many ties, time zero
        st.integers(min_value=0, max_value=3),  # event code
        st.sampled_from(["a", "b", "c"]),
    ),
    min_size=1,
    max_size=40,
)


def to_frame(rows):
    t, e, g = zip(*rows, strict=True)
    return pd.DataFrame({"t": np.array(t, float), "e": e, "g": g})


@settings(max_examples=60, deadline=None)
@given(records)
def test_cif_bounded_monotone_and_sums_to_one(rows):
    df = to_frame(rows)
    fit = cumulative_incidence(df, time="t", event="e", group="g")
    tab = fit.table
    assert ((tab["estimate"] >= -1e-12) & (tab["estimate"] <= 1 + 1e-12)).all()
    assert (tab["variance"] >= -1e-12).all()
    assert (tab["ci_lower"] <= tab["estimate"] + 1e-12).all()
    assert (tab["ci_upper"] >= tab["estimate"] - 1e-12).all()
    for _, curve in tab.groupby(["group", "cause"]):
        assert (np.diff(curve["estimate"].to_numpy()) >= -1e-12).all()
    # sum of all causes + all-cause survival = 1 at every time of every group
    total = tab.groupby(["group", "time"])["estimate"].sum()
    surv = fit.survival.set_index(["group", "time"])["estimate"]
    if len(total):
        np.testing.assert_allclose((total + surv.loc[total.index]).to_numpy(), 1.0, atol=1e-12)
    # also through at(), on a grid
    grid = np.linspace(0, 12, 25)
    at = fit.at(grid)
    if len(at):
        s_at = fit.survival_at(grid)
        summed = at.groupby(["group", "time"], sort=False)["estimate"].sum(min_count=1)
        joined = s_at.set_index(["group", "time"])["estimate"].loc[summed.index]
        ok = summed.notna()
        np.testing.assert_allclose((summed[ok] + joined[ok]).to_numpy(), 1.0, atol=1e-12)


@settings(max_examples=40, deadline=None)
@given(records, st.randoms(use_true_random=False))
def test_invariant_to_row_order(rows, rnd):
    df = to_frame(rows)
    shuffled = list(rows)
    rnd.shuffle(shuffled)
    a = cumulative_incidence(df, time="t", event="e", group="g")
    b = cumulative_incidence(to_frame(shuffled), time="t", event="e", group="g")
    pd.testing.assert_frame_equal(a.table, b.table, rtol=1e-12)
    pd.testing.assert_frame_equal(a.survival, b.survival, rtol=1e-12)
    if len(a.groups) > 1 and a.causes:
        ga, gb = a.gray_test().table, b.gray_test().table
        np.testing.assert_allclose(ga["statistic"], gb["statistic"], rtol=1e-8, atol=1e-12)


@pytest.mark.slow
def test_gray_p_values_are_uniform_under_the_null():
    rng = np.random.default_rng(20261123)
    p = []
    for _ in range(400):
        n = 120
        df = pd.DataFrame(
            {
                "t": rng.exponential(size=n),
                "e": rng.choice([0, 1, 2], n, p=[0.3, 0.4, 0.3]),
                "g": rng.integers(0, 3, n),
            }
        )
        p.append(gray_test(df, time="t", event="e", group="g")[1].p_value)
    p = np.array(p)
    assert 0.02 < np.mean(p < 0.05) < 0.09
