"""Write study tables as csv files, one xlsx workbook, or parquet files.

Written tables read back identical (same values, same types after parsing). Every file is
written atomically. In xlsx, text cells are always stored as text, so a value such as ``=1+2``
or ``@cmd`` stays an inert string and is never turned into a formula.
"""

from __future__ import annotations

import csv
import datetime as _dt
import io
import re
from collections.abc import Iterable, Mapping
from pathlib import Path

import numpy as np
import pandas as pd

from .atomic import OutputError, atomic_path, guard_inputs
from .safe_text import formula_like, neutralise, neutralise_series, search_cells

FORMATS = ("csv", "xlsx", "parquet")
#: rows of an Excel sheet, its header row included
EXCEL_MAX_ROWS = 1_048_576


def workbook_too_long(name: str, rows: int) -> str:
    """Why a table of ``rows`` rows cannot be a sheet of a workbook, and what to do."""
    return (
        f"table {name!r} has {rows:,} rows; an Excel sheet holds at most "
        f"{EXCEL_MAX_ROWS - 1:,} below its header: write the study as csv or parquet"
    )


#: a fixed workbook timestamp, so the same tables give the same file
_EPOCH = _dt.datetime(2000, 1, 1)


def _format_cell(value) -> str:
    if value is None or value is pd.NA or value is pd.NaT:
        return ""
    if isinstance(value, bool | np.bool_):
        return "true" if value else "false"
    if isinstance(value, float | np.floating):
        if np.isnan(value):
            return ""
        if float(value).is_integer() and abs(value) < 1e15:
            return str(int(value))
        return repr(float(value))
    if isinstance(value, pd.Timestamp | _dt.datetime):
        ts = pd.Timestamp(value)
        return ts.strftime("%Y-%m-%d") if ts == ts.normalize() else ts.isoformat()
    return str(value)


def _text_dtype(dtype) -> bool:
    return pd.api.types.is_object_dtype(dtype) or pd.api.types.is_string_dtype(dtype)


def _float_text(values: np.ndarray) -> np.ndarray:
    """Floats as :func:`_format_cell` writes them, for a whole column at once.

    Integral values below 1e15 print as integers; every other value prints as Python's
    ``repr`` (numpy's float-to-text gives the same shortest round-trip digits).
    """
    values = np.asarray(values, dtype="float64")
    out = np.full(len(values), "", dtype=object)
    finite = np.isfinite(values)
    integral = finite & (np.abs(values) < 1e15)
    integral[integral] = values[integral] == np.trunc(values[integral])
    out[integral] = values[integral].astype(np.int64).astype(str)
    other = ~integral & ~np.isnan(values)
    # float.__repr__ through map: the shortest round-trip digits, twice as fast as numpy's
    out[other] = list(map(repr, values[other].tolist()))
    return out


def _column_text(column: pd.Series) -> np.ndarray:
    """The cells of one column as CSV text; text cells neutralised (see :mod:`.safe_text`)."""
    dtype = column.dtype
    n = len(column)
    if isinstance(dtype, pd.CategoricalDtype):
        column = column.astype(object)
        dtype = column.dtype
    if pd.api.types.is_bool_dtype(dtype):
        missing = column.isna().to_numpy(dtype=bool)
        truth = column.fillna(False).to_numpy(dtype=bool)
        return np.where(missing, "", np.where(truth, "true", "false")).astype(object)
    if pd.api.types.is_integer_dtype(dtype):
        missing = column.isna().to_numpy(dtype=bool)
        out = np.full(n, "", dtype=object)
        out[~missing] = column[~missing].to_numpy(dtype="int64").astype(str)
        return out
    if pd.api.types.is_float_dtype(dtype):
        return _float_text(column.to_numpy(dtype="float64", na_value=np.nan))
    if pd.api.types.is_datetime64_any_dtype(dtype):
        missing = column.isna().to_numpy(dtype=bool)
        out = np.full(n, "", dtype=object)
        day = (column == column.dt.normalize()).to_numpy(dtype=bool) & ~missing
        out[day] = column[day].dt.strftime("%Y-%m-%d").to_numpy(dtype=object)
        rest = np.flatnonzero(~day & ~missing)
        out[rest] = [pd.Timestamp(v).isoformat() for v in column.iloc[rest]]
        return out
    if pd.api.types.is_object_dtype(dtype) or pd.api.types.is_string_dtype(dtype):
        missing = column.isna().to_numpy(dtype=bool)
        kind = pd.api.types.infer_dtype(column, skipna=True)
        if kind in ("string", "empty"):
            out = np.full(n, "", dtype=object)
            text = pd.Series(column[~missing].to_numpy(dtype=object), dtype=object)
            out[~missing] = neutralise_series(text).to_numpy(dtype=object)
            return out
    # mixed or rare types: cell by cell, neutralising the cells that are text
    values = column.to_numpy(dtype=object)
    return np.array(
        [neutralise(v) if isinstance(v, str) else _format_cell(v) for v in values], dtype=object
    ).reshape(n)


