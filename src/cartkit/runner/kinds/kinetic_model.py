"""The ``kinetic_model`` kind: the population cellular-kinetic model of the transgene levels.

One :func:`cartkit.fit_kinetic_model` fit (Stein et al. 2019 model, SAEM, values below the LLOQ
censored) of the analysed patients' samples, with the plan's covariate effects taken from the
analysis dataset. The runner decides who is in the fit and says why the others are not: a
patient without samples, with no value above the LLOQ after infusion (the model describes an
expansion and contraction such a profile does not show), or with an unknown covariate. The
tables, captions and diagnostic figures are in :mod:`cartkit.report.sections.kinetic_model`.
"""

from __future__ import annotations

import warnings
from collections.abc import Callable
from concurrent.futures import Future
from dataclasses import dataclass

import numpy as np
import pandas as pd

from ..._core.futures import gather, run_here, then
from ...errors import DataError
from ...kinetics.popmodel import KineticModelResult
from ...kinetics.popmodel.estimate import Refit, UnfinishedFit, refit
from ...kinetics.popmodel.fit import settings_for, start_fit
from ...kinetics.popmodel.saem import Settings
from ...plan.schema import PopulationKineticModel
from ..context import Context
from ..results import KindResult

__all__ = [
    "COVARIATE_COLUMNS",
    "PARAMETER_COLUMNS",
    "RUNNERS",
    "STARTERS",
    "KineticModelRunResult",
    "model_input",
    "run_kinetic_model",
    "start_kinetic_model",
]

#: columns of the parameter table's data (``KineticModelResult.parameter_table()`` plus the
#: interval of each between-patient SD)
PARAMETER_COLUMNS = (
    "parameter", "estimate", "se", "rse", "ci_lower", "ci_upper", "iiv_scale", "iiv_sd",
    "iiv_rse", "iiv_ci_lower", "iiv_ci_upper", "shrinkage",
)  # fmt: skip
#: columns of the covariate table's data: the effect on the log (logit) scale, its fold change
#: (exp) with the interval, the likelihood-ratio test; ``n_level`` patients at 1 (binary);
#: ``lrt_converged`` whether both fits of the test (with and without the effect) converged
COVARIATE_COLUMNS = (
    "parameter", "term", "n", "n_level", "estimate", "se", "ci_lower", "ci_upper",
    "fold_change", "fold_ci_lower", "fold_ci_upper", "statistic", "dof", "p_value",
    "wald_p_value", "lrt_converged",
)  # fmt: skip
_SAMPLE_COLUMNS = ["patient_id", "day", "copies_per_ug", "blq", "lloq"]


@dataclass(frozen=True, kw_only=True)
class KineticModelRunResult(KindResult):
    """A population kinetic model fitted to the analysed patients.

    ``data[analysis.id]`` holds :data:`PARAMETER_COLUMNS` (one row per model parameter, then
    the residual SDs); ``data[f"{analysis.id}_covariates"]`` :data:`COVARIATE_COLUMNS` (one row
    per covariate effect; absent without covariates).

    Attributes
    ----------
    fit : KineticModelResult
        The fit (``predict``, ``individual``, ``trace``, ``covariance``, ...).
    curves : pandas.DataFrame
        ``fit.curves()``: each patient's individual and population curves on a fine grid (the
        individual-fits figure).
    binary : tuple of str
        The covariates that are yes/no variables, entered as 1 for yes and 0 for no.
    iterations : (int, int)
        The SAEM iterations of the fit (exploratory, smoothing).
    """

    fit: KineticModelResult
    curves: pd.DataFrame
    binary: tuple[str, ...] = ()
    iterations: tuple[int, int] = (0, 0)


def _covariate_names(analysis: PopulationKineticModel) -> list[str]:
    return list(dict.fromkeys(v for _param, names in analysis.covariates for v in names))


def _coded(ctx: Context, pats: pd.DataFrame, names: list[str]):
    """Each covariate as numbers (yes/no as 1/0), the binary ones, and who has one unknown."""
    coded, binary = {}, []
    for name in names:
        if name not in pats:
            raise DataError(f"covariate {name!r} is not a variable of this study")
        col = pats[name]
        if pd.api.types.is_bool_dtype(col) or isinstance(col.dtype, pd.BooleanDtype):
            coded[name] = col.astype("Float64").astype(float)
            binary.append(name)
        elif pd.api.types.is_numeric_dtype(col):
            coded[name] = col.astype(float)
        else:
            raise DataError(
                f"covariate {ctx.label(name)} ({name!r}) is neither a number nor yes/no; derive "
                "a yes/no variable from it in the plan's [[derived]] to use it"
            )
    frame = pd.DataFrame(coded, index=pats.index)
    return frame, binary


