"""Limits (issue 15, point 6): whatever a study holds, cartkit reads a bounded amount of it and
says which limit was hit. The limits are lowered here so that small files reach them."""

import re
import zipfile

import pandas as pd
import pytest

import cartkit as ck
from cartkit.cli import main
from cartkit.io import binary, readers, textfile, workbook
from cartkit.schema import problems


def validate(path, capsys):
    code = main(["validate", str(path), "--all"])
    out = capsys.readouterr()
    assert "Traceback" not in out.out + out.err
    return code, out.out + out.err


def test_a_table_with_too_many_rows(example_dir, capsys, monkeypatch):
    for module in (binary, textfile):
        monkeypatch.setattr(module, "MAX_ROWS", 100)
    code, out = validate(example_dir, capsys)
    assert code == 2
    assert (
        "ERROR: labs: labs.csv has more than 100 rows; a table has at most that many (see "
        "docs/data-format.md); a registry this large can be read with --large (up to 10 times "
        "as much, with more memory)"
    ) in out.splitlines()


def test_a_parquet_table_with_too_many_rows_says_its_count_and_the_limit(
    example_dir, tmp_path, capsys, monkeypatch
):
    ck.read_study(example_dir).write(tmp_path / "study", "parquet")
    monkeypatch.setattr(binary, "MAX_ROWS", 100)
    n = len(pd.read_parquet(tmp_path / "study" / "labs.parquet"))
    code, out = validate(tmp_path / "study", capsys)
    assert code == 2 and n > 100
    assert (
        f"ERROR: labs: labs.parquet has {n:,} rows; a table has at most 100 (see "
        "docs/data-format.md); a registry this large can be read with --large (up to 10 times "
        "as much, with more memory)"
    ) in out.splitlines()


def test_a_study_with_too_many_cells(example_dir, capsys, monkeypatch):
    monkeypatch.setattr(readers, "MAX_CELLS", 1000)
    code, out = validate(example_dir, capsys)
    assert code == 2
    assert re.search(
        r"ERROR: \w+: \w+\.csv has more than \d+ rows; the study holds more cells than cartkit "
        r"reads in all \(see docs/data-format.md\)",
        out,
    )


def test_a_file_too_large(example_dir, capsys, monkeypatch):
    monkeypatch.setattr(readers, "MAX_FILE_BYTES", 1000)
    code, out = validate(example_dir, capsys)
    assert code == 2
    size = (example_dir / "labs.csv").stat().st_size
    assert (
        f"ERROR: labs: labs.csv is {size / 1024:,.1f} KB; cartkit reads files of at most "
        "1,000 bytes (see docs/data-format.md); a registry this large can be read with --large "
        "(up to 10 times as much, with more memory)"
    ) in out.splitlines()


@pytest.fixture
def workbook_path(tmp_path):
    return ck.read_study(ck.example_study_path()).write(tmp_path / "study.xlsx", "xlsx")[0]


def test_a_workbook_that_unpacks_too_large(workbook_path, capsys, monkeypatch):
    monkeypatch.setattr(workbook, "MAX_UNPACKED_BYTES", 10_000)
    code, out = validate(workbook_path, capsys)
    assert code == 2
    assert re.fullmatch(
        rf"error: {re.escape(str(workbook_path))} unpacks to [\d.,]+ KB, more than the 9.8 KB "
        r"cartkit reads from a workbook: save its large tables as CSV files in a folder\n",
        out,
    )


def test_a_sheet_with_too_many_rows(workbook_path, capsys, monkeypatch):
    monkeypatch.setattr(workbook, "MAX_ROWS", 100)
    code, out = validate(workbook_path, capsys)
    assert code == 2
    assert (
        "ERROR: labs: sheet 'labs' of study.xlsx has more than 100 rows; a table has at most "
        "that many (see docs/data-format.md); a registry this large can be read with --large "
        "(up to 10 times as much, with more memory)"
    ) in out.splitlines()


def test_a_sheet_claiming_a_huge_size_costs_only_what_it_holds(workbook_path):
    # a tool wrote "A1:XFD1048576" as the sheet's size: 17 billion cells, were it believed
    patched = workbook_path.with_name("claims.xlsx")
    with zipfile.ZipFile(workbook_path) as src, zipfile.ZipFile(patched, "w") as dst:
        for info in src.infolist():
            data = src.read(info.filename)
            if info.filename.startswith("xl/worksheets/"):
                data = re.sub(rb'<dimension ref="[^"]*"', b'<dimension ref="A1:XFD1048576"', data)
                if b"<dimension" not in data:
                    data = data.replace(
                        b"<sheetData", b'<dimension ref="A1:XFD1048576"/><sheetData'
                    )
            dst.writestr(info, data)
    study = ck.read_study(patched)
    pd.testing.assert_frame_equal(study["labs"], ck.read_study(workbook_path)["labs"])


def test_problems_beyond_the_limit_are_counted(example_dir, capsys, monkeypatch):
    monkeypatch.setattr(problems, "MAX_PER_TABLE", 5)
    labs = pd.read_csv(example_dir / "labs.csv", dtype=str)
    labs["value"] = "high"
    labs.to_csv(example_dir / "labs.csv", index=False)
    report = ck.validate_study(example_dir)
    listed = report.errors[report.errors["table"] == "labs"]
    assert len(listed) == 6
    assert listed["message"].iloc[-1] == (
        f"... and {len(labs) - 5:,} more error(s) in this table, not listed: cartkit lists at "
        "most 5 problems per table; fix those first"
    )


def test_the_error_of_a_broken_study_lists_at_most_50_problems(example_dir):
    labs = pd.read_csv(example_dir / "labs.csv", dtype=str)
    labs["value"] = "high"
    labs.to_csv(example_dir / "labs.csv", index=False)
    with pytest.raises(ck.StudyValidationError) as info:
        ck.read_study(example_dir)
    lines = str(info.value).splitlines()
    assert len(lines) == 52
    assert lines[-1] == (
        f"  ... and {len(labs) - 50} more; `cartkit validate --all` lists them all"
    )


def test_a_folder_with_too_many_entries_is_not_listed_whole(example_dir, capsys, monkeypatch):
    from cartkit.io import folder

    monkeypatch.setattr(folder, "MAX_FOLDER_ENTRIES", 20)
    for i in range(15):
        (example_dir / f"note{i}.txt").write_text("x")
    code, out = validate(example_dir, capsys)
    assert code == 2
    assert out == (
        f"error: {example_dir} holds more than 20 files and folders; a study folder holds one "
        "file per table. Is this the study folder?\n"
    )
