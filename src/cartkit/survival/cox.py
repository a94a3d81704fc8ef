"""Cox proportional hazards regression, exact to R ``survival::coxph`` (Efron or Breslow ties).

The fit is a Newton-Raphson maximisation of the partial likelihood written here
(:mod:`cartkit.survival._cox_fit`); see docs/methods.md for why it is not statsmodels' PHReg.
"""

from __future__ import annotations

import warnings
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

import numpy as np
import pandas as pd
from scipy import stats

from .._core.checks import check_conf_level, numeric_column, require_columns
from .._core.model_matrix import build_design
from .._core.results import Test
from ..errors import ConvergenceWarning, DataError
from ._cox_checks import (
    check_columns_identifiable,
    event_indicator,
    merge_near_ties,
    strata_codes,
)
from ._cox_fit import RiskSets, infinite_terms, newton_raphson, prepare
from .zph import scaled_schoenfeld, zph_test

__all__ = ["Cox", "cox"]

TIES = ("efron", "breslow")
TABLE_COLUMNS = (
    "term",
    "coef",
    "se",
    "hr",
    "ci_lower",
    "ci_upper",
    "p_value",
    "covariate",
    "reference",
)


@dataclass(frozen=True, eq=False)
class Cox:
    """A fitted Cox proportional hazards model.

    Attributes
    ----------
    table : pandas.DataFrame
        One row per term: ``term, coef, se, hr, ci_lower, ci_upper, p_value, covariate,
        reference``. ``hr = exp(coef)``; the interval is the Wald interval at ``conf_level``
        on the log scale; ``p_value`` is the Wald test. ``covariate`` names the input column
        and ``reference`` the reference level of a categorical term (``""`` for numeric).
    n, n_events, n_excluded : int
        Observations used, events among them, and rows left out for a missing value in the
        time, event, covariate or strata columns.
    ties : str
        ``"efron"`` or ``"breslow"``.
    conf_level : float
        Confidence level of the intervals.
    loglik_null, loglik : float
        Log partial likelihood at zero coefficients and at the estimate.
    lr_test, wald_test, score_test : cartkit.results.Test
        The global tests of R ``summary.coxph``: likelihood ratio, Wald and score (log-rank),
        each with ``dof`` equal to the number of terms.
    covariance : pandas.DataFrame
        Variance-covariance matrix of the coefficients (inverse observed information).
    converged : bool
        False when the iterations stopped without a finite maximum (see ``ConvergenceWarning``).
    iterations : int
        Newton-Raphson iterations used.
    strata : tuple of str
        Stratification columns (empty when unstratified).
    """

    table: pd.DataFrame
    n: int
    n_events: int
    n_excluded: int
    ties: str
    conf_level: float
    loglik_null: float
    loglik: float
    lr_test: Test
    wald_test: Test
    score_test: Test
    covariance: pd.DataFrame
    converged: bool
    iterations: int
    strata: tuple[str, ...] = ()
    _risk_sets: RiskSets | None = field(default=None, repr=False)
    _beta: np.ndarray | None = field(default=None, repr=False)
    _groups: tuple[tuple[str, tuple[int, ...]], ...] = field(default=(), repr=False)

    @property
    def tests(self) -> pd.DataFrame:
        """The three global tests as a table: ``test, statistic, dof, p_value``."""
        return pd.DataFrame(
            [
                (t.test, t.statistic, t.dof, t.p_value)
                for t in (self.lr_test, self.wald_test, self.score_test)
            ],
            columns=["test", "statistic", "dof", "p_value"],
        )

    def ph_test(self, transform: str = "km") -> pd.DataFrame:
        """Test proportional hazards as R ``cox.zph(fit, transform)`` (survival >= 3.0).

        Parameters
        ----------
        transform : {"km", "identity", "rank", "log"}
            Function of time the log hazard ratio is tested against; R's default ``"km"``.

        Returns
        -------
        pandas.DataFrame
            ``term, statistic, dof, p_value``: one row per covariate (a categorical covariate
            is tested as a whole, ``term`` is its column name) and a final ``GLOBAL`` row.
        """
        return zph_test(self._risk_sets, self._beta, self._groups, transform)

    def ph_residuals(self, transform: str = "km") -> pd.DataFrame:
        """Scaled Schoenfeld residuals for a plot of beta(t), as R ``cox.zph(fit)$y``.

        Parameters
        ----------
        transform : {"km", "identity", "rank", "log"}
            Time scale of ``transformed_time`` (R's ``cox.zph(fit)$x``).

        Returns
        -------
        pandas.DataFrame
            ``time, transformed_time, term, estimate``: one row per event and covariate (a
            categorical covariate is collapsed to its linear predictor, coefficient 1).
            Under proportional hazards ``estimate`` scatters around the coefficient with no
            trend in ``transformed_time``.
        """
        return scaled_schoenfeld(self._risk_sets, self._beta, self._groups, transform)


