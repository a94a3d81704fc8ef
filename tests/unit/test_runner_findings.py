"""Validation problems listed among the findings keep their place and message."""

import warnings
from types import SimpleNamespace

import pandas as pd
from tests.conftest import read_raw_csvs, write_raw_csvs

import cartkit as ck
from cartkit.derive._common import findings_frame
from cartkit.runner.runner import _findings


def test_validation_warnings_are_findings_with_where_and_what(tmp_path):
    tables = read_raw_csvs(ck.example_study_path())
    tables["patients"]["site"] = ["A"] * 4 + [""] * 4
    tables["notes"] = pd.DataFrame({"text": ["hello"]})
    write_raw_csvs(tables, tmp_path / "s")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ck.DataQualityWarning)
        study = ck.read_study(tmp_path / "s")
    ctx = SimpleNamespace(adam=SimpleNamespace(findings=findings_frame()), grading={})
    found = _findings(ctx, study)
    found = found[found["source"] == "validation"]
    assert found["check"].tolist() == ["warning", "warning"]
    # a problem of a whole column or table has no row: its message is kept all the same
    by_start = {m.split(":")[0]: m for m in found["message"]}
    assert set(by_start) == {"patients, column site", "notes"}
    assert "unknown column 'site'" in by_start["patients, column site"]
    assert "unknown table 'notes'" in by_start["notes"]
    assert found["patient_id"].isna().all()
