"""The ``kinetics`` kind: NCA parameters overall (with the profile figures) and by subgroup.

Overall, each parameter is summarised by :func:`cartkit.summarize_nca` (median and range, or the
geometric mean and geometric CV% of concentrations and AUCs). With subgroups the layout is the
paper's Table 3: a heading row per variable carrying the p-value of each parameter
(:func:`cartkit.comparisons`, Mann-Whitney by default) and its levels indented below it.
"""

from __future__ import annotations

import pandas as pd

from ...comparisons import compare
from ...derive.registry import response_variables
from ...errors import DataError
from ...kinetics import summarize_nca
from ...plan.schema import Kinetics
from ...report.figures import kinetics_figure
from ...report.format import NA, fmt_num, fmt_p
from ...report.types import ReportFigure, ReportTable, drawn
from ..context import Context
from ..output import Output, table_heading
from ._kinetics_text import (
    LLOQ_ABBREVIATION,
    abbreviations,
    fmt_summary,
    geometric,
    method_footnotes,
    parameter_label,
    parameter_short,
    persisting_note,
)

__all__ = ["MAX_LEVELS", "RUNNERS", "run_kinetics"]

#: day-28 response variables the profiles are drawn by, in order of preference
#: most levels a subgroup variable may have (more is a continuous variable, not a subgroup)
MAX_LEVELS = 10
#: ck.compare's name of the test each plan option requests (None: the normality rule chooses)
_PLAN_TESTS = {"mann_whitney": "mannwhitney", "auto": None}
_TEST_FOOTNOTES = {
    "Mann-Whitney": "Mann-Whitney U test (two-sided; exact without ties when both groups have "
    "fewer than 50 values, else the normal approximation with continuity correction, as R "
    "wilcox.test)",
    "Welch t": "Welch's t-test (both groups Shapiro-Wilk p > 0.05)",
    "Kruskal-Wallis": "Kruskal-Wallis test (more than two levels)",
    "one-way ANOVA": "one-way ANOVA (every group Shapiro-Wilk p > 0.05)",
}


def _analysed(analysis: Kinetics, ctx: Context) -> tuple[pd.DataFrame, list[str]]:
    """Population patients with kinetics data, and notes on who is out."""
    if ctx.nca is None:
        raise DataError("the study has no kinetics table, so there are no NCA parameters")
    pats, notes = ctx.population(analysis.population)
    has = pats["patient_id"].isin(ctx.nca["patient_id"])
    if (~has).any():
        ids = pats.loc[~has, "patient_id"].astype(str).tolist()
        notes.append(
            f"{len(ids)} patient(s) without kinetics samples are not summarised: " + ", ".join(ids)
        )
    return pats[has.to_numpy()], notes


def _missing_notes(summaries: pd.DataFrame, n_patients: int, ctx: Context, summary: str):
    notes = []
    for row in summaries.itertuples(index=False):
        name = parameter_short(row.parameter, ctx)
        gap = n_patients - int(row.n)
        if gap:
            notes.append(
                f"{name} could not be computed for {gap} patient(s) (see the NCA notes in "
                "derived/nca)"
            )
        zeros = int(row.n) - int(row.n_positive)
        if summary == "geometric_mean" and geometric(row.parameter) and zeros:
            notes.append(
                f"{name} is 0 (no quantifiable sample) for {zeros} patient(s), who are not in "
                "its geometric mean"
            )
    return notes


# ---------------------------------------------------------------- overall ----------


def _overall_table(analysis: Kinetics, ctx: Context, pats: pd.DataFrame) -> tuple:
    params = list(analysis.parameters)
    summaries = summarize_nca(pats, parameters=params)
    data = summaries.drop(columns=["group", "summary"]).copy()
    data.insert(1, "label", [parameter_label(p, ctx) for p in params])
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
                fmt_summary(row, p, analysis.summary)
                for p, (_, row) in zip(params, summaries.iterrows(), strict=True)
            ],
        }
    )
    table = ReportTable(
        **table_heading(analysis),
        data=data.reset_index(drop=True),
        display=display,
        footnotes=tuple(method_footnotes(analysis.summary, params, ctx)),
        abbreviations=abbreviations(params, ctx, LLOQ_ABBREVIATION, "CV, coefficient of variation"),
        column_labels={
            "label": "Parameter",
            "n_positive": "n with a positive value",
            "geo_mean": "Geometric mean",
            "geo_cv_pct": "Geometric CV, %",
        },
    )
    return table, _missing_notes(summaries, len(pats), ctx, analysis.summary)


def _response_groups(ctx: Context, ids: pd.Series) -> tuple[str | None, pd.Series | None]:
    for var in response_variables():
        if var not in ctx.patients:
            continue
        values = ctx.patients.set_index("patient_id")[var].reindex(ids)
        if values.dropna().nunique() >= 2:
            labels = {v: ctx.level_label(var, v) for v in values.dropna().unique()}
            return var, values.dropna().map(labels)
    return None, None


