"""Pieces shared by the survival and cumulative-incidence kinds.

The analysed rows of an endpoint (population, then patients with a missing group or subgroup
left out with a note), the subgroup blocks, time points, and the printed names of endpoints,
causes and intervals.
"""

from __future__ import annotations

import math
import re

import numpy as np
import pandas as pd

from ...derive.time_to_event import DEFAULT_ENDPOINTS
from ...errors import DataError
from ...report.format import NA, fmt_num, fmt_pct_ci
from ...report.glossary import spelled

#: ids of left-out patients named in a note (the rest are counted)
_SHOW_IDS = 10

#: printed names of the causes of the competing-risks endpoints (1 = event, 2 = competing);
#: the endpoint declarations say "Death" for CIR's competing event, which is death without
#: relapse, i.e. non-relapse mortality
CAUSE_LABELS = {
    "CIR": {1: "Relapse", 2: "Non-relapse mortality"},
    "NRM": {1: "Non-relapse mortality", 2: "Relapse"},
}


#: abbreviations a survival table or caption may use, spelled out when they appear
ABBREVIATIONS = spelled(
    "CAR-T",
    "CI",
    "CR",
    "CRi",
    "HSCT",
    "LD",
    "LFS",
    "MRD",
    "NR",
    "NRM",
    "CIR",
    "OS",
)


def table_abbreviations(title: str, display, footnotes) -> str:
    """Abbreviations used in a table's title, headers, cells and footnotes."""
    return abbreviations(title, *map(str, display.columns), *display.to_numpy().ravel(), *footnotes)


def abbreviations(*texts: str) -> str:
    """``"CI, confidence interval; HSCT, ...."``: the known abbreviations used in ``texts``."""
    text = " ".join(texts)
    words = set(re.findall(r"[A-Za-z]+", text))
    used = sorted(
        (k for k in ABBREVIATIONS if k in words or ("-" in k and k in text)), key=str.lower
    )
    if not used:
        return ""
    return "; ".join(f"{k}, {ABBREVIATIONS[k]}" for k in used) + "."


def endpoint_name(paramcd: str) -> str:
    """The endpoint's name ("Overall survival"), or its code when not a default endpoint."""
    for e in DEFAULT_ENDPOINTS:
        if e.paramcd == paramcd:
            return e.param
    return paramcd


def cause_labels(paramcd: str) -> dict[int, str]:
    """Printed names of cause 1 (the event) and cause 2 (the competing event) of an endpoint."""
    if paramcd in CAUSE_LABELS:
        return dict(CAUSE_LABELS[paramcd])
    for e in DEFAULT_ENDPOINTS:
        if e.paramcd == paramcd:
            labels = {1: " or ".join(s.description or s.name for s in e.events)}
            if e.competing:
                labels[2] = " or ".join(s.description or s.name for s in e.competing)
            return labels
    return {1: "Event", 2: "Competing event"}


def sentence_case(text: str) -> str:
    """Lower-case the first letter unless the word is an acronym ("HSCT", "Pre-LD" -> "pre-LD")."""
    if len(text) > 1 and text[0].isupper() and not text[1].isupper():
        return text[0].lower() + text[1:]
    return text


def ci_label(conf_level: float) -> str:
    """``95% CI`` for a confidence level of 0.95."""
    return f"{100 * conf_level:g}% CI"


def year_header(years: float, conf_level: float) -> str:
    """Column header of an estimate at a time point: ``5-year (95% CI)``."""
    return f"{years:g}-year ({ci_label(conf_level)})"


def time_points(analysis, ctx) -> tuple[float, ...]:
    """The analysis' time points in years, or the plan's when it names none."""
    return tuple(analysis.time_points_years or ctx.settings.time_points_years)


def fmt_months_ci(estimate, lower, upper, *, reached: bool) -> str:
    """A median time in months with its interval; "NR" where a curve never reaches 0.5."""

    def one(x) -> str:
        return "NR" if (x is None or math.isnan(float(x))) else fmt_num(x, 1)

    if estimate is None or math.isnan(float(estimate)):
        if not reached:
            return NA
        # the curve stays above 0.5 but its lower band may cross it
        return "NR" if one(lower) == "NR" else f"NR ({one(lower)}–NR)"
    return f"{one(estimate)} ({one(lower)}–{one(upper)})"


