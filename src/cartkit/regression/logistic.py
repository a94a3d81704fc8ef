"""Logistic regression: maximum likelihood (R ``glm``) or Firth penalised likelihood (``logistf``).

Wald or profile-likelihood confidence intervals; separation detected and named.
"""

from __future__ import annotations

import warnings
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd
from scipy import optimize, stats

from .._core.checks import check_conf_level, require_columns
from .._core.frames import plain_text_result
from .._core.legacy import FrameAccess
from .._core.model_matrix import build_design
from .._core.results import RegressionResult, regression_columns
from ..errors import ConvergenceWarning, DataError
from ._glm import firth_fit, glm_fit
from ._profile import firth_profile, mass_profile_ci

__all__ = ["LOGISTIC_COLUMNS", "LogisticResult", "logistic"]

#: columns of the table of :func:`logistic`'s result, in this order
LOGISTIC_COLUMNS = regression_columns("logistic")
# the DataFrame logistic returned before LogisticResult, kept for the deprecated access
_OLD_COLUMNS = [
    "term", "coef", "se", "odds_ratio", "ci_lower", "ci_upper", "p_value", "covariate",
    "reference",
]  # fmt: skip
INTERCEPT = "(Intercept)"


@dataclass(frozen=True, eq=False, kw_only=True, repr=False)
class LogisticResult(FrameAccess, RegressionResult):
    """A fitted logistic regression model (a :class:`cartkit.results.RegressionResult`).

    Attributes
    ----------
    model : str
        ``"logistic"`` (maximum likelihood, R ``glm``) or ``"firth"`` (R ``logistf``).
    table : pandas.DataFrame
        One row per term, the intercept first as ``"(Intercept)"``: ``term, estimate,
        ci_lower, ci_upper, p_value, coef, se, odds_ratio, covariate, reference``;
        ``estimate = odds_ratio = exp(coef)`` and the interval is on the odds-ratio scale.
    n, n_events, n_excluded : int
        Complete cases used, events among them, and incomplete rows left out.
    converged : bool
        Whether the iterations converged.
    warnings : tuple of str
        The warnings the fit issued (separation under maximum likelihood, no convergence).
    conf_level : float
        Confidence level of the intervals.
    loglik : float
        Log-likelihood at the estimate (penalised for Firth).
    details : Mapping[str, Any]
        ``method`` (``"ml"`` or ``"firth"``), ``ci`` (``"wald"`` or ``"profile"``),
        ``separation`` (tuple of the terms found separated, whatever the method) and
        ``iterations``.

    Notes
    -----
    Until the next release the result also reads as the DataFrame ``logistic`` used to return
    (``res["odds_ratio"]``, ``res.loc``, ``res.attrs["n"]``, ``len(res)``...), with a
    DeprecationWarning.
    """

    model: str = "logistic"

    _LEGACY_MESSAGE = (
        "ck.logistic now returns a LogisticResult; use .table (and .n, .n_events, .converged, "
        ".details ... instead of .attrs). DataFrame access to the result goes in the next "
        "release"
    )

    def _legacy_frame(self) -> pd.DataFrame:
        frame = self.table[_OLD_COLUMNS].copy()
        frame.attrs.update(
            n=self.n,
            n_events=self.n_events,
            n_excluded=self.n_excluded,
            method=self.details["method"],
            ci=self.details["ci"],
            conf_level=self.conf_level,
            loglik=self.loglik,
            converged=self.converged,
            separation=list(self.details["separation"]),
        )
        return frame


def _outcome_values(df: pd.DataFrame, outcome: str) -> np.ndarray:
    s = df[outcome]
    values = s.dropna()
    if pd.api.types.is_bool_dtype(values.dtype):
        return s.astype("float64").to_numpy()
    numeric = pd.to_numeric(values, errors="coerce")
    bad = values[numeric.isna() | ~numeric.isin([0, 1])]
    if len(bad):
        raise DataError(
            f"outcome {outcome!r} must be 0/1 or True/False; found {bad.iloc[0]!r} at index "
            f"{bad.index[0]} ({len(bad)} such row(s)); recode it as 1 = event, 0 = no event"
        )
    return pd.to_numeric(s, errors="coerce").to_numpy(dtype="float64")


