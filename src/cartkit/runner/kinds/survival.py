"""The ``survival`` kind: Kaplan-Meier estimates, medians, log-rank, follow-up, landmark.

One table (``<id>``) in long form, one row per estimate: ``measure`` is ``survival`` (at
``time_years``, with ``n_risk`` and the group's ``longest_follow_up_months``), ``median``
(months), ``median follow-up`` (months, reverse Kaplan-Meier, with the range of observed times)
or ``log-rank`` (``test_statistic``, ``dof``, ``p_value``; ``group`` null). ``subgroup`` and
``group`` hold the printed level names (null when the analysis has none). An estimate at a time
point no patient of the group is followed to is not estimable: NaN, with a note. The result
keeps each subgroup level's fit for its figure; the journal layout is
:mod:`cartkit.report.sections.survival`.

A group variable recording an event after time zero (HSCT after CAR-T) adds a landmark
analysis (``<id>_landmark``, rows from :mod:`.survival_landmark`) and a time-dependent one
(``<id>_simon_makuch``, counting-process rows from :mod:`._time_dependent`): the naive
comparison suffers from immortal-time bias.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, replace

import numpy as np
import pandas as pd

from ..._core.frames import plain_text_fields
from ..._core.results import Test
from ...derive.registry import event_day_variable
from ...errors import DataError
from ...survival import kaplan_meier, logrank, median_follow_up, to_months, years_to_days
from ...survival.km import KM
from ..results import KindResult
from ._survival_common import (
    about,
    analysed_rows,
    beyond_note,
    beyond_text,
    blocks,
    group_labels,
    id_list,
    longest_times,
    not_comparable,
    one_group_note,
    time_points,
)
from ._time_dependent import START, STOP, split_rows
from .survival_landmark import LM_GROUP, LM_TIME, Landmark, bias_note, landmark_rows

__all__ = ["COLUMNS", "RUNNERS", "KMBlock", "KMFits", "Spec", "SurvivalResult", "run_survival"]

#: columns of the data table of a survival analysis, the same for every analysis (a landmark
#: table starts with ``landmark_day``)
COLUMNS = (
    "subgroup", "group", "measure", "time_years", "unit", "n", "n_events", "n_risk",
    "longest_follow_up_months", "estimate", "ci_lower", "ci_upper", "range_min", "range_max",
    "test_statistic", "dof", "p_value",
)  # fmt: skip


@dataclass(frozen=True)
class Spec:
    """How the Kaplan-Meier blocks of one table are fitted (naive, or from a landmark).

    Attributes
    ----------
    time, group : str
        Columns of the times (days) and of the groups (None: one curve).
    labels : dict
        Printed name of each group level (``{None: "All patients"}`` without a group).
    years : tuple of float
        Time points of the estimates.
    median, follow_up, logrank : bool
        Whether the medians, the median follow-up and the log-rank test are computed.
    conf_level : float
        Level of the intervals.
    conf_type : str
        Transform of the Kaplan-Meier intervals.
    landmark : Landmark or None
        The landmark, when times are measured from it.
    start, id : str or None
        Columns of the interval starts and the patient ids of counting-process rows (a
        time-dependent group: the Simon-Makuch analysis); None for one row per patient.
    """

    time: str
    group: str | None
    labels: dict
    years: tuple[float, ...]
    median: bool
    follow_up: bool
    logrank: bool
    conf_level: float
    conf_type: str
    landmark: Landmark | None = None
    start: str | None = None
    id: str | None = None

    def name(self, level) -> str:
        """The printed name of a group level (as the data table's ``group`` column)."""
        return self.labels.get(level, str(level))


@dataclass(frozen=True)
class KMBlock:
    """The fit of one subgroup level (or of all patients): its curves and log-rank test.

    ``intervals`` holds, for a time-dependent group (Simon-Makuch), the ``group, start, stop``
    (days) of each counting-process row, from which a figure counts the patients in each
    group at its ticks; None otherwise.
    """

    label: str | None  # printed subgroup level, None without a subgroup
    km: KM
    test: Test | None
    intervals: pd.DataFrame | None = None

    def __post_init__(self) -> None:
        plain_text_fields(self)


@dataclass(frozen=True)
class KMFits:
    """The fits of one table (``id``): one block per subgroup level, in report order."""

    id: str
    spec: Spec
    blocks: tuple[KMBlock, ...]


@dataclass(frozen=True, kw_only=True)
class SurvivalResult(KindResult):
    """Kaplan-Meier estimates of a ``survival`` analysis.

    ``data`` has one table per :class:`KMFits` of ``fits`` (the naive comparison, then the
    landmark analysis when there is one), with the columns :data:`COLUMNS`.
    """

    fits: tuple[KMFits, ...] = ()


def _row(sub, group, measure, **values) -> dict:
    row = dict.fromkeys(COLUMNS, np.nan)
    row.update(subgroup=sub, group=group, measure=measure, unit="")
    row.update(values)
    return row


def _logrank(df: pd.DataFrame, spec: Spec, where: str | None, notes: list[str]) -> Test | None:
    if spec.group is None or not spec.logrank:
        return None
    if df[spec.group].nunique() < 2:
        present = df[spec.group].iloc[0]
        absent = [name for level, name in spec.labels.items() if level != present]
        test = "log-rank test" if spec.start is None else "Mantel-Byar test"
        notes.append(one_group_note(where, spec.name(present), absent, test))
        return None
    test = logrank(df, time=spec.time, event="event", group=spec.group, start=spec.start)
    if math.isnan(test.p_value):
        in_where = f" in {where}" if where else ""
        notes.append(f"Log-rank p not available{in_where}: {test.details.get('note', 'no events')}")
    return test


def _follow_up(df: pd.DataFrame, spec: Spec, level, sub_label, label, base) -> dict:
    rows = df if spec.group is None else df[(df[spec.group] == level).to_numpy(dtype=bool)]
    med = to_months(median_follow_up(rows, time=spec.time, event="event"))
    lo, hi = to_months(float(rows[spec.time].min())), to_months(float(rows[spec.time].max()))
    return _row(
        sub_label,
        label,
        "median follow-up",
        unit="months",
        estimate=med,
        range_min=lo,
        range_max=hi,
        **base,
    )


def fit_block(
    df: pd.DataFrame, spec: Spec, sub_label: str | None, notes: list[str]
) -> tuple[KMBlock, list[dict]]:
    """Kaplan-Meier of one block, and its rows: estimates, medians, follow-up, log-rank test.

    An estimate at a time point no patient of the group is followed to (0 at risk) is not
    estimable: its estimate and interval are NaN, and a note says so; unless the curve has
    reached 0 (the last patient had the event), where it stays.
    """
    km = kaplan_meier(
        df,
        time=spec.time,
        event="event",
        group=spec.group,
        conf_level=spec.conf_level,
        conf_type=spec.conf_type,
        start=spec.start,
        id=spec.id,
    )
    test = _logrank(df, spec, sub_label, notes)
    rows = []
    counts = km.counts().set_index("group", drop=False)
    days = years_to_days(np.asarray(spec.years, dtype=float))
    at = km.survival_at(days)
    medians = km.median()
    longest = longest_times(df, spec.time, spec.group, km.groups)
    for i, level in enumerate(km.groups):
        name = spec.name(level)
        label = None if spec.group is None else name
        n, n_events = int(counts["n"].iloc[i]), int(counts["n_events"].iloc[i])
        base = {"n": n, "n_events": n_events}
        rows_at = at.iloc[i * len(days) : (i + 1) * len(days)]
        longest_months = to_months(longest[i])
        # past the follow-up an estimate is unknown, unless the curve has reached 0 (it stays)
        estimable = (rows_at["n_risk"].to_numpy() > 0) | (rows_at["estimate"].to_numpy() == 0)
        beyond = [t for t, ok in zip(spec.years, estimable, strict=True) if not ok]
        if beyond:
            text = beyond_text(label, sub_label, beyond[0], longest_months, bool(spec.landmark))
            notes.append(beyond_note(text, beyond))
        for t, ok, (_, r) in zip(spec.years, estimable, rows_at.iterrows(), strict=True):
            rows.append(
                _row(
                    sub_label,
                    label,
                    "survival",
                    time_years=float(t),
                    unit="proportion",
                    n_risk=int(r["n_risk"]),
                    longest_follow_up_months=longest_months,
                    estimate=r["estimate"] if ok else np.nan,
                    ci_lower=r["ci_lower"] if ok else np.nan,
                    ci_upper=r["ci_upper"] if ok else np.nan,
                    **base,
                )
            )
        if spec.median:
            m = medians.iloc[i]
            est, lo, hi = (to_months(float(m[c])) for c in ("estimate", "ci_lower", "ci_upper"))
            rows.append(
                _row(
                    sub_label,
                    label,
                    "median",
                    unit="months",
                    estimate=est,
                    ci_lower=lo,
                    ci_upper=hi,
                    **base,
                )
            )
        if spec.follow_up:
            rows.append(_follow_up(df, spec, level, sub_label, label, base))
    if test is not None:
        n_test = test.n if spec.id is None else int(df[spec.id].nunique())
        rows.append(
            _row(
                sub_label,
                None,
                "log-rank",
                n=n_test,
                n_events=int(km.n_events),
                test_statistic=test.statistic,
                dof=test.dof,
                p_value=test.p_value,
            )
        )
    intervals = None
    if spec.start is not None:
        intervals = pd.DataFrame(
            {
                "group": df[spec.group].to_numpy(),
                "start": df[spec.start].to_numpy(dtype=float),
                "stop": df[spec.time].to_numpy(dtype=float),
            }
        )
    return KMBlock(sub_label, km, test, intervals), rows


def _fit_table(
    table_id: str, analysis, ctx, data: pd.DataFrame, spec: Spec, notes: list[str]
) -> tuple[KMFits, pd.DataFrame]:
    """The blocks of one table (a fit per subgroup level) and its data."""
    fitted, rows = [], []
    for level, part in blocks(data, analysis.subgroup):
        label = None if level is None else ctx.level_label(analysis.subgroup, level)
        block, block_rows = fit_block(part, spec, label, notes)
        fitted.append(block)
        rows += block_rows
    table = pd.DataFrame(rows, columns=list(COLUMNS))
    table = table.astype({"n": "int64", "n_events": "int64"})
    if spec.landmark is not None:
        table.insert(0, "landmark_day", spec.landmark.day)
    return KMFits(table_id, spec, tuple(fitted)), table


def _landmark(analysis, ctx, data: pd.DataFrame, spec: Spec, notes: list[str]):
    """The landmark table ``<id>_landmark`` and its data, or None (the notes say why)."""
    found = landmark_rows(analysis, ctx, data, spec.time, notes)
    if found is None:
        return None
    lm, landmark = found
    lm_spec = replace(
        spec,
        time=LM_TIME,
        group=LM_GROUP,
        labels=landmark.labels,
        follow_up=False,
        landmark=landmark,
    )
    return _fit_table(f"{analysis.id}_landmark", analysis, ctx, lm, lm_spec, notes)


def _simon_makuch(analysis, ctx, data: pd.DataFrame, spec: Spec, notes: list[str]):
    """The time-dependent table ``<id>_simon_makuch`` and its data, or None (a note says why).

    Each patient's follow-up is cut at the day of the group's event: the patient counts in the
    "no" group until that day and in the "yes" group from then on (Simon & Makuch 1984).
    """
    group = analysis.group
    name, day_var = ctx.label(group), event_day_variable(group)
    if day_var not in data:
        notes.append(
            f"Simon-Makuch analysis not done: the day variable {day_var!r} of {group!r} is "
            "not in the patients data"
        )
        return None
    keep = [analysis.subgroup] if analysis.subgroup else []
    split = split_rows(data, time=spec.time, event="event", switches=[group], keep=keep)
    if len(split.unknown_day[group]):
        ids = split.unknown_day[group]
        notes.append(
            f"Simon-Makuch analysis: {len(ids)} patient(s) with {name} but no "
            f"{ctx.label(day_var)} are left out ({id_list(ids)})"
        )
    if len(split.zero_time):
        notes.append(
            f"Simon-Makuch analysis: {len(split.zero_time)} patient(s) with an event or "
            f"censoring on day 0 have no interval to split and are left out "
            f"({id_list(split.zero_time)})"
        )
    rows = split.rows
    if rows.empty:
        notes.append("Simon-Makuch analysis not done: no patient left")
        return None
    rows[group] = rows[group].astype(bool)
    sm_spec = replace(spec, time=STOP, start=START, id="patient_id", follow_up=False)
    return _fit_table(f"{analysis.id}_simon_makuch", analysis, ctx, rows, sm_spec, notes)


def run_survival(analysis, ctx) -> SurvivalResult:
    """Kaplan-Meier analysis of an endpoint (plan kind ``survival``).

    Parameters
    ----------
    analysis : cartkit.plan.schema.Survival
        The plan analysis.
    ctx : cartkit.runner.context.Context
        The datasets of the plan run.

    Returns
    -------
    SurvivalResult
        Table ``<id>`` (and ``<id>_landmark`` when the group is an event after time zero),
        with a Kaplan-Meier fit per subgroup level.
    """
    data, notes = analysed_rows(analysis, ctx)
    if data.empty:
        notes.append(f"No patient has {analysis.endpoint} data: nothing to estimate")
        return SurvivalResult(analysis=analysis, notes=notes)
    event = f"{analysis.endpoint} event"
    why_not = not_comparable(analysis, ctx, data, data["event"].to_numpy(dtype=bool), event)
    if why_not:
        return SurvivalResult(analysis=analysis, n=len(data), notes=[*notes, f"Not run: {why_not}"])
    levels = sorted(data[analysis.group].unique().tolist()) if analysis.group else [None]
    spec = Spec(
        time="AVAL",
        group=analysis.group,
        labels=group_labels(ctx, analysis.group, levels),
        years=time_points(analysis, ctx),
        median=analysis.median,
        follow_up=analysis.follow_up,
        logrank=analysis.logrank,
        conf_level=ctx.settings.conf_level,
        conf_type=ctx.settings.km_conf_type,
    )
    found = [_fit_table(analysis.id, analysis, ctx, data, spec, notes)]
    if event_day_variable(analysis.group) is not None:
        at = len(notes)
        for extra in (_landmark, _simon_makuch):
            what = "Landmark" if extra is _landmark else "Simon-Makuch"
            more: list[str] = []
            try:
                table = extra(analysis, ctx, data, spec, more)
            except DataError as exc:
                more.append(f"{what} analysis not done: {exc}")
                table = None
            notes += [about(what, note) for note in more]
            if table is not None:
                found.append(table)
        made = [fits.spec for fits, _ in found[1:]]
        day = next((spec.landmark.day for spec in made if spec.landmark), None)
        sm = any(spec.start is not None for spec in made)
        notes.insert(at, bias_note(analysis, ctx, landmark_day=day, simon_makuch=sm))
    return SurvivalResult(
        analysis=analysis,
        n=len(data),
        notes=notes,
        data={fits.id: frame for fits, frame in found},
        fits=tuple(fits for fits, _ in found),
    )


RUNNERS = {"survival": run_survival}
