"""cartkit.design against rpact 3.3.4.

design_reference.json: written by shared/reference/scripts/reference_wave2.R (rpact 3.3.4).
rpact_design_testthat.json / rpact_sample_size_testthat.json: the expected values of rpact's own
unit tests at tag v3.3.4 (tests/testthat/test-f_design_group_sequential*.R and
test-f_design_sample_size_calculator.R), for every design and Schoenfeld sample size that
cartkit offers; see tests/reference/README.md.
"""

import json
import re
from pathlib import Path

import numpy as np
import pytest

from cartkit.design import group_sequential, logrank_events, sample_size_survival

HERE = Path(__file__).parent
REL = 1e-6


def load(name):
    return json.loads((HERE / name).read_text())


def test_wave2_reference_fixed_events():
    ref = load("design_reference.json")["fixed_hr0.75_power0.8"]
    np.testing.assert_allclose(
        logrank_events(0.75, alpha=0.025, power=0.8), ref["events"], rtol=REL
    )
    plan = sample_size_survival(0.75, 12.0, alpha=0.025, power=0.8, accrual_time=24, follow_up=12)
    np.testing.assert_allclose(plan.events, ref["events"], rtol=REL)


def test_wave2_reference_two_look_asof():
    ref = load("design_reference.json")["gs2_asOF_power0.9"]
    d = group_sequential(2, alpha=0.025, power=0.9, spending="asOF")
    np.testing.assert_allclose(d.information_rates, ref["information_rates"], rtol=REL)
    np.testing.assert_allclose(d.critical_z, ref["critical_z"], rtol=REL)
    # rpact floors the last alpha spent to 8 decimals (0.02499999); 4e-7 relative
    np.testing.assert_allclose(d.alpha_spent, ref["alpha_spent"], rtol=REL)
    np.testing.assert_allclose(d.inflation, ref["inflation"], rtol=REL)
    np.testing.assert_allclose(d.logrank_events(0.7), ref["events_hr0.7"], rtol=REL)
    plan = sample_size_survival(0.7, 12.0, design=d, accrual_time=24, follow_up=12)
    np.testing.assert_allclose(plan.events, ref["events_hr0.7"], rtol=REL)


def _design_from_rpact(args):
    rates = args.get("informationRates")
    k = int(args.get("kMax", len(rates) if isinstance(rates, list) else 3))
    return group_sequential(
        k,
        alpha=args.get("alpha", 0.025),
        power=1 - args.get("beta", 0.2),
        spending=args.get("typeOfDesign", "OF"),
        information_rates=rates,
        sided=int(args.get("sided", 1)),
        gamma=args.get("gammaA"),
        delta=args.get("deltaWT"),
        futility=args.get("typeBetaSpending"),
        futility_gamma=args.get("gammaB"),
        binding_futility=args.get("bindingFutility", False),
    )


DESIGN_FIELDS = {
    "criticalValues": lambda d: d.critical_z,
    "alphaSpent": lambda d: d.alpha_spent,
    "stageLevels": lambda d: d.nominal_p,
    "futilityBounds": lambda d: d.futility_z,
    "betaSpent": lambda d: d.beta_spent,
    "power": lambda d: d.power_cumulative,
}
CHARACTERISTICS = {
    "nFixed": lambda d: d.shift / d.inflation,
    "shift": lambda d: d.shift,
    "inflationFactor": lambda d: d.inflation,
    "information": lambda d: d.shift * d.information_rates,
    "power": lambda d: d.power_cumulative,
    "rejectionProbabilities": lambda d: d.rejection_probabilities,
    "futilityProbabilities": lambda d: d.futility_probabilities,
    "averageSampleNumber1": lambda d: d.expected_information_h1,
    "averageSampleNumber01": lambda d: d.expected_information_h01,
    "averageSampleNumber0": lambda d: d.expected_information_h0,
}
DESIGN_CASES = load("rpact_design_testthat.json")["cases"]


@pytest.mark.parametrize("case", DESIGN_CASES, ids=lambda c: c["call"][:90])
def test_rpact_group_sequential_designs(case):
    d = _design_from_rpact(case["args"])
    for key, expected in case["design"].items():
        np.testing.assert_allclose(DESIGN_FIELDS[key](d), expected, rtol=REL, err_msg=key)
    for key, expected in case.get("characteristics", {}).items():
        np.testing.assert_allclose(CHARACTERISTICS[key](d), expected, rtol=REL, err_msg=key)


SS_CASES = load("rpact_sample_size_testthat.json")["cases"]


def _ss_value(plan, key):
    m = re.match(r"(\w+)(\[(\d+), \])?$", key)
    name, row = m.group(1), m.group(3)
    row = None if row is None else int(row) - 1
    fixed = plan.design.k == 1
    get = {
        "maxNumberOfEvents": lambda s: s.events,
        "eventsFixed": lambda s: s.events_fixed,
        "maxNumberOfSubjects": lambda s: s.n_patients,
        "nFixed": lambda s: s.n_patients,
        "maxNumberOfSubjects1": lambda s: s.n_experimental,
        "nFixed1": lambda s: s.n_experimental,
        "maxNumberOfSubjects2": lambda s: s.n_control,
        "nFixed2": lambda s: s.n_control,
        "accrualIntensity": lambda s: s.accrual_intensity[-1],
        "analysisTime": lambda s: s.analysis_times[row],
        "studyDuration": lambda s: s.max_duration if fixed else s.expected_duration,
        "maxStudyDuration": lambda s: s.max_duration,
        "expectedEventsH0": lambda s: s.expected_events_h0,
        "expectedEventsH01": lambda s: s.expected_events_h01,
        "expectedEventsH1": lambda s: s.expected_events_h1,
        "eventsPerStage": lambda s: s.events_per_stage[row],
        "numberOfSubjects": lambda s: s.patients_per_stage[row],
        "numberOfSubjects1": lambda s: s.patients_per_stage[row] * s.allocation,
        "numberOfSubjects2": lambda s: s.patients_per_stage[row] * (1 - s.allocation),
        "expectedNumberOfSubjectsH1": lambda s: s.expected_patients,
        "followUpTime": lambda s: s.follow_up,
        "rejectPerStage": lambda s: s.design.rejection_probabilities[row],
        "earlyStop": lambda s: s.design.rejection_probabilities[:-1].sum(),
        "criticalValuesEffectScale": lambda s: s.table["hr_efficacy"].to_numpy()[row],
    }
    return get[name](plan)


@pytest.mark.parametrize("case", SS_CASES, ids=lambda c: f"line{c['line']}")
def test_rpact_sample_size_survival(case):
    if case["design"] is not None:
        design = group_sequential(**case["design"])
    else:
        f = case["fixed_design"]
        design = group_sequential(1, alpha=f["alpha"], power=f["power"], sided=f["sided"])
    kwargs = dict(case["kwargs"])
    kwargs["dropout"] = tuple(kwargs["dropout"])
    plans = [sample_size_survival(hr, design=design, **kwargs) for hr in case["hazard_ratios"]]
    assert case["expected"]
    for key, expected in case["expected"].items():
        got = [_ss_value(p, key) for p in plans]
        exp = np.broadcast_to(np.asarray(expected, float), (len(plans),))
        np.testing.assert_allclose(got, exp, rtol=REL, err_msg=key)
