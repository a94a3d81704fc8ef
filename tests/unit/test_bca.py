"""B-cell aplasia: worked cases.

Criteria (the paper's Methods, ref. 10; docs/endpoints.md "B-cell aplasia"): aplasia = B cells
<= 1% of WBC or <= 3% of lymphocytes; onset = first aplastic sample after infusion; loss = first
non-aplastic sample after onset (optionally confirmed by the next sample); duration censored at
the last aplastic sample when follow-up stops (HSCT, CAR-T reinfusion, CD19-negative relapse,
death, last contact / end of monitoring).
"""

import numpy as np
import pandas as pd
import pytest

from cartkit.derive.bca import compute_bca, derive_bca

NA = np.nan

# % of WBC, % of lymphocytes, expected (1 aplastic, 0 not, NaN unknown), criterion
SAMPLE_CASES = [
    (1.0, NA, 1.0, "exactly 1% of WBC is aplasia (<= 1%)"),
    (1.01, NA, 0.0, "just above 1% of WBC"),
    (NA, 3.0, 1.0, "exactly 3% of lymphocytes is aplasia (<= 3%)"),
    (NA, 3.01, 0.0, "just above 3% of lymphocytes"),
    (5.0, 2.0, 1.0, "either measure suffices (lymphocytes)"),
    (0.5, 10.0, 1.0, "either measure suffices (WBC)"),
    (2.0, 8.0, 0.0, "both above"),
    (NA, NA, NA, "no measure"),
]


@pytest.mark.parametrize(("wbc", "lym", "expected", "criterion"), SAMPLE_CASES)
def test_compute_bca(wbc, lym, expected, criterion):
    got = compute_bca([wbc], [lym])[0]
    assert (np.isnan(got) and np.isnan(expected)) or got == expected, criterion


def _study(samples, events=(), ids=("A",)):
    """samples: (day, pct_wbc) for patient A; events: (day, event, detail)."""
    labs = [("A", d, "BCELL_PCT_WBC", v) for d, v in samples]
    ev = [("A", d, e, x) for d, e, x in events]
    return {
        "patients": pd.DataFrame({"patient_id": list(ids)}),
        "labs": pd.DataFrame(labs, columns=["patient_id", "day", "test", "value"]),
        "events": pd.DataFrame(ev, columns=["patient_id", "day", "event", "detail"]),
    }


AP, NOT = 0.1, 10.0  # an aplastic and a non-aplastic sample value (% of WBC)
LC = (400, "last_contact", None)

# samples, events, confirm_loss, (onset, end, duration, event, reason), criterion
COURSE_CASES = [
    (
        [(7, AP), (14, AP), (28, AP), (60, NOT)],
        [LC],
        False,
        (7, 60, 53, 1, None),
        "loss at first non-aplastic sample",
    ),
    (
        [(-3, AP), (7, NOT), (14, AP), (60, NOT)],
        [LC],
        False,
        (14, 60, 46, 1, None),
        "onset is the first aplastic sample after infusion",
    ),
    (
        [(7, AP), (14, AP), (28, AP)],
        [LC],
        False,
        (7, 28, 21, 0, "end_of_monitoring"),
        "never lost: censored at last aplastic sample",
    ),
    (
        [(7, AP), (30, NOT), (60, AP), (90, NOT), (120, NOT)],
        [LC],
        True,
        (7, 90, 83, 1, None),
        "confirmed loss: single non-aplastic sample followed by aplasia ignored",
    ),
    (
        [(7, AP), (30, NOT), (60, AP)],
        [LC],
        False,
        (7, 30, 23, 1, None),
        "without confirmation a single non-aplastic sample is the loss",
    ),
    (
        [(7, AP), (30, AP), (60, NOT)],
        [LC],
        True,
        (7, 30, 23, 0, "loss_unconfirmed"),
        "unconfirmed loss at the last sample: censored at last aplastic sample",
    ),
    (
        [(7, AP), (30, AP), (90, NOT)],
        [(60, "hsct", None), LC],
        False,
        (7, 30, 23, 0, "hsct"),
        "HSCT stops follow-up; later recovery is not a loss",
    ),
    (
        [(7, AP), (30, AP), (60, NOT)],
        [(60, "hsct", None), LC],
        False,
        (7, 60, 53, 1, None),
        "a loss on the HSCT day still counts",
    ),
    (
        [(7, AP), (30, AP), (90, NOT)],
        [(45, "cart_reinfusion", None), LC],
        False,
        (7, 30, 23, 0, "cart_reinfusion"),
        "reinfusion stops follow-up",
    ),
    (
        [(7, AP), (30, AP), (90, NOT)],
        [(50, "relapse", "cd19_negative"), LC],
        False,
        (7, 30, 23, 0, "cd19_negative_relapse"),
        "CD19-negative relapse stops follow-up",
    ),
    (
        [(7, AP), (30, AP), (90, NOT)],
        [(50, "relapse", "cd19_positive"), LC],
        False,
        (7, 90, 83, 1, None),
        "CD19-positive relapse does not stop follow-up (loss of BCA)",
    ),
    (
        [(7, AP), (30, AP)],
        [(40, "death", "infection"), (40, "last_contact", None)],
        False,
        (7, 30, 23, 0, "death"),
        "death stops follow-up",
    ),
    (
        [(7, AP), (30, AP), (90, NOT)],
        [(60, "last_contact", None)],
        False,
        (7, 30, 23, 0, "end_of_monitoring"),
        "samples after the last contact are ignored",
    ),
]


@pytest.mark.parametrize(("samples", "events", "confirm", "expected", "criterion"), COURSE_CASES)
def test_bca_course(samples, events, confirm, expected, criterion):
    res = derive_bca(_study(samples, events), confirm_loss=confirm)
    row = res.table.iloc[0]
    onset, end, duration, event, reason = expected
    got = (row["onset_day"], row["end_day"], row["duration_days"], row["event"])
    assert got == (onset, end, duration, event), criterion
    assert (row["censor_reason"] if event == 0 else None) == reason, criterion
    assert row["status"] == ("loss" if event else "censored")
    assert bool(row["bca"])


def test_never_aplastic_has_no_duration_and_no_km_time():
    # no onset, no duration: a 0 would enter every BCA-duration analysis as the shortest one
    row = derive_bca(_study([(7, NOT), (14, NOT)], [LC])).table.iloc[0]
    assert not row["bca"] and row["status"] == "never_aplastic"
    assert pd.isna(row["duration_days"])
    assert pd.isna(row["event"]) and pd.isna(row["end_day"])


def test_patients_without_samples_are_listed():
    res = derive_bca(_study([(7, AP)], [LC], ids=("A", "B")))
    assert res.table["patient_id"].tolist() == ["A"]
    assert res.excluded.to_dict("records") == [
        {
            "patient_id": "B",
            "reason": "bca: no B-cell sample (BCELL_PCT_WBC / BCELL_PCT_LYM) after infusion",
        }
    ]


def test_lymphocyte_percentage_and_thresholds():
    tables = _study([], [LC])
    tables["labs"] = pd.DataFrame(
        [("A", 7, "BCELL_PCT_LYM", 2.0), ("A", 30, "bcell_pct_lym", 4.0)],
        columns=["patient_id", "day", "test", "value"],
    )
    row = derive_bca(tables).table.iloc[0]
    assert (row["onset_day"], row["loss_day"]) == (7, 30)
    row = derive_bca(tables, lymphocyte_threshold=5.0).table.iloc[0]
    assert row["status"] == "censored" and row["end_day"] == 30
