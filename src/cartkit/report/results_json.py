"""results.json: the headline numbers and provenance, written reproducibly."""

from __future__ import annotations

import json
import math
from pathlib import Path

import numpy as np

from ..io.atomic import atomic_path, guard_inputs


def _plain(value):
    """JSON-safe value: NaN and infinities become null, numpy scalars Python numbers."""
    if isinstance(value, dict):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_plain(v) for v in value]
    if isinstance(value, np.bool_ | bool):
        return bool(value)
    if isinstance(value, np.integer):
        return int(value)
    if isinstance(value, float | np.floating):
        value = float(value)
        return value if math.isfinite(value) else None
    return value


def results_json_text(results: dict) -> str:
    """The JSON text of ``results``: sorted keys, fixed float formatting, null for NaN."""
    return json.dumps(_plain(results), indent=2, sort_keys=True, allow_nan=False) + "\n"


def write_results_json(results: dict, path: str | Path, *, inputs=()) -> Path:
    """Write ``results`` as JSON, atomically and never over one of ``inputs``."""
    path = Path(path)
    guard_inputs([path], inputs)
    with atomic_path(path) as tmp:
        tmp.write_text(results_json_text(results), encoding="utf-8")
    return path
