"""Read a study's tables from disk, as they are: no type conversion, no interpretation.

A study is a folder with one file per table (csv, parquet, xpt, sas7bdat, sav), or one ``.xlsx``
workbook with one sheet per table. Table names are matched ignoring case, spaces and hyphens
(``Adverse Events.csv`` is the table ``adverse_events``).

A file that cannot be read is a problem on its table (naming the file and saying why), not the
end of the reading: every other table is still read, so that every problem is listed at once.
Only a path that holds no study at all raises :class:`StudyReadError`. Reading stays within the
limits of :mod:`cartkit.io.limits`.
"""

from __future__ import annotations

import hashlib
from collections.abc import Collection
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from ..errors import CartkitError
from .binary import read_parquet, read_stat, row_budget
from .folder import TABLE_EXTENSIONS, WORKBOOK_EXTENSIONS, TooManyEntries, scan_folder
from .limits import (
    MAX_CELL_CHARS,
    MAX_CELLS,
    MAX_FILE_BYTES,
    MAX_TABLE_FILES,
    factor,
    human_bytes,
    too_large_hint,
)
from .names import did_you_mean, normalise_name
from .textfile import NA_STRINGS, FileProblem, parse_csv, to_utf8
from .workbook import read_workbook

__all__ = ["NA_STRINGS", "RawStudy", "RawTable", "StudyReadError", "read_raw_study"]


@dataclass(frozen=True)
class RawTable:
    """A table exactly as read, with where it came from.

    ``first_row`` is the row number, as the user sees it, of the table's first data row: 2 for
    csv and xlsx (the header is row 1), 1 for formats without a header line (parquet, SAS, SPSS).
    ``rows``, when given, is the row number of every data row (blank lines skipped in a file
    leave gaps). ``decimal_comma`` says that the file's separator is not a comma, so a comma in
    a number can only be a decimal comma. ``cell_bound``, when known, is a length no cell
    exceeds (a csv file without quotes: its longest line).
    """

    name: str
    data: pd.DataFrame
    file: str
    sheet: str | None = None
    first_row: int = 2
    rows: np.ndarray | None = None
    decimal_comma: bool = False
    cell_bound: int | None = None

    def row_numbers(self) -> np.ndarray:
        """The row number, in the user's file, of every data row."""
        if self.rows is not None:
            return np.asarray(self.rows, dtype=int)
        return np.arange(len(self.data)) + self.first_row

    def row_number(self, position: int) -> int:
        """Row number in the user's file of the data row at 0-based ``position``."""
        return int(self.row_numbers()[position])


@dataclass(frozen=True)
class RawStudy:
    """The tables of a study as read, the files they came from and their SHA-256 hashes.

    ``unread`` names the tables whose file exists but could not be read (their problem is in
    ``problems``), so that they are not also reported missing.
    """

    tables: dict[str, RawTable]
    source: str
    files: dict[str, str] = field(default_factory=dict)
    problems: list[dict] = field(default_factory=list)
    unread: frozenset[str] = frozenset()


class StudyReadError(CartkitError, OSError):
    """The study could not be read at all (missing path, no table in it, not a study)."""


