"""Data shipped with cartkit: a small hand-written example study in the study data format."""

from __future__ import annotations

from importlib import resources
from pathlib import Path


def example_study_path() -> Path:
    """Path of the example study: 8 patients, every table, as a folder of csv files.

    Returns
    -------
    pathlib.Path
        The folder; read it with ``cartkit.read_study(cartkit.example_study_path())``.
    """
    return Path(str(resources.files("cartkit") / "data" / "example_study"))
