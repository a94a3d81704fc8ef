"""Plain values and text of report cells, shared by results.json, report.html, report.docx and
tables.xlsx.

Nothing here computes a statistic: it converts what the runner produced into JSON-safe values,
printable text, the rows of a journal table as every renderer lays them out, and counts of the
exclusion and finding rows.
"""

from __future__ import annotations

import json
import math

import numpy as np
import pandas as pd

from ..io.writers import _format_cell
from .outputs import headline_lines, headline_number, rate_text
from .results_json import deep_plain, plain_value

#: provenance keys shown in their own rows, in this order; any others follow
_PROVENANCE_ORDER = ("source", "seed", "input_files", "versions", "settings")


def frame_records(df: pd.DataFrame) -> list[dict]:
    """The rows of ``df`` as records of plain values, keys the column names as text."""
    names = [str(c) for c in df.columns]
    columns = [df[c].to_numpy(dtype=object) for c in df.columns]
    return [
        {name: plain_value(col[i]) for name, col in zip(names, columns, strict=True)}
        for i in range(len(df))
    ]


def frame_text(df: pd.DataFrame) -> tuple[list[str], list[list[str]]]:
    """Headers and rows of ``df`` as text (missing values empty), for an HTML table."""
    columns = [df[c].to_numpy(dtype=object) for c in df.columns]
    rows = [[_format_cell(col[i]) for col in columns] for i in range(len(df))]
    return [str(c) for c in df.columns], rows


def display_text(value) -> str:
    """A ``display`` cell as text: the runner gives strings; anything missing prints empty."""
    if value is None or value is pd.NA or value is pd.NaT:
        return ""
    if isinstance(value, float) and math.isnan(value):
        return ""
    return str(value)


def _percent(value) -> str:
    return "–" if value is None or not math.isfinite(value) else f"{100 * value:.1f}"


def _finite(value) -> bool:
    return isinstance(value, int | float | np.number) and math.isfinite(float(value))


def headline_rows(headline: dict, items) -> list[dict]:
    """The headline numbers as table rows ``{key, label, value, detail}`` for the page.

    Rates and survival probabilities show as percentages with their interval; ``detail`` gives
    the counts behind them (events of n, or the number still at risk). A survival estimate past
    the follow-up shows "NE", its detail the reason.
    """
    rows = []
    for key, label, kind in headline_lines(items):
        value = headline.get(key)
        detail = ""
        if value is None or (kind == "number" and not _finite(value)):
            shown = "not available"
        elif kind == "rate" and not isinstance(value, dict):
            shown = f"{_percent(value)}%" if _finite(value) else "not available"
        elif kind == "rate" and value.get("not_estimable"):
            shown = "NE"
            detail = f"not estimable: {value['not_estimable']}"
        elif kind == "rate":
            shown = rate_text(value)
            if "n_events" in value and "n" in value:
                detail = f"{value['n_events']} of {value['n']}"
            elif "n_risk" in value:
                detail = f"{value['n_risk']} at risk"
        else:
            shown = headline_number(value)
        rows.append(
            {"key": key, "label": label[:1].upper() + label[1:], "value": shown, "detail": detail}
        )
    return rows


def _counts(frame: pd.DataFrame, by: str) -> dict[str, int]:
    if frame is None or by not in frame.columns or frame.empty:
        return {}
    keys = [c for c in ("table", "dataset") if c in frame.columns]
    labels = frame[by].astype(object).where(frame[by].notna(), "(no reason given)").astype(str)
    for key in reversed(keys):
        labels = frame[key].astype(str) + ": " + labels
    counts = labels.value_counts(sort=False)
    return {str(k): int(counts[k]) for k in sorted(counts.index)}


def _patients(frame: pd.DataFrame) -> int:
    if frame is None or "patient_id" not in frame.columns:
        return 0
    return int(frame["patient_id"].dropna().nunique())


