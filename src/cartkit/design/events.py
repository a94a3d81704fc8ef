"""Events and power of the log-rank test (Schoenfeld 1981).

As rpact's ``getSampleSizeSurvival`` and ``getPowerSurvival`` compute them for a fixed design.

Under proportional hazards the log-rank statistic is approximately normal with mean
``sqrt(d p (1 - p)) |log HR|`` after ``d`` events, ``p`` being the share randomised to the
experimental arm. Hence ``d = (z_(1 - alpha / s) + z_(1 - beta))^2 / (p (1 - p) log(HR)^2)``
for an s-sided test (rpact's ``(1 + r)^2 / r`` with allocation ratio ``r = p / (1 - p)``).
"""

from __future__ import annotations

import numpy as np
from scipy.special import ndtr, ndtri

from . import _checks

__all__ = ["logrank_events", "logrank_power"]


def _allocation(allocation) -> float:
    return _checks.probability(allocation, "allocation (share randomised to the experimental arm)")


def logrank_events(
    hazard_ratio: float,
    alpha: float = 0.025,
    power: float = 0.9,
    sided: int = 1,
    allocation: float = 0.5,
) -> float:
    """Events a log-rank test needs to detect ``hazard_ratio`` (Schoenfeld's formula).

    Parameters
    ----------
    hazard_ratio : float
        Hazard ratio, experimental vs control, under the alternative (> 0, != 1).
    alpha : float, default 0.025
        Type I error; for ``sided=2`` the total of both tails.
    power : float, default 0.9
        Power, ``1 - beta``.
    sided : {1, 2}, default 1
        A two-sided test uses ``z_(1 - alpha / 2)`` (rpact's default, ``twoSidedPower = FALSE``).
    allocation : float, default 0.5
        Share of patients randomised to the experimental arm (1:1 is 0.5, 2:1 is 2/3).

    Returns
    -------
    float
        Events (not rounded up; ``math.ceil`` it for a plan).

    Examples
    --------
    >>> round(logrank_events(0.75, power=0.8), 2)
    379.35
    """
    hr = _checks.hazard_ratio(hazard_ratio)
    a = _checks.probability(alpha, "alpha", 0.0, 1.0)
    s = _checks.sided(sided)
    b = 1.0 - _checks.probability(power, "power")
    p = _allocation(allocation)
    z = ndtri(a / s) + ndtri(b)
    return float(z * z / (p * (1.0 - p) * np.log(hr) ** 2))


def logrank_power(
    events: float,
    hazard_ratio: float,
    alpha: float = 0.025,
    sided: int = 1,
    allocation: float = 0.5,
) -> float:
    """Power of a log-rank test after ``events`` events (Schoenfeld's approximation).

    Parameters
    ----------
    events : float
        Number of events (> 0).
    hazard_ratio : float
        Hazard ratio under the alternative (> 0).
    alpha : float, default 0.025
        Type I error (both tails together when ``sided=2``).
    sided : {1, 2}, default 1
        One-sided: power to reject in the direction of the effect. Two-sided: probability of
        rejecting in either direction (rpact's ``getPowerSurvival`` default for two sides).
    allocation : float, default 0.5
        Share randomised to the experimental arm.

    Returns
    -------
    float
        Power in (0, 1).

    Examples
    --------
    >>> round(logrank_power(379.35, 0.75), 3)
    0.8
    """
    d = _checks.positive(events, "events")
    hr = _checks.positive(hazard_ratio, "hazard_ratio")
    a = _checks.probability(alpha, "alpha", 0.0, 1.0)
    s = _checks.sided(sided)
    p = _allocation(allocation)
    drift = np.sqrt(d * p * (1.0 - p)) * abs(np.log(hr))
    z = -ndtri(a / s)
    if s == 1:
        return float(ndtr(drift - z))
    return float(ndtr(drift - z) + ndtr(-drift - z))
