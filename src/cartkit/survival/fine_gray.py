"""Fine-Gray proportional subdistribution hazards regression, computed as R ``cmprsk::crr``.

Subjects with a competing event stay in the risk set after their event with weight
``G(t-) / G(t_i-)``, ``G`` the Kaplan-Meier estimate of the censoring distribution (as ``crr``:
censoring KM read just before each time). The coefficients maximise the weighted partial
likelihood with crr's own Newton-Raphson (start at 0, step halving, stop when
``max|score| * max(|b|, 1) < 1e-6 * max(|loglik|, 1)``, at most 10 iterations), so they are the
same iterate crr returns. The standard errors are Fine and Gray's (1999) robust sandwich
``I^-1 (sum_i (eta_i + psi_i)(eta_i + psi_i)') I^-1``, whose ``psi`` term accounts for the
estimated censoring distribution, term by term as crr's ``crrvv``.
"""

from __future__ import annotations

import warnings
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd
from scipy import stats

from .._core.checks import check_conf_level, numeric_column
from .._core.frames import plain_text_result
from .._core.legacy import FrameAccess
from .._core.model_matrix import build_design
from .._core.results import RegressionResult, regression_columns
from ..errors import ConvergenceWarning, DataError
from ._cr_input import check_event, check_time

__all__ = ["FineGrayResult", "fine_gray"]

_COLUMNS = [*regression_columns("fine_gray"), "n", "n_events"]
# the DataFrame fine_gray returned before FineGrayResult, kept for the deprecated access
_OLD_COLUMNS = [
    "term", "coef", "se", "shr", "ci_lower", "ci_upper", "p_value", "covariate", "reference",
    "n", "n_events",
]  # fmt: skip
_GTOL = 1e-6
_MAX_ITER = 10


@dataclass(frozen=True, eq=False, kw_only=True, repr=False)
class FineGrayResult(FrameAccess, RegressionResult):
    """A Fine-Gray subdistribution hazards fit (a :class:`cartkit.results.RegressionResult`).

    Attributes
    ----------
    model : str
        ``"fine_gray"``.
    table : pandas.DataFrame
        One row per term: ``term, estimate, ci_lower, ci_upper, p_value, coef, se, shr,
        covariate, reference, n, n_events``. ``se`` is crr's robust standard error,
        ``estimate = shr = exp(coef)`` the subdistribution hazard ratio, the interval
        ``exp(coef +- z se)`` and ``p_value`` the two-sided Wald p-value (crr's ``summary``
        rounds it to two significant digits; this is not rounded); ``n`` and ``n_events``
        repeat the counts on every row.
    n, n_events, n_excluded : int
        Rows used, events of the cause among them, rows left out for a missing value.
    converged : bool
        Whether crr's Newton-Raphson converged in its 10 iterations.
    warnings : tuple of str
        The warnings the fit issued.
    conf_level : float
        Confidence level of the intervals.
    loglik : float
        Log pseudo-likelihood at the estimate.
    details : Mapping[str, Any]
        ``cause`` (the event code modelled) and ``iterations``.

    Notes
    -----
    Until the next release the result also reads as the DataFrame ``fine_gray`` used to
    return (``res["shr"]``, ``res.loc``, ``res.attrs["n"]``, ``len(res)``...), with a
    DeprecationWarning.
    """

    model: str = "fine_gray"

    _LEGACY_MESSAGE = (
        "ck.fine_gray now returns a FineGrayResult; use .table (and .n, .n_events, "
        ".converged, .details ... instead of .attrs). DataFrame access to the result goes in "
        "the next release"
    )

    def _legacy_frame(self) -> pd.DataFrame:
        frame = self.table[_OLD_COLUMNS].copy()
        frame.attrs.update(
            n=self.n,
            n_events=self.n_events,
            n_excluded=self.n_excluded,
            converged=self.converged,
            iterations=self.details["iterations"],
            loglik=self.loglik,
            cause=self.details["cause"],
        )
        return frame


