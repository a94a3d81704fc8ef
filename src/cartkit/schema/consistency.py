"""Checks across rows and tables: identities, event logic, timing and likely unit errors."""

from __future__ import annotations

import numpy as np
import pandas as pd

from .problems import Problems
from .spec import RELAPSE_DETAILS, TABLES
from .tables import DATE_FOR_DAY

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
#: tables whose days cannot precede the infusion
NOT_BEFORE_INFUSION = {
    "events": "error",
    "crs": "error",
    "icans": "error",
    "adverse_events": "warning",
}
#: labs whose values above this limit suggest cells/µL or g/L instead of the format's unit
LAB_UNIT_LIMITS = {
    "ANC": (100.0, "looks like cells/µL; the unit is 10^9/L (divide by 1000)"),
    "WBC": (500.0, "looks like cells/µL; the unit is 10^9/L (divide by 1000)"),
    "LYM": (100.0, "looks like cells/µL; the unit is 10^9/L (divide by 1000)"),
    "PLT": (3000.0, "looks like cells/µL; the unit is 10^9/L (divide by 1000)"),
    "HGB": (25.0, "looks like g/L; the unit is g/dL (divide by 10)"),
    "BCELL_PCT_WBC": (100.0, "a percentage cannot exceed 100"),
    "BCELL_PCT_LYM": (100.0, "a percentage cannot exceed 100"),
    "FIBRINOGEN": (20.0, "looks like mg/dL; the unit is g/L (divide by 100)"),
}


def _rows(first_row: int, index) -> np.ndarray:
    return np.asarray(index, dtype=int) + first_row


def derive_days(tables, first_rows, pending, problems: Problems):
    """Replace date columns by days from each patient's infusion date, where asked."""
    patients = tables.get("patients")
    infusion = {}
    if patients is not None and "infusion_date" in patients:
        known = patients.dropna(subset=["patient_id", "infusion_date"])
        infusion = dict(zip(known["patient_id"], known["infusion_date"], strict=True))
    for table, date_cols in pending.items():
        df = tables[table]
        for date_col in date_cols:
            day_col = DATE_FOR_DAY[date_col]
            start = df["patient_id"].map(infusion)
            days = (df[date_col].dt.normalize() - pd.to_datetime(start).dt.normalize()).dt.days
            lacking = df[date_col].notna() & start.isna()
            for i in np.flatnonzero(lacking.to_numpy()):
                problems.add(
                    table,
                    f"has a {date_col} but patients gives no infusion_date for this "
                    "patient, so its day cannot be derived; add infusion_date or give days",
                    row=first_rows[table] + i,
                    column=date_col,
                    patient_id=df["patient_id"].iloc[i],
                )
            spec = TABLES[table].column(day_col)
            if spec is not None and not spec.allow_missing:
                for i in np.flatnonzero(df[date_col].isna().to_numpy()):
                    problems.add(
                        table,
                        f"{date_col} is empty; this column needs a value in every row",
                        row=first_rows[table] + i,
                        column=date_col,
                        patient_id=df["patient_id"].iloc[i],
                    )
            df[day_col] = days.astype("float64")


def check_study(tables: dict[str, pd.DataFrame], first_rows: dict[str, int], problems: Problems):
    """Run every cross-row and cross-table check, recording problems."""
    patients = tables.get("patients")
    known: set[str] = set()
    if patients is not None and "patient_id" in patients:
        known = _check_patients(patients, first_rows["patients"], problems)
    for name, df in tables.items():
        if name == "patients" or name not in TABLES or "patient_id" not in df:
            continue
        if patients is not None:
            _check_known_patients(name, df, first_rows[name], known, problems)
        spec = TABLES[name]
        if spec.key:
            _check_duplicate_keys(name, df, first_rows[name], spec.key, problems)
        day_col = "onset_day" if name == "adverse_events" else "day"
        if name in NOT_BEFORE_INFUSION and day_col in df:
            sev = NOT_BEFORE_INFUSION[name]
            for i in np.flatnonzero((df[day_col] < 0).to_numpy()):
                problems.add(
                    name,
                    f"day {df[day_col].iloc[i]:g} is before the infusion (day 0); "
                    "days count from the CAR-T infusion",
                    row=first_rows[name] + i,
                    column=day_col,
                    patient_id=df["patient_id"].iloc[i],
                    severity=sev,
                )
        if len(df) == 0:
            problems.add(name, "table is empty", severity="warning")
    if "events" in tables and {"patient_id", "day", "event"} <= set(tables["events"].columns):
        ends = _check_events(
            tables["events"],
            first_rows["events"],
            known,
            problems,
            patients,
            first_rows.get("patients", 2),
        )
        _check_samples_in_follow_up(tables, first_rows, ends, problems)
    _check_units(tables, first_rows, problems)