def frame_to_csv_text(df: pd.DataFrame) -> str:
    """CSV text of a table: integral numbers without ``.0``, shortest exact floats, ISO dates.

    Text cells that a spreadsheet would take for a formula (``=``, ``+``, ``-``, ``@``, tab,
    carriage return at the start) get a leading ``'``, and so do the column names; reading the
    file with cartkit gives the text back unchanged. Numbers stay numbers (``-2`` is written
    ``-2``). Each column is formatted at once, not cell by cell.
    """
    buffer = io.StringIO()
    write_csv_rows(df, buffer)
    return buffer.getvalue()


class _SwapBack:
    """A text stream that turns a stand-in back into a carriage return as rows are written."""

    def __init__(self, stream, stand_in: str):
        self.stream, self.stand_in = stream, stand_in

    def write(self, text: str) -> int:
        return self.stream.write(text.replace(self.stand_in, "\r"))


def write_csv_rows(df: pd.DataFrame, stream, *, header: bool = True) -> None:
    """Write ``df`` as CSV (see :func:`frame_to_csv_text`) to a text stream, row by row.

    Nothing holds the whole file in memory: a file is written as it is formatted. Without
    ``header`` only the rows are written (a table written in pieces: the same bytes as whole).
    """
    names = [neutralise(str(c)) for c in df.columns]
    columns = [_column_text(df.iloc[:, i]) for i in range(df.shape[1])]
    texts = [names] + [c for i, c in enumerate(columns) if _text_dtype(df.iloc[:, i].dtype)]
    carriage = _carriage_placeholder(texts)
    if carriage:
        names = [v.replace("\r", carriage) for v in names]
        columns = [_replace_in_text(col, "\r", carriage) for col in columns]
        stream = _SwapBack(stream, carriage)
    # the csv module quotes exactly as DataFrame.to_csv does (pandas writes through it)
    writer = csv.writer(stream, lineterminator="\n", quoting=csv.QUOTE_MINIMAL)
    if header:
        writer.writerow(names)
    if names:
        writer.writerows(zip(*columns, strict=True))


def _write_csv_file(df: pd.DataFrame, path: Path) -> None:
    with open(path, "w", encoding="utf-8", newline="") as fh:
        write_csv_rows(df, fh)


def _replace_in_text(column: np.ndarray, old: str, new: str) -> np.ndarray:
    return np.array([v.replace(old, new) if old in v else v for v in column], dtype=object)


def _carriage_placeholder(texts) -> str | None:
    r"""A stand-in for carriage returns inside cells, or None when no cell has one.

    With "\n" line ends the csv module leaves a cell holding "\r" unquoted, and a reader
    then splits the row there. The stand-in holds a "\n", which makes the cell quoted, and a
    private-use character found nowhere in the table, so that it is swapped back exactly.
    """
    if not any("\r" in "\x00".join(column) for column in texts):
        return None
    code = 0xE000
    while any(chr(code) in "\x00".join(column) for column in texts):
        code += 1
    return "\n" + chr(code)


