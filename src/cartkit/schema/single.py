"""Read one table of the study data format from its own file (for ``cartkit nca``)."""

from __future__ import annotations

import warnings
from pathlib import Path

import pandas as pd

from ..errors import DataQualityWarning, StudyValidationError, format_problem
from ..io.readers import read_raw_table
from .consistency import check_duplicate_keys
from .problems import Problems
from .spec import TABLES
from .tables import parse_table


def read_table(path: str | Path, table: str) -> pd.DataFrame:
    """Read and parse one table (csv, xlsx, parquet, xpt, sas7bdat or sav file).

    Parameters
    ----------
    path : str or Path
        The file. A workbook is read from its sheet named ``table``, else its first sheet.
    table : str
        Which table of the format the file holds (e.g. ``"kinetics"``); its columns are parsed
        and checked as in a whole study.

    Returns
    -------
    pandas.DataFrame
        The parsed table.

    Raises
    ------
    StudyValidationError
        Listing every problem of the table.
    """
    if table not in TABLES:
        raise ValueError(f"unknown table {table!r}")
    raw, notes = read_raw_table(path, table)
    problems = Problems()
    problems.extend(notes)
    frame, _dates = parse_table(raw, problems)
    rows = raw.row_numbers()
    spec = TABLES[table]
    if spec.key and set(spec.key) <= set(frame.columns) and "patient_id" in frame:
        check_duplicate_keys(table, frame, rows, spec.key, problems)
    found = problems.frame([table])
    if (found["severity"] == "error").any():
        raise StudyValidationError(found, source=str(path))
    for rec in found.itertuples(index=False):
        warnings.warn(format_problem(rec), DataQualityWarning, stacklevel=2)
    return frame
