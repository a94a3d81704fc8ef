"""Run an analysis plan on a study: :func:`run_plan`.

Each analysis of the plan runs on its own. Warnings it raises (a model that did not converge,
a group too small) become notes of its result; an analysis that cannot run at all (a variable
the study does not have) becomes a result whose note says why, and the others still run.
Nothing is dropped silently. The runner computes only: :func:`cartkit.analyze` presents the
results (:mod:`cartkit.report.sections`).
"""

from __future__ import annotations

import os
import warnings
from collections.abc import Callable
from concurrent.futures import Future
from dataclasses import replace
from pathlib import Path

import numpy as np
import pandas as pd

from .._core.errors import format_problem
from .._core.provenance import provenance
from ..derive.registry import study_variables
from ..errors import CartkitError
from ..plan.default import default_plan
from ..plan.plan import load_plan, validate_plan
from ..plan.requirements import Gap, plan_gaps
from ..plan.schema import Plan, Settings
from .context import Context, build_context
from .headline import headline_values
from .results import KindResult, PlanRun

__all__ = ["run_plan", "runners", "starters"]

Progress = Callable[[str, int, int], None]


def runners() -> dict[str, Callable]:
    """The function that runs each analysis kind."""
    from .kinds import (
        correlation,
        cumulative,
        describe,
        kinetic_model,
        kinetics,
        models,
        survival,
        swimmer,
        toxicity,
    )

    table: dict[str, Callable] = {}
    modules = (describe, survival, cumulative, models, kinetics, correlation, toxicity, swimmer)
    modules += (kinetic_model,)
    for module in modules:
        table.update(module.RUNNERS)
    return table


def starters() -> dict[str, Callable]:
    """The kinds whose work can start in a worker process.

    ``start(analysis, ctx, submit)`` returns a function that waits for the work and gives the
    result, as the kind's runner would.
    """
    from .kinds import kinetic_model

    return dict(kinetic_model.STARTERS)


def _plan(plan, study) -> Plan:
    """The plan to run, checked against the study: every variable it names must exist."""
    variables = study_variables(study.tables)
    if plan is None:
        plan = default_plan()
    if isinstance(plan, Plan):
        return validate_plan(plan, variables=variables)
    if isinstance(plan, str | os.PathLike):
        return load_plan(plan, variables=variables)
    raise TypeError(f"plan must be a Plan, a path to a TOML file or None, not {type(plan)}")


def _study(study):
    if isinstance(study, str | os.PathLike):
        from ..schema.validate import read_study

        return read_study(Path(study))
    return study


def _without(analysis, gap: Gap):
    """The analysis without the variables the study cannot give it, and the note saying so."""
    lost = {w.split(" (")[0] for w in gap.without}
    changes = {}
    for key, tag in analysis.fields_.items():
        value = getattr(analysis, key)
        if tag in ("vars", "vars+"):
            changes[key] = tuple(v for v in value if v not in lost)
        elif tag == "pairs":
            changes[key] = tuple(p for p in value if not lost.intersection(p))
        elif tag == "models":
            changes[key] = tuple(
                replace(m, covariates=tuple(c for c in m.covariates if c not in lost))
                for m in value
            )
        elif tag == "ck_effects":
            kept = ((p, tuple(v for v in names if v not in lost)) for p, names in value)
            changes[key] = tuple((p, names) for p, names in kept if names)
    note = (
        f"Runs without {', '.join(gap.without)}: this study has no "
        f"{' or '.join(gap.missing)} table."
    )
    return replace(analysis, **changes), note


def _warning_note(w: warnings.WarningMessage) -> str:
    return f"{w.category.__name__}: {w.message}"


def _run_one(run: Callable, analysis, ctx: Context) -> KindResult:
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        try:
            out = run(analysis, ctx)
        except (CartkitError, ValueError, np.linalg.LinAlgError) as exc:
            out = KindResult(analysis=analysis, notes=(f"Not run: {exc}",))
    # a warning raised once per patient or per model is one note
    notes = dict.fromkeys([*out.notes, *(_warning_note(w) for w in caught)])
    return replace(out, notes=tuple(notes))


def _exclusions(ctx: Context) -> pd.DataFrame:
    frames = [ctx.adam.excluded.assign(derivation="analysis datasets")]
    for term, derived in ctx.grading.items():
        if derived is not None and len(derived.excluded):
            frames.append(derived.excluded.assign(derivation=f"{term.upper()} grading"))
    out = pd.concat(frames, ignore_index=True)
    return out[["derivation", "patient_id", "reason"]]


def _findings(ctx: Context, study) -> pd.DataFrame:
    cols = ["source", "patient_id", "check", "message"]
    frames = [ctx.adam.findings.assign(source="analysis datasets")]
    for term, derived in ctx.grading.items():
        if derived is not None and len(derived.findings):
            frames.append(derived.findings.assign(source=f"{term.upper()} grading"))
    problems = study.metadata.get("problems")
    if problems is not None and len(problems):
        p = problems.reset_index(drop=True)
        # where and what, as validation prints it; a problem of a whole table or column has
        # no row (its message was lost under pandas 3, where missing text stays missing)
        messages = [
            format_problem(r._replace(patient_id=None))
            for r in p[["table", "row", "column", "patient_id", "message"]].itertuples()
        ]
        frames.append(
            pd.DataFrame(
                {
                    "source": "validation",
                    "patient_id": p["patient_id"],
                    "check": p["severity"],
                    "message": pd.Series(messages, dtype=object),
                }
            )
        )
    out = pd.concat([f.reindex(columns=cols) for f in frames], ignore_index=True)
    return out


