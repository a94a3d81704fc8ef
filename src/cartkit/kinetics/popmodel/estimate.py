"""The estimation itself (SAEM, then Newton refinement) and the likelihood-ratio refits.

:func:`~cartkit.kinetics.popmodel.fit.start_fit` estimates the full model and returns an
:class:`UnfinishedFit`: its reduced models (one per covariate effect) start from the full
estimate but not from each other, so they may run at the same time, in other processes.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

import numpy as np

from .design import Design
from .likelihood import Marginal
from .newton import polish
from .result import KineticModelResult
from .saem import Settings, conditional_moments, run_saem
from .spec import Pop, Spec
from .tables import covariate_table

__all__ = ["Refit", "UnfinishedFit", "fit_core", "refit"]


@dataclass(frozen=True)
class _Core:
    pop: Pop
    trace: np.ndarray
    cmean: np.ndarray
    ccov: np.ndarray
    marginal: Marginal
    converged: bool


@dataclass(frozen=True)
class Refit:
    """One likelihood-ratio test's reduced model: the fit without one covariate effect.

    Started from the full model's estimate (without that effect) with the full fit's seeds;
    run by :func:`refit`, here or in a worker process (the same numbers either way).
    """

    design: Design
    spec: Spec
    start: Pop
    seeds: tuple
    settings: Settings
    label: str


def refit(task: Refit) -> tuple[float, bool]:
    """Fit ``task``'s reduced model: its log-likelihood and whether it converged."""
    core = fit_core(task.design, task.spec, task.start, task.seeds, task.settings)
    return float(core.marginal.loglik), bool(core.converged)


@dataclass(frozen=True)
class UnfinishedFit:
    """A fit whose likelihood-ratio tests wait for their reduced models.

    Run each of ``refits`` with :func:`refit` (in any order, in any process), then
    :meth:`finish` with their outcomes in the same order.

    Attributes
    ----------
    result : KineticModelResult
        The fit, its covariate table without the tests.
    refits : tuple of Refit
        One reduced model per covariate effect.
    """

    result: KineticModelResult
    refits: tuple[Refit, ...]
    cov: np.ndarray
    cov_names: tuple[str, ...]

    def finish(self, outcomes) -> KineticModelResult:
        """The finished fit, given ``(loglik, converged)`` of each refit in order."""
        outcomes = list(outcomes)
        if len(outcomes) != len(self.refits):
            raise ValueError(f"{len(self.refits)} refit outcome(s) expected, got {len(outcomes)}")
        fit = self.result
        lrt = [loglik for loglik, _ok in outcomes]
        notes = [
            f"{task.label} did not converge: read its likelihood-ratio test with care"
            for task, (_ll, ok) in zip(self.refits, outcomes, strict=True)
            if not ok
        ]
        tests = covariate_table(
            fit._spec, fit._pop, self.cov, self.cov_names, fit.loglik, lrt, fit.conf_level
        )
        return replace(
            fit,
            covariate_tests=tests,
            notes=(*fit.notes, *notes),
            reduced_converged=tuple(ok for _ll, ok in outcomes),
        )


def fit_core(design: Design, spec: Spec, init: Pop, seeds, settings: Settings) -> _Core:
    """SAEM from ``init``, then rounds of conditional sampling and Newton refinement."""
    seed_saem, seed_cond, seed_is = seeds
    pop, trace, state = run_saem(design, spec, init, np.random.default_rng(seed_saem), settings)
    rng_cond = np.random.default_rng(seed_cond)
    for _round in range(settings.n_rounds):
        cmean, ccov = conditional_moments(pop, spec, state, rng_cond, settings.n_cond)
        pop, marg, converged, start_se = polish(
            design, spec, pop, cmean, ccov, seed_is, settings.n_is
        )
        # the proposal was built at the round's start: when the estimate moved so far that it
        # no longer fits (the Monte Carlo error grew), build it again where the estimate is
        if converged and marg.loglik_se <= 2 * start_se:
            break
    return _Core(pop, trace, cmean, ccov, marg, converged)
