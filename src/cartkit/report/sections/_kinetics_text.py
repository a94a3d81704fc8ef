"""Printing NCA parameters: summary cells, method footnotes and abbreviations.

Shared by the ``kinetics`` and ``correlation`` sections so a parameter reads the same in every
table and figure; the parameters' names come from :mod:`cartkit.runner.nca_names` (the names
the runner's notes use).
"""

from __future__ import annotations

import pandas as pd

from ...runner.nca_names import day_text, geometric, parameter_short
from ..format import NA, fmt_median_range, fmt_num
from ..glossary import GLOSSARY
from ._base import Show

__all__ = ["LLOQ_ABBREVIATION", "abbreviations", "fmt_summary", "method_footnotes"]

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


def method_footnotes(summary: str, params, show: Show) -> list[str]:
    """How values are summarised, and how the NCA computed them (window, rule, LLOQ)."""
    s = show.settings
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
        f"trapezoidal rule, AUC{day_text(start)}–{day_text(end)}d over days {day_text(start)}–"
        f"{day_text(end)}; values below the LLOQ of {fmt_num(s.lloq, 0)} copies/µg DNA are "
        "not quantifiable."
    )
    return notes


def abbreviations(params, show: Show, *extra: str) -> str:
    """The abbreviations of the NCA parameters ``params`` and of ``extra``, sorted."""
    parts = [_ABBREVIATIONS[p] for p in params if p in _ABBREVIATIONS]
    if "auc_window" in params:
        window = show.settings.nca_window
        start, end = window
        parts.append(f"{parameter_short('auc_window', window)}, AUC over days "
                     f"{day_text(start)}–{day_text(end)}")  # fmt: skip
    parts += extra
    return "; ".join(sorted(parts, key=str.lower)) + "."
