"""A study's whole analysis, presented: :func:`analyze`.

The runner computes every analysis of the plan (:func:`cartkit.runner.runner.run_plan`); each
result is then presented by its kind's section (:mod:`cartkit.report.sections`) as journal
tables and figure specs. Figures are drawn when the report is written.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import replace

from ..runner.results import PlanRun
from ..runner.runner import run_plan
from .sections import Section, Show, present
from .types import Analysis, AnalysisResult

__all__ = ["analyze", "present_run"]


def _not_run(result, section: Section) -> str:
    """Why an analysis shows nothing ("" when it shows a table or a figure)."""
    if section.tables or section.figures:
        return ""
    reasons = [n.removeprefix("Not run: ") for n in result.notes if n.startswith("Not run: ")]
    return reasons[0] if reasons else "; ".join(result.notes) or "nothing to show"


def _without(section: Section, without: tuple[str, ...], show: Show) -> Section:
    """Every table and figure says in its title that planned variables are missing."""
    if not without:
        return section
    names = ", ".join(show.label(w.split(" (")[0]).split(",")[0] for w in without)
    note = (
        f"Planned but not in this analysis: {', '.join(without)}; the study does not have "
        "the table."
    )
    tables = [
        replace(t, title=f"{t.title} (without {names})", footnotes=(*t.footnotes, note))
        for t in section.tables
    ]
    figures = [replace(f, title=f"{f.title} (without {names})") for f in section.figures]
    return Section(tables=tables, figures=figures, notes=section.notes)


def _section(result, show: Show) -> Section:
    return _without(present(result, show), result.without, show)


def present_run(run: PlanRun, presented: Mapping[str, tuple] | None = None) -> Analysis:
    """The tables, figures and notes of a plan run.

    Parameters
    ----------
    run : cartkit.runner.results.PlanRun
        What :func:`cartkit.runner.runner.run_plan` computed.
    presented : mapping, optional
        Analysis id to ``(result, section)`` already presented (as the run went); a result
        not among them (or another object than the one presented) is presented here.

    Returns
    -------
    Analysis
    """
    show = Show(run.names, run.plan.settings)
    presented = presented or {}
    tables, figures, results = {}, {}, []
    for result in run.results:
        early = presented.get(result.analysis.id)
        section = early[1] if early is not None and early[0] is result else _section(result, show)
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
                not_run=_not_run(result, section),
                without=tuple(result.without),
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


def analyze(
    study, plan=None, *, progress=None, submit=None, figure=None, datasets=None
) -> Analysis:
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
    submit : callable, optional
        ``submit(function, *args) -> Future`` (an executor's, or
        :meth:`cartkit.report.figures.parallel.FigureWorkers.call`): the slowest analyses run
        in a worker process meanwhile (see :func:`cartkit.runner.runner.run_plan`).
    figure : callable, optional
        Called as ``figure(figure_id, draw)`` with each figure as soon as its analysis is done,
        to start drawing it while the other analyses run (the command line gives
        :meth:`cartkit.report.figures.parallel.FigureWorkers.prefetch`). The analysis returned
        holds the same ``draw`` objects, so the report takes those drawings.
    datasets : callable, optional
        Called as ``datasets(derived, context)`` with the derived datasets as soon as they are
        derived (see :func:`cartkit.runner.runner.run_plan`): the command line writes them
        (:class:`cartkit.report.write.EarlyDatasets`) while the slowest analyses run.

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
    if figure is None:
        return present_run(
            run_plan(study, plan, progress=progress, submit=submit, datasets=datasets)
        )
    presented: dict[str, tuple] = {}

    def done(result, ctx) -> None:
        section = _section(result, Show(ctx.names, ctx.settings))
        presented[result.analysis.id] = (result, section)
        for fig in section.figures:
            figure(fig.id, fig.draw)

    run = run_plan(study, plan, progress=progress, submit=submit, done=done, datasets=datasets)
    return present_run(run, presented)
