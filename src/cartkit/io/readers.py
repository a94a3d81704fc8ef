"""Read a study's tables from disk, as they are: no type conversion, no interpretation.

A study is a folder with one file per table (csv, parquet, xpt, sas7bdat, sav), or one ``.xlsx``
workbook with one sheet per table. Table and column names are matched ignoring case.
"""

from __future__ import annotations

import csv
import hashlib
import io
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from ..errors import CartkitError

__all__ = ["RawStudy", "RawTable", "read_raw_study"]

#: extensions read as one table each, with the reader that handles them
TABLE_EXTENSIONS = (".csv", ".parquet", ".xpt", ".sas7bdat", ".sav")
WORKBOOK_EXTENSIONS = (".xlsx", ".xlsm")
#: cell texts read as empty
NA_STRINGS = ["", "NA", "N/A", "n/a", "NaN", "nan", "NULL", "null", "None", "."]


@dataclass(frozen=True)
class RawTable:
    """A table exactly as read, with where it came from.

    ``first_row`` is the row number, as the user sees it, of the table's first data row: 2 for
    csv and xlsx (the header is row 1), 1 for formats without a header line (parquet, SAS, SPSS).
    """

    name: str
    data: pd.DataFrame
    file: str
    sheet: str | None = None
    first_row: int = 2

    def row_number(self, position: int) -> int:
        """Row number in the user's file of the data row at 0-based ``position``."""
        return self.first_row + int(position)


@dataclass(frozen=True)
class RawStudy:
    """The tables of a study as read, the files they came from and their SHA-256 hashes."""

    tables: dict[str, RawTable]
    source: str
    files: dict[str, str] = field(default_factory=dict)
    problems: list[dict] = field(default_factory=list)


class StudyReadError(CartkitError, OSError):
    """The study could not be read at all (missing path, unreadable or ambiguous files)."""


