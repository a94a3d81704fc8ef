"""Tables and profile figures of the ``kinetics`` kind (:mod:`cartkit.runner.kinds.kinetics`)."""

from __future__ import annotations

from functools import partial

import pandas as pd

from ...runner.kinds.kinetics import KineticsResult, KineticsSubgroupResult
from ...runner.nca_names import parameter_label, parameter_short
from ..figures.kinetics import kinetics_figure
from ..format import NA, fmt_num, fmt_p
from ..types import ReportFigure, ReportTable
from ._base import Section, Show, table_heading
from ._kinetics_text import LLOQ_ABBREVIATION, abbreviations, fmt_summary, method_footnotes

__all__ = ["PRESENTERS", "present_kinetics"]

_TEST_FOOTNOTES = {
    "Mann-Whitney": "Mann-Whitney U test (two-sided; exact without ties when both groups have "
    "fewer than 50 values, else the normal approximation with continuity correction, as R "
    "wilcox.test)",
    "Welch t": "Welch's t-test (both groups Shapiro-Wilk p > 0.05)",
    "Kruskal-Wallis": "Kruskal-Wallis test (more than two levels)",
    "one-way ANOVA": "one-way ANOVA (every group Shapiro-Wilk p > 0.05)",
}
_CV_ABBREVIATION = "CV, coefficient of variation"
_SUMMARY_LABELS = {
    "n_positive": "n with a positive value",
    "geo_mean": "Geometric mean",
    "geo_cv_pct": "Geometric CV, %",
}


def _overall_table(result: KineticsResult, show: Show) -> ReportTable:
    analysis = result.analysis
    params = list(analysis.parameters)
    data = result.data[analysis.id]
    header = (
        "Geometric mean (CV%) or median (range)"
        if analysis.summary == "geometric_mean"
        else "Median (range)"
    )
    display = pd.DataFrame(
        {
            "Parameter": data["label"],
            "n": [str(int(n)) for n in data["n"]],
            header: [
                fmt_summary(row, row["parameter"], analysis.summary) for _, row in data.iterrows()
            ],
        }
    )
    return ReportTable(
        **table_heading(analysis),
        data=data,
        display=display,
        footnotes=tuple(method_footnotes(analysis.summary, params, show)),
        # CV is shown only with geometric means
        abbreviations=abbreviations(
            params,
            show,
            LLOQ_ABBREVIATION,
            *([_CV_ABBREVIATION] if analysis.summary == "geometric_mean" else []),
        ),
        column_labels={"label": "Parameter", **_SUMMARY_LABELS},
    )


def _profile_caption(show: Show, n: int) -> str:
    lloq = fmt_num(show.settings.lloq, 0)
    return (
        f"CAR transgene levels by qPCR after infusion, one thin line per patient (n = {n}), "
        "with the median over patients at each nominal visit (thick line; drawn where at least "
        "half of the patients were sampled); log scale. Dashed line: LLOQ "
        f"({lloq} copies/µg DNA); values below it, zeros included, are drawn at LLOQ/2. "
        "The x axis is linear to day 28 and logarithmic after. Descriptive, no test. "
        "LLOQ, lower limit of quantification."
    )


def _profile_figures(result: KineticsResult, show: Show) -> list[ReportFigure]:
    if result.samples is None:
        return []
    analysis, samples, lloq = result.analysis, result.samples, show.settings.lloq
    figures = [
        ReportFigure(
            id=f"{analysis.id}_profiles",
            analysis_id=analysis.id,
            title="CAR-T kinetic profiles",
            draw=partial(kinetics_figure, samples, lloq=lloq),
            caption=_profile_caption(show, int(samples["patient_id"].nunique())),
            source=analysis.source,
        )
    ]
    var, levels = result.response, result.response_levels
    if var is None:
        return figures
    groups = levels.map({v: show.level_label(var, v) for v in levels.unique()})
    counts = ", ".join(f"{lv} n = {k}" for lv, k in groups.value_counts().sort_index().items())
    caption = _profile_caption(show, len(groups)).replace(
        "(thick line;", f"in each group of {show.label(var)} ({counts}) (thick lines;"
    )
    unknown = result.n - len(groups)
    if unknown:
        caption += f" {unknown} patient(s) with unknown {show.label(var)} are not drawn."
    figures.append(
        ReportFigure(
            id=f"{analysis.id}_profiles_by_{var}",
            analysis_id=analysis.id,
            title=f"CAR-T kinetic profiles by {show.label(var)}",
            draw=partial(kinetics_figure, samples, by=groups, lloq=lloq),
            caption=caption,
            source=analysis.source,
        )
    )
    return figures