def cox(
    df: pd.DataFrame,
    *,
    time: str,
    event: str,
    covariates: str | Sequence[str],
    ties: str = "efron",
    conf_level: float = 0.95,
    strata: str | Sequence[str] | None = None,
    categorical: Sequence[str] = (),
    reference: Mapping[str, object] | None = None,
) -> Cox:
    """Fit a Cox proportional hazards model.

    Parameters
    ----------
    df : pandas.DataFrame
        One row per subject.
    time : str
        Column of follow-up times (>= 0).
    event : str
        Column of event indicators: 1 (or True) for an event, 0 (or False) for censoring.
    covariates : str or sequence of str
        Columns entering the model. Numeric and boolean columns enter as numbers (True = 1);
        text columns and pandas Categoricals (and columns named in ``categorical``) become
        indicator terms ``"covariate[level]"`` against a reference level.
    ties : {"efron", "breslow"}
        Handling of tied event times; Efron is R's default.
    conf_level : float
        Confidence level of the hazard-ratio intervals.
    strata : str or sequence of str, optional
        Columns whose combinations define strata with separate baseline hazards (R
        ``strata()``); they get no coefficient.
    categorical : sequence of str
        Numeric columns to treat as categorical.
    reference : mapping, optional
        Reference level per categorical covariate; default the first level (sorted).

    Returns
    -------
    Cox

    Raises
    ------
    cartkit.errors.DataError
        Missing columns, negative times, event values other than 0/1, no events, a covariate
        that is constant (within strata) or a linear combination of others.

    Warns
    -----
    cartkit.errors.ConvergenceWarning
        When a coefficient appears infinite (monotone likelihood, e.g. no events in a level),
        naming the term; its estimate and standard error are then not meaningful.

    Notes
    -----
    Rows with a missing value in any used column are left out (``n_excluded``).
    """
    if ties not in TIES:
        raise DataError(f"cox: ties must be one of {TIES}, got {ties!r}")
    conf_level = check_conf_level(conf_level)
    strata_cols = [] if strata is None else ([strata] if isinstance(strata, str) else list(strata))
    require_columns(df, [time, event, *strata_cols], "cox")
    design = build_design(
        df,
        covariates,
        extra=[time, event, *strata_cols],
        categorical=categorical,
        reference=reference,
        what="cox",
    )
    used = df.iloc[design.rows]
    t = numeric_column(used, time, "cox")
    infinite = ~np.isfinite(t)
    if infinite.any():
        idx = used.index[infinite][:5].tolist()
        raise DataError(
            f"cox: column {time!r} has infinite time(s) at index {idx}; give the last "
            "follow-up time instead"
        )
    negative = t < 0
    if negative.any():
        idx = used.index[negative][:5].tolist()
        raise DataError(
            f"cox: column {time!r} has {int(negative.sum())} negative time(s) at index {idx} "
            f"(e.g. {t[negative][0]!r}); times are measured from the time origin and must be >= 0"
        )
    dead = event_indicator(used, event)
    if not dead.any():
        raise DataError(
            f"cox: no events (value 1) in column {event!r} among the {len(used)} usable rows; "
            "a Cox model needs at least one event"
        )
    codes = strata_codes(used, strata_cols)
    check_columns_identifiable(design, codes)

    rs = prepare(merge_near_ties(t), dead, design.x, codes, ties)
    fit = newton_raphson(rs)
    _warn_if_infinite(fit, rs, design.terms)
    return _result(fit, rs, design, ties, conf_level, tuple(strata_cols))


def _warn_if_infinite(fit, rs: RiskSets, terms: Sequence[str]) -> None:
    bad = infinite_terms(rs, fit.last_step)
    if bad.any():
        which = np.flatnonzero(bad)
        names = ", ".join(repr(terms[j]) for j in which)
        what = (
            f"coefficient of term {names} appears"
            if len(which) == 1
            else (f"coefficients of terms {names} appear")
        )
        warnings.warn(
            f"cox: the {what} to be infinite: the partial likelihood keeps increasing as it "
            "grows (monotone likelihood, e.g. no events in one level, or the covariate "
            "separates the events from the censored subjects). Its estimate, SE, hazard "
            "ratio and p-value are not meaningful; merge sparse levels, drop the term, or use "
            "a penalised (Firth) Cox model.",
            ConvergenceWarning,
            stacklevel=3,
        )
    elif not fit.converged:
        warnings.warn(
            f"cox: Newton-Raphson did not converge in {fit.iterations} iterations; "
            "estimates may be inaccurate",
            ConvergenceWarning,
            stacklevel=3,
        )


