"""Journal regression tables and forest plots, for every regression kind.

A regression table has one block of rows per variable (a plain row for a number or a yes/no
variable; a heading with indented levels for a categorical one, the reference level printed
"1 (reference)") and, per model, a ratio-with-interval column and a p column. It is printed from
a :class:`cartkit.runner.kinds.regression.RegressionKindResult`, whatever model made it; the kind's
section adds its footnotes and captions.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, replace
from functools import partial

import numpy as np
import pandas as pd

from ...derive.registry import per_10_fold
from ...runner.kinds._scale import log10_term
from ...runner.kinds._terms import INFINITE, NOT_ESTIMABLE, SEPARATED, UNBOUNDED
from ...runner.kinds.regression import ModelTerms, RegressionKindResult
from ..figures.forest import forest_figure
from ..format import NA, fmt_ci, fmt_num, fmt_p
from ..glossary import spelled
from ..types import ReportFigure, ReportTable
from ._base import Show, table_heading

__all__ = [
    "RATIOS",
    "Ratio",
    "abbreviations",
    "conf_pct",
    "display_table",
    "forest_spec",
    "left_out",
    "ratio_text",
    "regression_table",
]

#: abbreviations that may appear in the variable labels, spelled out under a table
KNOWN_ABBREVIATIONS = spelled(
    "ANC", "AUC", "BCA", "CAR-T", "CR", "CRi", "CRS", "GVHD", "HLH", "HSCT", "ICANS", "IL-6",
    "LD", "LFS", "MRD", "NRM", "OS",
)  # fmt: skip


@dataclass(frozen=True)
class Ratio:
    """How a model's ratio is printed: ``HR`` and "hazard ratio"."""

    short: str
    name: str

    @property
    def axis(self) -> str:
        """The forest plot's axis label ("Hazard ratio")."""
        return self.name[0].upper() + self.name[1:]

    @property
    def abbreviations(self) -> tuple[str, ...]:
        """The abbreviations every table of this ratio spells out first."""
        return ("CI, confidence interval", f"{self.short}, {self.name}")


#: the printed ratio of each regression family (the ``ratio`` of its result)
RATIOS = {"hr": Ratio("HR", "hazard ratio"), "odds_ratio": Ratio("OR", "odds ratio")}


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


def abbreviations(texts: Sequence[str], first: Sequence[str]) -> str:
    """``first`` abbreviations, then those found in ``texts``, as "CI, confidence interval; ..."."""
    blob = " ".join(texts)
    found = [
        f"{abbr}, {meaning}"
        for abbr, meaning in KNOWN_ABBREVIATIONS.items()
        if re.search(rf"(?<![\w-]){re.escape(abbr)}(?![\w-])", blob)
    ]
    return "; ".join([*first, *sorted(found, key=str.lower)]) + "."


def _variable_levels(columns: Sequence[ModelTerms], var: str) -> tuple[str, list[str]]:
    ref, levels = "", []
    for col in columns:
        rows = col.terms[(col.terms["variable"] == var) & (col.terms["level"] != "")]
        for _, row in rows.iterrows():
            ref = ref or row["reference_level"]
            if row["level"] not in levels:
                levels.append(row["level"])
    return ref, levels


def _cells(col: ModelTerms, var: str, level: str | None) -> list[str]:
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
    if row["note"] in NOT_ESTIMABLE:
        return ["NE", NA]
    return [ratio_text(row["estimate"], row["ci_lower"], row["ci_upper"]), fmt_p(row["p_value"])]


