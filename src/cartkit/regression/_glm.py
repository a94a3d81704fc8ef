"""Binary logistic fits: R's glm.fit IRLS (maximum likelihood) and Firth's penalised likelihood.

The ML fit repeats R's ``glm.fit`` step for step (start from ``mu = (y + 0.5) / 2``, iteratively
reweighted least squares, stop when the relative change of the deviance is below 1e-8) because
R reports the covariance from the weights of the *last* IRLS iteration, computed before the last
update; a fully converged information matrix differs from R's standard errors at about 1e-7.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

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


def _firth_parts(x, y, eta):
    """Penalised log-likelihood, score and Fisher information of the full design at eta."""
    mu = linkinv(eta)
    w = mu * (1 - mu)
    info = (x * w[:, None]).T @ x
    sign, logdet = np.linalg.slogdet(info)
    if sign <= 0:
        return -np.inf, None, info
    # hat values of W^1/2 X (X'WX)^-1 X'W^1/2, the weights of Firth's modified score
    a = np.linalg.solve(info, (x * w[:, None]).T)
    h = np.einsum("ij,ji->i", x, a)
    score = x.T @ (y - mu + h * (0.5 - mu))
    return loglik(y, eta) + 0.5 * logdet, score, info


def firth_fit(
    x: np.ndarray,
    y: np.ndarray,
    *,
    free: np.ndarray | None = None,
    start: np.ndarray | None = None,
    maxit: int = 100,
    maxhs: int = 25,
    maxstep: float = 5.0,
    tol: float = 1e-10,
) -> Fit:
    """Maximise Firth's penalised likelihood over the coefficients marked ``free``.

    Coefficients not free stay at their value in ``start``; the penalty is always that of the
    full design (the Jeffreys prior of the whole model), as in R ``logistf`` for its profile
    likelihood and penalised likelihood-ratio tests. Newton-Raphson with the step capped at
    ``maxstep`` per coefficient and halved while the penalised log-likelihood decreases.
    """
    p = x.shape[1]
    beta = np.zeros(p) if start is None else np.array(start, dtype=float)
    free = np.ones(p, bool) if free is None else np.asarray(free, bool)
    pl, score, info = _firth_parts(x, y, x @ beta)
    converged = False
    it = 0
    for it in range(1, maxit + 1):  # noqa: B007 - the count is reported
        if not free.any():
            converged = True
            break
        sub = info[np.ix_(free, free)]
        step = np.zeros(p)
        step[free] = np.linalg.solve(sub, score[free])
        biggest = np.max(np.abs(step))
        if biggest > maxstep:
            step *= maxstep / biggest
        for _ in range(maxhs + 1):
            new = beta + step
            pl_new, score_new, info_new = _firth_parts(x, y, x @ new)
            if pl_new >= pl - 1e-12:
                break
            step /= 2.0
        if not np.isfinite(pl_new):  # the information matrix became singular: give up
            break
        beta, pl, score, info = new, pl_new, score_new, info_new
        if np.max(np.abs(step)) < tol and np.max(np.abs(score[free])) < 1e-8:
            converged = True
            break
    cov = np.linalg.inv(info)
    return Fit(beta, cov, pl, converged, it)
