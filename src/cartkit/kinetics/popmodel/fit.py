"""``fit_kinetic_model``: the population kinetic model, from a table of samples to its result."""

from __future__ import annotations

import warnings
from collections.abc import Mapping, Sequence
from dataclasses import replace

import numpy as np
import pandas as pd

from ..._core.checks import check_conf_level
from ...errors import ConvergenceWarning, DataError
from .design import Design, build_design
from .diagnostics import observation_table, vpc_table
from .ebe import conditional_modes
from .estimate import Refit, UnfinishedFit, fit_core, refit
from .information import covariance_from_information
from .init import initial_values
from .models import KineticModel, resolve_model
from .residual import error_model
from .result import KineticModelResult
from .saem import Settings
from .spec import Pop, Spec
from .tables import covariance_frame, covariate_table, omega_table, population_table, residual_table

__all__ = ["fit_kinetic_model", "fit_with_settings", "settings_for", "start_fit"]


def _spec(model: KineticModel, error: str, random, covariates) -> tuple[Spec, tuple[str, ...]]:
    err = error_model(error)
    names = model.parameters
    if random is None:
        random = names
    if isinstance(random, str):
        random = [random]
    unknown = [p for p in random if p not in names]
    if unknown:
        raise DataError(
            f"random names {unknown} not parameters of {model.name!r} ({', '.join(names)})"
        )
    if not random:
        raise DataError("random must name at least one parameter that varies between patients")
    flags = tuple(p in random for p in names)
    covariates = {} if covariates is None else covariates
    if not isinstance(covariates, Mapping):
        raise DataError('covariates must be a mapping such as {"cmax": ["crs_grade3plus"]}')
    columns: list[str] = []
    terms = []
    for param, cols in covariates.items():
        if param not in names:
            raise DataError(f"covariates: {param!r} is not a parameter of {model.name!r}")
        if not flags[names.index(param)]:
            raise DataError(
                f"covariates: {param!r} has no between-patient variability (random); a "
                "covariate effect needs it: add it to random"
            )
        for col in [cols] if isinstance(cols, str) else cols:
            if col not in columns:
                columns.append(col)
            term = (names.index(param), columns.index(col))
            if term in terms:
                raise DataError(f"covariates: {col!r} is given twice for {param!r}")
            terms.append(term)
    return Spec(model, err, flags, tuple(terms)), tuple(columns)


def fit_kinetic_model(
    df: pd.DataFrame,
    model: str | KineticModel = "stein2019",
    id: str = "patient_id",
    time: str = "day",
    conc: str = "copies_per_ug",
    dose: str | None = None,
    random: Sequence[str] | None = None,
    error: str = "log_additive",
    lloq: float | str | None = None,
    covariates: Mapping[str, Sequence[str]] | None = None,
    seed: int = 0,
    *,
    conf_level: float = 0.95,
    iterations: tuple[int, int] | None = None,
) -> KineticModelResult:
    """Fit a population (nonlinear mixed-effects) kinetic model by SAEM.

    Parameters
    ----------
    df : pandas.DataFrame
        One row per sample. A value below the LLOQ is 0 or flagged ``blq = True`` (a column
        named ``blq``); it enters the likelihood as censored (M3), never as 0.
    model : str or KineticModel
        ``"stein2019"`` (CAR-T expansion, contraction and persistence: ``cmax, tmax, rho,
        alpha, beta, fb``) or ``"one_compartment_oral"`` (``ka, cl, v``; needs ``dose``).
    id, time, conc : str
        Column names of the patient, the time since infusion (dose) and the level.
    dose : str, optional
        Column with each patient's dose (for models that need one).
    random : sequence of str, optional
        Parameters that vary between patients (log-normal; logit-normal for ``fb``); default
        all. The others take one typical value.
    error : {"log_additive", "additive", "proportional", "combined"}
        Residual error model (see :mod:`cartkit.kinetics.popmodel.residual`).
    lloq : float or str, optional
        The LLOQ: a number, or the name of a column with one per row. By default a column
        named ``lloq`` when present. Rows with their own LLOQ keep it.
    covariates : mapping, optional
        Covariate effects on the log (logit) scale of parameters, e.g.
        ``{"cmax": ["crs_grade3plus"], "beta": ["age"]}``; columns numeric or true/false and
        constant within a patient. Each is tested by a likelihood-ratio test against the
        model refitted without it.
    seed : int
        Seed of every random draw: the same data and seed give the same numbers.
    conf_level : float
        Confidence level of the intervals.
    iterations : (int, int), optional
        SAEM iterations: exploratory (step 1), then smoothing (step ``1/k``); by default
        (300, 200). The Newton refinement that follows takes the estimate to the maximum of
        the likelihood, so a small study may use fewer (the report's plan uses (150, 100) for
        its 50 patients: the same estimates within their Monte Carlo error, in half the time).

    Returns
    -------
    KineticModelResult
        Parameter tables, diagnostics as data, predictions.

    Raises
    ------
    DataError
        For unusable input, naming what to fix (e.g. a patient with no quantifiable value).
    """
    return fit_with_settings(
        df,
        model,
        id,
        time,
        conc,
        dose,
        random,
        error,
        lloq,
        covariates,
        seed,
        conf_level=conf_level,
        settings=settings_for(iterations),
    )


