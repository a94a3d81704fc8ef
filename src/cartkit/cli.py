"""The ``cartkit`` command line: a thin layer over the public API.

Exit codes: 0 success, 2 invalid input or usage (a message, never a traceback), 1 internal error.
"""

from __future__ import annotations

import sys
import warnings
from enum import StrEnum
from pathlib import Path
from typing import Annotated

import typer

import cartkit

app = typer.Typer(
    name="cartkit",
    help="The analysis of a CAR-T cell therapy study.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)


def _version(value: bool):
    if value:
        typer.echo(f"cartkit {cartkit.__version__}")
        raise typer.Exit(0)


@app.callback()
def _root(
    version: Annotated[
        bool,
        typer.Option(
            "--version", callback=_version, is_eager=True, help="Show the version and exit."
        ),
    ] = False,
):
    """Analyse a CAR-T cell therapy study."""


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
):
    """Check a study and list every problem; exit 0 when valid, 2 when not."""
    report = cartkit.validate_study(path)
    typer.echo(report.summary(max_per_kind=10**9 if all_problems else 5))
    if out is not None:
        from .io.writers import write_csv

        write_csv(report.problems, out, inputs=report.study.metadata.get("files", {}))
        typer.echo(f"problems written to {out}")
    raise typer.Exit(0 if report.ok else 2)


@app.command()
def demo(
    out: Annotated[Path, typer.Option("--out", help="Folder to write into.")] = Path("report"),
    patients: Annotated[int, typer.Option("--patients", help="Cohort size.")] = 50,
    seed: Annotated[int, typer.Option("--seed", help="Random seed.")] = 0,
):
    """Simulate the published cohort and write its data and full report."""
    study = cartkit.simulate_study(n_patients=patients, seed=seed)
    report = cartkit.validate_study(study)
    if not report.ok:  # a simulated study that fails validation is a bug, not bad input
        raise RuntimeError("the simulated study failed validation:\n" + report.summary())
    study.write(out / "data" / "csv", "csv")
    study.write(out / "data" / "study.xlsx", "xlsx")
    typer.echo(f"cartkit demo: {patients} simulated patients (seed {seed})")
    command = f"cartkit demo --patients {patients} --seed {seed}"
    _write_full_report(report.study, out, plan=None, command=command)
    typer.echo("the simulated study itself: data/ (csv and xlsx)")


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
):
    """Validate a study, run the analysis plan and write the full report."""
    study = cartkit.read_study(path)
    command = f"cartkit report {path.name}" + ("" if plan is None else f" --plan {plan.name}")
    _write_full_report(study, out, plan=plan, command=command)


@app.command()
def plan(
    out: Annotated[
        Path | None, typer.Option("--out", help="Write the plan to this .toml file.")
    ] = None,
    check: Annotated[
        Path | None, typer.Option("--check", help="Check this plan file and list every problem.")
    ] = None,
):
    """Print the published study's analysis plan (TOML, to edit for --plan), or check one."""
    from .plan.default import default_plan
    from .plan.plan import load_plan, plan_to_toml

    if check is not None:
        # every problem is raised as one PlanError (exit 2); unknown names are warnings
        loaded = load_plan(check)
        typer.echo(f"{check}: a valid plan with {len(loaded.analyses)} analyses")
        return
    text = plan_to_toml(default_plan())
    if out is None:
        typer.echo(text, nl=False)
        return
    from .io.atomic import atomic_path

    with atomic_path(out) as tmp:
        tmp.write_text(text, encoding="utf-8")
    typer.echo(f"the default plan ({len(default_plan().analyses)} analyses) written to {out}")


def _write_full_report(study, out: Path, *, plan, command: str) -> None:
    from dataclasses import replace

    from rich.console import Console
    from rich.progress import BarColumn, Progress, TextColumn, TimeElapsedColumn

    from .plan.plan import load_plan
    from .report.outputs import headline_text
    from .report.write import write_report

    plan_obj = load_plan(plan) if plan is not None else None
    console = Console(stderr=True)
    columns = (TextColumn("{task.description}"), BarColumn(), TimeElapsedColumn())
    with Progress(*columns, console=console, transient=True) as bar:
        task = bar.add_task("analysing", total=None)

        def step(name: str, done: int, total: int) -> None:
            bar.update(task, description=f"analysis: {name}", completed=done, total=total)

        analysis = cartkit.analyze(study, plan_obj, progress=step)
        analysis = replace(analysis, provenance={**analysis.provenance, "command": command})
        bar.update(task, description="writing the report", completed=None, total=None)
        write_report(analysis, out, inputs=list(study.metadata.get("files", {})))
    typer.echo(headline_text(analysis.headline))
    n_notes = sum(len(r.notes) for r in analysis.results)
    typer.echo(
        f"\n{len(analysis.tables)} tables, {len(analysis.figures)} figures, "
        f"{len(analysis.results)} analyses ({n_notes} note(s)); "
        f"{len(analysis.excluded)} exclusion(s), {len(analysis.findings)} finding(s) listed"
    )
    typer.echo(
        f"written to {out}: report.html, tables.xlsx, results.json, provenance.json, "
        "figures/, derived/"
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
):
    """Simulate a virtual cohort calibrated to the published study and write it."""
    study = cartkit.simulate_study(n_patients=patients, seed=seed)
    written = study.write(out, format)
    typer.echo(
        f"{patients} simulated patients (seed {seed}) written to {out} "
        f"({len(written)} file(s), {format})"
    )


