"""Reading a study from every supported format, and writing it back exactly."""

import time
import warnings

import numpy as np
import openpyxl
import pandas as pd
import pyreadstat
import pytest
from tests.conftest import read_raw_csvs, write_raw_csvs

import cartkit as ck
from cartkit.io.atomic import OutputError


def assert_same_study(a, b):
    assert list(a.tables) == list(b.tables)
    for name in a.tables:
        pd.testing.assert_frame_equal(a[name], b[name], check_exact=True, obj=name)


@pytest.fixture(scope="module")
def example():
    return ck.read_study(ck.example_study_path())


def test_example_study_is_valid_and_complete(example):
    report = ck.validate_study(ck.example_study_path())
    assert report.ok and len(report.problems) == 0
    assert set(example.tables) == {
        "patients",
        "events",
        "kinetics",
        "mrd",
        "marrow",
        "labs",
        "crs",
        "icans",
        "adverse_events",
        "medications",
    }
    assert len(example.patient_ids) == 8


def test_canonical_types(example):
    p = example["patients"]
    assert p["prior_hsct"].dtype == "boolean"
    assert p["prior_hsct"].tolist() == [False, True, False, False, True, False, False, False]
    assert p["age_years"].dtype == "float64"
    assert p["risk_group"].isna().sum() == 3  # empty cells stay missing, to be derived
    assert example["icans"]["capd_score"].dropna().tolist() == [0.0, 4.0, 0.0]


@pytest.mark.parametrize("fmt", ["csv", "xlsx", "parquet"])
def test_written_study_reads_back_identical(example, tmp_path, fmt):
    files = example.write(tmp_path / fmt, fmt)
    again = ck.read_study(files[0] if fmt == "xlsx" else tmp_path / fmt)
    assert_same_study(example, again)


def test_formats_give_identical_tables(example, tmp_path):
    example.write(tmp_path / "csv", "csv")
    example.write(tmp_path / "s.xlsx", "xlsx")
    example.write(tmp_path / "pq", "parquet")
    a = ck.read_study(tmp_path / "csv")
    assert_same_study(a, ck.read_study(tmp_path / "s.xlsx"))
    assert_same_study(a, ck.read_study(tmp_path / "pq"))


def test_writing_twice_gives_identical_bytes(example, tmp_path):
    for fmt, name in (("csv", "patients.csv"), ("parquet", "patients.parquet")):
        example.write(tmp_path / "a", fmt)
        example.write(tmp_path / "b", fmt)
        assert (tmp_path / "a" / name).read_bytes() == (tmp_path / "b" / name).read_bytes()
    example.write(tmp_path / "a.xlsx", "xlsx")
    time.sleep(1.1)  # the workbook must not record when it was written
    example.write(tmp_path / "b.xlsx", "xlsx")
    assert (tmp_path / "a.xlsx").read_bytes() == (tmp_path / "b.xlsx").read_bytes()


def test_sas_and_spss_tables(example, tmp_path):
    # per-table SAS transport (v8, long names) and SPSS files, mixed in one folder
    folder = tmp_path / "stat"
    folder.mkdir()
    for name, df in example.tables.items():
        out = df.copy()
        for c in out.columns:
            if out[c].dtype == "boolean":
                out[c] = out[c].astype("float64")
            elif out[c].dtype == object:
                out[c] = out[c].fillna("").astype(str)
        out = out.drop(columns=[c for c in out if out[c].dtype.kind == "M"])
        if name in ("patients", "kinetics", "labs"):
            pyreadstat.write_xport(
                out, str(folder / f"{name.upper()}.xpt"), file_format_version=8, table_name=name[:8]
            )
        else:
            pyreadstat.write_sav(out, str(folder / f"{name}.sav"))
    again = ck.read_study(folder)
    for name in example.tables:
        a = example[name].drop(
            columns=[c for c in example[name] if example[name][c].dtype.kind == "M"]
        )
        b = again[name][a.columns]
        pd.testing.assert_frame_equal(a, b, check_exact=True, obj=name)


def test_dates_become_days(tmp_path):
    folder = tmp_path / "dated"
    tables = read_raw_csvs(ck.example_study_path())
    tables["patients"]["infusion_date"] = "2019-03-01"
    events = tables["events"]
    day = events.pop("day").astype(int)
    events["date"] = (pd.Timestamp("2019-03-01") + pd.to_timedelta(day, unit="D")).dt.strftime(
        "%Y-%m-%d"
    )
    write_raw_csvs(tables, folder)
    study = ck.read_study(folder)
    np.testing.assert_array_equal(study["events"]["day"].to_numpy(), day.to_numpy(float))
    assert study["patients"]["infusion_date"].iloc[0] == pd.Timestamp("2019-03-01")


def test_names_and_values_ignore_case_and_variants(tmp_path):
    tables = read_raw_csvs(ck.example_study_path())
    p = tables.pop("patients")
    p = p.rename(columns={"patient_id": "Patient ID", "sex": "SEX"})
    p["sex"] = p.pop("SEX").str.lower()
    p["prior_hsct"] = p["prior_hsct"].map({"yes": "Y", "no": "0"})
    p["prior_cart"] = p["prior_cart"].map({"yes": "TRUE", "no": "false"})
    tables["Patients"] = p
    write_raw_csvs(tables, tmp_path / "s")
    study = ck.read_study(tmp_path / "s")
    ref = ck.read_study(ck.example_study_path())
    pd.testing.assert_frame_equal(study["patients"], ref["patients"], check_like=True)


