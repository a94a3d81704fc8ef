"""Simulate from a population model: for visual predictive checks and parameter recovery."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import numpy as np
import pandas as pd

from ..._core.frames import plain_text_result
from ...errors import DataError
from .models import KineticModel, resolve_model
from .residual import error_model
from .spec import Pop, Spec

__all__ = ["draw_observations", "simulate_kinetic_model"]


def draw_observations(rng, spec: Spec, pop: Pop, x, t, dose=None, n_rep: int = 1):
    """Replicates of every patient's observations at times ``t`` ``(N, J)``, error scale.

    Each replicate draws new individual parameters from the population distribution and new
    residual errors. Returns an array ``(n_rep, N, J)``.
    """
    mean = pop.mean(spec, x)
    n, d = mean.shape
    phi = mean[None] + pop.omega[None, None, :] * rng.standard_normal((n_rep, n, d))
    scale = "log" if spec.error.log_scale else "natural"
    f = spec.model.evaluate(phi, t[None], None if dose is None else dose[None], scale=scale)
    u = spec.error.variance(f, pop.psi)
    return f + np.sqrt(u) * rng.standard_normal(f.shape)


@plain_text_result
def simulate_kinetic_model(
    n_patients: int,
    times: Sequence[float] | np.ndarray,
    population: Mapping[str, float],
    omega: Mapping[str, float],
    sigma: float | Sequence[float],
    *,
    model: str | KineticModel = "stein2019",
    error: str = "log_additive",
    lloq: float | None = None,
    dose: float | Sequence[float] | None = None,
    seed: int = 0,
) -> pd.DataFrame:
    """Simulate a cohort from a population kinetic model.

    Parameters
    ----------
    n_patients : int
        Number of patients.
    times : sequence of float or numpy.ndarray
        Sampling times: one schedule for everyone, or an ``(n_patients, J)`` array (NaN where
        a patient has no sample).
    population : mapping
        Typical value of each model parameter (natural scale).
    omega : mapping
        SD of each parameter's random effect (log scale; logit for ``fb``); a parameter left
        out has none.
    sigma : float or sequence of float
        Residual SD(s) of ``error`` (two for ``combined``: additive, proportional).
    model, error : str
        As in :func:`fit_kinetic_model`.
    lloq : float, optional
        Values below it are reported as 0 with ``blq = True``. Without it, an additive-type
        error can give negative values (as the model says), which a fit refuses.
    dose : float or sequence of float, optional
        Dose per patient (models that need one).
    seed : int
        Seed of the random draws.

    Returns
    -------
    pandas.DataFrame
        ``patient_id, day, copies_per_ug, blq, lloq`` (plus ``dose`` when given), one row per
        sample; patient ids ``S0001, S0002, ...``.
    """
    m = resolve_model(model)
    err = error_model(error)
    unknown = sorted(set(population) ^ set(m.parameters))
    if unknown:
        raise DataError(f"population must give exactly {', '.join(m.parameters)}")
    if set(omega) - set(m.parameters):
        raise DataError(
            f"omega names parameters not in the model: {set(omega) - set(m.parameters)}"
        )
    rng = np.random.default_rng(seed)
    random = tuple(p in omega for p in m.parameters)
    spec = Spec(m, err, random)
    mu = m.to_phi(np.array([population[p] for p in m.parameters], dtype=float))
    om = np.array([float(omega.get(p, 0.0)) for p in m.parameters])
    psi = np.log(np.atleast_1d(np.asarray(sigma, dtype=float)))
    if psi.size != len(err.parameters):
        raise DataError(f"error {error!r} takes {len(err.parameters)} SD(s), got {psi.size}")
    pop = Pop(mu=mu, beta=np.zeros(0), omega=om, psi=psi)
    t = np.asarray(times, dtype=float)
    t = np.broadcast_to(t, (n_patients, t.shape[-1])) if t.ndim == 1 else t
    dose_v = None if dose is None else np.broadcast_to(np.asarray(dose, float), (n_patients,))
    if m.needs_dose and dose_v is None:
        raise DataError(f"model {m.name!r} needs a dose")
    y = draw_observations(rng, spec, pop, np.zeros((n_patients, 0)), np.nan_to_num(t), dose_v)[0]
    conc = np.exp(y) if err.log_scale else y
    blq = np.zeros(conc.shape, dtype=bool) if lloq is None else conc < lloq
    keep = ~np.isnan(t)
    rows, cols = np.nonzero(keep)
    out = pd.DataFrame(
        {
            "patient_id": np.array([f"S{i + 1:04d}" for i in range(n_patients)])[rows],
            "day": t[rows, cols],
            "copies_per_ug": np.where(blq, 0.0, conc)[rows, cols],
            "blq": blq[rows, cols],
            "lloq": np.full(rows.size, np.nan if lloq is None else float(lloq)),
        }
    )
    if dose_v is not None:
        out["dose"] = dose_v[rows]
    return out
