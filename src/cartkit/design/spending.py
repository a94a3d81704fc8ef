"""Error-spending functions, as rpact defines them (``getSpendingValueCpp``).

``spending("OF", ...)`` is the Lan-DeMets (1983) O'Brien-Fleming-like function
``2 s (1 - Phi(z_(1 - alpha / (2 s)) / sqrt(t)))`` for an s-sided test (s = 1 or 2); ``"P"`` the
Lan-DeMets Pocock-like function ``alpha log(1 + (e - 1) t)``; ``"KD"`` Kim & DeMets'
``alpha t^gamma``; ``"HSD"`` Hwang, Shih & DeCani's
``alpha (1 - e^(-gamma t)) / (1 - e^(-gamma))``.
Beta spending (futility) uses the same families with ``sided = 1`` (rpact's ``bsOF``, ``bsP``,
``bsKD``, ``bsHSD``).
"""

from __future__ import annotations

import numpy as np
from scipy.special import ndtr, ndtri

from ..errors import DataError

__all__ = ["SPENDING_FUNCTIONS", "spending"]

#: the spending families: O'Brien-Fleming-like, Pocock-like, Kim-DeMets power, Hwang-Shih-DeCani
SPENDING_FUNCTIONS = ("OF", "P", "KD", "HSD")


def spending(kind: str, total: float, t, sided: int = 1, gamma: float | None = None) -> np.ndarray:
    """Cumulative error spent by information rate ``t`` for a spending family.

    Parameters
    ----------
    kind : {"OF", "P", "KD", "HSD"}
        The family (without rpact's ``as``/``bs`` prefix).
    total : float
        Error spent at ``t = 1`` (alpha or beta).
    t : array_like
        Information rates in (0, 1].
    sided : {1, 2}
        Sides of the test; matters only for the O'Brien-Fleming-like function.
    gamma : float, optional
        Parameter of ``"KD"`` (> 0) and ``"HSD"`` (any real; 0 is linear).

    Returns
    -------
    numpy.ndarray
        Cumulative spending at each ``t``.
    """
    t = np.asarray(t, dtype=float)
    if kind == "P":
        return total * np.log1p((np.e - 1.0) * t)
    if kind == "OF":
        return 2.0 * sided * ndtr(ndtri(total / (2.0 * sided)) / np.sqrt(t))
    if kind in ("KD", "HSD") and gamma is None:
        raise DataError(f"spending function {kind!r} needs gamma (e.g. gamma=2)")
    if kind == "KD":
        if gamma <= 0:
            raise DataError(f"Kim-DeMets spending needs gamma > 0, got {gamma}")
        return total * t**gamma
    if kind == "HSD":
        if gamma == 0:
            return total * t
        return total * (1.0 - np.exp(-gamma * t)) / (1.0 - np.exp(-gamma))
    raise DataError(f"unknown spending function {kind!r}; use one of {SPENDING_FUNCTIONS}")
