"""One chunk of simulated two-arm trials, vectorised over trials and patients.

Patients enter uniformly over the accrual period; the first ``n_experimental`` columns are the
experimental arm (fixed group sizes, as a randomisation list would give). Event times are drawn
by a *sampler*: exponential in each arm (:class:`ExponentialArms`) or resampled from pools of
patients of a virtual cohort (:class:`PooledArms`, see :mod:`cartkit.design.cart`). Drop-out is
exponential. Each analysis happens when the planned number of events has occurred (event-driven)
or at a fixed calendar time, and is a log-rank test (:func:`logrank_z`); with several analyses the
trial stops at the first crossing of an efficacy (or futility) bound.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .logrank_batch import logrank_z

__all__ = ["ChunkSpec", "ExponentialArms", "PooledArms", "run_chunk"]


@dataclass(frozen=True)
class ExponentialArms:
    """Exponential event times: hazard ``control_hazard`` and ``control_hazard * hazard_ratio``."""

    control_hazard: float
    hazard_ratio: float

    def draw(self, rng: np.random.Generator, trials: int, n_exp: int, n_ctl: int) -> np.ndarray:
        """Event times, experimental columns first."""
        e = rng.standard_exponential((trials, n_exp + n_ctl))
        rate = np.r_[
            np.full(n_exp, self.control_hazard * self.hazard_ratio),
            np.full(n_ctl, self.control_hazard),
        ]
        return e / rate


@dataclass(frozen=True)
class PooledArms:
    """Event times resampled with replacement from a pool per arm (``inf``: no event ever)."""

    experimental: np.ndarray
    control: np.ndarray

    def draw(self, rng: np.random.Generator, trials: int, n_exp: int, n_ctl: int) -> np.ndarray:
        """Event times resampled from the pools, experimental columns first."""
        i = rng.integers(0, self.experimental.size, (trials, n_exp))
        j = rng.integers(0, self.control.size, (trials, n_ctl))
        return np.hstack([self.experimental[i], self.control[j]])


@dataclass(frozen=True)
class ChunkSpec:
    """Everything one chunk needs (picklable, so a Dask worker can run it)."""

    sampler: ExponentialArms | PooledArms
    n_patients: int
    n_experimental: int
    accrual: float
    dropout_hazard: float
    events: tuple[int, ...] | None
    analysis_times: tuple[float, ...] | None
    critical: tuple[float, ...]
    futility: tuple[float, ...]
    two_sided: bool


def run_chunk(spec: ChunkSpec, seed: np.random.SeedSequence, trials: int) -> dict:
    """Simulate ``trials`` trials; return per-trial arrays (see ``SimulatedTrials.trials``)."""
    rng = np.random.default_rng(seed)
    n, n_exp = spec.n_patients, spec.n_experimental
    experimental = np.arange(n) < n_exp
    entry = rng.uniform(0.0, spec.accrual, (trials, n))
    t_event = spec.sampler.draw(rng, trials, n_exp, n - n_exp)
    if spec.dropout_hazard > 0:
        t_drop = rng.standard_exponential((trials, n)) / spec.dropout_hazard
        observed = t_event <= t_drop
        t_event = np.minimum(t_event, t_drop)
    else:
        observed = np.isfinite(t_event)
    calendar = np.where(observed, entry + t_event, np.inf)
    k = len(spec.critical)
    taus = np.empty((trials, k))
    if spec.events is not None:
        last_event = np.max(np.where(np.isfinite(calendar), calendar, -np.inf), axis=1)
        for s, d in enumerate(spec.events):  # K analyses, each vectorised over trials
            nth = np.partition(calendar, d - 1, axis=1)[:, d - 1]
            # too few events ever: analyse when the last one has happened
            taus[:, s] = np.where(np.isfinite(nth), nth, last_event)
    else:
        taus[:] = np.asarray(spec.analysis_times)[None, :]
    z = np.empty((trials, k))
    events = np.empty((trials, k))
    enrolled = np.empty((trials, k))
    for s in range(k):
        tau = taus[:, s, None]
        inc = entry < tau
        follow = tau - entry
        # compare calendar times, not t_event with tau - entry: the event that triggers an
        # event-driven analysis must count whatever the rounding
        ev = (calendar <= tau) & inc
        z[:, s] = logrank_z(np.where(ev, t_event, follow), ev, experimental, inc)
        events[:, s] = ev.sum(axis=1)
        enrolled[:, s] = inc.sum(axis=1)
    zz = np.nan_to_num(z, nan=0.0)
    crit = np.asarray(spec.critical)
    efficacy = (np.abs(zz) if spec.two_sided else zz) >= crit
    fut = np.append(np.asarray(spec.futility), -np.inf)
    futile = (np.abs(zz) if spec.two_sided else zz) < fut
    stop = efficacy | futile
    stop[:, -1] = True
    stage = np.argmax(stop, axis=1)
    rows = np.arange(trials)
    return {
        "rejected": efficacy[rows, stage],
        "futility_stop": futile[rows, stage] & ~efficacy[rows, stage],
        "stage": stage + 1,
        "z": z[rows, stage],
        "events": events[rows, stage],
        "duration": taus[rows, stage],
        "n_enrolled": enrolled[rows, stage],
        "z_looks": z,
    }
