"""Score residuals and the robust (sandwich) variance of a Cox fit, as R ``coxph(cluster=)``.

The score residual of a row is its contribution to the score (Therneau & Grambsch 2000, 3.7):

    U_i = sum over event times t of (x_i - xbar(t)) (dN_i(t) - Y_i(t) r_i dLambda(t))

With Efron ties an event time with ``d`` deaths has ``d`` terms; a dying row is in the ``k``-th
term's risk set with weight ``1 - k/d`` and its ``dN`` is shared equally (R's coxscore2 and
agscore3). ``dfbeta = U V`` (V the model-based variance) approximates each row's influence on
the estimate; summed within clusters, ``D' D`` is the robust variance of Lin & Wei (1989).
"""

from __future__ import annotations

import numpy as np

from ._cox_fit import RiskSets, term_sums
from ._cox_linalg import cholesky


def _per_event(rs: RiskSets, weights: np.ndarray) -> np.ndarray:
    """Sum over the terms of each event time of ``weights`` (one value or row per term)."""
    n = len(rs.event_time)
    if weights.ndim == 1:
        return np.bincount(rs.term_event, weights=weights, minlength=n)
    cols = [
        np.bincount(rs.term_event, weights=weights[:, j], minlength=n)
        for j in range(weights.shape[1])
    ]
    return np.column_stack(cols).reshape(n, weights.shape[1])


def score_residuals(rs: RiskSets, beta: np.ndarray) -> np.ndarray:
    """Score residuals of the rows of ``rs`` (its order), shape (m, p)."""
    ts = term_sums(rs, beta)
    inv = 1.0 / ts.den
    f = rs.term_frac
    haz = _per_event(rs, inv)  # increments of the cumulative hazard, per event time
    xhaz = _per_event(rs, ts.mean * inv[:, None])
    resid = -ts.risk[:, None] * (rs.x * rs.cover.row_sums(haz)[:, None] - rs.cover.row_sums(xhaz))
    dead = rs.dead
    k = rs.k2[dead]
    # a dying row is only (1 - k/d) in its own event time's k-th term: give the rest back
    back = _per_event(rs, f * inv)
    xback = _per_event(rs, (f * inv)[:, None] * ts.mean)
    resid[dead] += ts.risk[dead, None] * (rs.x[dead] * back[k, None] - xback[k])
    # dN: the death's covariates minus the average of its event time's term means
    counts = np.bincount(rs.term_event, minlength=len(rs.event_time))
    mean_avg = _per_event(rs, ts.mean) / np.maximum(counts, 1)[:, None]
    resid[dead] += rs.x[dead] - mean_avg[k]
    return resid


def cluster_sums(values: np.ndarray, clusters: np.ndarray, n_clusters: int) -> np.ndarray:
    """Sum the rows of ``values`` within each cluster code ``0..n_clusters-1``."""
    cols = [
        np.bincount(clusters, weights=values[:, j], minlength=n_clusters)
        for j in range(values.shape[1])
    ]
    return np.column_stack(cols).reshape(n_clusters, values.shape[1])


def robust_variance(
    rs: RiskSets, beta: np.ndarray, var: np.ndarray, clusters: np.ndarray, n_clusters: int
) -> np.ndarray:
    """``D' D`` with ``D`` the dfbeta residuals summed within clusters (codes per input row)."""
    dfbeta = score_residuals(rs, beta) @ var
    d = cluster_sums(dfbeta, clusters[rs.rows], n_clusters)
    out = d.T @ d
    return (out + out.T) / 2.0


def robust_score(rs: RiskSets, clusters: np.ndarray, n_clusters: int) -> float:
    """R's robust score test at beta = 0: ``u' (U'U)^-1 u`` with cluster-summed residuals."""
    resid = score_residuals(rs, np.zeros(rs.x.shape[1]))
    u_rows = cluster_sums(resid, clusters[rs.rows], n_clusters)
    u = u_rows.sum(axis=0)
    return float(u @ cholesky(u_rows.T @ u_rows).solve(u))
