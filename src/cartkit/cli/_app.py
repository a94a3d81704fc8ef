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


#: the longest cell a console table shows whole
MAX_CELL_SHOWN = 60

#: ``--force``: replace an existing output (never an input)
Force = Annotated[
    bool,
    typer.Option(
        "--force",
        help="Replace an existing output (a non-empty folder as a whole, after success).",
    ),
]


def clean(text: str) -> str:
    """Text for the terminal: each line with control characters and bidi overrides escaped."""
    from .._core.text import display_safe

    return "\n".join(display_safe(line) for line in str(text).split("\n"))


def echo(text: str = "", *, err: bool = False, nl: bool = True) -> None:
    """Print to the terminal; whatever came from the data cannot drive the terminal."""
    typer.echo(clean(text), err=err, nl=nl)


def text_table(frame) -> str:
    """A DataFrame as plain console text ("(none)" when empty); long cells cut, with a note."""
    if not len(frame):
        return "(none)"
    import pandas as pd

    from .._core.text import shorten

    shown = frame.copy()
    long = False
    for j in range(shown.shape[1]):
        column = shown.iloc[:, j]
        if column.dtype != object and not isinstance(column.dtype, pd.StringDtype):
            continue
        too_long = column.map(lambda v: isinstance(v, str) and len(v) > MAX_CELL_SHOWN)
        if too_long.any():
            long = True
            shown.isetitem(
                j, column.map(lambda v: shorten(v, MAX_CELL_SHOWN) if isinstance(v, str) else v)
            )
    text = shown.to_string(index=False, na_rep="")
    if long:
        text += (
            f"\n(cells longer than {MAX_CELL_SHOWN} characters are cut here; the files written "
            "hold them whole)"
        )
    return text
