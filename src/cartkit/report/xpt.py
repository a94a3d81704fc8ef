"""The ADaM datasets as SAS transport files (XPORT version 5), the format of FDA submissions.

``derived/adsl.xpt`` and ``derived/adtte.xpt`` (and an XPT beside the csv of any other
ADaM-named derived dataset) hold the same values as the csv files, in what version 5 can hold:
names of at most 8 characters (:mod:`cartkit.report.xpt_names`), a label on every variable
and on the dataset, numbers as SAS numerics (yes/no as 1/0), text as ASCII of at most 200
characters, and missing values as SAS missing (``.`` for numbers, blank for text).
``derived/xpt_variables.csv`` lists every variable of every file: its cartkit name, XPT name,
label, type, length, and a note where a value had to change to fit.

The header of an XPT file records when it was written; it is set to a fixed time (1 January
2000, as tables.xlsx) so the same datasets give the same bytes.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from pathlib import Path

import numpy as np
import pandas as pd

from ..errors import DataError
from ..io.atomic import atomic_path, guard_inputs
from ..io.writers import write_tables
from .xpt_names import ascii_text, column_labels, xpt_names

__all__ = [
    "ADAM_LABELS",
    "VARIABLE_COLUMNS",
    "adam_datasets",
    "adam_xpt_paths",
    "write_adam_xpt",
    "write_xpt",
]

#: dataset labels (CDISC's) of the ADaM datasets cartkit writes
ADAM_LABELS: Mapping[str, str] = {
    "adsl": "Subject-Level Analysis Dataset",
    "adtte": "Time-to-Event Analysis Dataset",
}
#: a derived dataset named as an ADaM dataset is ("ad" and 2 to 6 letters or digits) gets an XPT
_ADAM_NAME = re.compile(r"^ad[a-z0-9]{2,6}$")
#: the columns of derived/xpt_variables.csv
VARIABLE_COLUMNS = ("dataset", "variable", "name", "label", "type", "length", "note")
VARIABLES_FILE = "xpt_variables.csv"
#: the longest text value XPORT version 5 holds
TEXT_MAX = 200
#: the numbers the format carries exactly: IBM doubles reach 16**-65 to 7.2e75, but the writer
#: (readstat) saturates from 2**249 on, which reads back as infinity
_IBM_MAX = 2.0**249
_IBM_MIN = 16.0**-65
#: where the library and member headers record their creation and modification times
_STAMP_OFFSETS = (80 + 64, 2 * 80, 5 * 80 + 64, 6 * 80)
_STAMP_FORMAT = re.compile(rb"\d\d[A-Z]{3}\d\d:\d\d:\d\d:\d\d")
_FIXED_STAMP = b"01JAN00:00:00:00"
#: what pandas infers for an object column of numbers
_NUMERIC_KINDS = ("integer", "floating", "decimal", "mixed-integer-float")


def adam_datasets(derived: Mapping[str, pd.DataFrame]) -> dict[str, pd.DataFrame]:
    """The derived datasets written as XPT too: those named as ADaM datasets (adsl, adtte)."""
    return {name: df for name, df in derived.items() if _ADAM_NAME.match(str(name))}


def adam_xpt_paths(derived: Mapping[str, pd.DataFrame], folder: str | Path) -> list[Path]:
    """The files :func:`write_adam_xpt` writes into ``folder``."""
    if VARIABLES_FILE[:-4] in derived:
        raise ValueError(
            f"a derived dataset may not be named {VARIABLES_FILE[:-4]!r}: the XPT variable list "
            "has that name"
        )
    names = list(adam_datasets(derived))
    folder = Path(folder)
    return [folder / f"{n}.xpt" for n in names] + ([folder / VARIABLES_FILE] if names else [])


def _numbers(values: np.ndarray) -> tuple[np.ndarray, list[str]]:
    """Numbers the format can carry: infinities and overflows missing, underflows zero."""
    notes = []
    with np.errstate(invalid="ignore"):
        magnitude = np.abs(values)
        too_big = magnitude >= _IBM_MAX
        too_small = (magnitude > 0) & (magnitude < _IBM_MIN)
    if too_big.any():
        notes.append(
            f"{int(too_big.sum())} infinite or too large value(s) (9.0e74 or more) written as "
            "missing"
        )
    if too_small.any():
        notes.append(f"{int(too_small.sum())} value(s) smaller than 5.4e-79 written as 0")
    if notes:
        values = np.where(too_big, np.nan, np.where(too_small, 0.0, values))
    return values, notes


def _text(series: pd.Series) -> tuple[np.ndarray, list[str]]:
    """Text values in ASCII of at most TEXT_MAX characters; missing as empty text."""
    missing = series.isna().to_numpy()
    codes, uniques = pd.factorize(series.astype(object)[~missing].astype(str))
    spelt = np.array([ascii_text(u) for u in uniques], dtype=object)
    lengths = np.array([len(u) for u in spelt], dtype=np.int64)
    notes = []
    n_changed = int((spelt != uniques.to_numpy(dtype=object))[codes].sum())
    if n_changed:
        notes.append(f"{n_changed} value(s) with characters outside ASCII spelt in ASCII")
    n_long = int((lengths > TEXT_MAX)[codes].sum())
    if n_long:
        notes.append(f"{n_long} value(s) longer than {TEXT_MAX} characters cut to {TEXT_MAX}")
        spelt = np.array([u[:TEXT_MAX] for u in spelt], dtype=object)
    values = np.full(len(series), "", dtype=object)
    values[~missing] = spelt[codes]
    return values, notes


def _column(series: pd.Series) -> tuple[object, str, list[str]]:
    """One column as XPORT holds it: (values, "num" or "char", notes)."""
    dtype = series.dtype
    if isinstance(dtype, pd.DatetimeTZDtype):
        values = series.dt.tz_convert("UTC").dt.tz_localize(None)
        return values, "num", ["date-times converted to UTC"]
    if pd.api.types.is_datetime64_dtype(dtype):
        return series, "num", []
    kind = pd.api.types.infer_dtype(series, skipna=True)
    if pd.api.types.is_bool_dtype(dtype) or kind == "boolean":
        values = series.astype("boolean").astype("Float64").to_numpy(float, na_value=np.nan)
        return values, "num", []
    if pd.api.types.is_numeric_dtype(dtype) or kind in _NUMERIC_KINDS:
        values = pd.to_numeric(series).astype("Float64").to_numpy(float, na_value=np.nan)
        values, notes = _numbers(values)
        return values, "num", notes
    if kind in ("datetime", "datetime64", "date"):
        return pd.to_datetime(series), "num", []
    values, notes = _text(series)
    return values, "char", notes


def write_xpt(
    frame: pd.DataFrame,
    path: str | Path,
    *,
    dataset: str,
    label: str,
    labels: Mapping[str, str] | None = None,
) -> pd.DataFrame:
    """Write one DataFrame as a SAS transport file, XPORT version 5.

    Parameters
    ----------
    frame : DataFrame
        The dataset; its index is not written.
    path : str or Path
        The ``.xpt`` file (written atomically).
    dataset : str
        The dataset (member) name, at most 8 letters, digits or ``_`` (``adsl``; written in
        upper case).
    label : str
        The dataset label (at most 40 ASCII characters are kept).
    labels : mapping, optional
        Printed names of the columns (e.g. the variable registry's); each variable's label is
        its own name with this description (:func:`cartkit.report.xpt_names.xpt_label`).

    Returns
    -------
    DataFrame
        One row per variable: ``dataset, variable, name, label, type, length, note``.

    Raises
    ------
    DataError
        When column names repeat or ``dataset`` cannot be a member name.
    """
    if not re.match(r"^[A-Za-z_][A-Za-z0-9_]{0,7}$", dataset):
        raise DataError(
            f"dataset name {dataset!r} cannot name an XPT member: use at most 8 letters, digits "
            "or '_', starting with a letter"
        )
    columns = [str(c) for c in frame.columns]
    repeated = sorted({c for c in columns if columns.count(c) > 1})
    if repeated:
        raise DataError(
            f"dataset {dataset}: column(s) {', '.join(repeated)} appear more than once; an XPT "
            "file needs one variable per name"
        )
    names = xpt_names(columns)
    var_labels = column_labels(columns, names, labels or {})
    out, rows = {}, []
    for j, column in enumerate(columns):
        values, kind, notes = _column(frame.iloc[:, j].reset_index(drop=True))
        length = 8
        if kind == "char":
            # text as Python objects: pandas 3 would hold it in Arrow, which the writer then
            # walks one cell at a time (8 s of a 10,000-patient report)
            values = pd.Series(values, dtype=object)
            length = max(int(values.str.len().max() or 0), 1)
        out[names[column]] = values
        rows.append(
            (dataset, column, names[column], var_labels[column], kind, length, "; ".join(notes))
        )
    table = pd.DataFrame(out, index=pd.RangeIndex(len(frame)))
    import pyreadstat

    with atomic_path(path) as tmp:
        pyreadstat.write_xport(
            table,
            str(tmp),
            file_label=ascii_text(label)[:40],
            column_labels=[var_labels[c] for c in columns],
            table_name=dataset.upper(),
            file_format_version=5,
        )
        _fix_timestamps(tmp)
    return pd.DataFrame(rows, columns=list(VARIABLE_COLUMNS))


def _fix_timestamps(path: Path) -> None:
    """Set the header's creation and modification times to a fixed one (reproducible bytes)."""
    data = bytearray(path.read_bytes())
    for at in _STAMP_OFFSETS:
        if not _STAMP_FORMAT.fullmatch(bytes(data[at : at + 16])):
            raise RuntimeError(
                f"{path}: no XPT time stamp at byte {at}; the writer's header layout changed"
            )
        data[at : at + 16] = _FIXED_STAMP
    path.write_bytes(bytes(data))


def write_adam_xpt(
    derived: Mapping[str, pd.DataFrame],
    folder: str | Path,
    *,
    labels: Mapping[str, str] | None = None,
    inputs: Iterable[str | Path] = (),
) -> list[Path]:
    """Write every ADaM-named derived dataset as ``<name>.xpt``, and ``xpt_variables.csv``.

    Parameters
    ----------
    derived : mapping of str to DataFrame
        The analysis datasets (``Analysis.derived``); those named as ADaM datasets are written.
    folder : str or Path
        Where to write (``derived/`` of the report).
    labels : mapping, optional
        Printed names of the variables (``cartkit.derive.registry.labels_for(...).labels``).
    inputs : iterable of path
        The study's input files, which are never overwritten.

    Returns
    -------
    list of Path
        The files written (none when no dataset is ADaM-named).
    """
    datasets = adam_datasets(derived)
    folder = Path(folder)
    guard_inputs(adam_xpt_paths(derived, folder), inputs)
    variables = [
        write_xpt(
            frame,
            folder / f"{name}.xpt",
            dataset=name,
            label=ADAM_LABELS.get(name, name.upper()),
            labels=labels,
        )
        for name, frame in datasets.items()
    ]
    if not variables:
        return []
    table = pd.concat(variables, ignore_index=True)
    written = write_tables({VARIABLES_FILE[:-4]: table}, folder, "csv", inputs=inputs)
    return [folder / f"{name}.xpt" for name in datasets] + written
