"""Helpers of the descriptive kinds (baseline, compare, rates, event_summary).

Level order, the precision numbers print with, the printed names of cartkit's tests and the
abbreviations a table uses. One convention for every descriptive table: the levels of a
boolean (or 0/1) variable are listed True (1) first, then False (0), so a group column or a
rate reads "with the condition" before "without"; other levels follow the printed level
labels' order when cartkit knows it, else cartkit's order (categorical order, else sorted).
"""

from __future__ import annotations

import math
import re

import numpy as np
import pandas as pd

from ...errors import DataError
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


def is_boolean_levels(levels) -> bool:
    """Whether the observed levels are those of a yes/no variable (booleans or 0/1)."""
    levels = list(levels)
    if not levels:
        return False
    for lv in levels:
        if isinstance(lv, bool | np.bool_):
            continue
        if isinstance(lv, int | float | np.number) and lv in (0, 1):
            continue
        return False
    return True


def order_levels(ctx, variable: str, levels) -> list:
    """``levels`` (values as found in the data) in the printing order (module docstring)."""
    levels = list(levels)
    if is_boolean_levels(levels):
        return sorted(levels, key=lambda lv: not bool(lv))
    known = list(ctx.level_labels.get(variable, {}))

    def rank(item):
        i, lv = item
        for j, k in enumerate(known):
            if type(k) is type(lv) and k == lv:
                return (0, j)
        return (1, i)

    return [lv for _, lv in sorted(enumerate(levels), key=rank)]


def observed_levels(series: pd.Series) -> list:
    """Distinct non-missing values of a column, in cartkit's order (categorical, else sorted)."""
    s = series.dropna()
    if isinstance(s.dtype, pd.CategoricalDtype):
        return [lv for lv in s.cat.categories if (s == lv).any()]
    return sorted(s.unique(), key=lambda v: (str(type(v)), v))


def as_text(value) -> str | None:
    """A level or group value as the text stored in a table's data (None stays None)."""
    if value is None:
        return None
    if isinstance(value, bool | np.bool_):
        return str(bool(value))
    if isinstance(value, np.integer | np.floating):
        return str(value.item())
    return str(value)


def same(a, b) -> bool:
    """Equality of two data values that never raises (NA is equal to nothing)."""
    try:
        return bool(a == b)
    except (TypeError, ValueError):
        return False


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


def no_p_note(label: str, values: pd.Series, reason: str) -> str:
    """Why a variable has no p-value, in words (a single observed value said plainly)."""
    if values.isna().all():
        return f"{label}: no p-value (no patient has a value)"
    if len(observed_levels(values)) == 1:
        return f"{label}: no p-value (every patient has the same value)"
    return f"{label}: no p-value ({reason})"


def display_frame(rows: list[list[str]], headers: list[str]) -> pd.DataFrame:
    """The display DataFrame (every cell a string) of rows under ``headers``."""
    return pd.DataFrame(rows, columns=headers, dtype=object).fillna("")


def usable_variables(variables, frame: pd.DataFrame, ctx, notes: list[str]) -> list[str]:
    """The variables of ``frame`` among ``variables``; a note for each one it does not have."""
    out = []
    for var in variables:
        if var in frame:
            out.append(var)
        else:
            notes.append(f"{var!r} is not a variable of this study; left out of the table")
    if not out:
        raise DataError(f"none of the variables {list(variables)} is in the study's data")
    return out


def grouping(pats: pd.DataFrame, group: str | None, ctx, notes: list[str], *, required: bool):
    """The analysed patients (group known) and the groups ``[(value, printed label, size)]``.

    Patients with a missing group are left out (a note says how many). When the group is
    missing for everyone, a ``required`` group raises DataError; otherwise the patients are
    returned ungrouped (no groups) with a note.
    """
    if group is None:
        return pats, []
    if group not in pats:
        raise DataError(f"group variable {group!r} is not a column of the patients data")
    known = pats[group].notna().to_numpy()
    unknown = int((~known).sum())
    if unknown == len(pats):
        if required:
            raise DataError(f"{ctx.label(group)} ({group!r}) is missing for every patient")
        notes.append(
            f"{ctx.label(group)} is missing for every patient: the table is not split by it"
        )
        return pats, []
    if unknown:
        notes.append(f"{unknown} patient(s) with unknown {ctx.label(group)} are left out")
    data = pats[known]
    levels = order_levels(ctx, group, observed_levels(data[group]))
    cols = []
    for lv in levels:
        size = sum(same(v, lv) for v in data[group])
        cols.append((lv, ctx.level_label(group, lv), size))
    if len(levels) < 2:
        notes.append(f"{ctx.label(group)} takes one value: no p-value")
    return data, cols
