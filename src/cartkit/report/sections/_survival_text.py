"""Printing the survival and cumulative-incidence tables: names, intervals, abbreviations."""

from __future__ import annotations

import math
import re

import numpy as np
import pandas as pd

from ...derive.registry import event_day_variable
from ...derive.time_to_event import DEFAULT_ENDPOINTS

# the runner's notes and these captions lower-case a name the same way
from ...runner.kinds._survival_common import CAUSE_LABELS, beyond_text, sentence_case
from ..format import NA, fmt_num, fmt_pct_ci
from ..glossary import spelled

__all__ = [
    "NOT_ESTIMABLE",
    "cause_order",
    "ci_label",
    "curve_axis",
    "endpoint_name",
    "estimate_cell",
    "fmt_estimate_ci",
    "fmt_months_ci",
    "immortal_time_caveat",
    "landmark_footnote",
    "not_estimable_footnote",
    "origin_footnote",
    "panel_title",
    "rows_of",
    "sentence_case",
    "still_footnote",
    "table_abbreviations",
    "time_axis",
    "year_header",
]

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


def table_abbreviations(title: str, display: pd.DataFrame, footnotes) -> str:
    """``"CI, confidence interval; HSCT, ...."``: the abbreviations a table uses.

    Those of :data:`ABBREVIATIONS` found in its title, headers, cells and footnotes.
    """
    text = " ".join([title, *map(str, display.columns), *display.to_numpy().ravel(), *footnotes])
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


def ci_label(conf_level: float) -> str:
    """``95% CI`` for a confidence level of 0.95."""
    return f"{100 * conf_level:g}% CI"


#: what the Kaplan-Meier estimate of an endpoint is the probability of, where "survival" would
#: read backwards: a column "1-year 0.0%" of the time to B-cell recovery reads as "nobody
#: recovered", when it means nobody is still aplastic
STILL = {"BCADUR": "Still in B-cell aplasia", "PERSIST": "CAR-T still persisting"}


def year_header(years: float, conf_level: float, endpoint: str | None = None) -> str:
    """Column header of an estimate at a time point: ``5-year (95% CI)``.

    An endpoint whose curve is the probability of a state (:data:`STILL`) names it: ``Still in
    B-cell aplasia at 1 year (95% CI)``.
    """
    if endpoint in STILL:
        unit = "year" if years == 1 else "years"
        return f"{STILL[endpoint]} at {years:g} {unit} ({ci_label(conf_level)})"
    return f"{years:g}-year ({ci_label(conf_level)})"


def still_footnote(endpoint: str) -> str | None:
    """What the time-point columns of an endpoint of :data:`STILL` give, so none reads backwards."""
    if endpoint == "BCADUR":
        return (
            "Still in B-cell aplasia at a time point: the Kaplan-Meier probability that B-cell "
            "aplasia is still ongoing then (no B-cell recovery yet); the cumulative probability "
            "of B-cell recovery by then is 100% minus it."
        )
    if endpoint == "PERSIST":
        return (
            "CAR-T still persisting at a time point: the Kaplan-Meier probability that CAR-T "
            "cells are still quantifiable then (persistence not yet lost)."
        )
    return None


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


def _as_float(x) -> float:
    try:
        return float(x)
    except (TypeError, ValueError):
        return float("nan")


def fmt_estimate_ci(estimate, lower, upper) -> str:
    """A probability and its interval in percent; a degenerate interval (0 to 0) prints alone."""
    if not any(math.isnan(_as_float(x)) for x in (estimate, lower, upper)) and lower == upper:
        return fmt_pct_ci(estimate, np.nan, np.nan)
    return fmt_pct_ci(estimate, lower, upper)


#: what a table prints for an estimate at a time point no patient is followed to
NOT_ESTIMABLE = "NE"

#: the start of an endpoint's time other than the infusion (its ``origin``), for axis labels
_ORIGINS = {"bca_onset": "BCA onset"}


#: the y label of an endpoint whose name is not what its curve shows
_CURVES = {"BCADUR": "B-cell aplasia ongoing"}


def curve_axis(paramcd: str) -> str:
    """The y label of an endpoint's Kaplan-Meier curve: its name, or what the curve shows."""
    return _CURVES.get(paramcd, endpoint_name(paramcd))


def time_axis(paramcd: str) -> str:
    """The x label of an endpoint's curves: ``Months since infusion`` or since its origin."""
    for e in DEFAULT_ENDPOINTS:
        if e.paramcd == paramcd and e.origin is not None:
            return f"Months since {_ORIGINS.get(e.origin.name, e.origin.name)}"
    return "Months since infusion"


