"""Piecewise-uniform accrual and the probability of an observed event by a calendar time.

A patient who enters at ``u`` on arm i has an exponential event time with hazard ``lambda_i``
and an exponential drop-out time with hazard ``phi_i``; by calendar time ``T`` the event has been
observed with probability ``lambda_i / (lambda_i + phi_i) (1 - exp(-(lambda_i + phi_i)(T - u)))``.
Integrating over the accrual density (constant on each accrual interval) gives, in closed form,
the expected share of all planned patients with an observed event by ``T`` (rpact integrates the
same quantity numerically in ``.getEventProbabilities``).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ..errors import DataError

__all__ = ["Accrual", "event_probability"]


@dataclass(frozen=True)
class Accrual:
    """Accrual intervals ``[starts[j], ends[j])`` with relative intensities ``weights[j]``."""

    starts: np.ndarray
    ends: np.ndarray
    weights: np.ndarray

    @classmethod
    def build(cls, accrual_time, accrual_intensity=None) -> Accrual:
        """From an accrual end (float) or break points ``[0, t1, ..., end]``."""
        t = np.atleast_1d(np.asarray(accrual_time, dtype=float))
        if t.size == 1:
            t = np.array([0.0, t[0]])
        if t[0] != 0.0 or np.any(np.diff(t) <= 0) or not np.all(np.isfinite(t)):
            raise DataError(
                "accrual_time must be the end of accrual (> 0) or increasing break points "
                f"starting at 0, e.g. [0, 6, 24]; got {np.asarray(accrual_time).tolist()}"
            )
        n = t.size - 1
        w = (
            np.ones(n)
            if accrual_intensity is None
            else np.atleast_1d(np.asarray(accrual_intensity, dtype=float))
        )
        if w.size != n or np.any(w < 0) or not np.any(w > 0):
            raise DataError(
                f"accrual_intensity needs one value >= 0 per accrual interval ({n}), not all 0; "
                f"got {np.asarray(accrual_intensity).tolist()}"
            )
        return cls(t[:-1], t[1:], w)

    @property
    def end(self) -> float:
        """End of accrual."""
        return float(self.ends[-1])

    @property
    def density(self) -> np.ndarray:
        """Accrual density on each interval (integrates to 1 over accrual)."""
        return self.weights / np.sum(self.weights * (self.ends - self.starts))

    def fraction(self, time) -> np.ndarray:
        """Share of the planned patients accrued by ``time``."""
        time = np.asarray(time, dtype=float)
        width = np.clip(time[..., None] - self.starts, 0.0, self.ends - self.starts)
        return np.sum(self.density * width, axis=-1)

    def intensity(self, n_patients: float) -> np.ndarray:
        """Patients per time unit on each interval for ``n_patients`` in all."""
        return self.density * n_patients


def _arm(time: float, acc: Accrual, lam: float, phi: float) -> float:
    c = lam + phi
    lo = acc.starts
    hi = np.minimum(acc.ends, time)
    ok = hi > lo
    lo, hi, dens = lo[ok], hi[ok], acc.density[ok]
    # integral over entry u in [lo, hi] of (1 - exp(-c (T - u))) du
    inner = (hi - lo) - (np.exp(-c * (time - hi)) - np.exp(-c * (time - lo))) / c
    return float(lam / c * np.sum(dens * inner))


def event_probability(time: float, acc: Accrual, lambdas, phis, ratio: float) -> float:
    """Expected share of all planned patients with an observed event by calendar ``time``.

    ``lambdas`` and ``phis`` are (experimental, control) event and drop-out hazards; ``ratio``
    the allocation ratio experimental : control.
    """
    p1 = _arm(time, acc, lambdas[0], phis[0])
    p2 = _arm(time, acc, lambdas[1], phis[1])
    return (ratio * p1 + p2) / (1.0 + ratio)