def exclusion_counts(excluded: pd.DataFrame, findings: pd.DataFrame) -> dict:
    """How many rows were excluded and flagged, overall and by reason or check.

    Parameters
    ----------
    excluded : pandas.DataFrame
        ``[patient_id, reason, ...]``: rows or patients left out of a derivation.
    findings : pandas.DataFrame
        ``[patient_id, check, message, ...]``: data-quality findings.

    Returns
    -------
    dict
        ``{"excluded": {"rows", "patients", "by_reason"}, "findings": {"rows", "patients",
        "by_check"}}``; keys of ``by_reason``/``by_check`` are prefixed ``"<table>: "`` when
        the frame has a ``table`` or ``dataset`` column.
    """
    return {
        "excluded": {
            "rows": 0 if excluded is None else len(excluded),
            "patients": _patients(excluded),
            "by_reason": _counts(excluded, "reason"),
        },
        "findings": {
            "rows": 0 if findings is None else len(findings),
            "patients": _patients(findings),
            "by_check": _counts(findings, "check"),
        },
    }


def derived_frame(derived: dict, name: str, columns: tuple[str, ...]) -> pd.DataFrame:
    """``derived[name]``, or an empty frame with ``columns`` when the runner made none."""
    frame = derived.get(name)
    if frame is None:
        return pd.DataFrame({c: pd.Series(dtype=object) for c in columns})
    return frame


def header_rows(columns) -> list[list[dict]]:
    """Header rows of a journal table: one per column level, equal neighbours merged.

    A two-level header (``("Univariate", "HR (95% CI)")``, ...) prints its upper labels once,
    spanning their columns; the row-label column shows its name on the last row only. Each
    cell is ``{"text", "span"}``.
    """
    if not isinstance(columns, pd.MultiIndex):
        return [[{"text": display_text(c), "span": 1} for c in columns]]
    keys = list(columns)
    rows = []
    for level in range(columns.nlevels):
        last = level == columns.nlevels - 1
        row = [{"text": display_text(keys[0][level]) if last else "", "span": 1}] if keys else []
        for j in range(1, len(keys)):
            prefix = keys[j][: level + 1]
            if j > 1 and not last and keys[j - 1][: level + 1] == prefix:
                row[-1]["span"] += 1
            else:
                row.append({"text": display_text(keys[j][level]), "span": 1})
        rows.append(row)
    return rows


def journal_rows(table) -> list[dict]:
    """The body rows of a table's ``display``: ``{style, label, cells, span}`` per row.

    ``style`` is "heading", "indent" or ""; ``span`` is true for a heading row with nothing
    but its label, which spans the whole table.
    """
    display = table.display
    columns = [display[c].to_numpy(dtype=object) for c in display.columns]
    rows = []
    for i, style in enumerate(table.row_styles):
        cells = [display_text(col[i]) for col in columns]
        rows.append(
            {
                "style": style if style in ("heading", "indent") else "",
                "label": cells[0] if cells else "",
                "cells": cells[1:],
                "span": style == "heading" and not any(cells[1:]),
            }
        )
    return rows


def provenance_text(value) -> str:
    """Provenance value as text: strings and scalars as they are, containers as JSON."""
    if isinstance(value, dict | list | tuple):
        return json.dumps(deep_plain(value), sort_keys=True, ensure_ascii=False)
    value = plain_value(value)
    return "" if value is None else str(value)


def provenance_rows(provenance: dict) -> list[dict]:
    """The provenance as ``{label, rows, value}`` items, in the order the report shows them.

    A mapping (input files and their SHA-256, versions, settings) gives ``rows`` of ``(key,
    text)`` sorted by key; anything else a one-line ``value``.
    """
    keys = [k for k in _PROVENANCE_ORDER if k in provenance]
    keys += sorted(k for k in provenance if k not in _PROVENANCE_ORDER)
    out = []
    for key in keys:
        value = provenance[key]
        label = str(key).replace("_", " ").capitalize()
        if isinstance(value, dict):
            rows = [
                (str(k), provenance_text(v))
                for k, v in sorted(value.items(), key=lambda kv: str(kv[0]))
            ]
            out.append({"label": label, "rows": rows, "value": None})
        else:
            out.append({"label": label, "rows": None, "value": provenance_text(value)})
    return out
