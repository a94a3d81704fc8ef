"""Descriptive summaries by the study's rule: mean ± SD when normal, else median (range).

One tidy table feeds the baseline table of a report: numeric columns for computation and a
formatted column for display, with the group comparison p-value alongside.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import numpy as np
import pandas as pd

from .._core.checks import require_columns
from .._core.frames import plain_text_result
from ..errors import DataError
from .tests import ALPHA_NORMAL, compare, is_categorical, shapiro_p

__all__ = ["DESCRIBE_COLUMNS", "describe"]

#: columns of :func:`describe`'s table, in this order
DESCRIBE_COLUMNS = (
    "variable",
    "level",
    "group",
    "n",
    "n_missing",
    "summary",
    "mean",
    "sd",
    "median",
    "min",
    "max",
    "count",
    "percent",
    "formatted",
    "p_value",
    "test",
    "note",
)
SUMMARIES = ("mean_sd", "median_range")


def _levels(series: pd.Series) -> list:
    s = series.dropna()
    if isinstance(s.dtype, pd.CategoricalDtype):
        return [lv for lv in s.cat.categories if (s == lv).any()]
    return sorted(s.unique(), key=lambda v: (str(type(v)), v))


def _choose_summary(values: pd.Series, by: list[pd.Series]) -> str:
    """mean_sd when Shapiro-Wilk p > 0.05 in every group (or overall without groups)."""
    samples = by or [values]
    normal = all(shapiro_p(s.dropna().to_numpy(float)) > ALPHA_NORMAL for s in samples)
    return "mean_sd" if normal else "median_range"


def _fmt(x: float, digits: int) -> str:
    return f"{x:.{digits}f}" if np.isfinite(x) else "NA"


def _continuous_row(values: pd.Series, summary: str, digits: int) -> dict:
    v = values.dropna().to_numpy(float)
    n = len(v)
    row = {"n": n, "n_missing": int(values.isna().sum()), "summary": summary}
    if n == 0:
        return {**row, "formatted": "NA"}
    sd = float(np.std(v, ddof=1)) if n > 1 else float("nan")
    row.update(
        mean=float(v.mean()), sd=sd, median=float(np.median(v)), min=float(v.min()),
        max=float(v.max()),
    )  # fmt: skip
    if summary == "mean_sd":
        row["formatted"] = f"{_fmt(row['mean'], digits)} ± {_fmt(sd, digits)}"
    else:
        row["formatted"] = (
            f"{_fmt(row['median'], digits)} ({_fmt(row['min'], digits)}–{_fmt(row['max'], digits)})"
        )
    return row


@plain_text_result
def describe(
    df: pd.DataFrame,
    *,
    variables: Sequence[str],
    group: str | None = None,
    summary: str | Mapping[str, str] | None = None,
    categorical: Sequence[str] = (),
    digits: int = 1,
) -> pd.DataFrame:
    """Summarise variables overall or by group, with the comparison p-value.

    Parameters
    ----------
    df : pandas.DataFrame
        One row per subject.
    variables : sequence of str
        Columns to summarise. Text, categorical, boolean and 0/1 columns are categorical: counts
        and percentages of the non-missing values. Other numeric columns are continuous.
    group : str, optional
        Grouping column; rows with a missing group are left out. ``None`` gives one summary per
        variable with a ``group`` of nulls.
    summary : {"mean_sd", "median_range"} or mapping, optional
        Force the continuous summary, for all variables or per variable. By default mean ± SD
        when Shapiro-Wilk p > 0.05 in every group (overall without groups), else median (range).
    categorical : sequence of str
        Numeric columns to treat as categorical (e.g. coded categories).
    digits : int
        Decimals in ``formatted`` (percentages always one decimal).

    Returns
    -------
    pandas.DataFrame
        Columns ``variable, level, group, n, n_missing, summary, mean, sd, median, min, max,
        count, percent, formatted, p_value, test, note``: one row per continuous variable and
        group, one per categorical level and group (``level`` null for continuous variables).
        ``n`` is the number of non-missing values in the group, ``percent`` is of those.
        ``p_value`` and ``test`` come from :func:`cartkit.comparisons.compare` on the same variable
        (repeated on each of its rows; NaN without a group, or when no test applies, with the
        reason in ``note``).
    """
    if isinstance(variables, str):
        variables = [variables]
    variables = list(variables)
    if not variables:
        raise DataError("describe: no variables given")
    require_columns(df, [*variables, *([group] if group else [])], "describe data")
    if group is not None and group in variables:
        raise DataError(f"group {group!r} is also listed among the variables")
    forced = summary if isinstance(summary, Mapping) else dict.fromkeys(variables, summary)
    for var, choice in forced.items():
        if choice is not None and choice not in SUMMARIES:
            raise DataError(f"summary of {var!r} must be one of {SUMMARIES}, got {choice!r}")
    data = df if group is None else df[df[group].notna()]
    groups = [None] if group is None else _levels(data[group])
    rows = []
    for var in variables:
        cat = var in categorical or is_categorical(df[var])
        subsets = [data] if group is None else [data[data[group] == g] for g in groups]
        p_value, test_name, note = float("nan"), "", ""
        if df[var].isna().all():
            note = f"{var!r} is missing in every row"
        elif group is not None:
            try:
                res = compare(data, variable=var, group=group, categorical=cat)
                p_value, test_name = res.p_value, res.test
            except DataError as err:
                note = str(err)
        common = {"variable": var, "p_value": p_value, "test": test_name, "note": note}
        if cat:
            levels = _levels(data[var])
            for g, sub in zip(groups, subsets, strict=True):
                observed = sub[var].dropna()
                for lv in levels:
                    count = int((observed == lv).sum())
                    pct = 100.0 * count / len(observed) if len(observed) else float("nan")
                    rows.append(
                        {
                            **common, "level": lv, "group": g, "n": len(observed),
                            "n_missing": int(sub[var].isna().sum()), "summary": "count_percent",
                            "count": count, "percent": pct,
                            "formatted": f"{count} ({_fmt(pct, 1)}%)",
                        }
                    )  # fmt: skip
            if not levels:  # nothing observed: say so, group by group
                for g, sub in zip(groups, subsets, strict=True):
                    rows.append(
                        {
                            **common, "level": None, "group": g, "n": 0,
                            "n_missing": int(sub[var].isna().sum()), "formatted": "NA",
                        }
                    )  # fmt: skip
            continue
        values = pd.to_numeric(data[var], errors="coerce")
        if (values.isna() & data[var].notna()).any():
            raise DataError(
                f"variable {var!r} mixes numbers and text; list it in categorical= or fix it"
            )
        choice = forced.get(var) or _choose_summary(
            values, [] if group is None else [values[data[group] == g] for g in groups]
        )
        for g, sub in zip(groups, subsets, strict=True):
            row = _continuous_row(pd.to_numeric(sub[var], errors="coerce"), choice, digits)
            rows.append({**common, "level": None, "group": g, **row})
    out = pd.DataFrame(rows, columns=list(DESCRIBE_COLUMNS))
    # keep group and level values as given (None, not NaN; 1, not 1.0)
    out["group"] = pd.Series([r["group"] for r in rows], dtype=object)
    out["level"] = pd.Series([r["level"] for r in rows], dtype=object)
    out["n"] = out["n"].astype("int64")
    out["n_missing"] = out["n_missing"].astype("int64")
    return out
