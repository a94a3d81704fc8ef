"""tables.xlsx: every report table twice, as numbers and as printed; text always inert.

Each table has a sheet of its numbers (numbers as numbers, for anyone computing with them) and,
beside it, a sheet in the journal layout of the report (the ``display`` strings, column heads,
bold heading rows, indented levels, footnotes and abbreviations), ready to paste into a
manuscript. A text cell is always stored as a string, so a value from the data such as
``=HYPERLINK(...)`` or ``@SUM(A1)`` stays text and is never evaluated. The workbook carries no
save time: the same tables give byte-identical files.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from pathlib import Path

import pandas as pd
from openpyxl import Workbook
from openpyxl.styles import Alignment, Border, Font, Side
from openpyxl.utils import get_column_letter

from ..io.atomic import atomic_path, guard_inputs
from ..io.writers import _EPOCH, _format_cell, _reproducible_xlsx_bytes, xlsx_cell
from ._cells import header_rows, journal_rows

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
#: ends the name of a table's sheet in the printed layout
PRINT_SUFFIX = " (print)"
_HEAVY, _THIN = Side(style="medium"), Side(style="thin")


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


def sheet_names(ids: Iterable[str], *, suffix: str = "", taken: Iterable[str] = ()) -> list[str]:
    """Excel-legal, unique sheet names for table ids (31 characters at most).

    Illegal characters become ``_``; a name already taken (Excel compares them ignoring case;
    ``Contents`` is the first sheet, and ``taken`` names others) gets ``~2``, ``~3``... within
    the limit, before ``suffix``, which every name ends with.
    """
    taken = {_CONTENTS.lower(), "history", *(str(t).lower() for t in taken)}
    out = []
    for raw in ids:
        base = _ILLEGAL.sub("_", str(raw)).strip("'") or "table"
        # an apostrophe may not end a name, even after it is cut to length
        name, k = base[: _MAX_SHEET - len(suffix)].rstrip("'") + suffix, 1
        while name.lower() in taken:
            k += 1
            tail = f"~{k}{suffix}"
            name = base[: _MAX_SHEET - len(tail)].rstrip("'") + tail
        taken.add(name.lower())
        out.append(name)
    return out


def _cell(
    ws, value, *, bold=False, italic=False, number_format=None, align=None, indent=0, border=None
):
    cell = xlsx_cell(ws, value)
    shown = cell.value
    if number_format and isinstance(shown, int | float) and not isinstance(shown, bool):
        cell.number_format = number_format
    if bold or italic:
        cell.font = Font(bold=bold, italic=italic)
    if align or indent:
        cell.alignment = Alignment(horizontal=align, indent=indent, vertical="bottom")
    if border is not None:
        cell.border = border
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


def _rule(top=None, bottom=None) -> Border | None:
    return Border(top=top, bottom=bottom) if top or bottom else None


def _write_print_sheet(ws, table) -> None:
    """The table as the report prints it: heads, rows, rules, footnotes; every cell text."""
    display = table.display
    k = max(len(display.columns), 1)
    heads = header_rows(display.columns)
    rows = journal_rows(table)
    texts = [[] for _ in range(k)]
    for view in rows:
        if not view["span"]:
            for j, text in enumerate([view["label"], *view["cells"]][:k]):
                texts[j].append(text + ("  " if j == 0 and view["style"] == "indent" else ""))
    for head in heads[-1:]:
        j = 0
        for cell in head:
            texts[min(j, k - 1)].append(cell["text"] if cell["span"] == 1 else "")
            j += cell["span"]
    for j in range(k):
        ws.column_dimensions[get_column_letter(j + 1)].width = _width(texts[j][:500])
    ws.append([_cell(ws, table.title, bold=True)])
    ws.append([_cell(ws, table.source, italic=True)])
    for h, head in enumerate(heads):
        top = _HEAVY if h == 0 else None
        last = h == len(heads) - 1
        line = []
        for cell in head:
            span, text = cell["span"], cell["text"]
            # a head over several columns is centred across them (no merged cells to undo
            # when pasting) and underlined
            under = _THIN if last or (span > 1 and text) else None
            align = "left" if not line else ("centerContinuous" if span > 1 else "center")
            line.append(_cell(ws, text, bold=True, align=align, border=_rule(top, under)))
            line += [
                _cell(ws, "", align="centerContinuous", border=_rule(top, under))
                for _ in range(span - 1)
            ]
        ws.append(line)
    for i, view in enumerate(rows):
        bottom = _HEAVY if i == len(rows) - 1 else None
        bold = view["style"] == "heading"
        indent = 1 if view["style"] == "indent" else 0
        cells = [view["label"], *view["cells"]]
        cells += [""] * (k - len(cells))
        ws.append(
            [
                _cell(
                    ws,
                    text,
                    bold=bold and bool(text),
                    align="left" if j == 0 else "center",
                    indent=indent if j == 0 else 0,
                    border=_rule(None, bottom),
                )
                for j, text in enumerate(cells[:k])
            ]
        )
    notes = [*table.footnotes, *([table.abbreviations] if table.abbreviations else [])]
    if notes:
        ws.append([])
    for note in notes:
        ws.append([_cell(ws, note, italic=True)])


def _write_contents(ws, tables: list, names: list[str], printed: list[str]) -> None:
    columns = (names, [t.id for t in tables], [t.title for t in tables])
    columns += ([t.source for t in tables], printed)
    for letter, texts in zip("ABCDE", columns, strict=True):
        ws.column_dimensions[letter].width = _width([*texts, "As printed"])
    ws.freeze_panes = f"A{_FIRST_DATA_ROW}"
    ws.append([_cell(ws, "Contents", bold=True)])
    ws.append(
        [
            _cell(
                ws,
                "Each table as numbers (Sheet) and as printed in the report (As printed)",
                italic=True,
            )
        ]
    )
    heads = ("Sheet", "Table id", "Title", "Source", "As printed")
    ws.append([_cell(ws, h, bold=True) for h in heads])
    for name, table, shown in zip(names, tables, printed, strict=True):
        ws.append([_cell(ws, v) for v in (name, table.id, table.title, table.source, shown)])


def _as_list(tables) -> list:
    return list(tables.values()) if isinstance(tables, Mapping) else list(tables)


def write_tables_xlsx(
    tables, path: str | Path, *, review=(), inputs: Iterable[str | Path] = ()
) -> Path:
    """Write report tables as one workbook: a ``Contents`` sheet, then two sheets per table.

    A table's first sheet holds its numbers: the title (bold) in A1, its source in A2, the
    header row (from ``column_labels``, else the column name; frozen) and the ``data`` rows,
    numbers as numbers (integers as integers, NaN as an empty cell, booleans as booleans),
    p-values with four decimals, estimates and CIs with three; then footnotes and
    abbreviations. The second, named ``<id> (print)``, holds the table as the report prints
    it: title, source, column heads (a head over several columns centred across them), the
    ``display`` text with bold heading rows and indented levels between horizontal rules,
    footnotes and abbreviations, every cell text.

    Parameters
    ----------
    tables : mapping of str to ReportTable, or iterable of ReportTable
        The tables, in sheet order.
    path : str or Path
        The ``.xlsx`` file to write (atomically).
    review : mapping of str to ReportTable, or iterable of ReportTable
        Lists written after the tables as numbers only (notes, exclusions, findings).
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
    tables, review = _as_list(tables), _as_list(review)
    names = sheet_names(t.id for t in [*tables, *review])
    printed = sheet_names((t.id for t in tables), suffix=PRINT_SUFFIX, taken=names)
    wb = Workbook(write_only=True)
    wb.properties.created = _EPOCH
    wb.properties.modified = _EPOCH
    wb.properties.creator = "cartkit"
    _write_contents(
        wb.create_sheet(_CONTENTS), [*tables, *review], names, [*printed, *[""] * len(review)]
    )
    for name, shown, table in zip(names, printed, tables, strict=False):
        _write_table_sheet(wb.create_sheet(name), table)
        _write_print_sheet(wb.create_sheet(shown), table)
    for name, table in zip(names[len(tables) :], review, strict=True):
        _write_table_sheet(wb.create_sheet(name), table)
    with atomic_path(path) as tmp:
        tmp.write_bytes(_reproducible_xlsx_bytes(wb))
    return path
