"""From a Cox fit to the fields of the result: table, variances, global tests, warnings."""

from __future__ import annotations

import warnings
from collections.abc import Sequence

import numpy as np
import pandas as pd
from scipy import stats

from .._core.results import Test, regression_columns
from ..errors import ConvergenceWarning
from ._cox_fit import ITER_MAX, Fit, RiskSets
from ._cox_linalg import cholesky
from ._cox_robust import robust_score, robust_variance

TABLE_COLUMNS = regression_columns("cox")


def warn_if_not_finite(fit: Fit, terms: Sequence[str]) -> tuple[str, ...]:
    """One ConvergenceWarning naming the infinite terms, or saying the fit did not converge.

    Returns the message issued (none when the fit is finite and converged).
    """
    if fit.infinite.any():
        which = np.flatnonzero(fit.infinite)
        names = ", ".join(repr(terms[j]) for j in which)
        what = (
            f"coefficient of term {names} appears"
            if len(which) == 1
            else f"coefficients of terms {names} appear"
        )
        message = (
            f"cox: the {what} to be infinite (R: 'Loglik converged before variable ...; "
            "coefficient may be infinite'): the partial likelihood keeps increasing as it "
            "grows (monotone likelihood, e.g. no events in one level, or the covariate "
            "separates the events from the censored subjects). Its SE is reported as infinite "
            "and its hazard ratio, CI and p-value are not meaningful; the other terms are "
            "estimated as usual. Merge sparse levels, drop the term, or use a penalised "
            "(Firth) Cox model."
        )
    elif not fit.converged:
        message = (
            f"cox: Newton-Raphson did not converge in {ITER_MAX} iterations (R: 'Ran out of "
            "iterations and did not converge'); estimates may be inaccurate"
        )
    else:
        return ()
    warnings.warn(message, ConvergenceWarning, stacklevel=4)
    return (message,)


def _chi2_test(name: str, statistic: float, dof: int, n: int, n_events: int) -> Test:
    return Test(
        test=name,
        statistic=float(statistic),
        p_value=float(stats.chi2.sf(statistic, dof)),
        dof=float(dof),
        n=n,
        details={"n_events": n_events},
    )


def _mark_infinite(var: np.ndarray, infinite: np.ndarray) -> np.ndarray:
    out = var.copy()
    out[infinite, :] = 0.0
    out[:, infinite] = 0.0
    out[infinite, infinite] = np.inf
    return out


def result(
    fit: Fit,
    rs: RiskSets,
    design,
    conf_level: float,
    clusters: np.ndarray | None,
    n_clusters: int,
) -> dict:
    """The fields of :class:`cartkit.survival.cox.Cox` (all but the arguments echoed)."""
    terms = list(design.terms)
    issued = warn_if_not_finite(fit, terms)
    beta, p = fit.beta, len(fit.beta)
    n, n_events = len(rs.stop_all), int(rs.dead_all.sum())
    naive = _mark_infinite(fit.var, fit.infinite)
    robust = clusters is not None
    var = naive
    robust_test = None
    if robust:
        var = _mark_infinite(robust_variance(rs, beta, fit.var, clusters, n_clusters), fit.infinite)
        robust_test = _chi2_test(
            "robust score", robust_score(rs, clusters, n_clusters), p, n, n_events
        )
    se = np.sqrt(np.diag(var))
    z_crit = stats.norm.ppf(0.5 + conf_level / 2.0)
    with np.errstate(over="ignore", invalid="ignore"):
        hr, lower, upper = np.exp([beta, beta - z_crit * se, beta + z_crit * se])
        z = np.where(fit.infinite, 0.0, beta / se)
    columns = {
        "term": terms,
        "estimate": hr,
        "ci_lower": np.where(fit.infinite, 0.0, lower),
        "ci_upper": np.where(fit.infinite, np.inf, upper),
        "p_value": 2.0 * stats.norm.sf(np.abs(z)),
        "coef": beta,
        "se": se,
        "hr": hr,
        "covariate": list(design.covariate),
        "reference": list(design.reference),
    }
    if robust:
        columns["naive_se"] = np.sqrt(np.diag(naive))
    table = pd.DataFrame(columns, columns=[*TABLE_COLUMNS, *(["naive_se"] if robust else [])])

    finite = ~fit.infinite
    if robust:
        # R: coxph.wtest(robust var, coef), the Wald test of the sandwich
        b = beta[finite]
        wald = float(b @ cholesky(var[np.ix_(finite, finite)]).solve(b))
    else:
        wald = float(beta @ fit.info @ beta)
    groups: dict[str, list[int]] = {}
    for j, cov in enumerate(design.covariate):
        groups.setdefault(cov, []).append(j)
    return {
        "table": table,
        "n": n,
        "n_events": n_events,
        "n_excluded": design.n_excluded,
        "loglik_null": fit.loglik_null,
        "loglik": fit.loglik,
        "lr_test": _chi2_test(
            "likelihood ratio", 2.0 * (fit.loglik - fit.loglik_null), p, n, n_events
        ),
        "wald_test": _chi2_test("Wald", wald, p, n, n_events),
        "score_test": _chi2_test("score (log-rank)", fit.score_stat, p, n, n_events),
        "covariance": pd.DataFrame(var, index=terms, columns=terms),
        "converged": bool(fit.converged and not fit.infinite.any()),
        "warnings": issued,
        "iterations": fit.iterations,
        "infinite": tuple(terms[j] for j in np.flatnonzero(fit.infinite)),
        "robust": robust,
        "n_clusters": n_clusters if robust else 0,
        "naive_covariance": pd.DataFrame(naive, index=terms, columns=terms) if robust else None,
        "robust_score_test": robust_test,
        "_risk_sets": rs,
        "_beta": beta,
        "_groups": tuple((cov, tuple(cols)) for cov, cols in groups.items()),
    }