def _start(start: Callable, analysis, ctx: Context, submit) -> Callable[[], KindResult]:
    """Start a kind's work in a worker; the returned function collects it through _run_one.

    What starting raises or warns is held back and given to ``_run_one`` when collected, so
    that it becomes the result's notes (or its "Not run") exactly as for the other kinds.
    """
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        try:
            finish = start(analysis, ctx, submit)
        except Exception as exc:

            def finish(exc=exc):
                raise exc

    def collect(_analysis, _ctx) -> KindResult:
        for w in caught:
            warnings.warn_explicit(w.message, w.category, w.filename, w.lineno)
        return finish()

    return lambda: _run_one(collect, analysis, ctx)


def run_plan(
    study,
    plan=None,
    *,
    progress: Progress | None = None,
    submit: Callable[..., Future] | None = None,
    done: Callable[[KindResult, Context], None] | None = None,
    datasets: Callable[[dict[str, pd.DataFrame], Context], None] | None = None,
) -> PlanRun:
    """Run an analysis plan on a study and collect the numbers.

    Parameters
    ----------
    study : cartkit.Study or path
        A validated study (:func:`cartkit.read_study`), or the path of one.
    plan : cartkit.plan.schema.Plan, path or None
        The plan; a path is read with :func:`cartkit.plan.plan.load_plan`; ``None`` runs the
        published study's plan (:func:`cartkit.plan.default.default_plan`).
    progress : callable, optional
        Called as ``progress(step, done, total)`` before each analysis (for a progress bar).
    submit : callable, optional
        ``submit(function, *args) -> concurrent.futures.Future``, e.g. an executor's
        ``submit``: the slowest analyses (the population kinetic model) then run in a worker
        process while the others run here. The numbers are the same either way.
    done : callable, optional
        Called as ``done(result, context)`` with each analysis's result as soon as it is
        computed (the slowest, started in a worker, last): to present it, and start drawing
        its figures, while the other analyses run.
    datasets : callable, optional
        Called as ``datasets(derived, context)`` with the derived datasets (``adsl``,
        ``adtte``, and ``nca``, ``crs``, ``icans`` where the study has them) as soon as they
        are derived, before any analysis: to write them while the slowest analyses run. The
        run's ``derived`` holds the same objects.

    Returns
    -------
    PlanRun
        A result per plan analysis (its notes say what was left out and why), the headline,
        the derived datasets and provenance.

    Raises
    ------
    cartkit.plan.plan.PlanError
        When the plan is invalid, or names a variable the study does not have (every
        problem listed).
    """
    study = _study(study)
    plan = _plan(plan, study)
    total = len(plan.analyses) + 1
    if progress:
        progress("deriving the analysis datasets", 0, total)
    ctx = build_context(study, plan)
    derived = _datasets(ctx)
    if datasets is not None:
        datasets(dict(derived), ctx)
    run_for = runners()
    start_for = starters() if submit is not None else {}
    gaps = {g.analysis_id: g for g in plan_gaps(plan, study.tables)}
    # started first, collected last: the other analyses run while they work
    started = {
        a.id: _start(start_for[a.kind], a, ctx, submit)
        for a in plan.analyses
        if a.kind in start_for and a.id not in gaps
    }
    results = []

    def finished(result: KindResult) -> KindResult:
        if done is not None:
            done(result, ctx)
        return result

    for i, analysis in enumerate(plan.analyses, start=1):
        if progress:
            progress(analysis.id, i, total)
        if analysis.id in started:
            results.append(analysis.id)  # its place, filled when it is collected
            continue
        gap = gaps.get(analysis.id)
        if gap is not None and gap.cannot_run:
            result = KindResult(analysis=analysis, notes=(f"Not run: {gap.cannot_run}.",))
        elif gap is not None:
            reduced, note = _without(analysis, gap)
            result = _run_one(run_for[analysis.kind], reduced, ctx)
            result = replace(result, notes=(note, *result.notes), without=gap.without)
        else:
            result = _run_one(run_for[analysis.kind], analysis, ctx)
        results.append(finished(result))
    for i, r in enumerate(results):
        if isinstance(r, str):
            if progress:
                progress(f"{r} (waiting for the worker)", total, total)
            results[i] = finished(started[r]())
    tables = {r.id: list(r.data.items()) for r in results}
    headline = headline_values(plan.headline, tables, len(study.tables["patients"]))
    derived["excluded"] = _exclusions(ctx)
    derived["findings"] = _findings(ctx, study)
    prov = provenance(study, _settings_dict(plan))
    prov["plan"] = {"name": plan.name, "version": plan.version}
    if "seed" in study.metadata:
        prov["seed"] = study.metadata["seed"]
    return PlanRun(
        plan=plan,
        results=tuple(results),
        headline=headline,
        derived=derived,
        names=ctx.names,
        provenance=prov,
    )


def _datasets(ctx: Context) -> dict[str, pd.DataFrame]:
    """The derived datasets of a run, as the report writes them (``derived/``)."""
    derived = {"adsl": ctx.patients, "adtte": ctx.adtte}
    for name, frame in (("nca", ctx.nca), ("crs", ctx.crs), ("icans", ctx.icans)):
        if frame is not None:
            derived[name] = frame
    return derived


def _settings_dict(plan: Plan) -> dict:
    return {name: getattr(plan.settings, name) for name in Settings.fields_}
