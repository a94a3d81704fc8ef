"""simulate_study: tables in the contract format, reproducibility, validation and arguments."""

import re
import time
from dataclasses import fields, replace
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import cartkit as ck
from cartkit.errors import DataError
from cartkit.simulate import Scenario, simulate_study

TABLES = {
    "patients": [
        "patient_id", "sex", "age_years", "indication", "prior_hsct", "prior_cart",
        "cart_dose_e6_per_kg", "diagnosis_to_infusion_months", "genetic_lesions", "risk_group",
        "infusion_date",
    ],
    "events": ["patient_id", "day", "event", "detail"],
    "kinetics": ["patient_id", "day", "copies_per_ug", "blq", "lloq"],
    "mrd": ["patient_id", "day", "specimen", "method", "mrd_fraction", "timepoint"],
    "marrow": ["patient_id", "day", "blasts_pct", "extramedullary"],
    "labs": ["patient_id", "day", "test", "value"],
    "crs": ["patient_id", "day", "temp_max_c", "hypotension", "oxygen"],
    "icans": [
        "patient_id", "day", "ice_score", "capd_score", "consciousness", "seizure",
        "motor_weakness", "cerebral_edema",
    ],
    "adverse_events": [
        "patient_id", "term", "grade", "onset_day", "end_day", "category", "detail",
    ],
    "medications": ["patient_id", "day", "drug", "detail"],
}  # fmt: skip
ALLOWED = {
    ("patients", "sex"): {"F", "M"},
    ("patients", "indication"): {"mrd_reemergence", "mrd_persistent", "chemo_intolerance"},
    ("patients", "risk_group"): {"standard", "poor", "unclassified"},
    ("events", "event"): {"relapse", "death", "hsct", "last_contact", "new_therapy"},
    ("mrd", "specimen"): {"BM"},
    ("mrd", "method"): {"FCM"},
    ("mrd", "timepoint"): {"pre_ld", "post_ld", "d28", "followup"},
    ("crs", "hypotension"): {"none", "fluids", "vasopressor", "multiple_vasopressors"},
    ("crs", "oxygen"): {"none", "low_flow", "high_flow", "positive_pressure"},
    ("icans", "consciousness"): {"awake", "voice", "touch", "unarousable"},
    ("icans", "seizure"): {"none", "rapid", "prolonged"},
    ("icans", "cerebral_edema"): {"none", "focal", "diffuse"},
    ("adverse_events", "term"): {"crs", "icans", "infection", "hlh"},
    ("medications", "drug"): {"tocilizumab", "corticosteroid", "vasopressor"},
    ("labs", "test"): {
        "ANC", "LYM", "WBC", "PLT", "HGB", "IL6", "CRP", "FERRITIN", "BCELL_PCT_LYM",
        "BCELL_PCT_WBC",
    },
}  # fmt: skip


@pytest.fixture(scope="module")
def study():
    return simulate_study()


@pytest.fixture(scope="module")
def big():
    return simulate_study(1500, seed=7)


def test_every_table_with_contract_columns(study):
    assert list(study.tables) == list(TABLES)
    for name, columns in TABLES.items():
        assert list(study[name].columns) == columns, name
        assert len(study[name]) > 0, name
    assert study.source == "simulated"


def test_patients_one_row_each_with_ids(study):
    p = study["patients"]
    assert p["patient_id"].tolist() == [f"P{i:03d}" for i in range(1, 51)]
    assert study.patient_ids == p["patient_id"].tolist()
    assert p["age_years"].between(0, 18).all()
    assert (p["cart_dose_e6_per_kg"] > 0).all()
    assert p["prior_hsct"].dtype == bool and p["prior_cart"].dtype == bool


def test_ids_widen_beyond_999():
    ids = simulate_study(1000, seed=3)["patients"]["patient_id"]
    assert ids.iloc[0] == "P0001" and ids.iloc[-1] == "P1000"


