"""B-cell aplasia (BCA): onset, loss, duration with censoring.

Rules and their sources are written down in docs/endpoints.md ("B-cell aplasia").
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from ._common import (
    Derived,
    excluded_frame,
    findings_frame,
    get_table,
    lower_text,
    patient_ids,
    tables_of,
)

__all__ = ["BCA_STOP_EVENTS", "compute_bca", "derive_bca"]

#: intercurrent events after which B-cell status no longer reflects the CAR-T cells, in the
#: order used to name a censoring reason when two fall on the same day
BCA_STOP_EVENTS = ("death", "hsct", "cart_reinfusion", "cd19_negative_relapse")
BCA_COLUMNS = (
    "patient_id",
    "n_samples",
    "bca",
    "onset_day",
    "loss_day",
    "end_day",
    "duration_days",
    "event",
    "status",
    "censor_reason",
)


def compute_bca(
    pct_wbc, pct_lymphocytes, *, wbc_threshold: float = 1.0, lymphocyte_threshold: float = 3.0
) -> np.ndarray:
    """Whether each sample shows B-cell aplasia (vector in, vector out).

    Aplasia: B cells <= ``wbc_threshold`` % of white cells or <= ``lymphocyte_threshold`` % of
    lymphocytes; either measure suffices, a missing one is ignored.

    Parameters
    ----------
    pct_wbc, pct_lymphocytes : array-like of float
        B cells in % of WBC and of lymphocytes.
    wbc_threshold, lymphocyte_threshold : float
        Thresholds in %.

    Returns
    -------
    numpy.ndarray of float
        1.0 aplastic, 0.0 not, NaN when both measures are missing.
    """
    wbc = np.asarray(pd.to_numeric(pd.Series(pct_wbc), errors="coerce"), dtype="float64")
    lym = np.asarray(pd.to_numeric(pd.Series(pct_lymphocytes), errors="coerce"), dtype="float64")
    with np.errstate(invalid="ignore"):
        aplastic = (wbc <= wbc_threshold) | (lym <= lymphocyte_threshold)
    return np.where(np.isfinite(wbc) | np.isfinite(lym), aplastic.astype("float64"), np.nan)


def stop_events(events: pd.DataFrame) -> pd.DataFrame:
    """Per patient, the first day of each BCA-stopping event (columns as BCA_STOP_EVENTS)."""
    ev = events.assign(event=lower_text(events["event"]))
    detail = (
        lower_text(ev["detail"]) if "detail" in ev.columns else pd.Series(pd.NA, index=ev.index)
    )
    cd19_negative = ((ev["event"] == "relapse") & (detail == "cd19_negative")).fillna(False)
    kind = ev["event"].where(~cd19_negative.astype(bool), "cd19_negative_relapse")
    ev = ev.assign(kind=kind)
    ev = ev[ev["kind"].isin(BCA_STOP_EVENTS) & (ev["day"] >= 0)]
    wide = ev.groupby(["patient_id", "kind"])["day"].min().unstack("kind")
    return wide.reindex(columns=list(BCA_STOP_EVENTS))


def _courses(group: np.ndarray, aplastic: np.ndarray, confirm_loss: bool) -> tuple:
    """Onset, loss and last aplastic sample of every patient at once (no loop per patient).

    ``group`` numbers the patients 0..G-1 with every patient's samples contiguous and sorted by
    day; ``aplastic`` is 1.0 or 0.0 per sample. Returns the positions (into the samples) of the
    onset (first aplastic sample), of the loss and of the last aplastic sample before the loss
    or the end, each -1 when there is none, and whether an unconfirmed loss ends the samples.

    Loss: the first non-aplastic sample after onset; with ``confirm_loss`` the first one whose
    next sample (of the same patient) is non-aplastic too. A last sample non-aplastic without a
    confirmation is an unconfirmed loss.
    """
    n = len(group)
    if n == 0:
        empty = np.zeros(0, dtype=int)
        return empty, empty, empty, np.zeros(0, dtype=bool)
    pos = np.arange(n)
    starts = np.flatnonzero(np.r_[True, group[1:] != group[:-1]])
    last = np.r_[starts[1:], n] - 1
    big = n  # "none" while taking minima
    is_apl, is_non = aplastic == 1.0, aplastic == 0.0
    onset = np.minimum.reduceat(np.where(is_apl, pos, big), starts)
    after = pos > onset[group]
    candidate = is_non & after
    if confirm_loss:
        same_next = np.r_[group[1:] == group[:-1], False]
        candidate &= same_next & np.r_[is_non[1:], False]
    loss = np.minimum.reduceat(np.where(candidate, pos, big), starts)
    before = pos < np.where(loss < big, loss, big)[group]
    last_apl = np.maximum.reduceat(np.where(is_apl & before, pos, -1), starts)
    has_onset = onset < big
    unconfirmed = confirm_loss & has_onset & (loss == big) & is_non[last] & (last > onset)
    onset = np.where(has_onset, onset, -1)
    loss = np.where(loss < big, loss, -1)
    return onset, loss, last_apl, unconfirmed


def _stops(ids: list, stops: pd.DataFrame) -> tuple[np.ndarray, np.ndarray]:
    # per patient, the first BCA-stopping day and its name (the earlier in BCA_STOP_EVENTS on
    # a tie); inf and "end_of_monitoring" when none
    if stops.empty:
        return np.full(len(ids), np.inf), np.full(len(ids), "end_of_monitoring", dtype=object)
    days = stops.reindex(index=ids, columns=list(BCA_STOP_EVENTS)).to_numpy(dtype="float64")
    days = np.where(np.isnan(days), np.inf, days)
    first = np.argmin(days, axis=1)  # the first of equal minima: the order of BCA_STOP_EVENTS
    stop_day = days[np.arange(len(ids)), first]
    names = np.array(BCA_STOP_EVENTS, dtype=object)[first]
    return stop_day, np.where(np.isfinite(stop_day), names, "end_of_monitoring")


def derive_bca(
    tables,
    *,
    wbc_threshold: float = 1.0,
    lymphocyte_threshold: float = 3.0,
    confirm_loss: bool = False,
) -> Derived:
    """B-cell aplasia per patient: onset, loss, duration, ready for Kaplan-Meier.

    Samples after infusion (day > 0) are scored with :func:`compute_bca`. Onset is the first
    aplastic sample. Loss is the first non-aplastic sample after onset (with
    ``confirm_loss=True`` only when the next sample is non-aplastic too; the loss day is then
    the first of the two). Follow-up stops at the first of death, HSCT, CAR-T reinfusion or
    CD19-negative relapse (samples on that day still count) and at the last contact. Without a
    loss, the duration is censored at the last aplastic sample. ``duration_days`` counts from
    onset to loss (event) or to that last aplastic sample (censored); it is missing for a
    patient never aplastic, who has no onset to count from (no Kaplan-Meier time, ``event``
    missing): a duration of aplasia is not defined without aplasia, and an imputed 0 would
    enter every analysis of BCA duration as the shortest one.

    Parameters
    ----------
    tables : Study or mapping of str to DataFrame
        ``patients`` and ``labs`` (tests BCELL_PCT_WBC, BCELL_PCT_LYM); ``events`` when present.
    wbc_threshold, lymphocyte_threshold : float
        Aplasia thresholds in %.
    confirm_loss : bool
        Require a second non-aplastic sample to confirm a loss.

    Returns
    -------
    Derived
        ``table``: one row per patient with a B-cell sample: ``patient_id, n_samples, bca,
        onset_day, loss_day, end_day, duration_days, event`` (1 loss, 0 censored), ``status``
        (``loss`` / ``censored`` / ``never_aplastic``), ``censor_reason`` (``death``, ``hsct``,
        ``cart_reinfusion``, ``cd19_negative_relapse``, ``end_of_monitoring``,
        ``loss_unconfirmed``). ``excluded``: patients without a usable B-cell sample.
    """
    tables = tables_of(tables)
    ids = patient_ids(tables)
    labs = get_table(tables, "labs", ["patient_id", "day", "test", "value"])
    # the test names upper-cased once per distinct name, not once per row
    codes, names = pd.factorize(labs["test"].astype("string"))
    upper = pd.Series(names, dtype="string").str.upper().to_numpy(dtype=object)
    wanted = np.append(np.isin(upper, ["BCELL_PCT_WBC", "BCELL_PCT_LYM"]), False)
    rows = wanted[codes] & (labs["day"] > 0).to_numpy(dtype=bool)
    labs = labs[rows]
    labs = labs.assign(test=upper[codes[rows]], value=pd.to_numeric(labs["value"], errors="coerce"))
    wide = labs.pivot_table(
        index=["patient_id", "day"], columns="test", values="value", aggfunc="mean"
    ).reindex(columns=["BCELL_PCT_WBC", "BCELL_PCT_LYM"])
    wide = wide.reset_index()
    wide["aplastic"] = compute_bca(
        wide["BCELL_PCT_WBC"],
        wide["BCELL_PCT_LYM"],
        wbc_threshold=wbc_threshold,
        lymphocyte_threshold=lymphocyte_threshold,
    )
    wide = wide[wide["aplastic"].notna()]
    events = get_table(tables, "events", ["patient_id", "day", "event"], required=False)
    stops = stop_events(events) if events is not None else pd.DataFrame()
    last_contact = pd.Series(dtype="float64")
    if events is not None:
        lc = events[lower_text(events["event"]) == "last_contact"]
        last_contact = lc.groupby("patient_id")["day"].max()
    stop_day, reason = _stops(ids, stops)
    # no last contact (NaN): no limit beyond the stopping event
    limit = np.fmin(stop_day, last_contact.reindex(ids).to_numpy(dtype="float64"))
    # every patient's samples up to their limit, in the order of ids, then of days
    order = pd.Index(ids)
    which = order.get_indexer(wide["patient_id"])
    days = wide["day"].to_numpy(dtype="float64")
    keep = (which >= 0) & (days <= limit[np.maximum(which, 0)])
    which, days = which[keep], days[keep]
    aplastic = wide["aplastic"].to_numpy(dtype="float64")[keep]
    sort = np.lexsort((days, which))
    which, days, aplastic = which[sort], days[sort], aplastic[sort]
    seen = np.unique(which)  # the patients with a sample, in the order of ids
    group = np.searchsorted(seen, which)
    onset_at, loss_at, last_at, unconfirmed = _courses(group, aplastic, confirm_loss)
    n_samples = np.bincount(group, minlength=len(seen))

    def day_at(at: np.ndarray) -> np.ndarray:
        return np.where(at >= 0, days[np.maximum(at, 0)], np.nan)

    onset, loss, last_aplastic = day_at(onset_at), day_at(loss_at), day_at(last_at)
    has_onset, has_loss = onset_at >= 0, loss_at >= 0
    censored = has_onset & ~has_loss
    end = np.where(has_loss, loss, np.where(censored, last_aplastic, np.nan))
    status = np.where(has_loss, "loss", np.where(censored, "censored", "never_aplastic"))
    censor = np.where(unconfirmed, "loss_unconfirmed", reason[seen].astype(object))
    data = pd.DataFrame(
        {
            "patient_id": np.array(ids, dtype=object)[seen],
            "n_samples": n_samples.astype("int64"),
            "bca": has_onset,
            "onset_day": np.where(has_onset, onset, np.nan),
            "loss_day": np.where(has_loss, loss, np.nan),
            "end_day": end,
            # missing without aplasia: no onset to count from (not an imputed 0)
            "duration_days": np.where(has_onset, end - onset, np.nan),
            "event": pd.array(np.where(has_loss, 1, 0), dtype="Int64"),
            "status": status.astype(object),
            "censor_reason": np.where(censored, censor, np.nan).astype(object),
        },
        columns=list(BCA_COLUMNS),
    )
    data.loc[~has_onset, "event"] = pd.NA
    absent = np.setdiff1d(np.arange(len(ids)), seen)
    excluded = []
    for i in absent:  # one message per patient without a usable sample
        why = "no B-cell sample (BCELL_PCT_WBC / BCELL_PCT_LYM) after infusion"
        if np.isfinite(stop_day[i]):
            why += f" up to {reason[i]} on day {stop_day[i]:g}"
        excluded.append((ids[i], f"bca: {why}"))
    return Derived(data, excluded_frame(excluded), findings_frame())