def write_tables(
    tables: Mapping[str, pd.DataFrame],
    path: str | Path,
    format: str = "csv",
    *,
    inputs: Iterable[str | Path] = (),
) -> list[Path]:
    """Write tables to ``path``; return the files written.

    Parameters
    ----------
    tables : mapping of str to DataFrame
        Tables by name.
    path : str or Path
        A folder for ``csv`` and ``parquet``; a ``.xlsx`` file for ``xlsx`` (a folder is given
        ``study.xlsx`` inside it).
    format : {"csv", "xlsx", "parquet"}
        Output format.
    inputs : iterable of path
        Files that must not be overwritten (the study's inputs).
    """
    if format not in FORMATS:
        raise OutputError(f"unknown format {format!r}; use one of {', '.join(FORMATS)}")
    path = Path(path)
    if format == "xlsx":
        target = path / "study.xlsx" if path.is_dir() or not path.suffix else path
        guard_inputs([target], inputs)
        _write_xlsx(tables, target)
        return [target]
    if path.exists() and not path.is_dir():
        raise OutputError(f"{path} is a file; {format} tables are written into a folder")
    ext = ".csv" if format == "csv" else ".parquet"
    targets = {name: path / f"{name}{ext}" for name in tables}
    guard_inputs(targets.values(), inputs)
    for name, df in tables.items():
        with atomic_path(targets[name]) as tmp:
            if format == "csv":
                _write_csv_file(df, tmp)
            else:
                _write_parquet(df, tmp)
    return list(targets.values())


def arrow_table(df: pd.DataFrame, schema=None):
    """``df`` as an Arrow table for Parquet: text columns as strings (``schema``: cast to it)."""
    import pyarrow as pa

    out = df.copy()
    for c in out.columns:
        if out[c].dtype == object:
            out[c] = out[c].astype("string")
    table = pa.Table.from_pandas(out, preserve_index=False)
    return table if schema is None else table.cast(schema)


def _write_parquet(df: pd.DataFrame, tmp: Path) -> None:
    import pyarrow.parquet as pq

    pq.write_table(arrow_table(df), tmp)


def _xlsx_value(value):
    if value is None or value is pd.NA or value is pd.NaT:
        return None
    if isinstance(value, float | np.floating) and np.isnan(value):
        return None
    if isinstance(value, np.bool_ | bool):
        return bool(value)
    if isinstance(value, np.integer):
        return int(value)
    if isinstance(value, np.floating):
        value = float(value)
    if isinstance(value, float) and value.is_integer() and abs(value) < 1e15:
        return int(value)
    if isinstance(value, pd.Timestamp):
        return value.to_pydatetime()
    return value


def xlsx_cell(ws, value):
    """A write-only cell of ``value`` for openpyxl; text is always inert text.

    Assigning a str that starts with "=" makes openpyxl write a formula: setting the value and
    type directly keeps every text (``=``, ``+``, ``-``, ``@``) an inert string. Such a text
    also gets Excel's "quote prefix" (what typing a leading ``'`` does), so editing the cell in
    Excel keeps it text too; the value itself is unchanged. Characters XML cannot hold would
    make the workbook unreadable; they become U+FFFD.
    """
    from openpyxl.cell import WriteOnlyCell
    from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE

    value = _xlsx_value(value)
    cell = WriteOnlyCell(ws, value=None)
    if isinstance(value, str):
        cell._value = ILLEGAL_CHARACTERS_RE.sub("\ufffd", value)
        cell.data_type = "s"
        if formula_like(value):
            cell.quotePrefix = True
    else:
        cell.value = value
        if isinstance(value, _dt.datetime):
            cell.number_format = "yyyy-mm-dd"
    return cell


def _xlsx_text_is_plain(values: np.ndarray) -> bool:
    """Whether openpyxl may take these str cells as plain values (exactly as xlsx_cell writes).

    It may not when a cell would be a formula or an error code to it, needs a quote prefix,
    holds a character XML cannot hold, or is longer than openpyxl keeps.
    """
    from openpyxl.cell.cell import ERROR_CODES, ILLEGAL_CHARACTERS_RE

    if search_cells(values, _XLSX_NOT_PLAIN) or search_cells(values, ILLEGAL_CHARACTERS_RE):
        return False
    if any(len(v) > 32_767 for v in values):
        return False
    return not pd.Series(values, dtype=object).isin(ERROR_CODES).any()


#: a cell start a spreadsheet reads as a formula (a false "maybe" after a newline is harmless)
_XLSX_NOT_PLAIN = re.compile(r"(?m)^[=+\-@\t\r]")


