"""The ``cartkit`` command line: a thin layer over the public API.

Exit codes: 0 success, 2 invalid input or usage (a message, never a traceback), 1 internal error.
Each command lives in a module of this package and registers itself on :data:`app`.
"""

from __future__ import annotations

import sys
import warnings

import typer

from . import ckmodel, design, study, tools  # noqa: F401  (each registers its commands on app)
from ._app import app, echo

__all__ = ["app", "main", "run"]


def main(argv: list[str] | None = None) -> int:
    """Run the command line; return the exit code (0 ok, 1 internal error, 2 bad input)."""
    from ..errors import CartkitError

    def show(message, category, *_args, **_kwargs):
        # a user of the command line reads the message, not the line of cartkit that warned
        echo(f"warning: {message}", err=True)

    try:
        with warnings.catch_warnings():
            warnings.showwarning = show
            rv = app(args=argv, prog_name="cartkit", standalone_mode=False)
    except CartkitError as exc:
        echo(f"error: {exc}", err=True)
        return 2
    except typer.Exit as exc:
        return exc.exit_code
    except typer.Abort:
        echo("aborted", err=True)
        return 1
    except OSError as exc:
        echo(f"error: {exc}", err=True)
        return 2
    except Exception as exc:
        # typer carries its own copy of click: recognise its usage errors by their interface
        if hasattr(exc, "show") and isinstance(getattr(exc, "exit_code", None), int):
            import io

            shown = io.StringIO()
            exc.show(file=shown)  # the bad argument is echoed: escape it like any data
            echo(shown.getvalue(), err=True, nl=False)
            return 2 if exc.exit_code == 2 else exc.exit_code
        echo(
            f"internal error: {type(exc).__name__}: {exc}\n"
            "This is a bug in cartkit; please report it with the command you ran.",
            err=True,
        )
        return 1
    return rv if isinstance(rv, int) else 0


def run() -> None:
    """Console-script entry point."""
    sys.exit(main())
