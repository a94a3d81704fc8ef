"""Collecting validation problems: every one is kept, with where it is and how to fix it."""

from __future__ import annotations

import pandas as pd

PROBLEM_COLUMNS = ("table", "row", "column", "patient_id", "severity", "message")


class Problems:
    """An append-only list of problems found while reading and validating a study."""

    def __init__(self):
        self._rows: list[tuple] = []

    def add(self, table, message, *, row=None, column=None, patient_id=None, severity="error"):
        """Record one problem. ``row`` is the row number as the user sees it in the file."""
        self._rows.append(
            (
                table,
                None if row is None else int(row),
                column,
                None if patient_id is None else str(patient_id),
                severity,
                message,
            )
        )

    def add_rows(self, table, rows, patient_ids, message, *, column=None, severity="error"):
        """Record the same kind of problem at many rows; ``message`` may be a list, one per row."""
        messages = message if isinstance(message, list) else [message] * len(rows)
        for r, pid, msg in zip(rows, patient_ids, messages, strict=True):
            self.add(table, msg, row=r, column=column, patient_id=pid, severity=severity)

    def extend(self, records):
        """Add problems given as dicts with the problem columns."""
        for rec in records:
            self.add(
                rec["table"],
                rec["message"],
                row=rec.get("row"),
                column=rec.get("column"),
                patient_id=rec.get("patient_id"),
                severity=rec.get("severity", "error"),
            )

    def frame(self, table_order=()) -> pd.DataFrame:
        """All problems: errors first, then by table (in ``table_order``), row, and as found."""
        df = pd.DataFrame(self._rows, columns=list(PROBLEM_COLUMNS))
        df["row"] = df["row"].astype("Int64")
        for col in ("table", "column", "patient_id", "severity", "message"):
            df[col] = df[col].astype(object)
        rank = {t: i for i, t in enumerate(table_order)}
        keys = pd.DataFrame(
            {
                "s": df["severity"].map({"error": 0, "warning": 1}).fillna(2),
                "t": df["table"].map(rank).fillna(len(rank)),
                "r": df["row"].astype("float64").fillna(0),
                "i": range(len(df)),
            }
        )
        order = keys.sort_values(["s", "t", "r", "i"], kind="stable").index
        return df.loc[order].reset_index(drop=True)
