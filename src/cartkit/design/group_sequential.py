"""Group-sequential designs: ``group_sequential`` and the :class:`GroupSequentialDesign` it returns.

The numbers are rpact's (``getDesignGroupSequential`` and ``getDesignCharacteristics``, rpact
3.3.4): the same boundary families, spending functions, integration rule and definitions of the
inflation factor and expected information. See docs/design.md.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd
from scipy.special import ndtr

from .._core.frames import plain_text_result
from ..errors import DataError
from . import _checks
from .boundaries import (
    alpha_spending_bounds,
    alpha_spent,
    beta_spending_futility,
    wang_tsiatis_bounds,
)
from .characteristics import design_characteristics
from .events import logrank_events
from .spending import spending as spending_values

__all__ = ["DESIGN_TYPES", "GroupSequentialDesign", "group_sequential"]

#: efficacy boundaries: O'Brien-Fleming, Pocock, Wang-Tsiatis, and Lan-DeMets spending
DESIGN_TYPES = ("OF", "P", "WT", "asOF", "asP", "asKD", "asHSD")
_FUTILITY_TYPES = ("bsOF", "bsP", "bsKD", "bsHSD")


def _frozen(a) -> np.ndarray:
    out = np.array(a, dtype=float)
    out.setflags(write=False)
    return out


@dataclass(frozen=True)
class GroupSequentialDesign:
    """A group-sequential design: boundaries, error spent and characteristics.

    Attributes
    ----------
    k : int
        Number of analyses (interim looks plus the final one).
    alpha, beta : float
        Type I error and type II error (``power = 1 - beta``).
    sided : int
        1 or 2; a two-sided design rejects when ``|Z_k| >= critical_z[k]``.
    spending : str
        ``"OF"``, ``"P"``, ``"WT"``, ``"asOF"``, ``"asP"``, ``"asKD"`` or ``"asHSD"``.
    gamma : float or None
        Parameter of ``asKD``/``asHSD``.
    information_rates : numpy.ndarray
        Information fraction at each analysis (events so far / maximum events).
    critical_z : numpy.ndarray
        Efficacy critical values of the z-statistic, one per analysis.
    alpha_spent : numpy.ndarray
        Cumulative type I error spent by each analysis (ends at ``alpha``).
    futility_z : numpy.ndarray or None
        Futility bounds at the K-1 interim analyses (None without futility).
    futility : str or None
        Beta-spending function of the futility bounds (``"bsOF"``, ``"bsP"``...).
    binding_futility : bool
        Whether the efficacy bounds assume the futility bounds are obeyed.
    beta_spent : numpy.ndarray or None
        Cumulative type II error spent by the futility bounds.
    inflation : float
        Inflation factor: the maximum information (events) relative to the fixed design.
    shift : float
        Maximum information for a unit standardised effect (rpact's ``shift``).
    power_cumulative : numpy.ndarray
        Probability of rejecting by each analysis under the alternative.
    rejection_probabilities, futility_probabilities : numpy.ndarray
        Per-analysis probabilities of stopping for efficacy / futility under the alternative.
    expected_information_h0, expected_information_h01, expected_information_h1 : float
        Expected information under H0, half-way and H1, relative to the fixed design
        (rpact's ``averageSampleNumber0/01/1``).
    """

    k: int
    alpha: float
    beta: float
    sided: int
    spending: str
    gamma: float | None
    information_rates: np.ndarray
    critical_z: np.ndarray
    alpha_spent: np.ndarray
    futility_z: np.ndarray | None
    futility: str | None
    binding_futility: bool
    beta_spent: np.ndarray | None
    inflation: float
    shift: float
    power_cumulative: np.ndarray
    rejection_probabilities: np.ndarray
    futility_probabilities: np.ndarray
    expected_information_h0: float
    expected_information_h01: float
    expected_information_h1: float

    @property
    def power(self) -> float:
        """Target power, ``1 - beta``."""
        return 1.0 - self.beta

    @property
    def nominal_p(self) -> np.ndarray:
        """One-sided nominal significance level of each analysis, ``1 - Phi(critical_z)``."""
        return ndtr(-self.critical_z)

    def logrank_events(self, hazard_ratio: float, allocation: float = 0.5) -> float:
        """Maximum events of a log-rank test with this design (inflation x Schoenfeld events).

        Parameters
        ----------
        hazard_ratio : float
            Hazard ratio under the alternative.
        allocation : float, default 0.5
            Share randomised to the experimental arm.

        Returns
        -------
        float
            Events at the final analysis; analysis k is at ``information_rates[k]`` times it.
        """
        fixed = logrank_events(
            hazard_ratio, self.alpha, 1.0 - self.beta, self.sided, allocation=allocation
        )
        return float(self.inflation * fixed)

    def boundary_table(self, hazard_ratio: float | None = None, allocation: float = 0.5):
        """The boundaries, one row per analysis, as a DataFrame.

        Columns: ``stage``, ``information_rate``, ``critical_z``, ``nominal_p``,
        ``alpha_spent`` (cumulative), ``futility_z``, ``beta_spent``, ``power`` (cumulative,
        under the alternative), ``rejection_probability``, ``futility_probability``; with
        ``hazard_ratio`` also ``events`` (cumulative at the analysis) and ``hr_efficacy`` /
        ``hr_futility``, the observed hazard ratio at the bounds (Schoenfeld scale,
        ``exp(-z / sqrt(events p (1 - p)))`` for a benefit HR < 1).
        """
        k = self.k
        fut = np.full(k, np.nan)
        if self.futility_z is not None:
            fut[:-1] = self.futility_z
        fut_prob = np.append(self.futility_probabilities, np.nan)
        table = pd.DataFrame(
            {
                "stage": np.arange(1, k + 1),
                "information_rate": self.information_rates,
                "critical_z": self.critical_z,
                "nominal_p": self.nominal_p,
                "alpha_spent": self.alpha_spent,
                "futility_z": fut,
                "beta_spent": np.full(k, np.nan) if self.beta_spent is None else self.beta_spent,
                "power": self.power_cumulative,
                "rejection_probability": self.rejection_probabilities,
                "futility_probability": fut_prob,
            }
        )
        if hazard_ratio is not None:
            p = _checks.probability(allocation, "allocation")
            events = self.logrank_events(hazard_ratio, allocation) * self.information_rates
            scale = np.sqrt(events * p * (1.0 - p))
            sign = -1.0 if hazard_ratio < 1 else 1.0
            table["events"] = events
            table["hr_efficacy"] = np.exp(sign * self.critical_z / scale)
            table["hr_futility"] = np.exp(sign * fut / scale)
        return table

    @property
    @plain_text_result
    def table(self) -> pd.DataFrame:
        """:meth:`boundary_table` without the effect scale."""
        return self.boundary_table()

    def __str__(self) -> str:
        side = "one-sided" if self.sided == 1 else "two-sided"
        head = (
            f"Group-sequential design ({self.spending}, k={self.k}, {side} alpha={self.alpha:g}, "
            f"power={1 - self.beta:g})"
        )
        if self.futility is not None:
            kind = "binding" if self.binding_futility else "non-binding"
            head += f", {kind} futility {self.futility}"
        body = self.table.drop(columns=["rejection_probability"]).to_string(
            index=False, float_format=lambda v: f"{v:.5g}", na_rep=""
        )
        tail = (
            f"inflation factor {self.inflation:.6f}; expected information (x fixed) "
            f"H0 {self.expected_information_h0:.4f}, H1 {self.expected_information_h1:.4f}"
        )
        return f"{head}\n{body}\n{tail}"


def _check_spending(spending: str, gamma):
    if spending not in DESIGN_TYPES:
        raise DataError(f"spending must be one of {', '.join(DESIGN_TYPES)}; got {spending!r}")
    if spending in ("asKD", "asHSD"):
        if gamma is None:
            raise DataError(f"spending={spending!r} needs gamma (e.g. gamma=2)")
        return float(gamma)
    return None


def group_sequential(
    k: int,
    alpha: float = 0.025,
    power: float = 0.8,
    spending: str = "OF",
    information_rates=None,
    *,
    sided: int = 1,
    gamma: float | None = None,
    delta: float | None = None,
    futility: str | None = None,
    futility_gamma: float | None = None,
    binding_futility: bool = False,
) -> GroupSequentialDesign:
    """A group-sequential design with efficacy (and optional futility) boundaries, as rpact.

    Parameters
    ----------
    k : int
        Number of analyses, 1 to 20 (``k=1`` is the fixed design).
    alpha : float, default 0.025
        Type I error (both tails together when ``sided=2``).
    power : float, default 0.8
        Power ``1 - beta`` for the inflation factor and the futility bounds.
    spending : str, default "OF"
        ``"OF"`` O'Brien & Fleming (1979), ``"P"`` Pocock (1977) and ``"WT"`` Wang-Tsiatis
        boundaries (constant chosen so that the total type I error is alpha); ``"asOF"``,
        ``"asP"``, ``"asKD"``, ``"asHSD"`` Lan & DeMets (1983) alpha spending (see
        :mod:`cartkit.design.spending`).
    information_rates : sequence of float, optional
        Information fraction at each analysis, increasing to 1; equally spaced by default.
    sided : {1, 2}, default 1
        Two-sided designs have symmetric bounds ``+-critical_z``.
    gamma : float, optional
        Parameter of ``asKD``/``asHSD``.
    delta : float, optional
        Shape of ``"WT"`` (Wang & Tsiatis 1987) bounds ``C t^(delta - 1/2)``.
    futility : {"bsOF", "bsP", "bsKD", "bsHSD"}, optional
        Futility bounds by beta spending (one-sided alpha-spending designs only).
    futility_gamma : float, optional
        Parameter of ``bsKD``/``bsHSD``.
    binding_futility : bool, default False
        Non-binding (the default) keeps the efficacy bounds of the design without futility,
        so stopping for futility is optional; binding lowers them.

    Returns
    -------
    GroupSequentialDesign

    Raises
    ------
    DataError
        An argument out of range, or futility asked where rpact offers none.

    Examples
    --------
    >>> d = group_sequential(2, alpha=0.025, power=0.9, spending="asOF")
    >>> [round(z, 4) for z in d.critical_z]
    [2.9626, 1.9686]
    >>> round(d.inflation, 5)
    1.00342
    """
    k = _checks.whole(k, "k", 1, 20)
    a = _checks.probability(alpha, "alpha", 0.0, 0.5)
    b = 1.0 - _checks.probability(power, "power")
    if b >= 1.0 - a:
        raise DataError(f"power ({power}) must exceed alpha ({alpha})")
    s = _checks.sided(sided)
    g = _check_spending(spending, gamma)
    if spending == "WT":
        if delta is None:
            raise DataError("spending='WT' needs delta (0 is O'Brien-Fleming, 0.5 Pocock)")
        delta = float(delta)
    t = _checks.information_rates(information_rates, k)
    if futility is not None:
        if futility not in _FUTILITY_TYPES:
            raise DataError(f"futility must be one of {', '.join(_FUTILITY_TYPES)} or None")
        if not spending.startswith("as"):
            raise DataError(
                "beta-spending futility bounds need an alpha-spending design "
                f"(spending='asOF', 'asP', ...), not {spending!r}"
            )
        if s == 2:
            raise DataError(
                "futility bounds are available for one-sided designs (sided=1); rpact's "
                "two-sided beta spending is experimental"
            )
        if k == 1:
            raise DataError("futility bounds need at least one interim analysis (k >= 2)")
        if futility in ("bsKD", "bsHSD") and futility_gamma is None:
            raise DataError(f"futility={futility!r} needs futility_gamma")

    fut = None
    beta_spent = None
    if k == 1:
        crit = wang_tsiatis_bounds(0.0, a, t, s)
    elif spending in ("OF", "P", "WT"):
        shape = {"OF": 0.0, "P": 0.5, "WT": delta}[spending]
        crit = wang_tsiatis_bounds(shape, a, t, s)
    else:
        cum = spending_values(spending[2:], a, t, s, g)
        crit = alpha_spending_bounds(cum, t, s)
        if futility is not None:
            res = beta_spending_futility(
                crit,
                t,
                b,
                futility[2:],
                futility_gamma,
                binding=bool(binding_futility),
                alpha_cumulative=cum,
            )
            crit, fut, beta_spent = res["critical"], res["futility"], res["beta_spent"]
    spent = alpha_spent(
        crit, t, s, np.append(fut, -6.0) if (fut is not None and binding_futility) else None
    )
    ch = design_characteristics(crit, fut, t, a, b, s)
    return GroupSequentialDesign(
        k=k,
        alpha=a,
        beta=b,
        sided=s,
        spending=spending,
        gamma=g,
        information_rates=_frozen(t),
        critical_z=_frozen(crit),
        alpha_spent=_frozen(spent),
        futility_z=None if fut is None else _frozen(fut),
        futility=futility,
        binding_futility=bool(binding_futility) and futility is not None,
        beta_spent=None if beta_spent is None else _frozen(beta_spent),
        inflation=float(ch.inflation),
        shift=float(ch.shift),
        power_cumulative=_frozen(ch.power),
        rejection_probabilities=_frozen(ch.rejection),
        futility_probabilities=_frozen(ch.futility),
        expected_information_h0=float(ch.expected_h0),
        expected_information_h01=float(ch.expected_h01),
        expected_information_h1=float(ch.expected_h1),
    )
