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
from ..figures.panels import panel_letter, scatter_panels_figure
from ..figures.scatter import MAX_POINTS, scatter_figure
from ..format import NA, fmt_ci, fmt_num, fmt_p, p_phrase
from ..types import ReportFigure, ReportTable
from ._base import Section, Show, table_heading
from ._kinetics_text import abbreviations
from ._panels import lettered_list
from ._regression import ratio_text

__all__ = ["PRESENTERS", "present_correlation"]

_METHOD_NAMES = {"pearson": "Pearson", "spearman": "Spearman"}
_SYMBOL = {"pearson": "r", "spearman": "ρ"}
#: why ``method = "auto"`` chose each method
_AUTO_REASONS = {
    "pearson": "both Shapiro-Wilk p > 0.05",
    "spearman": "Shapiro-Wilk p ≤ 0.05, or not assessable, for at least one variable",
}


def _dense(s: Scatter) -> bool:
    """The scatter is drawn as hexagons counting patients (too many points to tell apart)."""
    return len(s.points) > MAX_POINTS


def _pct(show: Show) -> str:
    return f"{100 * show.settings.conf_level:g}%"


def _coefficient(data: pd.DataFrame) -> str:
    """The coefficient's symbol in the header: r, ρ, or "r or ρ" when the methods differ."""
    symbols = list(dict.fromkeys(_SYMBOL[m] for m in data["method"] if m))
    return " or ".join(symbols) if symbols else "r"


def _display(data: pd.DataFrame, show: Show) -> pd.DataFrame:
    ci_header = f"{_coefficient(data)} ({_pct(show)} CI)"
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
    methods = set(data["method"])
    # define only the coefficients the table shows
    defined = {
        "pearson": "r, Pearson's correlation coefficient",
        "spearman": "ρ, Spearman's rank correlation coefficient",
    }
    shown = [text for method, text in defined.items() if method in methods] or [defined["pearson"]]
    said = "; ".join(shown) + (", as the Method column says" if len(shown) > 1 else "")
    notes = [
        f"{said}; p two-sided, by the t test of the coefficient on n − 2 degrees of freedom "
        "(R cor.test, exact = FALSE)."
    ]
    if analysis.method == "auto":
        notes.append(
            "Method: Pearson when both variables pass the Shapiro-Wilk test (p > 0.05) over the "
            "complete pairs, else Spearman."
        )
    if "pearson" in methods:
        notes.append(f"{_pct(show)} CI of Pearson's r by Fisher's z transformation.")
    if "spearman" in methods:
        notes.append(
            f"{_pct(show)} CI of Spearman's ρ by Fisher's z transformation of ρ, "
            "tanh(atanh(ρ) ± z/√(n − 3)), the usual large-sample approximation."
        )
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


def _panel_text(s: Scatter, show: Show) -> str:
    """One pair in words: what is drawn against what, the coefficient, its CI and p."""

    def short(var: str) -> str:
        return short_name(var, show.settings.nca_window, show.names)

    test, method = s.test, s.test.details["method"]
    ci = ""
    if not pd.isna(test.ci_lower):
        interval = fmt_ci(test.estimate, test.ci_lower, test.ci_upper, 3).partition(" (")[2]
        ci = f" ({_pct(show)} CI {interval[:-1]})"
    text = (
        f"{short(s.y)} against {short(s.x)} (n = {s.n}): {_METHOD_NAMES[method]} "
        f"{_SYMBOL[method]} = {fmt_num(test.estimate, 3)}{ci}, {p_phrase(test.p_value)}"
    )
    logs = [short(v) for v, log in ((s.x, s.log_x), (s.y, s.log_y)) if log]
    if logs:
        text += f"; log scale for {' and '.join(logs)}"
    if s.not_drawn:
        hidden = "; ".join(f"{k} with {short(var)} = 0" for var, k in s.not_drawn.items())
        text += (
            f"; {s.n - len(s.points)} patient(s) not drawn because a log axis cannot show "
            f"zero ({hidden}), they are in the correlation"
        )
    return text


def _per(log10: bool) -> str:
    return "per 10-fold increase" if log10 else "per 1-unit increase"


def _cox_panel_text(s: Scatter, show: Show) -> str:
    """A pair with a censored duration in words: the censored points and the Cox model's HR."""

    def short(var: str) -> str:
        return short_name(var, show.settings.nca_window, show.names)

    test = s.test
    other = s.x if s.censored == s.y else s.y
    k = int(s.points["censored"].sum())
    log = " (log10)" if test.details["per"] == "10-fold" else ""
    hr = ratio_text(test.estimate, test.ci_lower, test.ci_upper)
    marked = f"{k} censored" if _dense(s) else f"open circles: {k} censored"
    return (
        f"{short(s.y)} against {short(s.x)} (n = {s.n}; {marked}): HR of "
        f"{short(other)}{log} {_per(test.details['per'] == '10-fold')} ({_pct(show)} CI) {hr}, "
        f"{p_phrase(test.p_value)}"
    )


