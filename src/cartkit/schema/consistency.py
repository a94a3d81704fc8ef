"""Checks across rows and tables: identities, event logic, timing and likely unit errors."""

from __future__ import annotations

import re

import numpy as np
import pandas as pd

from .coerce import shown_value as _shown
from .events_logic import check_events, check_samples_in_follow_up
from .problems import Problems
from .spec import LAB_TESTS, TABLES
from .tables import DATE_FOR_DAY

#: tables whose days cannot precede the infusion
NOT_BEFORE_INFUSION = {
    "events": "error",
    "crs": "error",
    "icans": "error",
    "adverse_events": "warning",
}


def derive_days(tables, rows, pending, problems: Problems):
    """Replace date columns by days from each patient's infusion date, where asked.

    ``rows`` gives the file row number of every row of each table. A day derived from dates
    outside its column's plausible range is reported with both dates.
    """
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
                    row=rows[table][i],
                    column=date_col,
                    patient_id=df["patient_id"].iloc[i],
                )
            spec = TABLES[table].column(day_col)
            if spec is not None and not spec.allow_missing:
                for i in np.flatnonzero(df[date_col].isna().to_numpy()):
                    if problems.has(table, rows[table][i], date_col):
                        continue  # not a date, or an impossible one: already reported
                    problems.add(
                        table,
                        f"{date_col} is empty; this column needs a value in every row",
                        row=rows[table][i],
                        column=date_col,
                        patient_id=df["patient_id"].iloc[i],
                    )
            df[day_col] = days.astype("float64")
            if spec is not None:
                _check_derived_days(df, date_col, spec, start, rows[table], table, problems)


def _check_derived_days(df, date_col, spec, start, rows, table, problems: Problems):
    days = df[spec.name].to_numpy(dtype="float64")
    for low, high, severity in (
        (spec.minimum, spec.maximum, "error"),
        (spec.usual_minimum, spec.usual_maximum, "warning"),
    ):
        outside = (days < low) | (days > high)
        for i in np.flatnonzero(outside):
            problems.add(
                table,
                f"{date_col} {df[date_col].iloc[i]:%Y-%m-%d} is {abs(days[i]):,.0f} days "
                f"{'after' if days[i] > 0 else 'before'} the infusion on "
                f"{start.iloc[i]:%Y-%m-%d}; check both dates",
                row=rows[i],
                column=date_col,
                patient_id=df["patient_id"].iloc[i],
                severity=severity,
            )
        if outside.any():
            days = np.where(outside, np.nan, days)  # each date is reported once


def check_study(tables: dict[str, pd.DataFrame], rows: dict[str, np.ndarray], problems: Problems):
    """Run every cross-row and cross-table check, recording problems.

    ``rows`` gives the file row number of every row of each table.
    """
    patients = tables.get("patients")
    known: set[str] = set()
    if patients is not None and "patient_id" in patients:
        known = _check_patients(patients, rows["patients"], problems)
    for name, df in tables.items():
        if name == "patients" or name not in TABLES or "patient_id" not in df:
            continue
        if patients is not None:
            _check_known_patients(name, df, rows[name], known, problems)
        spec = TABLES[name]
        if spec.key:
            check_duplicate_keys(name, df, rows[name], spec.key, problems)
        day_col = "onset_day" if name == "adverse_events" else "day"
        if name in NOT_BEFORE_INFUSION and day_col in df:
            sev = NOT_BEFORE_INFUSION[name]
            for i in np.flatnonzero((df[day_col] < 0).to_numpy()):
                if problems.has(name, rows[name][i], day_col):
                    continue  # already impossible (more than 100 years before)
                problems.add(
                    name,
                    f"day {df[day_col].iloc[i]:g} is before the infusion (day 0); "
                    "days count from the CAR-T infusion",
                    row=rows[name][i],
                    column=day_col,
                    patient_id=df["patient_id"].iloc[i],
                    severity=sev,
                )
        if len(df) == 0:
            problems.add(name, "table is empty", severity="warning")
    if "events" in tables and {"patient_id", "day", "event"} <= set(tables["events"].columns):
        ends = check_events(
            tables["events"],
            rows["events"],
            known,
            problems,
            patients,
            rows.get("patients"),
        )
        check_samples_in_follow_up(tables, rows, ends, problems)
    _check_identical_rows(tables, rows, problems)
    _check_units(tables, rows, problems)


def _check_patients(patients, rows, problems) -> set[str]:
    ids = patients["patient_id"]
    first_seen: dict[str, int] = {}
    for i, pid in enumerate(ids):
        if pid is None or pid != pid:
            continue
        if pid in first_seen:
            problems.add(
                "patients",
                f"patient_id {_shown(pid)} is a duplicate of row "
                f"{first_seen[pid]}; each patient has one row",
                row=rows[i],
                column="patient_id",
                patient_id=pid,
            )
        else:
            first_seen[pid] = int(rows[i])
    return set(first_seen)


def _id_key(pid: str) -> str:
    """An id compared loosely: case, spaces and leading zeros of numbers ignored (P01 ~ p1)."""
    return re.sub(r"(?<!\d)0+(?=\d)", "", re.sub(r"[\s_\-]+", "", str(pid).lower()))


