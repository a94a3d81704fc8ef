"""Design matrices for regression models (Cox, logistic, Fine-Gray), built one way everywhere.

A numeric or boolean covariate is one term named as the covariate. A categorical covariate (text,
pandas Categorical, or named in ``categorical``) becomes one indicator term per non-reference level,
named ``"covariate[level]"``. The reference level is ``reference[covariate]`` when given, else the
first category of a pandas Categorical, else the smallest level in sorted order (R's default).
Rows with a missing value in any used column are left out (complete cases), and counted.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd

from .checks import require_columns
from .errors import DataError


@dataclass(frozen=True)
class Design:
    """A design matrix and how its columns map back to covariates.

    ``x`` has one row per used observation (``rows`` holds their positions in the input) and one
    column per term. ``covariate[i]`` and ``reference[i]`` say which covariate term ``i`` came
    from and its reference level (``""`` for numeric terms).
    """

    x: np.ndarray
    terms: tuple[str, ...]
    covariate: tuple[str, ...]
    reference: tuple[str, ...]
    rows: np.ndarray
    n_excluded: int


def _is_categorical(series: pd.Series) -> bool:
    return (
        isinstance(series.dtype, pd.CategoricalDtype)
        or pd.api.types.is_object_dtype(series.dtype)
        or pd.api.types.is_string_dtype(series.dtype)
    )


def build_design(
    df: pd.DataFrame,
    covariates: Sequence[str],
    *,
    extra: Sequence[str] = (),
    categorical: Sequence[str] = (),
    reference: Mapping[str, object] | None = None,
    what: str = "data",
) -> Design:
    """Build the design matrix of ``covariates`` on the complete cases of ``covariates + extra``.

    Parameters
    ----------
    df : pandas.DataFrame
        The data.
    covariates : sequence of str
        Columns that enter the model.
    extra : sequence of str
        Further columns (time, event, outcome) whose missing values also exclude a row.
    categorical : sequence of str
        Numeric columns to treat as categorical.
    reference : mapping, optional
        Reference level per categorical covariate.
    what : str
        Name of the data for error messages.

    Returns
    -------
    Design
    """
    if isinstance(covariates, str):
        covariates = [covariates]
    covariates = list(covariates)
    if not covariates:
        raise DataError(f"{what}: no covariates given")
    if len(set(covariates)) != len(covariates):
        raise DataError(f"{what}: covariates listed twice: {covariates}")
    require_columns(df, [*covariates, *extra], what)
    reference = dict(reference or {})
    unknown = set(reference) - set(covariates)
    if unknown:
        raise DataError(
            f"{what}: reference levels given for covariates not in the model: {sorted(unknown)}"
        )

    used = df[[*covariates, *[c for c in extra if c not in covariates]]]
    complete = used.notna().all(axis=1).to_numpy()
    rows = np.flatnonzero(complete)
    data = df.iloc[rows]

    columns, terms, owners, refs = [], [], [], []
    for cov in covariates:
        s = data[cov]
        if cov in categorical or cov in reference or _is_categorical(s):
            if isinstance(s.dtype, pd.CategoricalDtype):
                levels = [lv for lv in s.cat.categories if (s == lv).any()]
            else:
                levels = sorted(s.unique(), key=lambda v: (str(type(v)), v))
            if cov in reference:
                ref = reference[cov]
                if ref not in levels:
                    raise DataError(
                        f"{what}: reference level {ref!r} of {cov!r} is not among its "
                        f"values {levels}"
                    )
            else:
                ref = levels[0] if levels else None
            for level in levels:
                if level == ref:
                    continue
                columns.append((s == level).to_numpy(dtype="float64"))
                terms.append(f"{cov}[{level}]")
                owners.append(cov)
                refs.append(str(ref))
            if len(levels) < 2:
                # a single level carries no contrast; the constant column makes the model fail
                # loudly downstream (constant covariate), so keep it visible
                columns.append(np.zeros(len(s)))
                terms.append(f"{cov}[{ref}]")
                owners.append(cov)
                refs.append(str(ref))
        else:
            values = s.to_numpy(dtype="float64")
            columns.append(values)
            terms.append(cov)
            owners.append(cov)
            refs.append("")
    x = np.column_stack(columns) if columns else np.empty((len(rows), 0))
    return Design(
        x=x,
        terms=tuple(terms),
        covariate=tuple(owners),
        reference=tuple(refs),
        rows=rows,
        n_excluded=int(len(df) - len(rows)),
    )
