"""Individual parameters: the mode of each patient's conditional distribution (the EBE).

``phi_i`` maximising ``log p(y_i | phi) + log p(phi)`` (censored values by M3), found by a
scoring (Fisher-type Newton) iteration with step halving, for all patients at once, from the
conditional mean the MCMC gave. The model's analytic derivatives give the gradient. Where the
full step fails (the Stein model's kink at ``t = Tmax``, where a mode often lies), Newton steps
with one parameter held fixed, then a diagonally scaled gradient step, continue.
"""

from __future__ import annotations

import numpy as np

from .design import Design
from .residual import loglik_derivatives, loglik_rows
from .spec import Pop, Spec

__all__ = ["conditional_modes"]


def _objective(design, spec, pop, phi_r, mean, om, scale):
    phi = np.empty((*phi_r.shape[:-1], spec.d))
    phi[..., spec.rand_idx] = phi_r
    phi[..., spec.fixed_idx] = pop.mu[spec.fixed_idx]
    f = spec.model.evaluate(phi, design.t, design.dose, scale=scale)
    u = spec.error.variance(f, pop.psi)
    ll = loglik_rows(f, u, design.y, design.lim, design.quantified, design.cens)
    value = -ll + 0.5 * np.sum(((phi_r - mean) / om) ** 2, axis=-1)
    return np.where(np.isnan(value), np.inf, value)


def conditional_modes(
    design: Design, spec: Spec, pop: Pop, start: np.ndarray, max_iter: int = 400
) -> tuple[np.ndarray, np.ndarray]:
    """Each patient's conditional mode of the random parameters.

    Returns
    -------
    tuple of numpy.ndarray
        ``(phi_r, converged)``: modes ``(N, d_r)``, and whether each stopped where no step
        improves the objective by more than 1e-9 (relative), rather than at the iteration
        limit.
    """
    ridx = spec.rand_idx
    scale = "log" if spec.error.log_scale else "natural"
    mean = pop.mean(spec, design.covariates)[:, ridx]
    om = pop.omega[ridx]
    phi_r = start.copy()
    value = _objective(design, spec, pop, phi_r, mean, om, scale)
    # the start may lie where the objective is not finite: fall back to the typical value
    bad = ~np.isfinite(value)
    phi_r[bad] = mean[bad]
    value = _objective(design, spec, pop, phi_r, mean, om, scale)
    done = np.zeros(design.n_patients, dtype=bool)
    eye = np.eye(ridx.size)

    def line_search(direction, active):
        # halve until the objective decreases; rows not active (or never improving) stay
        new_phi, new_val = phi_r.copy(), value.copy()
        moved = np.zeros(active.shape, dtype=bool)
        alpha = 1.0
        for _halving in range(30):
            trial = phi_r + alpha * direction
            tv = _objective(design, spec, pop, trial, mean, om, scale)
            ok = active & ~moved & (tv < value)
            new_phi[ok], new_val[ok] = trial[ok], tv[ok]
            moved |= ok
            if moved[active].all():
                break
            alpha /= 2
        return new_phi, new_val, moved

    for _ in range(max_iter):
        phi = np.empty((*phi_r.shape[:-1], spec.d))
        phi[..., ridx] = phi_r
        phi[..., spec.fixed_idx] = pop.mu[spec.fixed_idx]
        f, jac = spec.model.evaluate(phi, design.t, design.dose, scale=scale, jac=True)
        jac = jac[..., ridx]
        u = spec.error.variance(f, pop.psi)
        l_f, l_u, l_ff, _l_fu, _l_uu = loglik_derivatives(
            f, u, design.y, design.lim, design.quantified, design.cens
        )
        u_f = spec.error.du_df(f, pop.psi)
        g_f = l_f + l_u * u_f
        w = np.where(design.cens, -l_ff, 1.0 / u + 0.5 * (u_f / u) ** 2)
        w = np.where(design.mask, w, 0.0)
        grad = -np.einsum("nj,njk->nk", g_f, jac) + (phi_r - mean) / om**2
        hess = np.einsum("nj,njk,njl->nkl", w, jac, jac) + eye / om**2
        newton = -np.linalg.solve(hess, grad[..., None])[..., 0]
        newton = np.where(np.isfinite(newton), newton, 0.0)
        active = ~done
        new_phi, new_val, moved = line_search(newton, active)
        # at a kink (a sample at t = tmax of the Stein model) the mode often lies on the kink
        # itself: the full Newton step fails, while Newton steps with one parameter held
        # (the kinked one) still improve; the best of those, then the diagonally scaled
        # gradient
        retry = active & ~moved
        if retry.any():
            for k in range(ridx.size if ridx.size > 1 else 0):
                keep = np.delete(np.arange(ridx.size), k)
                sub = -np.linalg.solve(hess[:, keep][:, :, keep], grad[:, keep, None])[..., 0]
                direction = np.zeros_like(phi_r)
                direction[:, keep] = np.where(np.isfinite(sub), sub, 0.0)
                phi2, val2, moved2 = line_search(direction, retry)
                better = moved2 & (val2 < new_val)
                new_phi[better], new_val[better] = phi2[better], val2[better]
                moved |= better
            still = retry & ~moved
            if still.any():
                diag = -grad / np.diagonal(hess, axis1=1, axis2=2)
                phi2, val2, moved2 = line_search(np.where(np.isfinite(diag), diag, 0.0), still)
                new_phi[moved2], new_val[moved2] = phi2[moved2], val2[moved2]
                moved |= moved2
        # no descent direction left (a smooth or a kinked minimum), or no more progress
        stalled = active & ~moved
        # Fisher scoring converges linearly where a patient fits poorly: stop once a step gains
        # less than 1e-9 (relative) in the objective
        tiny = moved & ((value - new_val) < 1e-9 * (1 + np.abs(value)))
        done |= stalled | tiny
        phi_r, value = new_phi, new_val
        if done.all():
            break
    return phi_r, done
