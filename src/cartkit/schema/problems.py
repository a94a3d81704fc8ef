"""Collecting validation problems: every one is kept, with where it is and how to fix it."""

from __future__ import annotations

import numpy as np
import pandas as pd

PROBLEM_COLUMNS = ("table", "row", "column", "patient_id", "severity", "message")
#: problems listed per table; beyond it they are counted (a file of a million bad cells must
#: not make a million lines, nor take the memory of them)
MAX_PER_TABLE = 10_000


class Problems:
    """An append-only list of problems found while reading and validating a study.

    At most :data:`MAX_PER_TABLE` problems are kept per table; the others are counted and
    reported as one line per table and severity.
    """

    def __init__(self):
        self._rows: list[tuple] = []
        self._count: dict[str, int] = {}
        self._dropped: dict[tuple[str, str], int] = {}
        self._where: set[tuple] = set()

    def add(self, table, message, *, row=None, column=None, patient_id=None, severity="error"):
        """Record one problem. ``row`` is the row number as the user sees it in the file."""
        count = self._count.get(table, 0)
        self._count[table] = count + 1
        if count >= MAX_PER_TABLE:
            key = (table, severity)
            self._dropped[key] = self._dropped.get(key, 0) + 1
            return
        self._where.add((table, None if row is None else int(row), column))
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

    def has(self, table, row, column) -> bool:
        """Whether a problem was recorded at this table, row and column."""
        return (table, None if row is None else int(row), column) in self._where

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
        rows = list(self._rows)
        for (table, severity), n in self._dropped.items():
            rows.append(
                (
                    table,
                    None,
                    None,
                    None,
                    severity,
                    f"... and {n:,} more {severity}(s) in this table, not listed: cartkit lists "
                    f"at most {MAX_PER_TABLE:,} problems per table; fix those first",
                )
            )
        df = pd.DataFrame(rows, columns=list(PROBLEM_COLUMNS))
        note = pd.Series(np.arange(len(df)) >= len(self._rows))
        df["row"] = df["row"].astype("Int64")
        for col in ("table", "column", "patient_id", "severity", "message"):
            df[col] = df[col].astype(object)
        rank = {t: i for i, t in enumerate(table_order)}
        keys = pd.DataFrame(
            {
                "s": df["severity"].map({"error": 0, "warning": 1}).fillna(2),
                "t": df["table"].map(rank).fillna(len(rank)),
                # the count of problems not listed comes last in its table
                "r": df["row"].astype("float64").fillna(0).where(~note, np.inf),
                "i": range(len(df)),
            }
        )
        order = keys.sort_values(["s", "t", "r", "i"], kind="stable").index
        return df.loc[order].reset_index(drop=True)
