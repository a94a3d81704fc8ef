"""Power by simulation of event-driven two-arm survival trials: ``simulate_trials``."""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
import pandas as pd
from scipy.special import ndtri

from .._core.frames import plain_text_fields
from ..errors import DataError
from . import _checks
from .distributed import run_chunks
from .group_sequential import GroupSequentialDesign
from .trials import ChunkSpec, ExponentialArms, run_chunk

__all__ = ["CHUNK_SIZE", "SimulatedTrials", "simulate_trials"]

#: trials per chunk; part of the definition of the random streams, so never changes with the
#: scheduler (each chunk draws from its own child of SeedSequence(seed))
CHUNK_SIZE = 500


@dataclass(frozen=True)
class SimulatedTrials:
    """Simulated trials and their operating characteristics.

    Attributes
    ----------
    power : float
        Share of trials that rejected H0 (the type I error when there is no effect).
    mc_se : float
        Monte-Carlo standard error of ``power``, ``sqrt(power (1 - power) / n_trials)``.
    n_trials : int
        Number of trials.
    expected_events, expected_duration, expected_patients : float
        Mean events, calendar duration and patients enrolled at the analysis that ended the
        trial.
    early_stop : float
        Share of trials stopped at an interim analysis (efficacy or futility).
    trials : pandas.DataFrame
        One row per trial: ``trial``, ``rejected``, ``futility_stop``, ``stage``, ``z``,
        ``events``, ``duration``, ``n_enrolled`` and ``z_1..z_K`` (the statistic at each look).
    settings : dict
        The arguments that defined the simulation (seed included).
    """

    power: float
    mc_se: float
    n_trials: int
    expected_events: float
    expected_duration: float
    expected_patients: float
    early_stop: float
    trials: pd.DataFrame
    settings: dict

    def __post_init__(self) -> None:
        plain_text_fields(self)

    def __str__(self) -> str:
        return (
            f"{self.n_trials} simulated trials: power {self.power:.4f} (MC SE {self.mc_se:.4f}); "
            f"expected events {self.expected_events:.1f}, duration {self.expected_duration:.2f}, "
            f"patients {self.expected_patients:.1f}; early stop {self.early_stop:.3f}"
        )


def _looks(looks, alpha: float, events):
    """(information rates, critical z, futility z, two-sided) of the analyses."""
    if looks is None:
        return np.array([1.0]), np.array([-ndtri(alpha)]), np.zeros(0), False
    if not isinstance(looks, GroupSequentialDesign):
        raise DataError("looks must be a design from cartkit.design.group_sequential(...) or None")
    fut = np.zeros(0) if looks.futility_z is None else np.asarray(looks.futility_z)
    if looks.sided == 2:
        fut = np.zeros(0)
    return np.asarray(looks.information_rates), np.asarray(looks.critical_z), fut, looks.sided == 2


def collect(parts: list[dict], n_trials: int, settings: dict) -> SimulatedTrials:
    """Assemble chunk results into a :class:`SimulatedTrials`."""
    cat = {key: np.concatenate([p[key] for p in parts]) for key in parts[0]}
    z_looks = cat.pop("z_looks")
    table = pd.DataFrame({"trial": np.arange(n_trials), **cat})
    for s in range(z_looks.shape[1]):
        table[f"z_{s + 1}"] = z_looks[:, s]
    power = float(table["rejected"].mean())
    return SimulatedTrials(
        power=power,
        mc_se=math.sqrt(power * (1.0 - power) / n_trials),
        n_trials=n_trials,
        expected_events=float(table["events"].mean()),
        expected_duration=float(table["duration"].mean()),
        expected_patients=float(table["n_enrolled"].mean()),
        early_stop=float((table["stage"] < z_looks.shape[1]).mean()),
        trials=table,
        settings=settings,
    )


def chunk_sizes(n_trials: int) -> list[int]:
    """Sizes of the chunks of ``n_trials`` (all CHUNK_SIZE but the last)."""
    full, rest = divmod(n_trials, CHUNK_SIZE)
    return [CHUNK_SIZE] * full + ([rest] if rest else [])


