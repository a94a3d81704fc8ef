"""Profile-likelihood confidence intervals.

``mass_profile_ci`` repeats R's ``confint`` on a ``glm`` (MASS ``profile.glm`` and
``confint.profile.glm``, R < 4.4): the signed root of the deviance difference is profiled on a
grid of steps of ``zmax / 5`` standard errors, ``zmax = sqrt(qchisq(1 - (1 - level) / 4, 1))``,
at most 9 steps each side; a Forsythe-Malcolm-Moler cubic spline through the grid is evaluated at
3 x (grid size) equally spaced points, and the bound is where straight lines through those points
cross ``qnorm((1 -+ level) / 2)``. This is an interpolation, not the exact root of the profile
likelihood: on MASS ``birthwt`` the two differ by up to 1.3e-4 relative (odds-ratio bounds), so
cartkit repeats R's interpolation to give R's numbers. ``firth_profile`` finds exact roots, as
``logistf`` does.
"""

from __future__ import annotations

import numpy as np
from scipy import optimize, stats

from ._glm import firth_fit, glm_fit


def fmm_spline(x: np.ndarray, y: np.ndarray, xout: np.ndarray) -> np.ndarray:
    """Cubic spline with Forsythe, Malcolm & Moler end conditions (R ``spline(method="fmm")``)."""
    n = len(x)
    if n < 2:
        raise ValueError("a spline needs at least two points")
    if n < 3:
        slope = (y[1] - y[0]) / (x[1] - x[0])
        return y[0] + slope * (xout - x[0])
    b = np.zeros(n)
    c = np.zeros(n)
    d = np.zeros(n)
    d[0] = x[1] - x[0]
    c[1] = (y[1] - y[0]) / d[0]
    for i in range(1, n - 1):
        d[i] = x[i + 1] - x[i]
        b[i] = 2.0 * (d[i - 1] + d[i])
        c[i + 1] = (y[i + 1] - y[i]) / d[i]
        c[i] = c[i + 1] - c[i]
    # third derivatives at the ends matched to those of cubics through the end points
    b[0] = -d[0]
    b[n - 1] = -d[n - 2]
    c[0] = c[n - 1] = 0.0
    if n > 3:
        c[0] = c[2] / (x[3] - x[1]) - c[1] / (x[2] - x[0])
        c[n - 1] = c[n - 2] / (x[n - 1] - x[n - 3]) - c[n - 3] / (x[n - 2] - x[n - 4])
        c[0] = c[0] * d[0] * d[0] / (x[3] - x[0])
        c[n - 1] = -c[n - 1] * d[n - 2] * d[n - 2] / (x[n - 1] - x[n - 4])
    for i in range(1, n):
        t = d[i - 1] / b[i - 1]
        b[i] = b[i] - t * d[i - 1]
        c[i] = c[i] - t * c[i - 1]
    c[n - 1] = c[n - 1] / b[n - 1]
    for i in range(n - 2, -1, -1):
        c[i] = (c[i] - d[i] * c[i + 1]) / b[i]
    b[n - 1] = (y[n - 1] - y[n - 2]) / d[n - 2] + d[n - 2] * (c[n - 2] + 2.0 * c[n - 1])
    for i in range(n - 1):
        b[i] = (y[i + 1] - y[i]) / d[i] - d[i] * (c[i + 1] + 2.0 * c[i])
        d[i] = (c[i + 1] - c[i]) / d[i]
        c[i] = 3.0 * c[i]
    c[n - 1] = 3.0 * c[n - 1]
    d[n - 1] = d[n - 2]
    idx = np.clip(np.searchsorted(x, xout, side="right") - 1, 0, n - 1)
    dx = xout - x[idx]
    return y[idx] + dx * (b[idx] + dx * (c[idx] + dx * d[idx]))


def _approx(x: np.ndarray, y: np.ndarray, xout: float) -> float:
    """R ``approx(x, y, xout)``: linear interpolation, NaN outside the range (rule = 1)."""
    order = np.argsort(x, kind="stable")
    xs, ys = x[order], y[order]
    # R averages y over tied x before interpolating
    ux, inv = np.unique(xs, return_inverse=True)
    uy = np.bincount(inv, weights=ys) / np.bincount(inv)
    if xout < ux[0] or xout > ux[-1] or len(ux) < 2:
        return float("nan")
    return float(np.interp(xout, ux, uy))


