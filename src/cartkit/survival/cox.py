"""Cox proportional hazards regression, exact to R ``survival::coxph`` (Efron or Breslow ties).

Right-censored or counting-process ``(start, stop]`` data (time-dependent covariates, delayed
entry), strata, and a robust variance clustered on a column (``coxph(..., cluster = id)``). The
fit is R's coxfit6 Newton-Raphson written here (:mod:`cartkit.survival._cox_fit`); see
docs/methods.md for why it is not statsmodels' PHReg.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from .._core.checks import check_conf_level, require_columns
from .._core.frames import plain_text_result
from .._core.model_matrix import build_design
from .._core.results import RegressionResult, Test
from ..errors import DataError
from ._cox_checks import (
    check_columns_identifiable,
    cluster_codes,
    event_indicator,
    follow_up_times,
    merge_near_ties,
    strata_codes,
)
from ._cox_fit import RiskSets, newton_raphson, prepare
from ._cox_result import result
from .zph import scaled_schoenfeld, zph_test

__all__ = ["Cox", "cox"]

TIES = ("efron", "breslow")


@dataclass(frozen=True, eq=False, kw_only=True, repr=False)
class Cox(RegressionResult):
    """A fitted Cox proportional hazards model (a :class:`cartkit.results.RegressionResult`).

    Attributes
    ----------
    model : str
        ``"cox"``.
    table : pandas.DataFrame
        One row per term: ``term, estimate, ci_lower, ci_upper, p_value, coef, se, hr,
        covariate, reference``. ``estimate = hr = exp(coef)``; the interval is the Wald
        interval at ``conf_level`` on the log scale; ``p_value`` is the Wald test.
        ``covariate`` names the input column and ``reference`` the reference level of a
        categorical term (``""`` for numeric). A robust fit has ``se`` = the robust SE (used
        by the interval and p-value, as R's ``summary.coxph``) and a last column ``naive_se``
        (the model-based SE, R's ``se(coef)``). A term in ``infinite`` has an infinite ``se``,
        interval (0, inf) and p-value 1.
    n, n_events, n_excluded : int
        Rows used, events among them, and rows left out for a missing value in the time,
        start, event, covariate, strata or cluster columns.
    converged : bool
        False when the log-likelihood did not converge in 20 iterations or a coefficient is
        infinite (see ``ConvergenceWarning``).
    warnings : tuple of str
        The warnings the fit issued.
    ties : str
        ``"efron"`` or ``"breslow"``.
    conf_level : float
        Confidence level of the intervals.
    loglik_null, loglik : float
        Log partial likelihood at zero coefficients and at the estimate.
    lr_test, wald_test, score_test : cartkit.results.Test
        The global tests of R ``summary.coxph``: likelihood ratio, Wald (with the robust
        variance in a robust fit) and score (log-rank), each with ``dof`` equal to the number
        of terms.
    covariance : pandas.DataFrame
        Variance-covariance matrix of the coefficients: the inverse observed information, or
        the robust (sandwich) variance in a robust fit.
    iterations : int
        Newton-Raphson iterations used.
    strata : tuple of str
        Stratification columns (empty when unstratified).
    start : str or None
        Column of interval starts of counting-process data (None for right-censored data).
    infinite : tuple of str
        Terms whose estimate runs to infinity (monotone likelihood; R's "Loglik converged
        before variable ...; coefficient may be infinite").
    robust : bool
        Whether ``se`` and ``covariance`` are the robust (sandwich) ones.
    cluster : str or None
        Column whose values define the clusters of the robust variance (None: each row).
    n_clusters : int
        Clusters of the robust variance (0 in a model-based fit).
    naive_covariance : pandas.DataFrame or None
        The model-based variance of a robust fit (R's ``naive.var``).
    robust_score_test : cartkit.results.Test or None
        R's robust score test (``summary.coxph``'s "Robust") of a robust fit.
    details : Mapping[str, Any]
        The attributes particular to Cox in one mapping, as other models have theirs:
        ``ties, iterations, strata, start, infinite, robust, cluster, n_clusters,
        loglik_null``.
    """

    model: str = "cox"
    ties: str
    loglik_null: float
    lr_test: Test
    wald_test: Test
    score_test: Test
    covariance: pd.DataFrame
    iterations: int
    strata: tuple[str, ...] = ()
    start: str | None = None
    infinite: tuple[str, ...] = ()
    robust: bool = False
    cluster: str | None = None
    n_clusters: int = 0
    naive_covariance: pd.DataFrame | None = None
    robust_score_test: Test | None = None
    _risk_sets: RiskSets | None = field(default=None, repr=False)
    _beta: np.ndarray | None = field(default=None, repr=False)
    _groups: tuple[tuple[str, tuple[int, ...]], ...] = field(default=(), repr=False)

    def __post_init__(self):
        if not self.details:
            names = ("ties", "iterations", "strata", "start", "infinite", "robust", "cluster")
            details = {name: getattr(self, name) for name in names}
            details.update(n_clusters=self.n_clusters, loglik_null=self.loglik_null)
            object.__setattr__(self, "details", details)
        super().__post_init__()

    @property
    @plain_text_result
    def tests(self) -> pd.DataFrame:
        """The global tests as a table: ``test, statistic, dof, p_value``.

        Likelihood ratio, Wald and score; a robust fit adds R's robust score test.
        """
        tests = [self.lr_test, self.wald_test, self.score_test]
        if self.robust_score_test is not None:
            tests.append(self.robust_score_test)
        return pd.DataFrame(
            [(t.test, t.statistic, t.dof, t.p_value) for t in tests],
            columns=["test", "statistic", "dof", "p_value"],
        )

    @plain_text_result
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

    @plain_text_result
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
    start: str | None = None,
    cluster: str | None = None,
    robust: bool = False,
) -> Cox:
    """Fit a Cox proportional hazards model.

    Parameters
    ----------
    df : pandas.DataFrame
        One row per subject, or with ``start`` one row per interval ``(start, time]`` of a
        subject (counting-process data, e.g. from :func:`counting_process`).
    time : str
        Column of follow-up times (>= 0); with ``start``, the end of each interval.
    event : str
        Column of event indicators: 1 (or True) for an event at ``time``, 0 (or False) for
        none (censored, or the interval continues in the subject's next row).
    covariates : str or sequence of str
        Columns entering the model. Numeric and boolean columns enter as numbers (True = 1);
        text columns and pandas Categoricals (and columns named in ``categorical``) become
        indicator terms ``"covariate[level]"`` against a reference level. With ``start``
        their values may change from one interval to the next (time-dependent covariates).
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
    start : str, optional
        Column of interval starts (>= 0, < ``time``): R's ``Surv(start, time, event)``. A row
        is at risk at an event time ``t`` when ``start < t <= time``, so a subject can enter
        late (left truncation) or be split into several rows whose covariates differ.
    cluster : str, optional
        Column identifying clusters of correlated rows (a subject's rows, a litter): the
        standard errors become R's robust ``coxph(..., cluster = id)`` ones.
    robust : bool
        A robust variance without ``cluster``: each row its own cluster (R ``robust =
        TRUE``); right-censored data only (counting-process rows of one subject need
        ``cluster``).

    Returns
    -------
    Cox

    Raises
    ------
    cartkit.errors.DataError
        Missing columns, negative times, an interval with start >= stop, event values other
        than 0/1, no events, a covariate that is constant (within strata) or a linear
        combination of others, ``robust`` on counting-process data without ``cluster``.

    Warns
    -----
    cartkit.errors.ConvergenceWarning
        Once, naming every term whose coefficient runs to infinity (monotone likelihood, e.g.
        no events in a level): those get an infinite SE, an interval (0, inf) and p = 1; the
        other terms are estimated as usual. Also when the iterations did not converge.

    Notes
    -----
    Rows with a missing value in any used column are left out (``n_excluded``). The fit is
    R's coxfit6: covariates centred and scaled, Newton-Raphson with step halving, stopping
    when the log-likelihood changes by a relative 1e-9 (docs/methods.md).
    """
    if ties not in TIES:
        raise DataError(f"cox: ties must be one of {TIES}, got {ties!r}")
    conf_level = check_conf_level(conf_level)
    strata_cols = [] if strata is None else ([strata] if isinstance(strata, str) else list(strata))
    extra = [c for c in (start, time, event, *strata_cols, cluster) if c is not None]
    require_columns(df, extra, "cox")
    if robust and cluster is None and start is not None:
        raise DataError(
            "cox: robust=True with counting-process data needs cluster=<the subject id "
            "column>, so that a subject's intervals form one cluster (R stops here too)"
        )
    design = build_design(
        df,
        covariates,
        extra=extra,
        categorical=categorical,
        reference=reference,
        what="cox",
    )
    used = df.iloc[design.rows]
    begin, stop = follow_up_times(used, time, start)
    dead = event_indicator(used, event)
    if not dead.any():
        raise DataError(
            f"cox: no events (value 1) in column {event!r} among the {len(used)} usable rows; "
            "a Cox model needs at least one event"
        )
    codes = strata_codes(used, strata_cols)
    check_columns_identifiable(design, codes)
    clusters, n_clusters = cluster_codes(used, cluster)
    if robust and clusters is None:
        clusters, n_clusters = np.arange(len(used)), len(used)

    if begin is None:
        stop = merge_near_ties(stop)
    else:
        both = merge_near_ties(np.concatenate([begin, stop]))
        begin, stop = both[: len(stop)], both[len(stop) :]
    rs = prepare(begin, stop, dead, design.x, codes, ties)
    fit = newton_raphson(rs)
    fields = result(fit, rs, design, conf_level, clusters, n_clusters)
    return Cox(
        ties=ties,
        conf_level=conf_level,
        strata=tuple(strata_cols),
        start=start,
        cluster=cluster,
        **fields,
    )
