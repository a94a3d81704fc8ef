"""results.json: the headline numbers and provenance, written reproducibly."""

from __future__ import annotations

import datetime as _dt
import json
import math
from pathlib import Path

import numpy as np
import pandas as pd

from ..io.atomic import atomic_path, guard_inputs
from ..io.writers import _format_cell


def plain_value(value):
    """A JSON-safe Python value: None for missing, int/float/bool/str for numpy and pandas."""
    if value is None or value is pd.NA or value is pd.NaT:
        return None
    if isinstance(value, np.bool_ | bool):
        return bool(value)
    if isinstance(value, np.integer):
        return int(value)
    if isinstance(value, float | np.floating):
        value = float(value)
        return value if math.isfinite(value) else None
    if isinstance(value, pd.Timestamp | _dt.datetime | _dt.date):
        return _format_cell(pd.Timestamp(value))
    if isinstance(value, pd.Timedelta | np.timedelta64):
        return str(pd.Timedelta(value))
    if isinstance(value, int | str):
        return value
    return str(value)


def deep_plain(value):
    """``value`` with every nested dict, list and tuple made JSON-safe (see plain_value)."""
    if isinstance(value, dict):
        return {str(k): deep_plain(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [deep_plain(v) for v in value]
    return plain_value(value)


def results_json_text(results: dict) -> str:
    """The JSON text of ``results``: sorted keys, fixed float formatting, null for NaN."""
    return json.dumps(deep_plain(results), indent=2, sort_keys=True, allow_nan=False) + "\n"


def write_results_json(results: dict, path: str | Path, *, inputs=()) -> Path:
    """Write ``results`` as JSON, atomically and never over one of ``inputs``."""
    path = Path(path)
    guard_inputs([path], inputs)
    with atomic_path(path) as tmp:
        tmp.write_text(results_json_text(results), encoding="utf-8")
    return path
