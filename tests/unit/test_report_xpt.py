"""ADaM datasets as SAS transport files (XPORT version 5): names, labels, types, values read
back with pyreadstat, and reproducible bytes."""

from __future__ import annotations

import re

import numpy as np
import pandas as pd
import pyreadstat
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import cartkit as ck
from cartkit.derive.adam import ADSL_COLUMNS
from cartkit.derive.registry import VARIABLES, labels_for
from cartkit.errors import DataError
from cartkit.plan.default import default_plan
from cartkit.report.xpt import TEXT_MAX, adam_xpt_paths, write_adam_xpt, write_xpt
from cartkit.report.xpt_names import XPT_NAMES, ascii_text, xpt_label, xpt_names

VALID = re.compile(r"^[A-Z_][A-Z0-9_]{0,7}$")
STAMP = re.compile(rb"\d\d[A-Z]{3}\d\d:\d\d:\d\d:\d\d")


def read(path):
    return pyreadstat.read_xport(str(path))


# --- names -------------------------------------------------------------------------------


def test_every_variable_of_adsl_and_the_default_plan_has_a_fixed_name():
    columns = [*ADSL_COLUMNS, *VARIABLES, *(v.name for v in default_plan().derived)]
    missing = [c for c in columns if c not in XPT_NAMES and not VALID.match(c)]
    assert missing == []
    names = list(XPT_NAMES.values())
    assert len(set(names)) == len(names)
    assert all(VALID.match(n) for n in names)
    assert XPT_NAMES["bca_duration_days"] == "BCADURD"


def test_names_by_rule_keep_each_words_start_and_never_take_a_fixed_name():
    columns = ["USUBJID", "log10_cmax", "diagnosis_to_infusion", "Age", "CMAX", "1st dose"]
    names = xpt_names([*columns, "größe_kg", "x" * 12])
    assert names == {
        "USUBJID": "USUBJID",
        "log10_cmax": "LOG1CMAX",
        "diagnosis_to_infusion": "DIATOINF",
        "Age": "AGE2",  # AGE is age_years' fixed name
        "CMAX": "CMAX2",
        "1st dose": "V1STDOSE",
        "größe_kg": "GROSSEKG",
        "x" * 12: "XXXXXXXX",
    }


def test_names_that_collide_count_up_in_column_order():
    names = xpt_names(["score", "Score", "SCORE", "my_variable_one", "my_variable_onf"])
    assert list(names.values()) == ["SCORE", "SCORE2", "SCORE3", "MYVARONE", "MYVARONF"]
    assert xpt_names(["visit_01_value", "visit_01_values", "visit_01_valuex"]) == {
        "visit_01_value": "VIS01VAL",
        "visit_01_values": "VIS01VA2",
        "visit_01_valuex": "VIS01VA3",
    }


@given(st.lists(st.text(min_size=1, max_size=40), unique=True, max_size=30))
def test_names_are_valid_unique_and_at_most_8_characters(columns):
    names = xpt_names(columns)
    assert list(names) == columns
    assert len(set(names.values())) == len(columns)
    assert all(VALID.match(n) for n in names.values())


# --- labels and ASCII --------------------------------------------------------------------


def test_labels_keep_the_long_name_and_say_what_the_variable_is():
    assert xpt_label("bca_duration_days", "BCADURD", "BCA duration, days") == (
        "bca_duration_days: BCA duration, days"
    )
    assert xpt_label("cart_dose_e6_per_kg", "CARTDOSE", "CAR-T dose, 10⁶/kg") == (
        "cart_dose_e6_per_kg: CAR-T dose, 10^6/kg"
    )
    # both do not fit in 40 characters: the long name alone
    long = "diagnosis_to_infusion_months"
    assert xpt_label(long, "DXINFMO", "Diagnosis to infusion, months") == long
    assert xpt_label("AVAL", "AVAL", "Analysis Value") == "Analysis Value"
    assert xpt_label("ecog", "ECOG", None) == "ecog"


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Pre-LD MRD < 10⁻⁴", "Pre-LD MRD < 10^-4"),
        ("copies/µg DNA × day", "copies/ug DNA x day"),
        ("CRS grade ≥ 3", "CRS grade >= 3"),
        ("AUC0–28d", "AUC0-28d"),
        ("Müller, café", "Muller, cafe"),
        ("CAR‑T", "CAR-T"),
        ("漢字", "??"),
        ("tab\there", "tab?here"),
    ],
)
def test_ascii_text(text, expected):
    assert ascii_text(text) == expected


