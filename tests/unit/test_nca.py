"""Worked NCA cases, each value computed by hand from the PKNCA rules."""

import math

import numpy as np
import pandas as pd
import pytest

from cartkit.errors import DataError
from cartkit.kinetics import NCA_COLUMNS, PARAMETERS, nca, nca_arrays


def frame(points, pid="P1"):
    return pd.DataFrame(
        {"patient_id": pid, "day": [t for t, _ in points], "copies_per_ug": [c for _, c in points]}
    )


def one(points, **kw):
    return nca(frame(points), **kw).iloc[0]


def log_trap(c1, c2, dt):
    return dt * (c1 - c2) / math.log(c1 / c2)


def test_columns_are_fixed_and_ordered():
    got = nca(frame([(0, 0), (7, 1000)]))
    assert list(got.columns) == ["patient_id", *NCA_COLUMNS]
    assert list(NCA_COLUMNS) == [
        "cmax",
        "tmax",
        "tlast",
        "clast",
        "auc_window",
        "auclast",
        "lambda_z",
        "half_life",
        "r2_adj",
        "n_lambda_z",
        "persisting",
        "note",
    ]
    other = nca(frame([(0, 0), (7, 1000)]), window=(0, 3), auc_method="linear")
    assert list(other.columns) == list(got.columns)


def test_registry_carries_cdisc_codes_and_dependencies():
    codes = {name: p.cdisc for name, p in PARAMETERS.items()}
    assert codes["cmax"] == "CMAX"
    assert codes["tlast"] == "TLST"
    assert codes["auc_window"] == "AUCINT"
    assert codes["auclast"] == "AUCLST"
    assert codes["half_life"] == "LAMZHL"
    assert codes["r2_adj"] == "R2ADJ"
    assert PARAMETERS["half_life"].depends == ("lambda_z",)
    seen = set()
    for name, p in PARAMETERS.items():
        assert set(p.depends) <= seen, name  # registry order respects dependencies
        seen.add(name)


def test_window_end_between_samples_rising_is_linear():
    got = one([(0, 0), (7, 1000), (14, 5000), (21, 3000)], window=(0, 10))
    c10 = 1000 + 3 / 7 * 4000
    assert got["auc_window"] == pytest.approx(7 * 1000 / 2 + 3 * (1000 + c10) / 2, rel=1e-12)


def test_window_end_between_samples_falling_is_logarithmic():
    got = one([(0, 0), (7, 1000), (21, 8000), (35, 2000)], window=(0, 28))
    c28 = 4000.0  # halfway on the log scale between 8000 and 2000
    want = 7 * 1000 / 2 + 14 * 9000 / 2 + log_trap(8000, c28, 7)
    assert got["auc_window"] == pytest.approx(want, rel=1e-12)
    linear = one([(0, 0), (7, 1000), (21, 8000), (35, 2000)], auc_method="linear")
    assert linear["auc_window"] == pytest.approx(3500 + 63000 + 7 * (8000 + 5000) / 2, rel=1e-12)


def test_middle_blq_is_dropped():
    got = one([(0, 0), (7, 1000), (14, 50), (21, 800), (28, 300)])
    want = 3500 + log_trap(1000, 800, 14) + log_trap(800, 300, 7)
    assert got["auclast"] == pytest.approx(want, rel=1e-12)
    assert got["auc_window"] == pytest.approx(want, rel=1e-12)
    assert (got["tmax"], got["tlast"], got["clast"]) == (7, 28, 300)
    kept = one([(0, 0), (7, 1000), (14, 50), (21, 800), (28, 300)], blq_rule={"middle": "keep"})
    assert kept["auclast"] == pytest.approx(3500 + 3500 + 2800 + log_trap(800, 300, 7))


TRAILING = [(0, 0), (7, 1000), (14, 500), (21, 250), (28, 125), (56, 50), (84, 0)]


