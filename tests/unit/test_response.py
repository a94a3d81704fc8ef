"""Day-28 response: worked cases from the published criteria.

Criteria (docs/endpoints.md, "Response at day 28"): CR = marrow blasts < 5%, no extramedullary
disease (EMD), ANC >= 1.0 and platelets >= 100 (10^9/L); CRi = the same marrow criteria with
counts not recovered; MRD-negative CR/CRi = CR or CRi with bone-marrow FCM MRD < 1e-4
(the study's FCM sensitivity 10^-4); the assessment nearest day 28 in a window (21-35 days).
"""

import numpy as np
import pandas as pd
import pytest

from cartkit.derive.response import compute_response, derive_response
from cartkit.errors import DataError

NA = np.nan

# blasts, emd, anc, platelets, expected, criterion
RESPONSE_CASES = [
    (0.0, False, 3.0, 250.0, "cr", "all CR criteria met"),
    (4.99, False, 1.0, 100.0, "cr", "blasts just under 5%; ANC exactly 1.0 and PLT exactly 100"),
    (5.0, False, 3.0, 250.0, "no_response", "blasts exactly 5% is not < 5%"),
    (12.0, False, 3.0, 250.0, "no_response", "blasts >= 5%"),
    (1.0, True, 3.0, 250.0, "no_response", "extramedullary disease excludes remission"),
    (1.0, NA, 3.0, 250.0, "cr", "EMD not recorded counts as absent"),
    (1.0, False, 0.99, 250.0, "cri", "ANC just under 1.0: counts not recovered"),
    (1.0, False, 3.0, 99.9, "cri", "platelets just under 100: counts not recovered"),
    (1.0, False, 0.2, 20.0, "cri", "both counts low"),
    (1.0, False, NA, 20.0, "cri", "one count known low is CRi even with the other missing"),
    (1.0, False, NA, 250.0, "cr_or_cri", "recovered platelets but ANC missing: undecided"),
    (1.0, False, NA, NA, "cr_or_cri", "no counts: CR vs CRi undecided"),
    (NA, False, 3.0, 250.0, "not_evaluable", "missing marrow blasts"),
    (NA, True, 3.0, 250.0, "not_evaluable", "missing marrow even with EMD"),
]


@pytest.mark.parametrize(("blasts", "emd", "anc", "plt", "expected", "criterion"), RESPONSE_CASES)
def test_compute_response_cases(blasts, emd, anc, plt, expected, criterion):
    got = compute_response([blasts], [emd], [anc], [plt])
    assert got[0] == expected, criterion


def test_compute_response_thresholds_are_options():
    got = compute_response([3.0], [False], [0.6], [60.0], anc_threshold=0.5, platelet_threshold=50)
    assert got[0] == "cr"
    assert compute_response([3.0], [False], [2], [200], blast_threshold=3.0)[0] == "no_response"


def _study(marrow, labs=None, mrd=None, ids=("A",)):
    tables = {
        "patients": pd.DataFrame({"patient_id": list(ids)}),
        "marrow": pd.DataFrame(
            marrow, columns=["patient_id", "day", "blasts_pct", "extramedullary"]
        ),
    }
    if labs is not None:
        tables["labs"] = pd.DataFrame(labs, columns=["patient_id", "day", "test", "value"])
    if mrd is not None:
        tables["mrd"] = pd.DataFrame(
            mrd, columns=["patient_id", "day", "specimen", "method", "mrd_fraction"]
        )
    return tables


def _counts(pid, day, anc, plt):
    return [(pid, day, "ANC", anc), (pid, day, "PLT", plt)]


def test_assessment_nearest_day_28_in_window():
    marrow = [("A", 20, 0.0, False), ("A", 33, 10.0, False), ("A", 26, 1.0, False)]
    res = derive_response(_study(marrow, _counts("A", 26, 2.0, 150)))
    row = res.table.iloc[0]
    assert row["marrow_day"] == 26  # day 20 is outside 21-35; 26 is 2 days off, 33 five
    assert row["response"] == "cr"