def _check_patients(patients, first_row, problems) -> set[str]:
    ids = patients["patient_id"]
    first_seen: dict[str, int] = {}
    for i, pid in enumerate(ids):
        if pid is None or pid != pid:
            continue
        if pid in first_seen:
            problems.add(
                "patients",
                f"patient_id {pid!r} is a duplicate of row "
                f"{first_seen[pid]}; each patient has one row",
                row=first_row + i,
                column="patient_id",
                patient_id=pid,
            )
        else:
            first_seen[pid] = first_row + i
    return set(first_seen)


def _check_known_patients(name, df, first_row, known, problems):
    lower = {k.lower(): k for k in known}
    pids = df["patient_id"]
    unknown = pids.notna() & ~pids.isin(known)
    for i in np.flatnonzero(unknown.to_numpy()):
        pid = pids.iloc[i]
        near = lower.get(str(pid).strip().lower())
        hint = (
            f" (did you mean {near!r}?)" if near else "; add the patient to patients or fix the id"
        )
        problems.add(
            name,
            f"patient {pid!r} is not in the patients table{hint}",
            row=first_row + i,
            column="patient_id",
            patient_id=pid,
        )


def _check_duplicate_keys(name, df, first_row, key, problems):
    if not set(key) <= set(df.columns):
        return
    sub = df[list(key)]
    dup = sub.notna().all(axis=1) & sub.duplicated(keep="first")
    if not dup.any():
        return
    first_of = {}
    for i, k in enumerate(map(tuple, sub.itertuples(index=False, name=None))):
        first_of.setdefault(k, first_row + i)
    what = " and ".join(key)
    for i in np.flatnonzero(dup.to_numpy()):
        k = tuple(sub.iloc[i])
        shown = ", ".join(
            f"{c} {v:g}" if isinstance(v, float) else f"{c} {v}"
            for c, v in zip(key, k, strict=True)
        )
        problems.add(
            name,
            f"duplicate of row {first_of[k]} (same {what}: {shown}); keep one "
            "row per " + " and ".join(key),
            row=first_row + i,
            column=key[-1],
            patient_id=df["patient_id"].iloc[i],
        )


def _check_events(events, first_row, known, problems, patients, patients_first_row):
    """Event logic per patient; returns each patient's end of follow-up (day, is_death)."""
    ev = events.assign(_row=np.arange(len(events)) + first_row)
    ev = ev[ev["patient_id"].notna() & ev["day"].notna() & ev["event"].notna()]
    if patients is not None:
        ev = ev[ev["patient_id"].isin(known)]  # unknown patients are reported once, elsewhere
    deaths = ev[ev["event"] == "death"]
    contacts = ev[ev["event"] == "last_contact"]
    for frame, what, fix in (
        (deaths, "death", "keep one"),
        (contacts, "last_contact", "keep the latest one"),
    ):
        extra = frame[frame.duplicated("patient_id", keep="first")]
        for r, pid in zip(extra["_row"], extra["patient_id"], strict=True):
            problems.add(
                "events",
                f"a second {what} for this patient; {fix}",
                row=r,
                column="event",
                patient_id=pid,
            )
    death_day = deaths.drop_duplicates("patient_id").set_index("patient_id")["day"]
    first_contact = contacts.drop_duplicates("patient_id").set_index("patient_id")
    mismatch = first_contact.join(death_day.rename("death_day"), how="inner")
    mismatch = mismatch[mismatch["day"] != mismatch["death_day"]]
    for pid, rec in mismatch.iterrows():
        problems.add(
            "events",
            f"last_contact on day {rec['day']:g} but death on day "
            f"{rec['death_day']:g}; a death is the last contact, so both days must be "
            "equal",
            row=rec["_row"],
            column="day",
            patient_id=pid,
        )
    ids = ev["patient_id"].drop_duplicates()
    end = death_day.reindex(ids)
    end = end.fillna(contacts.groupby("patient_id")["day"].max().reindex(ids))
    lacking = end.isna()
    for pid in end.index[lacking.to_numpy()]:
        problems.add(
            "events",
            "patient has no last_contact event; add one with the last day "
            "the patient was known alive",
            patient_id=pid,
            column="event",
        )
    end = end.fillna(ev.groupby("patient_id")["day"].max().reindex(ids))
    dead = pd.Series(ids.isin(death_day.index).to_numpy(), index=ids.to_numpy())

    ev_end = ev["patient_id"].map(end)
    after = ev[(ev["day"] > ev_end) & ~ev["event"].isin(["last_contact", "death"])]
    for r, pid, e, d in zip(
        after["_row"], after["patient_id"], after["event"], after["day"], strict=True
    ):
        label = "death" if dead[pid] else "last contact"
        problems.add(
            "events",
            f"{e} on day {d:g} is after the {label} on day {end[pid]:g}",
            row=r,
            column="day",
            patient_id=pid,
        )
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
    ends = {pid: (float(end[pid]), bool(dead[pid])) for pid in ids}
    if patients is not None:
        ids_p = patients["patient_id"]
        none = ids_p.isin(known) & ~ids_p.isin(set(ends)) & ~ids_p.duplicated(keep="first")
        for i in np.flatnonzero(none.to_numpy()):
            problems.add(
                "patients",
                "patient has no events (at least a last_contact is needed for follow-up)",
                row=patients_first_row + i,
                patient_id=ids_p.iloc[i],
            )
    return ends


