"""Metropolis-Hastings for the random parameters of every patient at once (Kuhn & Lavielle 2005).

Three kernels, as in Monolix and saemix: (1) a draw from the population distribution, accepted
on the likelihood ratio; (2) a random walk on all parameters together; (3) a random walk on one
parameter at a time. Random-walk steps are scaled by omega and adapted towards an acceptance
rate of 0.4.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np

__all__ = ["Sampler"]

_TARGET = 0.4
_ADAPT = 0.4


@dataclass
class Sampler:
    """Vectorised Metropolis-Hastings on ``phi`` ``(R, d_r)`` (see the module docstring).

    Attributes
    ----------
    loglik : callable
        ``loglik(phi) -> (R,)``: the log-likelihood of each row's observations.
    kernels : tuple of int
        How many times each kernel runs per sweep.
    """

    loglik: Callable[[np.ndarray], np.ndarray]
    kernels: tuple[int, int, int] = (2, 2, 2)
    scale_all: float = 0.5
    scale_one: np.ndarray = field(default_factory=lambda: np.zeros(0))

    def sweep(self, rng, phi, ll, mean, omega):
        """One pass of every kernel; return the new ``(phi, ll)``.

        ``mean`` is each row's population mean ``(R, d_r)``, ``omega`` the SDs ``(d_r,)``.
        """
        n, d = phi.shape
        if self.scale_one.shape != (d,):
            self.scale_one = np.full(d, 0.5)

        def prior(x):
            return -0.5 * np.sum(((x - mean) / omega) ** 2, axis=1)

        def accept(new, ll_new, log_ratio):
            ok = np.log(rng.random(n)) < log_ratio
            return np.where(ok[:, None], new, phi), np.where(ok, ll_new, ll), ok

        for _ in range(self.kernels[0]):
            new = mean + omega * rng.standard_normal((n, d))
            ll_new = self.loglik(new)
            phi, ll, _ok = accept(new, ll_new, np.nan_to_num(ll_new - ll, nan=-np.inf))
        lp = prior(phi)
        for _ in range(self.kernels[1]):
            new = phi + self.scale_all * omega * rng.standard_normal((n, d))
            ll_new = self.loglik(new)
            lp_new = prior(new)
            phi, ll, ok = accept(new, ll_new, np.nan_to_num(ll_new + lp_new - ll - lp, nan=-np.inf))
            lp = np.where(ok, lp_new, lp)
            self.scale_all *= 1 + _ADAPT * (ok.mean() - _TARGET)
        for _ in range(self.kernels[2]):
            for m in range(d):
                new = phi.copy()
                new[:, m] += self.scale_one[m] * omega[m] * rng.standard_normal(n)
                ll_new = self.loglik(new)
                lp_new = prior(new)
                phi, ll, ok = accept(
                    new, ll_new, np.nan_to_num(ll_new + lp_new - ll - lp, nan=-np.inf)
                )
                lp = np.where(ok, lp_new, lp)
                self.scale_one[m] *= 1 + _ADAPT * (ok.mean() - _TARGET)
        return phi, ll
