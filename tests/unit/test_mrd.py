"""MRD categories, positivity, pre-/post-LD selection and the study's eligibility checks.

Criteria (the paper's Methods, docs/endpoints.md "MRD" and "Eligibility"): categories
< 1e-4, 1e-4 to < 1e-3, 1e-3 to < 1e-2, >= 1e-2 with each lower bound inclusive (the paper's
"MRD >= 10^-4" groups); positivity FCM >= 0.01% or qPCR fusion transcript detected;
re-emergence = redetection after negativity on >= 2 consecutive occasions >= 2 weeks apart with
blasts < 5%; chemotherapy intolerance by criteria (i)-(iv).
"""

import numpy as np
import pandas as pd
import pytest

from cartkit.derive.eligibility import check_eligibility, derive_eligibility
from cartkit.derive.mrd import (
    MRD_CATEGORIES,
    compute_mrd_category,
    compute_mrd_positive,
    derive_mrd,
)
from cartkit.errors import DataError

# value, expected category, criterion
CATEGORY_CASES = [
    (0.0, "<1e-4", "undetectable"),
    (9.99e-5, "<1e-4", "just below 1e-4"),
    (1e-4, "1e-4 to <1e-3", "exactly 1e-4 belongs to the higher group (>= 10^-4)"),
    (9.99e-4, "1e-4 to <1e-3", "just below 1e-3"),
    (1e-3, "1e-3 to <1e-2", "exactly 1e-3 belongs to the higher group (>= 10^-3)"),
    (1e-2, ">=1e-2", "exactly 1e-2 belongs to the top group (>= 10^-2)"),
    (0.0322, ">=1e-2", "3.22% (the HLH patient)"),
    (1.0, ">=1e-2", "upper limit"),
]


@pytest.mark.parametrize(("value", "expected", "criterion"), CATEGORY_CASES)
def test_mrd_category_boundaries(value, expected, criterion):
    assert compute_mrd_category([value])[0] == expected, criterion


def test_mrd_category_missing_and_order():
    cat = compute_mrd_category([np.nan, 0.5])
    assert pd.isna(cat[0])
    assert list(cat.categories) == list(MRD_CATEGORIES) and cat.ordered


def test_mrd_category_rejects_percentages():
    with pytest.raises(DataError, match="divide percentages by 100"):
        compute_mrd_category([5.0])


# fraction, method, positive, criterion
POSITIVE_CASES = [
    (1e-4, "FCM", True, "FCM exactly 0.01% is positive (>= 0.01%)"),
    (9.9e-5, "FCM", False, "FCM below 0.01%"),
    (1e-6, "qPCR", True, "any qPCR fusion transcript detected"),
    (0.0, "qPCR", False, "qPCR not detected"),
    (np.nan, "FCM", False, "missing result"),
]


@pytest.mark.parametrize(("frac", "method", "expected", "criterion"), POSITIVE_CASES)
def test_mrd_positive(frac, method, expected, criterion):
    assert bool(compute_mrd_positive([frac], [method])[0]) is expected, criterion


def test_mrd_positive_rejects_unknown_method():
    with pytest.raises(DataError, match="FCM or qPCR"):
        compute_mrd_positive([0.1], ["ngs"])


def _mrd(rows, timepoint=False):
    cols = ["patient_id", "day", "specimen", "method", "mrd_fraction"]
    return pd.DataFrame(rows, columns=[*cols, "timepoint"] if timepoint else cols)


def test_pre_and_post_ld_by_day():
    mrd = _mrd(
        [
            ("A", -30, "BM", "FCM", 0.2),
            ("A", -8, "BM", "FCM", 2e-3),  # last before LD (day -5): pre-LD
            ("A", -6, "PB", "FCM", 0.5),  # peripheral blood does not count
            ("A", -5, "BM", "FCM", 5e-4),  # LD start day: post-LD window
            ("A", 0, "BM", "FCM", 1e-4),  # day of infusion: last post-LD
            ("A", 28, "BM", "FCM", 0.0),
        ]
    )
    res = derive_mrd({"patients": pd.DataFrame({"patient_id": ["A"]}), "mrd": mrd})
    row = res.table.iloc[0]
    assert (row["pre_ld_mrd"], row["pre_ld_mrd_day"]) == (2e-3, -8)
    assert (row["post_ld_mrd"], row["post_ld_mrd_day"]) == (1e-4, 0)
    assert row["post_ld_mrd_category"] == "1e-4 to <1e-3"
    assert row["d28_mrd"] == 0.0
    assert res.excluded.empty


