"""Derived endpoints on a simulated cohort agree with the simulator's own truth."""

import warnings

import numpy as np
import pandas as pd
import pytest

import cartkit as ck


@pytest.fixture(scope="module")
def cohort():
    study = ck.simulate_study(n_patients=400, seed=11)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        adam = ck.derive_adam(study)
    truth = study.metadata["truth"].set_index("patient_id")
    return study, adam, truth


def endpoint(adam, paramcd):
    return adam.adtte[adam.adtte["PARAMCD"] == paramcd].set_index("patient_id")


def test_overall_survival(cohort):
    _, adam, truth = cohort
    os_ = endpoint(adam, "OS").reindex(truth.index)
    died = truth["death_day"].notna()
    np.testing.assert_array_equal(os_["CNSR"].to_numpy(), (~died).astype(int).to_numpy())
    expected = truth["death_day"].where(died, truth["last_contact_day"])
    np.testing.assert_allclose(os_["AVAL"].to_numpy(), expected.to_numpy())


def test_leukaemia_free_survival_and_competing_risks(cohort):
    _, adam, truth = cohort
    relapse, death = truth["relapse_day"], truth["death_day"]
    first = pd.concat([relapse, death], axis=1).min(axis=1)
    lfs = endpoint(adam, "LFS").reindex(truth.index)
    np.testing.assert_array_equal(lfs["CNSR"].to_numpy(), first.isna().astype(int).to_numpy())
    np.testing.assert_allclose(
        lfs["AVAL"].to_numpy(), first.fillna(truth["last_contact_day"]).to_numpy()
    )
    cir = endpoint(adam, "CIR").reindex(truth.index)
    cause = np.where(
        relapse.notna() & (relapse <= death.fillna(np.inf)), 1, np.where(death.notna(), 2, 0)
    )
    np.testing.assert_array_equal(cir["CAUSE"].to_numpy(), cause)


def test_relapse_phenotype(cohort):
    _, adam, truth = cohort
    neg = endpoint(adam, "REL19N").reindex(truth.index)
    want = (truth["relapse_day"].notna() & (truth["relapse_cd19_negative"] == 1)).astype(int)
    np.testing.assert_array_equal((1 - neg["CNSR"]).to_numpy(), want.to_numpy())


def test_day28_response(cohort):
    _, adam, truth = cohort
    adsl = adam.adsl.set_index("patient_id").reindex(truth.index)
    evaluable = adsl["response_d28"] != "not_evaluable"
    # every patient not evaluable died before the day-28 marrow
    assert (truth.loc[~evaluable, "death_day"] < 35).all()
    nr = adsl.loc[evaluable, "response_d28"] == "no_response"
    np.testing.assert_array_equal(
        nr.to_numpy(), (truth.loc[evaluable, "response"] == "no_response").to_numpy()
    )
    mrd_neg = adsl.loc[evaluable, "mrd_negative_cr_d28"].fillna(False).astype(bool)
    np.testing.assert_array_equal(
        mrd_neg.to_numpy(), (truth.loc[evaluable, "response"] == "mrd_negative_cr").to_numpy()
    )
