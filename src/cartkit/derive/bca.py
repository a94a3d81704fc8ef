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


def _one_patient(days, aplastic, confirm_loss: bool):
    """(onset, loss, last aplastic day before loss, unconfirmed loss?) of one sorted series."""
    idx = np.flatnonzero(aplastic == 1.0)
    if idx.size == 0:
        return np.nan, np.nan, np.nan, False
    k = idx[0]
    onset, last_aplastic = days[k], days[k]
    k += 1
    while k < len(days):
        if aplastic[k] == 1.0:
            last_aplastic = days[k]
            k += 1
            continue
        if not confirm_loss:
            return onset, days[k], last_aplastic, False
        if k + 1 >= len(days):
            return onset, np.nan, last_aplastic, True
        if aplastic[k + 1] == 0.0:
            return onset, days[k], last_aplastic, False
        k += 1  # a single non-aplastic sample followed by aplasia: not a loss
    return onset, np.nan, last_aplastic, False


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
    labs = labs.assign(
        test=labs["test"].astype("string").str.upper(),
        value=pd.to_numeric(labs["value"], errors="coerce"),
    )
    labs = labs[labs["test"].isin(["BCELL_PCT_WBC", "BCELL_PCT_LYM"]) & (labs["day"] > 0)]
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
    wide = wide[wide["aplastic"].notna()].sort_values(["patient_id", "day"])
    events = get_table(tables, "events", ["patient_id", "day", "event"], required=False)
    stops = stop_events(events) if events is not None else pd.DataFrame()
    last_contact = pd.Series(dtype="float64")
    if events is not None:
        lc = events[lower_text(events["event"]) == "last_contact"]
        last_contact = lc.groupby("patient_id")["day"].max()
    groups = dict(tuple(wide.groupby("patient_id")))
    rows, excluded = [], []
    for pid in ids:
        stop_day, reason = np.inf, "end_of_monitoring"
        if pid in stops.index:
            for name in BCA_STOP_EVENTS:
                day = stops.at[pid, name]
                if pd.notna(day) and day < stop_day:
                    stop_day, reason = float(day), name
        limit = min(stop_day, float(last_contact.get(pid, np.inf)))
        mine = groups.get(pid)
        if mine is not None:
            mine = mine[mine["day"] <= limit]
        if mine is None or mine.empty:
            why = "no B-cell sample (BCELL_PCT_WBC / BCELL_PCT_LYM) after infusion"
            if np.isfinite(stop_day):
                why += f" up to {reason} on day {stop_day:g}"
            excluded.append((pid, f"bca: {why}"))
            continue
        days = mine["day"].to_numpy(dtype="float64")
        onset, loss, last_aplastic, unconfirmed = _one_patient(
            days, mine["aplastic"].to_numpy(), confirm_loss
        )
        row = {"patient_id": pid, "n_samples": len(days), "bca": bool(np.isfinite(onset))}
        if not np.isfinite(onset):
            row |= {"status": "never_aplastic"}
        elif np.isfinite(loss):
            row |= {"onset_day": onset, "loss_day": loss, "end_day": loss, "event": 1}
            row |= {"status": "loss", "duration_days": loss - onset}
        else:
            row |= {"onset_day": onset, "end_day": last_aplastic, "event": 0}
            row |= {"status": "censored", "duration_days": last_aplastic - onset}
            row["censor_reason"] = "loss_unconfirmed" if unconfirmed else reason
        rows.append(row)
    data = pd.DataFrame(rows, columns=list(BCA_COLUMNS))
    for col in ("onset_day", "loss_day", "end_day", "duration_days"):
        data[col] = data[col].astype("float64")
    data["event"] = data["event"].astype("Int64")
    data["bca"] = data["bca"].astype(bool)
    data["n_samples"] = data["n_samples"].astype("int64")
    data["censor_reason"] = data["censor_reason"].astype(object)
    data["status"] = data["status"].astype(object)
    return Derived(data, excluded_frame(excluded), findings_frame())
