"""Descriptive analysis kinds: ``baseline`` (Supplementary Table S1) and ``compare``.

Every number comes from :func:`cartkit.comparisons.describe` (which takes its p-values from
:func:`cartkit.comparisons.compare`); geometric means come from :func:`cartkit.summarize_nca` for
the NCA concentrations and AUCs. ``rates`` and ``event_summary`` live in
:mod:`cartkit.runner.kinds.rates`; :data:`RUNNERS` registers all four.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from ...comparisons.descriptive import describe
from ...errors import DataError
from ...kinetics.parameters import PARAMETERS
from ...kinetics.summary import summarize_nca
from ...plan.schema import Baseline, CompareGroups
from ...report.format import fmt_count_pct, fmt_p
from ...report.sections._describe_text import (
    SUMMARY_SUFFIX,
    abbreviations,
    display_frame,
    fmt_summary,
    precision,
    test_footnotes,
    with_n,
)
from ...report.types import ReportTable
from ..output import Output, table_heading
from ._describe_common import (
    as_text,
    grouping,
    is_boolean_levels,
    no_p_note,
    order_levels,
    same,
    usable_variables,
)
from .rates import run_event_summary, run_rates

__all__ = ["DATA_COLUMNS", "RUNNERS", "run_baseline", "run_compare"]

#: columns of the ``data`` of baseline and compare tables (compare adds the geometric means)
DATA_COLUMNS = (
    "variable", "label", "level", "level_label", "group", "group_label", "n", "n_missing",
    "count", "percent", "mean", "sd", "median", "min", "max", "summary", "p_value", "test",
)  # fmt: skip
GEOMETRIC_COLUMNS = ("geometric_mean", "n_positive")
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
# geometric means are not describe's: its median (range) there only carries n and p
_MODE = {
    "auto": None,
    "median": "median_range",
    "mean": "mean_sd",
    "geometric_mean": "median_range",
}
_GEOMETRIC_NCA_UNITS = ("conc", "auc")
_TOTAL = object()  # the column of all analysed patients


def _cell(table: pd.DataFrame, column=_TOTAL, level=None):
    """The describe rows of one column (a group value, or the total table)."""
    if column is _TOTAL:
        rows = table
    else:
        rows = table[[same(g, column) for g in table["group"]]]
    if level is not None:
        rows = rows[[same(lv, level) for lv in rows["level"]]]
    return rows


def _data_row(columns, var, label, row, column, group_label, summary, level=None, level_label=None):
    out = {c: row.get(c, np.nan) for c in columns}
    out.update(
        variable=var, label=label, level=as_text(level), level_label=level_label,
        group=None if column is _TOTAL else as_text(column), group_label=group_label,
        summary=summary, test=row.get("test") or None,
    )  # fmt: skip
    return out


class _Block:
    """Display rows, row styles and data rows of one table, built variable by variable."""

    def __init__(self, ctx, group, columns, show_p, data_columns=DATA_COLUMNS):
        self.ctx, self.group, self.columns, self.show_p = ctx, group, columns, show_p
        self.data_columns = data_columns
        self.display: list[list[str]] = []
        self.styles: list[str] = []
        self.data: list[dict] = []
        self.tests: dict[str, list[str]] = {}
        self.summaries: set[str] = set()
        # with one group level, grouping() has said once why no variable has a p-value
        self.explain_p = show_p and len([c for c, _ in columns if c is not _TOTAL]) > 1

    def _p(self, table: pd.DataFrame, label: str) -> list[str]:
        if not self.show_p:
            return []
        first = table.iloc[0]
        if first["test"]:
            self.tests.setdefault(first["test"], []).append(label)
        return [fmt_p(first["p_value"])]

    def add(self, var, tables: dict, frame: pd.DataFrame, notes: list[str], geo=None) -> None:
        """Rows of ``var``; ``tables`` maps each column to describe's rows of it."""
        label = self.ctx.label(var)
        ref = tables[self.columns[0][0]]
        p_cells = self._p(ref, label)
        note = ref.iloc[0]["note"]
        if note and self.explain_p:
            notes.append(no_p_note(label, frame[var], note))
        summary = ref.iloc[0]["summary"]
        if summary in ("mean_sd", "median_range"):
            self._continuous(var, label, tables, frame, p_cells, geo)
        elif summary == "count_percent":
            levels = [lv for lv in dict.fromkeys(ref["level"]) if lv is not None]
            self._categorical(var, label, tables, levels, p_cells)
        else:  # a categorical variable with no value at all: describe gives no summary
            self.display.append([label, *["–"] * len(self.columns), *p_cells])
            self.styles.append("")
            for c, header in self.columns:
                row = tables[c].iloc[0].to_dict()
                self.data.append(_data_row(self.data_columns, var, label, row, c, header, None))
        self._missing(var, label, tables, frame, notes)

    def _continuous(self, var, label, tables, frame, p_cells, geo) -> None:
        summary = (
            "geometric_mean" if geo is not None else tables[self.columns[0][0]].iloc[0].summary
        )
        self.summaries.add(summary)
        rows = {c: tables[c].iloc[0].to_dict() for c, _ in self.columns}
        for c in rows:
            if geo is not None:
                rows[c].update(geo[c])
        centres = [r["median"] for r in rows.values()]
        digits, thousands = precision(frame[var], summary, centres)
        cells = [fmt_summary(summary, rows[c], digits, thousands) for c, _ in self.columns]
        self.display.append([f"{label}, {SUMMARY_SUFFIX[summary]}", *cells, *p_cells])
        self.styles.append("")
        for c, header in self.columns:
            self.data.append(_data_row(self.data_columns, var, label, rows[c], c, header, summary))

    def _categorical(self, var, label, tables, levels, p_cells) -> None:
        self.summaries.add("count")
        levels = order_levels(self.ctx, var, levels)
        binary = is_boolean_levels(levels)
        if binary:
            # one row: the patients with the condition (True / 1); "No" is its complement
            yes = next((lv for lv in levels if bool(lv)), True)
            show = [(yes, f"{label}, n (%)", "")]
        else:
            self.display.append([f"{label}, n (%)", *[""] * len(self.columns), *p_cells])
            self.styles.append("heading")
            show = [(lv, self.ctx.level_label(var, lv), "indent") for lv in levels]
        for lv, text, style in show:
            cells = []
            for c, header in self.columns:
                rows = _cell(tables[c], level=lv)
                base = tables[c].iloc[0]
                if len(rows):
                    row = rows.iloc[0].to_dict()
                else:  # a level never observed in this column (a yes/no never "yes")
                    row = {**base.to_dict(), "count": 0.0, "percent": 0.0 if base.n else np.nan}
                cells.append(fmt_count_pct(row["count"], row["n"]))
                level_label = self.ctx.level_label(var, lv)
                self.data.append(
                    _data_row(
                        self.data_columns, var, label, row, c, header, "count", lv, level_label
                    )
                )
            self.display.append([text, *cells, *(p_cells if binary else [""] * len(p_cells))])
            self.styles.append(style)

    def _missing(self, var, label, tables, frame, notes) -> None:
        counts = [int(tables[c].iloc[0]["n_missing"]) for c, _ in self.columns]
        if not any(counts):
            return
        self.display.append(["Missing, n", *map(str, counts), *[""] * self.show_p])
        self.styles.append("indent")
        missing = int(frame[var].isna().sum())
        notes.append(f"{label}: {missing} patient(s) with a missing value are not summarised")


