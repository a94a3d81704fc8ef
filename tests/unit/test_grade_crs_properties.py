"""Invariants of CRS grading (ASTCT, Lee et al. 2019): range and worst-domain monotonicity."""

import numpy as np
import pandas as pd
from hypothesis import given, settings
from hypothesis import strategies as st

from cartkit.derive.crs import CRS_HYPOTENSION_GRADES, CRS_OXYGEN_GRADES, grade_crs

HYP = list(CRS_HYPOTENSION_GRADES)  # ordered from mild to severe
OXY = list(CRS_OXYGEN_GRADES)
temps = st.one_of(st.floats(36.0, 41.0), st.sampled_from([38.0, 37.99]))

row = st.tuples(temps, st.integers(0, 3), st.integers(0, 3))
course = st.lists(row, min_size=1, max_size=12)
doses = st.lists(
    st.tuples(st.integers(-2, 12), st.sampled_from(["tocilizumab", "corticosteroid", "ivig"])),
    max_size=3,
)


def _frame(rows, missing=()):
    crs = pd.DataFrame(
        {
            "patient_id": "p",
            "day": np.arange(len(rows), dtype=float),
            "temp_max_c": [r[0] for r in rows],
            "hypotension": [HYP[r[1]] for r in rows],
            "oxygen": [OXY[r[2]] for r in rows],
        }
    )
    for i, col in missing:
        if i < len(crs):
            crs.loc[i, col] = None if col != "temp_max_c" else np.nan
    return crs


def _meds(given_doses):
    return pd.DataFrame(
        {
            "patient_id": "p",
            "day": [float(d) for d, _ in given_doses],
            "drug": [g for _, g in given_doses],
        }
    )


missing_cells = st.lists(
    st.tuples(st.integers(0, 11), st.sampled_from(["temp_max_c", "hypotension", "oxygen"])),
    max_size=6,
)


@settings(max_examples=40, deadline=None)
@given(course, doses, missing_cells, st.booleans())
def test_grades_in_range(rows, given_doses, missing, death):
    events = (
        pd.DataFrame(
            {"patient_id": ["p"], "day": [len(rows)], "event": ["death"], "detail": ["crs"]}
        )
        if death
        else None
    )
    g = grade_crs(_frame(rows, missing), _meds(given_doses), events)["grade"].dropna()
    assert g.between(0, 5).all()
    assert (g == 5).sum() == int(death)


@settings(max_examples=50, deadline=None)
@given(
    course,
    doses,
    st.integers(0, 11),
    st.sampled_from(["temp_max_c", "hypotension", "oxygen"]),
    st.integers(1, 3),
)
def test_worsening_any_input_never_lowers_a_grade(rows, given_doses, at, component, step):
    at = at % len(rows)
    base = grade_crs(_frame(rows), _meds(given_doses))["grade"].to_numpy(dtype=float)
    worse = list(rows)
    temp, hyp, oxy = worse[at]
    if component == "temp_max_c":
        temp = temp + 0.5 * step
    elif component == "hypotension":
        hyp = min(hyp + step, 3)
    else:
        oxy = min(oxy + step, 3)
    worse[at] = (temp, hyp, oxy)
    after = grade_crs(_frame(worse), _meds(given_doses))["grade"].to_numpy(dtype=float)
    assert (after >= base).all()


@settings(max_examples=40, deadline=None)
@given(course, doses, st.integers(0, 12))
def test_an_extra_masking_dose_never_lowers_a_grade(rows, given_doses, day):
    base = grade_crs(_frame(rows), _meds(given_doses))["grade"].to_numpy(dtype=float)
    more = _meds([*given_doses, (day, "tocilizumab")])
    after = grade_crs(_frame(rows), more)["grade"].to_numpy(dtype=float)
    assert (after >= base).all()


@settings(max_examples=40, deadline=None)
@given(course, doses)
def test_day_grade_is_the_worst_domain_when_febrile(rows, given_doses):
    daily = grade_crs(_frame(rows), _meds(given_doses))
    febrile = daily[daily["fever"]]
    expected = np.maximum(1, np.maximum(febrile["hypotension_grade"], febrile["oxygen_grade"]))
    assert (febrile["grade"].to_numpy(dtype=int) == expected.to_numpy()).all()
