"""Invariants of ICANS grading (ASTCT, Lee et al. 2019): range and worst-domain monotonicity."""

import numpy as np
import pandas as pd
from hypothesis import given, settings
from hypothesis import strategies as st

from cartkit.derive.icans import (
    ICANS_CONSCIOUSNESS_GRADES,
    ICANS_EDEMA_GRADES,
    ICANS_SEIZURE_GRADES,
    grade_icans,
)

CONS = list(ICANS_CONSCIOUSNESS_GRADES)  # ordered from mild to severe
SEIZ = list(ICANS_SEIZURE_GRADES)
EDEMA = list(ICANS_EDEMA_GRADES)

# ice (0-10 or None), capd (0-32 or None), consciousness, seizure, motor, edema (indices)
assessment = st.tuples(
    st.one_of(st.none(), st.integers(0, 10)),
    st.one_of(st.none(), st.integers(0, 32)),
    st.integers(0, 3),
    st.integers(0, 2),
    st.booleans(),
    st.integers(0, 2),
)
ages = st.sampled_from([0.5, 6.0, 11.99, 12.0, 15.0, 40.0])


def _frame(rows, age):
    icans = pd.DataFrame(
        {
            "patient_id": "p",
            "day": np.arange(len(rows), dtype=float),
            "ice_score": [np.nan if r[0] is None else r[0] for r in rows],
            "capd_score": [np.nan if r[1] is None else r[1] for r in rows],
            "consciousness": [CONS[r[2]] for r in rows],
            "seizure": [SEIZ[r[3]] for r in rows],
            "motor_weakness": [r[4] for r in rows],
            "cerebral_edema": [EDEMA[r[5]] for r in rows],
        }
    )
    return icans, pd.DataFrame({"patient_id": ["p"], "age_years": [age]})


@settings(max_examples=30, deadline=None)
@given(st.lists(assessment, min_size=1, max_size=10), ages)
def test_grades_in_range(rows, age):
    g = grade_icans(*_frame(rows, age))["grade"]
    assert g.notna().all()
    assert g.between(0, 4).all()


def _worsen(r, domain, step):
    ice, capd, cons, seiz, motor, edema = r
    if domain == "ice" and ice is not None:
        ice = max(ice - step, 0)  # a lower ICE score is worse
    elif domain == "capd" and capd is not None:
        capd = min(capd + step, 32)  # a higher CAPD score is worse
    elif domain == "consciousness":
        cons = min(cons + step, 3)
    elif domain == "seizure":
        seiz = min(seiz + step, 2)
    elif domain == "motor":
        motor = True
    elif domain == "edema":
        edema = min(edema + step, 2)
    return (ice, capd, cons, seiz, motor, edema)


@settings(max_examples=50, deadline=None)
@given(
    st.lists(assessment, min_size=1, max_size=8),
    ages,
    st.integers(0, 7),
    st.sampled_from(["ice", "capd", "consciousness", "seizure", "motor", "edema"]),
    st.integers(1, 10),
)
def test_worsening_any_domain_never_lowers_a_grade(rows, age, at, domain, step):
    at = at % len(rows)
    base = grade_icans(*_frame(rows, age))["grade"].to_numpy(dtype=int)
    worse = list(rows)
    worse[at] = _worsen(rows[at], domain, step)
    after = grade_icans(*_frame(worse, age))["grade"].to_numpy(dtype=int)
    assert (after >= base).all()


@settings(max_examples=30, deadline=None)
@given(st.lists(assessment, min_size=1, max_size=8), ages)
def test_grade_is_the_worst_domain(rows, age):
    daily = grade_icans(*_frame(rows, age))
    domains = ["score_grade", "consciousness_grade", "seizure_grade", "motor_grade", "edema_grade"]
    worst = daily[domains].astype("float").fillna(0).max(axis=1)
    assert (daily["grade"].to_numpy(dtype=float) == worst.to_numpy()).all()
