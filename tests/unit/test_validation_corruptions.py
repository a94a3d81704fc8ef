"""The example study corrupted in many distinct ways at once: every problem is reported, with
its table, row (as in the file: header = row 1), column and patient, in one run."""

import subprocess
import sys

import pandas as pd
import pytest
from tests.conftest import read_raw_csvs, write_raw_csvs

import cartkit as ck
from cartkit.cli import main


def row_of(df, **match):
    """File row number (header = 1) of the first row matching all column=value pairs."""
    mask = pd.Series(True, index=df.index)
    for k, v in match.items():
        mask &= df[k] == v
    return int(df.index[mask][0]) + 2


def corrupt(folder):
    """Apply every corruption; return the problems each must produce."""
    t = read_raw_csvs(ck.example_study_path())
    exp = []

    def set_cell(table, match, column, value, expect_col=None, msg="", sev="error", pid=None):
        df = t[table]
        r = row_of(df, **match)
        df.loc[r - 2, column] = value
        exp.append((table, r, expect_col or column, pid or match.get("patient_id"), sev, msg))

    def append(table, values, column, msg, sev="error"):
        df = t[table]
        r = len(df) + 2
        t[table] = pd.concat([df, pd.DataFrame([values])], ignore_index=True).fillna("")
        exp.append((table, r, column, values.get("patient_id"), sev, msg))

    # patients: types, allowed values, ranges, duplicates, unknown column
    set_cell("patients", {"patient_id": "P03"}, "sex", "X", msg="'X' is not one of F, M")
    set_cell(
        "patients", {"patient_id": "P05"}, "age_years", "abc", msg="'abc' is not a finite number"
    )
    set_cell("patients", {"patient_id": "P06"}, "prior_hsct", "maybe", msg="is not true/false")
    set_cell("patients", {"patient_id": "P07"}, "cart_dose_e6_per_kg", "0", msg="must be > 0")
    set_cell(
        "patients",
        {"patient_id": "P04"},
        "indication",
        "relapsed",
        msg="'relapsed' is not one of mrd_reemergence",
    )
    set_cell("patients", {"patient_id": "P02"}, "age_years", "130", msg="must be ≤ 120")
    append("patients", dict(t["patients"].iloc[0]), "patient_id", "duplicate of row 2")
    t["patients"]["weight_kg"] = "20"
    exp.append(("patients", None, "weight_kg", None, "warning", "unknown column 'weight_kg'"))
    # events: unknown patient, timing, death logic, last contact, types
    ev = t["events"]
    t["events"] = ev[~((ev["patient_id"] == "P03") & (ev["event"] == "last_contact"))]
    t["events"] = t["events"].reset_index(drop=True)
    exp.append(("events", None, "event", "P03", "error", "no last_contact"))
    append(
        "events",
        {"patient_id": "P99", "day": "10", "event": "relapse", "detail": "cd19_positive"},
        "patient_id",
        "not in the patients table",
    )
    append(
        "events",
        {"patient_id": "P06", "day": "2000", "event": "relapse", "detail": "cd19_positive"},
        "day",
        "after the last contact on day 1795",
    )
    append(
        "events",
        {"patient_id": "P05", "day": "300", "event": "hsct", "detail": ""},
        "day",
        "after the death on day 205",
    )
    append(
        "events",
        {"patient_id": "P07", "day": "1702", "event": "last_contact", "detail": ""},
        "event",
        "a second last_contact",
    )
    set_cell(
        "events",
        {"patient_id": "P04", "event": "last_contact"},
        "day",
        "310",
        msg="a death is the last contact",
    )
    set_cell(
        "events",
        {"patient_id": "P01", "event": "hsct"},
        "event",
        "transplant",
        msg="'transplant' is not one of relapse",
    )
    set_cell(
        "events",
        {"patient_id": "P03", "event": "new_therapy"},
        "day",
        "-3",
        msg="before the infusion",
    )
    set_cell(
        "events",
        {"patient_id": "P03", "event": "relapse"},
        "detail",
        "",
        sev="warning",
        msg="relapse detail is empty",
    )
    # kinetics
    set_cell(
        "kinetics",
        {"patient_id": "P01", "day": "7"},
        "copies_per_ug",
        "-5",
        msg="copies cannot be negative",
    )
    set_cell(
        "kinetics",
        {"patient_id": "P03", "day": "7"},
        "copies_per_ug",
        "lots",
        msg="'lots' is not a finite number",
    )
    append(
        "kinetics",
        {"patient_id": "P02", "day": "10", "copies_per_ug": "1", "lloq": "100"},
        "day",
        "duplicate of row",
    )
    append(
        "kinetics",
        {"patient_id": "p01", "day": "500", "copies_per_ug": "0", "lloq": "100"},
        "patient_id",
        "did you mean 'P01'",
    )
    append(
        "kinetics",
        {"patient_id": "P06", "day": "1900", "copies_per_ug": "0", "lloq": "100"},
        "day",
        "after the patient's last_contact",
        sev="warning",
    )
    # mrd
    set_cell(
        "mrd",
        {"patient_id": "P05", "timepoint": "pre_ld"},
        "mrd_fraction",
        "4.5",
        msg="looks like a percentage",
    )
    set_cell(
        "mrd",
        {"patient_id": "P01", "timepoint": "d28"},
        "specimen",
        "marrow",
        msg="'marrow' is not one of BM, PB",
    )
    # marrow
    set_cell("marrow", {"patient_id": "P02"}, "blasts_pct", "", msg="is empty")
    # labs
    set_cell(
        "labs",
        {"patient_id": "P01", "day": "28", "test": "ANC"},
        "value",
        "1500",
        msg="looks like cells/µL",
        sev="warning",
    )
    set_cell(
        "labs",
        {"patient_id": "P03", "day": "28", "test": "HGB"},
        "value",
        "112",
        msg="looks like g/L",
        sev="warning",
    )
    set_cell(
        "labs",
        {"patient_id": "P04", "day": "28", "test": "PLT"},
        "test",
        "NEUT",
        msg="'NEUT' is not one of ANC",
    )
    append(
        "labs",
        {"patient_id": "P05", "day": "300", "test": "ANC", "value": "1.0"},
        "day",
        "after the patient's death on day 205",
    )
    # crs: a missing column, Fahrenheit, duplicates, before infusion
    t["crs"] = t["crs"].drop(columns=["oxygen"])
    exp.append(("crs", None, "oxygen", None, "error", "required column 'oxygen' is missing"))
    set_cell("crs", {"patient_id": "P02", "day": "2"}, "temp_max_c", "101.3", msg="looks like °F")
    append(
        "crs",
        {"patient_id": "P04", "day": "2", "temp_max_c": "37", "hypotension": "none"},
        "day",
        "duplicate of row",
    )
    set_cell("crs", {"patient_id": "P06", "day": "2"}, "day", "-1", msg="before the infusion")
    # icans
    set_cell("icans", {"patient_id": "P02", "day": "5"}, "ice_score", "12", msg="must be ≤ 10")
    set_cell(
        "icans", {"patient_id": "P07", "day": "3"}, "capd_score", "3.5", msg="is not a whole number"
    )
    set_cell(
        "icans",
        {"patient_id": "P08", "day": "6"},
        "consciousness",
        "drowsy",
        msg="'drowsy' is not one of awake",
    )
    # adverse events and medications
    set_cell(
        "adverse_events", {"patient_id": "P04", "term": "gvhd"}, "grade", "6", msg="must be ≤ 5"
    )
    set_cell(
        "adverse_events",
        {"patient_id": "P02", "term": "infection"},
        "end_day",
        "10",
        msg="end_day 10 is before onset_day 20",
    )
    set_cell(
        "medications",
        {"patient_id": "P07", "day": "2"},
        "drug",
        "aspirin",
        msg="'aspirin' is not one of tocilizumab",
    )
    write_raw_csvs(t, folder)
    return exp


