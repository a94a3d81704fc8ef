"""The event logic of a study: one death and one last contact, nothing after them.

Also: one CD19 phenotype per relapse, and observations within follow-up.

A contradiction between two rows names both: the message is on the later row and gives the
row of the other.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from .problems import Problems
from .spec import RELAPSE_DETAILS

__all__ = ["check_events", "check_samples_in_follow_up"]

#: tables whose rows are observations of a living patient (after death is impossible)
SAMPLE_TABLES = {
    "kinetics": "day",
    "mrd": "day",
    "marrow": "day",
    "labs": "day",
    "crs": "day",
    "icans": "day",
    "medications": "day",
    "adverse_events": "onset_day",
}


def check_events(events, rows, known, problems: Problems, patients, patient_rows):
    """Event logic per patient; returns each patient's end of follow-up.

    The end is ``{patient_id: (day, is_death, events_row)}``: the death, else the last contact
    (else the last event, when the last contact is missing).
    """
    ev = events.assign(_row=np.asarray(rows, dtype=int))
    # a death or last contact whose day is missing or impossible (reported already): the end of
    # that patient's follow-up is unknown, and nothing is checked against it
    ends_at = ev["event"].isin(["death", "last_contact"])
    undated = set(ev.loc[ends_at & ev["day"].isna(), "patient_id"].dropna())
    ev = ev[ev["patient_id"].notna() & ev["day"].notna() & ev["event"].notna()]
    if patients is not None:
        ev = ev[ev["patient_id"].isin(known)]  # unknown patients are reported once, elsewhere
    ev = ev[~ev["patient_id"].isin(undated)]
    deaths = ev[ev["event"] == "death"]
    contacts = ev[ev["event"] == "last_contact"]
    for frame, what, fix in (
        (deaths, "death", "keep one"),
        (contacts, "last_contact", "keep the latest one"),
    ):
        first_row = frame.drop_duplicates("patient_id").set_index("patient_id")["_row"]
        extra = frame[frame.duplicated("patient_id", keep="first")]
        for r, pid in zip(extra["_row"], extra["patient_id"], strict=True):
            problems.add(
                "events",
                f"a second {what} for this patient (the first is in row {first_row[pid]}); {fix}",
                row=r,
                column="event",
                patient_id=pid,
            )
    death = deaths.drop_duplicates("patient_id").set_index("patient_id")
    first_contact = contacts.drop_duplicates("patient_id").set_index("patient_id")
    # merge, not join: pandas 3 deprecates join's rsuffix and pandas 2 has no join(suffixes=)
    both = first_contact.merge(
        death[["day", "_row"]],
        how="inner",
        left_index=True,
        right_index=True,
        suffixes=("", "_death"),
    )
    for pid, rec in both[both["day"] != both["day_death"]].iterrows():
        problems.add(
            "events",
            f"last_contact on day {rec['day']:g} but death on day {rec['day_death']:g} (row "
            f"{rec['_row_death']}); a death is the last contact, so both days must be equal",
            row=rec["_row"],
            column="day",
            patient_id=pid,
        )
    ids = ev["patient_id"].drop_duplicates()
    end = death["day"].reindex(ids)
    end_row = death["_row"].reindex(ids)
    latest = contacts.sort_values(["day", "_row"]).drop_duplicates("patient_id", keep="last")
    latest = latest.set_index("patient_id")
    end_row = end_row.fillna(latest["_row"].reindex(ids))
    end = end.fillna(latest["day"].reindex(ids))
    for pid in end.index[end.isna().to_numpy()]:
        problems.add(
            "events",
            "patient has no last_contact event; add one with the last day "
            "the patient was known alive",
            patient_id=pid,
            column="event",
        )
    end = end.fillna(ev.groupby("patient_id")["day"].max().reindex(ids))
    dead = pd.Series(ids.isin(death.index).to_numpy(), index=ids.to_numpy())

    after = ev[
        (ev["day"] > ev["patient_id"].map(end)) & ~ev["event"].isin(["last_contact", "death"])
    ]
    for r, pid, e, d in zip(
        after["_row"], after["patient_id"], after["event"], after["day"], strict=True
    ):
        label = "death" if dead[pid] else "last contact"
        where = "" if pd.isna(end_row[pid]) else f" (row {int(end_row[pid])})"
        problems.add(
            "events",
            f"{e} on day {d:g} is after the {label} on day {end[pid]:g}{where}",
            row=r,
            column="day",
            patient_id=pid,
        )
    _check_relapses(ev, problems)
    _check_repeated_events(ev, problems)
    end_rows = end_row.to_numpy(dtype="float64")
    ends = {
        pid: (float(day), bool(died), None if np.isnan(row) else int(row))
        for pid, day, died, row in zip(
            ids, end.to_numpy(dtype="float64"), dead.to_numpy(dtype=bool), end_rows, strict=True
        )
    }
    if patients is not None:
        ids_p = patients["patient_id"]
        none = ids_p.isin(known) & ~ids_p.isin(set(ends) | undated)
        none &= ~ids_p.duplicated(keep="first")
        for i in np.flatnonzero(none.to_numpy()):
            problems.add(
                "patients",
                "patient has no events (at least a last_contact is needed for follow-up)",
                row=patient_rows[i],
                patient_id=ids_p.iloc[i],
            )
    return ends


def _check_relapses(ev: pd.DataFrame, problems: Problems) -> None:
    relapses = ev[ev["event"] == "relapse"]
    detail = relapses["detail"] if "detail" in relapses else pd.Series(np.nan, relapses.index)
    odd = ~detail.isin(RELAPSE_DETAILS)
    for r, pid, d in zip(
        relapses["_row"][odd], relapses["patient_id"][odd], detail[odd], strict=True
    ):
        given = "is empty" if pd.isna(d) else f"{d!r} is not cd19_negative or cd19_positive"
        problems.add(
            "events",
            f"relapse detail {given}; the relapse phenotype will be unknown",
            row=r,
            column="detail",
            patient_id=pid,
            severity="warning",
        )
    # two relapses on one day are one relapse: its phenotype must agree
    same_day = relapses.assign(detail=detail)
    first = same_day.drop_duplicates(["patient_id", "day"]).set_index(["patient_id", "day"])
    again = same_day[same_day.duplicated(["patient_id", "day"], keep="first")]
    for r, pid, day, d in zip(
        again["_row"], again["patient_id"], again["day"], again["detail"], strict=True
    ):
        other = first.loc[(pid, day)]
        if d in RELAPSE_DETAILS and other["detail"] in RELAPSE_DETAILS and d != other["detail"]:
            problems.add(
                "events",
                f"relapse on day {day:g} is {d} here but {other['detail']} in row "
                f"{other['_row']}; one relapse has one CD19 phenotype: keep the right row",
                row=r,
                column="detail",
                patient_id=pid,
            )
        else:
            problems.add(
                "events",
                f"relapse on day {day:g} is also in row {other['_row']}; a relapse is counted "
                "once: remove one of the rows",
                row=r,
                column="event",
                patient_id=pid,
                severity="warning",
            )


def _check_repeated_events(ev: pd.DataFrame, problems: Problems) -> None:
    """The same event twice on one day (other than death, last contact and relapse)."""
    other = ev[~ev["event"].isin(["death", "last_contact", "relapse"])]
    keys = ["patient_id", "day", "event"]
    first = other.drop_duplicates(keys).set_index(keys)["_row"]
    again = other[other.duplicated(keys, keep="first")]
    for r, pid, day, e in zip(
        again["_row"], again["patient_id"], again["day"], again["event"], strict=True
    ):
        problems.add(
            "events",
            f"{e} on day {day:g} is also in row {first[(pid, day, e)]}; remove one of the rows",
            row=r,
            column="event",
            patient_id=pid,
            severity="warning",
        )


def check_samples_in_follow_up(tables, rows, ends, problems: Problems) -> None:
    """Observations after death (errors) or after the last contact (warnings)."""
    for name, day_col in SAMPLE_TABLES.items():
        df = tables.get(name)
        if df is None or day_col not in df or "patient_id" not in df:
            continue
        # looked up per distinct patient, not per row
        codes, uniques = pd.factorize(df["patient_id"].to_numpy(dtype=object))
        known = [ends.get(pid) for pid in uniques]
        end_of = np.array([np.nan if k is None else k[0] for k in known] + [np.nan])
        dead_of = np.array([k is not None and k[1] for k in known] + [False])
        end = pd.Series(end_of[codes], index=df.index)
        dead = pd.Series(dead_of[codes], index=df.index)
        late = (df[day_col] > end).to_numpy(dtype=bool)
        for i in np.flatnonzero(late):
            pid = df["patient_id"].iloc[i]
            end_row = ends[pid][2]
            where = "" if end_row is None else f" (events row {end_row})"
            if dead.iloc[i]:
                msg, sev = (
                    f"day {df[day_col].iloc[i]:g} is after the patient's death on day "
                    f"{end.iloc[i]:g}{where}",
                    "error",
                )
            else:
                msg, sev = (
                    f"day {df[day_col].iloc[i]:g} is after the patient's last_contact on "
                    f"day {end.iloc[i]:g}{where}; move last_contact to the latest day the "
                    "patient was seen",
                    "warning",
                )
            problems.add(name, msg, row=rows[name][i], column=day_col, patient_id=pid, severity=sev)
