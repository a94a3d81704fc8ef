"""Table specifications of the study data format (CONTRACT.md §1).

The specs are data: each column has a kind, whether it is required, its unit, its allowed values
or range, and a description. Validation, the documentation and the writers all read them here.
"""

from __future__ import annotations

from .column_spec import (
    CODE_LENGTH,
    ID_LENGTH,
    INFUSION_DATE_RANGE,
    INFUSION_DATE_USUAL,
    ColumnSpec,
    LabTest,
    TableSpec,
    date_column,
    day_column,
    day_limits,
    pid_column,
)

__all__ = ["LAB_TESTS", "TABLES", "ColumnSpec", "LabTest", "TableSpec", "date_column"]

_PER_UL = "looks like cells/µL; the unit is 10^9/L (divide by 1000)"
LAB_TESTS = {
    "ANC": LabTest("10^9/L", 1e6, 100.0, _PER_UL),
    "PLT": LabTest("10^9/L", 1e8, 3000.0, _PER_UL),
    "WBC": LabTest("10^9/L", 1e7, 500.0, _PER_UL),
    "LYM": LabTest("10^9/L", 1e7, 100.0, _PER_UL),
    "HGB": LabTest("g/dL", 1000.0, 25.0, "looks like g/L; the unit is g/dL (divide by 10)"),
    "BCELL_PCT_WBC": LabTest("%", 100.0),
    "BCELL_PCT_LYM": LabTest("%", 100.0),
    "IL6": LabTest("pg/mL", 1e8, 1e6, "is above any IL-6 level reported; check the unit"),
    "FERRITIN": LabTest("ng/mL", 1e8, 1e6, "is above any ferritin level reported; check the unit"),
    "CRP": LabTest("mg/L", 1e5, 1000.0, "looks like nmol/L; the unit is mg/L (divide by 9.52)"),
    "FIBRINOGEN": LabTest("g/L", 1e4, 20.0, "looks like mg/dL; the unit is g/L (divide by 100)"),
}

EVENTS = ("relapse", "death", "hsct", "last_contact", "cart_reinfusion", "new_therapy")
RELAPSE_DETAILS = ("cd19_negative", "cd19_positive")

