"""Printing the descriptive kinds' tables: precision, summaries, tests and abbreviations."""

from __future__ import annotations

import math
import re

import numpy as np
import pandas as pd

from ..format import fmt_mean_sd, fmt_median_range, fmt_num
from ..glossary import spelled

#: printed name of each test of :func:`cartkit.comparisons` (by its ``Test.test``)
TEST_NAMES = {
    "Pearson chi-square": "Pearson's χ² test",
    "Pearson chi-square with Yates correction": "χ² test with Yates' continuity correction",
    "Fisher exact": "Fisher's exact test",
    "Welch t": "Welch's t-test",
    "Student t": "Student's t-test",
    "Mann-Whitney": "Mann-Whitney U test",
    "one-way ANOVA": "one-way ANOVA",
    "Kruskal-Wallis": "Kruskal-Wallis test",
}

#: abbreviations a descriptive table may print, and their meaning
ABBREVIATIONS = spelled(
    "ANC",
    "AUC0–28d",
    "AUClast",
    "BCA",
    "CAR-T",
    "CI",
    "Clast",
    "Cmax",
    "CR",
    "CRi",
    "CRS",
    "GVHD",
    "HLH",
    "HSCT",
    "ICANS",
    "IL-6",
    "LD",
    "LLOQ",
    "MRD",
    "SD",
    "Tlast",
    "Tmax",
)


def precision(values, summary: str, centres=()) -> tuple[int, bool]:
    """Decimals and thousands separator for the summaries of one variable.

    Two significant digits of a typical (median non-zero absolute) value, and at least one
    decimal below 100, so ages print as 10.4 and Cmax as 30,860. Whole numbers (days) print
    without decimals in median (range) unless a median falls between two of them.
    """
    v = np.asarray(pd.to_numeric(pd.Series(values), errors="coerce"), dtype=float)
    v = v[np.isfinite(v)]
    nonzero = np.abs(v[v != 0])
    if nonzero.size == 0:
        return 0, False
    magnitude = math.floor(math.log10(float(np.median(nonzero))))
    digits = max(1 - magnitude, 1 if magnitude < 2 else 0)
    if summary == "median_range" and bool(np.all(v == np.round(v))):
        mids = [c for c in centres if c is not None and np.isfinite(c)]
        digits = 0 if all(float(c).is_integer() for c in mids) else 1
    return min(digits, 6), bool(nonzero.max() >= 1000)


def fmt_summary(summary: str, row, digits: int, thousands: bool) -> str:
    """The printed summary of one cell from its numbers (``row`` maps the column names)."""
    if summary == "mean_sd":
        return fmt_mean_sd(row["mean"], row["sd"], digits, thousands=thousands)
    if summary == "median_range":
        return fmt_median_range(row["median"], row["min"], row["max"], digits, thousands=thousands)
    if summary == "geometric_mean":
        return fmt_num(row["geometric_mean"], digits, thousands=thousands)
    raise ValueError(f"unknown summary {summary!r}")


#: how each summary is named after a row label
SUMMARY_SUFFIX = {
    "mean_sd": "mean ± SD",
    "median_range": "median (range)",
    "geometric_mean": "geometric mean",
    "count": "n (%)",
}


def with_n(label: str, n: int) -> str:
    """A column header with its number of patients: ``HSCT (n = 34)``."""
    return f"{label} (n = {n})"


def ci_header(conf_level: float) -> str:
    """``95% CI`` for the conf_level."""
    return f"{100 * conf_level:g}% CI"


def test_footnotes(tests: dict[str, list[str]]) -> list[str]:
    """One footnote per test: ``p by Fisher's exact test: Sex, Prior HSCT.``."""
    out = []
    for test, labels in tests.items():
        name = TEST_NAMES.get(test, test)
        out.append(f"p by {name}: {'; '.join(labels)}.")
    return out


def abbreviations(display: pd.DataFrame, extra: str = "") -> str:
    """The abbreviations, among :data:`ABBREVIATIONS`, printed in a table (sorted)."""
    text = " ".join([*map(str, display.columns), *display.astype(str).to_numpy().ravel(), extra])
    found = []
    for short, meaning in ABBREVIATIONS.items():
        if re.search(rf"(?<![A-Za-z0-9]){re.escape(short)}(?![A-Za-z0-9])", text):
            found.append(f"{short}, {meaning}")
    found.sort(key=str.lower)
    return "; ".join(found) + ("." if found else "")


def display_frame(rows: list[list[str]], headers: list[str]) -> pd.DataFrame:
    """The display DataFrame (every cell a string) of rows under ``headers``."""
    return pd.DataFrame(rows, columns=headers, dtype=object).fillna("")
