"""Newton-Raphson on the importance-sampled likelihood, from the SAEM estimate.

SAEM's estimate carries Monte Carlo error, largest along the directions the data inform least
(the persistence parameters ``beta`` and ``fb`` of a CAR-T study, whose values most patients'
samples censor): the stochastic approximation freezes before the chains have finished drifting
there. With its draws held fixed, the importance-sampling log-likelihood is a smooth
deterministic function whose gradient and Hessian are exact (Louis' identities,
:mod:`.likelihood`), so a few Newton steps on it reach its maximum (Monte Carlo Newton-Raphson;
McCulloch 1997). Steps are capped at 1 on the estimation scale; where a full step does not raise
the log-likelihood, or the information is not positive definite (a variance heading for 0), the
step is damped (Levenberg-Marquardt).
"""

from __future__ import annotations

import numpy as np

from .design import Design
from .likelihood import Marginal, marginal
from .spec import Pop, Spec

__all__ = ["polish"]


def polish(
    design: Design,
    spec: Spec,
    pop: Pop,
    cmean: np.ndarray,
    ccov: np.ndarray,
    seed: np.random.SeedSequence,
    n_draws: int,
    max_evals: int = 16,
) -> tuple[Pop, Marginal, bool, float]:
    """Maximise the importance-sampled log-likelihood from ``pop``.

    Newton steps, damped Levenberg-Marquardt style (``I + lambda diag(I)``) where the
    information is not positive definite (a variance heading for 0) or a full step does not
    raise the log-likelihood.

    Returns
    -------
    tuple
        ``(pop, marginal at pop, converged, Monte Carlo SE of the log-likelihood at the
        start)``; converged means the Newton decrement ``g' I^-1 g / 2`` fell below 1e-4 (the
        log-likelihood can rise by no more).
    """

    def evaluate(p: Pop) -> Marginal:
        # the same draws at every evaluation: a fresh generator from the same seed
        return marginal(design, spec, p, cmean, ccov, np.random.default_rng(seed), n_draws)

    current = evaluate(pop)
    start_se = current.loglik_se
    vec = pop.vector(spec)
    lam = 0.0
    evals = 1
    while evals < max_evals:
        info, score = current.information, current.score
        if not np.isfinite(info).all() or not np.isfinite(score).all():
            return pop, current, False, start_se
        if lam == 0.0:
            decrement = _decrement(info, score)
            if decrement is not None and decrement < 1e-4:
                return pop, current, True, start_se
        scale = np.maximum(np.abs(np.diag(info)), 1e-8)
        while evals < max_evals:
            step = _solve(info + lam * np.diag(scale), score)
            if step is None:
                lam = max(10 * lam, 1e-3)
                continue
            step = step * min(1.0, 1.0 / max(np.abs(step).max(), 1e-300))
            cand = Pop.from_vector(spec, vec + step)
            new = evaluate(cand)
            evals += 1
            if np.isfinite(new.loglik) and new.loglik >= current.loglik:
                gain = new.loglik - current.loglik
                pop, current, vec = cand, new, vec + step
                lam = lam / 10 if lam > 1e-6 else 0.0
                if gain < 1e-5 and lam > 0:
                    # a damped step that no longer gains: at a boundary (a variance -> 0)
                    return pop, current, False, start_se
                break
            lam = max(10 * lam, 1e-3)
    return pop, current, False, start_se


def _solve(a: np.ndarray, b: np.ndarray) -> np.ndarray | None:
    try:
        chol = np.linalg.cholesky(a)
    except np.linalg.LinAlgError:
        return None
    return np.linalg.solve(chol.T, np.linalg.solve(chol, b))


def _decrement(info: np.ndarray, score: np.ndarray) -> float | None:
    step = _solve(info, score)
    return None if step is None else float(score @ step) / 2
