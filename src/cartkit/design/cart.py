"""CAR-T trial scenarios whose patients come from the virtual cohort (``cartkit.simulate_study``).

The question this answers: in patients treated with CD19 CAR-T at MRD positivity and in CR at
day 28, what power has a randomised trial of consolidative allogeneic HSCT versus none to show a
benefit in leukaemia-free survival (LFS: relapse or death, whichever first)? The benefit is not
an assumed hazard ratio but what the cohort's mechanisms produce: after HSCT both relapse
hazards are multiplied by ``hsct_relapse_hr``, and HSCT brings its own non-relapse mortality
(``p_transplant_death``), a competing event that counts in LFS. Relapse follows the cure models
of :mod:`cartkit.simulate.outcomes`, so hazards are not proportional.

Two pools of patients are simulated once, everyone transplanted (when no relapse or death comes
first: intention to treat) and no one transplanted, with follow-up long enough that LFS is
never censored; trials then resample patients from the pools, vectorised as in
:func:`cartkit.design.simulate_trials`. This module is the only part of ``cartkit.design`` that
knows about CAR-T.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd

from .._core.frames import plain_text_fields, plain_text_result
from ..errors import DataError
from ..simulate import Scenario, simulate_study
from . import _checks
from .distributed import run_chunks
from .group_sequential import GroupSequentialDesign
from .simulation import SimulatedTrials, _looks, chunk_sizes, collect
from .trials import ChunkSpec, PooledArms, run_chunk

__all__ = ["POPULATIONS", "HsctPools", "hsct_pools", "hsct_power_curve", "simulate_hsct_trials"]

_MONTH = 30.4375
_RANDOMISATION_DAY = 28.0
#: who is randomised: pre-infusion MRD >= 1e-4 and CR at day 28 (default), MRD-positive CR at
#: day 28, or every CR at day 28
POPULATIONS = ("mrd_positive", "mrd_positive_cr", "cr")


@dataclass(frozen=True)
class HsctPools:
    """LFS times (months from randomisation at day 28; ``inf`` = no event) of each arm.

    Attributes
    ----------
    hsct, control : numpy.ndarray
        LFS times of the patients of the HSCT and the no-HSCT pool.
    population : str
        Who is randomised (one of :data:`POPULATIONS`).
    summary : pandas.DataFrame
        Per arm (``group``): ``n``, LFS at 2 and 5 years, share relapsing and share dying
        without relapse (non-relapse mortality) within 5 years.
    settings : dict
        Cohort size, seed and the scenario knobs used.
    """

    hsct: np.ndarray
    control: np.ndarray
    population: str
    summary: pd.DataFrame
    settings: dict

    def __post_init__(self) -> None:
        plain_text_fields(self)


def _pool(n: int, seed: int, scenario: Scenario, population: str):
    truth = simulate_study(n, seed=seed, scenario=scenario).metadata["truth"]
    response = truth["response"].to_numpy()
    keep = response != "no_response"
    if population == "mrd_positive":
        keep &= truth["log10_mrd_pre"].to_numpy() >= -4.0
    elif population == "mrd_positive_cr":
        keep &= response == "mrd_positive_cr"
    relapse = truth["relapse_day"].to_numpy(dtype=float)
    death = truth["death_day"].to_numpy(dtype=float)
    relapse = np.where(np.isnan(relapse), np.inf, relapse)
    death = np.where(np.isnan(death), np.inf, death)
    first = np.minimum(relapse, death)
    keep &= first > _RANDOMISATION_DAY  # alive and in remission at randomisation
    months = (first[keep] - _RANDOMISATION_DAY) / _MONTH
    nrm = (death[keep] < relapse[keep]) & np.isfinite(death[keep])
    return months, nrm


def hsct_pools(
    *,
    population: str = "mrd_positive",
    n_simulated: int = 10_000,
    seed: int = 0,
    hsct_relapse_hr: float | None = None,
    p_transplant_death: float | None = None,
    scenario: Scenario | None = None,
) -> HsctPools:
    """Simulate the two pools of patients a consolidative-HSCT trial draws from.

    Parameters
    ----------
    population : {"mrd_positive", "mrd_positive_cr", "cr"}, default "mrd_positive"
        Patients randomised at day 28: in CR with pre-infusion MRD >= 1e-4 (default), in
        MRD-positive CR (rare in the published cohort: raise ``n_simulated``), or in any CR.
    n_simulated : int, default 10000
        Patients simulated per arm before the population is selected.
    seed : int, default 0
        Seed of the two virtual cohorts.
    hsct_relapse_hr : float, optional
        Relapse hazard multiplier after HSCT (the benefit); the cohort's calibrated value
        (``Scenario().hsct_relapse_hr``) by default.
    p_transplant_death : float, optional
        Probability of transplant-related death (the competing harm); the cohort's by default.
    scenario : Scenario, optional
        Other knobs of the virtual cohort; the published study's by default.

    Returns
    -------
    HsctPools
    """
    if population not in POPULATIONS:
        raise DataError(f"population must be one of {', '.join(POPULATIONS)}; got {population!r}")
    n_sim = _checks.whole(n_simulated, "n_simulated", 100)
    seed = _checks.whole(seed, "seed", 0)
    base = scenario if scenario is not None else Scenario()
    if not isinstance(base, Scenario):
        raise DataError("scenario must be a cartkit.Scenario")
    knobs = {
        # follow everyone for decades and lose no one: LFS in the pools is never censored
        "data_cutoff": dt.date(base.infusion_end.year + 60, 1, 1),
        "p_lost_to_follow_up": 0.0,
    }
    if hsct_relapse_hr is not None:
        knobs["hsct_relapse_hr"] = _checks.positive(hsct_relapse_hr, "hsct_relapse_hr")
    if p_transplant_death is not None:
        knobs["p_transplant_death"] = _checks.probability(
            p_transplant_death, "p_transplant_death", -1e-12, 1.0
        )
    seeds = np.random.SeedSequence(seed).generate_state(2)
    pools, rows = {}, []
    for arm, logit, s in (("hsct", 40.0, seeds[0]), ("control", -40.0, seeds[1])):
        sc = dataclasses.replace(base, hsct_logit=logit, **knobs)
        months, nrm = _pool(n_sim, int(s), sc, population)
        if months.size < 100:
            raise DataError(
                f"only {months.size} patients of {n_sim} simulated fall in population "
                f"{population!r}; raise n_simulated"
            )
        pools[arm] = months
        five = months <= 60.0
        rows.append(
            {
                "group": arm,
                "n": months.size,
                "lfs_2y": float(np.mean(months > 24.0)),
                "lfs_5y": float(np.mean(~five)),
                "relapse_5y": float(np.mean(five & ~nrm)),
                "nrm_5y": float(np.mean(five & nrm)),
            }
        )
    used = dataclasses.replace(base, **knobs)
    return HsctPools(
        hsct=pools["hsct"],
        control=pools["control"],
        population=population,
        summary=pd.DataFrame(rows),
        settings={
            "n_simulated": n_sim,
            "seed": seed,
            "hsct_relapse_hr": used.hsct_relapse_hr,
            "p_transplant_death": used.p_transplant_death,
        },
    )


def simulate_hsct_trials(
    n_trials: int,
    n_patients: int,
    *,
    pools: HsctPools | None = None,
    accrual: float = 36.0,
    follow_up: float = 24.0,
    events: float | None = None,
    alpha: float = 0.025,
    looks: GroupSequentialDesign | None = None,
    seed: int = 0,
    scheduler=None,
    progress: Callable[[int], None] | None = None,
) -> SimulatedTrials:
    """Simulate randomised trials of consolidative HSCT vs none on LFS (1:1, log-rank).

    Parameters
    ----------
    n_trials, n_patients : int
        Trials and patients per trial.
    pools : HsctPools, optional
        From :func:`hsct_pools`; built with its defaults when None.
    accrual : float, default 36.0
        Months of uniform accrual.
    follow_up : float, default 24.0
        Months from the end of accrual to the analysis (when ``events`` is None).
    events : float, optional
        Event-driven analysis at this many LFS events instead (needed with ``looks``).
    alpha : float, default 0.025
        One-sided level (single analysis).
    looks : GroupSequentialDesign, optional
        Interim analyses at its information rates times ``events``.
    seed : int, default 0
        Seed of the trials (the pools have their own).
    scheduler : None, "local", str or distributed.Client, optional
        Where the chunks run, as in :func:`cartkit.design.simulate_trials`.
    progress : callable, optional
        Called with the trials finished after each chunk.

    Returns
    -------
    SimulatedTrials
        ``power`` is the share of trials showing an LFS benefit of HSCT.
    """
    pools = hsct_pools() if pools is None else pools
    if not isinstance(pools, HsctPools):
        raise DataError("pools must come from cartkit.design.cart.hsct_pools(...)")
    n_trials = _checks.whole(n_trials, "n_trials")
    n = _checks.whole(n_patients, "n_patients", 4)
    acc = _checks.positive(accrual, "accrual")
    a = _checks.probability(alpha, "alpha", 0.0, 0.5)
    seed = _checks.whole(seed, "seed", 0)
    if looks is not None and events is None:
        raise DataError("interim looks are event-driven: give events with looks")
    rates, crit, fut, two_sided = _looks(looks, a, events)
    if events is None:
        fu = _checks.positive(follow_up, "follow_up", allow_zero=True)
        counts, times = None, (acc + fu,)
    else:
        d = _checks.positive(events, "events")
        if d > n:
            raise DataError(f"events ({events}) cannot exceed n_patients ({n_patients})")
        counts, times = tuple(max(1, math.ceil(d * t - 1e-9)) for t in rates), None
    spec = ChunkSpec(
        sampler=PooledArms(pools.hsct, pools.control),
        n_patients=n,
        n_experimental=n // 2,
        accrual=acc,
        dropout_hazard=0.0,
        events=counts,
        analysis_times=times,
        critical=tuple(float(c) for c in crit),
        futility=tuple(float(f) for f in fut),
        two_sided=two_sided,
    )
    parts = run_chunks(run_chunk, spec, seed, chunk_sizes(n_trials), scheduler, progress)
    settings = {
        "n_trials": n_trials,
        "n_patients": n,
        "accrual": acc,
        "follow_up": follow_up if events is None else None,
        "events": events,
        "alpha": a,
        "seed": seed,
        "population": pools.population,
        **{f"pool_{k}": v for k, v in pools.settings.items()},
    }
    return collect(parts, n_trials, settings)


@plain_text_result
def hsct_power_curve(
    sample_sizes: Sequence[int],
    *,
    n_trials: int = 2000,
    pools: HsctPools | None = None,
    seed: int = 0,
    scheduler=None,
    **trial_args,
) -> pd.DataFrame:
    """Power of the HSCT trial over sample sizes (same pools, one seed per size).

    Parameters
    ----------
    sample_sizes : sequence of int
        Patients per trial.
    n_trials : int, default 2000
        Trials per sample size.
    pools : HsctPools, optional
        From :func:`hsct_pools`; built with its defaults when None.
    seed : int, default 0
        Seed; size ``i`` uses ``seed + i``.
    scheduler : optional
        As in :func:`simulate_hsct_trials`.
    **trial_args
        ``accrual``, ``follow_up``, ``alpha`` (or ``events``) of :func:`simulate_hsct_trials`.

    Returns
    -------
    pandas.DataFrame
        ``n_patients``, ``estimate`` (power), ``ci_lower``, ``ci_upper`` (power +- 1.96 MC SE),
        ``mc_se``, ``n_events`` (mean events at the analysis), ``duration``, ``n`` (trials).
    """
    pools = hsct_pools() if pools is None else pools
    rows = []
    for i, size in enumerate(sample_sizes):  # one simulation per sample size
        sim = simulate_hsct_trials(
            n_trials, size, pools=pools, seed=seed + i, scheduler=scheduler, **trial_args
        )
        rows.append(
            {
                "n_patients": int(size),
                "estimate": sim.power,
                "ci_lower": max(0.0, sim.power - 1.96 * sim.mc_se),
                "ci_upper": min(1.0, sim.power + 1.96 * sim.mc_se),
                "mc_se": sim.mc_se,
                "n_events": sim.expected_events,
                "duration": sim.expected_duration,
                "n": sim.n_trials,
            }
        )
    return pd.DataFrame(rows)
