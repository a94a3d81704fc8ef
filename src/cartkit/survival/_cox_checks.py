"""Input checks of the Cox model: event coding, strata, identifiable covariates."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd

from .._core.checks import numeric_column
from .._core.model_matrix import Design
from ..errors import DataError


def follow_up_times(
    used: pd.DataFrame, time: str, start: str | None
) -> tuple[np.ndarray | None, np.ndarray]:
    """Start (None without one) and stop times; DataError naming rows that cannot be used."""
    stop = _times(used, time)
    if start is None:
        return None, stop
    begin = _times(used, start)
    bad = begin >= stop
    if bad.any():
        idx = used.index[bad][:5].tolist()
        raise DataError(
            f"cox: {int(bad.sum())} row(s) end no later than they start ({start!r} >= {time!r}) "
            f"at index {idx} (e.g. ({begin[bad][0]:g}, {stop[bad][0]:g}]); every (start, stop] "
            "interval must have start < stop: drop empty intervals, or give an event on day 0 "
            "a stop time after 0"
        )
    return begin, stop


def _times(used: pd.DataFrame, column: str) -> np.ndarray:
    t = numeric_column(used, column, "cox")
    infinite = ~np.isfinite(t)
    if infinite.any():
        idx = used.index[infinite][:5].tolist()
        raise DataError(
            f"cox: column {column!r} has infinite time(s) at index {idx}; give the last "
            "follow-up time instead"
        )
    negative = t < 0
    if negative.any():
        idx = used.index[negative][:5].tolist()
        raise DataError(
            f"cox: column {column!r} has {int(negative.sum())} negative time(s) at index {idx} "
            f"(e.g. {t[negative][0]!r}); times are measured from the time origin and must be >= 0"
        )
    return t


def cluster_codes(used: pd.DataFrame, cluster: str | None) -> tuple[np.ndarray | None, int]:
    """Integer code per row of its cluster (R: in order of appearance), and their number."""
    if cluster is None:
        return None, 0
    codes, uniques = pd.factorize(used[cluster], sort=False)
    return codes.astype(np.int64), len(uniques)


def event_indicator(used: pd.DataFrame, event: str) -> np.ndarray:
    """Event column as bool; DataError naming the rows whose value is not 0/1 (or bool)."""
    values = numeric_column(used, event, "cox")
    bad = (values != 0) & (values != 1)
    if bad.any():
        idx = used.index[bad][:5].tolist()
        seen = sorted(set(values[bad].tolist()))[:5]
        raise DataError(
            f"cox: column {event!r} must be 1 (event) or 0 (censored); found {seen} at index "
            f"{idx}. Recode it, e.g. (status == 2).astype(int) for R's 1/2 coding, or pass a "
            "competing-risks code to cumulative_incidence instead"
        )
    return values == 1


def strata_codes(used: pd.DataFrame, strata: Sequence[str]) -> np.ndarray:
    """One integer per row for its combination of strata values (0 when unstratified)."""
    if not strata:
        return np.zeros(len(used), dtype=np.int64)
    return used.groupby(list(strata), sort=True).ngroup().to_numpy(dtype=np.int64)


def check_columns_identifiable(design: Design, strata: np.ndarray) -> None:
    """Raise DataError for a term that is constant (within strata) or collinear with others.

    Such a term has no information in the partial likelihood: R drops it with an NA
    coefficient; here the user is told which one it is.
    """
    bad = ~np.isfinite(design.x)
    if bad.any():
        j = int(np.flatnonzero(bad.any(axis=0))[0])
        rows = design.rows[bad[:, j]][:5].tolist()
        raise DataError(
            f"cox: term {design.terms[j]!r} has infinite values at row position(s) {rows}; "
            "replace them with finite numbers or leave them missing"
        )
    # a stratum's baseline hazard absorbs any within-stratum constant, so centre per stratum
    x = design.x - pd.DataFrame(design.x).groupby(strata).transform("mean").to_numpy()
    scale = np.sqrt(np.mean(x**2, axis=0))
    raw_scale = np.maximum(np.abs(design.x).max(axis=0), 1.0)
    for j in np.flatnonzero(scale <= 1e-12 * raw_scale):
        term, cov = design.terms[j], design.covariate[j]
        where = " within every stratum" if len(np.unique(strata)) > 1 else ""
        kind = (
            f"covariate {cov!r} has a single level"
            if term != cov and design.reference[j] and term.endswith(f"[{design.reference[j]}]")
            else f"term {term!r} is constant{where}"
        )
        raise DataError(
            f"cox: {kind} among the {len(x)} usable rows, so it has no effect to estimate; "
            f"remove {cov!r} from covariates"
        )
    j = _first_dependent(((x / scale).T @ (x / scale)) / len(x))
    if j is not None:
        others = ", ".join(repr(t) for t in design.terms[:j])
        raise DataError(
            f"cox: term {design.terms[j]!r} is a linear combination of {others}"
            f"{' (within strata)' if len(np.unique(strata)) > 1 else ''}, so the model "
            "cannot separate their effects; remove one of them"
        )


def _first_dependent(corr: np.ndarray, tol: float = 1e-11) -> int | None:
    """First column explained by the earlier ones (1 - R^2 < tol), by a Cholesky sweep.

    Works on the p x p cross-product, so it costs nothing next to the fit.
    """
    p = len(corr)
    low = np.zeros((p, p))
    for j in range(p):
        rest = corr[j, j] - low[j, :j] @ low[j, :j]
        if rest < tol * corr[j, j]:
            return j
        low[j, j] = np.sqrt(rest)
        low[j + 1 :, j] = (corr[j + 1 :, j] - low[j + 1 :, :j] @ low[j, :j]) / low[j, j]
    return None


def merge_near_ties(time: np.ndarray) -> np.ndarray:
    """Treat times that differ by floating-point noise as tied, as R's coxph (``timefix``).

    R's ``aeqSurv``: consecutive distinct times closer than sqrt(machine epsilon), absolutely
    or relative to the mean absolute time, become the smaller one. Times computed two ways
    (days / 30.4375 versus a month count) then tie as they do in R.
    """
    tol = np.sqrt(np.finfo(float).eps)
    uniq = np.unique(time)
    if len(uniq) < 2:
        return time
    gap = np.diff(uniq)
    tied = (gap <= tol) | (gap / np.mean(np.abs(uniq)) <= tol)
    if not tied.any():
        return time
    cuts = uniq[np.r_[True, ~tied]]
    return cuts[np.searchsorted(cuts, time, side="right") - 1]