def _check_design(x: np.ndarray, terms: list[str], owners: list[str]) -> None:
    """Constant and collinear columns make the model unidentifiable: say which, and why."""
    for j in range(1, x.shape[1]):
        col = x[:, j]
        if np.all(col == col[0]):
            raise DataError(
                f"covariate {owners[j]!r} (term {terms[j]!r}) has the same value {col[0]:g} in "
                f"every complete case, so its effect cannot be estimated; drop it from covariates"
            )
    rank = np.linalg.matrix_rank(x)
    if rank < x.shape[1]:
        # the last terms that add nothing to the span of the earlier ones
        aliased = []
        for j in range(1, x.shape[1]):
            if np.linalg.matrix_rank(x[:, : j + 1]) <= np.linalg.matrix_rank(x[:, :j]):
                aliased.append(terms[j])
        raise DataError(
            f"the covariates are collinear: term(s) {aliased} are linear combinations of the "
            f"other terms (R would report NA for them); drop or merge these covariates"
        )


def separated_terms(x: np.ndarray, y: np.ndarray, terms: Sequence[str]) -> list[str]:
    """Terms whose ML estimates are infinite through complete or quasi-complete separation.

    Solves the linear programme of Konis (2007): a direction b with (2y - 1) x'b >= 0 for every
    row and strict inequality for some exists exactly when the ML estimate does not exist; the
    non-zero components of b name the terms involved.
    """
    scale = np.max(np.abs(x), axis=0)
    scale[scale == 0] = 1.0
    xs = x / scale
    s = 2.0 * y - 1.0
    a = -(s[:, None] * xs)
    res = optimize.linprog(
        c=a.sum(axis=0), A_ub=a, b_ub=np.zeros(len(y)), bounds=[(-1, 1)] * x.shape[1]
    )
    if res.status != 0 or -res.fun < 1e-7:
        return []
    return [t for t, b in zip(terms, res.x, strict=True) if abs(b) > 1e-7 and t != INTERCEPT]


