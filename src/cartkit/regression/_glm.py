"""Binary logistic fits: R's glm.fit IRLS (maximum likelihood) and Firth's penalised likelihood.

The ML fit repeats R's ``glm.fit`` step for step (start from ``mu = (y + 0.5) / 2``, iteratively
reweighted least squares, stop when the relative change of the deviance is below 1e-8) because
R reports the covariance from the weights of the *last* IRLS iteration, computed before the last
update; a fully converged information matrix differs from R's standard errors at about 1e-7.

The Firth fit is Newton-Raphson on the exact Hessian of the penalised log-likelihood, written to
keep full accuracy near separation (see ``firth_fit`` and docs/methods.md).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy import special

_EPS = np.finfo(float).eps
_THRESH = -np.log(_EPS)  # R's logit link clamps eta beyond +-log(1/eps)


@dataclass(frozen=True)
class Fit:
    coef: np.ndarray
    cov: np.ndarray
    loglik: float  # log-likelihood, penalised for Firth
    converged: bool
    iterations: int


def linkinv(eta: np.ndarray) -> np.ndarray:
    """Inverse logit with R's clamping (mu never exactly 0 or 1)."""
    e = np.exp(np.clip(eta, -_THRESH, _THRESH))
    e = np.where(eta < -_THRESH, _EPS, np.where(eta > _THRESH, 1.0 / _EPS, e))
    return e / (1.0 + e)


def _mu_eta(eta: np.ndarray) -> np.ndarray:
    e = np.exp(np.clip(eta, -30.0, 30.0))
    return np.where(np.abs(eta) > 30.0, _EPS, e / (1.0 + e) ** 2)


def deviance(y: np.ndarray, mu: np.ndarray) -> float:
    """Binomial deviance with y log y = 0 at y = 0."""
    with np.errstate(divide="ignore", invalid="ignore"):
        a = np.where(y > 0, y * np.log(y / mu), 0.0)
        b = np.where(y < 1, (1 - y) * np.log((1 - y) / (1 - mu)), 0.0)
    return float(2.0 * np.sum(a + b))


def loglik(y: np.ndarray, eta: np.ndarray) -> float:
    """Bernoulli log-likelihood at linear predictor ``eta`` (numerically stable)."""
    return float(np.sum(y * eta - np.logaddexp(0.0, eta)))


def glm_fit(
    x: np.ndarray,
    y: np.ndarray,
    offset: np.ndarray | None = None,
    etastart: np.ndarray | None = None,
    epsilon: float = 1e-8,
    maxit: int = 25,
) -> tuple[Fit, float]:
    """R's ``glm.fit`` for the binomial family with logit link; returns (fit, deviance)."""
    n, p = x.shape
    offset = np.zeros(n) if offset is None else offset
    if p == 0:
        mu = linkinv(offset)
        fit = Fit(np.empty(0), np.empty((0, 0)), loglik(y, offset), True, 0)
        return fit, deviance(y, mu)
    eta = np.log((y + 0.5) / (1.5 - y)) if etastart is None else np.asarray(etastart, float)
    mu = linkinv(eta)
    devold = deviance(y, mu)
    coef = np.zeros(p)
    converged = False
    it = 0
    r_mat = None
    for it in range(1, maxit + 1):  # noqa: B007 - the count is reported
        mu_eta = _mu_eta(eta)
        z = eta - offset + (y - mu) / mu_eta
        w = np.sqrt(mu_eta**2 / (mu * (1 - mu)))
        q, r_mat = np.linalg.qr(x * w[:, None])
        coef = np.linalg.solve(r_mat, q.T @ (z * w))
        eta = x @ coef + offset
        mu = linkinv(eta)
        dev = deviance(y, mu)
        if abs(dev - devold) / (abs(dev) + 0.1) < epsilon:
            converged = True
            break
        devold = dev
    r_inv = np.linalg.inv(r_mat)
    cov = r_inv @ r_inv.T
    return Fit(coef, cov, loglik(y, eta), converged, it), dev


@dataclass(frozen=True)
class _Firth:
    """Penalised log-likelihood and its derivatives at one coefficient vector."""

    pl: float
    score: np.ndarray  # gradient of pl
    neg_hessian: np.ndarray  # -d2 pl: the exact curvature, for Newton steps
    r_mat: np.ndarray  # R of the QR of W^1/2 X: Fisher information R'R, covariance inv(R'R)
    rounding: float  # differences of pl below this are rounding noise, not progress


_NOWHERE = _Firth(-np.inf, np.empty(0), np.empty((0, 0)), np.empty((0, 0)), 0.0)