def _profile_caption(ctx: Context, n: int) -> str:
    lloq = fmt_num(ctx.settings.lloq, 0)
    return (
        f"CAR transgene levels by qPCR after infusion, one thin line per patient (n = {n}), "
        "with the median over patients at each nominal visit (thick line; drawn where at least "
        "half of the patients were sampled); log scale. Dashed line: LLOQ "
        f"({lloq} copies/µg DNA); values below it, zeros included, are drawn at LLOQ/2. "
        "The x axis is linear to day 28 and logarithmic after. Descriptive, no test. "
        "LLOQ, lower limit of quantification."
    )


def _figures(analysis: Kinetics, ctx: Context, pats: pd.DataFrame) -> tuple[list, list[str]]:
    notes: list[str] = []
    if ctx.kinetics is None or pats.empty:
        return [], ["no kinetics samples to draw"]
    kin = ctx.kinetics[ctx.kinetics["patient_id"].isin(pats["patient_id"])]
    try:
        overall = kinetics_figure(kin, lloq=ctx.settings.lloq)
    except DataError as err:
        return [], [f"kinetic profiles not drawn: {err}"]
    figures = [
        ReportFigure(
            id=f"{analysis.id}_profiles",
            analysis_id=analysis.id,
            title="CAR-T kinetic profiles",
            draw=drawn(overall),
            caption=_profile_caption(ctx, int(kin["patient_id"].nunique())),
            source=analysis.source,
        )
    ]
    var, groups = _response_groups(ctx, pats["patient_id"])
    if var is None:
        notes.append(
            "kinetic profiles by day-28 response not drawn: no response variable ("
            + ", ".join(response_variables())
            + ") has two levels among these patients"
        )
        return figures, notes
    unknown = len(pats) - len(groups)
    sizes = groups.value_counts().sort_index()
    counts = ", ".join(f"{lv} n = {k}" for lv, k in sizes.items())
    caption = _profile_caption(ctx, len(groups)).replace(
        "(thick line;", f"in each group of {ctx.label(var)} ({counts}) (thick lines;"
    )
    if unknown:
        caption += f" {unknown} patient(s) with unknown {ctx.label(var)} are not drawn."
        notes.append(
            f"{unknown} patient(s) with unknown {ctx.label(var)} are not in the profiles "
            "by response"
        )
    try:
        by_response = kinetics_figure(kin, by=groups, lloq=ctx.settings.lloq)
    except DataError as err:
        return figures, [*notes, f"kinetic profiles by {ctx.label(var)} not drawn: {err}"]
    figures.append(
        ReportFigure(
            id=f"{analysis.id}_profiles_by_{var}",
            analysis_id=analysis.id,
            title=f"CAR-T kinetic profiles by {ctx.label(var)}",
            draw=drawn(by_response),
            caption=caption,
            source=analysis.source,
        )
    )
    return figures, notes


# ---------------------------------------------------------------- subgroups --------


def _levels(values: pd.Series) -> list:
    # the order ck.compare uses (sorted), so "first group" means the same everywhere
    return sorted(values.dropna().unique(), key=lambda v: (str(type(v)), v))


def _test_one(sub: pd.DataFrame, param: str, var: str, test: str | None, n_levels: int, ctx):
    if test == "mannwhitney" and n_levels > 2:
        test = "kruskal"  # Mann-Whitney's extension to more than two groups
    return compare(
        sub, variable=param, group=var, test=test, categorical=False,
        conf_level=ctx.settings.conf_level,
    )  # fmt: skip