def _subgroup_display(result: KineticsSubgroupResult, show: Show) -> tuple[list, list, list]:
    """Display rows and row styles (a heading per variable, its levels indented), and headers."""
    analysis = result.analysis
    params = list(analysis.parameters)
    window = show.settings.nca_window
    label = {p: parameter_label(p, window, show.names) for p in params}
    p_header = {p: f"p ({parameter_short(p, window)})" for p in params}
    data = result.data[analysis.id]
    shown, styles = [], []
    for subgroup in result.subgroups:
        var, tests = subgroup.variable, subgroup.tests
        heading = {"Characteristic": show.header(var), "n": ""}
        for p in params:
            heading[label[p]] = ""
            heading[p_header[p]] = fmt_p(tests[p].p_value) if p in tests else NA
        shown.append(heading)
        styles.append("heading")
        rows = data[data["subgroup"] == var]
        for i, (level, n) in enumerate(zip(subgroup.levels, subgroup.n, strict=True)):
            # the data hold the parameters of a level together, in the plan's order
            block = rows.iloc[i * len(params) : (i + 1) * len(params)]
            row = {"Characteristic": show.level_label(var, level), "n": str(n)}
            for p, (_, summary) in zip(params, block.iterrows(), strict=True):
                row[label[p]] = fmt_summary(summary, p, analysis.summary)
                row[p_header[p]] = ""
            shown.append(row)
            styles.append("indent")
    columns = ["Characteristic", "n"]
    for p in params:
        columns += [label[p], p_header[p]]
    return shown, styles, columns


def _subgroup_table(result: KineticsSubgroupResult, show: Show) -> ReportTable:
    analysis = result.analysis
    params = list(analysis.parameters)
    shown, styles, columns = _subgroup_display(result, show)
    used = sorted({t.test for s in result.subgroups for t in s.tests.values()})
    footnotes = method_footnotes(analysis.summary, params, show)
    footnotes.insert(1, "n is the number of patients with kinetics data in each level.")
    for name in used:
        footnotes.append(f"p by the {_TEST_FOOTNOTES.get(name, name)}.")
    if analysis.test == "auto" and used:
        footnotes.append(
            "The test of each parameter and subgroup follows the normality rule: a t-test or "
            "ANOVA when Shapiro-Wilk p > 0.05 in every level, else a rank test (column test of "
            "the data)."
        )
    return ReportTable(
        **table_heading(analysis),
        data=result.data[analysis.id],
        display=pd.DataFrame(shown, columns=columns).fillna(""),
        row_styles=tuple(styles),
        footnotes=tuple(footnotes),
        abbreviations=abbreviations(params, show, LLOQ_ABBREVIATION),
        column_labels={
            "subgroup_label": "Characteristic",
            "level_label": "Level",
            **_SUMMARY_LABELS,
        },
    )


def present_kinetics(result: KineticsResult | KineticsSubgroupResult, show: Show) -> Section:
    """The NCA table, and without subgroups the kinetic-profile figures.

    Overall: ``Parameter | n | Median (range)`` (or the geometric mean and CV% of levels and
    AUCs), then the profiles of every patient and, when the runner found a response variable,
    the profiles by response. By subgroup (the paper's Table 3): a heading row per subgroup
    variable with the p-value of each parameter, and its levels indented below it.
    """
    if isinstance(result, KineticsSubgroupResult):
        return Section(tables=[_subgroup_table(result, show)])
    return Section(tables=[_overall_table(result, show)], figures=_profile_figures(result, show))


PRESENTERS = {"kinetics": present_kinetics}
