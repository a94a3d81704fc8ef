"""The ``cumulative_incidence`` kind: competing-risks cumulative incidence and Gray's test.

The endpoint's ``cause`` (1 its event, 2 the competing event; CIR: relapse with non-relapse
mortality competing) goes to :func:`cartkit.cumulative_incidence`. One table (``<id>``) in long
form: ``measure`` is ``cumulative incidence`` (one row per subgroup, group, cause and time
point, with ``n_risk`` and the group's ``longest_follow_up_months``; NaN where not estimable,
past the group's follow-up) or ``Gray's test`` (one row per subgroup and cause; ``group``
null). The result keeps each subgroup level's fit for its figure; the journal layout is
:mod:`cartkit.report.sections.cumulative`. A group that records an event after time zero adds
the landmark table ``<id>_landmark`` (rows from :mod:`.survival_landmark`); no time-dependent
version, which the bias note says.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

import numpy as np
import pandas as pd

from ..._core.frames import plain_text_fields
from ...derive.registry import event_day_variable
from ...errors import DataError
from ...survival import cumulative_incidence, gray_test, to_months, years_to_days
from ...survival.competing import CIF
from ...survival.gray import GrayTests
from ..results import KindResult
from ._survival_common import (
    about,
    analysed_rows,
    beyond_note,
    beyond_text,
    blocks,
    cause_labels,
    group_labels,
    not_comparable,
    one_group_note,
    time_points,
)
from .survival_landmark import LM_GROUP, LM_TIME, Landmark, bias_note, landmark_rows

__all__ = [
    "COLUMNS",
    "RUNNERS",
    "CIFBlock",
    "CIFFits",
    "CIFSpec",
    "CumulativeResult",
    "run_cumulative_incidence",
]

#: columns of the data table of a cumulative-incidence analysis (a landmark table starts with
#: ``landmark_day``)
COLUMNS = (
    "subgroup",
    "group",
    "cause",
    "cause_label",
    "measure",
    "time_years",
    "n",
    "n_events",
    "n_risk",
    "longest_follow_up_months",
    "estimate",
    "ci_lower",
    "ci_upper",
    "test_statistic",
    "dof",
    "p_value",
)

#: interval transforms of cumulative_incidence; a plan's "log" falls back to log-log
_CIF_CONF_TYPES = ("log-log", "plain")


@dataclass(frozen=True)
class CIFSpec:
    """How the blocks of one table are fitted (the naive comparison, or from a landmark).

    Attributes
    ----------
    time, group : str
        Columns of the times (days) and of the groups (None: no group).
    causes : dict of int to str
        Printed name of cause 1 (the event) and cause 2 (the competing event).
    years : tuple of float
        Time points of the estimates.
    conf_level : float
        Level of the intervals.
    conf_type : str
        Scale of the intervals ("log-log" or "plain").
    gray : bool
        Whether Gray's test is done (with a group).
    labels : dict or None
        Printed name of each group level; None: the group variable's level names.
    landmark : Landmark or None
        The landmark, when times are measured from it.
    """

    time: str
    group: str | None
    causes: dict
    years: tuple[float, ...]
    conf_level: float
    conf_type: str
    gray: bool
    labels: dict | None = None
    landmark: Landmark | None = None


@dataclass(frozen=True)
class CIFBlock:
    """The fit of one subgroup level (or of all patients) and Gray's test.

    ``labels`` is the printed name of each group level of the fit (as the data table's
    ``group`` column); ``gray`` the tests of :func:`cartkit.gray_test` (None when not done).
    """

    label: str | None  # printed subgroup level, None without a subgroup
    cif: CIF
    gray: GrayTests | None
    labels: dict

    def __post_init__(self) -> None:
        plain_text_fields(self)


@dataclass(frozen=True)
class CIFFits:
    """The fits of one table (``id``): one block per subgroup level, in report order."""

    id: str
    spec: CIFSpec
    blocks: tuple[CIFBlock, ...]


@dataclass(frozen=True, kw_only=True)
class CumulativeResult(KindResult):
    """Cumulative incidences of a ``cumulative_incidence`` analysis.

    ``data`` has one table per :class:`CIFFits` of ``fits`` (the naive comparison, then the
    landmark analysis when there is one), with the columns :data:`COLUMNS`.
    """

    fits: tuple[CIFFits, ...] = ()


def _row(**values) -> dict:
    row = dict.fromkeys(COLUMNS, np.nan)
    row.update(values)
    return row


def _gray(df, ctx, spec: CIFSpec, where: str | None, notes: list[str]) -> GrayTests | None:
    if spec.group is None or not spec.gray:
        return None
    if df[spec.group].nunique() < 2:
        present = df[spec.group].iloc[0]
        labels = spec.labels or group_labels(ctx, spec.group, [present])
        absent = [name for level, name in labels.items() if level != present]
        notes.append(one_group_note(where, labels[present], absent, "Gray's test"))
        return None
    if not (df["cause"] > 0).any():
        in_where = f" in {where}" if where else ""
        notes.append(f"Gray's test not done{in_where}: no events")
        return None
    return gray_test(df, time=spec.time, event="cause", group=spec.group)


def _time_points(df, spec: CIFSpec, cif: CIF, days: np.ndarray) -> list[tuple]:
    """Per group level: the time points' numbers at risk, estimability and incidences.

    Each item is ``(n_risk, longest, estimable, at)``: the patients followed to each time
    point, the longest time, whether each estimate is estimable, and the incidences of every
    cause at the time points (``CIF.at`` rows of the group).

    Past a group's follow-up (0 at risk) an estimate is not estimable, unless every patient
    still followed at the end had an event there: the incidences are then final (all-cause
    survival 0), and the estimate is the one at the end of follow-up (cmprsk gives NA).
    """
    times = df[spec.time].to_numpy(dtype=float)
    causes = df["cause"].to_numpy()
    out = []
    for level in cif.groups:
        mine = np.ones(len(df), dtype=bool)
        if level is not None:
            mine = (df[spec.group] == level).to_numpy(dtype=bool)
        t, c = times[mine], causes[mine]
        longest = float(t.max())
        final = bool((c[t == longest] > 0).all())
        n_risk = (t[:, None] >= days[None, :]).sum(axis=0)
        at = cif.at(np.where((n_risk == 0) & final, longest, days))
        if level is not None:
            at = at[(at["group"] == level).to_numpy(dtype=bool)]
        out.append((n_risk, longest, (n_risk > 0) | final, at))
    return out


def _fit(df, ctx, spec: CIFSpec, sub_label, notes) -> tuple[CIFBlock, list[dict]]:
    """Cumulative incidence of one block and Gray's test, and its rows."""
    where = f" in {sub_label}" if sub_label else ""
    cif = cumulative_incidence(
        df,
        time=spec.time,
        event="cause",
        group=spec.group,
        conf_level=spec.conf_level,
        conf_type=spec.conf_type,
    )
    gray = _gray(df, ctx, spec, sub_label, notes)
    labels = spec.labels or group_labels(ctx, spec.group, cif.groups)
    block = CIFBlock(sub_label, cif, gray, labels)
    names, years = spec.causes, spec.years
    days = years_to_days(np.asarray(years, dtype=float))
    grouped = spec.group is not None
    points = _time_points(df, spec, cif, days)
    for level, (_, longest, estimable, _) in zip(cif.groups, points, strict=True):
        beyond = [t for t, ok in zip(years, estimable, strict=True) if not ok]
        if beyond:
            label = block.labels[level] if grouped else None
            text = beyond_text(label, sub_label, beyond[0], to_months(longest), bool(spec.landmark))
            notes.append(beyond_note(text, beyond))
    rows = []
    for c in names:
        if c not in cif.causes:
            notes.append(
                f"0 {names[c].lower()} events{where}: its cumulative incidence is 0 throughout "
                "the follow-up"
            )
        for level, (n_risk, longest, estimable, at) in zip(cif.groups, points, strict=True):
            g_rows = cif.table if level is None else cif.table[cif.table["group"] == level]
            base = {
                "subgroup": sub_label,
                "group": block.labels[level] if grouped else None,
                "cause": c,
                "cause_label": names[c],
                "n": len(df) if level is None else int((df[spec.group] == level).sum()),
                "n_events": int(g_rows.loc[g_rows["cause"] == c, "n_events"].sum()),
            }
            of_cause = at[at["cause"] == c]
            for k, t in enumerate(years):
                est = lo = hi = np.nan
                if c in cif.causes and estimable[k]:
                    r = of_cause.iloc[k]
                    est, lo, hi = r["estimate"], r["ci_lower"], r["ci_upper"]
                elif estimable[k]:
                    est = 0.0  # no event of this cause: 0 throughout, with no interval
                rows.append(
                    _row(
                        measure="cumulative incidence",
                        time_years=float(t),
                        n_risk=int(n_risk[k]),
                        longest_follow_up_months=to_months(longest),
                        estimate=est,
                        ci_lower=lo,
                        ci_upper=hi,
                        **base,
                    )
                )
        if gray is not None and c in gray.tests:
            g = gray[c]
            rows.append(
                _row(
                    subgroup=sub_label,
                    group=None,
                    cause=c,
                    cause_label=names[c],
                    measure="Gray's test",
                    n=cif.n,
                    n_events=int((df["cause"] == c).sum()),
                    test_statistic=float(g.statistic),
                    dof=float(g.dof),
                    p_value=float(g.p_value),
                )
            )
    return block, rows


