"""Builders of hostile study files (issue 15, points 2 and 6), for tests/hostile.py."""

from __future__ import annotations

import codecs
import os
import shutil
import zipfile
from pathlib import Path

import pandas as pd


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
