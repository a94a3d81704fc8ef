"""Day-28 response, MRD and marrow, and B-cell aplasia, all driven by the CAR-T kinetics."""

from __future__ import annotations

import numpy as np
import pandas as pd

from .kinetics import time_below
from .scenario import Scenario

#: response codes
MRD_NEGATIVE_CR, MRD_POSITIVE_CR, NO_RESPONSE = 0, 1, 2
RESPONSE_NAMES = np.array(["mrd_negative_cr", "mrd_positive_cr", "no_response"], dtype=object)

#: follow-up MRD: every 2 months in year 1, every 3 months in years 2-3, every 6 in years 3-5
MRD_FOLLOWUP_DAYS = np.round(
    np.concatenate(
        [
            np.arange(1, 7) * 2 * 30.4375,
            365.25 + np.arange(1, 9) * 3 * 30.4375,
            1095.75 + np.arange(1, 5) * 6 * 30.4375,
        ]
    )
)


def _sigmoid(x):
    return 1.0 / (1.0 + np.exp(-x))


def draw_response(rng: np.random.Generator, cmax: np.ndarray, sc: Scenario) -> dict:
    """Day-28 response from Cmax: one uniform per patient against two nested logistic curves.

    P(CR) and P(MRD-negative CR) rise with log10 Cmax, so the failures are the poor expanders.
    Returns ``response`` codes, ``d28_day``, ``pre_ld_day``, ``mrd_d28`` and ``blasts_d28``.
    """
    n = cmax.shape[0]
    u = rng.random(n)
    log10_cmax = np.log10(cmax)
    p_cr = _sigmoid(sc.response_slope * (log10_cmax - sc.response_log10_cmax_cr))
    p_neg = np.minimum(
        _sigmoid(sc.response_slope * (log10_cmax - sc.response_log10_cmax_mrdneg)), p_cr
    )
    response = np.where(
        u < p_neg, MRD_NEGATIVE_CR, np.where(u < p_cr, MRD_POSITIVE_CR, NO_RESPONSE)
    )
    d28_day = 28.0 + np.floor(rng.random(n) * 5) - 2
    pre_ld_day = -7.0 - np.floor(rng.random(n) * 8)
    v = rng.random(n)
    mrd = np.select(
        [response == MRD_POSITIVE_CR, response == NO_RESPONSE],
        [10.0 ** (-4 + 2 * v), 10.0 ** (np.log10(0.05) + v * np.log10(0.6 / 0.05))],
        0.0,
    )
    return {
        "response": response,
        "d28_day": d28_day,
        "pre_ld_day": pre_ld_day,
        "mrd_d28": np.round(mrd, 5),
        "blasts_d28": np.round(np.where(response == NO_RESPONSE, mrd * 100, mrd * 100 * 0.5), 2),
    }


def draw_bca(rng: np.random.Generator, kin: dict, sc: Scenario) -> dict:
    """B-cell aplasia: from onset until CAR-T falls below a functional threshold, plus a lag.

    Returns ``has_bca`` (bool), ``bca_onset`` and ``bca_recovery`` (days; NaN without aplasia).
    """
    n = kin["cmax"].shape[0]
    z = rng.normal(size=(2, n))
    threshold = sc.bca_threshold_median * np.exp(sc.bca_threshold_sd_log * z[0])
    lag = sc.bca_lag_median * np.exp(sc.bca_lag_sd_log * z[1])
    below = time_below(kin, threshold)
    has = ~np.isnan(below)
    lo, hi = sc.bca_onset_range
    onset = np.clip(np.round(kin["tmax"] * (0.3 + 0.7 * rng.random(n))), lo, hi)
    recovery = np.maximum(np.round(below + lag), onset + 7)
    return {
        "has_bca": has,
        "bca_onset": np.where(has, onset, np.nan),
        "bca_recovery": np.where(has, recovery, np.nan),
        "bca_threshold": threshold,
    }