def settings_for(iterations) -> Settings:
    """The estimator's settings with ``iterations`` (exploratory, smoothing); checked."""
    settings = Settings()
    if iterations is None:
        return settings
    ok = (
        isinstance(iterations, tuple | list)
        and len(iterations) == 2
        and all(isinstance(k, int | np.integer) and not isinstance(k, bool) for k in iterations)
    )
    if not ok or iterations[0] < 1 or iterations[1] < 1:
        raise DataError(
            "iterations must be two whole numbers >= 1 (exploratory, smoothing), e.g. "
            f"(300, 200); got {iterations!r}"
        )
    return replace(settings, n_explore=int(iterations[0]), n_smooth=int(iterations[1]))


def start_fit(
    df,
    model,
    id,
    time,
    conc,
    dose,
    random,
    error,
    lloq,
    covariates,
    seed,
    *,
    conf_level,
    settings: Settings,
    stacklevel: int = 2,
) -> UnfinishedFit:
    """:func:`fit_kinetic_model` up to its likelihood-ratio tests (see :class:`UnfinishedFit`).

    Everything but the refits without each covariate effect: their starting points are the
    full model's estimate, so they wait for it, but not for each other. ``stacklevel``: of
    the convergence warnings (2: the caller's line).
    """
    conf_level = check_conf_level(conf_level)
    m = resolve_model(model)
    spec, cov_names = _spec(m, error, random, covariates)
    design = build_design(
        df,
        m,
        spec.error,
        id=id,
        time=time,
        conc=conc,
        dose=dose,
        lloq=lloq,
        covariates=cov_names,
    )
    typical, psi0 = initial_values(design, m, spec.error)
    _check_zero_predictions(design, m, spec, typical)
    init_omega = np.where(np.asarray(spec.random), 1.0, 0.0)
    init = Pop(m.to_phi(typical), np.zeros(len(spec.terms)), init_omega, psi0)
    seq = np.random.SeedSequence(seed)
    fit_seeds, vpc_seed = seq.spawn(2)
    seeds = fit_seeds.spawn(3)
    core = fit_core(design, spec, init, seeds, settings)
    pop = core.pop
    notes = list(design.notes)
    if not core.converged:
        text = (
            "the Newton refinement of the SAEM estimate did not converge; the estimates may "
            "carry Monte Carlo error (try another seed, or a simpler model)"
        )
        notes.append(text)
        warnings.warn(text, ConvergenceWarning, stacklevel=stacklevel)
    names = _vector_names(spec, cov_names)
    cov, problem = covariance_from_information(core.marginal.information, names)
    if problem:
        notes.append(problem)
        warnings.warn(problem, ConvergenceWarning, stacklevel=stacklevel)
    modes, converged = conditional_modes(design, spec, pop, core.cmean)
    if not converged.all():
        notes.append(
            f"the conditional mode (EBE) did not converge for {int((~converged).sum())} "
            "patient(s); their individual parameters are the best point found"
        )
    ridx = spec.rand_idx
    ebe = pop.mean(spec, design.covariates)
    ebe[:, ridx] = modes
    eta = modes - pop.mean(spec, design.covariates)[:, ridx]
    k_par = spec.n_parameters
    ll = core.marginal.loglik
    individual = pd.DataFrame({id: design.ids})
    natural = m.to_natural(ebe)
    for j, p in enumerate(m.parameters):
        individual[p] = natural[:, j]
    for j, p in enumerate(np.asarray(m.parameters)[ridx]):
        individual[f"eta_{p}"] = eta[:, j]
    unfinished = KineticModelResult(
        model=m.name,
        error=spec.error.name,
        population=population_table(spec, pop, cov, conf_level),
        omega=omega_table(spec, pop, cov, eta, conf_level),
        residual=residual_table(spec, pop, cov, conf_level),
        covariate_tests=covariate_table(
            spec, pop, cov, cov_names, ll, [np.nan] * len(spec.terms), conf_level
        ),
        loglik=ll,
        loglik_se=core.marginal.loglik_se,
        aic=-2 * ll + 2 * k_par,
        bic=-2 * ll + k_par * np.log(design.n_obs),
        n_patients=design.n_patients,
        n_obs=design.n_obs,
        n_blq=design.n_censored,
        individual=individual,
        observations=observation_table(design, spec, pop, ebe, id, time),
        vpc=vpc_table(np.random.default_rng(vpc_seed), design, spec, pop),
        trace=pd.DataFrame(core.trace, columns=_trace_names(names))
        .rename_axis("iteration")
        .reset_index(),
        covariance=covariance_frame(cov, names),
        conf_level=conf_level,
        seed=seed,
        notes=tuple(notes),
        converged=bool(core.converged),
        reduced_converged=(),
        _spec=spec,
        _pop=pop,
        _design=design,
        _ebe=ebe,
        _columns=(id, time, dose),
    )
    refits = tuple(
        Refit(
            design=design,
            spec=spec.without_term(k),
            start=Pop(pop.mu, np.delete(pop.beta, k), pop.omega, pop.psi),
            seeds=tuple(seeds),
            settings=settings,
            label=(
                f"the model without {cov_names[spec.terms[k][1]]!r} on "
                f"{m.parameters[spec.terms[k][0]]!r}"
            ),
        )
        for k in range(len(spec.terms))
    )
    return UnfinishedFit(result=unfinished, refits=refits, cov=cov, cov_names=cov_names)