def display_table(
    show: Show, variables: Sequence[str], columns: Sequence[ModelTerms], short: str, pct: str
) -> tuple[pd.DataFrame, tuple[str, ...]]:
    """The journal layout: Variable, then each model's "<ratio> (95% CI)" and p columns."""
    headers = ["Variable"]
    for col in columns:
        headers += [
            f"{col.name} {short} ({pct} CI)".lstrip(),
            f"{col.name} p" if len(columns) > 1 else "p",
        ]
    rows, styles = [], []
    for var in variables:
        ref, levels = _variable_levels(columns, var)
        if not levels:
            cells = [show.label(var)]
            for col in columns:
                cells += _cells(col, var, None)
            rows.append(cells)
            styles.append("")
            continue
        rows.append([show.label(var)] + [""] * (2 * len(columns)))
        styles.append("heading")
        for level in [ref, *levels]:
            cells = [show.level_label(var, level)]
            for col in columns:
                cells += _cells(col, var, "__reference__" if level == ref else level)
            rows.append(cells)
            styles.append("indent")
    return pd.DataFrame(rows, columns=headers, dtype=object), tuple(styles)


def per_10_fold_variables(data: pd.DataFrame) -> list[str]:
    """The variables a table's models entered per 10-fold change (term ``log10(<variable>)``)."""
    logged = data["term"] == data["variable"].map(log10_term)
    return list(dict.fromkeys(data.loc[logged, "variable"]))


def _scaled(show: Show, variables: Sequence[str]) -> Show:
    """``show`` with each variable entered per 10-fold change labelled so: "Cmax, per 10-fold"."""
    if not variables:
        return show
    names = show.names
    labels = {**names.labels, **{v: per_10_fold(names.label(v)) for v in variables}}
    return replace(show, names=replace(names, labels=labels))


def left_out(model: ModelTerms) -> list[str]:
    """The planned variables a fitted model went without (no observed value, or constant)."""
    t = model.terms
    unfitted = t["note"].ne("") & ~t["note"].isin(NOT_ESTIMABLE) & t["estimate"].isna()
    return list(dict.fromkeys(t.loc[unfitted, "variable"]))


def events_per_term(columns: Sequence[ModelTerms]) -> list[str]:
    """A footnote on each multivariable Cox model with fewer than 10 events per term.

    Fewer than about 10 events per estimated coefficient give biased coefficients and
    unreliable intervals (Peduzzi et al. 1996); the table prints them, the footnote says so.
    """
    out = []
    for col in columns:
        if col.role == "univariate":  # one term per model
            continue
        t = col.terms
        fitted = t[t["note"].isin(("", *NOT_ESTIMABLE))]
        k = len(fitted)
        if k < 2 or fitted["n_events"].isna().all():
            continue
        n_events = int(fitted["n_events"].max())
        if n_events < 10 * k:
            name = f"{col.name}: " if col.name else ""
            out.append(
                f"{name}{n_events} events for {k} terms (fewer than 10 per term): the model "
                "is over-fitted for these data and its estimates are unstable (Peduzzi et al. "
                "1996)."
            )
    return out


def _column_labels(pct: str, short: str, p_test: str) -> dict[str, str]:
    return {
        "estimate": short,
        "ci_lower": f"{short} {pct} CI lower",
        "ci_upper": f"{short} {pct} CI upper",
        "p_value": f"p ({p_test})",
        "n": "Patients in the model",
        "n_events": "Events in the model",
        "reference_level": "Reference level",
    }


