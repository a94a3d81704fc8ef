"""Parquet, SAS and SPSS tables, read within the limits.

Their size is read from the file's own metadata before any row is, so a file beyond a limit is
refused without being loaded.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from .limits import MAX_COLUMNS, MAX_ROWS, MAX_UNPACKED_BYTES, factor, human_bytes, too_large_hint
from .textfile import FileProblem

__all__ = ["read_parquet", "read_stat", "row_budget"]


def row_budget(max_cells: int, n_columns: int) -> int:
    """The most rows a table of ``n_columns`` may have with ``max_cells`` cells left."""
    return max(0, min(MAX_ROWS * factor(), max_cells // max(n_columns, 1)))


def _check_shape(n_rows: int | None, n_columns: int, max_cells: int) -> None:
    if n_columns > MAX_COLUMNS:
        raise FileProblem(f"has {n_columns:,} columns; a table has at most {MAX_COLUMNS}")
    if n_rows is not None and n_rows > row_budget(max_cells, n_columns):
        # the row count is known here (from the file's metadata): say it, and the limit
        limit = (
            f"a table has at most {MAX_ROWS * factor():,}"
            if n_rows > MAX_ROWS * factor()
            else "the study holds more cells than cartkit reads in all"
        )
        raise FileProblem(
            f"has {n_rows:,} rows; {limit} (see docs/data-format.md){too_large_hint()}"
        )


def read_parquet(path: Path, max_cells: int) -> pd.DataFrame:
    """A Parquet table, refused (FileProblem) when its metadata says it is beyond a limit."""
    import pyarrow.parquet as pq

    try:
        meta = pq.ParquetFile(path).metadata
    except Exception as exc:  # pyarrow raises several types for a file it cannot parse
        raise FileProblem(f"cannot be read as Parquet ({type(exc).__name__}: {exc})") from None
    _check_shape(meta.num_rows, meta.num_columns, max_cells)
    unpacked = sum(meta.row_group(i).total_byte_size for i in range(meta.num_row_groups))
    most = MAX_UNPACKED_BYTES * factor()
    if unpacked > most:
        raise FileProblem(
            f"unpacks to {human_bytes(unpacked)}, more than the "
            f"{human_bytes(most)} cartkit reads from one file{too_large_hint()}"
        )
    try:
        table = pq.read_table(path)
        # one Python object per distinct text, not per cell (millions of repeated ids), and
        # each column's Arrow buffers freed as it is converted: about a third of the memory
        return table.to_pandas(
            ignore_metadata=True, deduplicate_objects=True, split_blocks=True, self_destruct=True
        )
    except Exception as exc:
        raise FileProblem(f"cannot be read as Parquet ({type(exc).__name__}: {exc})") from None


def read_stat(path: Path, max_cells: int) -> pd.DataFrame:
    """A SAS (.xpt, .sas7bdat) or SPSS (.sav) table, read within the limits (FileProblem)."""
    import pyreadstat

    reader = {
        ".xpt": pyreadstat.read_xport,
        ".sas7bdat": pyreadstat.read_sas7bdat,
        ".sav": pyreadstat.read_sav,
    }[path.suffix.lower()]
    kind = {".xpt": "SAS transport", ".sas7bdat": "SAS", ".sav": "SPSS"}[path.suffix.lower()]
    try:
        _empty, meta = reader(str(path), metadataonly=True)
        rows = meta.number_rows if meta.number_rows is not None and meta.number_rows >= 0 else None
        _check_shape(rows, meta.number_columns, max_cells)
        budget = row_budget(max_cells, meta.number_columns)
        data, _meta = reader(str(path), row_limit=budget + 1)
    except FileProblem:
        raise
    except Exception as exc:  # pyreadstat raises its own types for a file it cannot parse
        raise FileProblem(
            f"cannot be read as a {kind} file ({type(exc).__name__}: {exc})"
        ) from None
    if len(data) > budget:
        raise FileProblem(f"has more than {budget:,} rows (see docs/data-format.md)")
    return data