def fmt_estimate_ci(estimate, lower, upper) -> str:
    """A probability and its interval in percent; a degenerate interval (0 to 0) prints alone."""
    if not any(math.isnan(as_float(x)) for x in (estimate, lower, upper)) and lower == upper:
        return fmt_pct_ci(estimate, np.nan, np.nan)
    return fmt_pct_ci(estimate, lower, upper)


def _id_list(ids: pd.Series) -> str:
    shown = [str(x) for x in ids.iloc[:_SHOW_IDS]]
    more = len(ids) - len(shown)
    return ", ".join(shown) + (f" and {more} more" if more > 0 else "")


def analysed_rows(analysis, ctx) -> tuple[pd.DataFrame, list[str]]:
    """The endpoint's rows of the analysed patients, and notes on every patient left out.

    Patients of the population without a record of the endpoint, and patients with a missing
    group or subgroup value, are left out, each with a note naming them.

    Raises
    ------
    DataError
        When the group or subgroup variable is not a column of the patients data.
    """
    pats, notes = ctx.population(analysis.population)
    notes = list(notes)
    if analysis.population in ctx.names.post_baseline:
        notes.append(
            f"The population ({ctx.label(analysis.population)}) is selected by what happened "
            "after infusion (time zero): who is in it depends on how long each patient lived "
            "event-free, so estimates within it are open to selection (immortal-time) bias."
        )
    for role, var in (("group", analysis.group), ("subgroup", analysis.subgroup)):
        if var is not None and var not in ctx.patients:
            raise DataError(
                f"{role} variable {var!r} is not a column of the patients data; name an ADSL, "
                "runner or derived variable"
            )
    data = ctx.endpoint(analysis.endpoint, analysis.population)
    no_record = pats.loc[~pats["patient_id"].isin(data["patient_id"]), "patient_id"]
    if len(no_record):
        notes.append(
            f"{len(no_record)} patient(s) without a {analysis.endpoint} record are left out "
            f"({_id_list(no_record)})"
        )
    for var in (analysis.group, analysis.subgroup):
        if var is None:
            continue
        missing = data[var].isna().to_numpy()
        if missing.any():
            ids = data.loc[missing, "patient_id"]
            notes.append(
                f"{int(missing.sum())} patient(s) with missing {ctx.label(var)} are left out "
                f"({_id_list(ids)})"
            )
            data = data[~missing]
    data = data.reset_index(drop=True)
    for var in (analysis.group, analysis.subgroup):
        # plain bool once complete, so every estimator sees the same two levels
        if var is not None and pd.api.types.is_bool_dtype(data[var].dtype):
            data[var] = data[var].astype(bool)
    return data, notes


def subgroup_levels(values: pd.Series) -> list:
    """Levels of a subgroup variable in report order.

    A boolean subgroup lists True first: the stratum the variable names ("pre-LD MRD < 10⁻⁴"),
    then the rest, as Figure 1 of the paper; others follow category order, else sorted.
    """
    if pd.api.types.is_bool_dtype(values.dtype):
        present = set(values.tolist())
        return [v for v in (True, False) if v in present]
    if isinstance(values.dtype, pd.CategoricalDtype):
        return [c for c in values.cat.categories if (values == c).any()]
    try:
        return sorted(pd.unique(values).tolist())
    except TypeError:  # mixed types that do not sort: order of appearance
        return pd.unique(values).tolist()


def blocks(data: pd.DataFrame, subgroup: str | None) -> list[tuple[object, pd.DataFrame]]:
    """``(level, rows)`` per subgroup level, or one ``(None, data)`` without a subgroup."""
    if subgroup is None:
        return [(None, data)]
    out = []
    for level in subgroup_levels(data[subgroup]):
        mask = (data[subgroup] == level).to_numpy(dtype=bool)
        out.append((level, data[mask].reset_index(drop=True)))
    return out


def group_labels(ctx, variable: str | None, levels) -> dict:
    """Printed name of each level of a group variable."""
    if variable is None:
        return {None: "All patients"}
    return {level: ctx.level_label(variable, level) for level in levels}


def as_float(x) -> float:
    """A number of a result table as a float (NaN for a missing value)."""
    try:
        return float(x)
    except (TypeError, ValueError):
        return float("nan")


def nan_to_none(values) -> list:
    """Levels as Python objects (numpy scalars unwrapped) for the data table's label columns."""
    return [v.item() if isinstance(v, np.generic) else v for v in values]


def figure_ids(base: str, n: int) -> list[str]:
    """``base`` for a single figure, ``base_1, base_2, ...`` for one per subgroup level."""
    return [base] if n == 1 else [f"{base}_{i + 1}" for i in range(n)]