def _geometric_means(frame, var, group, columns, notes, label) -> dict:
    """Geometric mean over the positive values of each group column (NaN when none)."""
    out = {}
    spec = PARAMETERS.get(var)
    nca = summarize_nca(frame, by=group, parameters=[var]) if (
        spec is not None and spec.unit_type in _GEOMETRIC_NCA_UNITS
    ) else None  # fmt: skip
    left_out = []
    for c, header in columns:
        values = pd.to_numeric(frame.loc[[same(g, c) for g in frame[group]], var]).dropna()
        values = values.to_numpy(float)
        positive = values[values > 0]
        if nca is not None:
            row = nca[[same(g, c) for g in nca["group"]]].iloc[0]
            gm, n_pos = float(row["geo_mean"]), int(row["n_positive"])
        else:
            # no cartkit function gives this variable's geometric mean: exp(mean(log x))
            gm = float(np.exp(np.mean(np.log(positive)))) if positive.size else np.nan
            n_pos = int(positive.size)
        out[c] = {"geometric_mean": gm, "n_positive": n_pos}
        if n_pos < values.size:
            left_out.append(f"{values.size - n_pos} in {header}")
    if left_out:
        notes.append(
            f"{label}: values ≤ 0 are left out of the geometric mean ({', '.join(left_out)})"
        )
    return out


def _table(analysis, block: _Block, first_header: str, headers, footnotes) -> ReportTable:
    cols = [first_header, *headers, *(["p"] if block.show_p else [])]
    display = display_frame(block.display, cols)
    columns = block.data_columns
    data = pd.DataFrame(block.data, columns=list(columns))
    for c in ("n", "n_missing"):
        data[c] = data[c].astype("int64")
    return ReportTable(
        **table_heading(analysis),
        data=data,
        display=display,
        row_styles=tuple(block.styles),
        footnotes=tuple(footnotes),
        abbreviations=abbreviations(display, " ".join(footnotes)),
        column_labels={c: COLUMN_LABELS[c] for c in columns},
    )


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


