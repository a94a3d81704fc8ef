"""Table specifications of the study data format (CONTRACT.md §1).

The specs are data: each column has a kind, whether it is required, its unit, its allowed values
or range, and a description. Validation, the documentation and the writers all read them here.
"""

from __future__ import annotations

from dataclasses import dataclass

__all__ = ["TABLES", "ColumnSpec", "TableSpec"]

KINDS = ("text", "number", "integer", "boolean", "category", "date")


@dataclass(frozen=True)
class ColumnSpec:
    """One column of a study table.

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
        Inclusive range of a number column.
    unit : str
        Unit of a number column, as documented.
    description : str
        What the column means.
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


def _pid() -> ColumnSpec:
    return ColumnSpec("patient_id", "text", description="patient identifier, as in patients")


def _day(name: str = "day", what: str = "day of the observation") -> ColumnSpec:
    return ColumnSpec(
        name,
        "number",
        unit="days from infusion",
        description=f"{what}; day 0 = CAR-T infusion, negative = before. A `date` column may "
        "be given instead when patients has `infusion_date`",
    )


LAB_TESTS = {
    "ANC": ("10^9/L", 0.0, None),
    "PLT": ("10^9/L", 0.0, None),
    "WBC": ("10^9/L", 0.0, None),
    "LYM": ("10^9/L", 0.0, None),
    "HGB": ("g/dL", 0.0, None),
    "BCELL_PCT_WBC": ("%", 0.0, 100.0),
    "BCELL_PCT_LYM": ("%", 0.0, 100.0),
    "IL6": ("pg/mL", 0.0, None),
    "FERRITIN": ("ng/mL", 0.0, None),
    "CRP": ("mg/L", 0.0, None),
    "FIBRINOGEN": ("g/L", 0.0, None),
}

EVENTS = ("relapse", "death", "hsct", "last_contact", "cart_reinfusion", "new_therapy")
RELAPSE_DETAILS = ("cd19_negative", "cd19_positive")

TABLES: dict[str, TableSpec] = {
    t.name: t
    for t in (
        TableSpec(
            "patients",
            (
                ColumnSpec("patient_id", "text", description="unique patient identifier"),
                ColumnSpec("sex", "category", allowed=("F", "M")),
                ColumnSpec(
                    "age_years",
                    "number",
                    minimum=0,
                    maximum=120,
                    unit="years",
                    description="age at infusion",
                ),
                ColumnSpec(
                    "indication",
                    "category",
                    allowed=("mrd_reemergence", "mrd_persistent", "chemo_intolerance"),
                    description="reason for CAR-T: MRD re-emergence, persistent MRD, or "
                    "intolerance of chemotherapy",
                ),
                ColumnSpec("prior_hsct", "boolean", description="allogeneic HSCT before CAR-T"),
                ColumnSpec("prior_cart", "boolean", description="CAR-T therapy before this one"),
                ColumnSpec(
                    "cart_dose_e6_per_kg",
                    "number",
                    minimum=0,
                    unit="10^6 cells/kg",
                    description="CAR-T cell dose (must be > 0)",
                ),
                ColumnSpec(
                    "diagnosis_to_infusion_months",
                    "number",
                    required=False,
                    allow_missing=True,
                    minimum=0,
                    unit="months",
                    description="time from diagnosis to infusion",
                ),
                ColumnSpec(
                    "genetic_lesions",
                    "text",
                    required=False,
                    allow_missing=True,
                    description="`;`-separated lesions, e.g. `BCR::ABL1;IKZF1plus`; drives the "
                    "risk group",
                ),
                ColumnSpec(
                    "risk_group",
                    "category",
                    required=False,
                    allow_missing=True,
                    allowed=("standard", "poor", "unclassified"),
                    description="NCCN risk group; derived from genetic_lesions when absent",
                ),
                ColumnSpec(
                    "infusion_date",
                    "date",
                    required=False,
                    allow_missing=True,
                    description="calendar date of infusion; needed only when other tables give "
                    "dates instead of days",
                ),
            ),
            required=True,
            description="one row per patient",
            key=("patient_id",),
        ),
        TableSpec(
            "events",
            (
                _pid(),
                _day(what="day of the event"),
                ColumnSpec("event", "category", allowed=EVENTS),
                ColumnSpec(
                    "detail",
                    "text",
                    required=False,
                    allow_missing=True,
                    description="relapse: `cd19_negative` / `cd19_positive`; death: cause "
                    "(e.g. `relapse`, `infection`, `transplant`)",
                ),
            ),
            required=True,
            description="one row per event; every patient has one `last_contact` on or after "
            "every other event (a death is its own last contact)",
        ),
        TableSpec(
            "kinetics",
            (
                _pid(),
                _day(what="day of the blood sample"),
                ColumnSpec(
                    "copies_per_ug",
                    "number",
                    allow_missing=True,
                    minimum=0,
                    unit="copies/µg genomic DNA",
                    description="qPCR CAR transgene level; a value below the LLOQ is 0 or "
                    "flagged by `blq`",
                ),
                ColumnSpec(
                    "blq",
                    "boolean",
                    required=False,
                    allow_missing=True,
                    description="true when the sample was below the limit of quantification",
                ),
                ColumnSpec(
                    "lloq",
                    "number",
                    required=False,
                    allow_missing=True,
                    minimum=0,
                    unit="copies/µg",
                    description="lower limit of quantification (default 100)",
                ),
            ),
            description="one row per peripheral-blood qPCR sample",
            key=("patient_id", "day"),
        ),
        TableSpec(
            "mrd",
            (
                _pid(),
                _day(what="day of the MRD specimen"),
                ColumnSpec(
                    "specimen",
                    "category",
                    allowed=("BM", "PB"),
                    description="bone marrow or peripheral blood",
                ),
                ColumnSpec(
                    "method",
                    "category",
                    allowed=("FCM", "qPCR"),
                    description="flow cytometry or qPCR",
                ),
                ColumnSpec(
                    "mrd_fraction",
                    "number",
                    minimum=0,
                    maximum=1,
                    unit="fraction",
                    description="leukaemic cells as a fraction, 0–1 (1e-4 = 0.01%)",
                ),
                ColumnSpec(
                    "timepoint",
                    "category",
                    required=False,
                    allow_missing=True,
                    allowed=("pre_ld", "post_ld", "d28", "followup"),
                    description="assessment: before lymphodepletion, after it, day 28, later",
                ),
            ),
            description="one row per MRD measurement",
        ),
        TableSpec(
            "marrow",
            (
                _pid(),
                _day(what="day of the marrow assessment"),
                ColumnSpec(
                    "blasts_pct",
                    "number",
                    minimum=0,
                    maximum=100,
                    unit="%",
                    description="marrow blasts",
                ),
                ColumnSpec(
                    "extramedullary",
                    "boolean",
                    required=False,
                    allow_missing=True,
                    description="extramedullary disease present",
                ),
            ),
            description="one row per bone-marrow morphology assessment",
        ),
        TableSpec(
            "labs",
            (
                _pid(),
                _day(what="day of the sample"),
                ColumnSpec(
                    "test",
                    "category",
                    allowed=tuple(LAB_TESTS),
                    description="test code; units fixed per test (see below)",
                ),
                ColumnSpec("value", "number", minimum=0, description="result in the test's unit"),
            ),
            description="laboratory results, one row per test and sample (long format)",
        ),
        TableSpec(
            "crs",
            (
                _pid(),
                _day(what="day of the assessment"),
                ColumnSpec(
                    "temp_max_c",
                    "number",
                    allow_missing=True,
                    minimum=30,
                    maximum=45,
                    unit="°C",
                    description="highest temperature of the day",
                ),
                ColumnSpec(
                    "hypotension",
                    "category",
                    allowed=("none", "fluids", "vasopressor", "multiple_vasopressors"),
                    description="worst hypotension and what it needed",
                ),
                ColumnSpec(
                    "oxygen",
                    "category",
                    allowed=("none", "low_flow", "high_flow", "positive_pressure"),
                    description="most oxygen support needed: low-flow ≤ 6 L/min or blow-by; "
                    "high-flow, facemask, non-rebreather, Venturi; CPAP, BiPAP, ventilation",
                ),
            ),
            description="daily CRS assessments (ASTCT components), one row per patient-day",
            key=("patient_id", "day"),
        ),
        TableSpec(
            "icans",
            (
                _pid(),
                _day(what="day of the assessment"),
                ColumnSpec(
                    "ice_score",
                    "integer",
                    allow_missing=True,
                    minimum=0,
                    maximum=10,
                    description="ICE score (≥ 12 years); empty when not done",
                ),
                ColumnSpec(
                    "capd_score",
                    "integer",
                    allow_missing=True,
                    minimum=0,
                    maximum=32,
                    description="CAPD score (children < 12); empty when not done",
                ),
                ColumnSpec(
                    "consciousness",
                    "category",
                    allowed=("awake", "voice", "touch", "unarousable"),
                    description="depressed level of consciousness: awakens to ...",
                ),
                ColumnSpec(
                    "seizure",
                    "category",
                    allowed=("none", "rapid", "prolonged"),
                    description="rapidly resolving, or prolonged/repetitive",
                ),
                ColumnSpec(
                    "motor_weakness",
                    "boolean",
                    description="deep focal motor weakness (hemiparesis, paraparesis)",
                ),
                ColumnSpec(
                    "cerebral_edema",
                    "category",
                    allowed=("none", "focal", "diffuse"),
                    description="raised ICP / cerebral oedema on imaging",
                ),
            ),
            description="daily ICANS assessments (ASTCT domains), one row per patient-day",
            key=("patient_id", "day"),
        ),
        TableSpec(
            "adverse_events",
            (
                _pid(),
                ColumnSpec(
                    "term",
                    "text",
                    description="e.g. `crs`, `icans`, `infection`, "
                    "`hlh`, `gvhd`, `febrile_neutropenia`",
                ),
                ColumnSpec(
                    "grade",
                    "integer",
                    minimum=1,
                    maximum=5,
                    description="CTCAE v5.0 (ASTCT for crs and icans)",
                ),
                _day("onset_day", "day of onset"),
                ColumnSpec(
                    "end_day",
                    "number",
                    required=False,
                    allow_missing=True,
                    unit="days from infusion",
                    description="day of resolution",
                ),
                ColumnSpec(
                    "category",
                    "text",
                    required=False,
                    allow_missing=True,
                    description="infection: `bacterial` / `viral` / `fungal`",
                ),
                ColumnSpec(
                    "detail", "text", required=False, allow_missing=True, description="free text"
                ),
            ),
            description="one row per adverse event",
        ),
        TableSpec(
            "medications",
            (
                _pid(),
                _day(what="day given"),
                ColumnSpec(
                    "drug",
                    "category",
                    allowed=("tocilizumab", "corticosteroid", "vasopressor", "ivig", "other"),
                ),
                ColumnSpec(
                    "detail", "text", required=False, allow_missing=True, description="name, dose"
                ),
            ),
            description="one row per administration (or per day given)",
        ),
    )
}