TABLES: dict[str, TableSpec] = {
    t.name: t
    for t in (
        TableSpec(
            "patients",
            (
                ColumnSpec(
                    "patient_id",
                    "text",
                    description="unique patient identifier",
                    max_length=ID_LENGTH,
                ),
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
                    exclusive_minimum=True,
                    maximum=1000,
                    unit="10^6 cells/kg",
                    description="CAR-T cell dose (must be > 0)",
                    below_hint="must be > 0",
                    above_hint="×10^6/kg is impossible; is it cells/kg? give 10^6 cells/kg",
                    usual_maximum=50,
                    unusual_high_hint="×10^6/kg is implausibly high; is it cells/kg? give "
                    "10^6 cells/kg",
                ),
                ColumnSpec(
                    "diagnosis_to_infusion_months",
                    "number",
                    required=False,
                    allow_missing=True,
                    minimum=0,
                    maximum=1440,
                    unit="months",
                    description="time from diagnosis to infusion",
                    above_hint="months is more than 120 years",
                    usual_maximum=360,
                    unusual_high_hint="months is more than 30 years; is it in days? give months",
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
                    earliest=INFUSION_DATE_RANGE[0],
                    latest=INFUSION_DATE_RANGE[1],
                    usual_earliest=INFUSION_DATE_USUAL,
                ),
            ),
            required=True,
            description="one row per patient",
            key=("patient_id",),
        ),
        TableSpec(
            "events",
            (
                pid_column(),
                day_column(what="day of the event"),
                ColumnSpec("event", "category", allowed=EVENTS),
                ColumnSpec(
                    "detail",
                    "text",
                    required=False,
                    allow_missing=True,
                    description="relapse: `cd19_negative` / `cd19_positive`; death: cause "
                    "(e.g. `relapse`, `infection`, `transplant`)",
                    max_length=CODE_LENGTH,
                ),
            ),
            required=True,
            description="one row per event; every patient has one `last_contact` on or after "
            "every other event (a death is its own last contact)",
        ),
        TableSpec(
            "kinetics",
            (
                pid_column(),
                day_column(what="day of the blood sample"),
                ColumnSpec(
                    "copies_per_ug",
                    "number",
                    allow_missing=True,
                    minimum=0,
                    maximum=1e10,
                    unit="copies/µg genomic DNA",
                    description="qPCR CAR transgene level; a value below the LLOQ is 0 or "
                    "flagged by `blq`",
                    below_hint="copies cannot be negative; a value below the LLOQ is 0 (or flag "
                    "it with blq = true)",
                    above_hint="copies/µg DNA is impossible (1 µg of DNA is about 150,000 "
                    "cells); check the unit and the value",
                    usual_maximum=1e8,
                    unusual_high_hint="copies/µg DNA is far above the CAR-T peaks reported "
                    "(about 10^6); check the unit",
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
                    maximum=1e6,
                    unit="copies/µg",
                    description="lower limit of quantification (default 100)",
                    usual_maximum=1e4,
                    unusual_high_hint="copies/µg is an unusually high LLOQ (it is usually "
                    "10-1000); check the unit",
                ),
            ),
            description="one row per peripheral-blood qPCR sample",
            key=("patient_id", "day"),
        ),
        TableSpec(
            "mrd",
            (
                pid_column(),
                day_column(what="day of the MRD specimen"),
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
                    above_hint="looks like a percentage; mrd_fraction is a fraction "
                    "(percent / 100, so 0.01% is 0.0001)",
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
                pid_column(),
                day_column(what="day of the marrow assessment"),
                ColumnSpec(
                    "blasts_pct",
                    "number",
                    minimum=0,
                    maximum=100,
                    unit="%",
                    description="marrow blasts",
                    above_hint="is above 100%",
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
                pid_column(),
                day_column(what="day of the sample"),
                ColumnSpec(
                    "test",
                    "category",
                    allowed=tuple(LAB_TESTS),
                    description="test code; units fixed per test (see below)",
                ),
                ColumnSpec(
                    "value",
                    "number",
                    minimum=0,
                    description="result in the test's unit; its plausible range is the test's "
                    "(see below)",
                ),
            ),
            description="laboratory results, one row per test and sample (long format)",
        ),
        TableSpec(
            "crs",
            (
                pid_column(),
                day_column(what="day of the assessment"),
                ColumnSpec(
                    "temp_max_c",
                    "number",
                    allow_missing=True,
                    minimum=30,
                    maximum=45,
                    unit="°C",
                    description="highest temperature of the day",
                    below_hint="is below 30 °C; check the unit and the value",
                    above_hint="looks like °F; give the temperature in °C",
                    usual_minimum=34,
                    usual_maximum=42.5,
                    unusual_low_hint="°C is unusually low for the highest temperature of a day; "
                    "check it",
                    unusual_high_hint="°C is an unusually high temperature; check it",
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
                pid_column(),
                day_column(what="day of the assessment"),
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
                pid_column(),
                ColumnSpec(
                    "term",
                    "text",
                    description="e.g. `crs`, `icans`, `infection`, "
                    "`hlh`, `gvhd`, `febrile_neutropenia`",
                    max_length=CODE_LENGTH,
                ),
                ColumnSpec(
                    "grade",
                    "integer",
                    minimum=1,
                    maximum=5,
                    description="CTCAE v5.0 (ASTCT for crs and icans)",
                ),
                day_column("onset_day", "day of onset"),
                ColumnSpec(
                    "end_day",
                    "number",
                    required=False,
                    allow_missing=True,
                    unit="days from infusion",
                    description="day of resolution",
                    **day_limits(),
                ),
                ColumnSpec(
                    "category",
                    "text",
                    required=False,
                    allow_missing=True,
                    description="infection: `bacterial` / `viral` / `fungal`",
                    max_length=CODE_LENGTH,
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
                pid_column(),
                day_column(what="day given"),
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
