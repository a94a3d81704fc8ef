"""Atomic output: a file appears whole or not at all, and never replaces an input."""

from __future__ import annotations

import contextlib
import os
import tempfile
from collections.abc import Iterable, Iterator
from pathlib import Path

from ..errors import CartkitError


class OutputError(CartkitError, ValueError):
    """An output path that cannot be used (it is an input, or not writable)."""


def guard_inputs(targets: Iterable[str | Path], inputs: Iterable[str | Path]) -> None:
    """Raise OutputError when any target path is one of the input files."""
    protected = {Path(p).resolve() for p in inputs}
    for t in targets:
        if Path(t).resolve() in protected:
            raise OutputError(
                f"refusing to write {t}: it is one of the study's input files; choose another "
                "output location"
            )


def public_mode() -> int:
    """The mode a new file gets from the user's umask (mkstemp's files are private, 0600)."""
    mask = os.umask(0)
    os.umask(mask)
    return 0o666 & ~mask


@contextlib.contextmanager
def atomic_path(target: str | Path) -> Iterator[Path]:
    """Yield a temporary path beside ``target``; move it onto ``target`` only on success."""
    target = Path(target)
    target.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".part", dir=target.parent)
    os.close(fd)
    tmp_path = Path(tmp)
    try:
        yield tmp_path
        os.chmod(tmp_path, public_mode())
        os.replace(tmp_path, target)
    finally:
        if tmp_path.exists():
            tmp_path.unlink()
