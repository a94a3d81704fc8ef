"""The typer application every command module registers on.

Only typer and the standard library are imported here: each command imports what it needs
when it runs, so ``cartkit --help`` loads no pandas, matplotlib or openpyxl.
"""

from __future__ import annotations

from typing import Annotated

import typer

app = typer.Typer(
    name="cartkit",
    help="The analysis of a CAR-T cell therapy study.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)


def _version(value: bool):
    if value:
        from .. import __version__

        typer.echo(f"cartkit {__version__}")
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


def text_table(frame) -> str:
    """A DataFrame as plain console text ("(none)" when empty)."""
    return frame.to_string(index=False, na_rep="") if len(frame) else "(none)"