def test_types(study):
    for name, df in study.tables.items():
        assert df["patient_id"].map(type).eq(str).all(), name
        for col in ("day", "onset_day", "end_day", "copies_per_ug", "value", "mrd_fraction"):
            if col in df:
                assert df[col].dtype == np.float64, (name, col)
    assert study["kinetics"]["blq"].dtype == bool
    assert study["icans"]["motor_weakness"].dtype == bool
    assert study["marrow"]["extramedullary"].dtype == bool
    assert study["adverse_events"]["grade"].between(1, 5).all()


def test_categorical_values_are_allowed(big):
    for (table, column), allowed in ALLOWED.items():
        values = set(big[table][column].dropna().unique())
        assert values <= allowed, (table, column, values - allowed)
    relapse = big["events"].query("event == 'relapse'")["detail"]
    assert set(relapse) == {"cd19_negative", "cd19_positive"}
    infection = big["adverse_events"].query("term == 'infection'")["category"]
    assert set(infection) == {"bacterial", "viral", "fungal"}


@pytest.mark.parametrize("cohort", ["study", "big"])
def test_one_last_contact_per_patient_on_or_after_everything(request, cohort):
    big = request.getfixturevalue(cohort)
    ev = big["events"]
    last = ev[ev["event"] == "last_contact"]
    assert last["patient_id"].is_unique
    assert set(last["patient_id"]) == set(big["patients"]["patient_id"])
    last_day = last.set_index("patient_id")["day"]
    for name, df in big.tables.items():
        if name == "patients":
            continue
        col = "onset_day" if name == "adverse_events" else "day"
        assert (df[col] <= df["patient_id"].map(last_day)).all(), name
    deaths = ev[ev["event"] == "death"].set_index("patient_id")["day"]
    assert (deaths == last_day.reindex(deaths.index)).all()
    assert ev.groupby("patient_id")["event"].apply(lambda e: (e == "death").sum() <= 1).all()


def test_rows_ordered_by_patient_then_day(big):
    for name in ("events", "kinetics", "mrd", "labs", "crs", "icans", "medications"):
        df = big[name]
        key = df["patient_id"].str[1:].astype(int) * 10_000 + df["day"]
        assert key.is_monotonic_increasing, name


def test_same_seed_identical_tables():
    a, b = simulate_study(80, seed=11), simulate_study(80, seed=11)
    for name in a.tables:
        pd.testing.assert_frame_equal(a[name], b[name], check_exact=True)
    pd.testing.assert_frame_equal(a.metadata["truth"], b.metadata["truth"], check_exact=True)


def test_different_seeds_differ():
    a, b = simulate_study(80, seed=1), simulate_study(80, seed=2)
    for name in ("patients", "kinetics", "labs", "events"):
        assert not a[name].equals(b[name]), name


@pytest.mark.parametrize("fmt", ["csv", "parquet", "xlsx"])
def test_written_files_byte_identical(tmp_path, fmt):
    paths = []
    for k in (0, 1):
        paths.append(sorted(simulate_study(30, seed=5).write(tmp_path / f"run{k}", format=fmt)))
        time.sleep(1.1 if fmt == "xlsx" else 0)  # a workbook must not record when it was saved
    assert [p.name for p in paths[0]] == [p.name for p in paths[1]]
    assert len(paths[0]) == (1 if fmt == "xlsx" else len(TABLES))
    for p, q in zip(*paths, strict=True):
        assert p.read_bytes() == q.read_bytes(), p.name


def test_changing_one_component_leaves_the_others():
    base = simulate_study(200, seed=4)
    other = simulate_study(
        200, seed=4, scenario=replace(Scenario(), p_tocilizumab_by_grade=(0, 0.5, 1, 1, 1))
    )
    assert not base["medications"].equals(other["medications"])
    for name in base.tables:
        if name != "medications":
            pd.testing.assert_frame_equal(base[name], other[name], check_exact=True)


def test_passes_validation():
    report = ck.validate_study(simulate_study(300, seed=12))
    assert report.ok, report.summary()
    assert len(report.problems) == 0, report.summary()


def test_written_study_reads_back(tmp_path):
    study = simulate_study(40, seed=9)
    study.write(tmp_path / "csv", format="csv")
    back = ck.read_study(tmp_path / "csv")
    for name in study.tables:
        got = back[name][study[name].columns]
        np.testing.assert_array_equal(got["patient_id"], study[name]["patient_id"])
        if "day" in study[name]:
            np.testing.assert_array_equal(got["day"], study[name]["day"])


