"""Journal tables and forest plots of the regression kinds.

A regression table of the report has one block of rows per variable (a plain row for a number or
a yes/no variable; a heading with indented levels for a categorical one, the reference level
printed "1 (reference)") and, per model, a ratio-with-interval column and a p column.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd

from ...errors import DataError
from ...report.figures import forest_figure
from ...report.format import NA, fmt_ci, fmt_num, fmt_p
from ...report.glossary import spelled
from ...report.types import ReportFigure, drawn

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


#: abbreviations that may appear in the variable labels, spelled out under a table
KNOWN_ABBREVIATIONS = spelled(
    "ANC",
    "AUC",
    "BCA",
    "CAR-T",
    "CR",
    "CRi",
    "CRS",
    "GVHD",
    "HLH",
    "HSCT",
    "ICANS",
    "IL-6",
    "LD",
    "LFS",
    "MRD",
    "NRM",
    "OS",
)


#: ``note`` of a term whose maximum-likelihood estimate is infinite (separation); printed "NE"
SEPARATED = "separation"


NE_FOOTNOTE = (
    "NE, not estimable: the variable (quasi-)perfectly separates the outcome, so its "
    "maximum-likelihood odds ratio is infinite (see the notes)."
)


def conf_pct(conf_level: float) -> str:
    """``0.95`` -> ``"95%"`` for headers."""
    return f"{100 * conf_level:g}%"


def ratio_text(estimate, lower, upper) -> str:
    """A ratio and its interval, with as many decimals as needed to tell the limits apart.

    A per-unit ratio of a variable measured in large units (copies/µg DNA) is within 1e-5 of 1;
    two decimals would print it as "1.00 (1.00–1.00)", which hides the direction.
    """
    digits = 2
    lo, hi = float(lower), float(upper)
    if np.isfinite(lo) and np.isfinite(hi) and lo != hi:
        while digits < 6 and fmt_num(lo, digits) == fmt_num(hi, digits):
            digits += 1
    return fmt_ci(estimate, lower, upper, digits)


def slug(text: str) -> str:
    """An id fragment (letters, digits, ``_``) from a model name: "Model 1" -> "model_1"."""
    return re.sub(r"[^0-9a-z]+", "_", text.lower()).strip("_") or "model"


def abbreviations(texts: Sequence[str], first: Sequence[str]) -> str:
    """``first`` abbreviations, then those found in ``texts``, as "CI, confidence interval; ..."."""
    blob = " ".join(texts)
    found = [
        f"{abbr}, {meaning}"
        for abbr, meaning in KNOWN_ABBREVIATIONS.items()
        if re.search(rf"(?<![\w-]){re.escape(abbr)}(?![\w-])", blob)
    ]
    return "; ".join([*first, *sorted(found, key=str.lower)]) + "."


def term_table(
    table: pd.DataFrame, ratio: str, n: int | None = None, n_events: int | None = None
) -> pd.DataFrame:
    """A library term table (``ck.cox(...).table`` or ``ck.logistic``) in :data:`TERM_COLUMNS`.

    The intercept is dropped; ``level`` is the level of a categorical term ("" otherwise).
    """
    rows = table[table["term"] != "(Intercept)"].reset_index(drop=True)
    cov = rows["covariate"].astype(str)
    ref = rows["reference"].fillna("").astype(str) if "reference" in rows else cov.map(lambda _: "")
    level = [
        t[len(c) + 1 : -1] if r != "" and t.startswith(f"{c}[") else ""
        for t, c, r in zip(rows["term"].astype(str), cov, ref, strict=True)
    ]
    out = pd.DataFrame(
        {
            "term": rows["term"].astype(str),
            "variable": cov,
            "level": level,
            "reference_level": ref,
            "estimate": rows[ratio].astype(float),
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
    return out


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


@dataclass
class ModelColumn:
    """One model's column pair in a regression table.

    ``terms`` is in :data:`TERM_COLUMNS` (plus ``note``); ``variables`` lists the variables the
    model includes (printed blank when absent, "–" when included but not estimable).
    """

    name: str
    header: str
    terms: pd.DataFrame
    variables: tuple[str, ...]


def _variable_levels(columns: Sequence[ModelColumn], var: str) -> tuple[str, list[str]]:
    ref, levels = "", []
    for col in columns:
        rows = col.terms[(col.terms["variable"] == var) & (col.terms["level"] != "")]
        for _, row in rows.iterrows():
            ref = ref or row["reference_level"]
            if row["level"] not in levels:
                levels.append(row["level"])
    return ref, levels


def _cells(col: ModelColumn, var: str, level: str | None) -> list[str]:
    if var not in col.variables:
        return ["", ""]
    t = col.terms
    if level is None:
        hit = t[(t["variable"] == var) & (t["level"] == "")]
    elif level == "__reference__":
        return ["1 (reference)", ""]
    else:
        hit = t[(t["variable"] == var) & (t["level"] == level)]
    if hit.empty or not np.isfinite(hit["estimate"].iloc[0]):
        return [NA, NA]
    row = hit.iloc[0]
    if row.get("note", "") == SEPARATED:
        return ["NE", NA]
    return [ratio_text(row["estimate"], row["ci_lower"], row["ci_upper"]), fmt_p(row["p_value"])]


def display_table(
    ctx, variables: Sequence[str], columns: Sequence[ModelColumn]
) -> tuple[pd.DataFrame, tuple[str, ...]]:
    """The journal layout: Variable, then each model's "<ratio> (95% CI)" and p columns."""
    headers = ["Variable"]
    for col in columns:
        headers += [col.header, f"{col.name} p" if len(columns) > 1 else "p"]
    rows, styles = [], []
    for var in variables:
        ref, levels = _variable_levels(columns, var)
        if not levels:
            cells = [ctx.label(var)]
            for col in columns:
                cells += _cells(col, var, None)
            rows.append(cells)
            styles.append("")
            continue
        rows.append([ctx.label(var)] + [""] * (2 * len(columns)))
        styles.append("heading")
        for level in [ref, *levels]:
            cells = [ctx.level_label(var, level)]
            for col in columns:
                cells += _cells(col, var, "__reference__" if level == ref else level)
            rows.append(cells)
            styles.append("indent")
    display = pd.DataFrame(rows, columns=headers, dtype=object)
    return display, tuple(styles)


