"""CAR-T trial scenarios: patients of a consolidative-HSCT trial from the virtual cohort."""

import numpy as np
import pandas as pd
import pytest

from cartkit.design.cart import hsct_pools, hsct_power_curve, simulate_hsct_trials
from cartkit.errors import DataError


@pytest.fixture(scope="module")
def pools():
    return hsct_pools(n_simulated=3000, seed=1)


def test_pools_show_the_mechanisms(pools):
    s = pools.summary.set_index("group")
    # HSCT lowers relapse (hazard x 0.45 after transplant) and adds transplant-related deaths
    assert s.loc["hsct", "relapse_5y"] < s.loc["control", "relapse_5y"]
    assert s.loc["hsct", "nrm_5y"] > s.loc["control", "nrm_5y"]
    assert s.loc["hsct", "lfs_5y"] > s.loc["control", "lfs_5y"]
    # never censored: a time or infinity (cured)
    assert np.all((pools.hsct > 0) & ~np.isnan(pools.hsct))
    assert np.isinf(pools.control).any()


def test_no_benefit_when_hsct_does_not_lower_relapse():
    # relapse hazard ratio 1 after HSCT: only transplant deaths remain, LFS is not better
    p = hsct_pools(n_simulated=3000, seed=1, hsct_relapse_hr=1.0)
    s = p.summary.set_index("group")
    assert s.loc["hsct", "lfs_5y"] <= s.loc["control", "lfs_5y"] + 0.03
    sim = simulate_hsct_trials(1000, 200, pools=p, seed=2)
    assert sim.power < 0.06


def test_power_grows_with_sample_size(pools):
    curve = hsct_power_curve([80, 320], n_trials=600, pools=pools, seed=3)
    assert list(curve.columns[:4]) == ["n_patients", "estimate", "ci_lower", "ci_upper"]
    assert curve["estimate"].iloc[1] > curve["estimate"].iloc[0] + 3 * curve["mc_se"].max()
    assert (curve["ci_lower"] <= curve["estimate"]).all()


def test_event_driven_with_looks(pools):
    from cartkit.design import group_sequential

    d = group_sequential(2, spending="asOF")
    sim = simulate_hsct_trials(500, 300, pools=pools, events=90, looks=d, seed=4)
    assert sim.trials["events"].max() <= 90
    assert set(sim.trials["stage"]) <= {1, 2}
    same = simulate_hsct_trials(500, 300, pools=pools, events=90, looks=d, seed=4)
    pd.testing.assert_frame_equal(sim.trials, same.trials)


@pytest.mark.parametrize(
    "kwargs, words",
    [
        ({"population": "adults"}, "population must be"),
        ({"population": "mrd_positive_cr", "n_simulated": 200}, "raise n_simulated"),
    ],
)
def test_bad_pool_arguments(kwargs, words):
    with pytest.raises(DataError, match=words):
        hsct_pools(**kwargs)


def test_looks_need_events(pools):
    from cartkit.design import group_sequential

    with pytest.raises(DataError, match="give events"):
        simulate_hsct_trials(10, 100, pools=pools, looks=group_sequential(2))


def test_power_curve_figure():
    import matplotlib as mpl

    mpl.use("Agg")
    from cartkit.report.figures.design import power_curve_figure

    curve = pd.DataFrame(
        {"n_patients": [100, 200], "estimate": [0.4, 0.7], "ci_lower": [0.37, 0.67],
         "ci_upper": [0.43, 0.73]}
    )  # fmt: skip
    analytic = pd.DataFrame({"n_patients": [100, 200], "estimate": [0.41, 0.69]})
    fig = power_curve_figure(curve, analytic=analytic, target=0.8)
    ax = fig.axes[0]
    gids = {a.get_gid() for a in ax.get_children()} | {ln.get_gid() for ln in ax.lines}
    assert {"analytic", "target"} <= gids
    with pytest.raises(DataError):
        power_curve_figure(curve.iloc[:0])
