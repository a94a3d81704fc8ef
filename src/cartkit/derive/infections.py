"""Infections after infusion, by type, from the adverse_events table.

Rules and sources are written down in docs/clinical-rules.md, section "Grading".
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from .._core.checks import numeric_column, require_columns
from .._core.frames import plain_text_result
from ._common import Derived, excluded_frame

__all__ = ["INFECTION_TYPES", "derive_infections", "infections_by_type"]

#: adverse_events.category values of infections; anything else counts as "unspecified"
INFECTION_TYPES = ("bacterial", "viral", "fungal")


def derive_infections(
    adverse_events: pd.DataFrame | None,
    *,
    window: tuple[float, float] = (0.0, 28.0),
    patients: pd.DataFrame | None = None,
    term: str = "infection",
) -> Derived:
    """Infections with onset in a window (default the first 4 weeks), per patient and type.

    The adverse_events table lists every adverse event, so a patient of ``patients`` with no
    infection row had none. Without ``adverse_events`` no patient can be assessed and every
    patient of ``patients`` is ``excluded``.

    Parameters
    ----------
    adverse_events : pandas.DataFrame or None
        ``patient_id, term, grade, onset_day`` and optional ``category``.
    window : tuple of float, default (0, 28)
        Onset days, both ends included.
    patients : pandas.DataFrame, optional
        All patients, so those without infection get a row (``any_infection`` False).
    term : str, default "infection"
        The adverse_events term of infections.

    Returns
    -------
    Derived
        ``table``: ``patient_id, any_infection, n_infections, bacterial, viral, fungal,
        unspecified, first_onset_day, worst_grade``; ``detail``: the qualifying infection
        rows; ``excluded``.
    """
    ids = [] if patients is None else patients["patient_id"].astype(str).tolist()
    if adverse_events is None:
        return Derived(
            table=_table(pd.DataFrame(columns=["patient_id", "type", "onset_day", "grade"]), []),
            excluded=excluded_frame((p, "no adverse_events table") for p in ids),
            params={"window": window},
        )
    require_columns(adverse_events, ["patient_id", "term", "onset_day"], "adverse_events")
    ae = adverse_events.copy()
    ae["patient_id"] = ae["patient_id"].astype(str)
    ae = ae[ae["term"].astype(str).str.strip().str.lower() == term.lower()].copy()
    ae["onset_day"] = numeric_column(ae, "onset_day", "adverse_events")
    ae["grade"] = numeric_column(ae, "grade", "adverse_events") if "grade" in ae.columns else np.nan
    category = (
        ae["category"].where(ae["category"].notna(), "").astype(str).str.strip().str.lower()
        if "category" in ae.columns
        else pd.Series("", index=ae.index)
    )
    ae["type"] = category.where(category.isin(INFECTION_TYPES), "unspecified")
    lo, hi = window
    no_onset = ae["onset_day"].isna()
    inside = ae[(ae["onset_day"] >= lo) & (ae["onset_day"] <= hi)]
    everyone = list(dict.fromkeys(ids + adverse_events["patient_id"].astype(str).tolist()))
    # a patient whose only infections lack an onset day cannot be placed in the window
    undated = set(ae.loc[no_onset, "patient_id"]) - set(inside["patient_id"])
    table = _table(inside, [p for p in everyone if p not in undated])
    excluded = excluded_frame(
        (p, "infection without onset_day: cannot tell whether it is in the window")
        for p in everyone
        if p in undated
    )
    return Derived(
        table=table,
        excluded=excluded,
        detail=inside.reset_index(drop=True),
        params={"window": window, "term": term},
    )


def _table(inside: pd.DataFrame, ids: list[str]) -> pd.DataFrame:
    ids = list(dict.fromkeys(ids + inside["patient_id"].tolist()))
    counts = pd.crosstab(inside["patient_id"], inside["type"]) if len(inside) else pd.DataFrame()
    table = pd.DataFrame({"patient_id": ids})
    n = inside.groupby("patient_id").size() if len(inside) else pd.Series(dtype="int64")
    table["n_infections"] = table["patient_id"].map(n).fillna(0).astype("int64")
    table.insert(1, "any_infection", table["n_infections"] > 0)
    for kind in (*INFECTION_TYPES, "unspecified"):
        col = counts[kind] if kind in counts.columns else pd.Series(dtype="int64")
        table[kind] = table["patient_id"].map(col).fillna(0).astype("int64")
    if len(inside):
        first = inside.groupby("patient_id")["onset_day"].min()
        worst = inside.groupby("patient_id")["grade"].max()
    else:
        first = worst = pd.Series(dtype=float)
    table["first_onset_day"] = table["patient_id"].map(first).astype(float)
    table["worst_grade"] = pd.array(
        table["patient_id"].map(worst).astype(float).to_numpy(), dtype="Float64"
    ).astype("Int64")
    return table


@plain_text_result
def infections_by_type(result: Derived) -> pd.DataFrame:
    """Cohort counts of :func:`derive_infections`: patients and infections per type.

    Returns
    -------
    pandas.DataFrame
        ``type, n_patients, n_infections`` for ``any``, ``bacterial``, ``viral``, ``fungal``
        and ``unspecified``; ``n`` is the number of assessed patients (``len(result.table)``).
    """
    t = result.table
    rows = [("any", int(t["any_infection"].sum()), int(t["n_infections"].sum()))]
    for kind in (*INFECTION_TYPES, "unspecified"):
        rows.append((kind, int((t[kind] > 0).sum()), int(t[kind].sum())))
    out = pd.DataFrame(rows, columns=["type", "n_patients", "n_infections"])
    out["n"] = len(t)
    return out