def file_hash(path: str | Path) -> str:
    """SHA-256 of a file's bytes, for provenance."""
    h = hashlib.sha256()
    with open(path, "rb") as fh:
        for chunk in iter(lambda: fh.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


def _read_text(path: Path) -> tuple[str, str | None]:
    raw = path.read_bytes()
    try:
        return raw.decode("utf-8-sig"), None
    except UnicodeDecodeError:
        return raw.decode("cp1252", errors="replace"), (
            "the file is not UTF-8; it was read as Windows-1252. Save it as UTF-8 (Excel: "
            "'CSV UTF-8') so that names with accents are read right"
        )


def _read_csv(path: Path) -> tuple[pd.DataFrame, str | None]:
    text, note = _read_text(path)
    first = text.split("\n", 1)[0]
    # European Excel writes ';'-separated CSV; a header with ';' and no ',' is one of those
    sep = ";" if first.count(";") > first.count(",") else ","
    data = pd.read_csv(
        io.StringIO(text),
        sep=sep,
        dtype=str,
        keep_default_na=False,
        na_values=NA_STRINGS,
        skipinitialspace=True,
        quoting=csv.QUOTE_MINIMAL,
    )
    return data.astype(object).where(data.notna(), None), note


def _read_stat(path: Path) -> pd.DataFrame:
    import pyreadstat

    ext = path.suffix.lower()
    reader = {
        ".xpt": pyreadstat.read_xport,
        ".sas7bdat": pyreadstat.read_sas7bdat,
        ".sav": pyreadstat.read_sav,
    }[ext]
    data, _meta = reader(str(path))
    return data


def _read_workbook(path: Path) -> dict[str, tuple[pd.DataFrame, str]]:
    import openpyxl

    try:
        wb = openpyxl.load_workbook(path, read_only=True, data_only=True)
    except Exception as exc:  # openpyxl raises many types for a broken file
        raise StudyReadError(f"{path}: cannot open the workbook ({exc})") from None
    out = {}
    try:
        for ws in wb.worksheets:
            rows = [list(r) for r in ws.iter_rows(values_only=True)]
            # trailing empty rows and columns are formatting, not data
            while rows and all(
                v is None or (isinstance(v, str) and not v.strip()) for v in rows[-1]
            ):
                rows.pop()
            if not rows:
                out[ws.title] = (pd.DataFrame(), ws.title)
                continue
            header = rows[0]
            width = max((i + 1 for i, v in enumerate(header) if v is not None), default=0)
            names = ["" if v is None else str(v) for v in header[:width]]
            body = [(r + [None] * width)[:width] for r in rows[1:]]
            frame = pd.DataFrame(body, columns=names, dtype=object)
            out[ws.title] = (frame, ws.title)
    finally:
        wb.close()
    return out


def read_raw_study(path: str | Path) -> RawStudy:
    """Read every table of the study at ``path`` without converting any value.

    Parameters
    ----------
    path : str or Path
        A folder of per-table files, or an ``.xlsx`` workbook.

    Returns
    -------
    RawStudy

    Raises
    ------
    StudyReadError
        When the path does not exist, holds no table, or a table is given twice.
    """
    p = Path(path)
    if not p.exists():
        raise StudyReadError(f"{p}: no such file or folder")
    tables: dict[str, RawTable] = {}
    files: dict[str, str] = {}
    problems: list[dict] = []

    def add(name: str, table: RawTable):
        key = name.strip().lower()
        if key in tables:
            raise StudyReadError(
                f"table {key!r} is given twice: in {tables[key].file} and {table.file}; "
                "keep one of them"
            )
        tables[key] = RawTable(key, table.data, table.file, table.sheet, table.first_row)

    if p.is_file():
        if p.suffix.lower() not in WORKBOOK_EXTENSIONS:
            raise StudyReadError(
                f"{p}: a study is a folder of table files or one .xlsx workbook; to read a "
                f"single {p.suffix or 'extensionless'} file, put it in a folder with the others"
            )
        files[str(p)] = file_hash(p)
        for sheet, (frame, title) in _read_workbook(p).items():
            add(sheet, RawTable(sheet, frame, str(p), sheet=title, first_row=2))
    else:
        entries = sorted(
            q for q in p.iterdir() if q.is_file() and not q.name.startswith((".", "~$"))
        )
        for q in entries:
            ext = q.suffix.lower()
            if ext not in TABLE_EXTENSIONS:
                if ext in WORKBOOK_EXTENSIONS:
                    problems.append(
                        _note(
                            q.stem,
                            f"workbook {q.name} inside a study folder is "
                            "not read; give the workbook itself as the study",
                        )
                    )
                continue
            files[str(q)] = file_hash(q)
            table, note = _read_table_file(q, q.stem)
            if note:
                problems.append(_note(q.stem, note))
            add(q.stem, table)
        if not tables:
            raise StudyReadError(
                f"{p}: no table files found (expected patients.csv, events.csv, ... or "
                ".parquet/.xpt/.sas7bdat/.sav files)"
            )
    return RawStudy(tables=tables, source=str(p), files=files, problems=problems)


def _read_table_file(path: Path, name: str) -> tuple[RawTable, str | None]:
    """One table file (csv, parquet, xpt, sas7bdat, sav) as read, and a note on its encoding."""
    ext = path.suffix.lower()
    note = None
    try:
        if ext == ".csv":
            frame, note = _read_csv(path)
            return RawTable(name, frame, str(path), first_row=2), note
        if ext == ".parquet":
            return RawTable(name, pd.read_parquet(path), str(path), first_row=1), note
        if ext in (".xpt", ".sas7bdat", ".sav"):
            return RawTable(name, _read_stat(path), str(path), first_row=1), note
    except Exception as exc:  # any parser failure is a problem with that file
        raise StudyReadError(
            f"{path}: cannot read this file ({type(exc).__name__}: {exc})"
        ) from None
    raise StudyReadError(
        f"{path}: unsupported file type {ext or '(none)'}; use .csv, .xlsx, .parquet, .xpt, "
        ".sas7bdat or .sav"
    )


def read_raw_table(path: str | Path, table: str) -> tuple[RawTable, str | None]:
    """Read one table from its own file, as read (see :func:`read_raw_study`).

    A workbook gives its sheet named ``table`` (ignoring case), else its first sheet. Returns
    the table and a note on the file's encoding (None when it is UTF-8).
    """
    p = Path(path)
    if not p.is_file():
        raise StudyReadError(f"{p}: no such file")
    if p.suffix.lower() in WORKBOOK_EXTENSIONS:
        sheets = _read_workbook(p)
        if not sheets:
            raise StudyReadError(f"{p}: the workbook has no sheets")
        named = {k.strip().lower(): v for k, v in sheets.items()}
        frame, title = named.get(table, next(iter(sheets.values())))
        return RawTable(table, frame, str(p), sheet=title, first_row=2), None
    return _read_table_file(p, table)


def _note(table: str, message: str) -> dict:
    return {
        "table": table.lower(),
        "row": None,
        "column": None,
        "patient_id": None,
        "severity": "warning",
        "message": message,
    }