def _fit_table(
    table_id: str, analysis, ctx, data, spec: CIFSpec, notes
) -> tuple[CIFFits, pd.DataFrame]:
    """The blocks of one table (a fit per subgroup level) and its data."""
    fitted, rows = [], []
    for level, part in blocks(data, analysis.subgroup):
        sub_label = None if level is None else ctx.level_label(analysis.subgroup, level)
        block, block_rows = _fit(part, ctx, spec, sub_label, notes)
        fitted.append(block)
        rows += block_rows
    table = pd.DataFrame(rows, columns=list(COLUMNS))
    table = table.astype({"cause": "int64", "n": "int64", "n_events": "int64"})
    if spec.landmark is not None:
        table.insert(0, "landmark_day", spec.landmark.day)
    return CIFFits(table_id, spec, tuple(fitted)), table


def run_cumulative_incidence(analysis, ctx) -> CumulativeResult:
    """Competing-risks cumulative incidence of an endpoint (plan kind ``cumulative_incidence``).

    Parameters
    ----------
    analysis : cartkit.plan.schema.CumulativeIncidence
        The plan analysis.
    ctx : cartkit.runner.context.Context
        The datasets of the plan run.

    Returns
    -------
    CumulativeResult
        Table ``<id>`` with a fit per subgroup level; with a group that is an event after time
        zero (HSCT after CAR-T) also the landmark table ``<id>_landmark`` and its fits.
    """
    data, notes = analysed_rows(analysis, ctx)
    if data.empty:
        notes.append(f"No patient has {analysis.endpoint} data: nothing to estimate")
        return CumulativeResult(analysis=analysis, notes=notes)
    causes = cause_labels(analysis.endpoint)
    event = f"{causes[1].lower()} event"
    why_not = not_comparable(analysis, ctx, data, (data["cause"] == 1).to_numpy(), event)
    if why_not:
        notes.append(f"Not run: {why_not}")
        return CumulativeResult(analysis=analysis, n=len(data), notes=notes)
    conf_type = ctx.settings.km_conf_type
    if conf_type not in _CIF_CONF_TYPES:
        conf_type = "log-log"
    spec = CIFSpec(
        time="AVAL",
        group=analysis.group,
        causes=causes,
        years=time_points(analysis, ctx),
        conf_level=ctx.settings.conf_level,
        conf_type=conf_type,
        gray=analysis.gray,
    )
    found = [_fit_table(analysis.id, analysis, ctx, data, spec, notes)]
    if event_day_variable(analysis.group) is not None:
        at, more = len(notes), []
        try:
            rows = landmark_rows(analysis, ctx, data, spec.time, more)
        except DataError as exc:
            more.append(f"Landmark analysis not done: {exc}")
            rows = None
        if rows is not None:
            lm, landmark = rows
            lm_spec = replace(
                spec, time=LM_TIME, group=LM_GROUP, labels=landmark.labels, landmark=landmark
            )
            found.append(_fit_table(f"{analysis.id}_landmark", analysis, ctx, lm, lm_spec, more))
        notes += [about("Landmark", note) for note in more]
        day = None if rows is None else rows[1].day
        notes.insert(at, bias_note(analysis, ctx, landmark_day=day, simon_makuch=None))
    return CumulativeResult(
        analysis=analysis,
        n=len(data),
        notes=notes,
        data={fits.id: frame for fits, frame in found},
        fits=tuple(fits for fits, _ in found),
    )


RUNNERS = {"cumulative_incidence": run_cumulative_incidence}
