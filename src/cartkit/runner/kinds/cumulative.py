"""The ``cumulative_incidence`` kind: competing-risks cumulative incidence and Gray's test.

The endpoint's ``cause`` (1 its event, 2 the competing event; CIR: relapse with non-relapse
mortality competing) goes to :func:`cartkit.cumulative_incidence`. One table (``<id>``) in long
form: ``measure`` is ``cumulative incidence`` (one row per subgroup, group, cause and time
point) or ``Gray's test`` (one row per subgroup and cause; ``group`` null). The display has a
heading per cause (and subgroup) and a row per group: N, events of that cause, the estimates
at the time points and Gray's p. One figure per subgroup level, curves rising from 0.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import pandas as pd

from ...derive.registry import event_day_variable
from ...errors import DataError
from ...report.figures import cif_figure
from ...report.format import fmt_p, p_phrase
from ...report.types import ReportFigure, ReportTable, drawn
from ...survival import cumulative_incidence, gray_test, years_to_days
from ..output import Output
from ._survival_common import (
    analysed_rows,
    blocks,
    cause_labels,
    ci_label,
    figure_ids,
    fmt_estimate_ci,
    group_labels,
    sentence_case,
    table_abbreviations,
    time_points,
    year_header,
)
from .survival_landmark import (
    LM_GROUP,
    LM_TIME,
    bias_note,
    landmark_footnote,
    landmark_labels,
    landmark_rows,
)

__all__ = ["RUNNERS", "run_cumulative_incidence"]

COLUMNS = (
    "subgroup",
    "group",
    "cause",
    "cause_label",
    "measure",
    "time_years",
    "n",
    "n_events",
    "estimate",
    "ci_lower",
    "ci_upper",
    "test_statistic",
    "dof",
    "p_value",
)

COLUMN_LABELS = {
    "subgroup": "Subgroup",
    "group": "Group",
    "cause": "Cause code",
    "cause_label": "Cause",
    "measure": "Measure",
    "time_years": "Time, years",
    "n": "N",
    "n_events": "Events",
    "estimate": "Estimate",
    "ci_lower": "CI lower",
    "ci_upper": "CI upper",
    "test_statistic": "Chi-squared",
    "dof": "df",
    "p_value": "p",
}

#: interval transforms of cumulative_incidence; a plan's "log" falls back to log-log
_CIF_CONF_TYPES = ("log-log", "plain")


def _row(**values) -> dict:
    row = dict.fromkeys(COLUMNS, np.nan)
    row.update(values)
    return row


class _Block:
    """One subgroup level: the fit, the test and its table rows."""

    def __init__(self, label, cif, gray):
        self.label, self.cif, self.gray = label, cif, gray
        self.rows: list[dict] = []
        self.display: list[list[str]] = []
        self.styles: list[str] = []


@dataclass(frozen=True)
class _Spec:
    """Time and group columns of a fit (the naive one, or from a landmark), and their names."""

    time: str = "AVAL"
    group: str | None = None
    labels: dict | None = None  # group level -> printed name; None: the variable's level names
    landmark: int | None = None
    n_had: int = 0  # patients with the event whose day set the landmark


def _gray(df, analysis, spec: _Spec, where: str, notes: list[str]) -> pd.DataFrame | None:
    if spec.group is None or not analysis.gray:
        return None
    if df[spec.group].nunique() < 2:
        notes.append(f"Gray's test not done{where}: only one group has patients")
        return None
    if not (df["cause"] > 0).any():
        notes.append(f"Gray's test not done{where}: no events")
        return None
    return gray_test(df, time=spec.time, event="cause", group=spec.group)


def _fit(df, analysis, ctx, spec: _Spec, sub_label, conf_type, notes) -> _Block:
    """Cumulative incidence of one block, its estimates and Gray's test, as rows."""
    where = f" in {sub_label}" if sub_label else ""
    cif = cumulative_incidence(
        df,
        time=spec.time,
        event="cause",
        group=spec.group,
        conf_level=ctx.settings.conf_level,
        conf_type=conf_type,
    )
    block = _Block(sub_label, cif, _gray(df, analysis, spec, where, notes))
    names = cause_labels(analysis.endpoint)
    labels = spec.labels or group_labels(ctx, spec.group, cif.groups)
    years = time_points(analysis, ctx)
    at = cif.at(years_to_days(np.asarray(years, dtype=float)))
    grouped = spec.group is not None
    for c in names:
        if c not in cif.causes:
            notes.append(f"No {names[c].lower()} events{where}: no cumulative incidence to show")
        cells_of_cause = []
        for gi, level in enumerate(cif.groups):
            g_rows = cif.table if level is None else cif.table[cif.table["group"] == level]
            n = len(df) if level is None else int((df[spec.group] == level).sum())
            n_events = int(g_rows.loc[g_rows["cause"] == c, "n_events"].sum())
            base = {
                "subgroup": sub_label,
                "group": labels[level] if grouped else None,
                "cause": c,
                "cause_label": names[c],
                "n": n,
                "n_events": n_events,
            }
            first = gi * len(cif.causes) * len(years)
            cells = [labels[level] if grouped else names[c], str(n), str(n_events)]
            for k, t in enumerate(years):
                if c in cif.causes:
                    r = at.iloc[first + cif.causes.index(c) * len(years) + k]
                    est, lo, hi = r["estimate"], r["ci_lower"], r["ci_upper"]
                else:
                    est = lo = hi = np.nan
                block.rows.append(
                    _row(
                        measure="cumulative incidence",
                        time_years=float(t),
                        estimate=est,
                        ci_lower=lo,
                        ci_upper=hi,
                        **base,
                    )
                )
                cells.append(fmt_estimate_ci(est, lo, hi))
            if grouped and analysis.gray:
                cells.append("")
            cells_of_cause.append(cells)
        p = np.nan
        if block.gray is not None and c in set(block.gray["cause"]):
            g = block.gray.set_index("cause").loc[c]
            p = float(g["p_value"])
            block.rows.append(
                _row(
                    subgroup=sub_label,
                    group=None,
                    cause=c,
                    cause_label=names[c],
                    measure="Gray's test",
                    n=cif.n,
                    n_events=int((df["cause"] == c).sum()),
                    test_statistic=float(g["statistic"]),
                    dof=float(g["dof"]),
                    p_value=p,
                )
            )
        if grouped:
            heading = f"{sub_label}: {names[c]}" if sub_label else names[c]
            block.display.append([heading] + [""] * (len(cells_of_cause[0]) - 1))
            block.styles.append("heading")
            if analysis.gray and block.gray is not None:
                cells_of_cause[0][-1] = fmt_p(p)
            block.display += cells_of_cause
            block.styles += ["indent"] * len(cells_of_cause)
        else:
            block.display += cells_of_cause
            block.styles += ["indent" if sub_label else ""] * len(cells_of_cause)
    return block


