"""How much cartkit reads: the caps that keep memory and time bounded whatever a file holds.

A study within these limits is read and analysed in bounded memory (docs/data-format.md states
the bound); a file beyond one is refused with a message saying which limit and what to do.
The 10,000-patient simulated study (about 3.6 million rows, 17 million cells) is well inside.
"""

from __future__ import annotations

import contextlib
import contextvars
from collections.abc import Iterator

__all__ = [
    "LARGE_FACTOR",
    "MAX_CELLS",
    "MAX_CELL_CHARS",
    "MAX_COLUMNS",
    "MAX_FILE_BYTES",
    "MAX_FOLDER_ENTRIES",
    "MAX_ROWS",
    "MAX_TABLE_FILES",
    "MAX_UNPACKED_BYTES",
    "factor",
    "human_bytes",
    "large_study",
    "too_large_hint",
]

#: bytes of one table file (csv, parquet, SAS, SPSS) or one workbook, as stored
MAX_FILE_BYTES = 256 * 2**20
#: bytes a workbook or a Parquet file unpacks to
MAX_UNPACKED_BYTES = 2 * 2**30
#: data rows of one table
MAX_ROWS = 5_000_000
#: columns of one table
MAX_COLUMNS = 500
#: cells of the whole study (rows times columns, summed over its tables)
MAX_CELLS = 40_000_000
#: characters of one cell (Excel's own limit)
MAX_CELL_CHARS = 32_767
#: table files in one study folder, or sheets in one workbook
MAX_TABLE_FILES = 100
#: entries of any kind in a study folder (a home folder given by mistake is not listed whole)
MAX_FOLDER_ENTRIES = 1000


#: how much more a large study may hold (rows, cells, bytes): a registry of 10^5 patients
LARGE_FACTOR = 10
_FACTOR: contextvars.ContextVar[int] = contextvars.ContextVar("cartkit_limits", default=1)


def factor() -> int:
    """How many times the row, cell and byte limits are in force (1, or LARGE_FACTOR)."""
    return _FACTOR.get()


@contextlib.contextmanager
def large_study() -> Iterator[None]:
    """Read studies of up to :data:`LARGE_FACTOR` times the rows, cells and bytes, inside.

    For a registry of 10^5 patients (``cartkit report --large``); memory grows with the study
    (docs/data-format.md says how much).

    Examples
    --------
    >>> from cartkit.io.limits import large_study
    >>> with large_study():  # doctest: +SKIP
    ...     study = ck.read_study("registry/")
    """
    token = _FACTOR.set(LARGE_FACTOR)
    try:
        yield
    finally:
        _FACTOR.reset(token)


def too_large_hint() -> str:
    """What to do about a study beyond the row, cell or byte limits ("" once raised)."""
    if factor() > 1:
        return ""
    return (
        f"; a registry this large can be read with --large (up to {LARGE_FACTOR} times as "
        "much, with more memory)"
    )


def human_bytes(n: int) -> str:
    """A byte count as people read it (``1.5 GB``)."""
    size = float(n)
    for unit in ("bytes", "KB", "MB", "GB"):
        if size < 1024 or unit == "GB":
            return f"{size:,.0f} {unit}" if unit == "bytes" else f"{size:,.1f} {unit}"
        size /= 1024
    return f"{size:,.1f} TB"  # pragma: no cover - the loop returns at GB