def regression_table(
    result: RegressionKindResult,
    show: Show,
    *,
    footnotes: Sequence[str],
    test: str,
    texts: Sequence[str] = (),
    title_note: str = "",
) -> ReportTable:
    """The table of a regression result: its models side by side.

    Parameters
    ----------
    result : RegressionKindResult
        The kind's result.
    show : Show
        Labels and settings.
    footnotes : sequence of str
        The kind's footnotes (its data, methods and rules); a footnote on "NE" follows when a
        term is not estimable.
    test : str
        The test of the p-values, for the numbers' column labels ("Wald test").
    texts : sequence of str
        Further texts whose abbreviations are spelled out (the title and the variables' labels
        always are).
    title_note : str
        Added to the title in parentheses when the table is not what the plan's title says
        (no multivariable model, a model without a planned covariate).

    Returns
    -------
    ReportTable
    """
    analysis = result.analysis
    ratio = RATIOS[result.ratio]
    pct = conf_pct(show.settings.conf_level)
    columns = result.columns
    data = result.data[analysis.id]
    logged = per_10_fold_variables(data)
    show = _scaled(show, logged)
    display, styles = display_table(show, result.rows, columns, ratio.short, pct)
    footnotes = list(footnotes)
    if logged:
        names = ", ".join(show.label(v).partition(",")[0] for v in logged)
        footnotes.append(
            f"{names}: {ratio.short} per 10-fold increase (entered as the base-10 logarithm, "
            "as a quantity spanning orders of magnitude)."
        )
    if any((col.terms["note"] == SEPARATED).any() for col in columns):
        footnotes.append(
            "NE, not estimable: the variable (quasi-)perfectly separates the outcome, so its "
            f"maximum-likelihood {ratio.name} is infinite (see the notes)."
        )
    if any((col.terms["note"] == INFINITE).any() for col in columns):
        footnotes.append(
            "NE, not estimable: the partial likelihood keeps increasing as the coefficient "
            "grows (monotone likelihood, e.g. no event in one level), so its "
            f"{ratio.name}, CI and p are not meaningful (see the notes)."
        )
    if any((col.terms["note"] == UNBOUNDED).any() for col in columns):
        footnotes.append(
            "NE, not estimable: the confidence interval has no finite bounds (an infinite "
            "standard error, beside a term whose coefficient runs to infinity or with too few "
            "events), so the estimate and its p are not meaningful."
        )
    if result.ratio == "hr":
        footnotes += events_per_term(columns)
    labels = _column_labels(pct, ratio.short, test)
    heading = table_heading(analysis)
    if title_note:
        heading["title"] = f"{heading['title']} ({title_note})"
    return ReportTable(
        **heading,
        data=data,
        display=display,
        row_styles=styles,
        footnotes=tuple(footnotes),
        abbreviations=abbreviations(
            [analysis.title, *texts, *display.iloc[:, 0]], ratio.abbreviations
        ),
        column_labels={"model": "Model", **labels} if "model" in data else labels,
    )


def _term_labels(show: Show, terms: pd.DataFrame) -> dict[str, str]:
    """Printed name of each term for a forest plot ("Genetic risk group: Poor risk vs ...")."""
    out = {}
    for _, row in terms.iterrows():
        name = show.label(row["variable"])
        if row["level"]:
            level = show.level_label(row["variable"], row["level"])
            ref = show.level_label(row["variable"], row["reference_level"])
            name = f"{name}: {level} vs {ref}"
        out[row["term"]] = name
    return out


def forest_spec(
    result: RegressionKindResult, model: ModelTerms, show: Show, caption: str
) -> ReportFigure:
    """The forest plot of one model (it has :attr:`ModelTerms.forest`), drawn when written."""
    forest = model.forest
    terms = forest.terms
    show = _scaled(show, per_10_fold_variables(terms))
    table = pd.DataFrame(
        {
            "term": terms["term"],
            result.ratio: terms["estimate"],
            "ci_lower": terms["ci_lower"],
            "ci_upper": terms["ci_upper"],
            "p_value": terms["p_value"],
        }
    )
    table.attrs["conf_level"] = show.settings.conf_level
    # the figure prints the table's own cells: the same digits, the same p
    cells = [
        (ratio_text(r["estimate"], r["ci_lower"], r["ci_upper"]), fmt_p(r["p_value"]))
        for _, r in terms.iterrows()
    ]
    draw = partial(
        forest_figure,
        table,
        estimate=result.ratio,
        label=RATIOS[result.ratio].axis,
        term_labels=_term_labels(show, terms),
        ci_texts=tuple(c for c, _ in cells),
        p_texts=tuple(p for _, p in cells),
    )
    hidden = model.terms.loc[model.terms["note"].isin(NOT_ESTIMABLE), "variable"]
    if len(hidden):
        names = "; ".join(dict.fromkeys(show.label(v) for v in hidden))
        caption += f" Not drawn, not estimable (NE in the table): {names}."
    return ReportFigure(
        id=forest.id,
        analysis_id=result.analysis.id,
        title=forest.title,
        draw=draw,
        caption=caption,
        source=result.analysis.source,
    )