def _xlsx_column(ws, column: pd.Series) -> list:
    """One column's values for a write-only sheet, as :func:`xlsx_cell` would write them.

    Plain Python values where openpyxl writes them the same (numbers, booleans, safe text;
    None for a missing cell, which is not written); a cell object only where one is needed.
    """
    dtype = column.dtype
    if isinstance(dtype, pd.CategoricalDtype):
        column = column.astype(object)
        dtype = column.dtype
    missing = column.isna().to_numpy(dtype=bool)
    if pd.api.types.is_float_dtype(dtype):
        values = column.to_numpy(dtype="float64", na_value=np.nan)
        out = np.full(len(values), None, dtype=object)
        integral = ~missing & (np.abs(values) < 1e15)
        integral[integral] = values[integral] == np.trunc(values[integral])
        out[integral] = values[integral].astype(np.int64).tolist()
        other = ~missing & ~integral
        out[other] = values[other].tolist()
        return out.tolist()
    if pd.api.types.is_bool_dtype(dtype) or pd.api.types.is_integer_dtype(dtype):
        out = np.full(len(column), None, dtype=object)
        kind = bool if pd.api.types.is_bool_dtype(dtype) else "int64"
        out[~missing] = column[~missing].to_numpy(dtype=kind).tolist()
        return out.tolist()
    values = column.to_numpy(dtype=object)
    if _text_dtype(dtype) and pd.api.types.infer_dtype(column, skipna=True) in ("string", "empty"):
        present = values[~missing]
        if _xlsx_text_is_plain(present):
            out = np.full(len(values), None, dtype=object)
            out[~missing] = present
            return out.tolist()
    return [xlsx_cell(ws, v) for v in values]


def _write_xlsx(tables: Mapping[str, pd.DataFrame], target: Path) -> None:
    from openpyxl import Workbook

    wb = Workbook(write_only=True)
    wb.properties.created = _EPOCH
    wb.properties.modified = _EPOCH
    wb.properties.creator = "cartkit"
    for name, df in tables.items():
        if len(name) > 31:
            raise OutputError(f"table name {name!r} is longer than Excel's 31-character limit")
        if len(df) >= EXCEL_MAX_ROWS:  # checked before any sheet is written
            raise OutputError(workbook_too_long(name, len(df)))
    for name, df in tables.items():
        ws = wb.create_sheet(title=name)
        ws.append([str(c) for c in df.columns])
        columns = [_xlsx_column(ws, df.iloc[:, j]) for j in range(df.shape[1])]
        for row in zip(*columns, strict=True):
            ws.append(row)
    with atomic_path(target) as tmp:
        tmp.write_bytes(_reproducible_xlsx_bytes(wb))


def _reproducible_xlsx_bytes(wb) -> bytes:
    """The workbook's bytes, with no save time in them: same tables, same file."""
    import io
    import zipfile

    from openpyxl.writer.excel import ExcelWriter

    # openpyxl's save() stamps "modified" with the clock, and zip entries carry the time of
    # writing; both are fixed here so the same tables give byte-identical files
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        wb.properties.modified = _EPOCH
        ExcelWriter(wb, archive).write_data()
    return fixed_zip_dates(buffer.getvalue())


def fixed_zip_dates(archive: bytes) -> bytes:
    """The same zip archive (xlsx, docx) with every entry dated 1980-01-01, in the same order.

    Zip entries carry the time they were written; fixing it makes the bytes reproducible.
    """
    import io
    import zipfile

    fixed = io.BytesIO()
    with (
        zipfile.ZipFile(io.BytesIO(archive)) as src,
        zipfile.ZipFile(fixed, "w", zipfile.ZIP_DEFLATED) as dst,
    ):
        for info in src.infolist():
            entry = zipfile.ZipInfo(info.filename, date_time=(1980, 1, 1, 0, 0, 0))
            entry.compress_type = zipfile.ZIP_DEFLATED
            entry.external_attr = info.external_attr
            dst.writestr(entry, src.read(info.filename))
    return fixed.getvalue()


def write_csv(frame: pd.DataFrame, path: str | Path, *, inputs=()) -> Path:
    """Write one table as a csv file, atomically and never over one of ``inputs``."""
    path = Path(path)
    guard_inputs([path], inputs)
    with atomic_path(path) as tmp:
        _write_csv_file(frame, tmp)
    return path
