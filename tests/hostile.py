"""Hostile and broken studies, one kind each: how to build them.

Every case starts from a copy of the shipped example study (a folder of csv files) and breaks
one thing. ``tests/unit/test_hostile_files.py`` and ``test_hostile_values.py`` run
``cartkit validate`` on every case and check the exact lines a user gets; run this module to
build them all in a scratch folder and print what each gets:

    python -m tests.hostile /tmp/hostile/cases
"""

from __future__ import annotations

import codecs
import os
import shutil
import sys
import zipfile
from pathlib import Path

import pandas as pd

import cartkit as ck


def raw(folder: Path, table: str) -> pd.DataFrame:
    return pd.read_csv(folder / f"{table}.csv", dtype=str, keep_default_na=False)


def put(folder: Path, table: str, df: pd.DataFrame, **kw) -> None:
    df.to_csv(folder / f"{table}.csv", index=False, **kw)


def set_cell(folder: Path, table: str, row: int, column: str, value: str) -> Path:
    """Set the cell at file row ``row`` (header = row 1)."""
    df = raw(folder, table)
    df.loc[row - 2, column] = value
    put(folder, table, df)
    return folder


def text(folder: Path, table: str) -> str:
    return (folder / f"{table}.csv").read_text(encoding="utf-8")


def write_bytes(folder: Path, table: str, data: bytes) -> Path:
    (folder / f"{table}.csv").write_bytes(data)
    return folder


# -- point 2: files as they come -------------------------------------------------------------


def utf8_bom(f):
    return write_bytes(f, "patients", codecs.BOM_UTF8 + text(f, "patients").encode())


def utf16_excel_unicode_text(f):
    # Excel's "Unicode text": UTF-16 little-endian with a byte-order mark, tab-separated
    tabbed = raw(f, "events").to_csv(index=False, sep="\t")
    return write_bytes(f, "events", tabbed.encode("utf-16"))


def utf16_big_endian(f):
    return write_bytes(f, "events", codecs.BOM_UTF16_BE + text(f, "events").encode("utf-16-be"))


def utf16_without_bom(f):
    return write_bytes(f, "events", text(f, "events").encode("utf-16-le"))


def utf32(f):
    return write_bytes(f, "events", text(f, "events").encode("utf-32"))


def windows_1252(f):
    df = raw(f, "patients")
    df.loc[0, "genetic_lesions"] = "ETV6::RUNX1;délétion"
    return write_bytes(f, "patients", df.to_csv(index=False).encode("cp1252"))


def shift_jis(f):
    df = raw(f, "medications")
    df.loc[0, "detail"] = "トシリズマブ"
    return write_bytes(f, "medications", df.to_csv(index=False).encode("shift_jis"))


def binary_garbage(f):
    return write_bytes(f, "labs", bytes(range(256)) * 40)


def _workbook(path: Path, sheets: dict[str, pd.DataFrame]) -> None:
    from openpyxl import Workbook

    wb = Workbook()
    wb.remove(wb.active)
    for title, df in sheets.items():
        ws = wb.create_sheet(title)
        ws.append(list(df.columns))
        for row in df.itertuples(index=False):
            ws.append(list(row))
    wb.save(path)


def workbook_renamed_csv(f):
    _workbook(f / "kinetics.csv", {"kinetics": raw(f, "kinetics")})
    return f


def empty_file(f):
    return write_bytes(f, "mrd", b"")


def header_only(f):
    return write_bytes(f, "marrow", b"patient_id,day,blasts_pct,extramedullary\n")


def blank_lines(f):
    lines = text(f, "events").splitlines()
    lines[5] = "P02,abc,death,relapse"  # file row 6
    lines.insert(3, "")
    lines.insert(3, ",,,")
    (f / "events.csv").write_text("\n\n" + "\n".join(lines) + "\n\n", encoding="utf-8")
    return f


def semicolon_decimal_comma(f):
    df = raw(f, "kinetics")
    df.loc[1, "copies_per_ug"] = "12400,5"
    df.loc[2, "copies_per_ug"] = "38200,25"
    (f / "kinetics.csv").write_text(df.to_csv(index=False, sep=";"), encoding="utf-8")
    return f


def comma_decimal_in_comma_file(f):
    return set_cell(f, "patients", 2, "age_years", "7,2")


def mixed_decimals(f):
    df = raw(f, "kinetics")
    df.loc[1, "copies_per_ug"] = "12400,5"
    df.loc[2, "copies_per_ug"] = "38200.25"
    (f / "kinetics.csv").write_text(df.to_csv(index=False, sep=";"), encoding="utf-8")
    return f


