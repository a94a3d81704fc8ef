"""simulate_trials: the batched log-rank, reproducibility, and power against the analytic one.

Margins: a simulated power is compared with the analytic one within 3 Monte-Carlo standard errors
plus the error of Schoenfeld's approximation itself. That error is not known in closed form;
it is estimated here as the difference between Schoenfeld's power and the "mean-path" power
(Lakatos 1988 style: the expected log-rank score and variance integrated over the expected
numbers at risk of each arm under uniform accrual and exponential survival, which drift apart
as the arms fail at different rates). For HR 0.7 with 247 of 330 patients failing the two
differ by 4e-4; for HR 0.5 by 0.014.
"""

import numpy as np
import pandas as pd
import pytest
from scipy.integrate import quad
from scipy.optimize import brentq
from scipy.special import ndtr, ndtri

import cartkit as ck
from cartkit.design import group_sequential, logrank_power, simulate_trials
from cartkit.design.logrank_batch import logrank_z
from cartkit.errors import CartkitError, DataError


def mean_path_power(n, hr, events, alpha=0.025, median=12.0, accrual=24.0):
    lam2 = np.log(2) / median
    lam1 = lam2 * hr
    half = n / 2

    def at_risk(lam, tau):
        top = min(tau, accrual)
        return half / (accrual * lam) * (np.exp(-lam * (tau - top)) - np.exp(-lam * tau))

    def died(lam, tau):
        return half * min(tau, accrual) / accrual - at_risk(lam, tau)

    tau = brentq(lambda t: died(lam1, t) + died(lam2, t) - events, 1e-9, 1e4)

    def du(t):
        a, b = at_risk(lam1, t), at_risk(lam2, t)
        return a * b / (a + b) * (lam2 - lam1)

    def dv(t):
        a, b = at_risk(lam1, t), at_risk(lam2, t)
        return (lam1 * a + lam2 * b) * a * b / (a + b) ** 2

    pts = [accrual] if tau > accrual else None
    u = quad(du, 0, tau, points=pts, limit=200)[0]
    v = quad(dv, 0, tau, points=pts, limit=200)[0]
    return float(ndtr(u / np.sqrt(v) + ndtri(alpha)))


def margin(sim, analytic_error=0.0):
    return 3 * sim.mc_se + analytic_error


def test_batched_logrank_equals_survdiff_with_ties_and_exclusions():
    rng = np.random.default_rng(4)
    time = np.round(rng.exponential(10, (6, 80))) + 1  # whole days: many ties
    event = rng.random((6, 80)) < 0.7
    arm = np.arange(80) < 40
    included = rng.random((6, 80)) < 0.9
    z = logrank_z(time, event, arm, included)
    for i in range(6):
        m = included[i]
        df = pd.DataFrame(
            {"t": time[i, m], "e": event[i, m].astype(int), "g": np.where(arm[m], "E", "C")}
        )
        r = ck.logrank(df, time="t", event="e", group="g")
        assert z[i] ** 2 == pytest.approx(r.statistic, rel=1e-10)
        # positive z: fewer events than expected on the experimental arm
        o_minus_e = r.details["observed"]["E"] - r.details["expected"]["E"]
        assert np.sign(z[i]) == -np.sign(o_minus_e)


def test_same_seed_same_trials_and_chunks_are_prefixes():
    a = simulate_trials(700, 120, 0.7, 80, seed=3)
    b = simulate_trials(700, 120, 0.7, 80, seed=3)
    pd.testing.assert_frame_equal(a.trials, b.trials)
    # the first chunk of 500 trials does not depend on how many trials follow it
    c = simulate_trials(500, 120, 0.7, 80, seed=3)
    pd.testing.assert_frame_equal(a.trials.iloc[:500], c.trials)
    d = simulate_trials(700, 120, 0.7, 80, seed=4)
    assert not a.trials["z"].equals(d.trials["z"])


def test_event_driven_analysis_has_the_planned_events():
    sim = simulate_trials(300, 200, 0.8, 150, seed=1)
    assert (sim.trials["events"] == 150).all()
    assert (sim.trials["n_enrolled"] <= 200).all()
    assert sim.expected_duration > 0
    assert set(sim.trials.columns) >= {
        "trial",
        "rejected",
        "stage",
        "z",
        "events",
        "duration",
        "z_1",
    }