def _chi2_test(name: str, statistic: float, dof: int, n: int, n_events: int) -> Test:
    return Test(
        test=name,
        statistic=float(statistic),
        p_value=float(stats.chi2.sf(statistic, dof)),
        dof=float(dof),
        n=n,
        details={"n_events": n_events},
    )


def _covariance(info: np.ndarray, x: np.ndarray, terms: Sequence[str]) -> np.ndarray:
    """The inverse information; a term left with no information gets an infinite variance.

    On a monotone likelihood with a covariate on a large scale (copies/µg DNA), the fitted
    weights concentrate on one subject per risk set and that term's information underflows to
    zero before the step test sees a divergence: the coefficient is infinite, as R's coxph
    warns ("coefficient may be infinite"), and its SE is infinite rather than a crash.
    """
    try:
        var = np.linalg.inv(info)
        if np.all(np.isfinite(var)) and np.all(np.diag(var) > 0):
            return var
    except np.linalg.LinAlgError:
        pass
    scale = np.sqrt(np.mean(x**2, axis=0))
    scale[scale == 0] = 1.0
    standard = np.diag(info) * scale**2
    bad = standard <= 1e-10 * max(float(np.max(standard)), 1e-300)
    if bad.all():
        bad = np.ones_like(bad)
    var = np.zeros_like(info)
    good = ~bad
    if good.any():
        var[np.ix_(good, good)] = np.linalg.pinv(info[np.ix_(good, good)])
    var[bad, bad] = np.inf
    names = ", ".join(repr(terms[j]) for j in np.flatnonzero(bad))
    warnings.warn(
        f"cox: no information is left on term(s) {names}: the coefficient appears to be "
        "infinite (monotone likelihood: the covariate orders the events). Its SE is infinite "
        "and its hazard ratio, CI and p-value are not meaningful; drop or transform the term "
        "(e.g. log10 of a concentration), or use a penalised (Firth) Cox model.",
        ConvergenceWarning,
        stacklevel=4,
    )
    return var


def _result(fit, rs: RiskSets, design, ties: str, conf_level: float, strata) -> Cox:
    beta = fit.beta
    p = len(beta)
    var = _covariance(fit.info, rs.x, design.terms)
    with np.errstate(invalid="ignore"):
        var = (var + var.T) / 2.0
    se = np.sqrt(np.diag(var))
    z_crit = stats.norm.ppf(0.5 + conf_level / 2.0)
    # an infinite coefficient (already warned about) gives an infinite upper limit, not noise
    with np.errstate(over="ignore"):
        hr, lower, upper = np.exp([beta, beta - z_crit * se, beta + z_crit * se])
    table = pd.DataFrame(
        {
            "term": list(design.terms),
            "coef": beta,
            "se": se,
            "hr": hr,
            "ci_lower": lower,
            "ci_upper": upper,
            "p_value": 2.0 * stats.norm.sf(np.abs(beta / se)),
            "covariate": list(design.covariate),
            "reference": list(design.reference),
        },
        columns=list(TABLE_COLUMNS),
    )
    n, n_events = len(rs.time), int(rs.dead.sum())
    u0 = fit.score_null
    score_stat = float(u0 @ np.linalg.solve(fit.info_null, u0))
    wald_stat = float(beta @ fit.info @ beta)
    lr_stat = 2.0 * (fit.loglik - fit.loglik_null)
    groups: dict[str, list[int]] = {}
    for j, cov in enumerate(design.covariate):
        groups.setdefault(cov, []).append(j)
    terms = list(design.terms)
    return Cox(
        table=table,
        n=n,
        n_events=n_events,
        n_excluded=design.n_excluded,
        ties=ties,
        conf_level=conf_level,
        loglik_null=fit.loglik_null,
        loglik=fit.loglik,
        lr_test=_chi2_test("likelihood ratio", lr_stat, p, n, n_events),
        wald_test=_chi2_test("Wald", wald_stat, p, n, n_events),
        score_test=_chi2_test("score (log-rank)", score_stat, p, n, n_events),
        covariance=pd.DataFrame(var, index=terms, columns=terms),
        converged=fit.converged,
        iterations=fit.iterations,
        strata=strata,
        _risk_sets=rs,
        _beta=beta,
        _groups=tuple((cov, tuple(cols)) for cov, cols in groups.items()),
    )
