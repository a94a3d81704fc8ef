"""The threshold odds-ratio kind: binary outcomes by a biomarker at or above a threshold.

Every number comes from ``ck.threshold_odds_ratio``; :mod:`cartkit.report.sections.odds` prints
the table.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from ...comparisons.binomial import threshold_odds_ratio
from ...errors import DataError
from ..results import KindResult

__all__ = ["DATA_COLUMNS", "ThresholdORResult", "run_threshold_or"]

#: columns of the ``data`` of a threshold_or table
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


@dataclass(frozen=True, kw_only=True)
class ThresholdORResult(KindResult):
    """Odds ratios of a ``threshold_or`` analysis.

    ``data[analysis.id]`` has :data:`DATA_COLUMNS`: one row per outcome, in plan order (numbers
    NaN for an outcome with no odds ratio; the notes say why). ``or_method`` names the odds
    ratio shown: ``"wald"`` the sample OR with Woolf's interval, ``"fisher"`` the conditional
    MLE with its exact interval (when a cell is zero).
    """


def run_threshold_or(analysis, ctx) -> ThresholdORResult:
    """Odds ratio of each outcome for ``marker >= threshold`` versus below (IL-6 and CRS).

    Parameters
    ----------
    analysis : cartkit.plan.schema.ThresholdOR
        The analysis.
    ctx : cartkit.runner.context.Context
        The datasets.

    Returns
    -------
    ThresholdORResult
    """
    patients, notes = ctx.population(analysis.population)
    marker, threshold = analysis.marker, float(analysis.threshold)
    if marker not in patients:
        raise DataError(f"marker {marker!r} is not a variable of this study")
    rows = []
    used = np.zeros(len(patients), dtype=bool)
    for outcome in analysis.outcomes:
        row = {"outcome": outcome, "marker": marker, "threshold": threshold}
        rows.append(row)
        label = ctx.label(outcome)
        if outcome not in patients:
            notes.append(f"{label}: not a variable of this study; no odds ratio.")
            continue
        missing = patients[marker].isna() | patients[outcome].isna()
        if missing.any():
            notes.append(
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
            notes.append(f"{label}: no odds ratio ({err}).")
            continue
        row.update(_row(result))
        used |= ~missing.to_numpy()
    data = pd.DataFrame(rows, columns=list(DATA_COLUMNS))
    for col in DATA_COLUMNS[3:]:
        if col != "or_method":
            data[col] = data[col].astype(float)
    data["or_method"] = ["" if pd.isna(v) else str(v) for v in data["or_method"]]
    if not np.isfinite(data["n"]).any():
        notes.append("No odds ratio could be computed.")
    return ThresholdORResult(
        analysis=analysis, n=int(used.sum()), notes=notes, data={analysis.id: data}
    )