def test_power_matches_schoenfeld():
    n, hr, events = 330, 0.7, 247
    sim = simulate_trials(6000, n, hr, events, seed=11)
    analytic = logrank_power(events, hr)
    err = abs(analytic - mean_path_power(n, hr, events))
    assert abs(sim.power - analytic) <= margin(sim, err)


def test_type_one_error():
    sim = simulate_trials(6000, 330, 1.0, 247, seed=12)
    assert abs(sim.power - 0.025) <= margin(sim)


def test_group_sequential_power_and_early_stopping():
    d = group_sequential(2, alpha=0.025, power=0.8, spending="asOF")
    events = d.logrank_events(0.7)
    sim = simulate_trials(4000, 420, 0.7, events, seed=13, looks=d)
    err = abs(logrank_power(events / d.inflation, 0.7) - mean_path_power(420, 0.7, events))
    assert abs(sim.power - 0.8) <= margin(sim, err)
    stop1 = d.rejection_probabilities[0]
    se1 = np.sqrt(stop1 * (1 - stop1) / sim.n_trials)
    assert abs(sim.early_stop - stop1) <= 3 * se1 + err
    assert sim.expected_events < events


def test_group_sequential_type_one_error():
    d = group_sequential(3, alpha=0.025, spending="OF")
    sim = simulate_trials(4000, 330, 1.0, 247, seed=14, looks=d)
    assert abs(sim.power - 0.025) <= margin(sim)


@pytest.mark.slow
@pytest.mark.parametrize(
    "n, hr, events", [(330, 0.7, 247), (200, 0.6, 120), (330, 0.5, 66), (800, 0.8, 631)]
)
def test_power_matches_schoenfeld_many_trials(n, hr, events):
    sim = simulate_trials(40_000, n, hr, events, seed=21)
    analytic = logrank_power(events, hr)
    err = abs(analytic - mean_path_power(n, hr, events))
    assert abs(sim.power - analytic) <= margin(sim, err)
    # the mean-path power itself is within Monte-Carlo error
    assert abs(sim.power - mean_path_power(n, hr, events)) <= 3 * sim.mc_se + 0.002


@pytest.mark.slow
def test_type_one_error_many_trials():
    sim = simulate_trials(40_000, 330, 1.0, 247, seed=22)
    assert abs(sim.power - 0.025) <= margin(sim)


def test_local_dask_cluster_gives_identical_trials():
    distributed = pytest.importorskip(
        "distributed", reason='Dask is optional: pip install "cartkit[dask]"'
    )
    a = simulate_trials(1200, 150, 0.75, 100, seed=7)
    with distributed.LocalCluster(
        n_workers=2, threads_per_worker=1, processes=False, dashboard_address=None
    ) as cluster:
        b = simulate_trials(1200, 150, 0.75, 100, seed=7, scheduler=cluster.scheduler_address)
        with distributed.Client(cluster) as client:
            c = simulate_trials(1200, 150, 0.75, 100, seed=7, scheduler=client)
    pd.testing.assert_frame_equal(a.trials, b.trials)
    pd.testing.assert_frame_equal(a.trials, c.trials)


def test_without_dask_local_says_how_to_install(monkeypatch):
    import builtins

    real = builtins.__import__

    def no_dask(name, *args, **kwargs):
        if name.split(".")[0] in ("distributed", "dask"):
            raise ImportError(name)
        return real(name, *args, **kwargs)

    monkeypatch.setattr(builtins, "__import__", no_dask)
    with pytest.raises(CartkitError, match=r'pip install "cartkit\[dask\]"'):
        simulate_trials(10, 50, 0.7, 30, scheduler="local")
    # in process it still works
    assert simulate_trials(10, 50, 0.7, 30).n_trials == 10


def test_progress_is_reported_per_chunk():
    seen = []
    simulate_trials(1100, 60, 0.7, 40, progress=seen.append)
    assert seen == [500, 500, 100]


@pytest.mark.parametrize(
    "kwargs, words",
    [
        ({"events": 500}, "cannot exceed"),
        ({"n_trials": 0}, "n_trials"),
        ({"looks": "asOF"}, "group_sequential"),
        ({"scheduler": 3}, "scheduler must be"),
    ],
)
def test_bad_arguments(kwargs, words):
    args = {"n_trials": 10, "n_patients": 100, "hazard_ratio": 0.7, "events": 60, **kwargs}
    with pytest.raises((DataError, CartkitError), match=words):
        simulate_trials(**args)
