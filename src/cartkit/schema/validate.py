"""``validate_study`` and ``read_study``: every problem of a study, found at once."""

from __future__ import annotations

import warnings
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from ..errors import DataQualityWarning, StudyValidationError, format_problem
from ..io.names import did_you_mean, normalise_name
from ..io.readers import RawStudy, RawTable, read_raw_study
from ..study import Study
from .consistency import check_study, derive_days
from .problems import Problems
from .spec import TABLES
from .tables import parse_table

__all__ = ["ValidationReport", "read_study", "validate_study"]


@dataclass(frozen=True)
class ValidationReport:
    """The outcome of validating a study.

    Attributes
    ----------
    problems : pandas.DataFrame
        One row per problem: ``table, row, column, patient_id, severity, message``. ``row`` is the
        row number as the user sees it (header = row 1 in csv and xlsx; record number in
        parquet, SAS and SPSS files); ``severity`` is ``error`` or ``warning``.
    study : Study
        The parsed study (canonical names and types), whether or not it has errors.
    """

    problems: pd.DataFrame
    study: Study

    @property
    def ok(self) -> bool:
        """True when no problem is an error (warnings allowed)."""
        return not (self.problems["severity"] == "error").any()

    @property
    def errors(self) -> pd.DataFrame:
        """The problems that make the study unusable."""
        return self.problems[self.problems["severity"] == "error"].reset_index(drop=True)

    @property
    def warnings(self) -> pd.DataFrame:
        """The problems that deserve a look but do not stop the analysis."""
        return self.problems[self.problems["severity"] == "warning"].reset_index(drop=True)

    def summary(self, max_per_kind: int = 5) -> str:
        """Readable text listing every problem, at most ``max_per_kind`` of each kind.

        Problems of one kind (same table, column, severity and message pattern) beyond the limit
        are counted, not listed.
        """
        n_err, n_warn = len(self.errors), len(self.warnings)
        head = f"{self.study.source or 'study'}: "
        head += "valid" if self.ok else "NOT valid"
        head += f" ({n_err} error(s), {n_warn} warning(s))"
        lines = [head]
        for severity, frame in (("ERROR", self.errors), ("WARNING", self.warnings)):
            shown: dict[tuple, int] = {}
            for rec in frame.itertuples(index=False):
                kind = (rec.table, rec.column, _pattern(rec.message))
                shown[kind] = shown.get(kind, 0) + 1
                if shown[kind] <= max_per_kind:
                    lines.append(f"{severity}: " + format_problem(rec))
            for kind, count in shown.items():
                if count > max_per_kind:
                    lines.append(
                        f"{severity}: ... and {count - max_per_kind} more like the above "
                        f"in {kind[0]}" + (f", column {kind[1]}" if kind[1] else "")
                    )
        return "\n".join(lines)


def _pattern(message: str) -> str:
    import re

    return re.sub(r"[-+0-9.e']+", "#", message)[:40]


def _raw_from_study(study: Study) -> RawStudy:
    tables = {
        normalise_name(name): RawTable(
            normalise_name(name), df.reset_index(drop=True), file=f"{name}", first_row=1
        )
        for name, df in study.tables.items()
    }
    return RawStudy(
        tables=tables, source=study.source or "study", files=dict(study.metadata.get("files", {}))
    )


def validate_study(path_or_study) -> ValidationReport:
    """Check a study for every problem at once.

    Parameters
    ----------
    path_or_study : str, Path or Study
        A folder of table files (csv, parquet, xpt, sas7bdat, sav), an ``.xlsx`` workbook, or a
        Study already in memory (e.g. simulated).

    Returns
    -------
    ValidationReport
        ``.ok``, ``.problems`` and the parsed ``.study``.

    Raises
    ------
    cartkit.io.readers.StudyReadError
        Only when nothing can be read (no such path, no table files, a table given twice).
    """
    if isinstance(path_or_study, Study):
        raw = _raw_from_study(path_or_study)
        metadata = dict(path_or_study.metadata)
    else:
        raw = read_raw_study(Path(path_or_study), known_tables=TABLES)
        metadata = {}
    problems = Problems()
    problems.extend(raw.problems)
    tables, rows, first_rows, pending = {}, {}, {}, {}
    for name, rt in raw.tables.items():
        frame, dates = parse_table(rt, problems)
        tables[name] = frame
        rows[name] = rt.row_numbers()
        first_rows[name] = int(rows[name][0]) if len(rows[name]) else rt.first_row
        if dates:
            pending[name] = dates
    for name, spec in TABLES.items():
        if spec.required and name not in tables and name not in raw.unread:
            problems.add(name, _missing_table_message(name, raw))
    derive_days(tables, rows, pending, problems)
    check_study(tables, rows, problems)
    ordered = {n: tables[n] for n in TABLES if n in tables}
    ordered.update({n: t for n, t in tables.items() if n not in ordered})
    metadata.setdefault("files", raw.files)
    metadata["first_rows"] = first_rows
    study = Study(tables=ordered, source=raw.source, metadata=metadata)
    return ValidationReport(problems=problems.frame(list(TABLES)), study=study)


def _missing_table_message(name: str, raw: RawStudy) -> str:
    message = f"required table {name!r} is missing (a {name}.csv file or a sheet named {name})"
    for other, table in raw.tables.items():
        if other not in TABLES and did_you_mean(other, [name]) == name:
            where = f"sheet {table.sheet!r}" if table.sheet is not None else Path(table.file).name
            return f"{message}; {where} looks like it: rename it"
    return message


def read_study(path_or_study) -> Study:
    """Read and validate a study; return it only when it has no errors.

    Parameters
    ----------
    path_or_study : str, Path or Study
        As for :func:`validate_study`.

    Returns
    -------
    Study
        Tables with canonical names, columns and types; ``metadata["problems"]`` holds the
        warnings, which are also issued once as a :class:`cartkit.DataQualityWarning`.

    Raises
    ------
    StudyValidationError
        Listing every error (``.problems`` holds them all, warnings included).
    """
    report = validate_study(path_or_study)
    if not report.ok:
        raise StudyValidationError(report.problems, source=report.study.source)
    study = report.study
    if len(report.warnings):
        warnings.warn(
            f"{len(report.warnings)} data-quality warning(s) in {study.source}; see "
            "study.metadata['problems'] or run `cartkit validate`",
            DataQualityWarning,
            stacklevel=2,
        )
    meta = dict(study.metadata)
    meta["problems"] = report.problems
    return Study(tables=study.tables, source=study.source, metadata=meta)