def origin_footnote(paramcd: str) -> str | None:
    """What an endpoint timed from its own origin measures (BCADUR: from BCA onset), or None."""
    for e in DEFAULT_ENDPOINTS:
        if e.paramcd == paramcd and e.origin is not None:
            ends = " or ".join(sentence_case(x.description or x.name) for x in e.events)
            text = f"Time from {_ORIGINS.get(e.origin.name, e.origin.name)} to {ends}"
            if e.censors:
                stops = " or ".join(sentence_case(x.description or x.name) for x in e.censors)
                text += f", censored at the {stops}"
            return text + "."
    return None


def estimate_cell(row) -> str:
    """An estimate at a time point with its interval, or NE when no patient is at risk then.

    Past the follow-up a curve that has reached its end (0 survival, final incidences) keeps
    its value; the runner then gives the estimate, otherwise NaN.
    """
    if int(row["n_risk"]) == 0 and pd.isna(row["estimate"]):
        return NOT_ESTIMABLE
    return fmt_estimate_ci(row["estimate"], row["ci_lower"], row["ci_upper"])


def not_estimable_footnote(data: pd.DataFrame, measure: str, *, landmark: bool) -> str | None:
    """``"NE, not estimable: no patient is followed to 5 years (longest follow-up ...)."``.

    One clause per group (and subgroup level) with a time point past its follow-up (0 at
    risk, no estimate), naming the first such time point; None when every estimate is
    estimable.
    """
    rows = data[(data["measure"] == measure) & (data["n_risk"] == 0) & data["estimate"].isna()]
    if rows.empty:
        return None
    clauses = []
    keys = ["subgroup", "group"]
    for _, part in rows.groupby(keys, dropna=False, sort=False):
        first = part.sort_values("time_years").iloc[0]
        group = None if pd.isna(first["group"]) else str(first["group"])
        subgroup = None if pd.isna(first["subgroup"]) else str(first["subgroup"])
        clauses.append(
            beyond_text(
                group,
                subgroup,
                float(first["time_years"]),
                float(first["longest_follow_up_months"]),
                landmark,
            )
        )
    return "NE, not estimable: " + "; ".join(dict.fromkeys(clauses)) + "."


def rows_of(column: pd.Series, label: str | None) -> np.ndarray:
    """Rows of a data table whose label ``column`` is ``label`` (null for None)."""
    if label is None:
        return column.isna().to_numpy()
    return (column == label).to_numpy(dtype=bool)


def landmark_footnote(show, group: str, landmark) -> str:
    """How the landmark was chosen and who is compared."""
    return (
        f"Landmark analysis at day {landmark.day} after infusion, the median day of "
        f"{show.label(group)} among the {landmark.n_had} patients who had it, rounded up to a "
        "whole day: patients with an event or censoring before the landmark are left out, the "
        "groups are by the event on or before the landmark (later events count as none), and "
        "times are measured from the landmark."
    )


def immortal_time_caveat(show, group: str | None, test: str, others) -> str:
    """The caption's warning on a plain test between groups defined by an event after time 0.

    ``""`` for any other group. ``others`` names the analyses without the bias (the landmark
    analysis, the Simon-Makuch figure) that the analysis made.
    """
    if group is None or event_day_variable(group) is None:
        return ""
    yes = show.level_label(group, True)
    text = (
        f" The p-value ({test}) compares groups defined by {yes}, which happens after infusion: it "
        f"is subject to immortal-time bias (a patient must live until {yes} to be in that "
        "group)"
    )
    if others:
        listed = " and ".join(others)
        text += f"; see {listed} for comparisons without this bias"
    return text + "."


def cause_order(causes: dict[int, str]) -> tuple[int, ...]:
    """The cause codes of an endpoint in the order of their line styles in every figure.

    Causes are drawn in the order of the cumulative incidence of relapse (relapse solid,
    non-relapse mortality dashed), whichever of them is an endpoint's cause of interest; other
    causes follow by code.
    """
    order = list(CAUSE_LABELS["CIR"].values())
    rank = {c: order.index(name) if name in order else len(order) + c for c, name in causes.items()}
    return tuple(sorted(causes, key=rank.get))


def panel_title(label: str | None, grouped: bool, names: list[str]) -> str | None:
    """A KM or incidence panel's title; where its comparison has one group only, it says so.

    ``names`` are the printed names of the panel's groups, ``grouped`` whether the analysis
    compares groups at all.
    """
    if not grouped or len(names) > 1:
        return label
    only = f"only {names[0]}, no comparison"
    return only[0].upper() + only[1:] if label is None else f"{label}: {only}"
