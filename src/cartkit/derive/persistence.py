"""CAR-T persistence (Tlast) from qPCR transgene kinetics, for the PERSIST endpoint.

Rules and their sources are written down in docs/endpoints.md ("CAR-T persistence").
"""

from __future__ import annotations

import pandas as pd

from ..errors import DataError
from ._common import Derived, excluded_frame, findings_frame, get_table, patient_ids, tables_of

__all__ = ["derive_persistence"]


def derive_persistence(tables, *, lloq: float = 100.0, blq_to_stop: int = 2) -> Derived:
    """CAR-T persistence per patient: Tlast and whether monitoring showed the loss.

    A sample after infusion (day > 0) is quantifiable when ``copies_per_ug >= lloq`` (the row's
    ``lloq`` when the kinetics table has one) and it is not flagged ``blq``. Tlast is the day
    of the last quantifiable sample. Persistence is lost (an event at Tlast) when at least
    ``blq_to_stop`` samples below LLOQ follow Tlast (the study stops monitoring after two);
    otherwise it is censored at Tlast (last sample still quantifiable, or monitoring not
    stopped).

    Parameters
    ----------
    tables : Study or mapping of str to DataFrame
        ``patients`` and ``kinetics``.
    lloq : float
        Lower limit of quantification (copies/µg DNA) for rows without their own.
    blq_to_stop : int
        Samples below LLOQ after Tlast that establish the loss.

    Returns
    -------
    Derived
        ``table``: ``patient_id, day`` (Tlast), ``clast, n_below_after, status`` (``lost`` /
        ``ongoing``), ``detail``; ``excluded``: patients without a quantifiable sample.
    """
    if blq_to_stop < 1:
        raise DataError(f"blq_to_stop must be at least 1, got {blq_to_stop!r}")
    tables = tables_of(tables)
    ids = patient_ids(tables)
    kin = get_table(tables, "kinetics", ["patient_id", "day", "copies_per_ug"])
    kin["copies_per_ug"] = pd.to_numeric(kin["copies_per_ug"], errors="coerce")
    kin = kin[(kin["day"] > 0) & kin["copies_per_ug"].notna()]
    limit = (
        pd.to_numeric(kin["lloq"], errors="coerce").fillna(lloq)
        if "lloq" in kin.columns
        else pd.Series(float(lloq), index=kin.index)
    )
    quant = kin["copies_per_ug"] >= limit
    if "blq" in kin.columns:
        quant &= ~kin["blq"].fillna(False).astype(bool)
    kin = kin.assign(_q=quant.to_numpy())
    q = kin[kin["_q"]].sort_values(["patient_id", "day"], kind="mergesort")
    last = q.drop_duplicates("patient_id", keep="last").set_index("patient_id")
    after = kin.assign(_tlast=kin["patient_id"].map(last["day"]).astype("float64"))
    n_after = after[after["day"] > after["_tlast"]].groupby("patient_id").size()
    has_rows = set(kin["patient_id"])
    rows, excluded = [], []
    for pid in ids:
        if pid not in last.index:
            why = "no quantifiable" if pid in has_rows else "no"
            excluded.append((pid, f"persistence: {why} kinetics sample after infusion"))
            continue
        n = int(n_after.get(pid, 0))
        lost = n >= blq_to_stop
        detail = f"{n} sample(s) below LLOQ after Tlast" if n else "last sample quantifiable"
        rows.append(
            {
                "patient_id": pid,
                "day": float(last.at[pid, "day"]),
                "clast": float(last.at[pid, "copies_per_ug"]),
                "n_below_after": n,
                "status": "lost" if lost else "ongoing",
                "detail": detail,
            }
        )
    cols = ["patient_id", "day", "clast", "n_below_after", "status", "detail"]
    return Derived(pd.DataFrame(rows, columns=cols), excluded_frame(excluded), findings_frame())
