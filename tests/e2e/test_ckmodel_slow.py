"""The population kinetic model on the demo cohort and on simulated CAR-T cohorts (slow).

The full recovery study (30 cohorts of 150 patients, 40 of 400, CI coverage) is
``benchmarks/ckmodel_recovery.py``; its table is in docs/methods.md.
"""

import sys
import warnings
from pathlib import Path

import numpy as np
import pytest

import cartkit as ck

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "benchmarks"))

from ckmodel_cohort import OMEGA, TRUTH, cohort

pytestmark = pytest.mark.slow


def test_demo_cohort_converges_to_the_same_estimate_from_two_seeds():
    kin = ck.simulate_study(50, seed=0).tables["kinetics"]
    fits = []
    for seed in (0, 1):
        with warnings.catch_warnings():
            warnings.simplefilter("error", ck.ConvergenceWarning)
            fits.append(ck.fit_kinetic_model(kin, seed=seed))
    a, b = fits
    assert np.isfinite(a.population["se"]).all() and np.isfinite(a.omega["se"]).all()
    assert abs(a.loglik - b.loglik) < 1.0
    z = (a.population["estimate"] - b.population["estimate"]) / a.population["se"]
    assert (z.abs() < 0.3).all()
    assert a.n_blq > 0 and not any("did not converge" in n for n in a.notes)


@pytest.mark.parametrize("seed", [101, 102])
def test_150_patients_recover_the_simulated_parameters(seed):
    df = cohort(150, seed)
    quantified = df.loc[~df["blq"], "patient_id"].unique()
    fit = ck.fit_kinetic_model(df[df["patient_id"].isin(quantified)], seed=seed)
    pop = fit.population.set_index("parameter")
    for p, truth in TRUTH.items():
        est, se = pop.loc[p, "estimate"], pop.loc[p, "se"]
        if p == "fb":
            z = (np.log(est / (1 - est)) - np.log(truth / (1 - truth))) / (se / (est * (1 - est)))
        else:
            z = (np.log(est) - np.log(truth)) / (se / est)
        assert abs(z) < 3.5, (p, est, truth, se)
    om = fit.omega.set_index("parameter")["sd"]
    for p, truth in OMEGA.items():
        assert om[p] == pytest.approx(truth, rel=0.4)
