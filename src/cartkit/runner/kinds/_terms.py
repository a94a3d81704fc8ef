"""Term tables of the regression kinds: one row per model term, numbers only.

Every regression model of a kind (Cox, logistic, and any later one) is reported through the same
columns, :data:`TERM_COLUMNS` plus ``note``, whatever the library's own table looks like.
"""

from __future__ import annotations

import re

import numpy as np
import pandas as pd

__all__ = [
    "INFINITE",
    "NOT_ESTIMABLE",
    "SEPARATED",
    "TERM_COLUMNS",
    "UNBOUNDED",
    "data_table",
    "estimability",
    "slug",
    "term_table",
    "unfitted_rows",
]

#: columns of a model's term table as the regression kinds report it
TERM_COLUMNS = (
    "term",
    "variable",
    "level",
    "reference_level",
    "estimate",
    "ci_lower",
    "ci_upper",
    "p_value",
    "n",
    "n_events",
)

#: ``note`` of a term whose maximum-likelihood estimate is infinite (separation); printed "NE"
SEPARATED = "separation"
#: ``note`` of a Cox term flagged infinite (monotone partial likelihood, ``Cox.infinite``);
#: printed "NE"
INFINITE = "infinite"
#: ``note`` of a term whose interval has no finite bounds (its SE is infinite or the bound
#: under- or overflows, e.g. beside an infinite term, or too few events); printed "NE"
UNBOUNDED = "unbounded"
#: the notes of terms that are not estimable
NOT_ESTIMABLE = (SEPARATED, INFINITE, UNBOUNDED)


def estimability(terms: pd.DataFrame, flagged: set[str], flag: str) -> list[str]:
    """The ``note`` of each term: ``flag`` for the fit's flagged terms, :data:`UNBOUNDED` for a
    term with an estimate but no finite, positive interval, else ""."""
    lower = terms["ci_lower"].to_numpy(dtype=float)
    upper = terms["ci_upper"].to_numpy(dtype=float)
    estimated = np.isfinite(terms["estimate"].to_numpy(dtype=float))
    bounded = np.isfinite(lower) & np.isfinite(upper) & (lower > 0)
    return [
        flag if t in flagged else (UNBOUNDED if e and not b else "")
        for t, e, b in zip(terms["term"], estimated, bounded, strict=True)
    ]


def slug(text: str) -> str:
    """An id fragment (letters, digits, ``_``) from a model name: "Model 1" -> "model_1"."""
    return re.sub(r"[^0-9a-z]+", "_", text.lower()).strip("_") or "model"


def term_table(
    table: pd.DataFrame, n: int | None = None, n_events: int | None = None
) -> pd.DataFrame:
    """A fit's term table (``cartkit.results.RegressionResult.table``) in :data:`TERM_COLUMNS`.

    The intercept is dropped; ``level`` is the level of a categorical term ("" otherwise);
    ``estimate`` is the fit's ratio (HR, OR). Per-row ``n`` and ``n_events`` columns of the
    fit (Fine-Gray) win over the counts given.
    """
    rows = table[table["term"] != "(Intercept)"].reset_index(drop=True)
    cov = rows["covariate"].astype(str)
    ref = rows["reference"].fillna("").astype(str) if "reference" in rows else cov.map(lambda _: "")
    level = [
        t[len(c) + 1 : -1] if r != "" and t.startswith(f"{c}[") else ""
        for t, c, r in zip(rows["term"].astype(str), cov, ref, strict=True)
    ]
    return pd.DataFrame(
        {
            "term": rows["term"].astype(str),
            "variable": cov,
            "level": level,
            "reference_level": ref,
            "estimate": rows["estimate"].astype(float),
            "ci_lower": rows["ci_lower"].astype(float),
            "ci_upper": rows["ci_upper"].astype(float),
            "p_value": rows["p_value"].astype(float),
            "n": rows["n"].astype(float) if "n" in rows else float(n if n is not None else np.nan),
            "n_events": (
                rows["n_events"].astype(float)
                if "n_events" in rows
                else float(n_events if n_events is not None else np.nan)
            ),
        },
        columns=list(TERM_COLUMNS),
    )


def unfitted_rows(variables: dict[str, str]) -> pd.DataFrame:
    """Rows for variables a model could not estimate (NaN numbers, the reason in ``note``)."""
    return pd.DataFrame(
        {
            "term": list(variables),
            "variable": list(variables),
            "level": "",
            "reference_level": "",
            "estimate": np.nan,
            "ci_lower": np.nan,
            "ci_upper": np.nan,
            "p_value": np.nan,
            "n": np.nan,
            "n_events": np.nan,
            "note": list(variables.values()),
        }
    )


def data_table(parts: list[pd.DataFrame]) -> pd.DataFrame:
    """Term tables stacked in :data:`TERM_COLUMNS` and ``note`` (``model`` first when given)."""
    columns = [*([] if "model" not in parts[0] else ["model"]), *TERM_COLUMNS, "note"]
    data = pd.concat([p if "note" in p else p.assign(note="") for p in parts], ignore_index=True)
    return data[columns].reset_index(drop=True)