def _caption(analysis, ctx, spec: _Spec, block: _Block) -> str:
    names = cause_labels(analysis.endpoint)
    text = f"Cumulative incidence (Aalen-Johansen) of {sentence_case(names[1])}"
    if spec.landmark is not None:
        text += f" from the day-{spec.landmark} landmark"
    if 2 in names:
        text += f" with {sentence_case(names[2])} as competing event"
    if analysis.group is not None:
        text += f", by {sentence_case(ctx.label(analysis.group))}"
        if spec.landmark is not None:
            text += f" on or before day {spec.landmark}"
    if block.label is not None:
        text += f", in patients with {sentence_case(block.label)}"
    if analysis.population is not None:
        text += f" (population: {ctx.label(analysis.population)})"
    if block.gray is not None:
        ps = [
            f"{sentence_case(names.get(int(c), str(c)))} {p_phrase(p)}"
            for c, p in zip(block.gray["cause"], block.gray["p_value"], strict=True)
            if not math.isnan(p)
        ]
        if ps:
            text += "; Gray's test: " + ", ".join(ps)
    return text + "."


def _output(analysis, ctx, fitted, spec: _Spec, conf_type: str, out: Output) -> None:
    """Add the table and figures of fitted blocks (the naive fit, or from a landmark)."""
    suffix = "" if spec.landmark is None else "_landmark"
    years = time_points(analysis, ctx)
    conf = ctx.settings.conf_level
    cols = ["", "N", "Events", *(year_header(t, conf) for t in years)]
    if spec.group is not None and analysis.gray:
        cols.append("p")
    table_data = pd.DataFrame([r for b in fitted for r in b.rows], columns=list(COLUMNS))
    table_data = table_data.astype({"cause": "int64", "n": "int64", "n_events": "int64"})
    display = [cells for b in fitted for cells in b.display]
    styles = tuple(s for b in fitted for s in b.styles)
    if spec.group is None and analysis.subgroup is None:
        styles = ("",) * len(display)
    footnotes = [
        f"Cumulative incidence (Aalen-Johansen) with {ci_label(conf)} on the {conf_type} "
        "scale, variance as R cmprsk; events are those of the cause in the heading; a year "
        "is 365.25 days."
    ]
    title = analysis.title
    if spec.landmark is not None:
        footnotes.insert(0, landmark_footnote(ctx, analysis.group, spec.landmark, spec.n_had))
        table_data.insert(0, "landmark_day", spec.landmark)
        title += f": landmark analysis at day {spec.landmark}"
    est = table_data.loc[table_data["measure"] == "cumulative incidence"]
    if est["estimate"].isna().any():
        footnotes.append("–: not estimated (beyond the group's last follow-up, as R cmprsk).")
    if (table_data["measure"] == "Gray's test").any():
        footnotes.append("p by Gray's test (rho = 0) for the cause in the heading.")
    disp = pd.DataFrame(display, columns=cols)
    labels = {**COLUMN_LABELS, "landmark_day": "Landmark, day"}
    if spec.landmark is not None:
        labels["time_years"] = "Years from the landmark"
    out.tables.append(
        ReportTable(
            id=analysis.id + suffix,
            analysis_id=analysis.id,
            title=title,
            source=analysis.source,
            data=table_data,
            display=disp,
            row_styles=styles,
            footnotes=tuple(footnotes),
            abbreviations=table_abbreviations(title, disp, footnotes),
            column_labels=labels,
        )
    )
    names = cause_labels(analysis.endpoint)
    xlabel = "Months since infusion"
    if spec.landmark is not None:
        xlabel = f"Months since the landmark (day {spec.landmark})"
    for fig_id, block in zip(figure_ids(analysis.id + suffix, len(fitted)), fitted, strict=True):
        if not block.cif.causes:
            continue  # no event of any cause: nothing rises (the table notes it)
        fig = cif_figure(
            block.cif,
            cause_labels=names,
            gray=block.gray,
            title=block.label,
            xlabel=xlabel,
            group_labels=spec.labels or group_labels(ctx, spec.group, block.cif.groups),
        )
        fig_title = analysis.title + (f": {block.label}" if block.label else "")
        if spec.landmark is not None:
            fig_title += f" (landmark at day {spec.landmark})"
        out.figures.append(
            ReportFigure(
                id=fig_id,
                analysis_id=analysis.id,
                title=fig_title,
                draw=drawn(fig),
                caption=_caption(analysis, ctx, spec, block),
                source=analysis.source,
            )
        )