def test_timepoint_labels_win_over_days_and_missing_is_listed():
    mrd = _mrd(
        [
            ("A", -20, "BM", "FCM", 0.03, "pre_ld"),
            ("A", -9, "BM", "FCM", 0.5, None),  # unlabelled; A has a labelled pre-LD sample
            ("B", -7, "BM", "FCM", 1e-3, None),
            ("B", 40, "BM", "FCM", 0.0, "d28"),  # labelled d28 outside the window still counts
        ],
        timepoint=True,
    )
    res = derive_mrd({"patients": pd.DataFrame({"patient_id": ["A", "B"]}), "mrd": mrd})
    data = res.table.set_index("patient_id")
    assert data.loc["A", "pre_ld_mrd"] == 0.03
    assert data.loc["B", "pre_ld_mrd"] == 1e-3
    assert data.loc["B", "d28_mrd"] == 0.0
    reasons = sorted(res.excluded["reason"].str.split(":").str[0] + res.excluded["patient_id"])
    assert reasons == ["d28_mrdA", "post_ld_mrdA", "post_ld_mrdB"]


# --- eligibility ------------------------------------------------------------------------------

# pre-infusion MRD series (day, method, fraction), marrow (day, blasts), expected, criterion
REEMERGENCE_CASES = [
    (
        [(-90, "FCM", 0), (-60, "FCM", 2e-4), (-40, "FCM", 3e-4)],
        [],
        True,
        "neg then 2 pos 20 d apart",
    ),
    ([(-90, "FCM", 0), (-60, "FCM", 2e-4), (-46, "FCM", 3e-4)], [], True, "exactly 14 days apart"),
    (
        [(-90, "FCM", 0), (-60, "FCM", 2e-4), (-50, "FCM", 3e-4)],
        [],
        False,
        "positives < 2 weeks apart",
    ),
    ([(-90, "FCM", 0), (-60, "FCM", 2e-4)], [], False, "a single positive sample"),
    ([(-60, "FCM", 2e-4), (-30, "FCM", 3e-4)], [], False, "never negative before: persistence"),
    (
        [(-90, "FCM", 0), (-60, "FCM", 2e-4), (-45, "FCM", 0), (-30, "FCM", 1e-3)],
        [],
        False,
        "positives not consecutive",
    ),
    (
        [(-90, "FCM", 0), (-60, "qPCR", 1e-5), (-40, "FCM", 5e-5), (-30, "qPCR", 2e-6)],
        [],
        False,
        "FCM < 0.01% breaks the run",
    ),
    (
        [(-90, "FCM", 0), (-60, "qPCR", 1e-5), (-40, "qPCR", 2e-6)],
        [],
        True,
        "qPCR positivity counts",
    ),
    (
        [(-90, "FCM", 0), (-60, "FCM", 2e-4), (-40, "FCM", 3e-4)],
        [(-50, 7.0)],
        False,
        "blasts >= 5% during the run: morphological relapse",
    ),
    ([(-90, "FCM", 0), (-60, "FCM", 2e-4), (-40, "FCM", 3e-4)], [(-50, 4.9)], True, "blasts < 5%"),
    (
        [(-200, "FCM", 2e-3), (-150, "FCM", 0), (-100, "FCM", 1e-3), (-80, "FCM", 1e-3)],
        [],
        True,
        "positive, negative, then re-emergence",
    ),
]


def _eligibility_study(series, marrow, indication="mrd_reemergence"):
    mrd = _mrd([("A", d, "BM", m, f) for d, m, f in series])
    tables = {
        "patients": pd.DataFrame({"patient_id": ["A"], "indication": [indication]}),
        "mrd": mrd,
    }
    if marrow:
        tables["marrow"] = pd.DataFrame(
            [("A", d, b) for d, b in marrow], columns=["patient_id", "day", "blasts_pct"]
        )
    return tables


@pytest.mark.parametrize(("series", "marrow", "expected", "criterion"), REEMERGENCE_CASES)
def test_mrd_reemergence_sequences(series, marrow, expected, criterion):
    res = derive_eligibility(_eligibility_study(series, marrow))
    assert bool(res.table.iloc[0]["mrd_reemergence"]) is expected, criterion
    assert len(res.findings) == (0 if expected else 1), criterion


