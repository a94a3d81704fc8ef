"""Numbers behind the goodness-of-fit figures: predictions, residuals, shrinkage and the VPC.

* PRED: the prediction at the typical parameters (given the patient's covariates); IPRED: at the
  patient's conditional mode (EBE).
* IWRES ``= (y - IPRED) / sd``, on the error scale (log C for ``log_additive``).
* CWRES (Hooker, Staatz & Karlsson 2007): the model linearised around the EBE, as FOCE-I does;
  ``E_i = f(phi_i) - G_i eta_i``, ``C_i = G_i Omega G_i' + R_i``, ``CWRES_i = L_i^-1 (y_i - E_i)``
  with ``C_i = L_i L_i'`` (Cholesky), over a patient's quantified values.
* Values below the LLOQ have no residual (NaN); the VPC shows them as a fraction instead.
* Shrinkage ``= 1 - SD(eta_EBE) / omega`` (Savic & Karlsson 2009; the SD as NONMEM reports it).
* VPC: replicates of the study simulated from the fitted model at the same times (new
  parameters and residual errors per replicate, values below the LLOQ censored as in the data);
  per time bin, the 5th, 50th and 95th percentiles of the observed values against the median
  and 90% interval of the same percentiles over replicates, and the fraction below the LLOQ
  likewise (Bergstrand et al. 2009). A percentile that falls below the LLOQ is NaN.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from .design import Design
from .simulate import draw_observations
from .spec import Pop, Spec

__all__ = ["VPC_STATISTICS", "observation_table", "shrinkage", "time_bins", "vpc_table"]

#: the rows of a VPC table per bin: (statistic name, quantile or None for the BLQ fraction)
VPC_STATISTICS = (("p05", 0.05), ("p50", 0.5), ("p95", 0.95), ("blq_fraction", None))


def shrinkage(eta: np.ndarray, omega: np.ndarray) -> np.ndarray:
    """``1 - SD(eta) / omega`` per column of ``eta`` (SD with n - 1)."""
    eta = np.asarray(eta, dtype=float)
    if eta.shape[0] < 2:
        return np.full(eta.shape[1], np.nan)
    return 1.0 - eta.std(axis=0, ddof=1) / np.asarray(omega, dtype=float)


def _natural(spec, values):
    return np.exp(values) if spec.error.log_scale else values


def observation_table(
    design: Design, spec: Spec, pop: Pop, phi_ebe: np.ndarray, id: str, time: str
) -> pd.DataFrame:
    """One row per observation: observed, blq, lloq, pred, ipred, iwres, cwres.

    ``phi_ebe`` holds every patient's full parameter vector at the EBE ``(N, d)``.
    """
    ridx = spec.rand_idx
    scale = "log" if spec.error.log_scale else "natural"
    typical = pop.mean(spec, design.covariates)
    pred = spec.model.evaluate(typical, design.t, design.dose, scale=scale)
    ipred, jac = spec.model.evaluate(phi_ebe, design.t, design.dose, scale=scale, jac=True)
    u = spec.error.variance(ipred, pop.psi)
    quant = design.mask & ~design.cens
    iwres = np.where(quant, (design.y - ipred) / np.sqrt(u), np.nan)
    g = np.where(quant[..., None], jac[..., ridx], 0.0)
    eta = (phi_ebe - typical)[:, ridx]
    expect = ipred - np.einsum("njk,nk->nj", g, eta)
    cov = np.einsum("njk,k,nlk->njl", g, pop.omega[ridx] ** 2, g)
    # a value below the LLOQ (or padding) gets a unit variance and no covariance: its row of
    # the Cholesky factor is then trivial and leaves the quantified values' factor unchanged
    diagonal = np.arange(cov.shape[1])
    cov[:, diagonal, diagonal] += np.where(quant, u, 1.0)
    chol = np.linalg.cholesky(cov)
    resid = np.where(quant, design.y - expect, 0.0)
    cwres = np.linalg.solve(chol, resid[..., None])[..., 0]
    cwres = np.where(quant, cwres, np.nan)
    m = design.mask
    return pd.DataFrame(
        {
            id: np.repeat(design.ids, m.sum(axis=1)),
            time: design.t[m],
            "observed": design.conc[m],
            "blq": design.cens[m],
            "lloq": design.lloq[m],
            "pred": _natural(spec, pred)[m],
            "ipred": _natural(spec, ipred)[m],
            "iwres": iwres[m],
            "cwres": cwres[m],
            "row": design.rows[m],
        }
    )


def time_bins(times: np.ndarray, n_bins: int = 10) -> np.ndarray:
    """Bin edges between sampling times, at the widest gaps on a ``log(1 + t)`` scale.

    Visits cluster around nominal days; the widest gaps separate the clusters. Returns the
    inner edges (bin ``k`` holds ``edges[k-1] < t <= edges[k]``).
    """
    u = np.unique(np.asarray(times, dtype=float))
    if u.size <= n_bins:
        return 0.5 * (u[1:] + u[:-1])
    s = np.log1p(np.maximum(u, 0.0))
    gaps = np.diff(s)
    cut = np.sort(np.argsort(-gaps, kind="stable")[: n_bins - 1])
    return 0.5 * (u[cut] + u[cut + 1])


def _percentiles(values: np.ndarray, q: float) -> np.ndarray:
    # values (..., n) with -inf for censored: an order statistic, so censoring keeps its place
    return np.quantile(values, q, axis=-1, method="inverted_cdf")


def vpc_table(
    rng, design: Design, spec: Spec, pop: Pop, *, n_sim: int = 200, edges=None, pi: float = 0.90
) -> pd.DataFrame:
    """The VPC as data: one row per bin and statistic (see the module docstring).

    Columns: ``bin, time, time_lower, time_upper, n, statistic, observed, simulated,
    pi_lower, pi_upper``.
    """
    m = design.mask
    t = design.t[m]
    if edges is None:
        edges = time_bins(t)
    edges = np.asarray(edges, dtype=float)
    which = np.searchsorted(edges, t, side="left")
    sims = draw_observations(rng, spec, pop, design.covariates, design.t, design.dose, n_sim)
    lim = spec.error.to_scale(np.where(np.isfinite(design.lloq), design.lloq, 0.0))
    has_lim = np.isfinite(design.lloq)
    with np.errstate(invalid="ignore"):
        sim_cens = has_lim[None] & (sims < lim[None])
    sims = np.where(sim_cens, -np.inf, sims)[:, m]
    sim_cens = sim_cens[:, m]
    obs = np.where(design.cens, -np.inf, design.y)[m]
    obs_cens = design.cens[m]
    lo_q, hi_q = (1 - pi) / 2, 1 - (1 - pi) / 2
    rows = []
    for b in np.unique(which):
        sel = which == b
        tb = t[sel]
        for name, q in VPC_STATISTICS:
            if q is None:
                o = obs_cens[sel].mean()
                s = sim_cens[:, sel].mean(axis=1)
                qs = np.quantile(s, [lo_q, 0.5, hi_q])
            else:
                o = _percentiles(obs[sel], q)
                s = _percentiles(sims[:, sel], q)
                qs = np.quantile(s, [lo_q, 0.5, hi_q], method="inverted_cdf")
                o = float(_natural(spec, o)) if np.isfinite(o) else np.nan
                qs = np.where(np.isfinite(qs), _natural(spec, qs), np.nan)
            rows.append(
                (
                    int(b),
                    float(np.median(tb)),
                    float(tb.min()),
                    float(tb.max()),
                    int(sel.sum()),
                    name,
                    float(o),
                    float(qs[1]),
                    float(qs[0]),
                    float(qs[2]),
                )
            )
    return pd.DataFrame(
        rows,
        columns=[
            "bin",
            "time",
            "time_lower",
            "time_upper",
            "n",
            "statistic",
            "observed",
            "simulated",
            "pi_lower",
            "pi_upper",
        ],
    )