def run_baseline(analysis: Baseline, ctx) -> Output:
    """Baseline characteristics: n (%), mean ± SD or median (range); p by group if grouped.

    Parameters
    ----------
    analysis : cartkit.plan.schema.Baseline
        The plan analysis.
    ctx : cartkit.runner.context.Context
        The datasets of the run.

    Returns
    -------
    Output
        One table (id = the analysis id): a column per group level (``Label (n = k)``),
        ``Total`` and ``p`` when grouped, else one ``All patients`` column.
    """
    pats, notes = ctx.population(analysis.population)
    notes = list(notes)
    if not len(pats):
        notes.append("No patient is in the population: nothing to summarise")
        return Output(notes=notes, n=0)
    variables = usable_variables(analysis.variables, pats, ctx, notes)
    data, group_cols = grouping(pats, analysis.group, ctx, notes, required=False)
    group = analysis.group if group_cols else None
    columns = [(v, lab) for v, lab, _ in group_cols]
    columns.append((_TOTAL, "Total" if group else "All patients"))
    block = _Block(ctx, group, columns, show_p=group is not None)
    for var in variables:
        try:
            tables = {}
            forced = None
            if group is not None:
                grouped = describe(data, variables=[var], group=group)
                for c, _, _ in group_cols:
                    tables[c] = _cell(grouped, c)
                if (grouped["summary"] != "count_percent").all():
                    forced = grouped["summary"].iloc[0]
            total = describe(data, variables=[var], summary=forced)
            if group is not None:
                # the total keeps the grouped rows' test and summary: one rule per row
                total = total.assign(
                    p_value=grouped["p_value"].iloc[0], test=grouped["test"].iloc[0]
                )
            tables[_TOTAL] = total
        except DataError as err:
            notes.append(f"{ctx.label(var)}: not summarised ({err})")
            continue
        block.add(var, tables, data, notes)
    if not block.display:
        raise DataError("no variable could be summarised")
    headers = [with_n(lab, size) for _, lab, size in group_cols]
    headers.append(with_n(columns[-1][1], len(data)))
    footnotes = _values_footnote(block.summaries, group is not None) + test_footnotes(block.tests)
    table = _table(analysis, block, "Characteristic", headers, footnotes)
    return Output(tables=[table], notes=notes, n=len(data))


def run_compare(analysis: CompareGroups, ctx) -> Output:
    """Each variable compared between the levels of a group, with the group summaries.

    Parameters
    ----------
    analysis : cartkit.plan.schema.CompareGroups
        The plan analysis; ``summary`` is ``auto`` (the normality rule), ``median``,
        ``mean`` or ``geometric_mean``.
    ctx : cartkit.runner.context.Context
        The datasets of the run.

    Returns
    -------
    Output
        One table (id = the analysis id): a column per group level and ``p``
        (:func:`cartkit.comparisons`, the test named in a footnote).
    """
    pats, notes = ctx.population(analysis.population)
    notes = list(notes)
    if not len(pats):
        notes.append("No patient is in the population: nothing to compare")
        return Output(notes=notes, n=0)
    variables = usable_variables(analysis.variables, pats, ctx, notes)
    data, group_cols = grouping(pats, analysis.group, ctx, notes, required=True)
    columns = [(v, lab) for v, lab, _ in group_cols]
    group = analysis.group
    block = _Block(ctx, group, columns, show_p=True, data_columns=DATA_COLUMNS + GEOMETRIC_COLUMNS)
    for var in variables:
        label = ctx.label(var)
        try:
            grouped = describe(data, variables=[var], group=group, summary=_MODE[analysis.summary])
        except DataError as err:
            notes.append(f"{label}: not compared ({err})")
            continue
        tables = {c: _cell(grouped, c) for c, _ in columns}
        continuous = (grouped["summary"] != "count_percent").all()
        geo = None
        if analysis.summary == "geometric_mean" and continuous:
            geo = _geometric_means(data, var, group, columns, notes, label)
        block.add(var, tables, data, notes, geo=geo)
    if not block.display:
        raise DataError("no variable could be compared")
    footnotes = _values_footnote(block.summaries, True) + test_footnotes(block.tests)
    headers = [with_n(lab, size) for _, lab, size in group_cols]
    table = _table(analysis, block, "Characteristic", headers, footnotes)
    return Output(tables=[table], notes=notes, n=len(data))


RUNNERS = {
    "baseline": run_baseline,
    "rates": run_rates,
    "event_summary": run_event_summary,
    "compare": run_compare,
}
