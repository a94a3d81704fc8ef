"""A study whose follow-up ends at a given day, as if the data were frozen then."""

from __future__ import annotations

import numpy as np

from cartkit.study import Study


def cut_study(study: Study, day: float) -> Study:
    """``study`` censored at ``day``: nothing after it is known.

    Every patient's last contact becomes ``min(last contact, day)``; events, samples,
    assessments and medications after ``day`` are dropped; an adverse event that started by
    ``day`` ends at it at the latest.
    """
    tables = {}
    for name, table in study.tables.items():
        if name == "events":
            last = table["event"] == "last_contact"
            table = table.assign(day=np.where(last, np.minimum(table["day"], day), table["day"]))
            table = table[table["day"] <= day]
        elif name == "adverse_events":
            table = table[table["onset_day"] <= day]
            table = table.assign(end_day=np.minimum(table["end_day"], day))
        elif "day" in table.columns:
            table = table[table["day"] <= day]
        tables[name] = table.reset_index(drop=True)
    return Study(tables, source=f"{study.source} cut at day {day:g}")