# --- writing and reading back ------------------------------------------------------------


@pytest.fixture
def frame():
    return pd.DataFrame(
        {
            "USUBJID": ["P1", "P2", "P3"],
            "bca_duration_days": [64.0, np.nan, 0.1],
            "female": pd.array([True, None, False], dtype="boolean"),
            "death": np.array([True, False, False]),
            "crs_max_grade": pd.array([1, None, 3], dtype="Int64"),
            "pre_ld_mrd_category": pd.Categorical(["<1e-4", None, ">=1e-2"]),
            "death_cause": ["relapse", None, "µ ≥ 3"],
            "when": pd.to_datetime(["2020-01-02", None, "2021-12-31 06:30"], format="ISO8601"),
        }
    )


def test_values_read_back_as_written(tmp_path, frame):
    labels = labels_for().labels
    variables = write_xpt(frame, tmp_path / "adsl.xpt", dataset="adsl", label="ADSL", labels=labels)
    back, meta = read(tmp_path / "adsl.xpt")
    assert list(back.columns) == [
        "USUBJID",
        "BCADURD",
        "FEMALE",
        "DEATH",
        "CRSMAXGR",
        "PRLDMRDC",
        "DTHCAUS",
        "WHEN",
    ]
    assert meta.table_name == "ADSL" and meta.file_label == "ADSL"
    assert meta.column_labels[:3] == [
        "Unique Subject Identifier",
        "bca_duration_days: BCA duration, days",
        "female: Female",
    ]
    assert back["USUBJID"].tolist() == ["P1", "P2", "P3"]
    np.testing.assert_array_equal(back["BCADURD"], [64.0, np.nan, 0.1])
    np.testing.assert_array_equal(back["FEMALE"], [1.0, np.nan, 0.0])
    np.testing.assert_array_equal(back["DEATH"], [1.0, 0.0, 0.0])
    np.testing.assert_array_equal(back["CRSMAXGR"], [1.0, np.nan, 3.0])
    # missing text is SAS's blank
    assert back["PRLDMRDC"].tolist() == ["<1e-4", "", ">=1e-2"]
    assert back["DTHCAUS"].tolist() == ["relapse", "", "u >= 3"]
    assert back["WHEN"].tolist()[0] == pd.Timestamp("2020-01-02")
    assert pd.isna(back["WHEN"][1])
    assert back["WHEN"][2] == pd.Timestamp("2021-12-31 06:30")
    assert variables["type"].tolist() == ["char", "num", "num", "num", "num", "char", "char", "num"]
    assert variables["length"].tolist() == [2, 8, 8, 8, 8, 6, 7, 8]
    assert variables.set_index("variable").loc["death_cause", "note"] == (
        "1 value(s) with characters outside ASCII spelt in ASCII"
    )


# each example writes and reads a file: a slow disk must not fail it
@settings(max_examples=60, deadline=None)
@given(
    st.lists(
        st.floats(allow_nan=False, allow_infinity=False).filter(
            lambda x: x == 0 or 16.0**-65 <= abs(x) < 2.0**249
        ),
        min_size=1,
        max_size=20,
    )
)
def test_every_number_the_format_holds_reads_back_exactly(tmp_path_factory, values):
    path = tmp_path_factory.mktemp("x") / "n.xpt"
    write_xpt(pd.DataFrame({"x": values}), path, dataset="n", label="n")
    back, _ = read(path)
    np.testing.assert_array_equal(back["X"].to_numpy(), np.array(values, dtype=float))


def test_numbers_beyond_the_format_become_missing_or_zero_with_a_note(tmp_path):
    frame = pd.DataFrame({"x": [np.inf, -1e300, 1e-300, 2.0**248, 1.0]})
    variables = write_xpt(frame, tmp_path / "n.xpt", dataset="n", label="n")
    back, _ = read(tmp_path / "n.xpt")
    np.testing.assert_array_equal(back["X"], [np.nan, np.nan, 0.0, 2.0**248, 1.0])
    assert variables["note"][0] == (
        "2 infinite or too large value(s) (9.0e74 or more) written as missing; "
        "1 value(s) smaller than 5.4e-79 written as 0"
    )


def test_text_longer_than_200_characters_is_cut_with_a_note(tmp_path):
    frame = pd.DataFrame({"note": ["a" * 250, "short", "b" * 200]})
    variables = write_xpt(frame, tmp_path / "t.xpt", dataset="t", label="t")
    back, _ = read(tmp_path / "t.xpt")
    assert back["NOTE"].tolist() == ["a" * TEXT_MAX, "short", "b" * 200]
    assert variables["length"][0] == 200
    assert variables["note"][0] == "1 value(s) longer than 200 characters cut to 200"


