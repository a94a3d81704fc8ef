"""Write study tables as csv files, one xlsx workbook, or parquet files.

Written tables read back identical (same values, same types after parsing). Every file is
written atomically. In xlsx, text cells are always stored as text, so a value such as ``=1+2``
or ``@cmd`` stays an inert string and is never turned into a formula.
"""

from __future__ import annotations

import datetime as _dt
from collections.abc import Iterable, Mapping
from pathlib import Path

import numpy as np
import pandas as pd

from .atomic import OutputError, atomic_path, guard_inputs

FORMATS = ("csv", "xlsx", "parquet")
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


def frame_to_csv_text(df: pd.DataFrame) -> str:
    """CSV text of a table: integral numbers without ``.0``, shortest exact floats, ISO dates."""
    cells = pd.DataFrame(
        {c: [_format_cell(v) for v in df[c].to_numpy(dtype=object)] for c in df.columns},
        columns=df.columns,
    )
    return cells.to_csv(index=False, lineterminator="\n")


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
                tmp.write_text(frame_to_csv_text(df), encoding="utf-8")
            else:
                _write_parquet(df, tmp)
    return list(targets.values())


def _write_parquet(df: pd.DataFrame, tmp: Path) -> None:
    import pyarrow as pa
    import pyarrow.parquet as pq

    out = df.copy()
    for c in out.columns:
        if out[c].dtype == object:
            out[c] = out[c].astype("string")
    table = pa.Table.from_pandas(out, preserve_index=False)
    pq.write_table(table, tmp)


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
    type directly keeps every text (``=``, ``+``, ``-``, ``@``) an inert string. Characters XML
    cannot hold would make the workbook unreadable; they become U+FFFD.
    """
    from openpyxl.cell import WriteOnlyCell
    from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE

    value = _xlsx_value(value)
    cell = WriteOnlyCell(ws, value=None)
    if isinstance(value, str):
        cell._value = ILLEGAL_CHARACTERS_RE.sub("\ufffd", value)
        cell.data_type = "s"
    else:
        cell.value = value
        if isinstance(value, _dt.datetime):
            cell.number_format = "yyyy-mm-dd"
    return cell


def _write_xlsx(tables: Mapping[str, pd.DataFrame], target: Path) -> None:
    from openpyxl import Workbook

    wb = Workbook(write_only=True)
    wb.properties.created = _EPOCH
    wb.properties.modified = _EPOCH
    wb.properties.creator = "cartkit"
    for name, df in tables.items():
        if len(name) > 31:
            raise OutputError(f"table name {name!r} is longer than Excel's 31-character limit")
        ws = wb.create_sheet(title=name)
        ws.append([str(c) for c in df.columns])
        columns = [df[c].to_numpy(dtype=object) for c in df.columns]
        for i in range(len(df)):
            row = []
            for col in columns:
                cell = xlsx_cell(ws, col[i])
                row.append(cell)
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
        tmp.write_text(frame_to_csv_text(frame), encoding="utf-8")
    return path