def _check_known_patients(name, df, rows, known, problems):
    pids = df["patient_id"]
    unknown = pids.notna() & ~pids.isin(known)
    loose = {}
    if unknown.any():  # ids compared loosely only to suggest one
        for k in sorted(known):
            loose.setdefault(_id_key(k), k)
    for i in np.flatnonzero(unknown.to_numpy()):
        pid = pids.iloc[i]
        near = loose.get(_id_key(pid))
        hint = (
            f" (did you mean {near!r}?)" if near else "; add the patient to patients or fix the id"
        )
        problems.add(
            name,
            f"patient {_shown(pid)} is not in the patients table{hint}",
            row=rows[i],
            column="patient_id",
            patient_id=pid,
        )


def repeated_rows(frame: pd.DataFrame) -> tuple[np.ndarray, np.ndarray]:
    """Positions of the rows that repeat an earlier one, and of the row each repeats.

    Rows are compared by a 64-bit hash of their values (missing values equal), so the cost is
    linear in the rows whatever their number.
    """
    if len(frame) < 2:
        return np.zeros(0, int), np.zeros(0, int)
    hashes = pd.util.hash_pandas_object(frame, index=False).to_numpy()
    keys = pd.Series(hashes)
    again = np.flatnonzero(keys.duplicated(keep="first").to_numpy())
    if len(again) == 0:
        return again, again
    first = pd.Series(np.arange(len(keys))).groupby(hashes).first()
    return again, first.reindex(hashes[again]).to_numpy(dtype=int)


def check_duplicate_keys(name, df, rows, key, problems):
    """Rows that repeat another's key (one row per patient and day); both rows are named."""
    if not set(key) <= set(df.columns):
        return
    sub = df[list(key)]
    complete = sub.notna().all(axis=1).to_numpy(dtype=bool)
    again, first = repeated_rows(sub)
    what = " and ".join(key)
    values = df.drop(columns=list(key))
    for i, j in zip(again, first, strict=True):
        if not complete[i]:
            continue
        shown = ", ".join(
            f"{c} {v:g}" if isinstance(v, float) else f"{c} {v}"
            for c, v in zip(key, sub.iloc[i], strict=True)
        )
        differ = [
            c
            for c in values.columns
            if not (pd.isna(values[c].iloc[i]) and pd.isna(values[c].iloc[j]))
            and values[c].iloc[i] != values[c].iloc[j]
        ]
        how = f"; they differ in {', '.join(map(str, differ))}" if differ else ""
        problems.add(
            name,
            f"duplicate of row {rows[j]} (same {what}: {shown}){how}; keep one "
            "row per " + " and ".join(key),
            row=rows[i],
            column=key[-1],
            patient_id=df["patient_id"].iloc[i],
        )


def _check_identical_rows(tables, rows, problems):
    """Rows repeated whole in a table that has no key (events have their own checks)."""
    for name, df in tables.items():
        spec = TABLES.get(name)
        if spec is None or spec.key or name == "events":
            continue
        again, first = repeated_rows(df)
        for i, j in zip(again, first, strict=True):
            problems.add(
                name,
                f"identical to row {rows[name][j]}; remove one of the rows (a repeated row is "
                "counted twice)",
                row=rows[name][i],
                patient_id=df["patient_id"].iloc[i] if "patient_id" in df else None,
                severity="warning",
            )


def _check_labs(labs, rows, problems):
    """Each lab value within its test's range: impossible (error) or another unit (warning)."""
    codes, tests = pd.factorize(labs["test"].to_numpy(dtype=object))
    value = labs["value"].to_numpy(dtype="float64")
    for test, lab in LAB_TESTS.items():
        found = np.flatnonzero(tests == test)
        is_test = codes == found[0] if len(found) else np.zeros(len(codes), bool)
        for i in np.flatnonzero(is_test & (value > lab.maximum)):
            hint = (
                "a percentage cannot exceed 100"
                if lab.unit == "%"
                else f"{lab.unit} is impossible; check the unit and the value"
            )
            problems.add(
                "labs",
                f"{test} {value[i]:g} {hint}",
                row=rows[i],
                column="value",
                patient_id=labs["patient_id"].iloc[i],
            )
        if lab.usual_maximum is None:
            continue
        unusual = is_test & (value > lab.usual_maximum) & (value <= lab.maximum)
        for i in np.flatnonzero(unusual):
            problems.add(
                "labs",
                f"{test} {value[i]:g} {lab.hint}",
                row=rows[i],
                column="value",
                patient_id=labs["patient_id"].iloc[i],
                severity="warning",
            )


def _check_units(tables, rows, problems):
    labs = tables.get("labs")
    if labs is not None and {"test", "value"} <= set(labs.columns):
        _check_labs(labs, rows["labs"], problems)
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
                    row=rows["kinetics"][i],
                    column="blq",
                    patient_id=kin["patient_id"].iloc[i],
                    severity="warning",
                )
    ae = tables.get("adverse_events")
    if ae is not None and {"onset_day", "end_day"} <= set(ae.columns):
        for i in np.flatnonzero((ae["end_day"] < ae["onset_day"]).to_numpy(dtype=bool)):
            problems.add(
                "adverse_events",
                f"end_day {ae['end_day'].iloc[i]:g} is before onset_day "
                f"{ae['onset_day'].iloc[i]:g}",
                row=rows["adverse_events"][i],
                column="end_day",
                patient_id=ae["patient_id"].iloc[i],
            )
