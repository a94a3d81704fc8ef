"""Printed names, units, cell formats, footnotes, abbreviations and notes of NCA parameters.

Shared by the ``kinetics`` and ``correlation`` kinds so a parameter reads the same in every
table and figure; ``auc_window`` is named by the plan's window (AUC0–28d).
"""

from __future__ import annotations

import pandas as pd

from ...kinetics import PARAMETERS
from ...report.format import NA, fmt_median_range, fmt_num
from ...report.glossary import GLOSSARY
from ..context import Context

__all__ = [
    "LLOQ_ABBREVIATION",
    "abbreviations",
    "fmt_summary",
    "geometric",
    "method_footnotes",
    "parameter_label",
    "parameter_short",
    "persisting_note",
]

_SHORT = {
    "cmax": "Cmax",
    "tmax": "Tmax",
    "tlast": "Tlast",
    "clast": "Clast",
    "auclast": "AUClast",
    "half_life": "Half-life",
}
_UNITS = {"conc": "copies/µg DNA", "auc": "copies/µg DNA × day", "time": "days"}
_ABBREVIATIONS = {
    param: f"{abbr}, {GLOSSARY[abbr]}"
    for param, abbr in (
        ("cmax", "Cmax"),
        ("tmax", "Tmax"),
        ("tlast", "Tlast"),
        ("clast", "Clast"),
        ("auc_window", "AUC"),
        ("auclast", "AUClast"),
    )
}
LLOQ_ABBREVIATION = f"LLOQ, {GLOSSARY['LLOQ']}"


def _days(x: float) -> str:
    return f"{float(x):g}"


def parameter_short(name: str, ctx: Context) -> str:
    """Short printed name of an NCA parameter; ``auc_window`` names the plan's window."""
    if name == "auc_window":
        start, end = ctx.settings.nca_window
        return f"AUC{_days(start)}–{_days(end)}d"
    return _SHORT.get(name, name)


def parameter_label(name: str, ctx: Context) -> str:
    """Printed name with its unit (``"AUC0–28d, copies/µg DNA × day"``), or the variable's label."""
    if name not in PARAMETERS:
        return ctx.label(name)
    unit = _UNITS.get(PARAMETERS[name].unit_type)
    short = parameter_short(name, ctx)
    return f"{short}, {unit}" if unit else short


def geometric(name: str) -> bool:
    """Whether a parameter is a level or an amount (summarised geometrically), not a time."""
    return PARAMETERS[name].unit_type in ("conc", "auc")


def fmt_summary(row, name: str, summary: str) -> str:
    """One cell: median (range), or geometric mean (geometric CV%) of a level or amount."""
    if row["n"] == 0:
        return NA
    big = geometric(name)
    if summary == "geometric_mean" and big:
        if pd.isna(row["geo_mean"]):
            return NA
        cv = "" if pd.isna(row["geo_cv_pct"]) else f" ({fmt_num(row['geo_cv_pct'], 1)}%)"
        return fmt_num(row["geo_mean"], 0, thousands=True) + cv
    digits = 0 if big else 1
    return fmt_median_range(row["median"], row["min"], row["max"], digits, thousands=True)


def method_footnotes(summary: str, params, ctx: Context) -> list[str]:
    """How values are summarised, and how the NCA computed them (window, rule, LLOQ)."""
    s = ctx.settings
    start, end = s.nca_window
    notes = []
    if summary == "geometric_mean" and any(geometric(p) for p in params):
        notes.append(
            "Levels and AUCs are geometric mean (geometric CV%) over the patients with a "
            "positive value; times are median (range)."
        )
    else:
        notes.append("Values are median (range).")
    notes.append(
        f"Non-compartmental analysis of the CAR transgene by qPCR: AUC by the {s.auc_method} "
        f"trapezoidal rule, AUC{_days(start)}–{_days(end)}d over days {_days(start)}–"
        f"{_days(end)}; values below the LLOQ of {fmt_num(s.lloq, 0)} copies/µg DNA are "
        "not quantifiable."
    )
    return notes


def abbreviations(params, ctx: Context, *extra: str) -> str:
    """The abbreviations of the NCA parameters ``params`` and of ``extra``, sorted."""
    parts = [_ABBREVIATIONS[p] for p in params if p in _ABBREVIATIONS]
    if "auc_window" in params:
        start, end = ctx.settings.nca_window
        parts.append(f"{parameter_short('auc_window', ctx)}, AUC over days {_days(start)}–"
                     f"{_days(end)}")  # fmt: skip
    parts += extra
    return "; ".join(sorted(parts, key=str.lower)) + "."


def persisting_note(ctx: Context, ids) -> list[str]:
    """A note on the patients of ``ids`` whose last sample was quantifiable (Tlast censored)."""
    if ctx.nca is None or "persisting" not in ctx.nca:
        return []
    flags = ctx.nca.set_index("patient_id")["persisting"].reindex(pd.Index(ids))
    k = int(flags.fillna(False).astype(bool).sum())
    if not k:
        return []
    return [
        f"Tlast: {k} patient(s) still had a quantifiable level at their last sample, so their "
        "Tlast is a lower bound (persistence ongoing at the last sample)"
    ]
