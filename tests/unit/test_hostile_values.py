"""Implausible values, contradictions and text that could drive a terminal (issue 15, points
1, 3 and 4): the exact line a user gets for each. The cases are built by tests/hostile.py."""

import os

import pytest
from tests.hostile import build, validate

#: case -> (exit code, lines the user must get, whole; {folder} is the case's folder)
EXPECTED = {
    # a last contact on day 10^15
    "day_1e15": (
        2,
        (
            (
                "ERROR: events, row 3, column day, patient P01: 1e+15 is more than 100 years "
                "after the infusion: days count from the CAR-T infusion (day 0); a calendar "
                "date (or an Excel date number) belongs in a date column"
            ),
        ),
    ),
    # transgene copies of 1e308
    "copies_1e308": (
        2,
        (
            (
                "ERROR: kinetics, row 3, column copies_per_ug, patient P01: 1e+308 copies/µg "
                "DNA is impossible (1 µg of DNA is about 150,000 cells); check the unit and the "
                "value"
            ),
        ),
    ),
    # an infusion date in 1492
    "date_1492": (
        2,
        (
            (
                "ERROR: patients, row 4, column infusion_date, patient P03: 1492-10-12 is "
                "before 1990-01-01, earlier than any CAR-T infusion; check the year"
            ),
        ),
    ),
    # an event dated 9999-12-31
    "event_date_far_future": (
        2,
        (
            (
                "ERROR: events, row 3, column date, patient P01: 9999-12-31 is after "
                "2100-12-31; check the year"
            ),
        ),
    ),
    # a day that is an Excel date number
    "excel_date_as_day": (
        2,
        (
            (
                "ERROR: kinetics, row 2, column day, patient P01: 43831 is more than 100 years "
                "after the infusion: days count from the CAR-T infusion (day 0); a calendar "
                "date (or an Excel date number) belongs in a date column"
            ),
        ),
    ),
    # a dose given in cells/kg
    "dose_in_cells_per_kg": (
        2,
        (
            (
                "ERROR: patients, row 5, column cart_dose_e6_per_kg, patient P04: 3.5e+06 "
                "×10^6/kg is impossible; is it cells/kg? give 10^6 cells/kg"
            ),
        ),
    ),
    # an ANC of 5,000,000 ×10^9/L
    "impossible_lab": (
        2,
        (
            (
                "ERROR: labs, row 2, column value, patient P01: ANC 5e+06 10^9/L is impossible; "
                "check the unit and the value"
            ),
        ),
    ),
    # an MRD sample 13 years before the infusion
    "day_far_before_infusion": (
        0,
        (
            (
                "WARNING: mrd, row 2, column day, patient P01: -5000 is more than 10 years "
                "before the infusion; check the day"
            ),
        ),
    ),
    # a highest temperature of 33.5 °C
    "hypothermic_day": (
        0,
        (
            (
                "WARNING: crs, row 2, column temp_max_c, patient P01: 33.5 °C is unusually low "
                "for the highest temperature of a day; check it"
            ),
        ),
    ),
    # one relapse day, two CD19 phenotypes
    "relapse_two_phenotypes": (
        2,
        (
            (
                "ERROR: events, row 21, column detail, patient P02: relapse on day 150 is "
                "cd19_positive here but cd19_negative in row 4; one relapse has one CD19 "
                "phenotype: keep the right row"
            ),
        ),
    ),
    # the same relapse row twice
    "same_relapse_twice": (
        0,
        (
            (
                "WARNING: events, row 21, column event, patient P02: relapse on day 150 is also "
                "in row 4; a relapse is counted once: remove one of the rows"
            ),
        ),
    ),
    # one sample day twice with other copies
    "kinetics_key_twice": (
        2,
        (
            (
                "ERROR: kinetics, row 82, column day, patient P01: duplicate of row 3 (same "
                "patient_id and day: patient_id P01, day 4); they differ in copies_per_ug; keep "
                "one row per patient_id and day"
            ),
        ),
    ),
    # a lab row repeated
    "identical_lab_rows": (
        0,
        (
            (
                "WARNING: labs, row 235, patient P01: identical to row 2; remove one of the "
                "rows (a repeated row is counted twice)"
            ),
        ),
    ),
    # a patient listed twice
    "patient_twice": (
        2,
        (
            (
                "ERROR: patients, row 10, column patient_id, patient P04: patient_id 'P04' is a "
                "duplicate of row 5; each patient has one row"
            ),
        ),
    ),
    # P1 for P01
    "unknown_patient_near_miss": (
        2,
        (
            (
                "ERROR: mrd, row 2, column patient_id, patient P1: patient 'P1' is not in the "
                "patients table (did you mean 'P01'?)"
            ),
        ),
    ),
    # an HSCT after the death
    "event_after_death": (
        2,
        (
            (
                "ERROR: events, row 21, column day, patient P04: hsct on day 300 is after the "
                "death on day 296 (row 12)"
            ),
        ),
    ),
    # a blood sample after the death
    "sample_after_death": (
        2,
        (
            (
                "ERROR: kinetics, row 82, column day, patient P05: day 300 is after the "
                "patient's death on day 205 (events row 15)"
            ),
        ),
    ),
    # a second death
    "second_death": (
        2,
        (
            (
                "ERROR: events, row 21, column event, patient P04: a second death for this "
                "patient (the first is in row 12); keep one"
            ),
        ),
    ),
    # an ANSI escape sequence in a patient id
    "terminal_escape_in_id": (
        0,
        (
            (
                "WARNING: patients, row 9, column patient_id: text has control characters "
                "(\\x1b), replaced by �: they could disturb a terminal or a report"
            ),
            (
                "WARNING: events, row 20, column patient_id: text has control characters "
                "(\\x1b), replaced by �: they could disturb a terminal or a report"
            ),
            (
                "WARNING: kinetics, row 71, column patient_id: text has control characters "
                "(\\x1b), replaced by �: they could disturb a terminal or a report"
            ),
        ),
    ),
    # a right-to-left override in a drug name
    "bidi_override_in_value": (
        2,
        (
            (
                "ERROR: medications, row 2, column drug, patient P02: 'tocilizumab\\u202e' is "
                "not one of tocilizumab, corticosteroid, vasopressor, ivig, other"
            ),
        ),
    ),
}


#: the cases the default run checks (one or two of each kind); the others are marked slow
FAST = {
    "copies_1e308",
    "date_1492",
    "day_1e15",
    "relapse_two_phenotypes",
    "sample_after_death",
    "terminal_escape_in_id",
}


@pytest.mark.skipif(os.name != "posix", reason="symbolic links and named pipes are POSIX")
@pytest.mark.parametrize(
    "name", [n if n in FAST else pytest.param(n, marks=pytest.mark.slow) for n in EXPECTED]
)
def test_what_the_user_gets(tmp_path, name):
    code, output = validate(build(name, tmp_path, trim=True))
    want_code, lines = EXPECTED[name]
    got = output.splitlines()
    assert "Traceback" not in output
    assert code == want_code, output
    for line in lines:
        assert line.replace("{folder}", str(tmp_path / name)) in got, output