def mass_profile_ci(
    x: np.ndarray, y: np.ndarray, coef: np.ndarray, se: np.ndarray, dev0: float, level: float
) -> np.ndarray:
    """Profile CIs of every coefficient of an ML logistic fit, exactly as R's ``confint.glm``.

    Returns an array (p, 2) of bounds on the coefficient scale; NaN where the profile does not
    reach the cut-off within R's 9 steps (as R's NA, e.g. under separation).
    """
    alpha = (1.0 - level) / 4.0
    zmax = np.sqrt(stats.chi2.ppf(1.0 - alpha, 1))
    delta = zmax / 5.0
    maxsteps = 10
    cutoff = stats.norm.ppf([(1 - level) / 2, 1 - (1 - level) / 2])
    p = x.shape[1]
    out = np.full((p, 2), np.nan)
    for i in range(p):
        keep = np.arange(p) != i
        xi = x[:, keep]
        zs, bs = [0.0], [coef[i]]
        for sgn in (-1.0, 1.0):
            lp = x @ coef
            z = 0.0
            step = 0
            while True:
                step += 1
                if step >= maxsteps or abs(z) >= zmax:
                    break
                bi = coef[i] + sgn * step * delta * se[i]
                off = x[:, i] * bi
                fit, dev = glm_fit(xi, y, offset=off, etastart=lp)
                lp = xi @ fit.coef + off
                zz = dev - dev0
                if zz < -1e-3:
                    raise ArithmeticError("profiling found a better fit: the fit had not converged")
                z = sgn * np.sqrt(max(zz, 0.0))
                zs.append(z)
                bs.append(bi)
        order = np.argsort(zs, kind="stable")
        zs_sorted = np.asarray(zs)[order]
        bs_sorted = np.asarray(bs)[order]
        # R: spline(x = parameter values, y = z), then approx(z, parameter) at the cut-offs
        grid = np.linspace(bs_sorted[0], bs_sorted[-1], 3 * len(bs_sorted))
        zgrid = fmm_spline(bs_sorted, zs_sorted, grid)
        out[i] = [_approx(zgrid, grid, c) for c in cutoff]
    return out


def _bracket_root(f, start: float, scale: float, direction: float, limit: int = 60):
    """Walk from ``start`` in ``direction`` doubling the step until ``f`` changes sign."""
    lo = start
    step = scale
    for _ in range(limit):
        hi = start + direction * step
        if f(hi) > 0:
            return (lo, hi) if direction > 0 else (hi, lo)
        lo = hi
        step *= 2.0
    return None


def firth_profile(
    x: np.ndarray, y: np.ndarray, coef: np.ndarray, se: np.ndarray, pl0: float, level: float
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Profile penalised-likelihood CIs and penalised likelihood-ratio tests (R ``logistf``).

    For coefficient j the restricted fits hold beta_j fixed and maximise the penalised likelihood
    over the others, the penalty being that of the full model. The CI bounds are the exact roots
    of ``2 (pl0 - pl(beta_j)) = qchisq(level, 1)``; the test statistic is that difference at
    beta_j = 0. Returns (ci (p, 2), chisq (p,), p_value (p,)).
    """
    p = x.shape[1]
    crit = stats.chi2.ppf(level, 1)
    ci = np.full((p, 2), np.nan)
    chisq = np.full(p, np.nan)
    for j in range(p):
        free = np.arange(p) != j
        cache: dict[float, np.ndarray] = {}

        def drop(bj, j=j, free=free, cache=cache):
            nearest = min(cache, key=lambda c, b=bj: abs(c - b)) if cache else None
            start = coef.copy() if nearest is None else cache[nearest].copy()
            start[j] = bj
            fit = firth_fit(x, y, free=free, start=start)
            cache[bj] = fit.coef
            return 2.0 * (pl0 - fit.loglik)

        chisq[j] = max(drop(0.0), 0.0)
        for k, direction in enumerate((-1.0, 1.0)):
            bracket = _bracket_root(lambda b, d=drop: d(b) - crit, coef[j], se[j], direction)
            if bracket is not None:
                ci[j, k] = optimize.brentq(
                    lambda b, d=drop: d(b) - crit, *bracket, xtol=1e-10, rtol=1e-12
                )
    return ci, chisq, stats.chi2.sf(chisq, 1)