def test_trailing_blqs_and_exact_terminal_phase():
    got = one(TRAILING)
    assert got["tlast"] == 28
    assert got["clast"] == 125
    assert got["lambda_z"] == pytest.approx(math.log(2) / 7, rel=1e-12)
    assert got["half_life"] == pytest.approx(7, rel=1e-12)
    assert got["r2_adj"] == pytest.approx(1.0, rel=1e-12)
    assert got["n_lambda_z"] == 3
    assert not got["persisting"]
    want = 3500 + log_trap(1000, 500, 7) + log_trap(500, 250, 7) + log_trap(250, 125, 7)
    assert got["auclast"] == pytest.approx(want, rel=1e-12)
    assert got["auc_window"] == pytest.approx(want, rel=1e-12)


def test_window_after_tlast_follows_pknca_aucint_last():
    auclast = one(TRAILING)["auclast"]
    # window end is a kept BLQ sample: Clast falls linearly to it (PKNCA aucint.last)
    sampled = one(TRAILING, window=(0, 56))
    assert sampled["auc_window"] == pytest.approx(auclast + 28 * 125 / 2, rel=1e-12)
    # window end not sampled and after Tlast: the curve is 0 from Tlast on
    assert one(TRAILING, window=(0, 50))["auc_window"] == pytest.approx(auclast, rel=1e-12)
    assert one(TRAILING, window=(0, 70))["auc_window"] == pytest.approx(auclast, rel=1e-12)
    assert one(TRAILING, window=(30, 50))["auc_window"] == 0


def test_all_blq_profile():
    got = one([(0, 0), (7, 50), (14, 20)])
    assert got["cmax"] == 0
    assert got["clast"] == 0
    assert got["auclast"] == 0
    assert got["auc_window"] == 0
    for name in ["tmax", "tlast", "lambda_z", "half_life", "r2_adj", "n_lambda_z"]:
        assert math.isnan(got[name]), name
    assert "all samples below LLOQ" in got["note"]
    assert not got["persisting"]


def test_single_quantifiable_sample():
    got = one([(0, 0), (7, 5000), (14, 0)])
    assert (got["cmax"], got["tmax"], got["tlast"], got["clast"]) == (5000, 7, 7, 5000)
    assert got["auclast"] == pytest.approx(7 * 5000 / 2)
    assert got["auc_window"] == pytest.approx(7 * 5000 / 2)
    assert math.isnan(got["lambda_z"])
    assert "fewer than 3 quantifiable samples after Tmax" in got["note"]


def test_persisting_when_last_sample_is_quantifiable():
    got = one([(0, 0), (7, 1000), (14, 500), (28, 300)])
    assert got["persisting"]
    assert not one([(0, 0), (7, 1000), (14, 500), (28, 30)])["persisting"]


def test_tmax_is_the_first_time_of_cmax():
    assert one([(0, 0), (7, 900), (14, 900), (21, 100)])["tmax"] == 7


def test_duplicate_time_names_patient_and_time():
    df = pd.concat([frame([(0, 0), (7, 10)], "A"), frame([(0, 0), (7, 1000), (7, 900)], "B")])
    with pytest.raises(DataError, match=r"id 'B', time 7\)"):
        nca(df)


def test_unsorted_input_gives_the_same_result():
    df = pd.concat([frame(TRAILING, "B"), frame([(0, 0), (4, 300), (9, 2000), (30, 150)], "A")])
    ordered = nca(df)
    shuffled = nca(df.sample(frac=1.0, random_state=3))
    assert list(ordered["patient_id"]) == ["A", "B"]
    pd.testing.assert_frame_equal(ordered, shuffled)


def test_negative_values_are_an_error_listing_every_row():
    df = pd.concat([frame([(0, 0), (7, -5)], "A"), frame([(0, -1), (7, 1000)], "B")])
    df = df.reset_index(drop=True)
    with pytest.raises(DataError, match="negative") as err:
        nca(df)
    assert "row 1 (id 'A', time 7)" in str(err.value)
    assert "row 2 (id 'B', time 0)" in str(err.value)


def test_missing_concentration_is_dropped_and_reported():
    points = [(0, 0), (7, 1000), (14, None), (21, 800), (28, 300)]
    got = one(points)
    clean = one([p for p in points if p[1] is not None])
    assert "1 missing concentration(s) dropped (time 14)" in got["note"]
    assert got["auclast"] == clean["auclast"]
    assert got["persisting"]


