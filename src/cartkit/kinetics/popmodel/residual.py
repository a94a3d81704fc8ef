"""Residual error models and the likelihood of one observation, censored (M3) or not.

An observation ``y`` on the error scale (log C for ``log_additive``, C otherwise) is normal
around the prediction ``f`` on that scale with variance ``u``:

==============  ==============================  ==================
error           variance u                       parameters
==============  ==============================  ==================
log_additive    sigma^2 (on log C)               sigma
additive        a^2                              a
proportional    b^2 f^2                          b
combined        a^2 + b^2 f^2 ("combined2")      a, b
==============  ==============================  ==================

A value below the LLOQ enters as ``P(Y < LLOQ) = Phi((L - f) / sqrt(u))`` (Beal 2001, M3),
``L`` being the LLOQ on the error scale. The residual parameters are estimated as ``psi = log``
of each SD.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy.special import log_ndtr, ndtri_exp

__all__ = ["ERRORS", "ErrorModel", "error_model"]

_LOG_2PI = float(np.log(2 * np.pi))


@dataclass(frozen=True)
class ErrorModel:
    """A residual error model (see the module docstring)."""

    name: str
    parameters: tuple[str, ...]
    log_scale: bool

    def to_scale(self, values):
        """Values (concentrations, LLOQs) on the error scale."""
        values = np.asarray(values, dtype=float)
        if not self.log_scale:
            return values
        with np.errstate(divide="ignore"):
            return np.log(values)

    def variance(self, f, psi):
        """Residual variance ``u`` at predictions ``f`` (error scale) for ``psi = log SDs``.

        A scalar for the constant-variance models, else an array of the shape of ``f``.
        """
        sd = np.exp(np.asarray(psi, dtype=float))
        if self.name in ("log_additive", "additive"):
            return sd[0] ** 2  # a scalar: broadcasts, and costs nothing per observation
        if self.name == "proportional":
            return np.maximum((sd[0] * f) ** 2, 1e-300)
        return sd[0] ** 2 + (sd[1] * f) ** 2

    def du_dpsi(self, f, psi):
        """Derivatives of ``u`` w.r.t. each ``psi``: shape ``f.shape + (n_psi,)``.

        The second derivatives are twice these (u is a sum of terms ``exp(2 psi) * g(f)``).
        """
        sd = np.exp(np.asarray(psi, dtype=float))
        if self.name in ("log_additive", "additive"):
            return np.full((*f.shape, 1), 2 * sd[0] ** 2)
        if self.name == "proportional":
            return (2 * (sd[0] * f) ** 2)[..., None]
        return np.stack([np.full_like(f, 2 * sd[0] ** 2), 2 * (sd[1] * f) ** 2], axis=-1)

    def du_df(self, f, psi):
        """Derivative of ``u`` w.r.t. the prediction ``f``."""
        if self.name in ("log_additive", "additive"):
            return np.zeros_like(f)
        b = float(np.exp(psi[-1]))
        return 2 * b * b * f


ERRORS: dict[str, ErrorModel] = {
    "log_additive": ErrorModel("log_additive", ("sigma",), True),
    "additive": ErrorModel("additive", ("sigma",), False),
    "proportional": ErrorModel("proportional", ("sigma",), False),
    "combined": ErrorModel("combined", ("sigma_add", "sigma_prop"), False),
}


def error_model(name: str) -> ErrorModel:
    """The error model called ``name`` (a DataError naming the choices otherwise)."""
    from ...errors import DataError

    try:
        return ERRORS[name]
    except (KeyError, TypeError):
        raise DataError(f"unknown error model {name!r}; use one of {', '.join(ERRORS)}") from None


def loglik_rows(f, u, y, lim, obs, cens):
    """Log-likelihood of each profile, summed over the last axis.

    Normal densities of the quantified values (``obs``), ``log Phi`` of the censored ones
    (``cens``); other entries (padding) count 0.

    ``f`` has shape ``(..., N, J)``; ``y``, ``lim``, ``obs`` and ``cens`` ``(N, J)``; ``u`` is a
    scalar or has the shape of ``f``. ``log Phi`` is evaluated only where censored.
    """
    with np.errstate(invalid="ignore", over="ignore"):
        e = y - f
        dens = np.where(obs, e * e / u + np.log(u), 0.0).sum(axis=-1)
    total = -0.5 * (dens + obs.sum(axis=-1) * _LOG_2PI)
    if cens.any():
        uc = u[..., cens] if np.ndim(u) else u
        with np.errstate(invalid="ignore"):
            z = (lim[cens] - f[..., cens]) / np.sqrt(uc)
        part = np.zeros(f.shape)
        part[..., cens] = log_ndtr(z)
        total = total + part.sum(axis=-1)
    return total


def mills(z):
    """``phi(z) / Phi(z)``, the derivative of ``log Phi(z)``, stable far in the left tail."""
    log_pdf = -0.5 * z * z - 0.5 * _LOG_2PI
    return np.exp(log_pdf - log_ndtr(z))


def loglik_derivatives(f, u, y, lim, obs, cens):
    """First and second partial derivatives of each term w.r.t. ``f`` and ``u``.

    Shapes as :func:`loglik_rows`; entries neither observed nor censored are 0.

    Returns
    -------
    tuple of numpy.ndarray
        ``(l_f, l_u, l_ff, l_fu, l_uu)``, each of the shape of ``f``.
    """
    u = np.broadcast_to(u, f.shape)
    e = np.where(obs, y - f, 0.0)
    inv = np.where(obs, 1.0 / u, 0.0)
    # observed: l = -log(u)/2 - e^2/(2u)
    out = [
        e * inv,
        -0.5 * inv + 0.5 * e * e * inv * inv,
        -inv,
        -e * inv * inv,
        0.5 * inv * inv - e * e * inv**3,
    ]
    if cens.any():
        # censored: l = log Phi(z), z = (L - f)/sqrt(u); lam = l'(z), l''(z) = -lam (z + lam)
        uc = u[..., cens]
        sq = np.sqrt(uc)
        z = (lim[cens] - f[..., cens]) / sq
        lam = mills(z)
        lam1 = -lam * (z + lam)
        z_f = -1.0 / sq
        z_u = -z / (2 * uc)
        z_fu = 1.0 / (2 * uc * sq)
        z_uu = 3 * z / (4 * uc * uc)
        parts = (
            lam * z_f,
            lam * z_u,
            lam1 * z_f * z_f,
            lam1 * z_f * z_u + lam * z_fu,
            lam1 * z_u * z_u + lam * z_uu,
        )
        for arr, part in zip(out, parts, strict=True):
            arr[..., cens] = part
    return tuple(out)


def impute_censored(rng, f, u, lim, cens, y):
    """``y`` with each censored entry drawn from N(f, u) truncated above at ``lim``.

    Used by the SAEM E-step (Samson, Lavielle & Mentré 2006): the sufficient statistics of the
    residual error then keep their closed form. Drawn by inversion on the log scale of the
    normal CDF, so a limit far below the prediction still gives a finite draw.
    """
    out = y.copy()
    if not cens.any():
        return out
    sq = np.sqrt(u[cens] if np.ndim(u) else u)
    fc = f[cens]
    zmax = (lim[cens] - fc) / sq
    log_unif = np.log(rng.random(fc.shape))
    out[cens] = fc + sq * ndtri_exp(log_ndtr(zmax) + log_unif)
    return out
