"""The study's headline numbers (CONTRACT.md §3), computed from its tables with the public API.

Rates are fractions with exact Clopper-Pearson intervals over all infused patients; 5-year OS
and LFS are Kaplan-Meier estimates at day 1826.25 with log-log intervals; the median follow-up is
the reverse Kaplan-Meier median of OS times, in months.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import pandas as pd

from .._core.units import to_months, years_to_days
from ..comparisons.binomial import rate
from ..derive.adam import Adam
from ..survival.follow_up import median_follow_up
from ..survival.km import kaplan_meier

RESPONDER = ("cr", "cri", "cr_or_cri")


@dataclass(frozen=True)
class HeadlineInputs:
    """The derived datasets the headline numbers are computed from (kept for the outputs)."""

    adam: Adam
    nca: pd.DataFrame | None
    crs: pd.DataFrame | None
    icans: pd.DataFrame | None


def derive_headline_inputs(study) -> HeadlineInputs:
    """Derive the analysis datasets, NCA parameters and per-patient CRS/ICANS grades.

    The same derivation the report runs (:func:`cartkit.runner.context.build_context` with the
    default plan's settings), so the headline and the report's tables share their numbers.
    """
    from ..runner.context import build_context
    from .default import default_plan

    ctx = build_context(study, default_plan())
    return HeadlineInputs(adam=ctx.adam, nca=ctx.nca, crs=ctx.crs, icans=ctx.icans)


def _rate(k: int, n: int) -> dict:
    row = rate(int(k), int(n)).iloc[0]
    return {
        "estimate": float(row["estimate"]),
        "ci_lower": float(row["ci_lower"]),
        "ci_upper": float(row["ci_upper"]),
        "n_events": int(k),
        "n": int(n),
    }


def _endpoint(adtte: pd.DataFrame, paramcd: str) -> pd.DataFrame:
    """One endpoint's rows with an ``event`` column (1 - CNSR) for the survival functions."""
    data = adtte[adtte["PARAMCD"] == paramcd]
    return data.assign(event=1 - data["CNSR"].astype(int))


def _km_at(adtte: pd.DataFrame, paramcd: str, day: float) -> dict:
    fit = kaplan_meier(_endpoint(adtte, paramcd), time="AVAL", event="event")
    row = fit.survival_at([day]).iloc[0]
    return {
        "estimate": float(row["estimate"]),
        "ci_lower": float(row["ci_lower"]),
        "ci_upper": float(row["ci_upper"]),
        "n_risk": int(row["n_risk"]),
        "time_days": float(day),
    }


def _median(values) -> float:
    v = pd.to_numeric(pd.Series(values), errors="coerce").dropna()
    return float(np.median(v)) if len(v) else math.nan


def compute_headline(study, inputs: HeadlineInputs | None = None) -> dict:
    """The headline numbers of a study.

    Parameters
    ----------
    study : Study
        A validated study.
    inputs : HeadlineInputs, optional
        Already derived datasets (from :func:`derive_headline_inputs`).

    Returns
    -------
    dict
        ``n_patients``; ``cr_rate``, ``mrd_negative_cr_rate``, ``crs_any_rate``,
        ``crs_grade3plus_rate``, ``icans_any_rate`` (each ``{estimate, ci_lower, ci_upper,
        n_events, n}``); ``os_5y``, ``lfs_5y`` (``{estimate, ci_lower, ci_upper, n_risk,
        time_days}``); ``median_follow_up_months``, ``cmax_median``, ``tmax_median``.
    """
    inputs = inputs or derive_headline_inputs(study)
    adsl, adtte = inputs.adam.adsl, inputs.adam.adtte
    n = len(study.tables["patients"])
    out: dict = {"n_patients": n}
    out["cr_rate"] = _rate(adsl["response_d28"].isin(RESPONDER).sum(), n)
    out["mrd_negative_cr_rate"] = _rate(adsl["mrd_negative_cr_d28"].fillna(False).sum(), n)
    five_years = years_to_days(5)
    out["os_5y"] = _km_at(adtte, "OS", five_years)
    out["lfs_5y"] = _km_at(adtte, "LFS", five_years)
    out["median_follow_up_months"] = float(
        to_months(median_follow_up(_endpoint(adtte, "OS"), time="AVAL", event="event"))
    )
    params = inputs.nca
    out["cmax_median"] = _median(params["cmax"]) if params is not None else math.nan
    out["tmax_median"] = _median(params["tmax"]) if params is not None else math.nan
    for term, key, cut in (
        ("crs", "crs_any_rate", 1),
        ("crs", "crs_grade3plus_rate", 3),
        ("icans", "icans_any_rate", 1),
    ):
        grades = getattr(inputs, term)
        if grades is None:
            out[key] = None
            continue
        g = pd.to_numeric(grades["grade"], errors="coerce").fillna(0)
        out[key] = _rate((g >= cut).sum(), n)
    return out
