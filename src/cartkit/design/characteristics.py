"""Power, inflation factor and expected information of a group-sequential design.

These are rpact's ``getDesignCharacteristics``.

For a drift ``theta`` the z-statistic at stage k has mean ``sqrt(I_max t_k) theta``; the
*shift* is the maximum information (in units of ``1 / theta^2``) at which the design has power
``1 - beta``. The fixed design needs ``n_fixed = (z_(1 - alpha / s) + z_(1 - beta))^2``; the
inflation factor is ``shift / n_fixed``, so a group-sequential trial needs ``inflation`` times
the events of the fixed one. The expected information under H1, under H0 and half-way between
is ``shift (1 - sum_k P(stop at k) (t_K - t_k))``, reported relative to ``n_fixed`` as rpact's
``averageSampleNumber1/0/01``. Futility bounds (binding or not) stop the trial in these
calculations, as in rpact; critical values above 7.5 are taken as 7.5.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy.special import ndtri

from .boundaries import LOWER, _root
from .probabilities import crossing_probabilities

__all__ = ["Characteristics", "design_characteristics", "fixed_information"]


def fixed_information(alpha: float, beta: float, sided: int) -> float:
    """``(z_(1 - alpha / sided) + z_(1 - beta))^2``: the fixed design's information for theta 1."""
    return float((ndtri(alpha / sided) + ndtri(beta)) ** 2)


@dataclass(frozen=True)
class Characteristics:
    """What :func:`design_characteristics` computes."""

    shift: float
    n_fixed: float
    inflation: float
    power: np.ndarray
    rejection: np.ndarray
    futility: np.ndarray
    expected_h1: float
    expected_h0: float
    expected_h01: float


def _stage_probs(crit, fut, t, drift: float, sided: int):
    """(rejection, futility-stop) probabilities per stage at drift ``drift``."""
    shift = np.sqrt(t) * drift
    if sided == 2:
        p = crossing_probabilities(np.vstack([-crit - shift, crit - shift]), t)
        return p[2] - p[1], p[0]
    lower = np.append(fut, LOWER) - shift
    lower[np.append(fut, LOWER) <= LOWER] = LOWER
    p = crossing_probabilities(np.vstack([lower, crit - shift]), t)
    return p[2] - p[1], p[0]


def _expected(t, reject, stop_other, shift, n_fixed):
    stop = (reject + stop_other)[:-1]
    return (shift - np.sum(stop * (t[-1] - t[:-1]) * shift)) / n_fixed


def design_characteristics(crit, fut, t, alpha: float, beta: float, sided: int) -> Characteristics:
    """Rpact's ``getDesignCharacteristics`` for a one- or two-sided group-sequential design.

    ``fut`` holds the K-1 futility bounds of a one-sided design (``LOWER`` for none).
    """
    t = np.asarray(t, float)
    k_max = len(t)
    n_fixed = fixed_information(alpha, beta, sided)
    crit = np.minimum(np.asarray(crit, float), 7.5)
    fut = np.full(k_max - 1, LOWER) if fut is None else np.asarray(fut, float)
    if k_max == 1:
        one = np.array([1.0 - beta])
        return Characteristics(n_fixed, n_fixed, 1.0, one, one, np.zeros(0), 1.0, 1.0, 1.0)
    upper = 4.0 * n_fixed

    def gap(shift):
        reject, _ = _stage_probs(crit, fut, t, np.sqrt(shift), sided)
        return reject.sum() - 1.0 + beta

    shift = _root(gap, 0.0, upper)
    drift = np.sqrt(shift)
    reject, other = _stage_probs(crit, fut, t, drift, sided)
    # a two-sided test's lower crossing is a rejection under H0 but not a futility stop
    futility = np.zeros(k_max - 1) if sided == 2 else other[:-1].copy()
    if sided == 1:
        futility[fut <= LOWER] = 0.0
    r0, o0 = _stage_probs(crit, fut, t, 0.0, sided)
    r01, o01 = _stage_probs(crit, fut, t, drift / 2.0, sided)
    return Characteristics(
        shift=shift,
        n_fixed=n_fixed,
        inflation=shift / n_fixed,
        power=np.cumsum(reject),
        rejection=reject,
        futility=futility,
        expected_h1=_expected(t, reject, other, shift, n_fixed),
        expected_h0=_expected(t, r0, o0, shift, n_fixed),
        expected_h01=_expected(t, r01, o01, shift, n_fixed),
    )
