"""SAEM: stochastic approximation EM with an MCMC E-step (Kuhn & Lavielle 2005).

Each iteration: (E) a Metropolis-Hastings sweep draws every patient's random parameters from
their conditional distribution, and draws each censored observation from its normal
distribution truncated at the LLOQ (Samson, Lavielle & Mentré 2006); (SA) the sufficient
statistics are averaged into a running approximation, with step 1 during the exploratory
iterations and ``1 / k`` during the smoothing ones; (M) the parameters maximising the
approximated complete-data likelihood follow in closed form: a least-squares regression of the
sampled ``phi`` on the covariates for ``mu`` and ``beta``, the residual variance for ``omega``,
the mean squared residual for the error SD. In the first half of the exploratory phase the
variances may shrink by at most 5% per iteration (simulated annealing, as Monolix), so the
chains explore before they settle. Parameters without a random effect, and the two SDs of the
combined error model, have no closed form: they take a Gauss-Newton (respectively a numerical)
maximisation on the current draw, smoothed by the same step sizes (as saemix does).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .design import Design
from .mcmc import Sampler
from .problem import Problem
from .residual import impute_censored
from .spec import Pop, Spec

__all__ = ["Settings", "chains_for", "run_saem"]


@dataclass(frozen=True)
class Settings:
    """Iteration counts of the estimator (defaults as Monolix's and saemix's orders of size).

    Attributes
    ----------
    n_explore, n_smooth : int
        Iterations with step size 1, then with step ``1/k``.
    n_cond : int
        Sweeps at the estimate that sample each patient's conditional distribution.
    n_is : int
        Importance-sampling draws per patient for the log-likelihood and the information.
    n_rounds : int
        At most this many times: sample the conditional distributions, then refine the
        estimate by Newton steps on the importance-sampled likelihood.
    min_rows : int
        Chains are added until patients x chains reaches this many rows (small studies).
    """

    n_explore: int = 300
    n_smooth: int = 200
    n_cond: int = 200
    n_is: int = 3000
    n_rounds: int = 3
    min_rows: int = 300
    tau: float = 0.95
    kernels: tuple[int, int, int] = (2, 2, 2)


def chains_for(n_patients: int, settings: Settings) -> int:
    """Number of chains, so that small studies still average over enough draws."""
    return max(1, -(-settings.min_rows // n_patients))


def _regressions(spec: Spec, x: np.ndarray):
    """For each random parameter: its covariate terms and the least-squares projector."""
    out = []
    for m in spec.rand_idx:
        ks = [k for k, (p, _c) in enumerate(spec.terms) if p == m]
        z = np.column_stack([np.ones(x.shape[0])] + [x[:, spec.terms[k][1]] for k in ks])
        out.append((ks, z, np.linalg.solve(z.T @ z, z.T)))
    return out


def _residual_stat(error, y, f, mask):
    r = y - f
    if error.name == "proportional":
        r = r / np.where(f == 0, 1e-300, f)
    return np.where(mask, r * r, 0.0).sum(axis=-1)


def _combined_mstep(y, f, mask, psi0, n_iter: int = 8):
    """Maximise the residual likelihood of the current draw over (log a, log b).

    Damped Newton steps from the current values (a two-parameter problem with an analytic
    Hessian); the stochastic approximation smooths the result.
    """
    r2 = ((y - f) ** 2)[mask]
    f2 = (f * f)[mask]

    def parts(p):
        a2, b2 = np.exp(2 * p)
        u = a2 + b2 * f2
        s = np.stack([np.full_like(u, 2 * a2), 2 * b2 * f2])  # du/dp
        q_u = 1 / u - r2 / (u * u)
        q_uu = -1 / (u * u) + 2 * r2 / u**3
        value = np.sum(np.log(u) + r2 / u)
        grad = s @ q_u
        hess = (s * q_uu) @ s.T + np.diag(2 * grad)  # d(du/dp)/dp = 2 du/dp
        return value, grad, hess

    p = np.clip(np.asarray(psi0, dtype=float), -30, 10)
    value, grad, hess = parts(p)
    for _ in range(n_iter):
        lam = 0.0
        for _try in range(20):
            a = hess + lam * np.eye(2)
            if np.linalg.eigvalsh(a)[0] > 0:
                step = -np.linalg.solve(a, grad)
                step *= min(1.0, 1.0 / np.abs(step).max())
                new = np.clip(p + step, -30, 10)
                new_value, new_grad, new_hess = parts(new)
                if new_value <= value:
                    break
            lam = max(10 * lam, 1e-3 * (1 + np.abs(np.diag(hess)).max()))
        else:
            break
        converged = abs(value - new_value) < 1e-10 * (1 + abs(value))
        p, value, grad, hess = new, new_value, new_grad, new_hess
        if converged:
            break
    return p


def _gauss_newton_fixed(problem: Problem, spec: Spec, phi_full, y, psi):
    f, jac = problem.predict(phi_full, jac=True)
    jf = jac[..., spec.fixed_idx]
    w = np.where(problem.mask, 1.0 / spec.error.variance(f, psi), 0.0)
    a = np.einsum("rjk,rj,rjl->kl", jf, w, jf)
    b = np.einsum("rjk,rj->k", jf, w * np.where(problem.mask, y - f, 0.0))
    step = np.linalg.lstsq(a, b, rcond=None)[0]
    # a Gauss-Newton step far from the optimum can overshoot: at most e-fold per iteration
    return np.clip(step, -1.0, 1.0)


def run_saem(design: Design, spec: Spec, init: Pop, rng, settings: Settings):
    """Estimate the population parameters; return ``(pop, trace, sampler state)``.

    ``trace`` holds the parameter vector after every iteration (``Pop.vector`` with the SDs
    themselves, not their logs), for convergence plots.
    """
    chains = chains_for(design.n_patients, settings)
    problem = Problem(design, spec, chains)
    n, ridx = design.n_patients, spec.rand_idx
    regs = _regressions(spec, design.covariates)
    mu, beta = init.mu.copy(), init.beta.copy()
    omega2 = init.omega[ridx] ** 2
    psi = init.psi.copy()
    n_obs = design.n_obs

    def mean_rows():
        return np.tile(
            Pop(mu, beta, init.omega, psi).mean(spec, design.covariates)[:, ridx], (chains, 1)
        )

    sampler = Sampler(lambda ph: problem.loglik(problem.full(ph, mu), psi), settings.kernels)
    phi = mean_rows()
    ll = sampler.loglik(phi)
    for _ in range(5):  # burn-in at the initial values
        phi, ll = sampler.sweep(rng, phi, ll, mean_rows(), np.sqrt(omega2))
    s1 = problem.per_patient(phi)
    s2 = problem.per_patient(phi * phi).sum(axis=0)
    s_res = 0.0
    total = settings.n_explore + settings.n_smooth
    n_anneal = settings.n_explore // 2
    trace = np.empty((total, len(init.vector(spec))))
    for k in range(total):
        phi, ll = sampler.sweep(rng, phi, ll, mean_rows(), np.sqrt(omega2))
        gamma = 1.0 if k < settings.n_explore else 1.0 / (k - settings.n_explore + 2)
        full = problem.full(phi, mu)
        f = problem.predict(full)
        u = spec.error.variance(f, psi)
        ystar = impute_censored(rng, f, u, problem.lim, problem.cens & problem.mask, problem.y)
        s1 = s1 + gamma * (problem.per_patient(phi) - s1)
        s2 = s2 + gamma * (problem.per_patient(phi * phi).sum(axis=0) - s2)
        # M-step: typical values, covariate effects and variances in closed form
        for j, (ks, z, proj) in enumerate(regs):
            coef = proj @ s1[:, j]
            m = ridx[j]
            mu[m] = coef[0]
            beta[ks] = coef[1:]
            fitted = z @ coef
            new = (s2[j] - 2 * fitted @ s1[:, j] + fitted @ fitted) / n
            omega2[j] = max(new, settings.tau * omega2[j]) if k < n_anneal else max(new, 1e-12)
        if spec.error.name == "combined":
            new_psi = _combined_mstep(ystar, f, problem.mask, psi)
            psi = psi + gamma * (new_psi - psi)
        else:
            stat = _residual_stat(spec.error, ystar, f, problem.mask).sum() / chains
            s_res = stat if k == 0 else s_res + gamma * (stat - s_res)
            new_var = s_res / n_obs
            old_var = np.exp(2 * psi[0])
            var = max(new_var, settings.tau * old_var) if k < n_anneal else new_var
            psi = np.array([0.5 * np.log(var)])
        if spec.fixed_idx.size:
            step = _gauss_newton_fixed(problem, spec, full, ystar, psi)
            mu[spec.fixed_idx] += gamma * step
        trace[k] = np.concatenate([mu, beta, np.sqrt(omega2), np.exp(psi)])
    omega = np.zeros(spec.d)
    omega[ridx] = np.sqrt(omega2)
    pop = Pop(mu=mu, beta=beta, omega=omega, psi=psi)
    return pop, trace, (problem, sampler, phi)


def conditional_moments(pop: Pop, spec: Spec, state, rng, n_sweeps: int):
    """Mean and covariance of each patient's random parameters given the data, at ``pop``.

    Returns ``(mean, cov)``, of shapes ``(N, d_r)`` and ``(N, d_r, d_r)``, averaged over
    chains and sweeps.
    """
    problem, sampler, phi = state
    ridx = spec.rand_idx
    sampler.loglik = lambda ph: problem.loglik(problem.full(ph, pop.mu), pop.psi)
    mean = np.tile(pop.mean(spec, problem.design.covariates)[:, ridx], (problem.chains, 1))
    omega = pop.omega[ridx]
    ll = sampler.loglik(phi)
    acc1 = np.zeros((problem.n, ridx.size))
    acc2 = np.zeros((problem.n, ridx.size, ridx.size))
    for _ in range(n_sweeps):
        phi, ll = sampler.sweep(rng, phi, ll, mean, omega)
        acc1 += problem.per_patient(phi)
        acc2 += problem.per_patient(phi[:, :, None] * phi[:, None, :])
    m = acc1 / n_sweeps
    cov = acc2 / n_sweeps - m[:, :, None] * m[:, None, :]
    # a floor on the variances keeps the importance-sampling proposal built from these proper
    # when a chain barely moved
    cov = 0.5 * (cov + np.swapaxes(cov, 1, 2)) + np.diag((1e-2 * omega) ** 2)[None]
    return m, cov
