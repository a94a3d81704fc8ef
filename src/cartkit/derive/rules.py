"""The plan's derived variables: a simple rule applied to other per-patient variables.

Boolean rules (``below``, ``at_most``, ``above``, ``at_least``, ``equals``, ``in``, ``not``)
combine several sources with Kleene logic, so an unknown source stays unknown; ``log10`` is a
numeric transform. The rules are declared in the analysis plan (``[[derived]]``); any object with
``name``, ``source``, ``rule``, ``value`` and ``combine`` attributes will do.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from ..errors import DataError

__all__ = ["apply_derived"]


def apply_derived(patients: pd.DataFrame, derived) -> pd.DataFrame:
    """Add the plan's derived variables to ``patients`` (missing where the source is).

    Boolean rules combine several sources with Kleene logic; ``log10`` is numeric.
    """
    out = patients.copy()
    for var in derived:
        results = []
        for source in var.source:
            if source not in out:
                raise DataError(
                    f"derived variable {var.name!r}: source {source!r} is not a variable of "
                    "this study"
                )
            results.append(_rule(out[source], var))
        if var.rule == "log10":
            out[var.name] = results[0]
            continue
        # Kleene logic: True | NA is True, False | NA is NA (unknown stays unknown)
        value = _combine(results, var.combine)
        out[var.name] = value
    return out


def _combine(results: list[pd.Series], how: str) -> pd.Series:
    acc = results[0]
    for other in results[1:]:
        acc = (acc | other) if how == "any" else (acc & other)
    return acc.astype("boolean")


def _rule(source: pd.Series, var) -> pd.Series:
    rule, value = var.rule, var.value
    missing = source.isna()
    if rule == "not":
        return ~source.astype("boolean")
    if rule == "log10":
        x = pd.to_numeric(source, errors="coerce").astype(float).to_numpy()
        # a level of 0 (below quantification) has no logarithm: missing, not -inf
        with np.errstate(divide="ignore", invalid="ignore"):
            logged = np.where(x > 0, np.log10(np.where(x > 0, x, 1.0)), np.nan)
        return pd.Series(logged, index=source.index, dtype=float)
    if rule in ("below", "at_most", "above", "at_least"):
        x = pd.to_numeric(source, errors="coerce").astype(float)
        cut = float(np.nanmedian(x)) if value == "median" else float(value)
        op = {
            "below": np.less,
            "at_most": np.less_equal,
            "above": np.greater,
            "at_least": np.greater_equal,
        }[rule]
        result = pd.Series(op(x.to_numpy(), cut), index=source.index, dtype="boolean")
    else:
        values = value if rule == "in" else (value,)
        result = pd.Series(
            [_equals(v, values) for v in source], index=source.index, dtype="boolean"
        )
    result[missing.to_numpy()] = pd.NA
    return result


def _equals(cell, values) -> bool:
    for v in values:
        if isinstance(v, str) and isinstance(cell, str):
            if cell.strip().lower() == v.strip().lower():
                return True
        elif cell == v:
            return True
    return False
