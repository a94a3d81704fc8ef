"""Commands on a whole study: validate, demo, report, plan, simulate.

Every command that writes checks its output first (never over an input, never over existing
files without ``--force``: see :mod:`cartkit.io.outputs`), then computes, then writes a folder
through a temporary folder moved into place at the end.
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable
from pathlib import Path
from typing import Annotated

import typer

import cartkit

from ._app import Force, app, echo

#: the simulated study is also written as an xlsx workbook up to this many patients (its labs
#: sheet alone then holds ~1.4 million rows, past Excel's limit of 1,048,576 a sheet)
MAX_WORKBOOK_PATIENTS = 5_000


#: ``--svg``: every figure also as SVG
Svg = Annotated[
    bool,
    typer.Option(
        "--svg",
        help="Also write every figure as SVG (text as paths), for a journal or an editor.",
    ),
]


#: ``--large``: read a registry beyond the default limits
Large = Annotated[
    bool,
    typer.Option(
        "--large",
        help="A registry beyond the default limits: up to 10 times the rows, cells and bytes "
        "(50 million rows a table); memory grows with it (docs/data-format.md).",
    ),
]


def _limits(large: bool):
    """Raised limits for ``--large``, else the defaults."""
    from ..io.limits import large_study

    return large_study() if large else contextlib.nullcontext()


@contextlib.contextmanager
def _progress():
    """A progress display on stderr (gone when done); yields ``status(text, done, total)``."""
    from rich.console import Console
    from rich.progress import BarColumn, Progress, TextColumn, TimeElapsedColumn

    columns = (TextColumn("{task.description}"), BarColumn(), TimeElapsedColumn())
    with Progress(*columns, console=Console(stderr=True), transient=True) as bar:
        task = bar.add_task("starting", total=None)

        def status(text: str, done: int | None = None, total: int | None = None) -> None:
            bar.update(task, description=text, completed=done, total=total)

        yield status


def _figure_workers():
    """Worker processes for the figures, started before any work (see FigureWorkers)."""
    from ..report.figures.parallel import FigureWorkers

    return FigureWorkers()


def study_inputs(path: Path, study=None) -> list[Path]:
    """The inputs an output must stay clear of: the study path and every file read from it."""
    files = [] if study is None else [Path(f) for f in study.metadata.get("files", {})]
    return [path, *files]


@app.command()
def validate(
    path: Annotated[
        Path,
        typer.Argument(
            help="A study folder (csv, parquet, xpt, sas7bdat, sav files) or an .xlsx workbook."
        ),
    ],
    out: Annotated[
        Path | None, typer.Option("--out", help="Also write every problem to this .csv file.")
    ] = None,
    all_problems: Annotated[
        bool, typer.Option("--all", help="List every problem, not at most 5 of each kind.")
    ] = False,
    plan: Annotated[
        Path | None,
        typer.Option(
            "--plan", help="Say what this plan cannot run on the study (default: the published)."
        ),
    ] = None,
    large: Large = False,
    force: Force = False,
):
    """Check a study and list every problem; exit 0 when valid, 2 when not."""
    from ..io.outputs import check_output_file

    if out is not None:
        check_output_file(out, inputs=[path], force=force)
    with _limits(large):
        report = cartkit.validate_study(path)
    echo(report.summary(max_per_kind=10**9 if all_problems else 5))
    if report.study is not None:
        echo(_what_the_plan_loses(report.study, plan))
    if out is not None:
        from ..io.writers import write_csv

        write_csv(report.problems, out, inputs=study_inputs(path, report.study))
        echo(f"problems written to {out}")
    raise typer.Exit(0 if report.ok else 2)


def _what_the_plan_loses(study, plan_path) -> str:
    """The optional tables a study lacks and the analyses of the plan they disable."""
    from ..derive.registry import study_variables
    from ..plan.default import default_plan
    from ..plan.plan import load_plan
    from ..plan.requirements import ABSENT_TABLE_EFFECTS, OPTIONAL_TABLES, plan_gaps

    absent = [t for t in OPTIONAL_TABLES if t not in study.tables]
    if not absent:
        return "optional tables: all present"
    plan = (
        default_plan()
        if plan_path is None
        else load_plan(plan_path, variables=study_variables(study.tables))
    )
    which = "the default plan" if plan_path is None else str(plan_path)
    lines = [f"optional tables absent: {', '.join(absent)}"]
    lines += [ABSENT_TABLE_EFFECTS[t] for t in absent if t in ABSENT_TABLE_EFFECTS]
    gaps = plan_gaps(plan, study.tables)
    cannot = [g for g in gaps if g.cannot_run]
    partly = [g for g in gaps if not g.cannot_run]
    if cannot:
        lines.append(f"with {which}, {len(cannot)} analysis(es) cannot run:")
        lines += [f"  - {g.analysis_id}: {g.cannot_run}" for g in cannot]
    if partly:
        lines.append(f"with {which}, {len(partly)} analysis(es) run without some variables:")
        lines += [f"  - {g.analysis_id}: without {', '.join(g.without)}" for g in partly]
    if not gaps:
        lines.append(f"{which} needs none of them")
    return "\n".join(lines)


@app.command()
def demo(
    out: Annotated[Path, typer.Option("--out", help="Folder to write into.")] = Path("report"),
    patients: Annotated[int, typer.Option("--patients", help="Cohort size.")] = 50,
    seed: Annotated[int, typer.Option("--seed", help="Random seed.")] = 0,
    svg: Svg = False,
    force: Force = False,
):
    """Simulate the published cohort and write its data and full report.

    The report's headline shows the published study's values beside the cohort's, in a column
    labelled with their source (the default plan plus the published ``[reference]``).
    """
    from dataclasses import replace

    from ..io.outputs import check_output_folder
    from ..plan.default import default_plan, published_reference

    check_output_folder(out, force=force)
    echo(f"cartkit demo: {patients} simulated patients (seed {seed})")
    plan = replace(default_plan(), reference=published_reference())
    title = (
        f"A virtual cohort of {patients} simulated patients (seed {seed}), "
        "calibrated to a published study"
    )
    with _figure_workers() as workers, _progress() as status:
        status("simulating and checking the study")
        study = cartkit.simulate_study(n_patients=patients, seed=seed)
        report = cartkit.validate_study(study)
        if not report.ok:  # a simulated study that fails validation is a bug, not bad input
            raise RuntimeError("the simulated study failed validation:\n" + report.summary())
        workbook = patients <= MAX_WORKBOOK_PATIENTS

        def write_data(folder: Path) -> None:
            study.write(folder / "data" / "csv", "csv")
            if workbook:
                study.write(folder / "data" / "study.xlsx", "xlsx")

        command = f"cartkit demo --patients {patients} --seed {seed}" + (" --svg" if svg else "")
        analysis, title = _write_full_report(
            report.study,
            out,
            plan=plan,
            command=command,
            force=force,
            also=write_data,
            title=title,
            svg=svg,
            workers=workers,
            status=status,
        )
    _summary(analysis, out, title)
    if workbook:
        echo("the simulated study itself: data/ (csv and xlsx)")
    else:
        echo(
            f"the simulated study itself: data/ (csv; no xlsx workbook above "
            f"{MAX_WORKBOOK_PATIENTS:,} patients, a size a spreadsheet does not open usefully)"
        )


@app.command()
def report(
    path: Annotated[
        Path,
        typer.Argument(
            help="A study folder (csv, parquet, xpt, sas7bdat, sav files) or an .xlsx workbook."
        ),
    ],
    out: Annotated[Path, typer.Option("--out", help="Folder to write the report into.")],
    plan: Annotated[
        Path | None,
        typer.Option("--plan", help="An analysis plan (.toml); default: the published study's."),
    ] = None,
    title: Annotated[
        str | None,
        typer.Option(
            "--title",
            help="The report's title; default: the plan's title, else 'Analysis of <file>: "
            "<n> patients'.",
        ),
    ] = None,
    svg: Svg = False,
    large: Large = False,
    force: Force = False,
):
    """Validate a study, run the analysis plan and write the full report."""
    from ..io.outputs import check_output_folder
    from ..report.front import check_title

    if title is not None:  # refused before anything is read or computed
        title = check_title(title)
    plan_inputs = [] if plan is None else [plan]
    check_output_folder(out, inputs=[path, *plan_inputs], force=force)
    command = f"cartkit report {path.name}" + ("" if plan is None else f" --plan {plan.name}")
    if title is not None:
        command += f" --title {title!r}"
    command += (" --svg" if svg else "") + (" --large" if large else "")
    with _figure_workers() as workers, _progress() as status:
        status("reading and checking the study")
        with _limits(large):
            study = cartkit.read_study(path)
        analysis, title = _write_full_report(
            study,
            out,
            plan=plan,
            command=command,
            force=force,
            inputs=[*study_inputs(path, study), *plan_inputs],
            title=title,
            svg=svg,
            workers=workers,
            status=status,
        )
    _summary(analysis, out, title)


@app.command()
def plan(
    out: Annotated[
        Path | None, typer.Option("--out", help="Write the plan to this .toml file.")
    ] = None,
    check: Annotated[
        Path | None, typer.Option("--check", help="Check this plan file and list every problem.")
    ] = None,
    study: Annotated[
        Path | None,
        typer.Option(
            "--study",
            help="With --check: the study the plan is for; its own patient columns are "
            "variables the plan may name.",
        ),
    ] = None,
    force: Force = False,
):
    """Print the published study's analysis plan (TOML, to edit for --plan), or check one."""
    from ..plan.default import default_plan, default_plan_toml
    from ..plan.plan import load_plan

    if check is not None:
        # every problem is raised as one PlanError (exit 2), with its line in the file
        variables = ()
        if study is not None:
            from ..derive.registry import study_variables

            variables = study_variables(cartkit.read_study(study).tables)
        loaded = load_plan(check, variables=variables)
        echo(f"{check}: a valid plan with {len(loaded.analyses)} analyses")
        return
    text = default_plan_toml()
    if out is None:
        echo(text, nl=False)
        return
    from ..io.atomic import atomic_path
    from ..io.outputs import check_output_file

    check_output_file(out, force=force)
    with atomic_path(out) as tmp:
        tmp.write_text(text, encoding="utf-8")
    echo(f"the default plan ({len(default_plan().analyses)} analyses) written to {out}")