def mrd_table(rng, ids, base, resp, relapse_day, hsct_day, last_day) -> pd.DataFrame:
    """MRD by bone-marrow flow cytometry: pre-LD, post-LD, day 28, then follow-up until relapse.

    A relapse adds a positive follow-up assessment on its day; no assessment after last contact.
    """
    n = ids.shape[0]
    pre_day = resp["pre_ld_day"]
    fu = MRD_FOLLOWUP_DAYS[None, :] + np.floor(rng.random((n, MRD_FOLLOWUP_DAYS.size)) * 15) - 7
    before_hsct = fu < np.where(np.isnan(hsct_day), np.inf, hsct_day)[:, None]
    persisting = (resp["response"] == MRD_POSITIVE_CR)[:, None] & before_hsct
    fu_value = np.where(
        persisting,
        np.round(resp["mrd_d28"][:, None] * np.exp(rng.normal(0, 0.5, fu.shape)), 5),
        0.0,
    )
    relapse = np.where(np.isnan(relapse_day), np.inf, relapse_day)
    fu_taken = (fu < relapse[:, None]) & (fu <= last_day[:, None])
    at_relapse = np.isfinite(relapse) & (relapse > resp["d28_day"])
    relapse_value = np.round(10.0 ** (-2 + 1.9 * rng.random(n)), 4)

    fixed_day = np.column_stack([pre_day, np.full(n, -1.0), resp["d28_day"]])
    fixed_val = np.column_stack([base["mrd_pre"], base["mrd_post"], resp["mrd_d28"]])
    fixed_tp = np.array(["pre_ld", "post_ld", "d28"], dtype=object)
    day = np.column_stack([fixed_day, fu, np.where(at_relapse, relapse, 0.0)])
    value = np.column_stack([fixed_val, fu_value, relapse_value])
    d28_seen = resp["d28_day"] <= last_day
    taken = np.column_stack([np.ones((n, 2), dtype=bool), d28_seen, fu_taken, at_relapse])
    tp = np.concatenate([fixed_tp, np.full(fu.shape[1] + 1, "followup", dtype=object)])
    return _long(ids, day, taken, {"timepoint": tp}, value)


def _long(ids, day, taken, per_col, value) -> pd.DataFrame:
    # sort each patient's rows by day so the long table is ordered by patient, then day
    order = np.argsort(np.where(taken, day, np.inf), axis=1, kind="stable")
    day = np.take_along_axis(day, order, axis=1)
    value = np.take_along_axis(value, order, axis=1)
    taken = np.take_along_axis(taken, order, axis=1)
    tp = per_col["timepoint"][order]
    rows, cols = np.nonzero(taken)
    return pd.DataFrame(
        {
            "patient_id": ids[rows],
            "day": day[rows, cols],
            "specimen": np.full(rows.size, "BM", dtype=object),
            "method": np.full(rows.size, "FCM", dtype=object),
            "mrd_fraction": value[rows, cols],
            "timepoint": tp[rows, cols],
        },
        copy=False,
    )


def marrow_table(rng, ids, base, resp, relapse_day, last_day) -> pd.DataFrame:
    """Morphology: blasts % before lymphodepletion, at day 28 and at each relapse."""
    pre_day = resp["pre_ld_day"]
    n = ids.shape[0]
    relapsed = ~np.isnan(relapse_day) & (np.nan_to_num(relapse_day) > resp["d28_day"])
    relapse_blasts = np.round(5.0 + 85.0 * rng.random(n) ** 2, 1)
    day = np.column_stack([pre_day, resp["d28_day"], np.where(relapsed, relapse_day, 0.0)])
    blasts = np.column_stack(
        [np.round(base["mrd_pre"] * 100, 2), resp["blasts_d28"], relapse_blasts]
    )
    taken = np.column_stack([np.ones(n, dtype=bool), resp["d28_day"] <= last_day, relapsed])
    rows, cols = np.nonzero(taken)
    return pd.DataFrame(
        {
            "patient_id": ids[rows],
            "day": day[rows, cols],
            "blasts_pct": blasts[rows, cols],
            "extramedullary": np.zeros(rows.size, dtype=bool),
        },
        copy=False,
    )