def _quantified(samples: pd.DataFrame, lloq: float) -> pd.Series:
    """Samples after infusion with a value above the LLOQ (the row's, else the plan's)."""
    row_lloq = samples["lloq"].astype(float).fillna(lloq) if "lloq" in samples else lloq
    value = samples["copies_per_ug"].astype(float)
    blq = samples["blq"].astype("boolean").fillna(False) if "blq" in samples else False
    return (samples["day"] > 0) & value.notna() & (value > 0) & (value >= row_lloq) & ~blq


def _ids(ids) -> str:
    ids = [str(i) for i in ids]
    return ", ".join(ids[:10]) + (" ..." if len(ids) > 10 else "")


def _capped(keep: np.ndarray, analysis: PopulationKineticModel, notes: list[str]) -> np.ndarray:
    """``keep``, or a simple random sample of ``max_patients`` of its patients (seeded)."""
    eligible = np.flatnonzero(keep)
    cap = int(analysis.max_patients)
    if len(eligible) <= cap:
        return keep
    # a stream of its own (not the fit's): the same plan draws the same patients, and a
    # change of iterations or model does not change who is in the fit
    rng = np.random.default_rng([analysis.seed, 0x5A3])
    chosen = np.sort(rng.choice(eligible, size=cap, replace=False))
    out = np.zeros_like(keep)
    out[chosen] = True
    notes.append(
        f"fitted to a simple random sample of {cap:,} of the {len(eligible):,} eligible "
        f"patients (the plan's max_patients = {cap:,}, drawn with seed {analysis.seed}): "
        "the population estimates and their intervals are those of the sample; set "
        f"max_patients to {len(eligible):,} or more to fit every eligible patient"
    )
    return out


def model_input(analysis: PopulationKineticModel, ctx: Context):
    """The samples the model is fitted to (with the covariates), and notes on who is out.

    Returns
    -------
    samples : pandas.DataFrame
        ``patient_id, day, copies_per_ug, blq, lloq`` and one column per covariate (numbers).
    covariates : dict
        Parameter -> covariate columns, as :func:`cartkit.fit_kinetic_model` takes them (a
        covariate with one value among the analysed patients is left out, with a note).
    binary : tuple of str
    notes : list of str
    """
    if ctx.kinetics is None or not len(ctx.kinetics):
        raise DataError("the study has no kinetics table, so there is no kinetic model")
    pats, notes = ctx.population(analysis.population)
    names = _covariate_names(analysis)
    values, binary = _coded(ctx, pats, names)
    kin = ctx.kinetics
    has = pats["patient_id"].isin(kin["patient_id"]).to_numpy()
    if (~has).any():
        notes.append(
            f"{int((~has).sum())} patient(s) without kinetics samples are not in the model: "
            + _ids(pats.loc[~has, "patient_id"])
        )
    samples = kin[kin["patient_id"].isin(pats.loc[has, "patient_id"])]
    samples = samples[[c for c in _SAMPLE_COLUMNS if c in samples]].copy()
    if "blq" in samples:
        samples["blq"] = samples["blq"].astype("boolean").fillna(False).astype(bool)
    good = _quantified(samples, ctx.settings.lloq).groupby(samples["patient_id"]).any()
    flat = pats.loc[has, "patient_id"][~pats.loc[has, "patient_id"].map(good).to_numpy(bool)]
    if len(flat):
        notes.append(
            f"{len(flat)} patient(s) with no value above the LLOQ after infusion are not in "
            "the model (no expansion to describe; counted as non-expanders): " + _ids(flat)
        )
    keep = has & ~pats["patient_id"].isin(flat).to_numpy()
    unknown = values.isna().any(axis=1).to_numpy() & keep
    for name in names:
        out = values[name].isna().to_numpy() & keep
        if out.any():
            notes.append(
                f"{int(out.sum())} patient(s) not in the model: {ctx.names.header(name)} unknown "
                f"({_ids(pats.loc[out, 'patient_id'])})"
            )
    keep &= ~unknown
    if not keep.any():
        raise DataError("no patient has a value above the LLOQ after infusion and every covariate")
    keep = _capped(keep, analysis, notes)
    values = values[keep]
    used = []
    for name in names:
        if values[name].nunique() < 2:
            notes.append(
                f"{ctx.label(name)} takes one value among the patients of the model; its "
                "effect is not estimated"
            )
        else:
            used.append(name)
    covariates = {}
    for param, vars_ in analysis.covariates:
        kept = [v for v in vars_ if v in used]
        if kept:
            covariates[param] = kept
    table = values[used].assign(patient_id=pats.loc[keep, "patient_id"].to_numpy())
    samples = samples.merge(table, on="patient_id", how="inner", validate="many_to_one")
    return samples, covariates, tuple(b for b in binary if b in used), notes


def _parameter_data(fit: KineticModelResult) -> pd.DataFrame:
    table = fit.parameter_table()
    ci = fit.omega.set_index("parameter")[["ci_lower", "ci_upper"]]
    table["iiv_ci_lower"] = table["parameter"].map(ci["ci_lower"])
    table["iiv_ci_upper"] = table["parameter"].map(ci["ci_upper"])
    return table[list(PARAMETER_COLUMNS)]


