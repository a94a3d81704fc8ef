"""Infections within 4 weeks of infusion, by type (bacterial, viral, fungal).

Rule: an adverse_events row with term ``infection`` and onset between day 0 and day 28
(inclusive) counts; its category gives the type. The published study reports 9/50 patients
(18%) with infections in 4 weeks: 4 bacterial, 3 viral, 2 fungal.
"""

import math

import pandas as pd
import pytest

from cartkit.derive.infections import derive_infections, infections_by_type


def _ae():
    rows = [
        ("a", "infection", 3, 5, "bacterial"),
        ("a", "infection", 2, 20, "viral"),
        ("a", "infection", 3, 35, "fungal"),  # after 4 weeks
        ("b", "infection", 4, 28, "Fungal"),  # day 28 is inside, case-insensitive
        ("c", "crs", 2, 3, None),
        ("d", "infection", 1, 0, None),  # no category: unspecified
        ("e", "infection", 2, -2, "viral"),  # before infusion
        ("f", "infection", 2, None, "viral"),  # no onset day
    ]
    return pd.DataFrame(rows, columns=["patient_id", "term", "grade", "onset_day", "category"])


def test_infections_per_patient():
    patients = pd.DataFrame({"patient_id": list("abcdefg")})
    r = derive_infections(_ae(), patients=patients)
    t = r.table.set_index("patient_id")
    assert t.loc["a", "n_infections"] == 2
    assert (t.loc["a", "bacterial"], t.loc["a", "viral"], t.loc["a", "fungal"]) == (1, 1, 0)
    assert t.loc["a", "first_onset_day"] == 5.0 and t.loc["a", "worst_grade"] == 3
    assert bool(t.loc["b", "any_infection"]) and t.loc["b", "fungal"] == 1
    assert not bool(t.loc["c", "any_infection"]) and math.isnan(t.loc["c", "first_onset_day"])
    assert t.loc["d", "unspecified"] == 1
    assert not bool(t.loc["e", "any_infection"])
    assert not bool(t.loc["g", "any_infection"])  # no adverse event at all: none
    assert "f" not in t.index
    assert r.excluded["patient_id"].tolist() == ["f"]
    assert "onset_day" in r.excluded.loc[0, "reason"]


def test_counts_by_type():
    patients = pd.DataFrame({"patient_id": list("abcdeg")})
    counts = infections_by_type(derive_infections(_ae(), patients=patients)).set_index("type")
    assert counts.loc["any", "n_patients"] == 3 and counts.loc["any", "n_infections"] == 4
    assert counts.loc["fungal", "n_patients"] == 1
    assert counts.loc["viral", "n_infections"] == 1
    assert counts["n"].unique().tolist() == [6]


@pytest.mark.parametrize("window", [(0, 35), (-7, 28)])
def test_window_parameter(window):
    r = derive_infections(_ae(), window=window)
    t = r.table.set_index("patient_id")
    if window == (0, 35):
        assert t.loc["a", "n_infections"] == 3
    else:
        assert bool(t.loc["e", "any_infection"])


def test_without_adverse_events_everyone_is_excluded():
    r = derive_infections(None, patients=pd.DataFrame({"patient_id": ["a", "b"]}))
    assert r.table.empty
    assert r.excluded["reason"].tolist() == ["no adverse_events table"] * 2