class _Problem:
    """Sorted data, failure-time structure and censoring weights of one Fine-Gray fit.

    The weight of subject j in the risk set of failure time k is 1 while ``t_j >= s_k`` and
    ``G(s_k-) / G(t_j-)`` afterwards for a competing event (0 otherwise). Every sum over the
    risk set therefore splits into a suffix sum over subjects still at risk and ``G(s_k-)``
    times a prefix sum over earlier competing events, so each is O(n), never O(n x failures).
    """

    def __init__(self, t: np.ndarray, status: np.ndarray, x: np.ndarray):
        self.t, self.status = t, status
        self.x = x - x.mean(axis=0)  # the likelihood is shift-invariant; centring avoids overflow
        n, p = self.x.shape
        # censoring Kaplan-Meier, read just before each subject's time
        ct, inverse = np.unique(t, return_inverse=True)
        count = np.bincount(inverse, minlength=len(ct)).astype(float)
        at_risk = n - np.concatenate(([0.0], np.cumsum(count)[:-1]))
        cens = np.bincount(inverse, weights=(status == 0).astype(float), minlength=len(ct))
        g_after = np.cumprod(1.0 - cens / at_risk)
        g_before = np.concatenate(([1.0], g_after[:-1]))
        if ct[0] == 0:
            # crr reads the censoring KM at t * (1 - eps), which is t itself at time zero
            g_before[0] = g_after[0]
        self.g_minus = g_before[inverse]
        fail = status == 1
        self.fail_times, self.d = np.unique(t[fail], return_counts=True)
        self.d = self.d.astype(float)
        self.lo = np.searchsorted(t, self.fail_times, side="left")  # first subject at risk
        self.gk = self.g_minus[self.lo]
        self.fail_index = np.searchsorted(self.fail_times, t[fail])
        self.sum_x_fail = self.x[fail].sum(axis=0)
        # 1 / G(t_j-) for competing events, 0 for everyone else
        self.comp = np.where(status == 2, 1.0 / self.g_minus, 0.0)
        self.outer = (self.x[:, :, None] * self.x[:, None, :]).reshape(n, p * p)

    @staticmethod
    def _suffix(v: np.ndarray) -> np.ndarray:
        """``out[i] = sum(v[i:])`` with a trailing zero row."""
        out = np.zeros((len(v) + 1, *v.shape[1:]))
        out[:-1] = np.cumsum(v[::-1], axis=0)[::-1]
        return out

    @staticmethod
    def _prefix(v: np.ndarray) -> np.ndarray:
        """``out[i] = sum(v[:i])`` with a leading zero row."""
        out = np.zeros((len(v) + 1, *v.shape[1:]))
        out[1:] = np.cumsum(v, axis=0)
        return out

    def _risk_sum(self, v: np.ndarray) -> np.ndarray:
        """Weighted risk-set sum of per-subject values ``v`` at each failure time."""
        later = self._suffix(v)[self.lo]
        earlier = self._prefix(v * self.comp.reshape(-1, *([1] * (v.ndim - 1))))[self.lo]
        return later + self.gk.reshape(-1, *([1] * (v.ndim - 1))) * earlier

    def objective(self, b: np.ndarray) -> float:
        """Minus the log pseudo-likelihood (the function crr minimises)."""
        with np.errstate(over="ignore"):
            s0 = self._risk_sum(np.exp(self.x @ b))
            return float(self.d @ np.log(s0) - self.sum_x_fail @ b)

    def derivatives(self, b: np.ndarray):
        """Objective, gradient and Hessian (the information) at ``b``."""
        p = self.x.shape[1]
        r = np.exp(self.x @ b)
        s0 = self._risk_sum(r)
        xbar = self._risk_sum(r[:, None] * self.x) / s0[:, None]
        s2 = self._risk_sum(r[:, None] * self.outer).reshape(-1, p, p) / s0[:, None, None]
        info = np.einsum("k,kpq->pq", self.d, s2 - xbar[:, :, None] * xbar[:, None, :])
        f = float(self.d @ np.log(s0) - self.sum_x_fail @ b)
        grad = self.d @ xbar - self.sum_x_fail
        return f, grad, info, (r, s0, xbar)

    def robust_middle(self, b: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Information and the middle of the sandwich, ``sum_i (eta_i + psi_i)^2``."""
        _, _, info, (r, s0, xbar) = self.derivatives(b)
        t, status, x = self.t, self.status, self.x
        n, p = x.shape
        ck = self.d / s0  # increments of the Breslow subdistribution hazard
        # failure times up to each subject's time carry weight 1, later ones G(s_k-)/G(t_j-)
        nk = np.searchsorted(self.fail_times, t, side="right")
        cum0, cum1 = self._prefix(ck)[nk], self._prefix(ck[:, None] * xbar)[nk]
        gck = ck * self.gk
        tail0, tail1 = self._suffix(gck)[nk], self._suffix(gck[:, None] * xbar)[nk]
        a0 = cum0 + self.comp * tail0
        a1 = cum1 + self.comp[:, None] * tail1
        # eta: score residual of each subject (dN part minus its compensator)
        eta = -r[:, None] * (x * a0[:, None] - a1)
        fail = status == 1
        eta[fail] += x[fail] - xbar[self.fail_index]
        # psi: the part due to estimating the censoring distribution
        cens_times, n_cens = np.unique(t[status == 0], return_counts=True)
        psi = np.zeros((n, p))
        if len(cens_times):
            pos = np.searchsorted(t, cens_times, side="left")  # subjects before each time
            first = np.searchsorted(self.fail_times, cens_times, side="left")
            rc = r * self.comp
            c0, c1 = self._prefix(rc)[pos], self._prefix(rc[:, None] * x)[pos]
            g0, g1 = self._suffix(gck)[first], self._suffix(gck[:, None] * xbar)[first]
            q = g0[:, None] * c1 - c0[:, None] * g1
            at_risk = (n - pos).astype(float)
            cum = np.cumsum(-n_cens[:, None] * q / at_risk[:, None] ** 2, axis=0)
            m_of = np.searchsorted(cens_times, t, side="right") - 1  # last censoring time <= t_i
            has = m_of >= 0
            psi[has] = cum[m_of[has]]
            cen = status == 0
            mi = m_of[cen]
            psi[cen] += q[mi] / at_risk[mi][:, None]
        u = eta + psi
        return info, u.T @ u


def _fit(problem: _Problem, p: int) -> tuple[np.ndarray, bool, int, float]:
    """Newton-Raphson with step halving as crr; returns the iterate crr would return."""
    b = np.zeros(p)
    converged = False
    for it in range(_MAX_ITER + 1):
        f, grad, info, _ = problem.derivatives(b)
        if np.max(np.abs(grad) * np.maximum(np.abs(b), 1.0)) < max(abs(f), 1.0) * _GTOL:
            return b, True, it, f
        if it == _MAX_ITER:
            break
        step = -np.linalg.solve(info, grad)
        bn = b + step
        fbn = problem.objective(bn)
        halvings = 0
        while np.isnan(fbn) or fbn > f + 1e-4 * float(step @ grad):
            halvings += 1
            step = step * 0.5
            bn = b + step
            fbn = problem.objective(bn)
            if halvings > 20:
                break
        if halvings > 20:
            break
        b = bn
    return b, converged, it, problem.objective(b)


@plain_text_result
def fine_gray(
    df: pd.DataFrame,
    *,
    time: str,
    event: str,
    cause: int,
    covariates: Sequence[str],
    conf_level: float = 0.95,
    categorical: Sequence[str] = (),
    reference: Mapping[str, object] | None = None,
) -> FineGrayResult:
    """Fine-Gray regression of the subdistribution hazard of one cause, as R ``cmprsk::crr``.

    Parameters
    ----------
    df : pandas.DataFrame
        One row per subject.
    time : str
        Column of follow-up times (non-negative).
    event : str
        Column of event codes: 0 censored, 1, 2, ... causes; codes other than ``cause`` and 0
        are competing events (crr ``cencode = 0``).
    cause : int
        Event code of interest (crr ``failcode``).
    covariates : sequence of str
        Model covariates; text or categorical columns become ``"covariate[level]"`` terms
        against their reference level (see ``cartkit._core.model_matrix.build_design``).
    conf_level : float
        Level of the Wald intervals of the subdistribution hazard ratios.
    categorical : sequence of str
        Numeric covariates to treat as categorical.
    reference : mapping, optional
        Reference level of categorical covariates.

    Returns
    -------
    FineGrayResult
        ``table``: one row per term, ``term, estimate, ci_lower, ci_upper, p_value, coef, se,
        shr, covariate, reference, n, n_events`` (``estimate = shr``, the subdistribution
        hazard ratio); ``n``, ``n_events``, ``n_excluded``, ``converged``, ``warnings``,
        ``loglik``; ``details`` holds ``cause`` and ``iterations``. (It returned a DataFrame
        before; that access still works until the next release, with a DeprecationWarning.)

    Raises
    ------
    DataError
        Missing columns, negative times, bad event codes, no event of ``cause``, or a covariate
        constant among the rows used.
    """
    conf_level = check_conf_level(conf_level)
    try:
        cause_code = int(cause)
    except (TypeError, ValueError):
        raise DataError(f"cause must be a positive integer event code, got {cause!r}") from None
    if cause_code != cause or cause_code < 1:
        raise DataError(f"cause must be a positive integer event code, got {cause!r}")
    design = build_design(
        df,
        covariates,
        extra=[time, event],
        categorical=categorical,
        reference=reference,
        what="data",
    )
    data = df.iloc[design.rows]
    if len(data) == 0:
        raise DataError("data: no row has a value in every model column; fill in missing values")
    t = numeric_column(data, time, "data")
    check_time(data, time, t, "data")
    e = check_event(data, event, numeric_column(data, event, "data"), "data")
    n_events = int((e == cause_code).sum())
    if n_events == 0:
        codes = sorted(set(e[e > 0].tolist()))
        raise DataError(
            f"data: no event with code {cause_code} in column {event!r} among the {len(e)} "
            f"rows used (event codes present: {codes}); choose another cause"
        )
    x = design.x
    spread = x.max(axis=0) - x.min(axis=0) if len(x) else np.zeros(x.shape[1])
    if np.any(spread == 0):
        flat = [term for term, s in zip(design.terms, spread, strict=True) if s == 0]
        raise DataError(
            f"data: term(s) {flat} do not vary among the {len(x)} rows used; drop them from "
            "covariates"
        )
    order = np.argsort(t, kind="stable")
    status = np.where(e == cause_code, 1, np.where(e > 0, 2, 0))[order]
    problem = _Problem(t[order], status, x[order].astype(float))
    p = x.shape[1]
    b, converged, iterations, f = _fit(problem, p)
    issued = []
    if not converged:
        issued.append(
            f"Fine-Gray fit of cause {cause_code} did not converge in {_MAX_ITER} iterations "
            "(as crr would report); estimates may be unreliable"
        )
        warnings.warn(issued[-1], ConvergenceWarning, stacklevel=2)
    info, middle = problem.robust_middle(b)
    try:
        inv = np.linalg.inv(info)
    except np.linalg.LinAlgError:
        raise DataError(
            "data: the Fine-Gray information matrix is singular (collinear covariates or "
            "separation); simplify the model"
        ) from None
    var = inv @ middle @ inv.T
    se = np.sqrt(np.diag(var))
    z = stats.norm.ppf(0.5 + conf_level / 2.0)
    shr = np.exp(b)
    out = pd.DataFrame(
        {
            "term": list(design.terms),
            "estimate": shr,
            "ci_lower": np.exp(b - z * se),
            "ci_upper": np.exp(b + z * se),
            "p_value": 2.0 * stats.norm.sf(np.abs(b) / se),
            "coef": b,
            "se": se,
            "shr": shr,
            "covariate": list(design.covariate),
            "reference": list(design.reference),
            "n": len(t),
            "n_events": n_events,
        }
    )[_COLUMNS]
    return FineGrayResult(
        table=out,
        n=len(t),
        n_events=n_events,
        n_excluded=design.n_excluded,
        converged=converged,
        warnings=tuple(issued),
        conf_level=conf_level,
        loglik=-f,
        details={"cause": cause_code, "iterations": iterations},
    )