@settings(max_examples=8, deadline=None)
@given(n=st.integers(1, 25), seed=st.integers(0, 2**32 - 1))
def test_any_size_and_seed_is_valid(n, seed):
    study = simulate_study(n, seed=seed)
    assert len(study["patients"]) == n
    assert (study["events"]["event"] == "last_contact").sum() == n
    assert ck.validate_study(study).ok


def test_truth_metadata(big):
    truth = big.metadata["truth"]
    assert truth["patient_id"].tolist() == big.patient_ids
    assert big.metadata["seed"] == 7 and big.metadata["n_patients"] == 1500
    assert big.metadata["scenario"] == Scenario()
    ev = big["events"]
    rel = ev[ev["event"] == "relapse"].set_index("patient_id")["day"]
    pd.testing.assert_series_equal(
        truth.set_index("patient_id")["relapse_day"].dropna(), rel, check_names=False
    )
    ae = big["adverse_events"]
    crs_ae = ae[ae["term"] == "crs"].set_index("patient_id")["grade"]
    got = truth.set_index("patient_id")["crs_grade"]
    assert (got.reindex(crs_ae.index) == crs_ae).all()
    assert (got.drop(crs_ae.index) == 0).all()


@pytest.mark.parametrize(
    ("kwargs", "match"),
    [
        ({"n_patients": 0}, "n_patients"),
        ({"n_patients": 2.5}, "n_patients"),
        ({"seed": -1}, "seed"),
        ({"seed": "x"}, "seed"),
        ({"scenario": {"p_male": 0.5}}, "Scenario"),
    ],
)
def test_bad_arguments(kwargs, match):
    with pytest.raises(DataError, match=match):
        simulate_study(**kwargs)


@pytest.mark.parametrize(
    ("changes", "match"),
    [
        ({"p_male": 1.5}, "p_male"),
        ({"p_indication": (0.5, 0.5, 0.5)}, "sum to 1"),
        ({"p_lesions": (0.1,)}, "one probability per lesion"),
        ({"crs_cutpoints": (1.0, 0.0, 2.0, 3.0)}, "non-decreasing"),
        ({"lloq": 0.0}, "lloq"),
    ],
)
def test_bad_scenario(changes, match):
    with pytest.raises(DataError, match=match):
        replace(Scenario(), **changes)


def test_docs_list_every_scenario_knob():
    text = (Path(__file__).resolve().parents[2] / "docs" / "simulation.md").read_text("utf-8")
    section = text.split("## Scenario knobs", 1)[1].split("\n## ", 1)[0]
    named = set(re.findall(r"`(\w+)`", section))
    knobs = {f.name for f in fields(Scenario)}
    assert knobs <= named, knobs - named


@settings(max_examples=8, deadline=None)
@given(
    p_male=st.floats(0, 1),
    cmax_median=st.floats(100, 1e7),
    crs_shift=st.floats(-3, 3),
    hsct_logit=st.floats(-5, 5),
    p_lost=st.floats(0, 1),
    p_age_le_10=st.floats(0, 1),
)
def test_other_scenarios_stay_valid(
    p_male, cmax_median, crs_shift, hsct_logit, p_lost, p_age_le_10
):
    sc = replace(
        Scenario(),
        p_male=p_male,
        cmax_median=cmax_median,
        crs_cutpoints=tuple(c + crs_shift for c in Scenario().crs_cutpoints),
        hsct_logit=hsct_logit,
        p_lost_to_follow_up=p_lost,
        p_age_le_10=p_age_le_10,
    )
    study = simulate_study(30, seed=3, scenario=sc)
    report = ck.validate_study(study)
    assert report.ok, report.summary()


def test_age_range_must_fit_the_young_share():
    with pytest.raises(DataError, match="age_range"):
        replace(Scenario(), age_range=(12.0, 18.0))
    ages = simulate_study(
        300, seed=2, scenario=replace(Scenario(), age_range=(12.0, 18.0), p_age_le_10=0.0)
    )["patients"]["age_years"]
    assert ages.between(12, 18).all()
