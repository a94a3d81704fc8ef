"""The vocabulary of the table specs: a column, a table, a laboratory test, plausible ranges.

:mod:`cartkit.schema.spec` uses these to declare the study data format.
"""

from __future__ import annotations

from dataclasses import dataclass

__all__ = ["ColumnSpec", "LabTest", "TableSpec", "date_column"]

KINDS = ("text", "number", "integer", "boolean", "category", "date")


@dataclass(frozen=True)
class ColumnSpec:
    """One column of a study table.

    Every number and date column has a plausible range: a value outside ``minimum`` /
    ``maximum`` (``earliest`` / ``latest`` for dates) is impossible, an error; a value inside it
    but outside the ``usual_`` range is rare but possible, a warning. The hints say what such a
    value most likely is (a unit slip, a date typed as a day) and how to fix it.

    Attributes
    ----------
    name : str
        Canonical (lower-case) column name.
    kind : str
        One of ``text, number, integer, boolean, category, date``.
    required : bool
        The column must be present (a required column may still allow empty cells, see
        ``allow_missing``).
    allow_missing : bool
        Empty cells are allowed.
    allowed : tuple of str, optional
        The allowed values of a category column, in canonical spelling (matched ignoring case).
    minimum, maximum : float, optional
        Inclusive range of a number column (``minimum`` exclusive when ``exclusive_minimum``).
    unit : str
        Unit of a number column, as documented.
    description : str
        What the column means.
    exclusive_minimum : bool
        The value must be strictly above ``minimum`` (a dose).
    below_hint, above_hint : str
        The message after a value below ``minimum`` or above ``maximum`` (default: the bound).
    usual_minimum, usual_maximum : float, optional
        Values outside this range (within the plausible one) are warnings.
    unusual_low_hint, unusual_high_hint : str
        The message after a value outside the usual range.
    earliest, latest : str, optional
        Plausible range of a date column (ISO dates, inclusive); outside it is an error.
    usual_earliest : str, optional
        An earlier date is a warning.
    max_length : int, optional
        Most characters of a text column (identifiers, codes).
    """

    name: str
    kind: str
    required: bool = True
    allow_missing: bool = False
    allowed: tuple[str, ...] | None = None
    minimum: float | None = None
    maximum: float | None = None
    unit: str = ""
    description: str = ""
    exclusive_minimum: bool = False
    below_hint: str = ""
    above_hint: str = ""
    usual_minimum: float | None = None
    usual_maximum: float | None = None
    unusual_low_hint: str = ""
    unusual_high_hint: str = ""
    earliest: str | None = None
    latest: str | None = None
    usual_earliest: str | None = None
    max_length: int | None = None


@dataclass(frozen=True)
class TableSpec:
    """One table of the study data format.

    Attributes
    ----------
    name : str
        Canonical table name (file name without extension, or sheet name).
    columns : tuple of ColumnSpec
        Known columns, in their canonical order.
    required : bool
        The study must contain this table.
    description : str
        What one row means.
    key : tuple of str
        Columns that identify a row; duplicates are reported.
    """

    name: str
    columns: tuple[ColumnSpec, ...]
    required: bool = False
    description: str = ""
    key: tuple[str, ...] = ()

    def column(self, name: str) -> ColumnSpec | None:
        """The spec of column ``name``, or None when the table has no such column."""
        for col in self.columns:
            if col.name == name:
                return col
        return None

    @property
    def names(self) -> tuple[str, ...]:
        """Column names in canonical order."""
        return tuple(c.name for c in self.columns)


#: days from infusion beyond which a day is impossible (100 years), and the usual span
DAY_LIMIT = 36525.0
DAY_USUAL = (-3653.0, 7305.0)
#: the dates of a modern study: CAR-T cells were first infused in the 1990s (the first
#: CD19 CAR-T infusions were in 2009-2010); a sample or event date may be older (diagnosis)
DATE_RANGE = ("1900-01-01", "2100-12-31")
INFUSION_DATE_RANGE = ("1990-01-01", "2100-12-31")
INFUSION_DATE_USUAL = "2009-01-01"
#: most characters of an identifier or a short code
ID_LENGTH = 100
CODE_LENGTH = 200


def pid_column() -> ColumnSpec:
    """The ``patient_id`` column of every table but patients."""
    return ColumnSpec(
        "patient_id",
        "text",
        description="patient identifier, as in patients",
        max_length=ID_LENGTH,
    )


def day_limits() -> dict:
    """The plausible range of a day column, as ColumnSpec arguments."""
    return {
        "minimum": -DAY_LIMIT,
        "maximum": DAY_LIMIT,
        "below_hint": "is more than 100 years before the infusion: days count from the CAR-T "
        "infusion (day 0); a calendar date belongs in a date column",
        "above_hint": "is more than 100 years after the infusion: days count from the CAR-T "
        "infusion (day 0); a calendar date (or an Excel date number) belongs in a date column",
        "usual_minimum": DAY_USUAL[0],
        "usual_maximum": DAY_USUAL[1],
        "unusual_low_hint": "is more than 10 years before the infusion; check the day",
        "unusual_high_hint": "is more than 20 years after the infusion; check the day",
    }


def day_column(name: str = "day", what: str = "day of the observation") -> ColumnSpec:
    """A required day column (days from infusion) with its plausible range."""
    return ColumnSpec(
        name,
        "number",
        unit="days from infusion",
        description=f"{what}; day 0 = CAR-T infusion, negative = before. A `date` column may "
        "be given instead when patients has `infusion_date`",
        **day_limits(),
    )


def date_column(name: str) -> ColumnSpec:
    """The spec of a date column given instead of a day column (``date``, ``onset_date``...)."""
    return ColumnSpec(
        name,
        "date",
        allow_missing=True,
        earliest=DATE_RANGE[0],
        latest=DATE_RANGE[1],
        description="calendar date, counted from the patient's infusion_date",
    )


@dataclass(frozen=True)
class LabTest:
    """The unit and plausible range of one laboratory test.

    ``maximum``: above it the value is impossible whatever the unit (an error). ``usual_maximum``:
    above it the value most likely has another unit (a warning, with ``hint``).
    """

    unit: str
    maximum: float
    usual_maximum: float | None = None
    hint: str = ""
