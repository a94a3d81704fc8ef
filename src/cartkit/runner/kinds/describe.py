"""Descriptive analysis kinds: ``baseline`` (Supplementary Table S1) and ``compare``.

Every number comes from :func:`cartkit.comparisons.describe` (which takes its p-values from
:func:`cartkit.comparisons.compare`); geometric means come from :func:`cartkit.summarize_nca` for
the NCA concentrations and AUCs. Their tables are printed by
:mod:`cartkit.report.sections.describe`. ``rates`` and ``event_summary`` live in
:mod:`cartkit.runner.kinds.rates`; :data:`RUNNERS` registers all four.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from ..._core.results import FrozenMap
from ...comparisons.descriptive import describe
from ...errors import DataError
from ...kinetics.parameters import PARAMETERS
from ...kinetics.summary import summarize_nca
from ...plan.schema import Baseline, CompareGroups
from ..results import KindResult
from ._describe_common import (
    as_text,
    grouping,
    is_boolean_levels,
    matches,
    no_p_note,
    order_levels,
    same,
    usable_variables,
)
from .rates import run_event_summary, run_rates

__all__ = [
    "DATA_COLUMNS",
    "GEOMETRIC_COLUMNS",
    "RUNNERS",
    "DescribeResult",
    "run_baseline",
    "run_compare",
]

#: columns of the ``data`` of baseline and compare tables (compare adds the geometric means)
DATA_COLUMNS = (
    "variable", "label", "level", "level_label", "group", "group_label", "n", "n_missing",
    "count", "percent", "mean", "sd", "median", "min", "max", "summary", "p_value", "test",
)  # fmt: skip
GEOMETRIC_COLUMNS = ("geometric_mean", "n_positive")
# geometric means are not describe's: its median (range) there only carries n and p
_MODE = {
    "auto": None,
    "median": "median_range",
    "mean": "mean_sd",
    "geometric_mean": "median_range",
}
_GEOMETRIC_NCA_UNITS = ("conc", "auc")
_TOTAL = object()  # the column of all analysed patients


@dataclass(frozen=True, kw_only=True)
class DescribeResult(KindResult):
    """Summaries of a ``baseline`` or ``compare`` analysis.

    ``data[analysis.id]`` has :data:`DATA_COLUMNS` (compare adds :data:`GEOMETRIC_COLUMNS`).
    Its rows run variable by variable; within a variable, one row per column of ``groups``
    (in that order), and for a categorical variable that block once per level, in printing
    order. ``summary`` names each row's summary: ``count``, ``mean_sd``, ``median_range``,
    ``geometric_mean``, or None for a variable with no value at all.

    Attributes
    ----------
    grouped : bool
        Whether the variables are compared between groups (a p-value per variable).
    groups : tuple of (str or None, str, int)
        The table's columns of patients: the group value as stored in ``data["group"]``
        (None for all the patients analysed), its printed name, and its number of patients.
    yes_no : tuple of str
        The yes/no variables, whose rows are only those of the patients with the condition.
    values : mapping of str to tuple of float
        The finite values of each continuous variable over the patients analysed (they set
        the precision its summaries print with).
    """

    grouped: bool = False
    groups: tuple[tuple[str | None, str, int], ...] = ()
    yes_no: tuple[str, ...] = ()
    values: Mapping[str, tuple[float, ...]] = field(default_factory=dict)

    def __post_init__(self) -> None:
        super().__post_init__()
        object.__setattr__(self, "values", FrozenMap(self.values))


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


def _finite(values: pd.Series) -> tuple[float, ...]:
    v = np.asarray(pd.to_numeric(values, errors="coerce"), dtype=float)
    return tuple(v[np.isfinite(v)].tolist())


class _Rows:
    """The data rows and notes of one table, built variable by variable."""

    def __init__(self, ctx, columns, show_p, data_columns=DATA_COLUMNS):
        self.ctx, self.columns, self.data_columns = ctx, columns, data_columns
        self.data: list[dict] = []
        self.yes_no: list[str] = []
        self.values: dict[str, tuple[float, ...]] = {}
        # with one group level, grouping() has said once why no variable has a p-value
        self.explain_p = show_p and len([c for c, _ in columns if c is not _TOTAL]) > 1

    def _row(self, var, label, row, column, header, summary, level=None, level_label=None):
        self.data.append(
            _data_row(
                self.data_columns, var, label, row, column, header, summary, level, level_label
            )
        )

    def add(self, var, tables: dict, frame: pd.DataFrame, notes: list[str], geo=None) -> None:
        """Rows of ``var``; ``tables`` maps each column to describe's rows of it."""
        label = self.ctx.label(var)
        ref = tables[self.columns[0][0]]
        note = ref.iloc[0]["note"]
        if note and self.explain_p:
            notes.append(no_p_note(label, frame[var], note))
        summary = ref.iloc[0]["summary"]
        if summary in ("mean_sd", "median_range"):
            self._continuous(var, label, tables, frame, geo)
        elif summary == "count_percent":
            levels = [lv for lv in dict.fromkeys(ref["level"]) if lv is not None]
            self._categorical(var, label, tables, levels + self._unseen(var, levels))
        else:  # a categorical variable with no value at all: describe gives no summary
            for c, header in self.columns:
                self._row(var, label, tables[c].iloc[0].to_dict(), c, header, None)
        if any(int(tables[c].iloc[0]["n_missing"]) for c, _ in self.columns):
            missing = int(frame[var].isna().sum())
            notes.append(f"{label}: {missing} patient(s) with a missing value are not summarised")

    def _unseen(self, var, levels) -> list:
        """The named levels of a coded variable that no patient has: they print as 0 (0.0)."""
        known = self.ctx.names.levels.get(var, {})
        return [
            k
            for k in known
            if not isinstance(k, bool | np.bool_) and not any(same(k, lv) for lv in levels)
        ]

    def _continuous(self, var, label, tables, frame, geo) -> None:
        summary = tables[self.columns[0][0]].iloc[0].summary if geo is None else "geometric_mean"
        self.values[var] = _finite(frame[var])
        for c, header in self.columns:
            row = tables[c].iloc[0].to_dict()
            if geo is not None:
                row.update(geo[c])
            self._row(var, label, row, c, header, summary)

    def _categorical(self, var, label, tables, levels) -> None:
        levels = order_levels(self.ctx, var, levels)
        if is_boolean_levels(levels):
            # one row: the patients with the condition (True / 1); "No" is its complement
            levels = [next((lv for lv in levels if bool(lv)), True)]
            self.yes_no.append(var)
        for lv in levels:
            level_label = self.ctx.level_label(var, lv)
            for c, header in self.columns:
                rows = _cell(tables[c], level=lv)
                base = tables[c].iloc[0]
                if len(rows):
                    row = rows.iloc[0].to_dict()
                else:  # a level never observed in this column (a yes/no never "yes")
                    row = {**base.to_dict(), "count": 0.0, "percent": 0.0 if base.n else np.nan}
                self._row(var, label, row, c, header, "count", lv, level_label)

    def result(self, analysis, notes, n, groups, grouped) -> DescribeResult:
        data = pd.DataFrame(self.data, columns=list(self.data_columns))
        for c in ("n", "n_missing"):
            data[c] = data[c].astype("int64")
        return DescribeResult(
            analysis=analysis,
            notes=notes,
            n=n,
            data={analysis.id: data},
            grouped=grouped,
            groups=groups,
            yes_no=tuple(self.yes_no),
            values=self.values,
        )


