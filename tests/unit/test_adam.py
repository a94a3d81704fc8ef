"""Analysis datasets (ADSL-like, ADTTE-like) on a small hand-built study whose truth is known.

Every value below follows from the rules tested in test_response, test_mrd, test_bca, test_risk
and test_tte; here the point is that the subject-level dataset carries each derived covariate
for every patient, lists what it could not derive, and merges extra per-patient columns.
"""

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from cartkit.derive.adam import ADSL_COLUMNS, derive_adam, derive_adsl
from cartkit.errors import DataError
from cartkit.study import Study


def _study():
    patients = pd.DataFrame(
        {
            "patient_id": ["P1", "P2", "P3"],
            "sex": ["F", "M", "M"],
            "age_years": [5.0, 9.0, 12.0],
            "indication": ["mrd_reemergence", "chemo_intolerance", "mrd_persistent"],
            "prior_hsct": [False, True, False],
            "prior_cart": [False, False, True],
            "cart_dose_e6_per_kg": [3.0, 2.0, 4.0],
            "genetic_lesions": ["BCR::ABL1;IKZF1plus", "ETV6::RUNX1", None],
        }
    )
    events = pd.DataFrame(
        [
            ("P1", 100, "relapse", "cd19_negative"),
            ("P1", 400, "last_contact", None),
            ("P2", -200, "hsct", None),  # prior HSCT: not after CAR-T
            ("P2", 60, "hsct", None),
            ("P2", 200, "death", "transplant"),
            ("P2", 200, "last_contact", None),
            ("P3", 800, "last_contact", None),
        ],
        columns=["patient_id", "day", "event", "detail"],
    )
    marrow = pd.DataFrame(
        {"patient_id": ["P1", "P2", "P3"], "day": [28, 27, 30], "blasts_pct": [1.0, 5.0, 0.5]}
    )
    labs = pd.DataFrame(
        [
            ("P1", 28, "ANC", 1.0), ("P1", 28, "PLT", 100.0),
            ("P3", 30, "ANC", 0.9), ("P3", 30, "PLT", 150.0),
            ("P1", 7, "BCELL_PCT_WBC", 0.5), ("P1", 60, "BCELL_PCT_WBC", 0.1),
            ("P1", 90, "BCELL_PCT_WBC", 5.0),
            ("P3", 14, "BCELL_PCT_WBC", 0.1), ("P3", 28, "BCELL_PCT_WBC", 0.1),
        ],
        columns=["patient_id", "day", "test", "value"],
    )  # fmt: skip
    mrd = pd.DataFrame(
        [
            ("P1", -20, "BM", "FCM", 1e-3),
            ("P1", -3, "BM", "FCM", 1e-4),
            ("P1", 28, "BM", "FCM", 0.0),
            ("P2", -10, "BM", "FCM", 0.02),
            ("P3", 28, "BM", "FCM", 1e-4),
        ],
        columns=["patient_id", "day", "specimen", "method", "mrd_fraction"],
    )
    kinetics = pd.DataFrame(
        {"patient_id": "P1", "day": [7, 14, 28, 84, 182], "copies_per_ug": [1e4, 5e4, 2e3, 0, 0]}
    )
    return {
        "patients": patients,
        "events": events,
        "marrow": marrow,
        "labs": labs,
        "mrd": mrd,
        "kinetics": kinetics,
    }


# patient, column, expected, criterion
ADSL_TRUTH = [
    ("P1", "female", True, "sex F"),
    ("P1", "risk_group", "poor", "BCR::ABL1 with IKZF1plus"),
    ("P2", "risk_group", "standard", "ETV6::RUNX1"),
    ("P1", "pre_ld_mrd_category", "1e-3 to <1e-2", "pre-LD 1e-3 lower bound inclusive"),
    ("P1", "post_ld_mrd_category", "1e-4 to <1e-3", "post-LD 1e-4 lower bound inclusive"),
    ("P2", "pre_ld_mrd_category", ">=1e-2", "2% pre-LD"),
    ("P1", "response_d28", "cr", "ANC exactly 1.0 and PLT exactly 100: CR"),
    ("P2", "response_d28", "no_response", "blasts exactly 5%"),
    ("P3", "response_d28", "cri", "ANC 0.9: CRi"),
    ("P1", "mrd_negative_cr_d28", True, "CR with MRD 0"),
    ("P3", "mrd_negative_cr_d28", False, "CRi with MRD exactly 1e-4"),
    ("P1", "bca_onset_day", 7.0, "first aplastic sample"),
    ("P1", "bca_duration_days", 83.0, "loss on day 90 - onset day 7"),
    ("P1", "bca_loss", 1, "BCA lost"),
    ("P1", "bca_loss_day", 90.0, "B cells recover on day 90: the time-dependent covariate's day"),
    ("P3", "bca_duration_days", 14.0, "censored at last aplastic sample day 28"),
    ("P3", "bca_loss", 0, "BCA censored"),
    ("P2", "hsct_after_cart", True, "HSCT on day 60"),
    ("P2", "hsct_day", 60.0, "the prior HSCT (day -200) does not count"),
    ("P1", "hsct_after_cart", False, "no HSCT"),
    ("P1", "relapse_phenotype", "cd19_negative", "relapse phenotype"),
    ("P2", "death_cause", "transplant", "cause of death"),
    ("P3", "follow_up_days", 800.0, "last contact"),
]


@pytest.fixture(scope="module")
def adam():
    return derive_adam(_study())


@pytest.mark.parametrize(("pid", "column", "expected", "criterion"), ADSL_TRUTH)
def test_adsl_values(adam, pid, column, expected, criterion):
    value = adam.adsl.set_index("patient_id").loc[pid, column]
    assert value == expected, criterion