def test_semicolon_csv_and_blq_text(tmp_path):
    tables = read_raw_csvs(ck.example_study_path())
    k = tables["kinetics"]
    k.loc[k.index[-1], "copies_per_ug"] = "<100"
    k.loc[k.index[-2], "copies_per_ug"] = "BLQ"
    write_raw_csvs(tables, tmp_path / "s")
    (tmp_path / "s" / "kinetics.csv").write_text(k.to_csv(index=False, sep=";"), encoding="utf-8")
    study = ck.read_study(tmp_path / "s")
    kin = study["kinetics"]
    assert kin["copies_per_ug"].iloc[-1] == 0 and bool(kin["blq"].iloc[-1])
    assert kin["copies_per_ug"].iloc[-2] == 0 and bool(kin["blq"].iloc[-2])
    assert kin["blq"].iloc[:-2].isna().all()


def test_hostile_strings_stay_inert_in_xlsx(example, tmp_path):
    tables = dict(example.tables)
    med = tables["medications"].copy()
    med.loc[0, "detail"] = '=HYPERLINK("http://x","click")'
    med.loc[1, "detail"] = "+1+2"
    med.loc[2, "detail"] = "@SUM(A1)"
    med.loc[3, "detail"] = "-3"
    tables["medications"] = med
    study = ck.Study(tables)
    path = study.write(tmp_path / "h.xlsx", "xlsx")[0]
    ws = openpyxl.load_workbook(path)["medications"]
    col = [c.value for c in ws[1]].index("detail") + 1
    cells = [ws.cell(row=r, column=col) for r in range(2, 6)]
    assert all(c.data_type == "s" for c in cells)
    assert [c.value for c in cells] == ['=HYPERLINK("http://x","click")', "+1+2", "@SUM(A1)", "-3"]
    back = ck.read_study(path)
    assert back["medications"]["detail"].iloc[:4].tolist() == med["detail"].iloc[:4].tolist()


def test_control_characters_do_not_corrupt_the_workbook(example, tmp_path):
    tables = dict(example.tables)
    med = tables["medications"].copy()
    med.loc[0, "detail"] = "a\x01b\x1fc"
    tables["medications"] = med
    path = ck.Study(tables).write(tmp_path / "c.xlsx", "xlsx")[0]
    ws = openpyxl.load_workbook(path)["medications"]
    col = [c.value for c in ws[1]].index("detail") + 1
    assert ws.cell(row=2, column=col).value == "a\ufffdb\ufffdc"


def test_never_writes_over_an_input(example_dir):
    study = ck.read_study(example_dir)
    before = (example_dir / "patients.csv").read_bytes()
    with pytest.raises(OutputError, match="input files"):
        study.write(example_dir, "csv")
    assert (example_dir / "patients.csv").read_bytes() == before
    assert not list(example_dir.glob(".*part"))


def test_unknown_columns_and_tables_are_carried_with_warnings(tmp_path):
    tables = read_raw_csvs(ck.example_study_path())
    tables["patients"]["weight_kg"] = [str(20 + i) for i in range(8)]
    tables["notes"] = pd.DataFrame({"text": ["hello"]})
    write_raw_csvs(tables, tmp_path / "s")
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        study = ck.read_study(tmp_path / "s")
    assert any(issubclass(w.category, ck.DataQualityWarning) for w in caught)
    assert study["patients"]["weight_kg"].tolist() == [20.0 + i for i in range(8)]
    assert study["notes"]["text"].tolist() == ["hello"]
    warn = study.metadata["problems"]
    assert set(warn["severity"]) == {"warning"}
    assert {"weight_kg"} <= set(warn["column"].dropna())


def test_numbers_are_read_correctly_rounded(tmp_path):
    # pandas 2's text parser reads "0.004980000000000001" as 0.00498 (one unit in the last
    # place off); every number must read as Python reads it, under pandas 2 and 3 alike
    tables = read_raw_csvs(ck.example_study_path())
    rng = np.random.default_rng(20260101)
    values = rng.uniform(0, 1, 400)
    mrd = tables["mrd"]
    written = [repr(float(v)) for v in values[: len(mrd)]] + ["0.004980000000000001"]
    mrd = pd.concat([mrd, mrd.iloc[[0]]], ignore_index=True).assign(mrd_fraction=written)
    tables["mrd"] = mrd
    kin = tables["kinetics"]
    kin["copies_per_ug"] = [f"{v * 1e4:.17g}" for v in values[: len(kin)]]
    tables["patients"]["weight_kg"] = [f"{20 + v:.19f}" for v in values[-8:]]  # unknown column
    write_raw_csvs(tables, tmp_path / "s")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ck.DataQualityWarning)
        study = ck.read_study(tmp_path / "s")
    assert study["mrd"]["mrd_fraction"].tolist() == [float(v) for v in written]
    assert study["kinetics"]["copies_per_ug"].tolist() == [float(v) for v in kin["copies_per_ug"]]
    weight = tables["patients"]["weight_kg"]
    assert study["patients"]["weight_kg"].tolist() == [float(v) for v in weight]


def test_outputs_are_readable_as_the_umask_allows(example, tmp_path):
    import os

    old = os.umask(0o022)
    try:
        path = ck.Study(dict(example.tables)).write(tmp_path / "u.xlsx", "xlsx")[0]
    finally:
        os.umask(old)
    # mkstemp makes private (0600) files; a written output follows the umask like any other
    assert path.stat().st_mode & 0o777 == 0o644