def _write_full_report(
    study,
    out: Path,
    *,
    plan,
    command: str,
    force: bool,
    inputs=(),
    also: Callable[[Path], None] | None = None,
    title: str | None = None,
    svg: bool = False,
    workers=None,
    status: Callable[..., None],
):
    """Analyse ``study`` and write its report (and ``also`` what else) as the folder ``out``.

    ``status(description, done, total)`` shows the progress (see :func:`_progress`). Returns
    the analysis and the report's title.
    """
    from dataclasses import replace

    from rich.markup import escape

    from ..derive.registry import study_variables
    from ..io.outputs import output_folder
    from ..plan.plan import load_plan, validate_plan
    from ..report.front import report_title
    from ..report.write import EarlyDatasets, write_report

    # checked before any work: a plan naming a variable the study lacks is refused (exit 2)
    variables = study_variables(study.tables)
    if isinstance(plan, Path):
        plan_obj = load_plan(plan, variables=variables)
    else:
        plan_obj = None if plan is None else validate_plan(plan, variables=variables)
    inputs = list(inputs)

    def step(name: str, done: int, total: int) -> None:
        # an analysis id from a plan is text, never rich markup
        status(f"analysis: {escape(str(name))}", done, total)

    submit = figure = None
    if workers is not None:
        submit = workers.call

        def figure(fid, draw) -> None:
            workers.prefetch(fid, draw, svg)

    def drawn(name: str, done: int, total: int) -> None:
        status("figures", done, total)

    # the folder is opened first: the derived datasets are written into it as soon as they are
    # derived, while the slowest analyses run (on failure nothing of it is left)
    with output_folder(out, inputs=inputs, force=force) as folder:
        early = EarlyDatasets(folder, inputs=inputs)
        analysis = cartkit.analyze(
            study, plan_obj, progress=step, submit=submit, figure=figure, datasets=early
        )
        analysis = replace(analysis, provenance={**analysis.provenance, "command": command})
        status("writing the report")
        title = report_title(analysis, title)
        write_report(
            analysis,
            folder,
            inputs=inputs,
            title=title,
            svg=svg,
            workers=workers,
            progress=drawn,
            also=also,
            early=early,
        )
    return analysis, title


