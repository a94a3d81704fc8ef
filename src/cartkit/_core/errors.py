"""Exceptions and warnings raised by cartkit.

Every error a user can act on derives from :class:`CartkitError`; the command line maps those to
exit code 2 with their message and never shows a traceback for them.
"""

from __future__ import annotations

__all__ = [
    "CartkitError",
    "ConvergenceWarning",
    "DataError",
    "DataQualityWarning",
    "StudyValidationError",
]


class CartkitError(Exception):
    """Base class of every error cartkit raises on purpose."""


class DataError(CartkitError, ValueError):
    """Input data (a DataFrame, a column, an argument) that an analysis cannot use.

    The message says what is wrong, where (column, row, patient) and how to fix it.
    """


class StudyValidationError(CartkitError, ValueError):
    """A study failed validation; carries every problem found, not just the first.

    Parameters
    ----------
    problems : pandas.DataFrame
        One row per problem with columns ``table, row, column, patient_id, severity, message``.
    source : str, optional
        Where the study was read from, for the message.
    """

    def __init__(self, problems, source: str | None = None):
        self.problems = problems
        self.source = source
        super().__init__(self._message())

    #: errors listed in the message; ``.problems`` holds them all
    MAX_LISTED = 50

    def _message(self) -> str:
        errors = self.problems[self.problems["severity"] == "error"]
        where = f" in {self.source}" if self.source else ""
        head = f"{len(errors)} problem(s) make this study unusable{where}:"
        lines = [head]
        for rec in errors.head(self.MAX_LISTED).itertuples(index=False):
            lines.append("  - " + format_problem(rec))
        if len(errors) > self.MAX_LISTED:
            lines.append(
                f"  ... and {len(errors) - self.MAX_LISTED} more; `cartkit validate --all` "
                "lists them all"
            )
        return "\n".join(lines)


def format_problem(rec) -> str:
    """One line for one validation problem: where it is, then what is wrong.

    Names and values from the data are shown safely: control characters and line breaks
    escaped, and anything very long cut ("…"), so one line stays one readable line.
    """
    from .text import display_safe, shorten

    def given(value) -> bool:
        # None, NaN and pandas.NA all mean "not applicable" here
        try:
            return value is not None and not bool(value != value)
        except TypeError:
            return False

    def shown(value, limit: int = 60) -> str:
        return shorten(display_safe(str(value)), limit)

    parts = [shown(rec.table)]
    if given(rec.row):
        parts.append(f"row {int(rec.row)}")
    if given(rec.column) and rec.column:
        parts.append(f"column {shown(rec.column)}")
    if given(rec.patient_id) and rec.patient_id:
        parts.append(f"patient {shown(rec.patient_id, 40)}")
    return ", ".join(parts) + f": {shown(rec.message, 600)}"


class ConvergenceWarning(UserWarning):
    """A fit did not converge, or converged to an infinite estimate (separation)."""


class DataQualityWarning(UserWarning):
    """Data that can be used but look wrong (a likely unit error, an unknown column)."""
