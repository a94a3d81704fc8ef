"""A study's whole analysis, presented: :func:`analyze`.

The runner computes every analysis of the plan (:func:`cartkit.runner.runner.run_plan`); each
result is then presented by its kind's section (:mod:`cartkit.report.sections`) as journal
tables and figure specs. Figures are drawn when the report is written.
"""

from __future__ import annotations

from ..runner.results import PlanRun
from ..runner.runner import LegacyResult, run_plan
from .sections import Section, Show, present
from .types import Analysis, AnalysisResult

__all__ = ["analyze", "present_run"]


def _section(result, show: Show) -> Section:
    if isinstance(result, LegacyResult):
        out = result.output
        return Section(tables=list(out.tables), figures=list(out.figures))
    return present(result, show)


def present_run(run: PlanRun) -> Analysis:
    """The tables, figures and notes of a plan run.

    Parameters
    ----------
    run : cartkit.runner.results.PlanRun
        What :func:`cartkit.runner.runner.run_plan` computed.

    Returns
    -------
    Analysis
    """
    show = Show(run.names, run.plan.settings)
    tables, figures, results = {}, {}, []
    for result in run.results:
        section = _section(result, show)
        for table in section.tables:
            if table.id in tables:
                raise RuntimeError(f"two tables have the id {table.id!r}")
            tables[table.id] = table
        for fig in section.figures:
            if fig.id in figures:
                raise RuntimeError(f"two figures have the id {fig.id!r}")
            figures[fig.id] = fig
        analysis = result.analysis
        results.append(
            AnalysisResult(
                id=analysis.id,
                kind=analysis.kind,
                title=analysis.title,
                source=analysis.source,
                tables=tuple(t.id for t in section.tables),
                figures=tuple(f.id for f in section.figures),
                notes=tuple(dict.fromkeys([*result.notes, *section.notes])),
                n=int(result.n),
            )
        )
    return Analysis(
        tables=tables,
        figures=figures,
        headline=run.headline,
        derived=run.derived,
        results=tuple(results),
        plan=run.plan,
        provenance=run.provenance,
    )


def analyze(study, plan=None, *, progress=None) -> Analysis:
    """Run an analysis plan on a study and present its results.

    Parameters
    ----------
    study : cartkit.Study or path
        A validated study (:func:`cartkit.read_study`), or the path of one.
    plan : cartkit.plan.schema.Plan, path or None
        The plan; a path is read with :func:`cartkit.plan.plan.load_plan`; ``None`` runs the
        published study's plan (:func:`cartkit.plan.default.default_plan`).
    progress : callable, optional
        Called as ``progress(step, done, total)`` before each analysis (for a progress bar).

    Returns
    -------
    Analysis
        Tables, figures, headline numbers, derived datasets, a result per plan analysis (its
        notes say what was left out and why) and provenance.

    Raises
    ------
    cartkit.plan.plan.PlanError
        When a plan file is invalid (every problem listed).
    """
    return present_run(run_plan(study, plan, progress=progress))
