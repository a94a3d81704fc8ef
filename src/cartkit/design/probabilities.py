"""Boundary-crossing probabilities of a group-sequential z-statistic, by recursive integration.

The z-statistics ``Z_1, ..., Z_K`` at information rates ``t_1 < ... < t_K`` form a Brownian motion
in information time: ``Z_k sqrt(t_k)`` has independent increments of variance ``t_k - t_(k-1)``.
The probability of continuing to stage ``k`` and then ending below a bound is an iterated
integral (Armitage, McPherson & Rowe 1969; Jennison & Turnbull 2000, ch. 19): the sub-density
of ``Z_k`` on the continuation region is carried from stage to stage on a grid, integrated with
the composite 7-point closed Newton-Cotes rule on 91 points per interval, as rpact does
(``getGroupSequentialProbabilitiesCpp``). Bounds are clipped to [-6, 8] (one continuation
interval) or [-8, 8] (two), as rpact does, which changes no probability above 1e-9.
"""

from __future__ import annotations

import numpy as np
from scipy.special import ndtr

__all__ = ["GRID_POINTS", "crossing_probabilities"]

#: grid points per continuation interval (6 * 15 + 1: fifteen 7-point Newton-Cotes panels)
GRID_POINTS = 91
_UPPER = 8.0
#: weights of the closed 7-point Newton-Cotes rule, in units of 6 h / 840
_NC7 = np.array([41.0, 216.0, 27.0, 272.0, 27.0, 216.0, 41.0]) * 6.0 / 840.0
_INV_SQRT_2PI = 0.3989422804014327


def _panel_weights(points: int) -> np.ndarray:
    """Composite Newton-Cotes weights for ``points`` equally spaced nodes (unit spacing)."""
    panels = (points - 1) // 6
    w = np.zeros(points)
    for p in range(panels):  # a handful of panels, once per call
        w[6 * p : 6 * p + 7] += _NC7
    return w


_WEIGHTS = _panel_weights(GRID_POINTS)


def _grid(lo: float, hi: float) -> tuple[np.ndarray, np.ndarray]:
    x = np.linspace(lo, hi, GRID_POINTS)
    return x, _WEIGHTS * ((hi - lo) / (GRID_POINTS - 1))


def crossing_probabilities(bounds, information_rates) -> np.ndarray:
    """Probabilities of continuing to each stage and ending below each bound there.

    Parameters
    ----------
    bounds : array_like, shape (2, K) or (4, K)
        Per stage, the bounds of the continuation region: ``[l_k, u_k]`` (two rows) or
        ``[a_k, b_k] U [c_k, d_k]`` (four rows, a two-sided test with an inner futility region).
        Rows are increasing within a column. Bounds at and above 8 (below -6 or -8) are clipped.
    information_rates : array_like, shape (K,)
        Increasing information rates ``t_k`` in (0, 1].

    Returns
    -------
    numpy.ndarray, shape (rows + 1, K)
        Row ``r`` at stage ``k``: P(continue through stages 1..k-1, Z_k < bound_r,k); the last
        row is P(continue through stages 1..k-1) (1 at the first stage). These are rpact's
        ``getGroupSequentialProbabilities`` rows.
    """
    b = np.array(bounds, dtype=float, ndmin=2)
    t = np.asarray(information_rates, dtype=float)
    rows, k_max = b.shape
    b = np.minimum(b, _UPPER)
    out = np.empty((rows + 1, k_max))
    out[:rows, 0] = ndtr(b[:, 0])
    out[rows, 0] = 1.0
    b = np.maximum(b, -6.0 if rows == 2 else -_UPPER)
    sqrt_t = np.sqrt(t)
    eps = np.diff(t, prepend=0.0)
    x_prev = dn_prev = None
    for k in range(1, k_max):  # K stages: a few iterations, each vectorised over the grid
        j = k - 1
        pieces = [_grid(b[0, j], b[1, j])]
        if rows == 4:
            pieces.append(_grid(b[2, j], b[3, j]))
        x = np.concatenate([p[0] for p in pieces])
        w = np.concatenate([p[1] for p in pieces])
        if k == 1:
            dens = _INV_SQRT_2PI * np.exp(-0.5 * x * x)
        else:
            # density of Z_(k-1) on its continuation region, carried from Z_(k-2)
            s = np.sqrt(eps[j])
            a = (x[:, None] * sqrt_t[j] - x_prev[None, :] * sqrt_t[j - 1]) / s
            dens = (np.exp(-0.5 * a * a) * _INV_SQRT_2PI) @ dn_prev * (sqrt_t[j] / s)
        dn = w * dens
        arg = (b[:, k, None] * sqrt_t[k] - x[None, :] * sqrt_t[j]) / np.sqrt(eps[k])
        out[:rows, k] = ndtr(arg) @ dn
        prev = out[:rows, j]
        out[rows, k] = prev[1] - prev[0] if rows == 2 else prev[3] - prev[2] + prev[1] - prev[0]
        x_prev, dn_prev = x, dn
    return out