def test_tie_in_distance_goes_to_earlier_day():
    marrow = [("A", 30, 8.0, False), ("A", 26, 1.0, False)]
    res = derive_response(_study(marrow, _counts("A", 26, 2.0, 150)))
    assert res.table.iloc[0]["marrow_day"] == 26


def test_window_is_configurable_and_inclusive():
    marrow = [("A", 35, 1.0, False)]
    assert derive_response(_study(marrow)).table.iloc[0]["marrow_day"] == 35
    res = derive_response(_study(marrow), window=(21, 34))
    assert res.table.iloc[0]["response"] == "not_evaluable"
    with pytest.raises(DataError, match="contain the target day"):
        derive_response(_study(marrow), window=(30, 40))


def test_counts_nearest_the_marrow_day():
    marrow = [("A", 28, 1.0, False)]
    labs = _counts("A", 21, 0.3, 30) + _counts("A", 29, 1.5, 120) + _counts("A", 40, 0.1, 5)
    row = derive_response(_study(marrow, labs)).table.iloc[0]
    assert (row["anc"], row["platelets"], row["response"]) == (1.5, 120, "cr")


def test_missing_marrow_is_not_evaluable_and_listed():
    res = derive_response(_study([("A", 28, 1.0, False)], ids=("A", "B")))
    b = res.table.set_index("patient_id").loc["B"]
    assert b["response"] == "not_evaluable"
    assert pd.isna(b["responder"]) and pd.isna(b["mrd_negative_cr"])
    reasons = res.excluded.set_index("patient_id")["reason"]
    assert reasons["B"].startswith("response: no marrow assessment")
    # A responded, but without MRD mrd_negative_cr cannot be decided: listed, not dropped
    assert reasons["A"].startswith("mrd_negative_cr")
    assert len(res.table) == 2


# MRD value, response marrow blasts, expected mrd_negative_cr, criterion
MRD_CR_CASES = [
    (0.0, 1.0, True, "CR with undetectable MRD"),
    (9.9e-5, 1.0, True, "MRD just below 1e-4 is negative"),
    (1e-4, 1.0, False, "MRD exactly 1e-4 is positive (FCM >= 0.01%)"),
    (0.0, 7.0, False, "MRD-negative but no morphological remission"),
]


@pytest.mark.parametrize(("mrd", "blasts", "expected", "criterion"), MRD_CR_CASES)
def test_mrd_negative_cr(mrd, blasts, expected, criterion):
    tables = _study(
        [("A", 28, blasts, False)],
        _counts("A", 28, 0.5, 50),  # CRi counts: MRD-negative CR counts CR and CRi alike
        [("A", 28, "BM", "FCM", mrd)],
    )
    row = derive_response(tables).table.iloc[0]
    assert bool(row["mrd_negative_cr"]) is expected, criterion


def test_mrd_negative_cr_uses_bone_marrow_fcm_only():
    mrd = [("A", 28, "PB", "FCM", 0.0), ("A", 28, "BM", "qPCR", 0.0), ("A", 28, "BM", "FCM", 2e-3)]
    tables = _study([("A", 28, 1.0, False)], _counts("A", 28, 2, 200), mrd)
    row = derive_response(tables).table.iloc[0]
    assert row["d28_mrd"] == 2e-3
    assert not row["mrd_negative_cr"]


def test_non_responder_is_not_mrd_negative_cr_even_without_mrd():
    res = derive_response(_study([("A", 28, 30.0, False)]))
    value = res.table.iloc[0]["mrd_negative_cr"]
    assert not pd.isna(value) and not value
    assert res.excluded.empty


def test_undecided_counts_reported_as_finding():
    res = derive_response(_study([("A", 28, 1.0, False)], mrd=[("A", 28, "BM", "FCM", 0.0)]))
    assert res.table.iloc[0]["response"] == "cr_or_cri"
    assert bool(res.table.iloc[0]["responder"])
    assert res.findings["check"].tolist() == ["response_counts"]