def _check_samples_in_follow_up(tables, first_rows, ends, problems):
    for name, day_col in SAMPLE_TABLES.items():
        df = tables.get(name)
        if df is None or day_col not in df or "patient_id" not in df:
            continue
        end = df["patient_id"].map({k: v[0] for k, v in ends.items()})
        dead_ids = {k for k, v in ends.items() if v[1]}
        dead = df["patient_id"].isin(dead_ids)
        late = (df[day_col] > end).to_numpy(dtype=bool)
        for i in np.flatnonzero(late):
            pid = df["patient_id"].iloc[i]
            if dead.iloc[i]:
                msg, sev = (
                    f"day {df[day_col].iloc[i]:g} is after the patient's death on day "
                    f"{end.iloc[i]:g}",
                    "error",
                )
            else:
                msg, sev = (
                    f"day {df[day_col].iloc[i]:g} is after the patient's last_contact on "
                    f"day {end.iloc[i]:g}; move last_contact to the latest day the "
                    "patient was seen",
                    "warning",
                )
            problems.add(
                name, msg, row=first_rows[name] + i, column=day_col, patient_id=pid, severity=sev
            )


def _check_units(tables, first_rows, problems):
    labs = tables.get("labs")
    if labs is not None and {"test", "value"} <= set(labs.columns):
        for test, (limit, msg) in LAB_UNIT_LIMITS.items():
            hit = ((labs["test"] == test) & (labs["value"] > limit)).to_numpy(dtype=bool)
            sev = "error" if test.startswith("BCELL") else "warning"
            for i in np.flatnonzero(hit):
                problems.add(
                    "labs",
                    f"{test} {labs['value'].iloc[i]:g} {msg}",
                    row=first_rows["labs"] + i,
                    column="value",
                    patient_id=labs["patient_id"].iloc[i],
                    severity=sev,
                )
    mrd = tables.get("mrd")
    if mrd is not None and "mrd_fraction" in mrd:
        pos = mrd["mrd_fraction"][(mrd["mrd_fraction"] > 0) & (mrd["mrd_fraction"] <= 1)]
        if len(pos) >= 3 and (pos >= 0.05).mean() > 0.5:
            problems.add(
                "mrd",
                f"{(pos >= 0.05).mean():.0%} of positive MRD values are ≥ 0.05 "
                "(5%); if they are percentages, divide by 100 (a fraction: 1e-4 = "
                "0.01%)",
                column="mrd_fraction",
                severity="warning",
            )
    kin = tables.get("kinetics")
    if kin is not None and "copies_per_ug" in kin:
        pos = kin["copies_per_ug"][kin["copies_per_ug"] > 0]
        if len(pos) >= 3 and pos.max() < 10:
            problems.add(
                "kinetics",
                f"every copies_per_ug value is below 10 (max {pos.max():g}); "
                "if they are log10 copies, give copies (10 ** value)",
                column="copies_per_ug",
                severity="warning",
            )
        if {"blq", "lloq"} <= set(kin.columns):
            lloq = kin["lloq"].fillna(100.0)
            odd = kin["blq"].fillna(False).to_numpy(dtype=bool) & (
                kin["copies_per_ug"] >= lloq
            ).to_numpy(dtype=bool)
            for i in np.flatnonzero(odd):
                problems.add(
                    "kinetics",
                    f"flagged blq but {kin['copies_per_ug'].iloc[i]:g} is "
                    f"not below the LLOQ ({lloq.iloc[i]:g})",
                    row=first_rows["kinetics"] + i,
                    column="blq",
                    patient_id=kin["patient_id"].iloc[i],
                    severity="warning",
                )
    patients = tables.get("patients")
    if patients is not None and "cart_dose_e6_per_kg" in patients:
        for i in np.flatnonzero((patients["cart_dose_e6_per_kg"] > 50).to_numpy(dtype=bool)):
            problems.add(
                "patients",
                f"dose {patients['cart_dose_e6_per_kg'].iloc[i]:g} ×10^6/kg "
                "is implausibly high; is it cells/kg? give 10^6 cells/kg",
                row=first_rows["patients"] + i,
                column="cart_dose_e6_per_kg",
                patient_id=patients["patient_id"].iloc[i],
                severity="warning",
            )
    ae = tables.get("adverse_events")
    if ae is not None and {"onset_day", "end_day"} <= set(ae.columns):
        for i in np.flatnonzero((ae["end_day"] < ae["onset_day"]).to_numpy(dtype=bool)):
            problems.add(
                "adverse_events",
                f"end_day {ae['end_day'].iloc[i]:g} is before onset_day "
                f"{ae['onset_day'].iloc[i]:g}",
                row=first_rows["adverse_events"] + i,
                column="end_day",
                patient_id=ae["patient_id"].iloc[i],
            )