def tab_separated(f):
    (f / "labs.csv").write_text(raw(f, "labs").to_csv(index=False, sep="\t"), encoding="utf-8")
    return f


def ragged_row(f):
    lines = text(f, "medications").splitlines()
    lines[3] += ",100 mg,iv"
    (f / "medications.csv").write_text("\n".join(lines) + "\n", encoding="utf-8")
    return f


def unclosed_quote(f):
    lines = text(f, "events").splitlines()
    lines[4] = 'P02,158,new_therapy,"inotuzumab'
    (f / "events.csv").write_text("\n".join(lines) + "\n", encoding="utf-8")
    return f


def misnamed_file(f):
    (f / "adverse_events.csv").rename(f / "AdverseEvent.csv")
    return f


def spaced_name(f):
    (f / "adverse_events.csv").rename(f / "Adverse Events.csv")
    return f


def misnamed_required(f):
    (f / "patients.csv").rename(f / "patient.csv")
    return f


def other_files(f):
    (f / "notes.txt").write_text("to do")
    (f / "archive.zip").write_bytes(b"PK\x05\x06" + bytes(18))
    (f / "old.xls").write_bytes(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1")
    (f / ".DS_Store").write_bytes(b"\x00\x00")
    (f / "~$study.xlsx").write_bytes(b"lock")
    return f


def subfolder(f):
    (f / "backup").mkdir()
    shutil.copy(f / "labs.csv", f / "backup" / "labs.csv")
    return f


def dangling_symlink(f):
    (f / "labs.csv").unlink()
    os.symlink("/nonexistent/labs.csv", f / "labs.csv")
    return f


def symlink_outside(f):
    (f / "marrow.csv").unlink()
    os.symlink("/etc/passwd", f / "marrow.csv")
    return f


def symlink_inside(f):
    (f / "versions").mkdir()
    (f / "labs.csv").rename(f / "versions" / "labs_v2.csv")
    os.symlink(Path("versions") / "labs_v2.csv", f / "labs.csv")
    return f


def symlink_loop(f):
    (f / "crs.csv").unlink()
    os.symlink("crs.csv", f / "crs.csv")
    return f


def named_pipe(f):
    (f / "kinetics.csv").unlink()
    os.mkfifo(f / "kinetics.csv")
    return f


def csv_and_parquet(f):
    raw(f, "patients").to_parquet(f / "patients.parquet")
    return f


def csv_and_xlsx(f):
    _workbook(f / "patients.xlsx", {"patients": raw(f, "patients")})
    return f


def same_name_other_case(f):
    shutil.copy(f / "events.csv", f / "EVENTS.csv")
    return f


def workbook_without_known_sheet(f):
    sheets = {"Sheet1": pd.DataFrame({"patient_id": ["P01"]}), "Patient": pd.DataFrame()}
    _workbook(f / "study.xlsx", sheets)
    return f / "study.xlsx"


def workbook_encrypted(f):
    (f / "study.xlsx").write_bytes(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + bytes(504))
    return f / "study.xlsx"


def workbook_not_a_zip(f):
    (f / "study.xlsx").write_text("patient_id,sex\nP01,F\n")
    return f / "study.xlsx"


def zip_not_a_workbook(f):
    with zipfile.ZipFile(f / "study.xlsx", "w") as z:
        z.writestr("hello.txt", "hi")
    return f / "study.xlsx"


def xls_study(f):
    (f / "study.xls").write_bytes(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + bytes(504))
    return f / "study.xls"


def too_many_columns(f):
    df = raw(f, "icans")
    extra = pd.DataFrame("", index=df.index, columns=[f"extra_{k}" for k in range(600)])
    put(f, "icans", pd.concat([df, extra], axis=1))
    return f


def huge_cell(f):
    return set_cell(f, "medications", 2, "detail", "x" * 40_000)


def long_patient_id(f):
    return set_cell(f, "kinetics", 2, "patient_id", "P" * 500)


def nothing_in_folder(f):
    for p in f.iterdir():
        p.unlink()
    (f / "readme.md").write_text("data will follow")
    return f


# -- point 1: plausible values ---------------------------------------------------------------


def day_1e15(f):
    return set_cell(f, "events", 3, "day", "1000000000000000")


def copies_1e308(f):
    return set_cell(f, "kinetics", 3, "copies_per_ug", "1e308")


def date_1492(f):
    df = raw(f, "patients")
    df["infusion_date"] = "2019-03-01"
    df.loc[2, "infusion_date"] = "1492-10-12"
    put(f, "patients", df)
    return f


def event_date_far_future(f):
    df = raw(f, "patients")
    df["infusion_date"] = "2019-03-01"
    put(f, "patients", df)
    ev = raw(f, "events")
    ev["date"] = (
        pd.Timestamp("2019-03-01") + pd.to_timedelta(ev.pop("day").astype(int), unit="D")
    ).dt.strftime("%Y-%m-%d")
    ev.loc[1, "date"] = "9999-12-31"
    put(f, "events", ev)
    return f


def excel_date_as_day(f):
    return set_cell(f, "kinetics", 2, "day", "43831")


def dose_in_cells_per_kg(f):
    return set_cell(f, "patients", 5, "cart_dose_e6_per_kg", "3500000")


def impossible_lab(f):
    df = raw(f, "labs")
    df.loc[0, "value"] = "5000000"
    put(f, "labs", df)
    return f


def day_far_before_infusion(f):
    return set_cell(f, "mrd", 2, "day", "-5000")


def hypothermic_day(f):
    return set_cell(f, "crs", 2, "temp_max_c", "33.5")


# -- point 3: contradictions -----------------------------------------------------------------


def relapse_two_phenotypes(f):
    ev = raw(f, "events")
    row = {"patient_id": "P02", "day": "150", "event": "relapse", "detail": "cd19_positive"}
    put(f, "events", pd.concat([ev, pd.DataFrame([row])], ignore_index=True))
    return f


def same_relapse_twice(f):
    ev = raw(f, "events")
    put(f, "events", pd.concat([ev, ev.iloc[[2]]], ignore_index=True))
    return f


def kinetics_key_twice(f):
    k = raw(f, "kinetics")
    again = k.iloc[[1]].assign(copies_per_ug="999")
    put(f, "kinetics", pd.concat([k, again], ignore_index=True))
    return f


def identical_lab_rows(f):
    labs = raw(f, "labs")
    put(f, "labs", pd.concat([labs, labs.iloc[[0]]], ignore_index=True))
    return f


def patient_twice(f):
    p = raw(f, "patients")
    put(f, "patients", pd.concat([p, p.iloc[[3]]], ignore_index=True))
    return f


def unknown_patient_near_miss(f):
    return set_cell(f, "mrd", 2, "patient_id", "P1")


def event_after_death(f):
    ev = raw(f, "events")
    row = {"patient_id": "P04", "day": "300", "event": "hsct", "detail": ""}
    put(f, "events", pd.concat([ev, pd.DataFrame([row])], ignore_index=True))
    return f


def sample_after_death(f):
    k = raw(f, "kinetics")
    row = {"patient_id": "P05", "day": "300", "copies_per_ug": "0", "lloq": "100"}
    put(f, "kinetics", pd.concat([k, pd.DataFrame([row])], ignore_index=True))
    return f


def second_death(f):
    ev = raw(f, "events")
    row = {"patient_id": "P04", "day": "296", "event": "death", "detail": "infection"}
    put(f, "events", pd.concat([ev, pd.DataFrame([row])], ignore_index=True))
    return f


# -- point 4: what reaches the terminal ------------------------------------------------------


def terminal_escape_in_id(f):
    for table in (p.stem for p in f.glob("*.csv")):
        df = raw(f, table)
        df["patient_id"] = df["patient_id"].replace("P08", "P08\x1b[2J\x1b[31m")
        put(f, table, df)
    return f


def bidi_override_in_value(f):
    return set_cell(f, "medications", 2, "drug", "tocilizumab\u202e")


#: every hostile input: name -> (point of issue 15, what it is, how to build it)
CASES = {
    "utf8_bom": (2, "patients.csv in UTF-8 with a byte-order mark", utf8_bom),
    "utf16_excel_unicode_text": (
        2,
        "events.csv as Excel's 'Unicode text' (UTF-16 LE, BOM, tabs)",
        utf16_excel_unicode_text,
    ),
    "utf16_big_endian": (2, "events.csv in UTF-16 BE with a BOM", utf16_big_endian),
    "utf16_without_bom": (2, "events.csv in UTF-16 LE without a BOM", utf16_without_bom),
    "utf32": (2, "events.csv in UTF-32", utf32),
    "windows_1252": (2, "patients.csv in Windows-1252 with an accent", windows_1252),
    "shift_jis": (2, "medications.csv in Shift-JIS", shift_jis),
    "binary_garbage": (2, "labs.csv holding random bytes", binary_garbage),
    "workbook_renamed_csv": (2, "an .xlsx workbook renamed kinetics.csv", workbook_renamed_csv),
    "empty_file": (2, "mrd.csv of 0 bytes", empty_file),
    "header_only": (2, "marrow.csv with a header and no rows", header_only),
    "blank_lines": (2, "events.csv with blank lines before and inside it", blank_lines),
    "semicolon_decimal_comma": (
        2,
        "kinetics.csv ';'-separated with decimal commas",
        semicolon_decimal_comma,
    ),
    "comma_decimal_in_comma_file": (
        2,
        "a quoted '7,2' in a comma-separated file",
        comma_decimal_in_comma_file,
    ),
    "mixed_decimals": (2, "decimal commas and points in one column", mixed_decimals),
    "tab_separated": (2, "labs.csv tab-separated", tab_separated),
    "ragged_row": (2, "a row of medications.csv with two cells too many", ragged_row),
    "unclosed_quote": (2, "a double quote never closed in events.csv", unclosed_quote),
    "misnamed_file": (2, "adverse events as AdverseEvent.csv", misnamed_file),
    "spaced_name": (2, "adverse events as 'Adverse Events.csv'", spaced_name),
    "misnamed_required": (2, "patients as patient.csv", misnamed_required),
    "other_files": (2, "notes.txt, an archive, an .xls, OS litter", other_files),
    "subfolder": (2, "a folder inside the study folder", subfolder),
    "dangling_symlink": (2, "labs.csv a symbolic link to nothing", dangling_symlink),
    "symlink_outside": (2, "marrow.csv a symbolic link to /etc/passwd", symlink_outside),
    "symlink_inside": (2, "labs.csv a symbolic link to a file in a subfolder", symlink_inside),
    "symlink_loop": (2, "crs.csv a symbolic link to itself", symlink_loop),
    "named_pipe": (2, "kinetics.csv a named pipe (reading it would block)", named_pipe),
    "csv_and_parquet": (2, "patients.csv and patients.parquet", csv_and_parquet),
    "csv_and_xlsx": (2, "patients.csv and patients.xlsx", csv_and_xlsx),
    "same_name_other_case": (2, "events.csv and EVENTS.csv", same_name_other_case),
    "workbook_without_known_sheet": (
        2,
        "a workbook with sheets Sheet1 and Patient",
        workbook_without_known_sheet,
    ),
    "workbook_encrypted": (2, "a password-protected workbook", workbook_encrypted),
    "workbook_not_a_zip": (2, "a csv named study.xlsx", workbook_not_a_zip),
    "zip_not_a_workbook": (2, "a zip archive named study.xlsx", zip_not_a_workbook),
    "xls_study": (2, "an Excel 97-2003 .xls study", xls_study),
    "nothing_in_folder": (2, "a folder with no table file", nothing_in_folder),
    "too_many_columns": (6, "icans.csv with 608 columns", too_many_columns),
    "huge_cell": (6, "a cell of 40,000 characters", huge_cell),
    "long_patient_id": (6, "a patient_id of 500 characters", long_patient_id),
    "day_1e15": (1, "a last contact on day 10^15", day_1e15),
    "copies_1e308": (1, "transgene copies of 1e308", copies_1e308),
    "date_1492": (1, "an infusion date in 1492", date_1492),
    "event_date_far_future": (1, "an event dated 9999-12-31", event_date_far_future),
    "excel_date_as_day": (1, "a day that is an Excel date number", excel_date_as_day),
    "dose_in_cells_per_kg": (1, "a dose given in cells/kg", dose_in_cells_per_kg),
    "impossible_lab": (1, "an ANC of 5,000,000 ×10^9/L", impossible_lab),
    "day_far_before_infusion": (
        1,
        "an MRD sample 13 years before the infusion",
        day_far_before_infusion,
    ),
    "hypothermic_day": (1, "a highest temperature of 33.5 °C", hypothermic_day),
    "relapse_two_phenotypes": (3, "one relapse day, two CD19 phenotypes", relapse_two_phenotypes),
    "same_relapse_twice": (3, "the same relapse row twice", same_relapse_twice),
    "kinetics_key_twice": (3, "one sample day twice with other copies", kinetics_key_twice),
    "identical_lab_rows": (3, "a lab row repeated", identical_lab_rows),
    "patient_twice": (3, "a patient listed twice", patient_twice),
    "unknown_patient_near_miss": (3, "P1 for P01", unknown_patient_near_miss),
    "event_after_death": (3, "an HSCT after the death", event_after_death),
    "sample_after_death": (3, "a blood sample after the death", sample_after_death),
    "second_death": (3, "a second death", second_death),
    "terminal_escape_in_id": (4, "an ANSI escape sequence in a patient id", terminal_escape_in_id),
    "bidi_override_in_value": (
        4,
        "a right-to-left override in a drug name",
        bidi_override_in_value,
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
