"""Builders of implausible, contradictory and terminal-hostile values (issue 15, points 1, 3
and 4), for tests/hostile.py."""

from __future__ import annotations

import pandas as pd
from tests.hostile_files import put, raw, set_cell

# -- point 1: plausible values ---------------------------------------------------------------


def day_1e15(f):
    return set_cell(f, "events", 3, "day", "1000000000000000")


def copies_1e308(f):
    return set_cell(f, "kinetics", 3, "copies_per_ug", "1e308")


def date_1492(f):
    df = raw(f, "patients")
    df["infusion_date"] = "2019-03-01"
    df.loc[2, "infusion_date"] = "1492-10-12"
    put(f, "patients", df)
    return f


def event_date_far_future(f):
    df = raw(f, "patients")
    df["infusion_date"] = "2019-03-01"
    put(f, "patients", df)
    ev = raw(f, "events")
    ev["date"] = (
        pd.Timestamp("2019-03-01") + pd.to_timedelta(ev.pop("day").astype(int), unit="D")
    ).dt.strftime("%Y-%m-%d")
    ev.loc[1, "date"] = "9999-12-31"
    put(f, "events", ev)
    return f


def excel_date_as_day(f):
    return set_cell(f, "kinetics", 2, "day", "43831")


def dose_in_cells_per_kg(f):
    return set_cell(f, "patients", 5, "cart_dose_e6_per_kg", "3500000")


def impossible_lab(f):
    df = raw(f, "labs")
    df.loc[0, "value"] = "5000000"
    put(f, "labs", df)
    return f


def day_far_before_infusion(f):
    return set_cell(f, "mrd", 2, "day", "-5000")


def hypothermic_day(f):
    return set_cell(f, "crs", 2, "temp_max_c", "33.5")


# -- point 3: contradictions -----------------------------------------------------------------


def relapse_two_phenotypes(f):
    ev = raw(f, "events")
    row = {"patient_id": "P02", "day": "150", "event": "relapse", "detail": "cd19_positive"}
    put(f, "events", pd.concat([ev, pd.DataFrame([row])], ignore_index=True))
    return f


def same_relapse_twice(f):
    ev = raw(f, "events")
    put(f, "events", pd.concat([ev, ev.iloc[[2]]], ignore_index=True))
    return f


def kinetics_key_twice(f):
    k = raw(f, "kinetics")
    again = k.iloc[[1]].assign(copies_per_ug="999")
    put(f, "kinetics", pd.concat([k, again], ignore_index=True))
    return f


def identical_lab_rows(f):
    labs = raw(f, "labs")
    put(f, "labs", pd.concat([labs, labs.iloc[[0]]], ignore_index=True))
    return f


def patient_twice(f):
    p = raw(f, "patients")
    put(f, "patients", pd.concat([p, p.iloc[[3]]], ignore_index=True))
    return f


def unknown_patient_near_miss(f):
    return set_cell(f, "mrd", 2, "patient_id", "P1")


def event_after_death(f):
    ev = raw(f, "events")
    row = {"patient_id": "P04", "day": "300", "event": "hsct", "detail": ""}
    put(f, "events", pd.concat([ev, pd.DataFrame([row])], ignore_index=True))
    return f


def sample_after_death(f):
    k = raw(f, "kinetics")
    row = {"patient_id": "P05", "day": "300", "copies_per_ug": "0", "lloq": "100"}
    put(f, "kinetics", pd.concat([k, pd.DataFrame([row])], ignore_index=True))
    return f


def second_death(f):
    ev = raw(f, "events")
    row = {"patient_id": "P04", "day": "296", "event": "death", "detail": "infection"}
    put(f, "events", pd.concat([ev, pd.DataFrame([row])], ignore_index=True))
    return f


# -- point 4: what reaches the terminal ------------------------------------------------------


def terminal_escape_in_id(f):
    for table in (p.stem for p in f.glob("*.csv")):
        df = raw(f, table)
        df["patient_id"] = df["patient_id"].replace("P08", "P08\x1b[2J\x1b[31m")
        put(f, table, df)
    return f


def bidi_override_in_value(f):
    return set_cell(f, "medications", 2, "drug", "tocilizumab\u202e")


#: every hostile input: name -> (point of issue 15, what it is, how to build it)
