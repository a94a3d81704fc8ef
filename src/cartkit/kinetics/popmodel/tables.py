"""Parameter tables of a fit: estimates with SEs from the observed information and Wald CIs.

Intervals are computed on the estimation scale (log of a typical value or an SD, logit of
``fb``, the coefficient itself for a covariate effect) and transformed back, so they respect the
parameter's range; SEs on the natural scale follow by the delta method.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from scipy.stats import chi2, norm

from .diagnostics import shrinkage
from .spec import Pop, Spec

__all__ = [
    "covariance_frame",
    "covariate_table",
    "omega_table",
    "population_table",
    "residual_table",
]


def _se(cov: np.ndarray, idx) -> np.ndarray:
    return np.sqrt(np.maximum(np.diag(cov)[idx], 0.0)) if cov.size else np.zeros(0)


def population_table(spec: Spec, pop: Pop, cov: np.ndarray, conf_level: float) -> pd.DataFrame:
    """Typical values: ``parameter, estimate, se, rse, ci_lower, ci_upper``."""
    model = spec.model
    z = norm.ppf(0.5 + conf_level / 2)
    se_phi = _se(cov, np.arange(spec.d))
    est = model.to_natural(pop.mu)
    se = np.abs(model.natural_derivative(pop.mu)) * se_phi
    return pd.DataFrame(
        {
            "parameter": list(model.parameters),
            "estimate": est,
            "se": se,
            "rse": 100 * se / np.abs(est),
            "ci_lower": model.to_natural(pop.mu - z * se_phi),
            "ci_upper": model.to_natural(pop.mu + z * se_phi),
        }
    )


def omega_table(
    spec: Spec, pop: Pop, cov: np.ndarray, eta: np.ndarray, conf_level: float
) -> pd.DataFrame:
    """Between-patient SDs: ``parameter, scale, sd, se, rse, ci_lower, ci_upper, shrinkage``."""
    z = norm.ppf(0.5 + conf_level / 2)
    ridx = spec.rand_idx
    at = spec.d + len(spec.terms) + np.arange(ridx.size)
    sd = pop.omega[ridx]
    se_log = _se(cov, at)
    return pd.DataFrame(
        {
            "parameter": [spec.model.parameters[m] for m in ridx],
            "scale": [spec.model.transforms[m] for m in ridx],
            "sd": sd,
            "se": sd * se_log,
            "rse": 100 * se_log,
            "ci_lower": sd * np.exp(-z * se_log),
            "ci_upper": sd * np.exp(z * se_log),
            "shrinkage": shrinkage(eta, sd),
        }
    )


def residual_table(spec: Spec, pop: Pop, cov: np.ndarray, conf_level: float) -> pd.DataFrame:
    """Residual SDs: ``parameter, estimate, se, rse, ci_lower, ci_upper``."""
    z = norm.ppf(0.5 + conf_level / 2)
    at = spec.d + len(spec.terms) + spec.rand_idx.size + np.arange(len(pop.psi))
    est = np.exp(pop.psi)
    se_log = _se(cov, at)
    return pd.DataFrame(
        {
            "parameter": list(spec.error.parameters),
            "estimate": est,
            "se": est * se_log,
            "rse": 100 * se_log,
            "ci_lower": est * np.exp(-z * se_log),
            "ci_upper": est * np.exp(z * se_log),
        }
    )


COVARIATE_COLUMNS = (
    "parameter",
    "term",
    "estimate",
    "se",
    "ci_lower",
    "ci_upper",
    "fold_change",
    "statistic",
    "dof",
    "p_value",
    "wald_p_value",
)


def covariate_table(
    spec: Spec, pop: Pop, cov, cov_names, loglik: float, reduced, conf_level: float
) -> pd.DataFrame:
    """Covariate effects with Wald CIs and the likelihood-ratio test of each (see result)."""
    z = norm.ppf(0.5 + conf_level / 2)
    if not spec.terms:
        return pd.DataFrame({c: [] for c in COVARIATE_COLUMNS})
    at = spec.d + np.arange(len(spec.terms))
    se = _se(cov, at)
    beta = pop.beta
    # the reduced model is nested, so its likelihood cannot exceed the full one's; a small
    # negative difference is Monte Carlo error of the two importance-sampling estimates
    stat = np.maximum(0.0, 2 * (loglik - np.asarray(reduced, dtype=float)))
    return pd.DataFrame(
        {
            "parameter": [spec.model.parameters[p] for p, _c in spec.terms],
            "term": [cov_names[c] for _p, c in spec.terms],
            "estimate": beta,
            "se": se,
            "ci_lower": beta - z * se,
            "ci_upper": beta + z * se,
            "fold_change": np.exp(beta),
            "statistic": stat,
            "dof": np.ones(len(beta), dtype=int),
            "p_value": chi2.sf(stat, 1),
            "wald_p_value": 2 * norm.sf(np.abs(beta / se)),
        }
    )


def covariance_frame(cov: np.ndarray, names) -> pd.DataFrame:
    """The covariance matrix labelled by parameter name."""
    return pd.DataFrame(cov, index=list(names), columns=list(names))