def test_missing_time_or_id_is_an_error():
    df = frame([(0, 0), (None, 1000)])
    with pytest.raises(DataError, match="'day' is empty"):
        nca(df)
    df = frame([(0, 0), (7, 1000)])
    df.loc[1, "patient_id"] = None
    with pytest.raises(DataError, match="'patient_id' is empty"):
        nca(df)


def test_missing_column_and_bad_options():
    with pytest.raises(DataError, match="no column"):
        nca(frame([(0, 0)]), conc="conc")
    with pytest.raises(DataError, match="auc_method"):
        nca(frame([(0, 0)]), auc_method="log")
    with pytest.raises(DataError, match="window"):
        nca(frame([(0, 0)]), window=(28, 0))
    with pytest.raises(DataError, match="blq_rule"):
        nca(frame([(0, 0)]), blq_rule={"last": "zero"})


def test_per_row_lloq_and_blq_flag():
    df = frame([(0, 0), (7, 1000), (14, 500), (21, 250)])
    df["lloq"] = [None, 100, 100, 300]
    assert nca(df, lloq_column="lloq").iloc[0]["tlast"] == 14
    df["blq"] = ["no", "no", "yes", "n"]
    got = nca(df, blq="blq").iloc[0]
    assert got["auclast"] == pytest.approx(3500 + log_trap(1000, 250, 14))
    df["blq"] = ["no", "maybe", "yes", "n"]
    with pytest.raises(DataError, match="'blq' must hold"):
        nca(df, blq="blq")


def test_window_starting_before_first_sample_starts_from_zero():
    got = one([(1, 200), (7, 1000), (14, 500)], window=(0, 7))
    assert got["auc_window"] == pytest.approx(1 * 200 / 2 + 6 * 1200 / 2, rel=1e-12)
    assert "before the first sample taken as 0" in got["note"]
    assert got["auclast"] == pytest.approx(100 + 6 * 1200 / 2 + log_trap(1000, 500, 7))
    assert "AUClast starts from concentration 0 at time 0" in got["note"]


def test_a_single_sample_has_no_auclast():
    got = one([(0, 5000)])
    assert got["cmax"] == 5000
    assert math.isnan(got["auclast"])
    assert "a single sample" in got["note"]
    # a single sample after time 0 has the infusion as its second point
    assert one([(7, 5000)])["auclast"] == pytest.approx(7 * 5000 / 2)


def test_tlast_at_the_first_sample_gives_auclast_zero():
    # PKNCA pk.calc.auc.last: 2 kept points (the trailing BLQ is kept), so not "one measured
    # concentration"; the interval starting at Tlast is "zero", so AUClast = 0, not NaN
    got = one([(0, 100), (1, 0)])
    assert (got["tmax"], got["tlast"], got["clast"]) == (0, 0, 100)
    assert got["auclast"] == 0
    assert got["auc_window"] == 0
    assert "a single sample" not in got["note"]
    # a trailing BLQ that the rule drops leaves one point: no AUClast
    dropped = one([(0, 100), (1, 0)], blq_rule={"first": "keep", "middle": "drop", "last": "drop"})
    assert math.isnan(dropped["auclast"])


def test_a_numerically_zero_terminal_slope_gives_no_lambda_z():
    # after Tmax (day 0): logs (a, b, a) at days 1, 2, 3 have slope 0 exactly; rounding can give
    # either sign, so no lambda_z (not 1e-16 and a half-life of 1e15 days)
    got = one([(0, 101), (1, 101), (2, 100), (3, 101)])
    for name in ["lambda_z", "half_life", "r2_adj", "n_lambda_z"]:
        assert math.isnan(got[name]), name
    assert "no terminal fit with lambda_z > 0" in got["note"]
    # a genuine, tiny decline is still a lambda_z: 101 -> 100.99 -> 100.98 over 2 days
    small = one([(0, 102), (1, 101), (2, 100.99), (3, 100.98)])
    x, y = np.array([1.0, 2, 3]), np.log([101, 100.99, 100.98])
    assert small["lambda_z"] == pytest.approx(-np.polyfit(x, y, 1)[0], rel=1e-9)


