"""An .xlsx workbook as a study: one sheet per table, read within the limits.

The file is checked before openpyxl opens it (a zip that is a workbook, not encrypted, not
unpacking beyond :data:`~cartkit.io.limits.MAX_UNPACKED_BYTES`); every sheet is read row by row
and stops at the row limit, so a sheet whose recorded size claims a million rows by 16,384
columns costs only what it holds.
"""

from __future__ import annotations

import zipfile
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from .limits import (
    MAX_COLUMNS,
    MAX_ROWS,
    MAX_TABLE_FILES,
    MAX_UNPACKED_BYTES,
    factor,
    human_bytes,
    too_large_hint,
)
from .textfile import FileProblem

__all__ = ["Sheet", "read_workbook"]

_OLE = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"


@dataclass(frozen=True)
class Sheet:
    """One sheet as read: header names, cells (missing: None), the sheet row of each data row.

    ``problem`` is set, and the rest empty, when the sheet could not be read.
    """

    title: str
    names: list[str]
    data: pd.DataFrame
    rows: np.ndarray
    problem: str | None = None


def _check_file(path: Path) -> None:
    try:
        with zipfile.ZipFile(path) as archive:
            infos = archive.infolist()
    except (zipfile.BadZipFile, OSError):
        with open(path, "rb") as fh:
            head = fh.read(8)
        if head == _OLE:
            raise FileProblem(
                "is a password-protected workbook or an Excel 97-2003 (.xls) file: save an "
                "unprotected copy as .xlsx (Excel Workbook)"
            ) from None
        raise FileProblem(
            "is not an .xlsx workbook (it is not a zip archive): is it damaged, or another kind "
            "of file named .xlsx?"
        ) from None
    if not any(i.filename == "xl/workbook.xml" for i in infos):
        raise FileProblem("is a zip archive but not an Excel workbook (no xl/workbook.xml in it)")
    unpacked = sum(i.file_size for i in infos)
    if unpacked > MAX_UNPACKED_BYTES:
        raise FileProblem(
            f"unpacks to {human_bytes(unpacked)}, more than the {human_bytes(MAX_UNPACKED_BYTES)} "
            "cartkit reads from a workbook: save its large tables as CSV files in a folder"
        )


def read_workbook(path: Path, *, max_cells: int) -> list[Sheet]:
    """Every sheet of the workbook at ``path``, each read within the row and cell limits.

    Raises
    ------
    FileProblem
        When the file is not a readable workbook (the message follows the file's name).
    """
    import openpyxl

    _check_file(path)
    try:
        wb = openpyxl.load_workbook(path, read_only=True, data_only=True)
    except Exception as exc:  # openpyxl raises many types for a broken file
        raise FileProblem(f"cannot be opened as a workbook ({type(exc).__name__}: {exc})") from None
    sheets = []
    try:
        if len(wb.worksheets) > MAX_TABLE_FILES:
            raise FileProblem(
                f"has {len(wb.worksheets)} sheets; a study workbook has one per table (at most "
                f"{MAX_TABLE_FILES})"
            )
        for ws in wb.worksheets:
            try:
                sheet = _read_sheet(ws, max_cells)
            except FileProblem as exc:
                sheet = Sheet(ws.title, [], pd.DataFrame(), np.zeros(0, int), problem=str(exc))
            max_cells -= sheet.data.size
            sheets.append(sheet)
    finally:
        wb.close()
    return sheets


def _blank(row) -> bool:
    return all(v is None or (isinstance(v, str) and not v.strip()) for v in row)


def _read_sheet(ws, max_cells: int) -> Sheet:
    ws.reset_dimensions()  # read what the sheet holds, not the size it claims
    body: list[tuple] = []
    numbers: list[int] = []
    names: list[str] | None = None
    width = 0
    for number, row in enumerate(ws.iter_rows(values_only=True), start=1):
        row = tuple(row)
        if _blank(row):
            continue
        while row and row[-1] is None:
            row = row[:-1]
        if len(row) > MAX_COLUMNS:
            raise FileProblem(
                f"has values in {len(row):,} columns (row {number}); a table has at most "
                f"{MAX_COLUMNS}"
            )
        if names is None:
            names = ["" if v is None else str(v) for v in row]
            width = len(names)
            continue
        width = max(width, len(row))
        if len(body) >= MAX_ROWS * factor() or (len(body) + 1) * width > max_cells:
            limit = (
                "a table has at most that many"
                if len(body) >= MAX_ROWS * factor()
                else ("the study holds more cells than cartkit reads in all")
            )
            raise FileProblem(
                f"has more than {len(body):,} rows; {limit} (see docs/data-format.md)"
                + too_large_hint()
            )
        body.append(row)
        numbers.append(number)
    if names is None:
        return Sheet(ws.title, [], pd.DataFrame(), np.zeros(0, int))
    names = names + [""] * (width - len(names))
    frame = pd.DataFrame([r + (None,) * (width - len(r)) for r in body], dtype=object)
    frame = frame.reindex(columns=range(width)) if frame.empty else frame
    frame.columns = names
    return Sheet(ws.title, names, frame, np.asarray(numbers, dtype=int))
