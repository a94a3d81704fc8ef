"""Argument checks of the design functions: a DataError that says what to pass instead."""

from __future__ import annotations

import math
import numbers

import numpy as np

from ..errors import DataError


def probability(value, name: str, lo: float = 0.0, hi: float = 1.0) -> float:
    """``value`` as a float strictly inside (lo, hi)."""
    if isinstance(value, bool) or not isinstance(value, numbers.Real):
        raise DataError(f"{name} must be a number in ({lo:g}, {hi:g}), got {value!r}")
    v = float(value)
    if not lo < v < hi:
        raise DataError(f"{name} must be in ({lo:g}, {hi:g}), got {value!r}")
    return v


def positive(value, name: str, *, allow_zero: bool = False) -> float:
    """``value`` as a finite float > 0 (>= 0 with ``allow_zero``)."""
    if isinstance(value, bool) or not isinstance(value, numbers.Real):
        raise DataError(f"{name} must be a positive number, got {value!r}")
    v = float(value)
    if not math.isfinite(v) or v < 0 or (v == 0 and not allow_zero):
        bound = ">= 0" if allow_zero else "> 0"
        raise DataError(f"{name} must be a finite number {bound}, got {value!r}")
    return v


def whole(value, name: str, lo: int = 1, hi: int | None = None) -> int:
    """``value`` as an int in [lo, hi]."""
    if isinstance(value, bool) or not isinstance(value, numbers.Integral):
        if isinstance(value, float) and value.is_integer():
            value = int(value)
        else:
            raise DataError(f"{name} must be a whole number >= {lo}, got {value!r}")
    v = int(value)
    if v < lo or (hi is not None and v > hi):
        span = f">= {lo}" if hi is None else f"between {lo} and {hi}"
        raise DataError(f"{name} must be {span}, got {value!r}")
    return v


def sided(value) -> int:
    """1 or 2."""
    if value not in (1, 2) or isinstance(value, bool):
        raise DataError(f"sided must be 1 (one-sided test) or 2 (two-sided), got {value!r}")
    return int(value)


def hazard_ratio(value, name: str = "hazard_ratio") -> float:
    """A hazard ratio > 0 and != 1 (no effect has no sample size)."""
    v = positive(value, name)
    if v == 1.0:
        raise DataError(f"{name} must differ from 1: a hazard ratio of 1 is no effect to detect")
    return v


def information_rates(rates, k: int) -> np.ndarray:
    """Increasing information rates in (0, 1]; equally spaced when None."""
    if rates is None:
        return np.arange(1, k + 1) / k
    try:
        t = np.asarray(rates, dtype=float).ravel()
    except (TypeError, ValueError):
        raise DataError(f"information_rates must be numbers, got {rates!r}") from None
    if len(t) != k:
        raise DataError(f"information_rates has {len(t)} value(s); a design with k={k} needs {k}")
    if not np.all(np.isfinite(t)) or t[0] <= 0 or np.any(np.diff(t) <= 0):
        raise DataError(f"information_rates must increase strictly from above 0, got {t.tolist()}")
    if t[-1] > 1.0 + 1e-12:
        raise DataError(f"information_rates must not exceed 1, got {t.tolist()}")
    return t
