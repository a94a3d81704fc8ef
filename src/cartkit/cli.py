"""The ``cartkit`` command line: a thin layer over the public API.

Exit codes: 0 success, 2 invalid input or usage (a message, never a traceback), 1 internal error.
"""

from __future__ import annotations

import sys

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
    version: bool = typer.Option(
        False, "--version", callback=_version, is_eager=True, help="Show the version and exit."
    ),
):
    """Analyse a CAR-T cell therapy study."""


def main(argv: list[str] | None = None) -> int:
    """Run the command line; return the exit code (0 ok, 1 internal error, 2 bad input)."""
    from .errors import CartkitError

    try:
        app(args=argv, prog_name="cartkit", standalone_mode=False)
    except CartkitError as exc:
        typer.echo(f"error: {exc}", err=True)
        return 2
    except typer.Exit as exc:
        return exc.exit_code
    except typer.Abort:
        typer.echo("aborted", err=True)
        return 1
    except Exception as exc:  # click usage errors arrive as ClickException subclasses
        import click

        if isinstance(exc, click.exceptions.UsageError):
            exc.show()
            return 2
        if isinstance(exc, click.ClickException):
            exc.show()
            return exc.exit_code
        if isinstance(exc, OSError):
            typer.echo(f"error: {exc}", err=True)
            return 2
        typer.echo(
            f"internal error: {type(exc).__name__}: {exc}\n"
            "This is a bug in cartkit; please report it with the command you ran.",
            err=True,
        )
        return 1
    return 0


def run() -> None:
    """Console-script entry point."""
    sys.exit(main())


if __name__ == "__main__":  # pragma: no cover
    run()
