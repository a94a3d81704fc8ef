"""grade_study: the entry point of ``cartkit grade crs|icans PATH`` over a Study's tables."""

import pandas as pd
import pytest

from cartkit.derive.toxicity import grade_study
from cartkit.errors import DataError
from cartkit.study import Study


def _study(with_daily=True):
    patients = pd.DataFrame({"patient_id": ["a", "b"], "age_years": [15.0, 6.0]})
    tables = {"patients": patients}
    if with_daily:
        tables["crs"] = pd.DataFrame(
            {
                "patient_id": ["a", "a", "b"],
                "day": [1.0, 2.0, 1.0],
                "temp_max_c": [38.5, 37.0, 37.0],
                "hypotension": ["none", "vasopressor", "none"],
                "oxygen": ["low_flow", "none", "none"],
            }
        )
        tables["icans"] = pd.DataFrame(
            {
                "patient_id": ["a", "b"],
                "day": [5.0, 5.0],
                "ice_score": [6.0, float("nan")],
                "capd_score": [float("nan"), 10.0],
                "consciousness": ["awake", "awake"],
                "seizure": ["none", "none"],
                "motor_weakness": [False, False],
                "cerebral_edema": ["none", "none"],
            }
        )
    tables["medications"] = pd.DataFrame(
        {"patient_id": ["a"], "day": [1.0], "drug": ["tocilizumab"], "detail": [None]}
    )
    tables["adverse_events"] = pd.DataFrame(
        {"patient_id": ["a"], "term": ["crs"], "grade": [3], "onset_day": [1.0], "end_day": [2.0]}
    )
    return Study(tables, source="test")


def test_crs_from_daily_and_recorded():
    r = grade_study(_study(), "crs")
    assert r.detail["grade"].tolist() == [2, 3, 0]  # day 2 masked by tocilizumab on day 1
    t = r.table.set_index("patient_id")
    assert t.loc["a", "grade"] == 3 and t.loc["a", "derived_grade"] == 3
    assert bool(t.loc["a", "tocilizumab"])
    assert t.loc["b", "grade"] == 0
    assert r.findings.empty and r.excluded.empty


def test_icans_from_daily_only():
    r = grade_study(_study(), "ICANS")
    t = r.table.set_index("patient_id")
    assert t.loc["a", "grade"] == 2 and t.loc["a", "source"] == "derived"  # ICE 6
    assert t.loc["b", "grade"] == 3  # CAPD 10 at age 6


def test_crs_from_recorded_only():
    r = grade_study(_study(with_daily=False), "crs")
    assert r.detail.empty
    t = r.table.set_index("patient_id")
    assert t.loc["a", "grade"] == 3 and t.loc["a", "duration_days"] == 2.0
    assert t.loc["b", "grade"] == 0 and t.loc["b", "source"] == "recorded"


def test_icans_without_any_source_fails_clearly():
    study = _study(with_daily=False)
    with pytest.raises(DataError, match="no ICANS data"):
        grade_study(study, "icans")


def test_plain_mapping_and_options():
    tables = dict(_study().tables)
    r = grade_study(tables, "crs", prefer="derived", fever_c=39.0)
    assert r.detail["grade"].tolist() == [0, 0, 0]
    assert r.table.set_index("patient_id").loc["a", "source"] == "derived"
    assert r.findings["patient_id"].tolist() == ["a"]


def test_unknown_term():
    with pytest.raises(DataError, match="'gvhd'"):
        grade_study(_study(), "gvhd")


def test_derived_defaults_and_read_only_params():
    from cartkit.derive import Derived

    d = Derived(pd.DataFrame({"patient_id": ["a"]}), params={"window": (0, 28)})
    assert list(d.excluded.columns) == ["patient_id", "reason"]
    assert list(d.findings.columns) == ["patient_id", "check", "message"]
    assert d.detail.empty and d.params["window"] == (0, 28)
    with pytest.raises(TypeError):
        d.params["window"] = (0, 7)
    assert repr(d) == "Derived(table=1 rows, excluded=0, findings=0, detail=0 rows)"
