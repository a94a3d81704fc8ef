"""The threshold odds-ratio kind: binary outcomes by a biomarker at or above a threshold."""

from __future__ import annotations

import numpy as np
import pandas as pd

from ...comparisons.binomial import threshold_odds_ratio
from ...errors import DataError
from ...report.format import NA, fmt_num, fmt_p
from ...report.types import ReportTable
from ..output import Output, table_heading
from ._tables import abbreviations, conf_pct, ratio_text

__all__ = ["run_threshold_or"]

DATA_COLUMNS = (
    "outcome",
    "marker",
    "threshold",
    "n",
    "n_events",
    "events_high",
    "n_high",
    "events_low",
    "n_low",
    "or_method",
    "estimate",
    "ci_lower",
    "ci_upper",
    "p_value",
    "sample_or",
    "woolf_ci_lower",
    "woolf_ci_upper",
    "z_p_value",
    "cmle_or",
    "exact_ci_lower",
    "exact_ci_upper",
)


def _fraction(k, n) -> str:
    """``k/n (percent)``; "–" when ``n`` is 0."""
    if not n:
        return NA
    return f"{int(k)}/{int(n)} ({fmt_num(100 * k / n, 1)})"


def _row(result) -> dict:
    counts = result.table
    wald = result.estimates.set_index("method").loc["wald"]
    fisher = result.estimates.set_index("method").loc["fisher"]
    # with a zero cell the sample OR has no interval; the conditional MLE with its exact
    # interval is then the one printed (marked in the table)
    zero = bool((counts.to_numpy() == 0).any())
    shown = fisher if zero else wald
    return {
        "n": result.n,
        "n_events": int(counts["event"].sum()),
        "events_high": int(counts.loc["at_or_above", "event"]),
        "n_high": int(counts.loc["at_or_above"].sum()),
        "events_low": int(counts.loc["below", "event"]),
        "n_low": int(counts.loc["below"].sum()),
        "or_method": "fisher" if zero else "wald",
        "estimate": float(shown["estimate"]),
        "ci_lower": float(shown["ci_lower"]),
        "ci_upper": float(shown["ci_upper"]),
        "p_value": float(fisher["p_value"]),
        "sample_or": float(wald["estimate"]),
        "woolf_ci_lower": float(wald["ci_lower"]),
        "woolf_ci_upper": float(wald["ci_upper"]),
        "z_p_value": float(wald["p_value"]),
        "cmle_or": float(fisher["estimate"]),
        "exact_ci_lower": float(fisher["ci_lower"]),
        "exact_ci_upper": float(fisher["ci_upper"]),
    }


def _marker_text(ctx, marker: str, threshold: float) -> tuple[str, str]:
    """``("Peak IL-6 ≥ 7 pg/mL", "Peak IL-6 < 7 pg/mL")`` from the marker's label."""
    name, _, unit = ctx.label(marker).partition(", ")
    cut = f"{threshold:g}" + (f" {unit}" if unit else "")
    return f"{name} ≥ {cut}", f"{name} < {cut}"


def run_threshold_or(analysis, ctx) -> Output:
    """Odds ratio of each outcome for ``marker >= threshold`` versus below (IL-6 and CRS).

    Parameters
    ----------
    analysis : cartkit.plan.schema.ThresholdOR
        The analysis.
    ctx : cartkit.runner.context.Context
        The datasets.

    Returns
    -------
    Output
    """
    patients, notes = ctx.population(analysis.population)
    out = Output(notes=notes, n=len(patients))
    marker, threshold = analysis.marker, float(analysis.threshold)
    if marker not in patients:
        raise DataError(f"marker {marker!r} is not a variable of this study")
    pct = conf_pct(ctx.settings.conf_level)
    high, low = _marker_text(ctx, marker, threshold)
    rows, display, any_exact = [], [], False
    for outcome in analysis.outcomes:
        row = {"outcome": outcome, "marker": marker, "threshold": threshold}
        label = ctx.label(outcome)
        if outcome not in patients:
            out.notes.append(f"{label}: not a variable of this study; no odds ratio.")
            rows.append(row)
            display.append([label, NA, NA, NA, NA])
            continue
        missing = patients[marker].isna() | patients[outcome].isna()
        if missing.any():
            out.notes.append(
                f"{label}: {int(missing.sum())} of {len(patients)} patient(s) left out for a "
                f"missing {ctx.label(marker)} or {label}."
            )
        try:
            result = threshold_odds_ratio(
                patients,
                marker=marker,
                outcome=outcome,
                threshold=threshold,
                conf_level=ctx.settings.conf_level,
            )
        except DataError as err:
            out.notes.append(f"{label}: no odds ratio ({err}).")
            rows.append(row)
            display.append([label, NA, NA, NA, NA])
            continue
        row.update(_row(result))
        rows.append(row)
        exact = row["or_method"] == "fisher"
        any_exact |= exact
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
    data = pd.DataFrame(rows, columns=list(DATA_COLUMNS))
    for col in DATA_COLUMNS[3:]:
        if col != "or_method":
            data[col] = data[col].astype(float)
    data["or_method"] = ["" if pd.isna(v) else str(v) for v in data["or_method"]]
    headers = ["Outcome", f"{high}, n/N (%)", f"{low}, n/N (%)", f"OR ({pct} CI)", "p"]
    footnotes = [
        f"Events among patients with {high[0].lower()}{high[1:]} and with "
        f"{low[0].lower()}{low[1:]}, n/N (%).",
        f"OR: sample odds ratio (ad/bc) for {high} versus {low}, with Woolf's logit {pct} CI; "
        "p by Fisher's exact test (two-sided).",
    ]
    if any_exact:
        footnotes.append(
            "ᵃ A zero cell: the sample OR is 0 or infinite with no interval, so the conditional "
            f"maximum-likelihood OR with its exact {pct} CI (as R fisher.test) is shown."
        )
    display_df = pd.DataFrame(display, columns=headers, dtype=object)
    out.tables.append(
        ReportTable(
            **table_heading(analysis),
            data=data,
            display=display_df,
            footnotes=tuple(footnotes),
            abbreviations=abbreviations(
                [analysis.title, high, *display_df["Outcome"]],
                ("CI, confidence interval", "OR, odds ratio"),
            ),
            column_labels={
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
            },
        )
    )
    if not np.isfinite(data["n"]).any():
        out.notes.append("No odds ratio could be computed.")
    return out