def _subgroup_rows(analysis: Kinetics, ctx: Context, pats: pd.DataFrame, var: str):
    """Data rows, display rows, row styles, notes and test names of one subgroup variable."""
    params = list(analysis.parameters)
    label = ctx.label(var)
    if var not in pats:
        raise DataError(f"subgroup {var!r} is not a variable of this study")
    notes = []
    missing = int(pats[var].isna().sum())
    if missing:
        notes.append(f"{label}: {missing} patient(s) with unknown value are not compared")
    sub = pats[pats[var].notna().to_numpy()]
    levels = _levels(sub[var])
    if len(levels) > MAX_LEVELS:
        raise DataError(
            f"{var!r} has {len(levels)} distinct values; a subgroup needs at most {MAX_LEVELS} "
            "levels (derive a boolean variable from it in the plan's [[derived]])"
        )
    summaries = summarize_nca(sub, by=var, parameters=params) if levels else None
    tests, used = {}, set()
    for p in params:
        try:
            tests[p] = _test_one(sub, p, var, _PLAN_TESTS[analysis.test], len(levels), ctx)
            used.add(tests[p].test)
        except DataError as err:
            notes.append(f"{label}, {parameter_short(p, ctx)}: no test ({err})")
    data, shown, styles = [], [], []
    heading = {"Characteristic": label, "n": ""}
    for p in params:
        heading[parameter_label(p, ctx)] = ""
        heading[f"p ({parameter_short(p, ctx)})"] = fmt_p(tests[p].p_value) if p in tests else NA
    shown.append(heading)
    styles.append("heading")
    for level in levels:
        level_label = ctx.level_label(var, level)
        row = {"Characteristic": level_label, "n": str(int((sub[var] == level).sum()))}
        for p in params:
            s = summaries[(summaries["parameter"] == p) & (summaries["group"] == level)].iloc[0]
            row[parameter_label(p, ctx)] = fmt_summary(s, p, analysis.summary)
            row[f"p ({parameter_short(p, ctx)})"] = ""
            t = tests.get(p)
            data.append(
                {
                    "subgroup": var,
                    "subgroup_label": label,
                    "level": str(level),
                    "level_label": level_label,
                    "parameter": p,
                    "n": int(s["n"]),
                    "n_positive": int(s["n_positive"]),
                    "median": s["median"],
                    "min": s["min"],
                    "max": s["max"],
                    "geo_mean": s["geo_mean"],
                    "geo_cv_pct": s["geo_cv_pct"],
                    "p_value": float("nan") if t is None else t.p_value,
                    "test": "" if t is None else t.test,
                }
            )
        shown.append(row)
        styles.append("indent")
    if len(levels) < 2:
        notes.append(f"{label}: {len(levels)} level(s) among the patients with kinetics; no test")
    return data, shown, styles, notes, used


_DATA_COLUMNS = (
    "subgroup", "subgroup_label", "level", "level_label", "parameter", "n", "n_positive",
    "median", "min", "max", "geo_mean", "geo_cv_pct", "p_value", "test",
)  # fmt: skip


def _subgroup_table(analysis: Kinetics, ctx: Context, pats: pd.DataFrame) -> tuple:
    data, shown, styles, notes, used = [], [], [], [], set()
    for var in analysis.subgroups:
        try:
            d, s, st, n, u = _subgroup_rows(analysis, ctx, pats, var)
        except DataError as err:
            notes.append(f"subgroup {ctx.label(var)} not shown: {err}")
            continue
        data += d
        shown += s
        styles += st
        notes += n
        used |= u
    params = list(analysis.parameters)
    columns = ["Characteristic", "n"]
    for p in params:
        columns += [parameter_label(p, ctx), f"p ({parameter_short(p, ctx)})"]
    display = pd.DataFrame(shown, columns=columns).fillna("")
    footnotes = method_footnotes(analysis.summary, params, ctx)
    footnotes.insert(1, "n is the number of patients with kinetics data in each level.")
    for name in sorted(used):
        footnotes.append(f"p by the {_TEST_FOOTNOTES.get(name, name)}.")
    if analysis.test == "auto" and used:
        footnotes.append(
            "The test of each parameter and subgroup follows the normality rule: a t-test or "
            "ANOVA when Shapiro-Wilk p > 0.05 in every level, else a rank test (column test of "
            "the data)."
        )
    table = ReportTable(
        **table_heading(analysis),
        data=pd.DataFrame(data, columns=list(_DATA_COLUMNS)),
        display=display,
        row_styles=tuple(styles),
        footnotes=tuple(footnotes),
        abbreviations=abbreviations(params, ctx, LLOQ_ABBREVIATION),
        column_labels={
            "subgroup_label": "Characteristic",
            "level_label": "Level",
            "n_positive": "n with a positive value",
            "geo_mean": "Geometric mean",
            "geo_cv_pct": "Geometric CV, %",
        },
    )
    return table, notes


def run_kinetics(analysis: Kinetics, ctx: Context) -> Output:
    """NCA parameters overall with the profile figures, or by subgroup with tests (Table 3).

    Parameters
    ----------
    analysis : cartkit.plan.schema.Kinetics
        The plan analysis.
    ctx : cartkit.runner.context.Context
        The run's datasets; ``ctx.nca`` holds the parameters computed with the plan's window,
        LLOQ and AUC method.

    Returns
    -------
    Output
        One table (``analysis.id``); without subgroups also the profile figures, overall
        (``<id>_profiles``) and by day-28 response (``<id>_profiles_by_<variable>``).

    Raises
    ------
    DataError
        The study has no kinetics table.
    """
    pats, notes = _analysed(analysis, ctx)
    out = Output(notes=notes, n=len(pats))
    if "tlast" in analysis.parameters:
        out.notes += persisting_note(ctx, pats["patient_id"])
    if analysis.subgroups:
        table, more = _subgroup_table(analysis, ctx, pats)
        out.tables.append(table)
        out.notes += more
        return out
    table, more = _overall_table(analysis, ctx, pats)
    out.tables.append(table)
    out.notes += more
    figures, more = _figures(analysis, ctx, pats)
    out.figures += figures
    out.notes += more
    return out


RUNNERS = {"kinetics": run_kinetics}