def _fit_all(analysis, ctx, data, spec: _Spec, conf_type: str, notes: list[str]) -> list:
    return [
        _fit(
            rows,
            analysis,
            ctx,
            spec,
            None if level is None else ctx.level_label(analysis.subgroup, level),
            conf_type,
            notes,
        )
        for level, rows in blocks(data, analysis.subgroup)
    ]


def run_cumulative_incidence(analysis, ctx) -> Output:
    """Competing-risks cumulative incidence of an endpoint (plan kind ``cumulative_incidence``).

    Parameters
    ----------
    analysis : cartkit.plan.schema.CumulativeIncidence
        The plan analysis.
    ctx : cartkit.runner.context.Context
        The datasets of the plan run.

    Returns
    -------
    Output
        Table ``<id>`` and one figure per subgroup level (``<id>`` or ``<id>_1``, ...); with a
        group that is an event after time zero (HSCT after CAR-T) also the landmark table
        ``<id>_landmark`` and its figures.
    """
    data, notes = analysed_rows(analysis, ctx)
    out = Output(notes=notes)
    if data.empty:
        out.notes.append(f"No patient has {analysis.endpoint} data: nothing to estimate")
        return out
    out.n = len(data)
    conf_type = ctx.settings.km_conf_type
    if conf_type not in _CIF_CONF_TYPES:
        conf_type = "log-log"
    spec = _Spec(group=analysis.group)
    fitted = _fit_all(analysis, ctx, data, spec, conf_type, out.notes)
    _output(analysis, ctx, fitted, spec, conf_type, out)
    if event_day_variable(analysis.group) is not None:
        out.notes.append(bias_note(analysis, ctx))
        try:
            found = landmark_rows(analysis, ctx, data, "AVAL", out.notes)
        except DataError as exc:
            out.notes.append(f"Landmark analysis not done: {exc}")
            found = None
        if found is not None:
            lm, day, n_had = found
            labels = landmark_labels(ctx, analysis.group, day)
            lm_spec = _Spec(LM_TIME, LM_GROUP, labels, landmark=day, n_had=n_had)
            fitted = _fit_all(analysis, ctx, lm, lm_spec, conf_type, out.notes)
            _output(analysis, ctx, fitted, lm_spec, conf_type, out)
    return out


RUNNERS = {"cumulative_incidence": run_cumulative_incidence}