def test_the_header_time_is_fixed_so_the_bytes_are_reproducible(tmp_path, frame):
    write_xpt(frame, tmp_path / "a.xpt", dataset="adsl", label="ADSL")
    data = (tmp_path / "a.xpt").read_bytes()
    header = data[: 8 * 80]
    # every time stamp in the library and member headers is 1 January 2000, 00:00:00
    assert STAMP.findall(header) == [b"01JAN00:00:00:00"] * 4
    assert read(tmp_path / "a.xpt")[1].creation_time == pd.Timestamp("2000-01-01").to_pydatetime()
    write_xpt(frame, tmp_path / "b.xpt", dataset="adsl", label="ADSL")
    assert (tmp_path / "b.xpt").read_bytes() == data


def test_bad_dataset_and_column_names_are_refused(tmp_path):
    with pytest.raises(DataError, match="at most 8"):
        write_xpt(pd.DataFrame({"a": [1]}), tmp_path / "x.xpt", dataset="toolongname", label="")
    twice = pd.DataFrame([[1, 2]], columns=["a", "a"])
    with pytest.raises(DataError, match="column\\(s\\) a appear more than once"):
        write_xpt(twice, tmp_path / "x.xpt", dataset="x", label="")


def test_the_adam_datasets_of_a_study_read_back_as_their_csv_values(tmp_path):
    adam = ck.derive_adam(ck.simulate_study(n_patients=12, seed=3))
    derived = {"adsl": adam.adsl, "adtte": adam.adtte, "excluded": adam.excluded}
    files = write_adam_xpt(derived, tmp_path, labels=labels_for().labels)
    assert [f.name for f in files] == ["adsl.xpt", "adtte.xpt", "xpt_variables.csv"]
    assert adam_xpt_paths(derived, tmp_path) == files
    variables = pd.read_csv(tmp_path / "xpt_variables.csv", keep_default_na=False)
    for name, frame in (("adsl", adam.adsl), ("adtte", adam.adtte)):
        back, meta = read(tmp_path / f"{name}.xpt")
        rows = variables[variables["dataset"] == name]
        assert rows["variable"].tolist() == list(frame.columns)
        assert list(back.columns) == rows["name"].tolist()
        assert meta.column_labels == rows["label"].tolist()
        assert all(meta.column_labels) and max(map(len, meta.column_labels)) <= 40
        for column, xname, kind in rows[["variable", "name", "type"]].itertuples(index=False):
            expected = frame[column]
            if kind == "num":
                want = expected.astype("Float64").to_numpy(float, na_value=np.nan)
                np.testing.assert_array_equal(back[xname].to_numpy(), want, err_msg=column)
            else:
                want = expected.astype(object).where(expected.notna(), "").astype(str)
                assert back[xname].tolist() == want.tolist(), column
    assert meta.file_label == "Time-to-Event Analysis Dataset"
    assert read(tmp_path / "adsl.xpt")[1].file_label == "Subject-Level Analysis Dataset"
    assert not (tmp_path / "excluded.xpt").exists()


def test_a_derived_dataset_may_not_take_the_variable_lists_name(tmp_path):
    with pytest.raises(ValueError, match="xpt_variables"):
        adam_xpt_paths({"xpt_variables": pd.DataFrame()}, tmp_path)


def test_numbers_and_yes_no_stored_as_objects_are_numerics(tmp_path):
    frame = pd.DataFrame(
        {
            "dose": pd.Series([1, 2.5, None], dtype=object),
            "flag": pd.Series([True, None, False], dtype=object),
            "when": pd.to_datetime(["2020-01-01T12:00Z", "2020-06-01T00:00Z", None]),
        }
    )
    variables = write_xpt(frame, tmp_path / "o.xpt", dataset="o", label="o")
    back, _ = read(tmp_path / "o.xpt")
    assert variables["type"].tolist() == ["num", "num", "num"]
    np.testing.assert_array_equal(back["DOSE"], [1.0, 2.5, np.nan])
    np.testing.assert_array_equal(back["FLAG"], [1.0, np.nan, 0.0])
    assert back["WHEN"][0] == pd.Timestamp("2020-01-01 12:00")
    assert variables["note"][2] == "date-times converted to UTC"
