"""Tables of the ``baseline`` and ``compare`` kinds (:mod:`cartkit.runner.kinds.describe`).

One row per continuous variable (``Age, years, median (range)``); a categorical variable is a
heading with its levels indented under it, a yes/no variable one row (the patients with the
condition); a ``Missing, n`` row under a variable some patients lack. With groups, a column
per group (``HSCT (n = 34)``) and ``p`` on each variable's first row, its test named in a
footnote.
"""

from __future__ import annotations

import pandas as pd

from ..format import fmt_count_pct, fmt_p
from ..types import ReportTable
from ._base import Section, Show, table_heading
from ._describe_text import (
    SUMMARY_SUFFIX,
    abbreviations,
    display_frame,
    fmt_summary,
    precision,
    test_footnotes,
    with_n,
)

__all__ = ["COLUMN_LABELS", "PRESENTERS", "present_describe"]

#: header of each ``data`` column in tables.xlsx
COLUMN_LABELS = {
    "variable": "Variable",
    "label": "Characteristic",
    "level": "Level",
    "level_label": "Level (printed)",
    "group": "Group",
    "group_label": "Group (printed)",
    "n": "n with a value",
    "n_missing": "n missing",
    "count": "Count",
    "percent": "%",
    "mean": "Mean",
    "sd": "SD",
    "median": "Median",
    "min": "Minimum",
    "max": "Maximum",
    "summary": "Summary",
    "p_value": "p",
    "test": "Test",
    "geometric_mean": "Geometric mean",
    "n_positive": "n positive",
}
_CONTINUOUS = ("mean_sd", "median_range", "geometric_mean")


class _Layout:
    """Display rows, row styles and the tests used, built variable by variable."""

    def __init__(self, result):
        self.result = result
        self.n_columns = len(result.groups)
        self.display: list[list[str]] = []
        self.styles: list[str] = []
        self.tests: dict[str, list[str]] = {}

    def _row(self, cells: list[str], style: str = "") -> None:
        self.display.append(cells)
        self.styles.append(style)

    def add(self, rows: pd.DataFrame) -> None:
        """The display rows of one variable's ``data`` rows."""
        first = rows.iloc[0]
        label, summary = first["label"], first["summary"]
        p_cells = []
        if self.result.grouped:
            if pd.notna(first["test"]) and first["test"]:
                self.tests.setdefault(first["test"], []).append(label)
            p_cells = [fmt_p(first["p_value"])]
        if summary in _CONTINUOUS:
            self._continuous(rows, label, summary, p_cells)
        elif summary == "count":
            self._categorical(rows, label, p_cells)
        else:  # no value at all: nothing to summarise
            self._row([label, *["–"] * self.n_columns, *p_cells])
        counts = rows["n_missing"].iloc[: self.n_columns].tolist()
        if any(counts):
            self._row(["Missing, n", *map(str, counts), *[""] * len(p_cells)], "indent")

    def _continuous(self, rows, label, summary, p_cells) -> None:
        values = self.result.values[rows["variable"].iloc[0]]
        digits, thousands = precision(values, summary, rows["median"].tolist())
        cells = [fmt_summary(summary, row, digits, thousands) for _, row in rows.iterrows()]
        self._row([f"{label}, {SUMMARY_SUFFIX[summary]}", *cells, *p_cells])

    def _categorical(self, rows, label, p_cells) -> None:
        k = self.n_columns
        levels = [rows.iloc[i : i + k] for i in range(0, len(rows), k)]
        if rows["variable"].iloc[0] in self.result.yes_no:
            (level,) = levels
            self._row([f"{label}, n (%)", *_counts(level), *p_cells])
            return
        self._row([f"{label}, n (%)", *[""] * k, *p_cells], "heading")
        blank = [""] * len(p_cells)
        for level in levels:
            self._row([level["level_label"].iloc[0], *_counts(level), *blank], "indent")


def _counts(level: pd.DataFrame) -> list[str]:
    return [fmt_count_pct(c, n) for c, n in zip(level["count"], level["n"], strict=True)]


def _values_footnote(summaries: set[str], grouped: bool) -> list[str]:
    kinds = [SUMMARY_SUFFIX[s] for s in ("count", "mean_sd", "median_range") if s in summaries]
    out = []
    if kinds:
        text = ", ".join(kinds[:-1]) + (" or " if len(kinds) > 1 else "") + kinds[-1]
        out.append(f"Values are {text}.")
    if "mean_sd" in summaries or "median_range" in summaries:
        where = "every group" if grouped else "the patients summarised"
        out.append(
            "Continuous variables: mean ± SD when the Shapiro-Wilk test gives p > 0.05 in "
            f"{where}, otherwise median (range), as stated on each row."
        )
    if "geometric_mean" in summaries:
        out.append("Geometric mean = exp(mean of the natural logarithms) over the positive values.")
    return out


def present_describe(result, show: Show) -> Section:
    """The table of a ``baseline`` or ``compare`` result.

    Parameters
    ----------
    result : cartkit.runner.kinds.describe.DescribeResult
        What :func:`~cartkit.runner.kinds.describe.run_baseline` or
        :func:`~cartkit.runner.kinds.describe.run_compare` computed.
    show : Show
        The run's printed names and settings.

    Returns
    -------
    Section
        One table: ``Characteristic``, a column per group of patients with its n, and ``p``
        when the groups are compared; footnotes say how values are summarised and which test
        gave each p-value.
    """
    analysis = result.analysis
    data: pd.DataFrame = result.data[analysis.id]
    layout = _Layout(result)
    # a variable's block: a row per column of patients, per level; a plan may list it twice
    block = data.groupby("variable", sort=False)["level"].nunique().clip(lower=1)
    start = 0
    while start < len(data):
        end = start + layout.n_columns * int(block[data["variable"].iloc[start]])
        layout.add(data.iloc[start:end])
        start = end
    headers = [with_n(label, size) for _, label, size in result.groups]
    cols = ["Characteristic", *headers, *(["p"] if result.grouped else [])]
    display = display_frame(layout.display, cols)
    summaries = set(data["summary"].dropna())
    footnotes = _values_footnote(summaries, result.grouped) + test_footnotes(layout.tests)
    table = ReportTable(
        **table_heading(analysis),
        data=data,
        display=display,
        row_styles=tuple(layout.styles),
        footnotes=tuple(footnotes),
        abbreviations=abbreviations(display, " ".join(footnotes)),
        column_labels={c: COLUMN_LABELS[c] for c in data.columns},
    )
    return Section(tables=[table])


PRESENTERS = {"baseline": present_describe, "compare": present_describe}
