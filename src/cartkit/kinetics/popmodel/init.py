"""Starting values: typical parameters read off the data, as a pharmacometrician would.

SAEM forgets its starting point (its first iterations draw from a wide population distribution,
omega = 1 on every parameter), so these only need to be of the right order and on the right
side of the Stein model's one ambiguity: ``alpha > beta`` (the fast phase is the effector one).
"""

from __future__ import annotations

import numpy as np

from .design import Design
from .models import KineticModel, one_compartment_oral, stein2019
from .residual import ErrorModel

__all__ = ["initial_values"]


def _nanmedian(values, default):
    values = values[np.isfinite(values)]
    return float(np.median(values)) if values.size else default


def _row_mean(values):
    """Mean of the finite values of each row (NaN for a row with none), without warnings."""
    ok = np.isfinite(values)
    n = ok.sum(axis=1)
    total = np.where(ok, values, 0.0).sum(axis=1)
    return np.where(n > 0, total / np.maximum(n, 1), np.nan)


def _profile_peaks(design: Design):
    conc = np.where(design.mask & ~design.cens, design.conc, -np.inf)
    j = np.argmax(conc, axis=1)
    rows = np.arange(design.n_patients)
    return conc[rows, j], design.t[rows, j], j


def _stein(design: Design) -> np.ndarray:
    cmax, tmax, _j = _profile_peaks(design)
    t, c = design.t, np.where(design.mask & ~design.cens, design.conc, np.nan)
    cm, tm = cmax[:, None], tmax[:, None]
    with np.errstate(divide="ignore", invalid="ignore"):
        slope = np.log(cm / c) / np.abs(t - tm)
    before = (t < tm) & (c > 0)
    soon = (t > tm) & (t <= tm + 60) & (c > 0)
    late = (t > tm + 100) & (c > 0)
    rho = _nanmedian(np.nanmax(np.where(before, slope, np.nan), axis=1, initial=-np.inf), 0.5)
    alpha = _nanmedian(_row_mean(np.where(soon, slope, np.nan)), 0.1)
    alpha = max(alpha, 0.01)
    beta = alpha / 30.0
    with np.errstate(divide="ignore", invalid="ignore"):
        fb_each = c * np.exp(beta * (t - tm)) / cm
    fb_row = np.exp(_row_mean(np.log(np.where(late, fb_each, np.nan))))
    fb = float(np.clip(_nanmedian(fb_row, 0.01), 1e-4, 0.3))
    return np.array(
        [
            np.exp(np.median(np.log(cmax))),
            max(float(np.median(tmax)), 1e-3),
            max(rho, 1e-3),
            alpha,
            beta,
            fb,
        ]
    )


def _one_compartment(design: Design) -> np.ndarray:
    cmax, tmax, _ = _profile_peaks(design)
    t, c = design.t, np.where(design.mask & ~design.cens, design.conc, np.nan)
    ok = design.mask & ~design.cens & (t > tmax[:, None]) & (c > 0)
    # terminal slope from the peak to the last quantified value
    j_last = np.where(ok, np.arange(t.shape[1]), -1).max(axis=1)
    rows = np.arange(t.shape[0])
    tl, cl_ = t[rows, j_last], c[rows, j_last]
    with np.errstate(divide="ignore", invalid="ignore"):
        ke = _nanmedian(np.where(j_last >= 0, np.log(cmax / cl_) / (tl - tmax), np.nan), 0.1)
    ke = max(ke, 1e-4)
    tm = max(float(np.median(tmax)), 1e-3)
    # ka from tmax = log(ka/ke)/(ka - ke), by bisection on ka > ke
    lo, hi = ke * (1 + 1e-6), ke * 1e4
    for _ in range(100):
        mid = np.sqrt(lo * hi)
        if np.log(mid / ke) / (mid - ke) > tm:
            lo = mid
        else:
            hi = mid
    ka = float(np.sqrt(lo * hi))
    dose = np.ones(design.n_patients) if design.dose is None else design.dose
    conc_peak = ka / (ka - ke) * (np.exp(-ke * tm) - np.exp(-ka * tm))
    v = _nanmedian(dose * conc_peak / cmax, 1.0)
    return np.array([ka, ke * v, v])


def initial_values(design: Design, model: KineticModel, error: ErrorModel):
    """Typical values (natural scale) and residual SDs to start from."""
    if model.initial is not None:
        typical = np.asarray(model.initial(design), dtype=float)
    elif model is stein2019:
        typical = _stein(design)
    elif model is one_compartment_oral:
        typical = _one_compartment(design)
    else:  # a user's model: start from 1 (its own scaling is the user's choice)
        typical = np.where(np.asarray(model.transforms) == "logit", 0.5, 1.0)
    y = design.y[design.mask & ~design.cens]
    if error.name == "log_additive":
        sd = [1.0]
    elif error.name == "additive":
        sd = [max(float(np.std(y)) / 2, 1e-8)]
    elif error.name == "proportional":
        sd = [0.3]
    else:
        sd = [max(float(np.median(np.abs(y))) / 10, 1e-8), 0.3]
    return typical, np.log(np.asarray(sd, dtype=float))