def fit_with_settings(*args, **kwargs) -> KineticModelResult:
    """:func:`fit_kinetic_model` with the iteration counts of ``settings`` (for experiments).

    The arguments of :func:`start_fit` (``settings`` among them); the refits run here.
    """
    unfinished = start_fit(*args, stacklevel=4, **kwargs)  # warnings: fit_kinetic_model's caller
    return unfinished.finish([refit(task) for task in unfinished.refits])


def _check_zero_predictions(design: Design, model: KineticModel, spec: Spec, typical) -> None:
    """Refuse a proportional error where the model predicts exactly 0.

    That is time 0 after an oral dose, whatever the parameters: the value would have no
    variance and an infinite likelihood.
    """
    if spec.error.name != "proportional":
        return
    f = model.evaluate(model.to_phi(typical)[None], design.t, design.dose)
    zero = design.quantified & (f == 0)
    if zero.any():
        raise DataError(
            f"{int(zero.sum())} value(s) are where the model predicts exactly 0 (e.g. at time "
            f"{design.t[zero][0]:g}); a proportional error gives them no variance. Leave those "
            "samples out (pre-dose values) or use error='combined'"
        )


def _vector_names(spec: Spec, cov_names) -> list[str]:
    params = spec.model.parameters
    return (
        [f"mu_{p}" for p in params]
        + [f"beta_{params[p]}_{cov_names[c]}" for p, c in spec.terms]
        + [f"log_omega_{params[m]}" for m in spec.rand_idx]
        + [f"log_{p}" for p in spec.error.parameters]
    )


def _trace_names(names: list[str]) -> list[str]:
    # the trace holds typical values on the transformed scale, SDs themselves (not their logs)
    return [n.removeprefix("log_") for n in names]