@plain_text_result
def logistic(
    df: pd.DataFrame,
    *,
    outcome: str,
    covariates: Sequence[str],
    method: str = "ml",
    ci: str = "wald",
    conf_level: float = 0.95,
    categorical: Sequence[str] = (),
    reference: Mapping[str, object] | None = None,
) -> LogisticResult:
    """Fit a binary logistic regression model.

    Parameters
    ----------
    df : pandas.DataFrame
        One row per subject.
    outcome : str
        Column coded 1/True (event) and 0/False.
    covariates : sequence of str
        Columns entering the model. Text and categorical columns become one indicator term per
        non-reference level, named ``"covariate[level]"`` (see ``cartkit._core.model_matrix``).
    method : {"ml", "firth"}
        Maximum likelihood as R ``glm(family = binomial)``, or Firth's penalised likelihood as R
        ``logistf`` (finite estimates under separation; for few events).
    ci : {"wald", "profile"}
        Wald intervals (R ``confint.default``) or profile-likelihood intervals: for ML as R's
        ``confint`` on a ``glm`` (MASS profile and spline interpolation), for Firth the profile
        penalised likelihood of ``logistf``. With ``method="firth"`` and ``ci="profile"`` (R
        ``logistf`` defaults) p-values are penalised likelihood-ratio tests; otherwise Wald.
    conf_level : float
        Confidence level of the intervals.
    categorical : sequence of str
        Numeric columns to treat as categorical.
    reference : mapping, optional
        Reference level per categorical covariate (default: the first level).

    Returns
    -------
    LogisticResult
        ``table``: one row per term, the intercept first as ``"(Intercept)"``, with columns
        ``term, estimate, ci_lower, ci_upper, p_value, coef, se, odds_ratio, covariate,
        reference`` (``estimate`` is the odds ratio; the interval is on its scale); ``n``,
        ``n_events``, ``n_excluded`` (incomplete rows), ``converged``, ``warnings``,
        ``loglik``; ``details`` holds ``method``, ``ci``, ``separation`` (terms found
        separated) and ``iterations``. (It returned a DataFrame before; that access still
        works until the next release, with a DeprecationWarning.)

    Raises
    ------
    DataError
        Missing columns, an outcome that is not binary or has one value only, no complete case,
        a constant or collinear covariate.

    Warns
    -----
    ConvergenceWarning
        Separation under maximum likelihood (the named terms have infinite estimates; use
        ``method="firth"``), or a fit that did not converge.
    """
    if method not in ("ml", "firth"):
        raise DataError(f"method must be 'ml' or 'firth', got {method!r}")
    if ci not in ("wald", "profile"):
        raise DataError(f"ci must be 'wald' or 'profile', got {ci!r}")
    level = check_conf_level(conf_level)
    if isinstance(covariates, str):
        covariates = [covariates]
    require_columns(df, [outcome, *covariates], "logistic data")
    if outcome in covariates:
        raise DataError(f"outcome {outcome!r} is also listed among the covariates")
    for cov in covariates:
        if df[cov].isna().all():
            raise DataError(
                f"covariate {cov!r} is missing in every row; drop it or supply its values"
            )
    y_all = _outcome_values(df, outcome)
    design = build_design(
        df.assign(**{outcome: y_all}),
        covariates,
        extra=[outcome],
        categorical=categorical,
        reference=reference,
        what="logistic data",
    )
    n = len(design.rows)
    if n == 0:
        raise DataError(
            f"no row has {outcome!r} and all of {list(covariates)} observed; check missing values"
        )
    y = y_all[design.rows]
    n_events = int(y.sum())
    if n_events in (0, n):
        raise DataError(
            f"outcome {outcome!r} is {int(y[0])} in all {n} complete cases; a logistic model "
            f"needs both events and non-events"
        )
    x = np.column_stack([np.ones(n), design.x])
    terms = [INTERCEPT, *design.terms]
    owners = ["", *design.covariate]
    refs = ["", *design.reference]
    _check_design(x, terms, owners)

    separated = separated_terms(x, y, terms)
    z = stats.norm.ppf(1 - (1 - level) / 2)
    issued = []
    if method == "ml":
        if separated:
            issued.append(
                f"separation: {outcome!r} is (quasi-)perfectly predicted by {separated}, so "
                f"their maximum-likelihood estimates are infinite (the coefficients, standard "
                f"errors and p-values shown are meaningless); use method='firth'"
            )
            warnings.warn(issued[-1], ConvergenceWarning, stacklevel=2)
        fit, dev = glm_fit(x, y)
        se = np.sqrt(np.diag(fit.cov))
        p_value = 2 * stats.norm.sf(np.abs(fit.coef / se))
        if ci == "profile":
            try:
                bounds = mass_profile_ci(x, y, fit.coef, se, dev, level)
            except ArithmeticError:
                # under separation the "optimum" is not one, and R stops here too
                bounds = np.full((len(terms), 2), np.nan)
        else:
            bounds = np.column_stack([fit.coef - z * se, fit.coef + z * se])
    else:
        fit = firth_fit(x, y)
        se = np.sqrt(np.diag(fit.cov))
        if ci == "profile":
            bounds, _, p_value = firth_profile(x, y, fit.coef, se, fit.loglik, level)
        else:
            bounds = np.column_stack([fit.coef - z * se, fit.coef + z * se])
            p_value = 2 * stats.norm.sf(np.abs(fit.coef / se))
    if not fit.converged:
        issued.append(
            f"the {method} fit did not converge in {fit.iterations} iterations; estimates are "
            f"unreliable (check for separation or extreme covariate values)"
        )
        warnings.warn(issued[-1], ConvergenceWarning, stacklevel=2)
    with np.errstate(over="ignore"):  # an infinite odds ratio is the honest value
        odds, lower, upper = np.exp(fit.coef), np.exp(bounds[:, 0]), np.exp(bounds[:, 1])
    table = pd.DataFrame(
        {
            "term": terms,
            "estimate": odds,
            "ci_lower": lower,
            "ci_upper": upper,
            "p_value": p_value,
            "coef": fit.coef,
            "se": se,
            "odds_ratio": odds,
            "covariate": owners,
            "reference": refs,
        },
        columns=list(LOGISTIC_COLUMNS),
    )
    return LogisticResult(
        model="logistic" if method == "ml" else "firth",
        table=table,
        n=n,
        n_events=n_events,
        n_excluded=design.n_excluded,
        converged=bool(fit.converged),
        warnings=tuple(issued),
        conf_level=level,
        loglik=fit.loglik,
        details={
            "method": method,
            "ci": ci,
            "separation": tuple(separated),
            "iterations": int(fit.iterations),
        },
    )