def _firth_parts(x: np.ndarray, y: np.ndarray, beta: np.ndarray) -> _Firth:
    """Firth's penalised log-likelihood ``l + 1/2 log|X'WX|``, its score and exact Hessian.

    Written for accuracy where Firth is used, near separation: mu and 1 - mu are each an
    ``expit`` (never ``1 - expit``, which loses every digit of a small 1 - mu), ``y - mu`` and
    ``1/2 - mu`` avoid cancellation, and the hat values and ``log|X'WX|`` come from a QR of
    ``W^1/2 X`` (the information matrix is never formed and inverted).
    """
    eta = x @ beta
    mu = special.expit(eta)
    nu = special.expit(-eta)  # 1 - mu
    w = mu * nu
    resid = y * nu - (1.0 - y) * mu  # y - mu, exact for y in {0, 1}
    half = -0.5 * np.tanh(0.5 * eta)  # 1/2 - mu
    q, r_mat = np.linalg.qr(x * np.sqrt(w)[:, None])
    diag = np.abs(np.diag(r_mat))
    if not np.all(diag > 0):  # W^1/2 X lost rank (weights underflowed): the penalty is -inf
        return _NOWHERE
    h = np.einsum("ij,ij->i", q, q)  # hat values of W^1/2 X (X'WX)^-1 X'W^1/2
    score = x.T @ (resid + h * half)
    # -Hessian of the penalty term: d h_i / d beta brings in the squared hat matrix H o H,
    # written as G'G with G = sum_i (q_i kron q_i) (1/2 - mu_i) x_i' to stay O(n p^2)
    n, p = x.shape
    g = (q[:, :, None] * q[:, None, :]).reshape(n, p * p).T @ (x * half[:, None])
    neg_hessian = (x * (w * (1.0 + h) - 2.0 * h * half**2)[:, None]).T @ x + 2.0 * g.T @ g
    terms = y * eta - np.logaddexp(0.0, eta)
    logs = np.log(diag)
    pl = float(np.sum(terms) + np.sum(logs))
    # pl sums n + p terms: its rounding error grows with their size and (as a random walk)
    # with the square root of their number; 16 ulps of margin
    size = float(np.sum(np.abs(terms)) + np.sum(np.abs(logs))) + 1.0
    rounding = 16.0 * _EPS * np.sqrt(n + p) * size
    return _Firth(pl, score, neg_hessian, r_mat, rounding)


def _direction(part: _Firth, free: np.ndarray) -> tuple[np.ndarray, bool]:
    """Newton direction on the free coefficients, and whether it is the exact Newton step.

    Far from the optimum the penalised likelihood need not be concave; there the Hessian's
    eigenvalues are replaced by their absolute values (bounded away from 0), which keeps an
    ascent direction with Newton's scaling, rather than Fisher scoring (which crawls there).
    """
    score = part.score[free]
    neg_h = part.neg_hessian[np.ix_(free, free)]
    try:
        np.linalg.cholesky(neg_h)  # the test of definiteness; the solve is cheap at this size
        return np.linalg.solve(neg_h, score), True
    except np.linalg.LinAlgError:
        vals, vecs = np.linalg.eigh(neg_h)
        vals = np.maximum(np.abs(vals), 1e-8 * np.max(np.abs(vals)))
        return vecs @ ((vecs.T @ score) / vals), False


def firth_fit(
    x: np.ndarray,
    y: np.ndarray,
    *,
    free: np.ndarray | None = None,
    start: np.ndarray | None = None,
    maxit: int = 100,
    maxhs: int = 25,
    maxstep: float = 5.0,
) -> Fit:
    """Maximise Firth's penalised likelihood over the coefficients marked ``free``.

    Coefficients not free stay at their value in ``start``; the penalty is always that of the
    full design (the Jeffreys prior of the whole model), as in R ``logistf`` for its profile
    likelihood and penalised likelihood-ratio tests.

    Newton-Raphson on the exact Hessian of the penalised log-likelihood (its eigenvalues made
    positive where it is not negative definite), the step capped at ``maxstep`` per coefficient
    and halved while the penalised log-likelihood decreases. logistf instead scores with the
    unpenalised information X'WX: that converges only linearly, and not at all (it oscillates)
    when a covariate pattern has a single subject, as in zero-cell tables.

    Convergence: the Newton decrement ``s' (-H)^-1 s`` (twice the gain a full Newton step
    promises) has fallen to the rounding level of the penalised log-likelihood; that last
    step, still taken, then leaves an error of the order of its square, i.e. at rounding level.
    The covariance is the inverse Fisher information ``(X'WX)^-1`` at the estimate (logistf).
    """
    p = x.shape[1]
    beta = np.zeros(p) if start is None else np.array(start, dtype=float)
    free = np.ones(p, bool) if free is None else np.asarray(free, bool)
    part = _firth_parts(x, y, beta)
    converged = False
    it = 0
    for it in range(1, maxit + 1):  # noqa: B007 - the count is reported
        if not free.any() or not np.isfinite(part.pl):
            converged = bool(np.isfinite(part.pl))
            break
        direction, newton = _direction(part, free)
        step = np.zeros(p)
        step[free] = direction
        if newton and float(part.score[free] @ direction) <= 2.0 * part.rounding:
            # the gain still to come is below what pl can resolve: take this last Newton step
            # without a line search (its rounding noise would only reject it) and stop
            beta = beta + step
            part = _firth_parts(x, y, beta)
            converged = bool(np.isfinite(part.pl))
            break
        biggest = np.max(np.abs(step))
        if biggest > maxstep:
            step *= maxstep / biggest
        for _ in range(maxhs + 1):
            new = _firth_parts(x, y, beta + step)
            if new.pl >= part.pl - part.rounding:
                break
            step /= 2.0
        else:  # no step along an ascent direction gains: the maximiser is lost (singular W)
            break
        beta, part = beta + step, new
    if part.r_mat.size == 0:
        # started where the weights underflow (a profile search far out): pl = -inf says it
        return Fit(beta, np.full((p, p), np.nan), part.pl, False, it)
    r_inv = np.linalg.inv(part.r_mat)
    return Fit(beta, r_inv @ r_inv.T, part.pl, converged, it)