def simulate_trials(
    n_trials: int,
    n_patients: int,
    hazard_ratio: float,
    events: float,
    alpha: float = 0.025,
    control_median: float = 12.0,
    accrual: float = 24.0,
    seed: int = 0,
    scheduler=None,
    looks: GroupSequentialDesign | None = None,
    *,
    allocation: float = 0.5,
    dropout: float = 0.0,
    dropout_time: float = 12.0,
    progress: Callable[[int], None] | None = None,
) -> SimulatedTrials:
    """Simulate event-driven two-arm survival trials analysed by the log-rank test.

    Each trial enrols ``n_patients`` uniformly over ``accrual`` (a share ``allocation`` on the
    experimental arm), with exponential survival (control median ``control_median``, hazard ratio
    ``hazard_ratio``) and optional exponential drop-out. The final analysis happens when
    ``events`` events have occurred (rounded up), each interim analysis of ``looks`` at its
    information rate times ``events``; the one-sided log-rank test rejects for benefit
    (fewer events on the experimental arm) when ``z >= critical_z`` (``|z|`` for a two-sided
    design). A trial stops at the first efficacy or futility crossing.

    Parameters
    ----------
    n_trials : int
        Number of simulated trials.
    n_patients : int
        Patients per trial.
    hazard_ratio : float
        True hazard ratio, experimental vs control (1 simulates the type I error).
    events : float
        Events at the final analysis.
    alpha : float, default 0.025
        One-sided level of a single analysis (ignored when ``looks`` is given).
    control_median : float, default 12.0
        Median survival of the control arm (time unit of ``accrual``).
    accrual : float, default 24.0
        Duration of uniform accrual.
    seed : int, default 0
        Seed of ``numpy.random.SeedSequence``; chunks of 500 trials use its spawned children,
        so the result for a seed is identical whatever runs it.
    scheduler : None, "local", str or distributed.Client, optional
        None runs in this process; ``"local"`` starts a Dask ``LocalCluster`` with 2 workers;
        an address (``"tcp://host:8786"``) or a Client uses an existing cluster.
    looks : GroupSequentialDesign, optional
        Interim analyses and boundaries; None is one analysis at ``events``.
    allocation : float, default 0.5
        Share of patients on the experimental arm.
    dropout : float, default 0.0
        Probability of dropping out by ``dropout_time`` (both arms, exponential).
    dropout_time : float, default 12.0
        Time at which ``dropout`` applies.
    progress : callable, optional
        Called with the number of trials finished after each chunk (e.g. a progress bar).

    Returns
    -------
    SimulatedTrials

    Raises
    ------
    DataError
        Arguments out of range (e.g. more events than patients).
    CartkitError
        A Dask scheduler asked for but Dask not installed or not reachable.

    Examples
    --------
    >>> sim = simulate_trials(1000, 330, 0.7, 247, seed=1)
    >>> 0.7 < sim.power < 0.9
    True
    """
    n_trials = _checks.whole(n_trials, "n_trials")
    n = _checks.whole(n_patients, "n_patients", 2)
    hr = _checks.positive(hazard_ratio, "hazard_ratio")
    d = _checks.positive(events, "events")
    if d > n:
        raise DataError(f"events ({events}) cannot exceed n_patients ({n_patients})")
    a = _checks.probability(alpha, "alpha", 0.0, 0.5)
    median = _checks.positive(control_median, "control_median")
    acc = _checks.positive(accrual, "accrual")
    seed = _checks.whole(seed, "seed", 0)
    p = _checks.probability(allocation, "allocation")
    n_exp = round(n * p)
    if not 0 < n_exp < n:
        raise DataError(f"allocation {allocation} leaves an arm of {n_patients} patients empty")
    drop = _checks.positive(dropout, "dropout", allow_zero=True)
    if drop >= 1:
        raise DataError(f"dropout must be a probability in [0, 1), got {dropout}")
    phi = -math.log1p(-drop) / _checks.positive(dropout_time, "dropout_time")
    rates, crit, fut, two_sided = _looks(looks, a, d)
    counts = tuple(max(1, math.ceil(d * t - 1e-9)) for t in rates)
    spec = ChunkSpec(
        sampler=ExponentialArms(math.log(2.0) / median, hr),
        n_patients=n,
        n_experimental=n_exp,
        accrual=acc,
        dropout_hazard=phi,
        events=counts,
        analysis_times=None,
        critical=tuple(float(c) for c in crit),
        futility=tuple(float(f) for f in fut),
        two_sided=two_sided,
    )
    parts = run_chunks(run_chunk, spec, seed, chunk_sizes(n_trials), scheduler, progress)
    settings = {
        "n_trials": n_trials,
        "n_patients": n,
        "hazard_ratio": hr,
        "events": d,
        "events_per_look": counts,
        "alpha": a,
        "control_median": median,
        "accrual": acc,
        "allocation": p,
        "dropout": drop,
        "dropout_time": dropout_time,
        "seed": seed,
        "critical_z": tuple(spec.critical),
    }
    return collect(parts, n_trials, settings)
