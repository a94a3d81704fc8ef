"""Vectorised NCA arithmetic on padded blocks of profiles.

Everything here works on whole blocks of profiles at once, laid out [samples x profiles]: a
profile is a column, its samples sorted by time down the column and padded at the end with NaN.
That layout makes every per-profile reduction (max, sum, first/last index) an element-wise
operation between rows, which numpy runs far faster than reductions along short rows. The only
Python loops are over sample positions, never over profiles.

Rules follow PKNCA 0.12.1 (see docs/methods.md, "Non-compartmental analysis"):
BLQ cleaning (first/middle/last), lin-up/log-down integration, aucint.last for the window and the
default half-life point selection.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

METHODS = ("linear", "lin-up/log-down", "lin-log")
BLQ_ACTIONS = ("keep", "drop")

# reason bits for the `note` column; order fixes the order of reasons in a note
NO_DATA = 1
ALL_BLQ = 2
FEW_LZ_POINTS = 4
NO_LZ_FIT = 8
WINDOW_BEFORE_FIRST = 16
AUCLAST_FROM_ZERO = 32
SINGLE_SAMPLE = 64

REASONS = {
    NO_DATA: "no non-missing sample: nothing can be computed",
    ALL_BLQ: "all samples below LLOQ: no Tmax, Tlast or terminal phase (Cmax and AUC are 0)",
    FEW_LZ_POINTS: "fewer than 3 quantifiable samples after Tmax: lambda_z not estimable",
    NO_LZ_FIT: "no terminal fit with lambda_z > 0 and adjusted R² within 1e-4 of the best",
    WINDOW_BEFORE_FIRST: "no sample at or before the window start: "
    "concentration before the first sample taken as 0",
    AUCLAST_FROM_ZERO: "first sample after time 0: AUClast starts from concentration 0 at time 0",
    SINGLE_SAMPLE: "a single sample: AUClast not computable",
}


@dataclass
class Profiles:
    """One block of profiles, cleaned by the BLQ rule, plus the options of the run.

    ``conc`` holds BLQ values as 0; ``kept`` marks the samples the BLQ rule keeps (the curve's
    points), ``quant`` the quantifiable ones; ``flags`` collects note bits per profile.
    """

    time: np.ndarray
    conc: np.ndarray
    kept: np.ndarray
    quant: np.ndarray
    valid: np.ndarray
    method: str
    window: tuple[float, float]
    flags: np.ndarray
    cache: dict = field(default_factory=dict)

    def flag(self, mask: np.ndarray, bit: int) -> None:
        """Add reason ``bit`` to the note of the profiles in ``mask``."""
        self.flags[mask] |= bit


def clean_profiles(
    time: np.ndarray,
    conc: np.ndarray,
    blq: np.ndarray,
    *,
    method: str,
    window: tuple[float, float],
    blq_rule: dict[str, str],
) -> Profiles:
    """Apply PKNCA's BLQ rule to a block: BLQ values become 0, then first/middle/last keep/drop.

    Arrays are [samples x profiles]. ``blq`` marks values already judged below LLOQ; a
    concentration of 0 is BLQ too.
    """
    valid = ~np.isnan(time) & ~np.isnan(conc)
    quant = valid & ~blq & (conc > 0)
    n_rows = time.shape[0]
    has_q = quant.any(axis=0)
    first_q = first_true(quant)
    last_q = last_true(quant)
    below = valid & ~quant
    row = np.arange(n_rows)[:, None]
    # a profile without a quantifiable value is all "before the first" (first_q = -1 there)
    before = row < np.where(has_q, first_q, n_rows)
    after = (row > last_q) & has_q
    middle = ~before & ~after
    kept = quant.copy()
    for part, where in (("first", before), ("middle", middle), ("last", after)):
        if blq_rule[part] == "keep":
            kept |= below & where
    profiles = Profiles(
        time=time,
        conc=np.where(quant, conc, 0.0),
        kept=kept,
        quant=quant,
        valid=valid,
        method=method,
        window=window,
        flags=np.zeros(time.shape[1], dtype=np.int64),
    )
    any_valid = valid.any(axis=0)
    profiles.cache.update(has_q=has_q, last_q=last_q, any_valid=any_valid)
    profiles.flag(~any_valid, NO_DATA)
    profiles.flag(any_valid & ~has_q, ALL_BLQ)
    return profiles


def first_true(mask: np.ndarray) -> np.ndarray:
    """Row of the first True in each column, -1 when none."""
    n_rows = mask.shape[0]
    out = np.where(mask, np.arange(n_rows)[:, None], n_rows).min(axis=0)
    out[out == n_rows] = -1
    return out


def last_true(mask: np.ndarray) -> np.ndarray:
    """Row of the last True in each column, -1 when none."""
    return np.where(mask, np.arange(mask.shape[0])[:, None], -1).max(axis=0)


def take_row(values: np.ndarray, idx: np.ndarray) -> np.ndarray:
    """values[idx[j], j] for every column j, NaN where idx is negative or past the end."""
    n_rows, n_cols = values.shape
    ok = (idx >= 0) & (idx < n_rows)
    flat = np.where(ok, idx, 0) * n_cols + np.arange(n_cols)
    out = np.ascontiguousarray(values).reshape(-1).take(flat)
    return np.where(ok, out, np.nan)


def cumsum_rows(values: np.ndarray, axis: int = 0) -> np.ndarray:
    """Cumulative sum down the sample axis, in place: one vector add per sample position."""
    view = np.moveaxis(values, axis, 0)
    for k in range(1, view.shape[0]):
        view[k] += view[k - 1]
    return values


def previous_kept(kept: np.ndarray) -> np.ndarray:
    """Row of the previous kept sample in the same profile (-1 when none)."""
    prev = np.empty(kept.shape, dtype=np.int64)
    prev[0] = -1
    for k in range(1, kept.shape[0]):
        prev[k] = np.where(kept[k - 1], k - 1, prev[k - 1])
    return prev


def log_segment(c1, c2, t1, t2, method, tmax):
    """Which segments the method integrates on the log scale (else linear)."""
    positive = (c1 > 0) & (c2 > 0)
    if method == "linear":
        return np.zeros(np.broadcast(c1, c2).shape, dtype=bool)
    if method == "lin-up/log-down":
        return positive & (c2 < c1)
    # lin-log: log after Tmax; equal concentrations take the (identical) linear limit
    return positive & (t2 > tmax) & (c1 != c2)


def segment_area(c1, c2, t1, t2, use_log):
    """Area of each segment: linear trapezoid or log trapezoid where ``use_log``."""
    dt = t2 - t1
    area = dt * (c1 + c2)
    area *= 0.5
    if np.ndim(use_log) and not use_log.any():
        return area
    # logs only where needed: they dominate the cost of the pass
    with np.errstate(all="ignore"):
        ratio = np.divide(c1, c2, where=use_log, out=np.ones_like(area))
        np.log(ratio, out=ratio, where=use_log)
        log_area = dt * (c1 - c2) / ratio
    np.copyto(area, log_area, where=use_log)
    return area


def interpolate(c1, c2, t1, t2, t_out, use_log):
    """Concentration at ``t_out`` inside a segment, on the segment's own scale."""
    with np.errstate(all="ignore"):
        frac = (t_out - t1) / (t2 - t1)
        log_value = np.exp(np.log(c1) + frac * (np.log(c2) - np.log(c1)))
    return np.where(use_log, log_value, c1 + frac * (c2 - c1))


def first_kept(p: Profiles) -> tuple[np.ndarray, np.ndarray]:
    """Time and concentration of each profile's first kept sample (NaN when none)."""
    if "first_kept" not in p.cache:
        row = first_true(p.kept)
        p.cache["first_kept"] = (take_row(p.time, row), take_row(p.conc, row))
    return p.cache["first_kept"]


def segments(p: Profiles) -> dict[str, np.ndarray]:
    """Consecutive kept samples as segments (end row j, start at its previous kept sample)."""
    if "segments" not in p.cache:
        prev = previous_kept(p.kept)
        ok = p.kept & (prev >= 0)
        n_cols = p.time.shape[1]
        flat = np.clip(prev, 0, None) * n_cols + np.arange(n_cols)
        t1 = p.time.reshape(-1).take(flat)
        c1 = p.conc.reshape(-1).take(flat)
        p.cache["segments"] = {"ok": ok, "t1": t1, "c1": c1, "t2": p.time, "c2": p.conc}
    return p.cache["segments"]
