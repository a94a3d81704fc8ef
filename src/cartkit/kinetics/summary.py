"""Summaries of NCA parameters as CAR-T papers report them."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd

from .._core.checks import UNSET, check_conf_level, renamed, require_columns
from .._core.frames import plain_text_result
from ..comparisons.binomial import rate
from ..errors import DataError
from .parameters import PARAMETERS

__all__ = ["SUMMARY_COLUMNS", "expansion_responders", "summarize_expansion", "summarize_nca"]

#: columns of :func:`summarize_nca`, in order
SUMMARY_COLUMNS = (
    "group",
    "parameter",
    "n",
    "n_positive",
    "median",
    "min",
    "max",
    "geo_mean",
    "geo_cv_pct",
    "summary",
)
_DEFAULT = ("cmax", "tmax", "tlast", "auc_window", "auclast")
_GEOMETRIC_UNITS = {"conc", "auc"}


def _fmt(x: float) -> str:
    if not np.isfinite(x):
        return "NA"
    if abs(x) >= 1000:
        return f"{x:,.0f}"
    return f"{x:.3g}"


def _groups(params: pd.DataFrame, group: str | None):
    if group is None:
        yield None, params
        return
    require_columns(params, [group], what="NCA parameters")
    yield from params.groupby(group, sort=True, dropna=True)


@plain_text_result
def summarize_nca(
    params: pd.DataFrame,
    *,
    group: str | None = None,
    parameters: Sequence[str] = _DEFAULT,
    by=UNSET,
) -> pd.DataFrame:
    """Median (range) of every parameter; geometric mean and geometric CV% of Cmax and AUCs.

    Parameters
    ----------
    params : pandas.DataFrame
        The result of :func:`cartkit.kinetics.nca`, possibly with a grouping column added.
    group : str, optional
        Column to group by (e.g. MRD-negative CR yes/no); ``None`` gives one group, null.
        (``by=`` is its old name, deprecated.)
    parameters : sequence of str
        Parameters to summarise, in order of the output rows.

    Returns
    -------
    pandas.DataFrame
        One row per group and parameter with :data:`SUMMARY_COLUMNS`. ``n`` counts non-missing
        values. Geometric statistics use the positive values only (a profile with every sample
        BLQ has Cmax and AUC 0), counted in ``n_positive``; they are NaN for time parameters.
        ``geo_cv_pct`` is ``100 * sqrt(exp(s²) - 1)`` with ``s`` the SD of the logs (n - 1).
        ``summary`` is the text ``median (min–max)``.
    """
    group = renamed(group, by, old="by", new="group", where="summarize_nca")
    require_columns(params, list(parameters), what="NCA parameters")
    unknown = [p for p in parameters if p not in PARAMETERS]
    if unknown:
        raise DataError(f"unknown NCA parameter(s) {unknown}; known: {', '.join(PARAMETERS)}")
    rows = []
    for key, grp in _groups(params, group):
        for name in parameters:
            values = pd.to_numeric(grp[name], errors="coerce").to_numpy(dtype=float)
            values = values[~np.isnan(values)]
            positive = values[values > 0]
            geometric = PARAMETERS[name].unit_type in _GEOMETRIC_UNITS
            geo_mean = geo_cv = np.nan
            if geometric and positive.size:
                logs = np.log(positive)
                geo_mean = float(np.exp(logs.mean()))
                if positive.size > 1:
                    geo_cv = float(100 * np.sqrt(np.expm1(logs.var(ddof=1))))
            med, lo, hi = (
                (float(np.median(values)), float(values.min()), float(values.max()))
                if values.size
                else (np.nan, np.nan, np.nan)
            )
            rows.append(
                {
                    "group": key,
                    "parameter": name,
                    "n": int(values.size),
                    "n_positive": int(positive.size),
                    "median": med,
                    "min": lo,
                    "max": hi,
                    "geo_mean": geo_mean,
                    "geo_cv_pct": geo_cv,
                    "summary": f"{_fmt(med)} ({_fmt(lo)}–{_fmt(hi)})",
                }
            )
    out = pd.DataFrame(rows, columns=list(SUMMARY_COLUMNS))
    out["group"] = out["group"].astype(object)
    return out


def expansion_responders(
    params: pd.DataFrame, *, threshold: float = 100.0, baseline: float | str = 0.0
) -> pd.Series:
    """Expansion response per profile: Cmax above ``threshold`` over baseline.

    Parameters
    ----------
    params : pandas.DataFrame
        The result of :func:`cartkit.kinetics.nca`.
    threshold : float, default 100.0
        Increase over baseline that Cmax must exceed (strictly); the default, with baseline 0,
        is "Cmax above an LLOQ of 100 copies/µg".
    baseline : float or str, default 0.0
        Baseline level, a number or the name of a column of ``params`` (e.g. pre-infusion
        transgene level).

    Returns
    -------
    pandas.Series
        Nullable booleans named ``expansion_responder``, aligned with ``params``; missing where
        Cmax (or the baseline) is missing.
    """
    require_columns(params, ["cmax"], what="NCA parameters")
    if isinstance(baseline, str):
        require_columns(params, [baseline], what="NCA parameters")
        base = pd.to_numeric(params[baseline], errors="coerce")
    else:
        base = pd.Series(float(baseline), index=params.index)
    rise = pd.to_numeric(params["cmax"], errors="coerce") - base
    out = (rise > float(threshold)).astype("boolean")
    out[rise.isna()] = pd.NA
    return out.rename("expansion_responder")


@plain_text_result
def summarize_expansion(
    params: pd.DataFrame,
    *,
    group: str | None = None,
    threshold: float = 100.0,
    baseline: float | str = 0.0,
    conf_level: float = 0.95,
    by=UNSET,
) -> pd.DataFrame:
    """Proportion of expansion responders with an exact (Clopper-Pearson) confidence interval.

    Parameters
    ----------
    params : pandas.DataFrame
        The result of :func:`cartkit.kinetics.nca`, possibly with a grouping column.
    group : str, optional
        Grouping column; ``None`` gives one group, null. (``by=`` is its old name, deprecated.)
    threshold, baseline
        As :func:`expansion_responders`.
    conf_level : float, default 0.95
        Confidence level.

    Returns
    -------
    pandas.DataFrame
        Columns ``group, n, n_events, estimate, ci_lower, ci_upper``: ``n`` profiles with a
        Cmax, ``n_events`` responders.
    """
    group = renamed(group, by, old="by", new="group", where="summarize_expansion")
    check_conf_level(conf_level)
    frame = params.assign(
        _responder=expansion_responders(params, threshold=threshold, baseline=baseline)
    )
    rows = []
    for key, grp in _groups(frame, group):
        known = grp["_responder"].dropna()
        rows.append({"group": key, "n": int(known.size), "n_events": int(known.sum())})
    out = pd.DataFrame(rows, columns=["group", "n", "n_events"])
    out[["estimate", "ci_lower", "ci_upper"]] = np.nan
    has = (out["n"] > 0).to_numpy()
    if has.any():
        # a group with no Cmax has no rate: its estimate and bounds stay NaN
        exact = rate(out.loc[has, "n_events"], out.loc[has, "n"], conf_level)
        out.loc[has, ["estimate", "ci_lower", "ci_upper"]] = exact[
            ["estimate", "ci_lower", "ci_upper"]
        ].to_numpy()
    out["group"] = out["group"].astype(object)
    return out
