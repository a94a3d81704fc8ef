"""Hostile and broken studies, one kind each: how to build them.

Every case starts from a copy of the shipped example study (a folder of csv files) and breaks
one thing. ``tests/unit/test_hostile_files.py`` and ``test_hostile_values.py`` run
``cartkit validate`` on every case and check the exact lines a user gets; run this module to
build them all in a scratch folder and print what each gets:

    python -m tests.hostile /tmp/hostile/cases
"""

from __future__ import annotations

import shutil
import sys
from pathlib import Path

from tests import hostile_files as files
from tests import hostile_values as values

import cartkit as ck

CASES = {
    "utf8_bom": (2, "patients.csv in UTF-8 with a byte-order mark", files.utf8_bom),
    "utf16_excel_unicode_text": (
        2,
        "events.csv as Excel's 'Unicode text' (UTF-16 LE, BOM, tabs)",
        files.utf16_excel_unicode_text,
    ),
    "utf16_big_endian": (2, "events.csv in UTF-16 BE with a BOM", files.utf16_big_endian),
    "utf16_without_bom": (2, "events.csv in UTF-16 LE without a BOM", files.utf16_without_bom),
    "utf32": (2, "events.csv in UTF-32", files.utf32),
    "windows_1252": (2, "patients.csv in Windows-1252 with an accent", files.windows_1252),
    "shift_jis": (2, "medications.csv in Shift-JIS", files.shift_jis),
    "binary_garbage": (2, "labs.csv holding random bytes", files.binary_garbage),
    "workbook_renamed_csv": (
        2,
        "an .xlsx workbook renamed kinetics.csv",
        files.workbook_renamed_csv,
    ),
    "empty_file": (2, "mrd.csv of 0 bytes", files.empty_file),
    "header_only": (2, "marrow.csv with a header and no rows", files.header_only),
    "blank_lines": (2, "events.csv with blank lines before and inside it", files.blank_lines),
    "semicolon_decimal_comma": (
        2,
        "kinetics.csv ';'-separated with decimal commas",
        files.semicolon_decimal_comma,
    ),
    "comma_decimal_in_comma_file": (
        2,
        "a quoted '7,2' in a comma-separated file",
        files.comma_decimal_in_comma_file,
    ),
    "mixed_decimals": (2, "decimal commas and points in one column", files.mixed_decimals),
    "tab_separated": (2, "labs.csv tab-separated", files.tab_separated),
    "ragged_row": (2, "a row of medications.csv with two cells too many", files.ragged_row),
    "unclosed_quote": (2, "a double quote never closed in events.csv", files.unclosed_quote),
    "misnamed_file": (2, "adverse events as AdverseEvent.csv", files.misnamed_file),
    "spaced_name": (2, "adverse events as 'Adverse Events.csv'", files.spaced_name),
    "misnamed_required": (2, "patients as patient.csv", files.misnamed_required),
    "other_files": (2, "notes.txt, an archive, an .xls, OS litter", files.other_files),
    "subfolder": (2, "a folder inside the study folder", files.subfolder),
    "dangling_symlink": (2, "labs.csv a symbolic link to nothing", files.dangling_symlink),
    "symlink_outside": (2, "marrow.csv a symbolic link to /etc/passwd", files.symlink_outside),
    "symlink_inside": (
        2,
        "labs.csv a symbolic link to a file in a subfolder",
        files.symlink_inside,
    ),
    "symlink_loop": (2, "crs.csv a symbolic link to itself", files.symlink_loop),
    "named_pipe": (2, "kinetics.csv a named pipe (reading it would block)", files.named_pipe),
    "csv_and_parquet": (2, "patients.csv and patients.parquet", files.csv_and_parquet),
    "csv_and_xlsx": (2, "patients.csv and patients.xlsx", files.csv_and_xlsx),
    "same_name_other_case": (2, "events.csv and EVENTS.csv", files.same_name_other_case),
    "workbook_without_known_sheet": (
        2,
        "a workbook with sheets Sheet1 and Patient",
        files.workbook_without_known_sheet,
    ),
    "workbook_encrypted": (2, "a password-protected workbook", files.workbook_encrypted),
    "workbook_not_a_zip": (2, "a csv named study.xlsx", files.workbook_not_a_zip),
    "zip_not_a_workbook": (2, "a zip archive named study.xlsx", files.zip_not_a_workbook),
    "xls_study": (2, "an Excel 97-2003 .xls study", files.xls_study),
    "nothing_in_folder": (2, "a folder with no table file", files.nothing_in_folder),
    "too_many_columns": (6, "icans.csv with 608 columns", files.too_many_columns),
    "huge_cell": (6, "a cell of 40,000 characters", files.huge_cell),
    "long_patient_id": (6, "a patient_id of 500 characters", files.long_patient_id),
    "day_1e15": (1, "a last contact on day 10^15", values.day_1e15),
    "copies_1e308": (1, "transgene copies of 1e308", values.copies_1e308),
    "date_1492": (1, "an infusion date in 1492", values.date_1492),
    "event_date_far_future": (1, "an event dated 9999-12-31", values.event_date_far_future),
    "excel_date_as_day": (1, "a day that is an Excel date number", values.excel_date_as_day),
    "dose_in_cells_per_kg": (1, "a dose given in cells/kg", values.dose_in_cells_per_kg),
    "impossible_lab": (1, "an ANC of 5,000,000 ×10^9/L", values.impossible_lab),
    "day_far_before_infusion": (
        1,
        "an MRD sample 13 years before the infusion",
        values.day_far_before_infusion,
    ),
    "hypothermic_day": (1, "a highest temperature of 33.5 °C", values.hypothermic_day),
    "relapse_two_phenotypes": (
        3,
        "one relapse day, two CD19 phenotypes",
        values.relapse_two_phenotypes,
    ),
    "same_relapse_twice": (3, "the same relapse row twice", values.same_relapse_twice),
    "kinetics_key_twice": (3, "one sample day twice with other copies", values.kinetics_key_twice),
    "identical_lab_rows": (3, "a lab row repeated", values.identical_lab_rows),
    "patient_twice": (3, "a patient listed twice", values.patient_twice),
    "unknown_patient_near_miss": (3, "P1 for P01", values.unknown_patient_near_miss),
    "event_after_death": (3, "an HSCT after the death", values.event_after_death),
    "sample_after_death": (3, "a blood sample after the death", values.sample_after_death),
    "second_death": (3, "a second death", values.second_death),
    "terminal_escape_in_id": (
        4,
        "an ANSI escape sequence in a patient id",
        values.terminal_escape_in_id,
    ),
    "bidi_override_in_value": (
        4,
        "a right-to-left override in a drug name",
        values.bidi_override_in_value,
    ),
}


