"""Tables written block by block: a cohort of any size written in bounded memory.

:func:`write_blocks` takes the tables of a study a block of patients at a time (as
:func:`cartkit.simulate.cohort.simulate_blocks` yields them) and appends each block to its
table's file, so memory holds one block, never the whole study. The files are those
:func:`cartkit.io.writers.write_tables` writes for the concatenated tables: the same CSV bytes,
and the same Parquet values (one row group per block).
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterable, Mapping
from pathlib import Path

import pandas as pd

from .atomic import OutputError, atomic_path, guard_inputs
from .writers import arrow_table, write_csv_rows

__all__ = ["write_blocks"]


class _Csv:
    def __init__(self, tmp: Path):
        self.handle = open(tmp, "w", encoding="utf-8", newline="")
        self.header = True

    def write(self, df: pd.DataFrame) -> None:
        write_csv_rows(df, self.handle, header=self.header)
        self.header = False

    def close(self) -> None:
        self.handle.close()


class _Parquet:
    def __init__(self, tmp: Path):
        self.tmp, self.writer = tmp, None

    def write(self, df: pd.DataFrame) -> None:
        import pyarrow.parquet as pq

        if self.writer is None:
            table = arrow_table(df)
            self.writer = pq.ParquetWriter(self.tmp, table.schema)
        else:  # every block in the first block's types (a column all missing in one block)
            table = arrow_table(df, schema=self.writer.schema)
        self.writer.write_table(table)

    def close(self) -> None:
        if self.writer is not None:
            self.writer.close()


def write_blocks(
    blocks: Iterable[Mapping[str, pd.DataFrame]],
    folder: str | Path,
    format: str = "csv",
    *,
    inputs: Iterable[str | Path] = (),
) -> list[Path]:
    """Write tables given block by block into ``folder``, one file per table; return the files.

    Parameters
    ----------
    blocks : iterable of mapping of str to DataFrame
        The tables of each block, in order (every block has the same tables and columns).
    folder : str or Path
        The folder to write into (created if needed).
    format : {"csv", "parquet"}
        Output format.
    inputs : iterable of path
        Files that must not be overwritten.

    Raises
    ------
    OutputError
        When ``folder`` is a file, a target is one of ``inputs``, or the format is not csv or
        parquet.
    """
    if format not in ("csv", "parquet"):
        raise OutputError(f"tables are written block by block as csv or parquet, not {format!r}")
    folder = Path(folder)
    if folder.exists() and not folder.is_dir():
        raise OutputError(f"{folder} is a file; {format} tables are written into a folder")
    kind = _Csv if format == "csv" else _Parquet
    inputs = list(inputs)
    written: dict[str, Path] = {}
    with contextlib.ExitStack() as stack:
        writers = {}
        for tables in blocks:
            for name, df in tables.items():
                if name not in writers:
                    target = folder / f"{name}.{format}"
                    guard_inputs([target], inputs)
                    tmp = stack.enter_context(atomic_path(target))
                    writers[name] = kind(tmp)
                    stack.callback(writers[name].close)  # closed before the file is moved
                    written[name] = target
                writers[name].write(df)
    return list(written.values())