@pytest.fixture(scope="module")
def corrupted(tmp_path_factory):
    folder = tmp_path_factory.mktemp("corrupted")
    expected = corrupt(folder)
    return folder, expected, ck.validate_study(folder)


def test_at_least_25_distinct_corruptions(corrupted):
    _, expected, _ = corrupted
    assert len(expected) >= 25


def test_every_problem_reported_where_it_is(corrupted):
    _, expected, report = corrupted
    probs = report.problems
    missing = []
    for table, row, column, pid, sev, msg in expected:
        hit = (probs["table"] == table) & (probs["severity"] == sev)
        hit &= probs["row"].isna() if row is None else (probs["row"] == row)
        hit &= probs["column"].isna() if column is None else (probs["column"] == column)
        hit &= probs["patient_id"].isna() if pid is None else (probs["patient_id"] == pid)
        hit &= probs["message"].str.contains(msg, regex=False)
        if not hit.any():
            missing.append((table, row, column, pid, sev, msg))
    assert not missing, (
        "not reported as expected:\n"
        + "\n".join(map(str, missing))
        + ("\n\nreported:\n" + probs.to_string())
    )


def test_nothing_else_is_an_error(corrupted):
    # every error is one we caused: no noise that would bury the real problems
    _, expected, report = corrupted
    assert not report.ok
    assert len(report.errors) == sum(1 for e in expected if e[4] == "error")


def test_read_study_raises_with_all_problems(corrupted):
    folder, expected, _ = corrupted
    with pytest.raises(ck.StudyValidationError) as info:
        ck.read_study(folder)
    err = info.value
    assert isinstance(err, ValueError)
    assert len(err.problems[err.problems["severity"] == "error"]) == sum(
        1 for e in expected if e[4] == "error"
    )
    assert "patients, row 4, column sex, patient P03: 'X' is not one of F, M" in str(err)


def test_cli_validate_exits_2_without_traceback(corrupted, capsys):
    folder, _, _ = corrupted
    assert main(["validate", str(folder), "--all"]) == 2
    out = capsys.readouterr()
    assert "Traceback" not in out.out + out.err
    assert "NOT valid" in out.out
    assert "events, row 21, column day, patient P06: relapse on day 2000" in out.out


def test_cli_subprocess_exit_code(corrupted, tmp_path):
    folder, _, _ = corrupted
    res = subprocess.run(
        [
            sys.executable,
            "-m",
            "cartkit.cli",
            "validate",
            str(folder),
            "--out",
            str(tmp_path / "problems.csv"),
        ],
        capture_output=True,
        text=True,
    )
    assert res.returncode == 2
    assert "Traceback" not in res.stderr
    written = pd.read_csv(tmp_path / "problems.csv")
    assert list(written.columns) == ["table", "row", "column", "patient_id", "severity", "message"]


def test_missing_required_tables(tmp_path):
    folder = tmp_path / "s"
    folder.mkdir()
    (folder / "kinetics.csv").write_text("patient_id,day,copies_per_ug\nP1,0,0\n")
    report = ck.validate_study(folder)
    errors = report.errors
    assert {"patients", "events"} <= set(
        errors.loc[errors["message"].str.contains("required table"), "table"]
    )