def _caption(analysis, scatters, show: Show) -> str:
    """The legend of the analysis' figure: each panel's pair and numbers, then the methods.

    A pair with a censored duration has no correlation coefficient and no fitted line: its
    panel gives the hazard ratio of a Cox model of the time to the duration's event.
    """
    correlated = [s for s in scatters if s.censored is None]
    censored = [s for s in scatters if s.censored is not None]
    texts = [_panel_text(s, show) if s.censored is None else _cox_panel_text(s, show)
             for s in scatters]  # fmt: skip
    pairs = texts[0] if len(texts) == 1 else lettered_list(list(enumerate(texts)))
    drawn = _drawn(scatters)
    if not censored:
        return f"{pairs}. {drawn}; {_correlation_methods(analysis, correlated)}"
    text = f"{pairs}. {drawn}. {_cox_methods(censored, show)}"
    if correlated:
        text += f" The other pairs: {_correlation_methods(analysis, correlated)}"
    return text


def _drawn(scatters) -> str:
    """What a mark is: a point per patient, or hexagons shaded by their number of patients."""
    hexagons = (
        f"hexagons shaded by the number of patients in each (more than {MAX_POINTS:,} "
        "patients, too many to draw one by one)"
    )
    if not any(_dense(s) for s in scatters):
        return "One point per patient"
    if all(_dense(s) for s in scatters):
        return hexagons[0].upper() + hexagons[1:]
    dense = ", ".join(panel_letter(i) for i, s in enumerate(scatters) if _dense(s))
    return f"One point per patient; in panel(s) {dense}, {hexagons}"


def _correlation_methods(analysis, scatters) -> str:
    methods = list(dict.fromkeys(s.test.details["method"] for s in scatters))
    if analysis.method == "auto":
        why = "; ".join(f"{_METHOD_NAMES[m]} when {_AUTO_REASONS[m]}" for m in methods)
    else:
        why = "the method the plan sets"
    return (
        f"method: {why}; p by the t test on n − 2 degrees of freedom. Line: least-squares fit "
        "on the plotted scale."
    )


def _cox_methods(scatters, show: Show) -> str:
    """How the panels with a censored duration are drawn and what their HR is."""

    def short(var: str) -> str:
        return short_name(var, show.settings.nca_window, show.names)

    durations = " and ".join(dict.fromkeys(f"{short(s.censored)}s" for s in scatters))
    events = list(dict.fromkeys(s.test.details["event"] for s in scatters))
    no_event = " or ".join(sentence_case(show.level_label(e, False)) for e in events)
    ends = " or ".join(show.level_label(e, True) for e in events)
    logs = any(s.test.details["per"] == "10-fold" for s in scatters)
    censored = (
        f"censored {durations} ({no_event} seen by the end of monitoring: the true duration is "
        "longer)"
    )
    dense = [_dense(s) for s in scatters]
    if all(dense):
        marks = f"The {censored} are counted in the hexagons with the others."
    elif any(dense):
        marks = f"Open circles, or counted in the hexagons with the others: {censored}."
    else:
        marks = f"Open circles: {censored}."
    return (
        f"{marks} No correlation coefficient, which would treat the censored "
        f"durations as complete: HR of a Cox model of the time to {ends} on the other "
        f"variable{' (log10 for a log-scale variable)' if logs else ''}, p by the Wald test; "
        "no fitted line."
    )


def _kwargs(s: Scatter, show: Show) -> dict:
    window, names = show.settings.nca_window, show.names
    kwargs = {
        "df": s.points, "x": s.x, "y": s.y, "test": s.test, "log_x": s.log_x,
        "log_y": s.log_y, "xlabel": parameter_label(s.x, window, names),
        "ylabel": parameter_label(s.y, window, names),
    }  # fmt: skip
    if s.censored is not None:
        event = s.test.details["event"]
        kwargs |= {"censored": "censored", "censored_labels": (show.level_label(event, True),
                                                                "Censored")}  # fmt: skip
    return kwargs


def _figure(analysis, scatters, show: Show) -> ReportFigure:
    """One figure of the analysis: a scatter plot, or a panel A, B, C per pair."""
    window, names = show.settings.nca_window, show.names
    if len(scatters) == 1:
        (s,) = scatters
        draw = partial(scatter_figure, **_kwargs(s, show))
        title = f"{short_name(s.y, window, names)} and {short_name(s.x, window, names)}"
    else:
        draw = partial(scatter_panels_figure, tuple(_kwargs(s, show) for s in scatters))
        title = analysis.title
    return ReportFigure(
        id=analysis.id,
        analysis_id=analysis.id,
        title=title,
        draw=draw,
        caption=_caption(analysis, scatters, show),
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
    """The correlation table (``X | Y | n | Method | r (95% CI) | p``) and its figure.

    Pairs with a censored duration are in a table of Cox models (``<id>_cox``) instead. The
    figure is one scatter plot, or a panel (A, B, C, ...) per pair.
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
    figures = [_figure(analysis, result.scatters, show)] if result.scatters else []
    return Section(tables=tables, figures=figures)


PRESENTERS = {"correlation": present_correlation}
