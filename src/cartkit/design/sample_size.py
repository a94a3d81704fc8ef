"""Patients, events and study duration of a survival trial: ``sample_size_survival``.

rpact's ``getSampleSizeSurvival`` (Schoenfeld events, exponential survival, piecewise-uniform
accrual, exponential drop-out): the maximum events are the fixed-design events times the
inflation factor of the group-sequential design; the patients are the events divided by the
probability of an observed event by the end of the study (accrual + follow-up), or, given the
patients, the follow-up is found so that the events are reached. Interim analyses happen when the
expected events reach ``information_rates`` of the maximum; the expected study duration and number
of patients under H1 weight the analysis times by the probabilities of stopping there.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd
from scipy.optimize import brentq

from .._core.frames import plain_text_result
from ..errors import DataError
from . import _checks
from .accrual import Accrual, event_probability
from .events import logrank_events
from .group_sequential import GroupSequentialDesign, group_sequential

__all__ = ["SampleSizeSurvival", "sample_size_survival"]


def _frozen(a) -> np.ndarray:
    out = np.array(a, dtype=float)
    out.setflags(write=False)
    return out


@dataclass(frozen=True)
class SampleSizeSurvival:
    """The plan of a survival trial (rpact's ``TrialDesignPlanSurvival`` fields in brackets).

    Attributes
    ----------
    design : GroupSequentialDesign
        The design (a one-stage design for a fixed trial).
    hazard_ratio, allocation : float
        Hazard ratio experimental vs control; share randomised to the experimental arm.
    control_median, control_hazard, experimental_hazard : float
        Median survival and hazards of the arms (``median2``, ``lambda2``, ``lambda1``).
    events : float
        Events at the final analysis (``maxNumberOfEvents``).
    events_fixed : float
        Events of the fixed design (``eventsFixed``).
    events_per_stage : numpy.ndarray
        Cumulative events at each analysis (``eventsPerStage``).
    n_patients, n_experimental, n_control : float
        Patients in all and per arm (``maxNumberOfSubjects``, ``...1``, ``...2``), not rounded.
    accrual_end, follow_up : float
        End of accrual and follow-up after it (``followUpTime``).
    accrual_intensity : numpy.ndarray
        Patients per time unit on each accrual interval (``accrualIntensity``).
    analysis_times : numpy.ndarray
        Expected calendar time of each analysis (``analysisTime``); the last is the maximum
        study duration.
    patients_per_stage : numpy.ndarray
        Patients accrued by each analysis (``numberOfSubjects``).
    expected_duration : float
        Expected study duration under H1 (``studyDuration``).
    expected_patients : float
        Expected number of patients under H1 (``expectedNumberOfSubjectsH1``).
    expected_events_h0, expected_events_h01, expected_events_h1 : float
        Expected events under H0, half-way and H1 (``expectedEventsH0/H01/H1``).
    event_probability : float
        Probability that a patient's event is observed by the end of the study.
    """

    design: GroupSequentialDesign
    hazard_ratio: float
    allocation: float
    control_median: float
    control_hazard: float
    experimental_hazard: float
    events: float
    events_fixed: float
    events_per_stage: np.ndarray
    n_patients: float
    n_experimental: float
    n_control: float
    accrual_end: float
    follow_up: float
    accrual_intensity: np.ndarray
    analysis_times: np.ndarray
    patients_per_stage: np.ndarray
    expected_duration: float
    expected_patients: float
    expected_events_h0: float
    expected_events_h01: float
    expected_events_h1: float
    event_probability: float

    @property
    def max_duration(self) -> float:
        """Calendar time of the final analysis (``maxStudyDuration``)."""
        return float(self.analysis_times[-1])

    @property
    @plain_text_result
    def table(self) -> pd.DataFrame:
        """One row per analysis.

        Columns ``stage``, ``information_rate``, ``time``, ``events``,
        ``n_patients``, ``critical_z``, ``hr_efficacy`` (observed HR at the efficacy bound),
        ``rejection_probability`` and ``futility_probability`` under H1.
        """
        d = self.design
        p = self.allocation
        scale = np.sqrt(self.events_per_stage * p * (1.0 - p))
        sign = -1.0 if self.hazard_ratio < 1 else 1.0
        return pd.DataFrame(
            {
                "stage": np.arange(1, d.k + 1),
                "information_rate": d.information_rates,
                "time": self.analysis_times,
                "events": self.events_per_stage,
                "n_patients": self.patients_per_stage,
                "critical_z": d.critical_z,
                "hr_efficacy": np.exp(sign * d.critical_z / scale),
                "rejection_probability": d.rejection_probabilities,
                "futility_probability": np.append(d.futility_probabilities, np.nan),
            }
        )

    def __str__(self) -> str:
        head = (
            f"Sample size of a survival trial: HR {self.hazard_ratio:g}, control median "
            f"{self.control_median:.4g}, one-sided alpha {self.design.alpha / self.design.sided:g}"
            f", power {self.design.power:g}\n"
            f"events {self.events:.2f} (fixed design {self.events_fixed:.2f}); patients "
            f"{self.n_patients:.2f} ({self.n_experimental:.2f} experimental, "
            f"{self.n_control:.2f} control)\n"
            f"accrual {self.accrual_end:.4g}, follow-up {self.follow_up:.4g}; expected duration "
            f"{self.expected_duration:.4g} (max {self.max_duration:.4g}); expected patients "
            f"{self.expected_patients:.2f}"
        )
        body = self.table.to_string(index=False, float_format=lambda v: f"{v:.5g}", na_rep="")
        return f"{head}\n{body}"


def _rates(hazard_ratio, control_median, control_hazard):
    hr = _checks.hazard_ratio(hazard_ratio)
    if control_hazard is not None:
        lam2 = _checks.positive(control_hazard, "control_hazard")
    else:
        lam2 = np.log(2.0) / _checks.positive(control_median, "control_median")
    return hr, lam2


def _dropout_hazards(dropout, dropout_time):
    pair = dropout if isinstance(dropout, tuple | list) else (dropout, dropout)
    if len(pair) != 2:
        raise DataError("dropout must be one rate or a pair (experimental, control)")
    rates = [_checks.positive(v, "dropout", allow_zero=True) for v in pair]
    if any(r >= 1 for r in rates):
        raise DataError(f"dropout rates must be in [0, 1), got {pair}")
    t = _checks.positive(dropout_time, "dropout_time")
    return tuple(-np.log1p(-r) / t for r in rates)


def _time_for(target: float, n: float, prob, upper: float) -> float:
    """Calendar time at which ``n * prob(t)`` reaches ``target`` events."""
    hi = upper
    for _ in range(60):  # doubling until the events are reached
        if n * prob(hi) >= target:
            break
        hi *= 2.0
    else:
        raise DataError(
            f"{n:.1f} patients never give {target:.1f} events (drop-out too high or too few "
            "patients); enrol more patients"
        )
    return brentq(lambda x: n * prob(x) - target, 0.0, hi, xtol=1e-12, rtol=1e-14, maxiter=500)


def sample_size_survival(
    hazard_ratio: float,
    control_median: float = 12.0,
    *,
    design: GroupSequentialDesign | None = None,
    alpha: float = 0.025,
    power: float = 0.8,
    sided: int = 1,
    allocation: float = 0.5,
    accrual_time=24.0,
    accrual_intensity=None,
    follow_up: float | None = None,
    n_patients: float | None = None,
    dropout=0.0,
    dropout_time: float = 12.0,
    control_hazard: float | None = None,
    accrual: float | None = None,
) -> SampleSizeSurvival:
    """Events, patients and study duration of a two-arm survival trial, as rpact.

    Parameters
    ----------
    hazard_ratio : float
        Hazard ratio experimental vs control under H1 (exponential survival in both arms).
    control_median : float, default 12.0
        Median survival of the control arm (any time unit; all times use the same one).
    design : GroupSequentialDesign, optional
        A group-sequential design; by default a fixed design with ``alpha``, ``power`` and
        ``sided`` (these three are taken from ``design`` when it is given).
    alpha, power, sided : float, float, int
        Type I error, power and sides of a fixed design.
    allocation : float, default 0.5
        Share randomised to the experimental arm (rpact's ``allocationRatioPlanned`` is
        ``allocation / (1 - allocation)``).
    accrual_time : float or sequence of float, default 24.0
        End of uniform accrual, or break points ``[0, t1, ..., end]`` of piecewise accrual.
    accrual_intensity : sequence of float, optional
        Accrual intensity on each interval of ``accrual_time``: relative weights when all are
        below 1, else patients per time unit (then the patients are their total and the
        follow-up is found), as rpact's ``accrualIntensityType = "auto"``.
    follow_up : float, optional
        Follow-up after the end of accrual (default 12). Give either ``follow_up`` or
        ``n_patients`` (or absolute accrual intensities), not both.
    n_patients : float, optional
        Number of patients; the follow-up needed to reach the events is found.
    dropout : float or (float, float), default 0.0
        Probability of dropping out by ``dropout_time`` (one for both arms or per arm,
        experimental first); drop-out is exponential.
    dropout_time : float, default 12.0
        Time at which ``dropout`` applies.
    control_hazard : float, optional
        Hazard of the control arm, instead of ``control_median``.
    accrual : float, optional
        Duration of uniform accrual, the name :func:`simulate_trials` uses; same as
        ``accrual_time`` (give one of them).

    Returns
    -------
    SampleSizeSurvival

    Raises
    ------
    DataError
        Arguments out of range or in conflict, or patients too few to reach the events.

    Examples
    --------
    >>> plan = sample_size_survival(0.75, control_median=12, accrual_time=24, follow_up=12)
    >>> round(plan.events, 2)
    379.35
    """
    hr, lam2 = _rates(hazard_ratio, control_median, control_hazard)
    lam1 = lam2 * hr
    p = _checks.probability(allocation, "allocation (share randomised to the experimental arm)")
    ratio = p / (1.0 - p)
    if design is None:
        design = group_sequential(1, alpha=alpha, power=power, sided=sided)
    elif not isinstance(design, GroupSequentialDesign):
        raise DataError("design must come from cartkit.design.group_sequential(...)")
    if accrual is not None:
        if accrual_intensity is not None or np.ndim(accrual_time) > 0 or accrual_time != 24.0:
            raise DataError("give accrual (uniform accrual) or accrual_time, not both")
        accrual_time = accrual
    acc = Accrual.build(accrual_time, accrual_intensity)
    absolute = accrual_intensity is not None and np.any(np.asarray(accrual_intensity) >= 1)
    if absolute:
        implied = float(np.sum(acc.weights * (acc.ends - acc.starts)))
        if n_patients is not None and abs(n_patients - implied) > 1e-6 * implied:
            raise DataError(
                f"n_patients ({n_patients}) disagrees with the absolute accrual intensities, "
                f"which enrol {implied:g} patients; give one of them"
            )
        n_patients = implied
    if n_patients is not None and follow_up is not None:
        raise DataError(
            "give follow_up (to find the patients) or n_patients (to find the follow-up), not both"
        )
    phis = _dropout_hazards(dropout, dropout_time)

    events_fixed = logrank_events(hr, design.alpha, design.power, design.sided, p)
    events_stage = events_fixed * design.inflation * design.information_rates
    events = float(events_stage[-1])

    def prob(time):
        return event_probability(time, acc, (lam1, lam2), phis, ratio)

    if n_patients is None:
        fu = (
            12.0 if follow_up is None else _checks.positive(follow_up, "follow_up", allow_zero=True)
        )
        total = acc.end + fu
        omega = prob(total)
        n = events / omega
    else:
        n = _checks.positive(n_patients, "n_patients")
        if events > n:
            raise DataError(f"n_patients ({n:g}) is smaller than the events needed ({events:.1f})")
        total = _time_for(events, n, prob, max(2.0, acc.end))
        fu = total - acc.end
        omega = prob(total)
    times = np.array([_time_for(e, n, prob, total) for e in events_stage[:-1]] + [total])
    patients = n * acc.fraction(times)
    stop = design.rejection_probabilities + np.append(design.futility_probabilities, 0.0)
    stop[-1] = 1.0 - stop[:-1].sum()
    return SampleSizeSurvival(
        design=design,
        hazard_ratio=hr,
        allocation=p,
        control_median=float(np.log(2.0) / lam2),
        control_hazard=float(lam2),
        experimental_hazard=float(lam1),
        events=events,
        events_fixed=float(events_fixed),
        events_per_stage=_frozen(events_stage),
        n_patients=float(n),
        n_experimental=float(n * p),
        n_control=float(n * (1.0 - p)),
        accrual_end=acc.end,
        follow_up=float(fu),
        accrual_intensity=_frozen(acc.intensity(n)),
        analysis_times=_frozen(times),
        patients_per_stage=_frozen(patients),
        expected_duration=float(times @ stop),
        expected_patients=float(patients @ stop),
        expected_events_h0=float(design.expected_information_h0 * events_fixed),
        expected_events_h01=float(design.expected_information_h01 * events_fixed),
        expected_events_h1=float(design.expected_information_h1 * events_fixed),
        event_probability=float(omega),
    )
