"""What is fitted (model, error, random effects, covariate terms) and the population parameters.

Population parameters, all on the transformed scale: ``mu`` (typical value of each ``phi``),
``beta`` (one coefficient per covariate term), ``omega`` (SD of the random effect of each
parameter, 0 where it has none) and ``psi`` (log of each residual SD). Patient ``i``'s parameters
are ``phi_i = mu + sum_t beta_t x_{i,c(t)} e_{p(t)} + eta_i`` with ``eta_i ~ N(0, diag(omega^2))``.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

import numpy as np

from .models import KineticModel
from .residual import ErrorModel

__all__ = ["Pop", "Spec"]


@dataclass(frozen=True)
class Spec:
    """The model fitted: structure, residual error, which parameters vary, covariate terms.

    Attributes
    ----------
    terms : tuple of (int, int)
        ``(parameter index, covariate column)`` of each covariate effect.
    """

    model: KineticModel
    error: ErrorModel
    random: tuple[bool, ...]
    terms: tuple[tuple[int, int], ...] = ()

    @property
    def d(self) -> int:
        """Number of structural parameters."""
        return len(self.model.parameters)

    @property
    def rand_idx(self) -> np.ndarray:
        """Indices of the parameters with a random effect."""
        return np.flatnonzero(np.asarray(self.random))

    @property
    def fixed_idx(self) -> np.ndarray:
        """Indices of the parameters without one (a typical value only)."""
        return np.flatnonzero(~np.asarray(self.random))

    def without_term(self, k: int) -> Spec:
        """The same model without covariate term ``k``."""
        return replace(self, terms=self.terms[:k] + self.terms[k + 1 :])

    @property
    def n_parameters(self) -> int:
        """Number of estimated population parameters (for AIC and BIC)."""
        return self.d + len(self.terms) + int(np.sum(self.random)) + len(self.error.parameters)


@dataclass(frozen=True)
class Pop:
    """Population parameters (see the module docstring)."""

    mu: np.ndarray
    beta: np.ndarray
    omega: np.ndarray
    psi: np.ndarray

    def mean(self, spec: Spec, x: np.ndarray) -> np.ndarray:
        """Each patient's typical ``phi`` given covariates ``x`` ``(N, q)``: shape ``(N, d)``."""
        out = np.repeat(self.mu[None, :], x.shape[0], axis=0)
        for (p, c), b in zip(spec.terms, self.beta, strict=True):
            out[:, p] += b * x[:, c]
        return out

    @classmethod
    def from_vector(cls, spec: Spec, vec: np.ndarray) -> Pop:
        """The inverse of :meth:`vector`."""
        d, nt, dr = spec.d, len(spec.terms), spec.rand_idx.size
        omega = np.zeros(d)
        omega[spec.rand_idx] = np.exp(vec[d + nt : d + nt + dr])
        return cls(
            mu=np.array(vec[:d], dtype=float),
            beta=np.array(vec[d : d + nt], dtype=float),
            omega=omega,
            psi=np.array(vec[d + nt + dr :], dtype=float),
        )

    def vector(self, spec: Spec) -> np.ndarray:
        """The estimated parameters as one vector: mu, beta, log omega (random only), psi."""
        return np.concatenate([self.mu, self.beta, np.log(self.omega[spec.rand_idx]), self.psi])