def _summary(analysis, out: Path, title: str) -> None:
    """The title, the headline and what was written, after the progress display is gone."""
    from ..report.front import reference_texts
    from ..report.outputs import headline_text

    reference = analysis.plan.reference
    echo(title)
    echo(
        headline_text(
            analysis.headline,
            analysis.plan.headline,
            None if reference is None else (reference.source, reference_texts(analysis.plan)),
        )
    )
    n_notes = sum(len(r.notes) for r in analysis.results)
    echo(
        f"\n{len(analysis.tables)} tables, {len(analysis.figures)} figures, "
        f"{len(analysis.results)} analyses ({n_notes} note(s)); "
        f"{len(analysis.excluded)} exclusion(s), {len(analysis.findings)} finding(s) listed"
    )
    echo(
        f"written to {out}: report.html, report.docx, tables.xlsx, results.json, "
        "provenance.json, figures/, derived/"
    )


@app.command()
def simulate(
    out: Annotated[
        Path,
        typer.Option("--out", help="Where to write: a folder (csv, parquet) or an .xlsx file."),
    ],
    patients: Annotated[int, typer.Option("--patients", help="Cohort size.")] = 50,
    seed: Annotated[int, typer.Option("--seed", help="Random seed.")] = 0,
    format: Annotated[str, typer.Option("--format", help="csv, xlsx or parquet.")] = "csv",
    force: Force = False,
):
    """Simulate a virtual cohort calibrated to the published study and write it."""
    from ..io.outputs import check_output_file, check_output_folder, output_folder
    from ..io.writers import FORMATS

    if format not in FORMATS:
        raise typer.BadParameter(f"use one of {', '.join(FORMATS)}", param_hint="--format")
    one_file = format == "xlsx" and out.suffix.lower() == ".xlsx"
    if one_file:
        check_output_file(out, force=force)
    else:
        check_output_folder(out, force=force)
    if format == "xlsx":
        study = cartkit.simulate_study(n_patients=patients, seed=seed)
        if one_file:
            written = study.write(out, format)
        else:
            with output_folder(out, force=force) as folder:
                written = study.write(folder, format)
    else:
        # a block of patients at a time, appended to each table's file: bounded memory
        from ..io.blocks import write_blocks
        from ..simulate.cohort import simulate_blocks

        blocks = (tables for tables, _truth in simulate_blocks(patients, seed))
        with output_folder(out, force=force) as folder:
            written = write_blocks(blocks, folder, format)
    echo(
        f"{patients} simulated patients (seed {seed}) written to {out} "
        f"({len(written)} file(s), {format})"
    )
