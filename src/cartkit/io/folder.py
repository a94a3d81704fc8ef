"""What a study folder holds: its table files, and one line for everything else in it.

Hidden files and Office lock files are passed over silently. Everything else that is not read
gets a problem naming the file: folders, files of other types (with a hint for the usual
ones), symbolic links that lead nowhere or out of the folder, and special files (a named pipe
would block a reader forever). A problem is an error when the file would be one of the
study's tables, else a warning.
"""

from __future__ import annotations

import itertools
import os
import stat
from collections.abc import Collection
from dataclasses import dataclass
from pathlib import Path

from .limits import MAX_FOLDER_ENTRIES
from .names import normalise_name

__all__ = ["TABLE_EXTENSIONS", "WORKBOOK_EXTENSIONS", "FolderScan", "scan_folder"]

#: extensions read as one table each
TABLE_EXTENSIONS = (".csv", ".parquet", ".xpt", ".sas7bdat", ".sav")
WORKBOOK_EXTENSIONS = (".xlsx", ".xlsm")
#: operating-system litter, never a table
_LITTER = {"thumbs.db", "desktop.ini", "icon\r"}
_HINTS = {
    **dict.fromkeys(
        (".xls", ".xlsb", ".ods", ".numbers"),
        "a spreadsheet in a format cartkit does not read: save each sheet as CSV UTF-8, or "
        "the workbook as .xlsx and give the workbook itself as the study",
    ),
    **dict.fromkeys(
        (".txt", ".tsv", ".tab", ".dat"),
        "if it is a table, name it with .csv (tab- and semicolon-separated files are read too)",
    ),
    **dict.fromkeys(
        (".zip", ".gz", ".tgz", ".7z", ".rar", ".tar", ".bz2", ".xz"),
        "an archive: unpack its files into the study folder",
    ),
}


class TooManyEntries(Exception):
    """A folder with more entries than a study folder can have; the message follows its path."""


@dataclass(frozen=True)
class FolderScan:
    """The files of a study folder that hold tables, its workbooks, and a problem per other entry.

    ``tables`` pairs each table file with its table name (the file name without extension,
    normalised as column names are: ``Adverse Events.csv`` is ``adverse_events``).
    """

    tables: list[tuple[str, Path]]
    workbooks: list[Path]
    problems: list[dict]


def _problem(table: str, message: str, severity: str) -> dict:
    return {
        "table": table,
        "row": None,
        "column": None,
        "patient_id": None,
        "severity": severity,
        "message": message,
    }


def _kind(mode: int) -> str:
    if stat.S_ISFIFO(mode):
        return "named pipe"
    if stat.S_ISSOCK(mode):
        return "socket"
    if stat.S_ISCHR(mode) or stat.S_ISBLK(mode):
        return "device"
    return "special file"


def scan_folder(folder: Path, known_tables: Collection[str] = ()) -> FolderScan:
    """List ``folder``: its table files, workbooks, and a problem for each entry not read.

    Parameters
    ----------
    folder : Path
        The study folder.
    known_tables : collection of str
        Table names of the format: a file that would be one of them gets errors, others
        warnings. Empty: every table file gets errors.
    """
    root = folder.resolve()
    tables: list[tuple[str, Path]] = []
    workbooks: list[Path] = []
    problems: list[dict] = []
    with os.scandir(folder) as listing:
        names = [e.name for e in itertools.islice(listing, MAX_FOLDER_ENTRIES + 1)]
    if len(names) > MAX_FOLDER_ENTRIES:
        raise TooManyEntries(
            f"holds more than {MAX_FOLDER_ENTRIES:,} files and folders; a study folder holds "
            "one file per table. Is this the study folder?"
        )
    for entry in (folder / name for name in sorted(names)):
        name = entry.name
        if name.startswith((".", "~$")) or name.lower() in _LITTER:
            continue
        ext = entry.suffix.lower()
        table = normalise_name(entry.stem) if ext in TABLE_EXTENSIONS else name
        is_table = ext in TABLE_EXTENSIONS and (not known_tables or table in known_tables)
        severity = "error" if is_table else "warning"
        if entry.is_symlink():
            target = _link_problem(entry, root)
            if target:
                problems.append(_problem(table, target, severity))
                continue
        mode = entry.stat().st_mode
        if stat.S_ISDIR(mode):
            problems.append(
                _problem(
                    name,
                    f"folder {name} is not read: a study's tables are the files in the study "
                    "folder itself",
                    "warning",
                )
            )
            continue
        if not stat.S_ISREG(mode):
            problems.append(
                _problem(
                    table,
                    f"{name} is not a regular file (it is a {_kind(mode)}) and is not read",
                    severity,
                )
            )
            continue
        if ext in WORKBOOK_EXTENSIONS:
            workbooks.append(entry)
        elif ext in TABLE_EXTENSIONS:
            tables.append((table, entry))
        else:
            hint = _HINTS.get(ext, "a table is a .csv, .parquet, .xpt, .sas7bdat or .sav file")
            problems.append(_problem(name, f"{name} is not read: {hint}", "warning"))
    return FolderScan(tables=tables, workbooks=workbooks, problems=problems)


def _link_problem(entry: Path, root: Path) -> str | None:
    """Why a symbolic link in the study folder is not followed, or None when it may be."""
    name = entry.name
    try:
        target = entry.resolve(strict=True)
    except FileNotFoundError:
        return (
            f"{name} is a symbolic link to {os.readlink(entry)}, which does not exist; put the "
            "file itself in the study folder"
        )
    except (OSError, RuntimeError):
        return (
            f"{name} is a symbolic link that cannot be followed (it loops); put the file itself "
            "in the study folder"
        )
    if root not in target.parents:
        return (
            f"{name} is a symbolic link to {target}, outside the study folder; cartkit reads "
            "only the files inside it: copy the file into the folder"
        )
    return None
