"""The observations of every patient, replicated for several Markov chains, and their likelihood.

Row ``r = c * N + i`` is chain ``c`` of patient ``i``; everything is computed for all rows at once.
"""

from __future__ import annotations

import numpy as np
from scipy.special import log_ndtr

from .design import Design, sample_groups
from .residual import loglik_rows
from .spec import Spec

__all__ = ["Problem"]

_LOG_2PI = float(np.log(2 * np.pi))


class _Block:
    """The observations of some rows, trimmed to their own width, for the likelihood."""

    def __init__(self, problem: Problem, rows, width: int):
        self.rows = rows
        self.t = problem.t[rows, :width]
        self.y = problem.y[rows, :width]
        self.lim = problem.lim[rows, :width]
        self.obs = problem.obs[rows, :width]
        self.cens = problem.cens[rows, :width]
        self.dose = None if problem.dose is None else problem.dose[rows]
        # the likelihood's hot path: counts and flat positions precomputed once
        self.n_obs_row = self.obs.sum(axis=1)
        self.obs_float = self.obs.astype(float)
        self.cens_flat = np.flatnonzero(self.cens)
        self.cens_rows = self.cens_flat // width if width else self.cens_flat
        self.cens_lim = self.lim.ravel()[self.cens_flat]


class Problem:
    """Padded observations for ``chains`` copies of each patient (see the module docstring)."""

    def __init__(self, design: Design, spec: Spec, chains: int = 1):
        self.design = design
        self.spec = spec
        self.chains = int(chains)
        self.n = design.n_patients
        reps = (self.chains, 1)
        self.t = np.tile(design.t, reps)
        self.y = np.tile(design.y, reps)
        self.lim = np.tile(design.lim, reps)
        self.cens = np.tile(design.cens, reps)
        self.mask = np.tile(design.mask, reps)
        self.obs = self.mask & ~self.cens
        self.dose = None if design.dose is None else np.tile(design.dose, self.chains)
        self.x = np.tile(design.covariates, reps)
        self.scale = "log" if spec.error.log_scale else "natural"
        # the likelihood is computed on rows grouped by their number of samples, each group
        # only as wide as its longest (half the padding of the whole on typical sampling)
        self._blocks = [_Block(self, rows, w) for rows, w in sample_groups(self.mask)]

    def full(self, phi_rand: np.ndarray, mu: np.ndarray) -> np.ndarray:
        """All parameters: the random ones from ``phi_rand``, the others at ``mu``."""
        spec = self.spec
        phi = np.empty((*phi_rand.shape[:-1], spec.d))
        phi[..., spec.rand_idx] = phi_rand
        phi[..., spec.fixed_idx] = mu[spec.fixed_idx]
        return phi

    def predict(self, phi: np.ndarray, jac: bool = False):
        """Predictions on the error scale for the rows' parameters ``phi`` ``(R, d)``."""
        return self.spec.model.evaluate(phi, self.t, self.dose, scale=self.scale, jac=jac)

    def loglik(self, phi: np.ndarray, psi: np.ndarray) -> np.ndarray:
        """Log-likelihood of each row's observations (censored ones by M3), shape ``(R,)``."""
        if len(self._blocks) == 1:
            out = self._block_loglik(self._blocks[0], phi, psi)
        else:
            out = np.empty(phi.shape[0])
            for block in self._blocks:
                out[block.rows] = self._block_loglik(block, phi[block.rows], psi)
        # a parameter value that makes a prediction impossible (NaN) is simply rejected
        return np.where(np.isnan(out), -np.inf, out)

    def _block_loglik(self, block: _Block, phi: np.ndarray, psi: np.ndarray) -> np.ndarray:
        f = self.spec.model.evaluate(phi, block.t, block.dose, scale=self.scale)
        u = self.spec.error.variance(f, psi)
        if np.ndim(u):
            return loglik_rows(f, u, block.y, block.lim, block.obs, block.cens)
        e = block.y - f
        e *= block.obs_float
        ss = np.einsum("ij,ij->i", e, e)
        out = -0.5 * (ss / u + block.n_obs_row * (np.log(u) + _LOG_2PI))
        if block.cens_flat.size:
            z = (block.cens_lim - f.ravel()[block.cens_flat]) / np.sqrt(u)
            out += np.bincount(block.cens_rows, log_ndtr(z), minlength=out.shape[0])
        return out

    def per_patient(self, values: np.ndarray) -> np.ndarray:
        """Average a ``(R, ...)`` array over the chains: ``(N, ...)``."""
        return values.reshape((self.chains, self.n, *values.shape[1:])).mean(axis=0)