def build(name: str, root: Path, *, trim: bool = False) -> Path:
    """Build the case ``name`` in a new folder under ``root``; return the path to give cartkit.

    ``trim`` removes the optional tables the case left as they were (a faster study to check,
    with the same problems).
    """
    folder = root / name
    example = ck.example_study_path()
    shutil.copytree(example, folder)
    path = CASES[name][2](folder)
    if trim:
        for kept in example.glob("*.csv"):
            copy = folder / kept.name
            if (
                kept.stem not in ("patients", "events")
                and copy.is_file()
                and not (copy.is_symlink())
            ):
                if copy.read_bytes() == kept.read_bytes():
                    copy.unlink()
    return path


def validate(path: Path) -> tuple[int, str]:
    """Exit code and output (stdout then stderr) of ``cartkit validate --all`` on ``path``."""
    import contextlib
    import io
    import warnings

    from cartkit.cli import main as cli

    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            code = cli(["validate", str(path), "--all"])
    return code, out.getvalue() + err.getvalue()


def main(root: str) -> None:
    """Build every case under ``root`` and print what ``cartkit validate`` says of each."""
    out_root = Path(root)
    out_root.mkdir(parents=True, exist_ok=True)
    for name, (point, what, _build) in CASES.items():
        if (out_root / name).exists():
            shutil.rmtree(out_root / name)
        code, output = validate(build(name, out_root))
        print(f"## {name} (point {point}): {what} -> exit {code}")
        print(output)


if __name__ == "__main__":
    main(sys.argv[1] if len(sys.argv) > 1 else "/tmp/hostile/cases")