def _geometric_means(frame, var, group, columns, notes, label) -> dict:
    """Geometric mean over the positive values of each group column (NaN when none)."""
    out = {}
    spec = PARAMETERS.get(var)
    nca = summarize_nca(frame, group=group, parameters=[var]) if (
        spec is not None and spec.unit_type in _GEOMETRIC_NCA_UNITS
    ) else None  # fmt: skip
    left_out = []
    for c, header in columns:
        values = pd.to_numeric(frame.loc[matches(frame[group], c), var]).dropna()
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


def _only(frame: pd.DataFrame, *columns: str) -> pd.DataFrame:
    """The columns describe reads: it copies every column of the rows it selects."""
    return frame[list(dict.fromkeys(columns))]


def _groups(group_cols, total: str | None, n: int) -> tuple:
    out = [(as_text(v), lab, int(size)) for v, lab, size in group_cols]
    if total is not None:
        out.append((None, total, int(n)))
    return tuple(out)


def run_baseline(analysis: Baseline, ctx) -> DescribeResult:
    """Baseline characteristics: n (%), mean ± SD or median (range); p by group if grouped.

    Parameters
    ----------
    analysis : cartkit.plan.schema.Baseline
        The plan analysis.
    ctx : cartkit.runner.context.Context
        The datasets of the run.

    Returns
    -------
    DescribeResult
        One table (id = the analysis id): a column per group level, then the total, with the
        group p-value of each variable when grouped; else one column of all patients.

    Raises
    ------
    cartkit.errors.DataError
        When no variable of the analysis is in the data or none could be summarised.
    """
    pats, notes = ctx.population(analysis.population)
    notes = list(notes)
    if not len(pats):
        notes.append("No patient is in the population: nothing to summarise")
        return DescribeResult(analysis=analysis, notes=notes, n=0)
    variables = usable_variables(analysis.variables, pats, ctx, notes)
    data, group_cols = grouping(pats, analysis.group, ctx, notes, required=False)
    group = analysis.group if group_cols else None
    columns = [(v, lab) for v, lab, _ in group_cols]
    columns.append((_TOTAL, "Total" if group else "All patients"))
    rows = _Rows(ctx, columns, show_p=group is not None)
    for var in variables:
        try:
            tables = {}
            forced = None
            if group is not None:
                grouped = describe(_only(data, var, group), variables=[var], group=group)
                for c, _, _ in group_cols:
                    tables[c] = _cell(grouped, c)
                if (grouped["summary"] != "count_percent").all():
                    forced = grouped["summary"].iloc[0]
            total = describe(_only(data, var), variables=[var], summary=forced)
            if group is not None:
                # the total keeps the grouped rows' test and summary: one rule per row
                total = total.assign(
                    p_value=grouped["p_value"].iloc[0], test=grouped["test"].iloc[0]
                )
            tables[_TOTAL] = total
        except DataError as err:
            notes.append(f"{ctx.label(var)}: not summarised ({err})")
            continue
        rows.add(var, tables, data, notes)
    if not rows.data:
        raise DataError("no variable could be summarised")
    groups = _groups(group_cols, columns[-1][1], len(data))
    return rows.result(analysis, notes, len(data), groups, grouped=group is not None)


