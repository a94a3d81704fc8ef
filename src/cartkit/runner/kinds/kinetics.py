"""The ``kinetics`` kind: NCA parameters overall (with the profile figures) and by subgroup.

Overall, each parameter is summarised by :func:`cartkit.summarize_nca` (median and range, and
the geometric mean and geometric CV% of concentrations and AUCs). With subgroups the layout is
the paper's Table 3: each parameter summarised within every level of each subgroup variable,
with its group test (:func:`cartkit.comparisons`, Mann-Whitney by default). The tables and
figures are printed by :mod:`cartkit.report.sections.kinetics`.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

import pandas as pd

from ..._core.results import FrozenMap, Test
from ...comparisons import compare
from ...derive.registry import response_variables
from ...errors import DataError
from ...kinetics import summarize_nca
from ...plan.schema import Kinetics
from ..context import Context
from ..nca_names import geometric, parameter_label, parameter_short
from ..results import KindResult

__all__ = [
    "MAX_LEVELS",
    "RUNNERS",
    "SUBGROUP_COLUMNS",
    "KineticsResult",
    "KineticsSubgroupResult",
    "Subgroup",
    "persisting_note",
    "run_kinetics",
]

#: most levels a subgroup variable may have (more is a continuous variable, not a subgroup)
MAX_LEVELS = 10
#: ck.compare's name of the test each plan option requests (None: the normality rule chooses)
_PLAN_TESTS = {"mann_whitney": "mannwhitney", "auto": None}
#: columns of the ``data`` of a table by subgroup
SUBGROUP_COLUMNS = (
    "subgroup", "subgroup_label", "level", "level_label", "parameter", "n", "n_positive",
    "median", "min", "max", "geo_mean", "geo_cv_pct", "p_value", "test",
)  # fmt: skip
_NOT_DRAWABLE = "kinetics has no sample with a day and a concentration to draw"


@dataclass(frozen=True, kw_only=True)
class KineticsResult(KindResult):
    """NCA parameters of all analysed patients, and the samples their profiles are drawn from.

    ``data[analysis.id]`` has one row per parameter: ``parameter``, ``label`` and the columns
    of :func:`cartkit.summarize_nca` (``n``, ``n_positive``, ``median``, ``min``, ``max``,
    ``geo_mean``, ``geo_cv_pct``).

    Attributes
    ----------
    samples : pandas.DataFrame or None
        The kinetics samples of the analysed patients (``patient_id, day, copies_per_ug``),
        drawn as one profile per patient; None when there is no profile to draw (the notes
        say why).
    response : str or None
        The response variable the profiles are also drawn by (the registry's first response
        variable with two levels among these patients), or None.
    response_levels : pandas.Series or None
        Level of ``response`` of each analysed patient whose level is known, indexed by
        patient id: the patients drawn in the profiles by response.
    """

    samples: pd.DataFrame | None = None
    response: str | None = None
    response_levels: pd.Series | None = None


@dataclass(frozen=True)
class Subgroup:
    """One subgroup variable of a kinetics table: its levels and the test of each parameter.

    Attributes
    ----------
    variable : str
        The subgroup variable.
    levels : tuple
        Its levels among the analysed patients with a known value, in the order of the table
        (the order :func:`cartkit.compare` uses).
    n : tuple of int
        Patients in each level.
    tests : mapping of str to Test
        The group test of each parameter that could be tested, by parameter.
    """

    variable: str
    levels: tuple = ()
    n: tuple[int, ...] = ()
    tests: Mapping[str, Test] = field(default_factory=dict)

    def __post_init__(self) -> None:
        object.__setattr__(self, "tests", FrozenMap(self.tests))


@dataclass(frozen=True, kw_only=True)
class KineticsSubgroupResult(KindResult):
    """NCA parameters within the levels of each subgroup variable, with their group tests.

    ``data[analysis.id]`` has :data:`SUBGROUP_COLUMNS`: per subgroup variable, one row per
    level and parameter (levels in order, parameters in the plan's order within a level).

    Attributes
    ----------
    subgroups : tuple of Subgroup
        The subgroup variables shown, in the plan's order (one that could not be shown is
        left out, and a note says why).
    """

    subgroups: tuple[Subgroup, ...] = ()


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


def persisting_note(ctx: Context, ids) -> list[str]:
    """A note on the patients of ``ids`` whose last sample was quantifiable (Tlast censored)."""
    if ctx.nca is None or "persisting" not in ctx.nca:
        return []
    flags = ctx.nca.set_index("patient_id")["persisting"].reindex(pd.Index(ids))
    k = int(flags.fillna(False).astype(bool).sum())
    if not k:
        return []
    return [
        f"Tlast: {k} patient(s) still had a quantifiable level at their last sample, so their "
        "Tlast is a lower bound (persistence ongoing at the last sample)"
    ]


def _missing_notes(summaries: pd.DataFrame, n_patients: int, ctx: Context, summary: str):
    notes = []
    window = ctx.settings.nca_window
    for row in summaries.itertuples(index=False):
        name = parameter_short(row.parameter, window)
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
    window = ctx.settings.nca_window
    data.insert(1, "label", [parameter_label(p, window, ctx.names) for p in params])
    return data.reset_index(drop=True), _missing_notes(summaries, len(pats), ctx, analysis.summary)


def _drawable(samples: pd.DataFrame) -> bool:
    # what report.figures.kinetics_figure needs: a sample with a day and a level
    return bool(samples[["day", "copies_per_ug"]].notna().all(axis=1).any())


def _response(ctx: Context, ids: pd.Series) -> tuple[str | None, pd.Series | None]:
    """The first response variable of the registry with two levels among ``ids``."""
    for var in response_variables():
        if var not in ctx.patients:
            continue
        values = ctx.patients.set_index("patient_id")[var].reindex(ids)
        if values.dropna().nunique() >= 2:
            return var, values.dropna()
    return None, None


def _profiles(ctx: Context, pats: pd.DataFrame) -> tuple[dict, list[str]]:
    """The samples and response groups the profiles are drawn from, and notes on who is not."""
    if ctx.kinetics is None or pats.empty:
        return {}, ["no kinetics samples to draw"]
    samples = ctx.kinetics[ctx.kinetics["patient_id"].isin(pats["patient_id"])]
    if not _drawable(samples):
        return {}, [f"kinetic profiles not drawn: {_NOT_DRAWABLE}"]
    found = {"samples": samples}
    var, levels = _response(ctx, pats["patient_id"])
    if var is None:
        return found, [
            "kinetic profiles by day-28 response not drawn: no response variable ("
            + ", ".join(response_variables())
            + ") has two levels among these patients"
        ]
    notes = []
    unknown = len(pats) - len(levels)
    if unknown:
        notes.append(
            f"{unknown} patient(s) with unknown {ctx.label(var)} are not in the profiles "
            "by response"
        )
    if not _drawable(samples[samples["patient_id"].isin(levels.index)]):
        notes.append(f"kinetic profiles by {ctx.label(var)} not drawn: {_NOT_DRAWABLE}")
        return found, notes
    return {**found, "response": var, "response_levels": levels}, notes


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


def _one_level_note(ctx: Context, var: str, level, n: int) -> str:
    """The one note on a subgroup with one level: nothing to compare, said with its labels."""
    label = ctx.label(var)
    return (
        f"{label}: one group only, so no test (all {n} patients with kinetics: "
        f"{ctx.level_label(var, level)})"
    )


def _subgroup(analysis: Kinetics, ctx: Context, pats: pd.DataFrame, var: str):
    """Data rows, the :class:`Subgroup` and the notes of one subgroup variable."""
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
    summaries = summarize_nca(sub, group=var, parameters=params) if levels else None
    tests: dict[str, Test] = {}
    if len(levels) == 1:  # no level at all: the note on unknown values says it
        notes.append(_one_level_note(ctx, var, levels[0], len(sub)))
    for p in params if len(levels) > 1 else ():
        try:
            tests[p] = _test_one(sub, p, var, _PLAN_TESTS[analysis.test], len(levels), ctx)
        except DataError as err:
            window = ctx.settings.nca_window
            notes.append(f"{label}, {parameter_short(p, window)}: no test ({err})")
    rows = []
    for level in levels:
        for p in params:
            s = summaries[(summaries["parameter"] == p) & (summaries["group"] == level)].iloc[0]
            t = tests.get(p)
            rows.append(
                {
                    "subgroup": var, "subgroup_label": label, "level": str(level),
                    "level_label": ctx.level_label(var, level), "parameter": p,
                    "n": int(s["n"]), "n_positive": int(s["n_positive"]),
                    "median": s["median"], "min": s["min"], "max": s["max"],
                    "geo_mean": s["geo_mean"], "geo_cv_pct": s["geo_cv_pct"],
                    "p_value": float("nan") if t is None else t.p_value,
                    "test": "" if t is None else t.test,
                }
            )  # fmt: skip
    n = tuple(int((sub[var] == level).sum()) for level in levels)
    return rows, Subgroup(var, tuple(levels), n, tests), notes


def _by_subgroup(analysis: Kinetics, ctx: Context, pats: pd.DataFrame):
    rows, subgroups, notes = [], [], []
    for var in analysis.subgroups:
        try:
            more_rows, subgroup, more = _subgroup(analysis, ctx, pats, var)
        except DataError as err:
            notes.append(f"subgroup {ctx.label(var)} not shown: {err}")
            continue
        rows += more_rows
        subgroups.append(subgroup)
        notes += more
    return pd.DataFrame(rows, columns=list(SUBGROUP_COLUMNS)), tuple(subgroups), notes


def run_kinetics(analysis: Kinetics, ctx: Context) -> KineticsResult | KineticsSubgroupResult:
    """NCA parameters overall with the profiles' samples, or by subgroup with tests (Table 3).

    Parameters
    ----------
    analysis : cartkit.plan.schema.Kinetics
        The plan analysis.
    ctx : cartkit.runner.context.Context
        The run's datasets; ``ctx.nca`` holds the parameters computed with the plan's window,
        LLOQ and AUC method.

    Returns
    -------
    KineticsResult or KineticsSubgroupResult
        Without subgroups, the summary of each parameter and the samples of the profile
        figures (overall, and by day-28 response); with subgroups, the summaries and tests
        within each subgroup (:class:`KineticsSubgroupResult`).

    Raises
    ------
    DataError
        The study has no kinetics table.
    """
    pats, notes = _analysed(analysis, ctx)
    if "tlast" in analysis.parameters:
        notes += persisting_note(ctx, pats["patient_id"])
    if analysis.subgroups:
        data, subgroups, more = _by_subgroup(analysis, ctx, pats)
        return KineticsSubgroupResult(
            analysis=analysis,
            n=len(pats),
            notes=[*notes, *more],
            data={analysis.id: data},
            subgroups=subgroups,
        )
    data, more = _overall_table(analysis, ctx, pats)
    profiles, drawn = _profiles(ctx, pats)
    return KineticsResult(
        analysis=analysis,
        n=len(pats),
        notes=[*notes, *more, *drawn],
        data={analysis.id: data},
        **profiles,
    )


RUNNERS = {"kinetics": run_kinetics}