@app.command()
def nca(
    file: Annotated[
        Path,
        typer.Argument(
            help="A kinetics table (.csv, .xlsx, .parquet) with patient_id, day, "
            "copies_per_ug and optional blq and lloq columns."
        ),
    ],
    lloq: Annotated[
        float, typer.Option("--lloq", help="LLOQ where the table gives none (copies/µg).")
    ] = 100.0,
    window: Annotated[
        tuple[float, float], typer.Option("--window", help="AUC window start and end (days).")
    ] = (0.0, 28.0),
    method: Annotated[
        str, typer.Option("--method", help="AUC method: linear, lin-up/log-down or lin-log.")
    ] = "lin-up/log-down",
    out: Annotated[
        Path | None, typer.Option("--out", help="Write the parameters to this .csv file.")
    ] = None,
):
    """Non-compartmental analysis of transgene levels, one row of parameters per patient."""
    from .io.writers import frame_to_csv_text, write_csv
    from .schema.single import read_table

    df = read_table(file, "kinetics")
    df = df.assign(blq=df["blq"].fillna(False))
    result = cartkit.nca(
        df,
        lloq=lloq,
        window=window,
        auc_method=method,
        lloq_column="lloq" if "lloq" in df.columns else None,
        blq="blq" if "blq" in df.columns else None,
    )
    if out is None:
        typer.echo(frame_to_csv_text(result), nl=False)
    else:
        write_csv(result, out, inputs=[file])
        typer.echo(f"NCA parameters of {len(result)} patient(s) written to {out}")


class GradeTerm(StrEnum):
    """What ``cartkit grade`` grades."""

    crs = "crs"
    icans = "icans"


@app.command()
def grade(
    term: Annotated[GradeTerm, typer.Argument(help="crs or icans.")],
    path: Annotated[Path, typer.Argument(help="A study folder or .xlsx workbook.")],
    out: Annotated[
        Path | None,
        typer.Option(
            "--out",
            help="Write daily.csv, patients.csv, findings.csv and excluded.csv into this folder.",
        ),
    ] = None,
    prefer: Annotated[
        str,
        typer.Option(
            "--prefer",
            help="Grade source when both recorded (adverse_events) "
            "and daily data exist: recorded or derived.",
        ),
    ] = "recorded",
):
    """Grade CRS or ICANS (ASTCT 2019) per patient-day and per patient."""
    study = cartkit.read_study(path)
    result = cartkit.grade_study(study, term.value, prefer=prefer)
    typer.echo(f"{term.value.upper()} grades, {len(result.table)} patient(s):")
    typer.echo(_text_table(result.table))
    for title, frame in (
        ("Recorded and derived grades disagree", result.findings),
        ("Not graded", result.excluded),
    ):
        if len(frame):
            typer.echo(f"\n{title}:")
            typer.echo(_text_table(frame))
    if out is not None:
        from .io.writers import write_tables

        written = write_tables(
            {
                "daily": result.detail,
                "patients": result.table,
                "findings": result.findings,
                "excluded": result.excluded,
            },
            out,
            "csv",
            inputs=study.metadata.get("files", {}),
        )
        typer.echo(f"\n{len(written)} files written to {out}")


def _text_table(frame) -> str:
    return frame.to_string(index=False, na_rep="") if len(frame) else "(none)"


def main(argv: list[str] | None = None) -> int:
    """Run the command line; return the exit code (0 ok, 1 internal error, 2 bad input)."""
    from .errors import CartkitError

    def show(message, category, *_args, **_kwargs):
        # a user of the command line reads the message, not the line of cartkit that warned
        typer.echo(f"warning: {message}", err=True)

    try:
        with warnings.catch_warnings():
            warnings.showwarning = show
            rv = app(args=argv, prog_name="cartkit", standalone_mode=False)
    except CartkitError as exc:
        typer.echo(f"error: {exc}", err=True)
        return 2
    except typer.Exit as exc:
        return exc.exit_code
    except typer.Abort:
        typer.echo("aborted", err=True)
        return 1
    except OSError as exc:
        typer.echo(f"error: {exc}", err=True)
        return 2
    except Exception as exc:
        # typer carries its own copy of click: recognise its usage errors by their interface
        if hasattr(exc, "show") and isinstance(getattr(exc, "exit_code", None), int):
            exc.show()
            return 2 if exc.exit_code == 2 else exc.exit_code
        typer.echo(
            f"internal error: {type(exc).__name__}: {exc}\n"
            "This is a bug in cartkit; please report it with the command you ran.",
            err=True,
        )
        return 1
    return rv if isinstance(rv, int) else 0


def run() -> None:
    """Console-script entry point."""
    sys.exit(main())


if __name__ == "__main__":  # pragma: no cover
    run()