def file_hash(path: str | Path) -> str:
    """SHA-256 of a file's bytes, for provenance."""
    h = hashlib.sha256()
    with open(path, "rb") as fh:
        for chunk in iter(lambda: fh.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


def _problem(table: str, message: str, severity: str = "error", **where) -> dict:
    return {
        "table": table,
        "row": where.get("row"),
        "column": where.get("column"),
        "patient_id": None,
        "severity": severity,
        "message": message,
    }


class _Reader:
    """Collects the tables, files and problems of one study while reading it."""

    def __init__(self, known: Collection[str]):
        self.known = set(known)
        self.tables: dict[str, RawTable] = {}
        self.files: dict[str, str] = {}
        self.problems: list[dict] = []
        self.unread: set[str] = set()
        self.cells_left = MAX_CELLS * factor()

    def severity(self, table: str) -> str:
        return "error" if not self.known or table in self.known else "warning"

    def add(self, table: RawTable) -> None:
        if table.name in self.tables:
            first = Path(self.tables[table.name].file).name
            again = Path(table.file).name
            where = (
                f"sheets {self.tables[table.name].sheet!r} and {table.sheet!r}"
                if (table.sheet is not None)
                else f"{first} and {again}"
            )
            self.problems.append(
                _problem(
                    table.name,
                    f"table {table.name!r} is given twice, in {where}; keep one (the second "
                    "is not read)",
                )
            )
            return
        self.problems.extend(_long_cells(table))
        self.cells_left -= table.data.size
        self.tables[table.name] = table

    def fail(self, table: str, file_label: str, message: str) -> None:
        self.problems.append(_problem(table, f"{file_label} {message}", self.severity(table)))
        self.unread.add(table)


def read_raw_study(path: str | Path, known_tables: Collection[str] = ()) -> RawStudy:
    """Read every table of the study at ``path`` without converting any value.

    Parameters
    ----------
    path : str or Path
        A folder of per-table files, or an ``.xlsx`` workbook.
    known_tables : collection of str
        The table names of the format: a file that cannot be read is an error when it would be
        one of them, a warning otherwise (every unreadable file is an error when empty).

    Returns
    -------
    RawStudy

    Raises
    ------
    StudyReadError
        When the path does not exist, is not a folder or workbook, or holds no table.
    """
    p = Path(path)
    if not p.exists() and not p.is_symlink():
        raise StudyReadError(f"{p}: no such file or folder")
    if not p.exists():
        raise StudyReadError(f"{p}: a symbolic link to something that does not exist")
    reader = _Reader(known_tables)
    if p.is_file():
        _read_workbook_study(p, reader)
    elif p.is_dir():
        _read_folder_study(p, reader)
    else:
        raise StudyReadError(
            f"{p}: not a file or folder (a named pipe or device?); give a study folder or an "
            ".xlsx workbook"
        )
    return RawStudy(
        tables=reader.tables,
        source=str(p),
        files=reader.files,
        problems=reader.problems,
        unread=frozenset(reader.unread),
    )


def _read_workbook_study(p: Path, reader: _Reader) -> None:
    ext = p.suffix.lower()
    if ext not in WORKBOOK_EXTENSIONS:
        hint = {
            ".xls": "an Excel 97-2003 workbook: save it as .xlsx (Excel Workbook)",
            ".csv": "to read a single .csv file, put it in a folder with the others",
        }.get(ext, f"to read a single {ext or 'extensionless'} file, put it in a folder")
        raise StudyReadError(
            f"{p}: a study is a folder of table files or one .xlsx workbook; {hint}"
        )
    _check_size(p)
    try:
        sheets = read_workbook(p, max_cells=reader.cells_left)
    except FileProblem as exc:
        raise StudyReadError(f"{p} {exc}") from None
    reader.files[str(p)] = file_hash(p)
    names = [normalise_name(s.title) for s in sheets]
    if reader.known and not set(names) & reader.known:
        titles = ", ".join(repr(s.title) for s in sheets) or "none"
        guesses = [
            f"{s.title!r} for {g}"
            for s, n in zip(sheets, names, strict=True)
            if (g := did_you_mean(n, reader.known))
        ]
        reader.problems.append(
            _problem(
                p.name,
                f"no sheet of {p.name} is named like a table of the study format (its sheets: "
                f"{titles}); name each sheet after its table: patients, events, kinetics, ..."
                + (f" (rename {', '.join(guesses)})" if guesses else ""),
            )
        )
        reader.unread.update(reader.known)
        return
    for sheet, name in zip(sheets, names, strict=True):
        if sheet.problem:
            reader.fail(name, f"sheet {sheet.title!r} of {p.name}", sheet.problem)
            continue
        reader.add(
            RawTable(name, sheet.data, str(p), sheet=sheet.title, first_row=2, rows=sheet.rows)
        )


def _read_folder_study(p: Path, reader: _Reader) -> None:
    try:
        scan = scan_folder(p, reader.known)
    except PermissionError:
        raise StudyReadError(f"{p}: the folder cannot be listed (permission denied)") from None
    except TooManyEntries as exc:
        raise StudyReadError(f"{p} {exc}") from None
    if len(scan.tables) > MAX_TABLE_FILES:
        raise StudyReadError(
            f"{p}: {len(scan.tables)} table files; a study folder has one file per table (at "
            f"most {MAX_TABLE_FILES}). Is this the study folder?"
        )
    reader.problems.extend(scan.problems)
    for table, q in scan.tables:
        try:
            _check_size(q)
            reader.files[str(q)] = file_hash(q)
            raw = _read_table_file(q, table, reader.cells_left)
        except FileProblem as exc:
            reader.fail(table, q.name, str(exc))
            continue
        except PermissionError:
            reader.fail(table, q.name, "cannot be read (permission denied)")
            continue
        if raw.note:
            reader.problems.append(_problem(table, raw.note, "warning"))
        reader.add(raw.table)
    read_from = {t.name: Path(t.file).name for t in reader.tables.values()}
    for wb in scan.workbooks:
        name = normalise_name(wb.stem)
        if name in read_from:
            also = f"; {name} is read from {read_from[name]}"
        else:
            also = "; give the workbook itself as the study"
        reader.problems.append(
            _problem(name, f"workbook {wb.name} inside a study folder is not read{also}", "warning")
        )
    if not reader.tables and not reader.unread:
        found = ""
        if scan.workbooks:
            found = f" (it holds the workbook {scan.workbooks[0].name}: give that as the study)"
        raise StudyReadError(
            f"{p}: no table files found (expected patients.csv, events.csv, ... or "
            f".parquet/.xpt/.sas7bdat/.sav files){found}"
        )


def _check_size(path: Path) -> None:
    size = path.stat().st_size
    most = MAX_FILE_BYTES * factor()
    if size > most:
        raise FileProblem(
            f"is {human_bytes(size)}; cartkit reads files of at most "
            f"{human_bytes(most)} (see docs/data-format.md){too_large_hint()}"
        )


@dataclass(frozen=True)
class _Read:
    table: RawTable
    note: str | None = None


def _read_table_file(path: Path, name: str, max_cells: int) -> _Read:
    """One table file (csv, parquet, xpt, sas7bdat, sav) as read, and a note on its encoding."""
    ext = path.suffix.lower()
    if ext == ".csv":
        data, note = to_utf8(path.read_bytes())
        parsed = parse_csv(data, max_rows=row_budget(max_cells, 1), note=note)
        bound = None if b'"' in data else _longest_line(data)
        del data
        table = RawTable(
            name,
            parsed.data,
            str(path),
            first_row=2,
            rows=parsed.rows,
            decimal_comma=parsed.separator != ",",
            cell_bound=bound,
        )
        return _Read(table, parsed.note)
    if ext == ".parquet":
        return _Read(RawTable(name, read_parquet(path, max_cells), str(path), first_row=1))
    if ext in (".xpt", ".sas7bdat", ".sav"):
        return _Read(RawTable(name, read_stat(path, max_cells), str(path), first_row=1))
    raise FileProblem(
        f"has an unsupported type {ext or '(none)'}; use .csv, .xlsx, .parquet, .xpt, "
        ".sas7bdat or .sav"
    )


def _longest_line(data: bytes) -> int:
    """The bytes of the longest line of ``data`` (a bound on its cells when nothing is quoted).

    UTF-8 takes at least a byte a character, so no cell of an unquoted line is longer.
    """
    ends = np.flatnonzero(np.frombuffer(data, dtype=np.uint8) == ord("\n"))
    bounds = np.concatenate([[-1], ends, [len(data)]])
    return int(np.diff(bounds).max()) - 1


def _long_cells(table: RawTable) -> list[dict]:
    """Errors for cells longer than Excel's limit; such a cell is never a value of the format."""
    out: list[dict] = []
    if table.cell_bound is not None and table.cell_bound <= MAX_CELL_CHARS:
        return out  # no line of the file is that long: no cell measured
    data = table.data
    try:
        small = Path(table.file).stat().st_size <= MAX_CELL_CHARS  # no cell can be longer
    except OSError:
        small = False
    if data.size == 0 or small:
        return out
    rows = table.row_numbers()
    for j, name in enumerate(data.columns):
        column = data.iloc[:, j]
        if not _text_dtype(column):
            continue
        values = column.to_numpy(dtype=object)
        try:  # one C-level pass over the cells; the lengths only when one is too long
            longest = max(map(len, filter(None, values)), default=0)
        except TypeError:  # a cell that is not text (a number from a workbook, NaN)
            longest = max((len(v) for v in values if isinstance(v, str)), default=0)
        if longest <= MAX_CELL_CHARS:
            continue
        lengths = np.array([len(v) if isinstance(v, str) else 0 for v in values], dtype=int)
        for i in np.flatnonzero(lengths > MAX_CELL_CHARS):
            out.append(
                _problem(
                    table.name,
                    f"cell has {lengths[i]:,} characters; a cell holds at most "
                    f"{MAX_CELL_CHARS:,} (Excel's limit): is the file's separator right?",
                    row=int(rows[i]),
                    column=normalise_name(name),
                )
            )
    return out


def _text_dtype(column: pd.Series) -> bool:
    return pd.api.types.is_object_dtype(column.dtype) or pd.api.types.is_string_dtype(column.dtype)


def read_raw_table(path: str | Path, table: str) -> tuple[RawTable, list[dict]]:
    """Read one table from its own file, as read (see :func:`read_raw_study`).

    A workbook gives its sheet named ``table`` (ignoring case), else its first sheet. Returns
    the table and the problems found while reading it (an encoding note, over-long cells).

    Raises
    ------
    StudyReadError
        When the file cannot be read as a table (the message names it and says why).
    """
    p = Path(path)
    if p.exists() and not p.is_file():
        what = "a folder" if p.is_dir() else "not a regular file (a named pipe or device?)"
        raise StudyReadError(f"{p}: {what}; give a table file")
    if not p.is_file():
        raise StudyReadError(f"{p}: no such file")
    try:
        _check_size(p)
        if p.suffix.lower() in WORKBOOK_EXTENSIONS:
            sheets = [s for s in read_workbook(p, max_cells=MAX_CELLS * factor()) if not s.problem]
            if not sheets:
                raise FileProblem("has no sheet that can be read")
            named = {normalise_name(s.title): s for s in sheets}
            sheet = named.get(table, sheets[0])
            raw = RawTable(table, sheet.data, str(p), sheet=sheet.title, rows=sheet.rows)
            return raw, _long_cells(raw)
        if p.suffix.lower() not in TABLE_EXTENSIONS:
            raise FileProblem(
                "is not a table file; give a .csv, .xlsx, .parquet, .xpt, .sas7bdat or .sav file"
            )
        read = _read_table_file(p, table, MAX_CELLS * factor())
    except FileProblem as exc:
        raise StudyReadError(f"{p} {exc}") from None
    notes = [_problem(table, read.note, "warning")] if read.note else []
    return read.table, notes + _long_cells(read.table)