def test_lin_log_uses_logs_only_after_tmax():
    points = [(0, 0), (7, 1000), (14, 500), (21, 250)]
    got = one(points, auc_method="lin-log")
    assert got["auclast"] == pytest.approx(3500 + log_trap(1000, 500, 7) + log_trap(500, 250, 7))
    # a rise after a fall stays on the log scale with lin-log, linear with lin-up/log-down
    rise = [(0, 0), (7, 1000), (14, 200), (21, 400)]
    assert one(rise, auc_method="lin-log")["auclast"] == pytest.approx(
        3500 + log_trap(1000, 200, 7) + log_trap(200, 400, 7)
    )
    assert one(rise)["auclast"] == pytest.approx(3500 + log_trap(1000, 200, 7) + 7 * 600 / 2)


def test_best_fit_prefers_more_points_within_tolerance():
    # exact exponential over the last 4 points; adding the 5th point lowers adjusted R²
    points = [(0, 0), (2, 9000), (5, 4000), (7, 1600), (14, 800), (21, 400), (28, 200)]
    got = one(points, lloq=0)
    assert got["n_lambda_z"] == 4
    assert got["lambda_z"] == pytest.approx(math.log(2) / 7, rel=1e-12)


def test_nca_arrays_matches_nca():
    df = pd.concat([frame(TRAILING, "A"), frame([(0, 0), (4, 300), (9, 2000), (30, 150)], "B")])
    by_frame = nca(df)
    time = np.full((2, 7), np.nan)
    conc = np.full((2, 7), np.nan)
    time[0], conc[0] = zip(*TRAILING, strict=True)
    time[1, :4], conc[1, :4] = [0, 4, 9, 30], [0, 300, 2000, 150]
    by_array = nca_arrays(time, conc, lloq=100.0)
    pd.testing.assert_frame_equal(by_array, by_frame.drop(columns="patient_id"))


def test_nca_arrays_rejects_unsorted_rows():
    with pytest.raises(DataError, match="increase"):
        nca_arrays([[0, 7, 5]], [[0, 1, 2]])


def test_duplicate_time_found_in_unsorted_data():
    df = frame([(7, 1000), (0, 0), (14, 300), (7, 900)], "B")
    with pytest.raises(DataError, match=r"row 0 \(id 'B', time 7\), row 3 \(id 'B', time 7\)"):
        nca(df)


def test_profiles_of_equal_length_in_order_match_the_array_path():
    points = [(0, 0), (7, 1000), (14, 500), (28, 120)]
    df = pd.concat([frame(points, "A"), frame([(t, 2 * c) for t, c in points], "B")])
    time = np.array([[t for t, _ in points]] * 2, dtype=float)
    conc = np.array([[c for _, c in points], [2 * c for _, c in points]], dtype=float)
    got = nca(df)
    pd.testing.assert_frame_equal(got.drop(columns="patient_id"), nca_arrays(time, conc, lloq=100))
    assert got["auclast"].iloc[1] == pytest.approx(2 * got["auclast"].iloc[0], rel=1e-12)


def test_nca_arrays_per_sample_lloq_and_blq_flags():
    time = np.array([[0, 7, 14, 21], [0, 7, 14, 21]], dtype=float)
    conc = np.array([[0, 1000, 500, 250], [0, 1000, 500, 250]], dtype=float)
    lloq = np.array([[100, 100, 100, 300], [100, 100, 100, 100]], dtype=float)
    blq = np.zeros_like(conc, dtype=bool)
    blq[1, 2] = True
    got = nca_arrays(time, conc, lloq=lloq, blq=blq)
    assert list(got["tlast"]) == [14, 21]
    assert got["auclast"].iloc[1] == pytest.approx(3500 + log_trap(1000, 250, 14))
    assert list(got["persisting"]) == [False, True]
