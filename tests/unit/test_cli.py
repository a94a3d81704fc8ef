"""The command line: exit codes, messages, outputs."""

import pandas as pd
import pytest

import cartkit as ck
from cartkit.cli import main


def run(args, capsys):
    code = main(args)
    out = capsys.readouterr()
    assert "Traceback" not in out.out + out.err
    return code, out.out, out.err


def test_version(capsys):
    code, out, _ = run(["--version"], capsys)
    assert code == 0 and out.strip() == f"cartkit {ck.__version__}"


def test_validate_valid_study(capsys):
    code, out, _ = run(["validate", str(ck.example_study_path())], capsys)
    assert code == 0
    assert "valid (0 error(s), 0 warning(s))" in out


def test_missing_path_and_usage_errors(capsys, tmp_path):
    code, _, err = run(["validate", str(tmp_path / "nope")], capsys)
    assert code == 2 and "no such file or folder" in err
    code, _, err = run(["validate"], capsys)
    assert code == 2 and "Missing argument" in err
    code, _, err = run(["frobnicate"], capsys)
    assert code == 2 and "No such command" in err


def test_not_a_study(capsys, tmp_path):
    (tmp_path / "x.txt").write_text("hello")
    code, _, err = run(["validate", str(tmp_path / "x.txt")], capsys)
    assert code == 2 and "a study is a folder" in err


def test_internal_error_is_exit_1_without_traceback(capsys, monkeypatch):
    def boom(path):
        raise RuntimeError("kaput")

    monkeypatch.setattr(ck, "validate_study", boom)
    code, _, err = run(["validate", "."], capsys)
    assert code == 1
    assert "internal error: RuntimeError: kaput" in err


def test_grade_crs_writes_tables(capsys, tmp_path):
    code, _out, _ = run(
        ["grade", "crs", str(ck.example_study_path()), "--out", str(tmp_path / "g")], capsys
    )
    assert code == 0
    patients = pd.read_csv(tmp_path / "g" / "patients.csv")
    assert dict(zip(patients["patient_id"], patients["grade"], strict=True)) == {
        "P01": 1,
        "P02": 3,
        "P03": 0,
        "P04": 2,
        "P05": 0,
        "P06": 1,
        "P07": 2,
        "P08": 4,
    }
    daily = pd.read_csv(tmp_path / "g" / "daily.csv")
    assert daily.loc[(daily.patient_id == "P08") & (daily.day == 3), "grade"].item() == 4


def test_grade_icans_derived(capsys):
    code, out, _ = run(
        ["grade", "icans", str(ck.example_study_path()), "--prefer", "derived"], capsys
    )
    assert code == 0
    assert "ICANS grades, 8 patient(s)" in out


def test_grade_without_tables_is_exit_2(capsys, tmp_path):
    study = ck.read_study(ck.example_study_path())
    ck.Study({"patients": study["patients"], "events": study["events"]}).write(tmp_path, "csv")
    code, _, err = run(["grade", "crs", str(tmp_path)], capsys)
    assert code == 2 and "no crs table" in err


@pytest.mark.parametrize("term", ["crs", "icans"])
def test_grade_refuses_to_write_over_inputs(capsys, example_dir, term):
    code, _, err = run(["grade", term, str(example_dir), "--out", str(example_dir)], capsys)
    assert code == 2 and "input files" in err


def test_nca_matches_the_api(capsys, tmp_path):
    src = ck.example_study_path() / "kinetics.csv"
    code, _, _ = run(
        ["nca", str(src), "--out", str(tmp_path / "p.csv"), "--window", "0", "14"], capsys
    )
    assert code == 0
    # ids read as cartkit's tables hold them (pandas 3 would read its str dtype)
    got = pd.read_csv(tmp_path / "p.csv", dtype={"patient_id": object}).set_index("patient_id")
    kin = ck.read_study(ck.example_study_path())["kinetics"]
    want = ck.nca(kin, window=(0, 14), lloq_column="lloq").set_index("patient_id")
    pd.testing.assert_series_equal(got["auc_window"], want["auc_window"], rtol=1e-12)
    assert got.loc["P08", "cmax"] == 1_890_000 and got.loc["P08", "tmax"] == 7


def test_nca_bad_values_exit_2(capsys, tmp_path):
    bad = tmp_path / "k.csv"
    bad.write_text("Patient_ID,Day,Copies_per_ug\nP1,0,0\nP1,7,-4\nP1,14,abc\n")
    code, _, err = run(["nca", str(bad)], capsys)
    assert code == 2
    assert "row 3, column copies_per_ug, patient P1: -4 copies cannot be negative" in err
    assert "row 4, column copies_per_ug, patient P1: 'abc' is not a finite number" in err


def test_warnings_are_plain_messages(capsys, tmp_path):
    f = tmp_path / "k.csv"
    f.write_bytes(b"patient_id,day,copies_per_ug\nP\xe91,0,0\nP\xe91,7,500\n")
    code, out, err = run(["nca", str(f)], capsys)
    assert code == 0
    assert "warning: kinetics: the file is not UTF-8" in err
    assert "cli.py" not in err
    assert out.splitlines()[1].startswith("Pé1,500,7")


def test_report_title_option_reaches_the_report(monkeypatch, example_dir, tmp_path):
    import cartkit.cli.study as study_commands

    seen = {}

    def write(*args, **kwargs):
        seen.update(kwargs)
        return None, kwargs["title"]  # the analysis and the title, as the summary takes them

    monkeypatch.setattr(study_commands, "_write_full_report", write)
    monkeypatch.setattr(study_commands, "_summary", lambda analysis, out, title: None)
    out = str(tmp_path / "out")
    assert main(["report", str(example_dir), "--out", out, "--title", " Centre A "]) == 0
    assert seen["title"] == "Centre A"
    assert seen["command"] == "cartkit report example --title 'Centre A'"


def test_a_blank_report_title_is_refused_before_anything_is_read(capsys, tmp_path):
    out = tmp_path / "out"
    assert main(["report", str(tmp_path / "absent"), "--out", str(out), "--title", " "]) == 2
    err = capsys.readouterr().err
    assert "the report's title must be a non-empty text, got ' '" in err
    assert "Traceback" not in err and not out.exists()