def test_samples_after_infusion_do_not_count():
    series = [(-90, "FCM", 0), (-60, "FCM", 2e-4), (30, "FCM", 3e-4)]
    assert not derive_eligibility(_eligibility_study(series, [])).table.iloc[0]["mrd_reemergence"]


def test_persistent_mrd():
    ok = derive_eligibility(
        _eligibility_study([(-60, "FCM", 2e-3), (-30, "FCM", 1e-3)], [], "mrd_persistent")
    )
    assert ok.table.iloc[0]["mrd_persistent"] and ok.findings.empty
    bad = derive_eligibility(
        _eligibility_study([(-60, "FCM", 0), (-30, "FCM", 1e-3)], [], "mrd_persistent")
    )
    assert not bad.table.iloc[0]["mrd_persistent"]
    assert "negative MRD sample precedes" in bad.findings.iloc[0]["message"]
    none = check_eligibility(_eligibility_study([(-60, "FCM", 0)], [], "mrd_persistent"))
    assert "no positive MRD sample" in none.iloc[0]["message"]


def _ci_study(labs=(), aes=()):
    return {
        "patients": pd.DataFrame({"patient_id": ["A"], "indication": ["chemo_intolerance"]}),
        "labs": pd.DataFrame(list(labs), columns=["patient_id", "day", "test", "value"]),
        "adverse_events": pd.DataFrame(
            list(aes), columns=["patient_id", "term", "grade", "onset_day"]
        ),
    }


def _low_anc(start, end, step=7, value=0.3):
    return [("A", d, "ANC", value) for d in range(start, end + 1, step)]


# labs, adverse events, criterion column expected True (None: no criterion), criterion text
INTOLERANCE_CASES = [
    (_low_anc(-100, -70, step=10), [], "ci_myelosuppression", "ANC < 0.5 over 30 days (> 4 weeks)"),
    (_low_anc(-100, -72), [], None, "ANC < 0.5 over exactly 28 days is not > 4 weeks"),
    (
        [("A", d, "PLT", 15) for d in range(-100, -69, 10)],
        [],
        "ci_myelosuppression",
        "platelets < 20 over 30 days",
    ),
    (
        [*_low_anc(-100, -86), ("A", -85, "ANC", 0.8), *_low_anc(-84, -70)],
        [],
        None,
        "recovery in between splits the run",
    ),
    (
        [("A", -52, "ANC", 0.2)],
        [("A", "infection", 4, -50)],
        "ci_infection",
        "grade 4 infection with ANC < 0.5 within 7 days",
    ),
    (
        [("A", -52, "ANC", 2.0)],
        [("A", "infection", 4, -50)],
        None,
        "life-threatening infection but not neutropenic",
    ),
    ([("A", -52, "ANC", 0.2)], [("A", "infection", 3, -50)], None, "grade 3 infection"),
    ([], [("A", "hepatotoxicity", 3, -40)], "ci_organ_toxicity", "grade 3 organ toxicity"),
    ([], [("A", "hepatotoxicity", 2, -40)], None, "grade 2 organ toxicity"),
    ([], [("A", "neutropenia", 4, -40)], None, "haematological toxicity is not organ toxicity"),
    (
        [],
        [("A", "febrile_neutropenia", 3, -80), ("A", "febrile_neutropenia", 3, -40)],
        "ci_febrile_neutropenia",
        "two febrile-neutropenia episodes",
    ),
    ([], [("A", "febrile_neutropenia", 3, -40)], None, "one episode is not recurrent"),
    ([], [("A", "hepatotoxicity", 4, 10)], None, "after infusion: not chemotherapy intolerance"),
]


@pytest.mark.parametrize(("labs", "aes", "column", "criterion"), INTOLERANCE_CASES)
def test_chemo_intolerance_criteria(labs, aes, column, criterion):
    res = derive_eligibility(_ci_study(labs, aes))
    row = res.table.iloc[0]
    flags = ["ci_myelosuppression", "ci_infection", "ci_organ_toxicity", "ci_febrile_neutropenia"]
    assert [c for c in flags if row[c]] == ([column] if column else []), criterion
    assert bool(row["chemo_intolerance"]) is (column is not None)
    assert len(res.findings) == (0 if column else 1)


def test_unknown_indication_is_a_finding():
    tables = _eligibility_study([(-60, "FCM", 2e-3)], [], "other")
    res = derive_eligibility(tables)
    assert pd.isna(res.table.iloc[0]["eligible"])
    assert "not one of the study's" in res.findings.iloc[0]["message"]
