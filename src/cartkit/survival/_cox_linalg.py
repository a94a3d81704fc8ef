"""Cholesky decomposition with a pivot tolerance, as R survival's ``cholesky2``/``chsolve2``.

The information matrix of a Cox model can be singular or nearly so (a coefficient running to
infinity leaves almost no information on it). R's routine treats a pivot below
``toler * max(diagonal)`` as zero: the solve gives 0 for that direction and the inverse has a
zero row and column, instead of a failure or a division by rounding noise. The matrices are
p x p (p covariates), so a loop over columns costs nothing next to the likelihood.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

#: R coxph.control(toler.chol = .Machine$double.eps^0.75)
TOLER_CHOL = float(np.finfo(float).eps ** 0.75)


@dataclass(frozen=True)
class Cholesky:
    """``a = L diag(d) L'`` with unit lower-triangular ``L``; ``d = 0`` on singular pivots."""

    low: np.ndarray
    diag: np.ndarray

    @property
    def singular(self) -> np.ndarray:
        """Columns whose pivot fell below the tolerance."""
        return self.diag == 0.0

    def solve(self, b: np.ndarray) -> np.ndarray:
        """``a^-1 b`` on the non-singular part; 0 in the singular directions."""
        y = np.array(b, dtype=float)
        p = len(self.diag)
        for i in range(p):
            y[i] -= self.low[i, :i] @ y[:i]
        nz = ~self.singular
        y[nz] /= self.diag[nz]
        y[~nz] = 0.0
        for i in range(p - 1, -1, -1):
            y[i] -= self.low[i + 1 :, i] @ y[i + 1 :]
        return y

    def inverse(self) -> np.ndarray:
        """Inverse of the non-singular part; zero rows and columns for singular pivots."""
        p = len(self.diag)
        out = np.column_stack([self.solve(col) for col in np.eye(p)]) if p else np.zeros((0, 0))
        return (out + out.T) / 2.0


def cholesky(a: np.ndarray, toler: float = TOLER_CHOL) -> Cholesky:
    """Factor a symmetric non-negative definite matrix, zeroing pivots below the tolerance."""
    p = len(a)
    low = np.eye(p)
    diag = np.zeros(p)
    finite_diag = np.diag(a)[np.isfinite(np.diag(a))]
    eps = toler * (float(np.max(finite_diag)) if len(finite_diag) else 0.0)
    for j in range(p):
        pivot = a[j, j] - (low[j, :j] ** 2) @ diag[:j]
        if not np.isfinite(pivot) or pivot <= eps:
            continue  # singular: the column of L stays 0
        diag[j] = pivot
        low[j + 1 :, j] = (a[j + 1 :, j] - (low[j + 1 :, :j] * diag[:j]) @ low[j, :j]) / pivot
    return Cholesky(low=low, diag=diag)
