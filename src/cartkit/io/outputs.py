"""Where a command writes: never over an input, never over other files without ``--force``.

A folder output (a report, a simulated study, grades) is written into a new temporary folder
beside the target and moved into place at the end, so a reader never sees half of it and a
failure leaves nothing behind. A single file is written beside its target and renamed over it
(:func:`~cartkit.io.atomic.atomic_path`).

The rules, checked before any work is done:

- the output is not an input, does not contain one and is not inside one (a study folder, its
  files, a plan file);
- an existing folder is replaced only when empty, or with ``force`` (then as a whole, and only
  after the new one is complete); an existing file only with ``force``;
- ``force`` never replaces the current folder, the home folder, the root or a folder holding
  any of them.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import tempfile
from collections.abc import Iterable, Iterator
from pathlib import Path

from .atomic import OutputError, public_mode

__all__ = [
    "check_not_over_inputs",
    "check_output_file",
    "check_output_folder",
    "output_folder",
]


def _resolved(path: str | Path) -> Path:
    return Path(path).expanduser().resolve()


def _within(inner: Path, outer: Path) -> bool:
    return inner == outer or outer in inner.parents


def check_not_over_inputs(target: str | Path, inputs: Iterable[str | Path]) -> None:
    """Raise OutputError when ``target`` is, contains or is inside one of ``inputs``."""
    out = _resolved(target)
    for given in inputs:
        src = _resolved(given)
        if out == src:
            what = "is one of the inputs"
        elif _within(out, src):
            what = f"is inside the input {given}"
        elif _within(src, out):
            what = f"contains the input {given}"
        else:
            continue
        raise OutputError(
            f"refusing to write to {target}: it {what}; choose an output outside the study's "
            "input files and folders"
        )


def _never_replaced(target: Path) -> str | None:
    cwd, home = Path.cwd().resolve(), Path.home().resolve()
    if target == Path(target.anchor):
        return "the root folder"
    for place, name in ((cwd, "the current folder"), (home, "your home folder")):
        if _within(place, target):
            return name if place == target else f"a folder holding {name}"
    return None


def check_output_file(target: str | Path, *, inputs: Iterable[str | Path] = (), force=False):
    """Check a single-file output before anything is computed (see the module doc).

    Raises
    ------
    OutputError
        When the file is an input, a folder, or exists and ``force`` is not given.
    """
    check_not_over_inputs(target, inputs)
    path = Path(target)
    if path.is_dir():
        raise OutputError(f"{target} is a folder; give a file name")
    if path.exists() and not force:
        raise OutputError(f"{target} already exists; give another name, or --force to replace it")


def check_output_folder(target: str | Path, *, inputs: Iterable[str | Path] = (), force=False):
    """Check a folder output before anything is computed (see the module doc).

    Raises
    ------
    OutputError
        When the folder is over an input, is a file, or is not empty and ``force`` is not
        given (or cannot be replaced even with it).
    """
    check_not_over_inputs(target, inputs)
    path = Path(target)
    if path.exists() and not path.is_dir():
        raise OutputError(f"{target} is a file; give a folder to write into")
    if path.is_dir() and any(path.iterdir()):
        if not force:
            raise OutputError(
                f"{target} already exists and is not empty; give a new folder, or --force to "
                "replace it as a whole"
            )
        reason = _never_replaced(_resolved(target))
        if reason:
            raise OutputError(f"refusing to replace {target}: it is {reason}; give a new folder")


@contextlib.contextmanager
def output_folder(
    target: str | Path, *, inputs: Iterable[str | Path] = (), force: bool = False
) -> Iterator[Path]:
    """Yield a new empty folder to write into; it becomes ``target`` only on success.

    Parameters
    ----------
    target : str or Path
        The output folder.
    inputs : iterable of path
        Inputs the output must not be, contain or be inside of.
    force : bool
        Replace an existing non-empty ``target`` (as a whole, after success).

    Raises
    ------
    OutputError
        As :func:`check_output_folder`.
    """
    inputs = list(inputs)
    check_output_folder(target, inputs=inputs, force=force)
    final = _resolved(target)
    final.parent.mkdir(parents=True, exist_ok=True)
    work = Path(tempfile.mkdtemp(prefix=f".{final.name}.", suffix=".part", dir=final.parent))
    try:
        os.chmod(work, public_mode() | 0o111)
        yield work
        # checked again: the inputs or the target may have changed while the work ran
        check_output_folder(target, inputs=inputs, force=force)
        _move_into_place(work, final)
    finally:
        if work.exists():
            shutil.rmtree(work, ignore_errors=True)


def _move_into_place(work: Path, final: Path) -> None:
    if not final.exists():
        os.rename(work, final)
        return
    old = Path(tempfile.mkdtemp(prefix=f".{final.name}.", suffix=".old", dir=final.parent))
    os.rmdir(old)
    os.rename(final, old)
    try:
        os.rename(work, final)
    except OSError:
        os.rename(old, final)
        raise
    shutil.rmtree(old, ignore_errors=True)