def term_labels(ctx, terms: pd.DataFrame) -> dict[str, str]:
    """Printed name of each term for a forest plot ("Genetic risk group: Poor risk")."""
    out = {}
    for _, row in terms.iterrows():
        name = ctx.label(row["variable"])
        if row["level"]:
            level = ctx.level_label(row["variable"], row["level"])
            ref = ctx.level_label(row["variable"], row["reference_level"])
            name = f"{name}: {level} vs {ref}"
        out[row["term"]] = name
    return out


def forest(
    ctx,
    terms: pd.DataFrame,
    *,
    fig_id: str,
    analysis_id: str,
    title: str,
    ratio: str,
    caption: str,
    source: str,
    notes: list[str],
) -> ReportFigure | None:
    """A forest plot of a model's estimable terms (None, with a note, when none can be drawn)."""
    finite = np.isfinite(terms["estimate"].to_numpy(dtype=float))
    separated = (
        (terms["note"] == SEPARATED).to_numpy() if "note" in terms else np.zeros(len(terms), bool)
    )
    if np.any(separated):
        names = ", ".join(ctx.label(v) for v in terms.loc[separated, "variable"])
        notes.append(f"{title}: {names} not drawn (not estimable: separation).")
    drawable = terms[finite & ~separated]
    if drawable.empty:
        notes.append(f"{title}: no estimable term, so no forest plot.")
        return None
    short = {"hr": "HR", "odds_ratio": "OR"}[ratio]
    table = pd.DataFrame(
        {
            "term": drawable["term"],
            ratio: drawable["estimate"],
            "ci_lower": drawable["ci_lower"],
            "ci_upper": drawable["ci_upper"],
            "p_value": drawable["p_value"],
        }
    )
    table.attrs["conf_level"] = ctx.settings.conf_level
    try:
        fig = forest_figure(
            table,
            estimate=ratio,
            label="Hazard ratio" if short == "HR" else "Odds ratio",
            term_labels=term_labels(ctx, drawable),
        )
    except DataError as err:
        notes.append(f"{title}: no forest plot ({err}).")
        return None
    return ReportFigure(
        id=fig_id,
        analysis_id=analysis_id,
        title=title,
        draw=drawn(fig),
        caption=caption,
        source=source,
    )


def data_table(parts: list[pd.DataFrame]) -> pd.DataFrame:
    columns = [*([] if "model" not in parts[0] else ["model"]), *TERM_COLUMNS, "note"]
    data = pd.concat([p.assign(note=p["note"]) if "note" in p else p.assign(note="")
                      for p in parts], ignore_index=True)  # fmt: skip
    return data[columns].reset_index(drop=True)


def column_labels(pct: str, short: str, p_test: str) -> dict[str, str]:
    return {
        "estimate": short,
        "ci_lower": f"{short} {pct} CI lower",
        "ci_upper": f"{short} {pct} CI upper",
        "p_value": f"p ({p_test})",
        "n": "Patients in the model",
        "n_events": "Events in the model",
        "reference_level": "Reference level",
    }
