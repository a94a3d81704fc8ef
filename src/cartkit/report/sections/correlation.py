"""Tables and scatter figures of the ``correlation`` kind.

The numbers come from :mod:`cartkit.runner.kinds.correlation`: a correlation table for the
pairs of complete variables, and a table of Cox models for the pairs with a censored duration
(whose scatters mark the censored durations and draw no least-squares line).
"""

from __future__ import annotations

from functools import partial

import pandas as pd

from ...kinetics import PARAMETERS
from ...runner.kinds._survival_common import sentence_case
from ...runner.kinds.correlation import CorrelationResult, Scatter
from ...runner.nca_names import parameter_label, short_name
from ..figures.scatter import scatter_figure
from ..format import NA, fmt_ci, fmt_num, fmt_p, p_phrase
from ..types import ReportFigure, ReportTable
from ._base import Section, Show, table_heading
from ._kinetics_text import abbreviations
from ._regression import ratio_text

__all__ = ["PRESENTERS", "present_correlation"]

_METHOD_NAMES = {"pearson": "Pearson", "spearman": "Spearman"}
_SYMBOL = {"pearson": "r", "spearman": "ρ"}
#: why ``method = "auto"`` chose each method
_AUTO_REASONS = {
    "pearson": "both Shapiro-Wilk p > 0.05",
    "spearman": "Shapiro-Wilk p ≤ 0.05, or not assessable, for at least one variable",
}


def _pct(show: Show) -> str:
    return f"{100 * show.settings.conf_level:g}%"


def _display(data: pd.DataFrame, show: Show) -> pd.DataFrame:
    ci_header = f"r ({_pct(show)} CI)"
    shown = []
    for _, r in data.iterrows():
        has = bool(r["method"])
        shown.append(
            {
                "X": r["x_label"],
                "Y": r["y_label"],
                "n": str(int(r["n"])),
                "Method": _METHOD_NAMES[r["method"]] if has else NA,
                ci_header: fmt_ci(r["estimate"], r["ci_lower"], r["ci_upper"], 3) if has else NA,
                "p": fmt_p(r["p_value"]),
            }
        )
    return pd.DataFrame(shown, columns=["X", "Y", "n", "Method", ci_header, "p"])


def _footnotes(analysis, data: pd.DataFrame, show: Show) -> tuple[str, ...]:
    notes = [
        "r is Pearson's r or Spearman's ρ, as the Method column says; p two-sided, by the t test "
        "of the coefficient on n − 2 degrees of freedom (R cor.test, exact = FALSE)."
    ]
    if analysis.method == "auto":
        notes.append(
            "Method: Pearson when both variables pass the Shapiro-Wilk test (p > 0.05) over the "
            "complete pairs, else Spearman."
        )
    if (data["method"] == "pearson").any():
        notes.append(f"{_pct(show)} CI of Pearson's r by Fisher's z transformation; Spearman's "
                     "ρ has no CI.")  # fmt: skip
    return tuple(notes)


def _abbreviations(analysis, show: Show) -> str:
    variables = {v for pair in analysis.pairs for v in pair}
    extra = ["CI, confidence interval"]
    if any(v.startswith("bca") for v in variables):
        extra.append("BCA, B-cell aplasia")
    params = [p for p in PARAMETERS if p in variables]
    if not params:
        return "; ".join(extra) + "."
    return abbreviations(params, show, *extra)


def _caption(analysis, s: Scatter, show: Show) -> str:
    def short(var: str) -> str:
        return short_name(var, show.settings.nca_window, show.names)

    test, method = s.test, s.test.details["method"]
    reason = _AUTO_REASONS[method] if analysis.method == "auto" else "the plan sets it"
    ci = ""
    if not pd.isna(test.ci_lower):
        ci = f" ({_pct(show)} CI {fmt_num(test.ci_lower, 3)}–{fmt_num(test.ci_upper, 3)})"
    caption = (
        f"{short(s.y)} against {short(s.x)}, one point per patient (n = {s.n}). "
        f"{_METHOD_NAMES[method]} correlation, chosen because {reason}: {_SYMBOL[method]} = "
        f"{fmt_num(test.estimate, 3)}{ci}, {p_phrase(test.p_value)} (t test on n − 2 degrees "
        "of freedom). Line: least-squares fit on the plotted scale."
    )
    logs = [short(v) for v, log in ((s.x, s.log_x), (s.y, s.log_y)) if log]
    if logs:
        caption += f" Log scale for {' and '.join(logs)}."
    if s.not_drawn:
        hidden = "; ".join(f"{k} with {short(var)} = 0" for var, k in s.not_drawn.items())
        caption += (
            f" {s.n - len(s.points)} patient(s) not drawn because a log axis cannot show "
            f"zero ({hidden}); they are in the correlation."
        )
    return caption


def _per(log10: bool) -> str:
    return "per 10-fold increase" if log10 else "per 1-unit increase"


