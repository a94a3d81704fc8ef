"""tables.xlsx: every report table on its own sheet, numbers as numbers, text always inert.

A text cell is always stored as a string, so a value from the data such as ``=HYPERLINK(...)``
or ``@SUM(A1)`` stays text and is never evaluated. The workbook carries no save time: the same
tables give byte-identical files.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from pathlib import Path

import pandas as pd
from openpyxl import Workbook
from openpyxl.styles import Font
from openpyxl.utils import get_column_letter

from ..io.atomic import atomic_path, guard_inputs
from ..io.writers import _EPOCH, _format_cell, _reproducible_xlsx_bytes, xlsx_cell

__all__ = ["sheet_names", "write_tables_xlsx"]

#: characters Excel does not allow in a sheet name
_ILLEGAL = re.compile(r"[\x00-\x1f\\/?*\[\]:]")
_MAX_SHEET = 31
_CONTENTS = "Contents"
#: p-values: four decimals, scientific below 0.0001 so a tiny p never shows as 0.0000
P_FORMAT = "[<0.0001]0.00E+00;0.0000"
ESTIMATE_FORMAT = "0.000"
_ESTIMATES = {"estimate", "ci_lower", "ci_upper", "hr", "odds_ratio", "shr", "coef", "se"}
_FIRST_DATA_ROW = 4  # title, source, header


def _is_p_column(name: str) -> bool:
    name = name.lower()
    return name == "p_value" or name.startswith("p_") or name.endswith(("_p", "_p_value"))


def _number_format(name: str, column: pd.Series) -> str | None:
    if _is_p_column(name):
        return P_FORMAT
    numbers = pd.to_numeric(column, errors="coerce")
    if name.lower() in _ESTIMATES or name.lower().startswith(("estimate", "ci_")):
        # large values (copies/µg DNA) read better without forced decimals
        biggest = numbers.abs().max()
        return ESTIMATE_FORMAT if pd.isna(biggest) or biggest < 1e4 else None
    return None


def sheet_names(ids: Iterable[str]) -> list[str]:
    """Excel-legal, unique sheet names for table ids (31 characters at most).

    Illegal characters become ``_``; a name already taken (Excel compares them ignoring case,
    and ``Contents`` is the first sheet) gets ``~2``, ``~3``... within the limit.
    """
    taken = {_CONTENTS.lower(), "history"}
    out = []
    for raw in ids:
        base = _ILLEGAL.sub("_", str(raw)).strip("'") or "table"
        # an apostrophe may not end a name, even after it is cut to length
        name, k = base[:_MAX_SHEET].rstrip("'"), 1
        while name.lower() in taken:
            k += 1
            suffix = f"~{k}"
            name = base[: _MAX_SHEET - len(suffix)].rstrip("'") + suffix
        taken.add(name.lower())
        out.append(name)
    return out


def _cell(ws, value, *, bold: bool = False, italic: bool = False, number_format=None):
    cell = xlsx_cell(ws, value)
    shown = cell.value
    if number_format and isinstance(shown, int | float) and not isinstance(shown, bool):
        cell.number_format = number_format
    if bold or italic:
        cell.font = Font(bold=bold, italic=italic)
    return cell


def _width(texts: Iterable[str]) -> float:
    longest = max((len(t) for t in texts), default=0)
    return float(min(max(longest + 2, 8), 60))


def _write_table_sheet(ws, table) -> None:
    data = table.data
    labels = [str(table.column_labels.get(c, c)) for c in data.columns]
    values = [data[c].to_numpy(dtype=object) for c in data.columns]
    formats = [_number_format(str(c), data[c]) for c in data.columns]
    for j, (label, col, fmt) in enumerate(zip(labels, values, formats, strict=True)):
        sample = [_format_cell(v) for v in col[:500]]
        if fmt:  # formatted numbers are at most a few characters
            sample = [s[:10] for s in sample]
        ws.column_dimensions[get_column_letter(j + 1)].width = _width([label, *sample])
    ws.freeze_panes = f"A{_FIRST_DATA_ROW}"
    ws.append([_cell(ws, table.title, bold=True)])
    ws.append([_cell(ws, table.source, italic=True)])
    ws.append([_cell(ws, label, bold=True) for label in labels])
    for i in range(len(data)):
        ws.append(
            [_cell(ws, col[i], number_format=fmt) for col, fmt in zip(values, formats, strict=True)]
        )
    notes = [*table.footnotes, *([table.abbreviations] if table.abbreviations else [])]
    if notes:
        ws.append([])
    for note in notes:
        ws.append([_cell(ws, note, italic=True)])


def _write_contents(ws, tables: list, names: list[str]) -> None:
    widths = (max(map(len, names), default=8) + 2, 40, 70, 30)
    for letter, width in zip("ABCD", widths, strict=True):
        ws.column_dimensions[letter].width = float(min(max(width, 8), 70))
    ws.freeze_panes = f"A{_FIRST_DATA_ROW}"
    ws.append([_cell(ws, "Contents", bold=True)])
    ws.append([_cell(ws, "One sheet per table of the report", italic=True)])
    ws.append([_cell(ws, h, bold=True) for h in ("Sheet", "Table id", "Title", "Source")])
    for name, table in zip(names, tables, strict=True):
        ws.append([_cell(ws, v) for v in (name, table.id, table.title, table.source)])


def write_tables_xlsx(tables, path: str | Path, *, inputs: Iterable[str | Path] = ()) -> Path:
    """Write report tables as one workbook, one sheet per table after a ``Contents`` sheet.

    Each sheet has the table's title (bold) in A1, its source in A2, the header row (from
    ``column_labels``, else the column name; frozen) and the ``data`` rows: numbers as numbers
    (integers as integers, NaN as an empty cell, booleans as booleans), p-values with four
    decimals, estimates and CIs with three; then footnotes and abbreviations.

    Parameters
    ----------
    tables : mapping of str to ReportTable, or iterable of ReportTable
        The tables, in sheet order.
    path : str or Path
        The ``.xlsx`` file to write (atomically).
    inputs : iterable of path
        Files that must not be overwritten (the study's inputs).

    Returns
    -------
    pathlib.Path
        The file written.

    Raises
    ------
    OutputError
        When ``path`` is one of ``inputs``.
    """
    path = Path(path)
    guard_inputs([path], inputs)
    tables = list(tables.values()) if isinstance(tables, Mapping) else list(tables)
    names = sheet_names(t.id for t in tables)
    wb = Workbook(write_only=True)
    wb.properties.created = _EPOCH
    wb.properties.modified = _EPOCH
    wb.properties.creator = "cartkit"
    _write_contents(wb.create_sheet(_CONTENTS), tables, names)
    for name, table in zip(names, tables, strict=True):
        _write_table_sheet(wb.create_sheet(name), table)
    with atomic_path(path) as tmp:
        tmp.write_bytes(_reproducible_xlsx_bytes(wb))
    return path