def run_compare(analysis: CompareGroups, ctx) -> DescribeResult:
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
    DescribeResult
        One table (id = the analysis id): a column per group level and the p-value of each
        variable (:func:`cartkit.comparisons.compare`); with ``geometric_mean``, the geometric
        means over the positive values of continuous variables.

    Raises
    ------
    cartkit.errors.DataError
        When the group is missing for every patient, or no variable could be compared.
    """
    pats, notes = ctx.population(analysis.population)
    notes = list(notes)
    if not len(pats):
        notes.append("No patient is in the population: nothing to compare")
        return DescribeResult(analysis=analysis, notes=notes, n=0)
    variables = usable_variables(analysis.variables, pats, ctx, notes)
    data, group_cols = grouping(pats, analysis.group, ctx, notes, required=True)
    columns = [(v, lab) for v, lab, _ in group_cols]
    group = analysis.group
    rows = _Rows(ctx, columns, show_p=True, data_columns=DATA_COLUMNS + GEOMETRIC_COLUMNS)
    for var in variables:
        label = ctx.label(var)
        try:
            grouped = describe(
                _only(data, var, group),
                variables=[var],
                group=group,
                summary=_MODE[analysis.summary],
            )
        except DataError as err:
            notes.append(f"{label}: not compared ({err})")
            continue
        tables = {c: _cell(grouped, c) for c, _ in columns}
        continuous = (grouped["summary"] != "count_percent").all()
        geo = None
        if analysis.summary == "geometric_mean" and continuous:
            geo = _geometric_means(data, var, group, columns, notes, label)
        rows.add(var, tables, data, notes, geo=geo)
    if not rows.data:
        raise DataError("no variable could be compared")
    groups = _groups(group_cols, None, len(data))
    return rows.result(analysis, notes, len(data), groups, grouped=True)


RUNNERS = {
    "baseline": run_baseline,
    "rates": run_rates,
    "event_summary": run_event_summary,
    "compare": run_compare,
}