def _cox_caption(analysis, s: Scatter, show: Show) -> str:
    """The legend of a scatter with a censored duration: what the open circles are, the HR."""

    def short(var: str) -> str:
        return short_name(var, show.settings.nca_window, show.names)

    test = s.test
    other = s.x if s.censored == s.y else s.y
    event = test.details["event"]
    k = int(s.points["censored"].sum())
    per = _per(test.details["per"] == "10-fold")
    hr = ratio_text(test.estimate, test.ci_lower, test.ci_upper)
    log = " (log10)" if test.details["per"] == "10-fold" else ""
    no_event = sentence_case(show.level_label(event, False))
    return (
        f"{short(s.y)} against {short(s.x)}, one point per patient (n = {s.n}). Open circles: "
        f"{k} censored {short(s.censored)}s ({no_event} seen by the end of monitoring: the "
        "true duration is longer). No correlation coefficient, which would treat the censored "
        f"durations as complete: a Cox model of the time to "
        f"{sentence_case(show.level_label(event, True))} on {short(other)}{log} gives HR {per} "
        f"({_pct(show)} CI) {hr}, {p_phrase(test.p_value)} (Wald test); no fitted line."
    )


def _figure(analysis, s: Scatter, show: Show) -> ReportFigure:
    window, names = show.settings.nca_window, show.names
    options = {}
    caption = _caption
    if s.censored is not None:
        event = s.test.details["event"]
        labels = (show.level_label(event, True), "Censored")
        options = {"censored": "censored", "censored_labels": labels}
        caption = _cox_caption
    draw = partial(
        scatter_figure, s.points, x=s.x, y=s.y, test=s.test, log_x=s.log_x, log_y=s.log_y,
        xlabel=parameter_label(s.x, window, names), ylabel=parameter_label(s.y, window, names),
        **options,
    )  # fmt: skip
    return ReportFigure(
        id=f"{analysis.id}_{s.x}_{s.y}",
        analysis_id=analysis.id,
        title=f"{short_name(s.y, window, names)} and {short_name(s.x, window, names)}",
        draw=draw,
        caption=caption(analysis, s, show),
        source=analysis.source,
    )


def _cox_table(analysis, data: pd.DataFrame, show: Show) -> ReportTable:
    """Cox models of the time to the end of a censored duration, one row per pair."""
    pct = _pct(show)
    hr = f"HR ({pct} CI)"
    shown = [
        {
            "Variable": f"{r['variable_label']} ({_per(bool(r['log10']))})",
            "n": str(int(r["n"])),
            "Events": str(int(r["n_events"])),
            "Censored": str(int(r["n_censored"])),
            hr: ratio_text(r["estimate"], r["ci_lower"], r["ci_upper"])
            if pd.notna(r["estimate"])
            else NA,
            "p": fmt_p(r["p_value"]),
        }
        for _, r in data.iterrows()
    ]
    display = pd.DataFrame(shown, columns=["Variable", "n", "Events", "Censored", hr, "p"])
    durations = list(dict.fromkeys(data["duration"]))
    events = list(dict.fromkeys(data["event"]))
    what = " and ".join(show.label(d).split(",")[0] for d in durations)
    ends = " or ".join(sentence_case(show.level_label(e, True)) for e in events)
    footnotes = (
        f"{what} is censored where {ends} was not seen by the end of monitoring (Censored): a "
        "correlation coefficient would treat those durations as complete. Each variable is "
        f"instead the covariate of a Cox proportional hazards model of the time to {ends} "
        f"({show.settings.cox_ties.capitalize()} ties); HR with Wald {pct} CI; p by the Wald "
        "test.",
        "HR per 10-fold increase for a variable on a log scale (its log10 enters the model), "
        f"else per 1-unit increase; HR < 1: later {ends}, i.e. a longer {what}.",
    )
    title = f"{analysis.title}: Cox models of the time to {ends}"
    return ReportTable(
        id=f"{analysis.id}_cox",
        analysis_id=analysis.id,
        title=title,
        source=analysis.source,
        data=data,
        display=display,
        footnotes=footnotes,
        abbreviations=_abbreviations(analysis, show).rstrip(".") + "; HR, hazard ratio.",
        column_labels={
            "variable_label": "Variable",
            "duration_label": "Censored duration",
            "estimate": "HR",
            "n_events": "Events",
            "n_censored": "Censored",
            "log10": "log10 of the variable",
        },
    )


def present_correlation(result: CorrelationResult, show: Show) -> Section:
    """The correlation table (``X | Y | n | Method | r (95% CI) | p``) and a scatter per pair.

    Pairs with a censored duration are in a table of Cox models (``<id>_cox``) instead.
    """
    analysis = result.analysis
    tables = []
    if analysis.id in result.data:
        data = result.data[analysis.id]
        tables.append(
            ReportTable(
                **table_heading(analysis),
                data=data,
                display=_display(data, show),
                footnotes=_footnotes(analysis, data, show),
                abbreviations=_abbreviations(analysis, show),
                column_labels={
                    "x_label": "X",
                    "y_label": "Y",
                    "estimate": "r",
                    "shapiro_p_x": "Shapiro-Wilk p, X",
                    "shapiro_p_y": "Shapiro-Wilk p, Y",
                },
            )
        )
    if f"{analysis.id}_cox" in result.data:
        tables.append(_cox_table(analysis, result.data[f"{analysis.id}_cox"], show))
    figures = [_figure(analysis, s, show) for s in result.scatters]
    return Section(tables=tables, figures=figures)


PRESENTERS = {"correlation": present_correlation}