def test_adsl_shape_and_missing_values_are_explained(adam):
    adsl = adam.adsl
    assert list(adsl.columns) == list(ADSL_COLUMNS)
    assert adsl["patient_id"].tolist() == ["P1", "P2", "P3"]
    assert adsl.loc[0, "follow_up_months"] == pytest.approx(400 / 30.4375)
    reasons = adam.excluded.groupby("patient_id")["reason"].agg(list)
    assert any(r.startswith("risk_group") for r in reasons["P3"])  # no lesions, no group
    assert any(r.startswith("bca") for r in reasons["P2"])  # no B-cell samples
    assert pd.isna(adsl.loc[1, "bca"]) and pd.isna(adsl.loc[1, "bca_duration_days"])
    # censored aplasia: no recovery day
    assert adsl.loc[2, "bca_loss"] == 0 and pd.isna(adsl.loc[2, "bca_loss_day"])


def test_adtte_has_every_endpoint(adam):
    codes = set(adam.adtte["PARAMCD"])
    assert codes == {"OS", "LFS", "CIR", "NRM", "REL19N", "REL19P", "PERSIST", "BCADUR"}
    os_ = adam.adtte[adam.adtte["PARAMCD"] == "OS"].set_index("patient_id")
    assert os_.loc["P2", ["AVAL", "CNSR"]].tolist() == [200.0, 0]


def test_extra_columns_are_merged():
    extra = pd.DataFrame({"patient_id": ["P1", "P3"], "cmax": [5e4, np.nan], "crs_max": [2, 0]})
    adsl = derive_adsl(_study(), extra=extra).table
    assert list(adsl.columns[-2:]) == ["cmax", "crs_max"]
    assert adsl["cmax"].iloc[0] == 5e4 and pd.isna(adsl["cmax"].iloc[1])


@pytest.mark.parametrize(
    ("extra", "message"),
    [
        (pd.DataFrame({"patient_id": ["P1", "P1"], "x": [1, 2]}), "more than one row"),
        (pd.DataFrame({"patient_id": ["P1"], "sex": ["F"]}), "already exist"),
        (pd.DataFrame({"patient_id": ["P9"], "x": [1]}), "not in the patients table"),
        (pd.DataFrame({"id": ["P1"]}), "patient_id column"),
    ],
)
def test_extra_errors(extra, message):
    with pytest.raises(DataError, match=message):
        derive_adsl(_study(), extra=extra)


def test_missing_optional_tables_give_missing_values_not_errors():
    tables = {k: v for k, v in _study().items() if k in ("patients", "events")}
    res = derive_adam(Study(tables))
    assert res.adsl["response_d28"].isna().all() and res.adsl["pre_ld_mrd"].isna().all()
    reasons = set(res.excluded["reason"])
    n = len(tables["patients"])
    assert {
        f"marrow table absent: day-28 response (CR/CRi, MRD-negative CR/CRi) not derived for any "
        f"patient ({n} patients)",
        f"labs table absent: B-cell aplasia (onset, duration, B-cell recovery) not derived for "
        f"any patient ({n} patients)",
        f"PERSIST: kinetics table absent, CAR-T persistence (Tlast) not derived for any patient "
        f"({n} patients)",
    } <= reasons
    # one row for everybody, not one per patient
    absent = res.excluded[res.excluded["reason"].str.contains("table absent")]
    assert absent["patient_id"].isna().all() and not absent["reason"].duplicated().any()
    assert set(res.adtte["PARAMCD"]) == {"OS", "LFS", "CIR", "NRM", "REL19N", "REL19P"}


def test_censor_at_hsct_and_options_pass_through():
    res = derive_adam(_study(), censor_at_hsct=True, bca_options={"wbc_threshold": 0.2})
    os_ = res.adtte[res.adtte["PARAMCD"] == "OS"].set_index("patient_id")
    assert os_.loc["P2", ["AVAL", "CNSR"]].tolist() == [60.0, 1]
    # with a 0.2% threshold the day-7 sample (0.5%) is not aplastic: onset moves to day 60
    assert res.adsl.set_index("patient_id").loc["P1", "bca_onset_day"] == 60.0


@settings(max_examples=15, deadline=None)
@given(st.lists(st.tuples(st.integers(0, 2000), st.integers(0, 2000)), min_size=1, max_size=6))
def test_adsl_one_row_per_patient_and_follow_up(pairs):
    ids = [f"S{i}" for i in range(len(pairs))]
    rows = []
    for pid, (a, b) in zip(ids, pairs, strict=True):
        last = max(a, b)
        rows += [(pid, min(a, b), "relapse", "cd19_positive"), (pid, last, "last_contact", None)]
    tables = {
        "patients": pd.DataFrame({"patient_id": ids, "sex": "M"}),
        "events": pd.DataFrame(rows, columns=["patient_id", "day", "event", "detail"]),
    }
    res = derive_adam(tables)
    assert res.adsl["patient_id"].tolist() == ids
    assert (res.adsl["relapse_day"] <= res.adsl["follow_up_days"]).all()
    lfs = res.adtte[res.adtte["PARAMCD"] == "LFS"].set_index("patient_id")["AVAL"]
    assert (lfs.reindex(ids).to_numpy() == res.adsl["relapse_day"].to_numpy()).all()


def test_repeated_patient_ids_are_named():
    from cartkit.derive._common import patient_ids

    pats = pd.DataFrame({"patient_id": ["A", "B", "A", "C", "C", "C"]})
    with pytest.raises(DataError, match=r"repeated: A, C$"):
        patient_ids({"patients": pats})
