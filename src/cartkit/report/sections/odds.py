"""Table of the ``threshold_or`` kind (:mod:`cartkit.runner.kinds.odds`): outcomes by a marker."""

from __future__ import annotations

import math

import pandas as pd

from ..format import NA, fmt_num, fmt_p
from ..types import ReportTable
from ._base import Section, Show, table_heading
from ._regression import RATIOS, abbreviations, conf_pct, ratio_text

__all__ = ["PRESENTERS", "present_threshold_or"]


def _fraction(k, n) -> str:
    """``k/n (percent)``; "–" when ``n`` is 0."""
    if not n:
        return NA
    return f"{int(k)}/{int(n)} ({fmt_num(100 * k / n, 1)})"


def _marker_text(show: Show, marker: str, threshold: float) -> tuple[str, str]:
    """``("Peak IL-6 ≥ 7 pg/mL", "Peak IL-6 < 7 pg/mL")`` from the marker's label."""
    name, _, unit = show.label(marker).partition(", ")
    cut = f"{threshold:g}" + (f" {unit}" if unit else "")
    return f"{name} ≥ {cut}", f"{name} < {cut}"


def _column_labels(pct: str, high: str, low: str) -> dict[str, str]:
    return {
        "n": "Patients with marker and outcome",
        "n_events": "Events",
        "events_high": f"Events, {high}",
        "n_high": f"Patients, {high}",
        "events_low": f"Events, {low}",
        "n_low": f"Patients, {low}",
        "or_method": "OR shown (wald: sample OR; fisher: conditional MLE)",
        "estimate": "OR shown",
        "ci_lower": f"OR shown, {pct} CI lower",
        "ci_upper": f"OR shown, {pct} CI upper",
        "p_value": "p (Fisher's exact test)",
        "sample_or": "Sample OR",
        "woolf_ci_lower": f"Sample OR, Woolf {pct} CI lower",
        "woolf_ci_upper": f"Sample OR, Woolf {pct} CI upper",
        "z_p_value": "p (Wald z-test of log OR)",
        "cmle_or": "Conditional MLE OR",
        "exact_ci_lower": f"Conditional MLE OR, exact {pct} CI lower",
        "exact_ci_upper": f"Conditional MLE OR, exact {pct} CI upper",
    }


def present_threshold_or(result, show: Show) -> Section:
    """``Outcome | events at or above | events below | OR (95% CI) | p``, one row per outcome.

    A zero cell has no sample OR interval: the conditional MLE with its exact interval is shown
    instead, marked ``ᵃ`` and explained in a footnote.
    """
    analysis = result.analysis
    data: pd.DataFrame = result.data[analysis.id]
    pct = conf_pct(show.settings.conf_level)
    high, low = _marker_text(show, analysis.marker, float(analysis.threshold))
    display = []
    for _, row in data.iterrows():
        label = show.label(row["outcome"])
        if math.isnan(row["n"]):  # no odds ratio: the notes say why
            display.append([label, NA, NA, NA, NA])
            continue
        exact = row["or_method"] == "fisher"
        display.append(
            [
                label,
                _fraction(row["events_high"], row["n_high"]),
                _fraction(row["events_low"], row["n_low"]),
                ratio_text(row["estimate"], row["ci_lower"], row["ci_upper"])
                + ("ᵃ" if exact else ""),
                fmt_p(row["p_value"]),
            ]
        )
    headers = ["Outcome", f"{high}, n/N (%)", f"{low}, n/N (%)", f"OR ({pct} CI)", "p"]
    footnotes = [
        f"Events among patients with {high[0].lower()}{high[1:]} and with "
        f"{low[0].lower()}{low[1:]}, n/N (%).",
        f"OR: sample odds ratio (ad/bc) for {high} versus {low}, with Woolf's logit {pct} CI; "
        "p by Fisher's exact test (two-sided).",
    ]
    if (data["or_method"] == "fisher").any():
        footnotes.append(
            "ᵃ A zero cell: the sample OR is 0 or infinite with no interval, so the conditional "
            f"maximum-likelihood OR with its exact {pct} CI (as R fisher.test) is shown."
        )
    shown = pd.DataFrame(display, columns=headers, dtype=object)
    table = ReportTable(
        **table_heading(analysis),
        data=data,
        display=shown,
        footnotes=tuple(footnotes),
        abbreviations=abbreviations(
            [analysis.title, high, *shown["Outcome"]],
            RATIOS["odds_ratio"].abbreviations,
        ),
        column_labels=_column_labels(pct, high, low),
    )
    return Section(tables=[table])


PRESENTERS = {"threshold_or": present_threshold_or}