def _covariate_data(fit: KineticModelResult, samples: pd.DataFrame, binary) -> pd.DataFrame:
    tests = fit.covariate_tests.copy()
    per_patient = samples.drop_duplicates("patient_id")
    tests["n"] = fit.n_patients
    tests["n_level"] = [
        float((per_patient[t] == 1).sum()) if t in binary else np.nan for t in tests["term"]
    ]
    tests["fold_ci_lower"] = np.exp(tests["ci_lower"])
    tests["fold_ci_upper"] = np.exp(tests["ci_upper"])
    reduced = fit.reduced_converged or (True,) * len(tests)
    tests["lrt_converged"] = [fit.converged and bool(ok) for ok in reduced]
    return tests[list(COVARIATE_COLUMNS)]


def _caught(function, *args):
    """``function(*args)`` and the warnings it raised, as (category, text) pairs (picklable)."""
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        value = function(*args)
    return value, [(w.category, str(w.message)) for w in caught]


def _start_fit(samples: pd.DataFrame, covariates: dict, analysis, lloq, level):
    """The fit up to its likelihood-ratio tests, its curves, and the warnings raised.

    A module-level function of picklable arguments: it runs in a worker process when the
    runner has one; so does each refit of the tests (:func:`_refit`), at the same time.
    """

    def fit() -> UnfinishedFit:
        return start_fit(
            samples,
            analysis.model,
            "patient_id",
            "day",
            "copies_per_ug",
            None,
            None if analysis.random is None else list(analysis.random),
            analysis.error,
            lloq,
            covariates or None,
            analysis.seed,
            conf_level=level,
            settings=settings_for(analysis.iterations),
        )

    unfinished, caught = _caught(fit)
    return unfinished, unfinished.result.curves(), caught


def _refit(task: Refit):
    return _caught(refit, task)


def _result(analysis, samples, covariates, binary, notes, started, refits) -> KineticModelRunResult:
    unfinished, curves, caught = started
    outcomes = [outcome for outcome, _caught in refits]
    fit = unfinished.finish(outcomes)
    # the fit's warnings are among its notes; any other warning is the runner's to report
    for category, message in [*caught, *(w for _o, more in refits for w in more)]:
        if message not in fit.notes:
            warnings.warn(message, category, stacklevel=2)
    data = {analysis.id: _parameter_data(fit)}
    if covariates:
        data[f"{analysis.id}_covariates"] = _covariate_data(fit, samples, binary)
    return KineticModelRunResult(
        analysis=analysis,
        n=fit.n_patients,
        notes=[*notes, *fit.notes],
        data=data,
        fit=fit,
        curves=curves,
        binary=binary,
        iterations=analysis.iterations or (Settings().n_explore, Settings().n_smooth),
    )


def run_kinetic_model(analysis: PopulationKineticModel, ctx: Context) -> KineticModelRunResult:
    """Fit the population kinetic model of the plan to the analysed patients.

    Parameters
    ----------
    analysis : cartkit.plan.schema.PopulationKineticModel
        The plan analysis (model, error model, random effects, covariate effects, seed,
        ``max_patients``).
    ctx : cartkit.runner.context.Context
        The run's datasets: the kinetics samples, and the covariates from the patients.

    Returns
    -------
    KineticModelRunResult
        The parameter and covariate tables, the fit, the curves of the figures; notes on the
        patients and samples left out and on the convergence of the fit.

    Raises
    ------
    DataError
        No kinetics table, no patient to fit, or a covariate that is not a number or yes/no.
    """
    return start_kinetic_model(analysis, ctx, None)()


def start_kinetic_model(
    analysis: PopulationKineticModel, ctx: Context, submit: Callable[..., Future] | None
) -> Callable[[], KineticModelRunResult]:
    """:func:`run_kinetic_model` in two steps: start the fit, then wait for it.

    The fit runs in a worker when ``submit`` is given (as ``submit(function, *args)``); the
    returned function waits for it and gives the result.

    The runner starts the fit first so that the other analyses run while it fits; the numbers
    are the same wherever it runs (the fit is seeded, and its input chosen here).
    """
    samples, covariates, binary, notes = model_input(analysis, ctx)
    args = (samples, covariates, analysis, ctx.settings.lloq, ctx.settings.conf_level)
    submit = submit or run_here
    started = submit(_start_fit, *args)
    # each likelihood-ratio refit is given to the workers as soon as the full fit is done
    refits = then(started, lambda begun: gather([submit(_refit, t) for t in begun[0].refits]))

    def collect() -> KineticModelRunResult:
        return _result(
            analysis, samples, covariates, binary, notes, started.result(), refits.result()
        )

    return collect


RUNNERS = {"kinetic_model": run_kinetic_model}
#: kinds whose work may start in a worker process (see ``run_plan(submit=...)``)
STARTERS = {"kinetic_model": start_kinetic_model}
