"""Fuzzing: any cell values and table shapes give a validation report or a clean
StudyValidationError, never another exception."""

import math

import pandas as pd
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import cartkit as ck
from cartkit.schema.spec import TABLES

EXAMPLE = ck.read_study(ck.example_study_path())

cells = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(-(10**12), 10**12),
    st.floats(allow_nan=True, allow_infinity=True),
    st.text(max_size=12),
    st.sampled_from(
        [
            "",
            " ",
            "NA",
            "yes",
            "P01",
            "P02",
            "relapse",
            "death",
            "last_contact",
            "BM",
            "FCM",
            "<100",
            "BLQ",
            "2019-02-30",
            "2020-01-01",
            "=1+1",
            "1e-4",
            "-0",
            "nan",
            "inf",
            "F",
            "M",
            "none",
            "1,5",
        ]
    ),
)


def mutate(draw, df: pd.DataFrame) -> pd.DataFrame:
    df = df.astype(object).copy()
    n_edits = draw(st.integers(0, 8))
    for _ in range(n_edits):
        if len(df) == 0 or len(df.columns) == 0:
            break
        r = draw(st.integers(0, len(df) - 1))
        c = draw(st.sampled_from(list(df.columns)))
        df.iloc[r, df.columns.get_loc(c)] = draw(cells)
    if draw(st.booleans()) and len(df.columns) > 1:
        df = df.drop(columns=[draw(st.sampled_from(list(df.columns)))])
    if draw(st.booleans()):
        df = df.head(draw(st.integers(0, len(df))))
    if draw(st.booleans()):
        df[draw(st.text(min_size=1, max_size=6))] = draw(cells)
    return df


@st.composite
def studies(draw):
    names = draw(st.lists(st.sampled_from([*TABLES, "extra"]), unique=True, max_size=6))
    tables = {}
    for name in names:
        base = EXAMPLE.tables.get(name, pd.DataFrame({"x": [1, 2]}))
        tables[draw(st.sampled_from([name, name.upper(), f" {name} "]))] = mutate(draw, base)
    # keep core tables often, so the cross-table checks are exercised
    for name in ("patients", "events"):
        if name not in names and draw(st.booleans()):
            tables[name] = mutate(draw, EXAMPLE[name])
    return ck.Study(tables)


def check_report(report):
    assert isinstance(report, ck.ValidationReport)
    probs = report.problems
    assert list(probs.columns) == ["table", "row", "column", "patient_id", "severity", "message"]
    assert set(probs["severity"]) <= {"error", "warning"}
    assert all(isinstance(m, str) and m for m in probs["message"])
    assert isinstance(report.summary(), str)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(studies())
def test_fuzzed_tables_give_a_report(study):
    check_report(ck.validate_study(study))
    try:
        ck.read_study(study)
    except ck.StudyValidationError as err:
        assert str(err)


@settings(
    max_examples=25,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
)
@given(st.data())
def test_fuzzed_csv_files_give_a_report(tmp_path_factory, data):
    folder = tmp_path_factory.mktemp("fuzz")
    study = data.draw(studies())
    for name, df in study.tables.items():
        text = df.to_csv(index=False)
        if data.draw(st.booleans()):
            text = text.replace(",", data.draw(st.sampled_from([";", ",,", "\t", '"'])), 1)
        safe = "".join(ch for ch in name.strip() if ch.isalnum() or ch in "_") or "t"
        (folder / f"{safe}.csv").write_text(text, encoding="utf-8")
    if not list(folder.iterdir()):
        return
    try:
        report = ck.validate_study(folder)
    except ck.CartkitError as err:  # unreadable file or a table given twice: a clear error
        assert str(err)
        return
    check_report(report)


def test_infinite_and_nan_numbers_are_problems():
    p = EXAMPLE["patients"].astype(object).copy()
    p.loc[0, "cart_dose_e6_per_kg"] = math.inf
    p.loc[1, "cart_dose_e6_per_kg"] = "nan"
    p.loc[2, "age_years"] = -math.inf
    report = ck.validate_study(ck.Study({"patients": p, "events": EXAMPLE["events"]}))
    errs = report.errors.set_index("patient_id")["message"]
    assert errs["P01"] == "inf is not a finite number"
    assert errs["P02"] == "'nan' is not a finite number"
    assert errs["P03"] == "-inf is not a finite number"
    assert len(errs) == 3
