"""derive_bca computes every patient's course at once: it equals a walk patient by patient.

The reference below is the per-patient walk derive_bca used before it was vectorised (issue
16), with the rule it has since: a patient never aplastic has no duration (missing, not 0) and
no event. Hypothesis draws cohorts of patients with random samples and stopping events and checks
that both give the same table and the same exclusions, column for column.
"""

import numpy as np
import pandas as pd
from hypothesis import given, settings
from hypothesis import strategies as st

from cartkit._core.frames import plain_text
from cartkit.derive.bca import BCA_COLUMNS, BCA_STOP_EVENTS, compute_bca, derive_bca


def _walk(days, aplastic, confirm_loss):
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
        k += 1
    return onset, np.nan, last_aplastic, False


def _reference(tables, confirm_loss):
    ids = tables["patients"]["patient_id"].tolist()
    labs = tables["labs"]
    labs = labs[labs["test"].str.upper().isin(["BCELL_PCT_WBC", "BCELL_PCT_LYM"])]
    labs = labs.assign(test=labs["test"].str.upper())
    labs = labs[labs["day"] > 0]
    wide = labs.pivot_table(
        index=["patient_id", "day"], columns="test", values="value", aggfunc="mean"
    ).reindex(columns=["BCELL_PCT_WBC", "BCELL_PCT_LYM"])
    wide = wide.reset_index()
    wide["aplastic"] = compute_bca(wide["BCELL_PCT_WBC"], wide["BCELL_PCT_LYM"])
    wide = wide[wide["aplastic"].notna()].sort_values(["patient_id", "day"])
    ev = tables["events"]
    kind = ev["event"].where(
        ~((ev["event"] == "relapse") & (ev["detail"] == "cd19_negative")), "cd19_negative_relapse"
    )
    ev = ev.assign(kind=kind)
    ev = ev[ev["kind"].isin(BCA_STOP_EVENTS) & (ev["day"] >= 0)]
    stops = ev.groupby(["patient_id", "kind"])["day"].min().unstack("kind")
    stops = stops.reindex(columns=list(BCA_STOP_EVENTS))
    last_contact = tables["events"].query("event == 'last_contact'").groupby("patient_id")["day"]
    last_contact = last_contact.max()
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
        onset, loss, last_aplastic, unconfirmed = _walk(
            days, mine["aplastic"].to_numpy(), confirm_loss
        )
        row = {"patient_id": pid, "n_samples": len(days), "bca": bool(np.isfinite(onset))}
        if not np.isfinite(onset):
            row |= {"status": "never_aplastic"}  # no onset: duration and event missing
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
    # text as cartkit's result tables hold it under pandas 2 and 3 (objects, None for missing)
    return plain_text(data), excluded


_sample = st.tuples(
    st.integers(-5, 60),  # day (a few before infusion, repeated days averaged)
    st.sampled_from(["BCELL_PCT_WBC", "bcell_pct_lym", "ANC"]),
    st.sampled_from([0.2, 0.9, 2.5, 10.0, np.nan]),  # aplastic by either test, or not
)
_event = st.tuples(
    st.integers(-2, 70),
    st.sampled_from(["death", "hsct", "cart_reinfusion", "relapse", "last_contact"]),
    st.sampled_from([None, "cd19_negative", "cd19_positive"]),
)
_patient = st.tuples(st.lists(_sample, max_size=12), st.lists(_event, max_size=4))


@settings(max_examples=80, deadline=None)
@given(st.lists(_patient, min_size=1, max_size=8), st.booleans())
def test_vectorised_equals_the_walk_patient_by_patient(patients, confirm):
    ids = [f"P{i}" for i in range(len(patients))]
    labs = [(pid, d, t, v) for pid, (s, _) in zip(ids, patients, strict=True) for d, t, v in s]
    events = [(pid, d, e, x) for pid, (_, ev) in zip(ids, patients, strict=True) for d, e, x in ev]
    tables = {
        # patients in an order unlike their ids', to check the order of ids is kept
        "patients": pd.DataFrame({"patient_id": ids[::-1]}),
        "labs": pd.DataFrame(labs, columns=["patient_id", "day", "test", "value"]),
        "events": pd.DataFrame(events, columns=["patient_id", "day", "event", "detail"]),
    }
    tables["labs"]["day"] = tables["labs"]["day"].astype("float64")
    tables["events"]["day"] = tables["events"]["day"].astype("float64")
    got = derive_bca(tables, confirm_loss=confirm)
    want, excluded = _reference(tables, confirm)
    pd.testing.assert_frame_equal(got.table, want, check_exact=True)
    assert list(got.excluded.itertuples(index=False, name=None)) == excluded


def test_large_cohort_is_derived_without_a_loop_per_patient():
    # 20,000 patients, one aplastic sample each then a loss for the even ones
    n = 20_000
    ids = [f"P{i:05d}" for i in range(n)]
    labs = pd.DataFrame(
        {
            "patient_id": np.repeat(ids, 2),
            "day": np.tile([7.0, 30.0], n),
            "test": "BCELL_PCT_WBC",
            "value": np.where(np.arange(2 * n) % 4 == 1, 10.0, 0.1),
        }
    )
    events = pd.DataFrame({"patient_id": ids, "day": 400.0, "event": "last_contact"})
    table = derive_bca(
        {"patients": pd.DataFrame({"patient_id": ids}), "labs": labs, "events": events}
    ).table
    assert table["status"].value_counts().to_dict() == {"loss": n // 2, "censored": n // 2}
    assert table.loc[0, ["onset_day", "loss_day", "duration_days"]].tolist() == [7.0, 30.0, 23.0]
    assert table.loc[1, ["end_day", "censor_reason"]].tolist() == [30.0, "end_of_monitoring"]
