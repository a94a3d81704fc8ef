"""Laboratory values: blood counts, cytokines and B cells, in the long ``labs`` table.

Counts are daily for the first 4 weeks (lymphodepletion nadir, then recovery), then at each
B-cell visit; IL-6, CRP and ferritin are daily for 3 weeks and peak with the CRS; B cells (% of
lymphocytes and of white cells) are measured at visits and are aplastic between the onset and the
end of B-cell aplasia. Visits stop at HSCT, relapse or last contact.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from .scenario import Scenario

TESTS = np.array(
    ["ANC", "LYM", "WBC", "PLT", "HGB", "IL6", "CRP", "FERRITIN", "BCELL_PCT_LYM", "BCELL_PCT_WBC"],
    dtype=object,
)
CYTOKINE_DAYS = 21
#: B-cell visits from day 7 (lymphocytes back after lymphodepletion): weekly to day 28, every
#: 2 weeks to day 84, about monthly to a year, then quarterly
BCELL_DAYS = np.concatenate(
    [
        [7, 14, 21, 28, 42, 56, 70, 84, 112, 140, 168, 182, 228, 273, 319, 365],
        np.arange(456.0, 1827.0, 91.0),
    ]
)


def _bump(days, centre, width):
    return np.exp(-(((days - centre[:, None]) / width) ** 2))


def hematology(rng: np.random.Generator, n: int, crs_grade: np.ndarray, sc: Scenario) -> dict:
    """Daily counts for days 0..assessment_days, and per-patient levels for later visits."""
    days = np.arange(sc.assessment_days + 1, dtype=float)[None, :]
    z = rng.normal(size=(6, n))
    u = rng.random((2, n))
    anc_base = sc.anc_baseline_median * np.exp(0.4 * z[0])
    nadir = (
        sc.anc_nadir_median
        * np.exp(sc.anc_nadir_sd_log * z[1])
        * np.where(crs_grade >= 3, 0.7, 1.0)
    )
    nadir = np.clip(nadir, *sc.anc_nadir_range)
    nadir = np.minimum(nadir, anc_base * 0.9)
    nadir_day = 5 + np.floor(u[0] * 8)
    depth = np.log(nadir / anc_base)
    anc = anc_base[:, None] * np.exp(
        depth[:, None] * _bump(days, nadir_day, 5.0 + 3 * u[1][:, None])
    )
    anc = np.round(np.maximum(anc, nadir[:, None]), 2)  # the nadir is the lowest count observed
    lym_base = 1.2 * np.exp(0.4 * z[2])
    lym = np.round(lym_base[:, None] * (0.08 + 0.92 / (1 + np.exp(-(days - 8) / 3))), 2)
    lym = np.maximum(lym, 0.01)
    other = np.round(0.05 + 0.12 * (anc + lym), 2)
    plt_base = 150 * np.exp(0.4 * z[3])
    plt = np.round(plt_base[:, None] * (1 - 0.7 * _bump(days, nadir_day + 2, 6.0)))
    hgb = np.round((10.5 + 1.2 * z[4])[:, None] - 1.0 * _bump(days, nadir_day + 3, 7.0), 1)
    return {
        "anc": anc,
        "lym": lym,
        "wbc": np.round(anc + lym + other, 2),
        "plt": np.maximum(plt, 5.0),
        "hgb": np.clip(hgb, 5.0, 16.0),
        "anc_nadir": anc.min(axis=1),
        "grade4_neutropenia": anc.min(axis=1) < 0.5,
        "late_scale": np.exp(0.3 * z[5]),
    }


def cytokines(rng: np.random.Generator, g: dict, sc: Scenario) -> dict:
    """Daily IL-6, CRP and ferritin for days 0..CYTOKINE_DAYS, peaking with the CRS."""
    n = g["crs_grade"].shape[0]
    days = np.arange(CYTOKINE_DAYS + 1, dtype=float)[None, :]
    z = rng.normal(size=(3, n))
    base = sc.il6_baseline_median * np.exp(0.35 * z[0])
    peak = np.asarray(sc.il6_peak_by_grade)[g["crs_grade"]] * np.exp(sc.il6_peak_sd_log * z[1])
    peak = np.maximum(peak, base * 1.2)
    centre = g["crs_peak"]
    shape = _bump(days, centre, 2.5)
    il6 = np.round(base[:, None] * np.exp(np.log(peak / base)[:, None] * shape), 1)
    crp_peak = np.minimum(6.0 * peak**0.6 * np.exp(0.3 * z[2]), 350.0)
    crp = np.round(3.0 + crp_peak[:, None] * _bump(days, centre + 1, 3.0), 1)
    fer_base = 400 * np.exp(0.5 * z[2])
    ferritin = np.round(
        fer_base[:, None] * (1 + (peak / 40.0)[:, None] * _bump(days, centre + 2, 5.0))
    )
    return {
        "il6": il6,
        "crp": crp,
        "ferritin": ferritin,
        "il6_peak": il6.max(axis=1),
        "il6_peak_day": il6.argmax(axis=1).astype(float),
    }


def labs_table(rng, ids, hem, cyt, bca, stop_day, last_day, sc: Scenario) -> pd.DataFrame:
    """Build the long labs table, ordered by patient, day and test."""
    n = ids.shape[0]
    late = BCELL_DAYS[BCELL_DAYS > sc.assessment_days]
    jitter = np.floor(rng.random((n, late.size)) * 7) - 3
    late_days = late[None, :] + jitter
    z = rng.normal(size=(4, n, late.size))
    scale = hem["late_scale"][:, None]
    l_anc = np.round(2.2 * scale * np.exp(0.25 * z[0]), 2)
    l_lym = np.round(1.6 * scale * np.exp(0.25 * z[1]), 2)
    l_wbc = np.round(l_anc + l_lym + 0.05 + 0.12 * (l_anc + l_lym), 2)
    l_plt = np.round(180 * scale * np.exp(0.2 * z[2]))
    l_hgb = np.round(np.clip(11.8 + 0.8 * z[3], 7.0, 16.0), 1)

    # B cells at visits: all visit days (early ones from the daily counts)
    early = BCELL_DAYS[BCELL_DAYS <= sc.assessment_days].astype(int)
    b_days = np.column_stack([np.broadcast_to(early.astype(float), (n, early.size)), late_days])
    b_lym_count = np.column_stack([hem["lym"][:, early], l_lym])
    b_wbc_count = np.column_stack([hem["wbc"][:, early], l_wbc])
    onset = np.nan_to_num(bca["bca_onset"], nan=np.inf)
    recovery = np.nan_to_num(bca["bca_recovery"], nan=np.inf)
    aplastic = (b_days >= onset[:, None]) & (b_days < recovery[:, None])
    u = rng.random(b_days.shape)
    level = np.exp(np.log(sc.bcell_pct_lym_median) + sc.bcell_pct_lym_sd_log * rng.normal(size=n))
    recovered = b_days >= recovery[:, None]
    normal = (
        level[:, None] * np.exp(0.2 * rng.normal(size=b_days.shape)) * np.where(recovered, 1.6, 1.0)
    )
    # outside aplasia B cells exceed both aplasia limits (3% of lymphocytes, 1% of white cells)
    frac = b_lym_count / b_wbc_count
    floor = np.maximum(3.5, 1.3 / frac)
    ceiling = np.maximum(floor, 60.0)
    pct_lym = np.round(np.where(aplastic, 2.0 * u, np.clip(normal, floor, ceiling)), 2)
    pct_wbc = np.round(pct_lym * frac, 2)

    # columns laid out in (day, test) order, so the rows come out sorted without a sort: day by
    # day to day 28, then visit by visit (visits are >= 14 days apart and jitter by +-3 days)
    b_early = {int(d): j for j, d in enumerate(early)}
    layout = []  # (test code, day column (n,), value column (n,), last day of its visits (n,))
    for d in range(sc.assessment_days + 1):
        day_col = np.full(n, float(d))
        daily = [hem["anc"], hem["lym"], hem["wbc"], hem["plt"], hem["hgb"]]
        if d <= CYTOKINE_DAYS:
            daily += [cyt["il6"], cyt["crp"], cyt["ferritin"]]
        layout += [(k, day_col, v[:, d], last_day) for k, v in enumerate(daily)]
        if d in b_early:
            j = b_early[d]
            layout += [(8, day_col, pct_lym[:, j], stop_day), (9, day_col, pct_wbc[:, j], stop_day)]
    for j in range(late.size):
        late_vals = (l_anc, l_lym, l_wbc, l_plt, l_hgb, pct_lym, pct_wbc)
        offsets = (0, 0, 0, 0, 0, early.size, early.size)
        for k, (v, off) in enumerate(zip(late_vals, offsets, strict=True)):
            layout.append((k if k < 5 else k + 3, late_days[:, j], v[:, j + off], stop_day))
    # scatter each column straight into its rows of the output (patient-major), so no
    # (patients x columns) matrix of days or values is ever built
    take = np.stack([(c[1] <= c[3]) & (c[1] <= last_day) for c in layout])
    counts = take.sum(axis=0)
    pos = np.concatenate([[0], np.cumsum(counts)[:-1]])
    total = int(counts.sum())
    day = np.empty(total)
    value = np.empty(total)
    code = np.empty(total, dtype=np.int8)
    for j, (test, day_col, value_col, _) in enumerate(layout):
        here = take[j]
        at = pos[here]
        day[at] = day_col[here]
        value[at] = value_col[here]
        code[at] = test
        pos += here
    return pd.DataFrame(
        {
            "patient_id": ids[np.repeat(np.arange(n), counts)],
            "day": day,
            "test": TESTS[code],
            "value": value,
        },
        copy=False,
    )
