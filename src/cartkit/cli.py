"""The ``cartkit`` command line: a thin layer over the public API.

Exit codes: 0 success, 2 invalid input or usage (a message, never a traceback), 1 internal error.
"""

from __future__ import annotations

import sys
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
        from .io.writers import write_problems

        write_problems(report.problems, out, inputs=report.study.metadata.get("files", {}))
        typer.echo(f"problems written to {out}")
    raise typer.Exit(0 if report.ok else 2)


@app.command()
def demo(
    out: Annotated[Path, typer.Option("--out", help="Folder to write into.")] = Path("report"),
):
    """Validate the built-in example study and write it out (csv and xlsx) with its check."""
    study = cartkit.read_study(cartkit.example_study_path())
    data = out / "data"
    study.write(data / "csv", "csv")
    study.write(data / "study.xlsx", "xlsx")
    report = cartkit.validate_study(study)
    (out / "validation.txt").write_text(report.summary() + "\n", encoding="utf-8")
    typer.echo(report.summary())
    typer.echo(f"example study ({len(study.patient_ids)} patients) written to {data}")


def main(argv: list[str] | None = None) -> int:
    """Run the command line; return the exit code (0 ok, 1 internal error, 2 bad input)."""
    from .errors import CartkitError

    try:
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
