"""Files as they come (issue 15, points 2 and 6): each broken or unusual file gets one line
naming it, or is read as it should be. The cases are built by tests/hostile.py."""

import os

import pytest
from tests.hostile import build, validate

#: case -> (exit code, lines the user must get, whole; {folder} is the case's folder)
EXPECTED = {
    # patients.csv in UTF-8 with a byte-order mark
    "utf8_bom": (
        0,
        ("{folder}: valid (0 error(s), 0 warning(s))",),
    ),
    # events.csv as Excel's 'Unicode text' (UTF-16 LE, BOM, tabs)
    "utf16_excel_unicode_text": (
        0,
        ("{folder}: valid (0 error(s), 0 warning(s))",),
    ),
    # events.csv in UTF-16 BE with a BOM
    "utf16_big_endian": (
        0,
        ("{folder}: valid (0 error(s), 0 warning(s))",),
    ),
    # events.csv in UTF-16 LE without a BOM
    "utf16_without_bom": (
        2,
        (
            (
                "ERROR: events: events.csv looks like UTF-16 text without a byte-order mark, "
                "which cannot be read reliably: save it as CSV UTF-8 (Excel: File > Save As > "
                "'CSV UTF-8')"
            ),
        ),
    ),
    # events.csv in UTF-32
    "utf32": (
        2,
        (
            (
                "ERROR: events: events.csv is UTF-32 text, which cartkit does not read: save it "
                "as CSV UTF-8 (Excel: File > Save As > 'CSV UTF-8')"
            ),
        ),
    ),
    # patients.csv in Windows-1252 with an accent
    "windows_1252": (
        0,
        (
            (
                "WARNING: patients: the file is not UTF-8; it was read as Windows-1252 "
                "(Latin-1), as Excel's plain 'CSV' writes it. Save it as UTF-8 (Excel: 'CSV "
                "UTF-8') so that names with accents are read right"
            ),
        ),
    ),
    # medications.csv in Shift-JIS
    "shift_jis": (
        2,
        (
            (
                "ERROR: medications: medications.csv is not UTF-8, and reads as Japanese, "
                "Chinese or Korean text (Shift-JIS, GBK, Big5 or EUC-KR) rather than "
                "Windows-1252 (Latin-1): save it as CSV UTF-8 (Excel: File > Save As > 'CSV "
                "UTF-8')"
            ),
        ),
    ),
    # labs.csv holding random bytes
    "binary_garbage": (
        2,
        (
            (
                "ERROR: labs: labs.csv is not a text file (it holds NUL bytes, as binary files "
                "do): save it as CSV UTF-8 (Excel: File > Save As > 'CSV UTF-8')"
            ),
        ),
    ),
    # an .xlsx workbook renamed kinetics.csv
    "workbook_renamed_csv": (
        2,
        (
            (
                "ERROR: kinetics: kinetics.csv is a zip archive, not CSV text (an .xlsx "
                "workbook renamed, or a compressed file?): give a workbook itself as the study, "
                "or save it as CSV UTF-8 (Excel: File > Save As > 'CSV UTF-8')"
            ),
        ),
    ),
    # mrd.csv of 0 bytes
    "empty_file": (
        2,
        (
            (
                "ERROR: mrd: mrd.csv is empty: it has no header row. Export the table again, "
                "with its column names in the first row"
            ),
        ),
    ),
    # marrow.csv with a header and no rows
    "header_only": (
        0,
        ("WARNING: marrow: table is empty",),
    ),
    # events.csv with blank lines before and inside it
    "blank_lines": (
        2,
        ("ERROR: events, row 10, column day, patient P02: 'abc' is not a finite number",),
    ),
    # kinetics.csv ';'-separated with decimal commas
    "semicolon_decimal_comma": (
        0,
        (
            (
                "WARNING: kinetics, column copies_per_ug: 2 value(s) written with a decimal "
                "comma were read as decimals (e.g. '12400,5' as 12400.5), as the file is not "
                "comma-separated"
            ),
        ),
    ),
    # a quoted '7,2' in a comma-separated file
    "comma_decimal_in_comma_file": (
        2,
        (
            (
                "ERROR: patients, row 2, column age_years, patient P01: '7,2' is not a finite "
                "number; if ',' is a decimal comma, write a point (7.2), as the file is "
                "comma-separated"
            ),
        ),
    ),
    # decimal commas and points in one column
    "mixed_decimals": (
        2,
        (
            (
                "ERROR: kinetics, row 3, column copies_per_ug, patient P01: '12400,5' is not a "
                "finite number; this column mixes decimal commas and decimal points (e.g. "
                "'38200.25'), so neither can be trusted: use one kind"
            ),
        ),
    ),
    # labs.csv tab-separated
    "tab_separated": (
        0,
        ("{folder}: valid (0 error(s), 0 warning(s))",),
    ),
    # a row of medications.csv with two cells too many
    "ragged_row": (
        2,
        (
            (
                "ERROR: medications: medications.csv row 4 has 6 cells but the header row has 4 "
                "(a cell with ',' inside must be in double quotes); remove the extra cells or "
                "name their column in the header"
            ),
        ),
    ),
    # a double quote never closed in events.csv
    "unclosed_quote": (
        2,
        (
            (
                'ERROR: events: events.csv has a double quote (") opened in row 5 that is never '
                'closed; close it, or write a quote inside a cell as ""'
            ),
        ),
    ),
    # adverse events as AdverseEvent.csv
    "misnamed_file": (
        0,
        (
            (
                "WARNING: adverseevent: unknown table 'adverseevent' (AdverseEvent.csv) is "
                "carried through but not analysed: did you mean adverse_events? Then rename the "
                "file to adverse_events.csv"
            ),
        ),
    ),
    # adverse events as 'Adverse Events.csv'
    "spaced_name": (
        0,
        ("{folder}: valid (0 error(s), 0 warning(s))",),
    ),
    # patients as patient.csv
    "misnamed_required": (
        2,
        (
            (
                "ERROR: patients: required table 'patients' is missing (a patients.csv file or "
                "a sheet named patients); patient.csv looks like it: rename it"
            ),
            (
                "WARNING: patient: unknown table 'patient' (patient.csv) is carried through but "
                "not analysed: did you mean patients? Then rename the file to patients.csv"
            ),
        ),
    ),
    # notes.txt, an archive, an .xls, OS litter
    "other_files": (
        0,
        (
            (
                "WARNING: archive.zip: archive.zip is not read: an archive: unpack its files "
                "into the study folder"
            ),
            (
                "WARNING: notes.txt: notes.txt is not read: if it is a table, name it with .csv "
                "(tab- and semicolon-separated files are read too)"
            ),
            (
                "WARNING: old.xls: old.xls is not read: a spreadsheet in a format cartkit does "
                "not read: save each sheet as CSV UTF-8, or the workbook as .xlsx and give the "
                "workbook itself as the study"
            ),
        ),
    ),
    # a folder inside the study folder
    "subfolder": (
        0,
        (
            (
                "WARNING: backup: folder backup is not read: a study's tables are the files in "
                "the study folder itself"
            ),
        ),
    ),
    # labs.csv a symbolic link to nothing
    "dangling_symlink": (
        2,
        (
            (
                "ERROR: labs: labs.csv is a symbolic link to /nonexistent/labs.csv, which does "
                "not exist; put the file itself in the study folder"
            ),
        ),
    ),
    # marrow.csv a symbolic link to /etc/passwd
    "symlink_outside": (
        2,
        (
            (
                "ERROR: marrow: marrow.csv is a symbolic link to /etc/passwd, outside the study "
                "folder; cartkit reads only the files inside it: copy the file into the folder"
            ),
        ),
    ),
    # labs.csv a symbolic link to a file in a subfolder
    "symlink_inside": (
        0,
        (
            (
                "WARNING: versions: folder versions is not read: a study's tables are the files "
                "in the study folder itself"
            ),
        ),
    ),
    # crs.csv a symbolic link to itself
    "symlink_loop": (
        2,
        (
            (
                "ERROR: crs: crs.csv is a symbolic link that cannot be followed (it loops); put "
                "the file itself in the study folder"
            ),
        ),
    ),
    # kinetics.csv a named pipe (reading it would block)
    "named_pipe": (
        2,
        (
            (
                "ERROR: kinetics: kinetics.csv is not a regular file (it is a named pipe) and "
                "is not read"
            ),
        ),
    ),
    # patients.csv and patients.parquet
    "csv_and_parquet": (
        2,
        (
            (
                "ERROR: patients: table 'patients' is given twice, in patients.csv and "
                "patients.parquet; keep one (the second is not read)"
            ),
        ),
    ),
    # patients.csv and patients.xlsx
    "csv_and_xlsx": (
        0,
        (
            (
                "WARNING: patients: workbook patients.xlsx inside a study folder is not read; "
                "patients is read from patients.csv"
            ),
        ),
    ),
    # events.csv and EVENTS.csv
    "same_name_other_case": (
        2,
        (
            (
                "ERROR: events: table 'events' is given twice, in EVENTS.csv and events.csv; "
                "keep one (the second is not read)"
            ),
        ),
    ),
    # a workbook with sheets Sheet1 and Patient
    "workbook_without_known_sheet": (
        2,
        (
            (
                "ERROR: study.xlsx: no sheet of study.xlsx is named like a table of the study "
                "format (its sheets: 'Sheet1', 'Patient'); name each sheet after its table: "
                "patients, events, kinetics, ... (rename 'Patient' for patients)"
            ),
        ),
    ),
    # a password-protected workbook
    "workbook_encrypted": (
        2,
        (
            (
                "error: {folder}/study.xlsx is a password-protected workbook or an Excel "
                "97-2003 (.xls) file: save an unprotected copy as .xlsx (Excel Workbook)"
            ),
        ),
    ),
    # a csv named study.xlsx
    "workbook_not_a_zip": (
        2,
        (
            (
                "error: {folder}/study.xlsx is not an .xlsx workbook (it is not a zip archive): "
                "is it damaged, or another kind of file named .xlsx?"
            ),
        ),
    ),
    # a zip archive named study.xlsx
    "zip_not_a_workbook": (
        2,
        (
            (
                "error: {folder}/study.xlsx is a zip archive but not an Excel workbook (no "
                "xl/workbook.xml in it)"
            ),
        ),
    ),
    # an Excel 97-2003 .xls study
    "xls_study": (
        2,
        (
            (
                "error: {folder}/study.xls: a study is a folder of table files or one .xlsx "
                "workbook; an Excel 97-2003 workbook: save it as .xlsx (Excel Workbook)"
            ),
        ),
    ),
    # a folder with no table file
    "nothing_in_folder": (
        2,
        (
            (
                "error: {folder}: no table files found (expected patients.csv, events.csv, ... "
                "or .parquet/.xpt/.sas7bdat/.sav files)"
            ),
        ),
    ),
    # icans.csv with 608 columns
    "too_many_columns": (
        2,
        (
            (
                "ERROR: icans: icans.csv has 608 columns in its header row; a table has at most "
                "500. Is it the right file, and is the separator ','?"
            ),
        ),
    ),
    # a cell of 40,000 characters
    "huge_cell": (
        2,
        (
            (
                "ERROR: medications, row 2, column detail: cell has 40,000 characters; a cell "
                "holds at most 32,767 (Excel's limit): is the file's separator right?"
            ),
        ),
    ),
    # a patient_id of 500 characters
    "long_patient_id": (
        2,
        (
            (
                "ERROR: kinetics, row 2, column patient_id: is 500 characters long; a "
                "patient_id has at most 100 (is the file's separator right?)"
            ),
            (
                "ERROR: kinetics, row 2, column patient_id, patient "
                "PPPPPPPPPPPPPPPPPPPPPPPPPPPPPPPPPPPPPPP…: patient "
                "'PPPPPPPPPPPPPPPPPPPPPPPPPPPPPPPPPPPP... is not in the patients table; add the "
                "patient to patients or fix the id"
            ),
        ),
    ),
}


#: the cases the default run checks (one or two of each kind); the others are marked slow
FAST = {
    "binary_garbage",
    "comma_decimal_in_comma_file",
    "csv_and_xlsx",
    "empty_file",
    "huge_cell",
    "misnamed_file",
    "named_pipe",
    "ragged_row",
    "semicolon_decimal_comma",
    "shift_jis",
    "symlink_outside",
    "utf16_excel_unicode_text",
    "windows_1252",
    "workbook_without_known_sheet",
}


@pytest.mark.skipif(os.name != "posix", reason="symbolic links and named pipes are POSIX")
@pytest.mark.parametrize(
    "name", [n if n in FAST else pytest.param(n, marks=pytest.mark.slow) for n in EXPECTED]
)
def test_what_the_user_gets(tmp_path, name):
    code, output = validate(build(name, tmp_path, trim=True))
    want_code, lines = EXPECTED[name]
    got = output.splitlines()
    assert "Traceback" not in output
    assert code == want_code, output
    for line in lines:
        assert line.replace("{folder}", str(tmp_path / name)) in got, output
