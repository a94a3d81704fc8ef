"""What the kinetic model's tables say of precision they do not have (review of issue 14).

A fit that did not converge, a typical value whose standard error is 0 or not finite to the
printed precision (its between-patient SD collapsed to its boundary, about 0), and a
likelihood-ratio test one of whose two fits did not converge: each is said in the table, next
to the number, never printed as if precise. Used by :mod:`.kinetic_model`.
"""

from __future__ import annotations

import math

import pandas as pd

from ..format import fmt_p
from ._base import Show

__all__ = [
    "imprecise_footnote",
    "lrt_footnote",
    "lrt_ok",
    "no_precision",
    "not_converged_footnote",
]

#: an RSE below this (%) prints as 0.0: the interval would print as the estimate itself
_RSE_SHOWN = 0.05


def no_precision(se, rse) -> bool:
    """Whether a standard error gives no usable precision: 0 or not finite, to the print.

    The observed information gives such an SE for a parameter at a boundary (its IIV SD
    collapsed to about 0) or from a fit that did not converge; its CI and RSE would print as
    an exact value ("0.801 (0.801–0.801)", RSE 0.0) and are shown as "–" instead.
    """
    try:
        se, rse = float(se), float(rse)
    except (TypeError, ValueError):
        return True
    return not (math.isfinite(se) and se > 0 and math.isfinite(rse) and rse >= _RSE_SHOWN)


def not_converged_footnote() -> str:
    """The first footnote of both tables of a fit that did not converge."""
    return (
        "The fit did not converge: the Newton refinement of the SAEM estimate stopped before "
        "convergence, so the estimates carry Monte Carlo error and their SEs, CIs and RSEs are "
        "approximate (another seed or a simpler model may converge)."
    )


def imprecise_footnote(data: pd.DataFrame, labels: dict) -> str | None:
    """ᵃ: which typical values have no usable SE, and why that is not precision."""
    flagged = data[[no_precision(se, rse) for se, rse in zip(data["se"], data["rse"], strict=True)]]
    if flagged.empty:
        return None
    names = [labels.get(p, p).partition(",")[0] for p in flagged["parameter"]]
    boundary = [
        labels.get(p, p).partition(",")[0]
        for p, sh in zip(flagged["parameter"], flagged["shrinkage"], strict=True)
        if pd.notna(sh) and sh >= 0.9
    ]
    text = (
        f"ᵃ No CI or RSE for {', '.join(names)}: the standard error is 0 or not finite to the "
        f"printed precision (RSE below {_RSE_SHOWN}%), which is no usable precision, not a "
        "precise estimate"
    )
    if boundary:
        text += (
            f"; the between-patient SD of {', '.join(boundary)} is at its boundary, about 0 "
            "(shrinkage near 100%)"
        )
    return text + "."


def lrt_ok(row) -> bool:
    ok = row.get("lrt_converged", True)
    return True if pd.isna(ok) else bool(ok)


def lrt_footnote(data: pd.DataFrame, show: Show) -> str | None:
    """ᵃ on the covariate table: which likelihood-ratio p is unreliable, with the Wald p."""
    unreliable = data[[not lrt_ok(r) for _, r in data.iterrows()]]
    if unreliable.empty:
        return None
    walds = "; ".join(
        f"{show.label(r['term'])}, Wald p {fmt_p(r['wald_p_value'])}"
        for _, r in unreliable.iterrows()
    )
    return (
        "ᵃ Not reliable: a fit of this likelihood-ratio test (the model, or the model without "
        "the effect) did not converge, so its log-likelihoods may be off by more than their "
        f"difference; read the Wald test instead ({walds})."
    )
