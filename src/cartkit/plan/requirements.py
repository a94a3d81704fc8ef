"""Which study tables each analysis of a plan needs, and what a study without them loses.

Every variable knows the tables it is derived from (:mod:`cartkit.derive.registry`); a derived
variable needs what its sources need; an endpoint needs the tables of its events (persistence:
kinetics). An analysis whose main variable (an endpoint, an outcome, a group, the NCA
parameters) cannot be derived cannot run; one that lists several variables runs without those
that cannot. ``cartkit validate`` and the report's "Not run" list say so before anything runs.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from ..derive.registry import ENDPOINT_TABLES, VARIABLES
from .schema import Plan

__all__ = ["ABSENT_TABLE_EFFECTS", "OPTIONAL_TABLES", "Gap", "plan_gaps", "variable_tables"]

#: the study tables a study may leave out (patients and events are required)
OPTIONAL_TABLES = (
    "kinetics",
    "mrd",
    "marrow",
    "labs",
    "crs",
    "icans",
    "adverse_events",
    "medications",
)
#: what a study without an optional table loses beyond whole variables: a derivation that still
#: runs, but less finely
ABSENT_TABLE_EFFECTS = {
    "labs": (
        "without the labs table, CR and CRi cannot be told apart (they differ by the blood "
        "counts): day-28 remissions are CR/CRi, undecided (CR/CRi and MRD-negative CR/CRi "
        "rates are unaffected)"
    ),
}
# keys whose one variable the analysis cannot do without
_MAIN_TAGS = ("var", "var?", "endpoint", "nca+")


@dataclass(frozen=True)
class Gap:
    """What an analysis loses in a study that lacks some optional tables.

    Attributes
    ----------
    analysis_id : str
    cannot_run : str
        Why it cannot run at all ("" when it can).
    without : tuple of str
        The variables it runs without, each with the tables it would need.
    missing : tuple of str
        The absent tables it needs (for the summary).
    """

    analysis_id: str
    cannot_run: str = ""
    without: tuple[str, ...] = ()
    missing: tuple[str, ...] = ()


def variable_tables(name: str, plan: Plan) -> tuple[tuple[str, ...], ...]:
    """The table groups a variable needs: every group, any table of a group."""
    derived = {d.name: d for d in plan.derived}
    seen: set[str] = set()

    def needs(var: str) -> list[tuple[str, ...]]:
        if var in seen:
            return []
        seen.add(var)
        if var in derived:
            return [g for source in derived[var].source for g in needs(source)]
        known = VARIABLES.get(var)
        return list(known.tables) if known is not None else []

    return tuple(dict.fromkeys(needs(name)))


def _unmet(groups, present: set[str]) -> list[str]:
    return [" or ".join(g) for g in groups if not present.intersection(g)]


def _named(analysis) -> tuple[list[tuple[str, str]], list[tuple[str, ...]], int]:
    """(main, units, n_optional): the (key, variable) pairs the analysis needs, its units.

    A unit is what a list loses as one: a variable of a list, or a pair of a correlation. The
    last ``n_optional`` units are extras the analysis runs without (covariates of a kinetic
    model): losing all of them does not stop it.
    """
    main, units, optional = [], [], []
    for key, tag in analysis.fields_.items():
        value = getattr(analysis, key)
        if value is None:
            continue
        if tag in ("var", "var?"):
            main.append((key, value))
        elif tag in ("vars", "vars+"):
            units += [(v,) for v in value]
        elif tag == "pairs":
            units += [tuple(pair) for pair in value]
        elif tag == "models":
            units += [(v,) for m in value for v in m.covariates]
        elif tag == "ck_effects":
            # optional units: a kinetic model without its covariates still runs
            optional += [(v,) for _param, names in value for v in names]
    if analysis.population is not None:
        main.append(("population", analysis.population))
    units, optional = list(dict.fromkeys(units)), list(dict.fromkeys(optional))
    return main, units + optional, len(optional)


def _gap(analysis, plan: Plan, present: set[str]) -> Gap:
    main, units, n_optional = _named(analysis)
    reasons, missing = [], []
    unmet = _unmet(analysis.needs_tables, present)
    if unmet:
        reasons.append(f"it needs the {', '.join(unmet)} table")
        missing += unmet
    for key, tag in analysis.fields_.items():
        value = getattr(analysis, key)
        if tag == "endpoint" and value in ENDPOINT_TABLES:
            unmet = _unmet(ENDPOINT_TABLES[value], present)
            if unmet:
                reasons.append(f"the {value} endpoint needs the {', '.join(unmet)} table")
                missing += unmet
        elif tag == "nca+":
            if "kinetics" not in present:
                reasons.append("NCA parameters need the kinetics table")
                missing.append("kinetics")
    for key, var in main:
        unmet = _unmet(variable_tables(var, plan), present)
        if unmet:
            reasons.append(f"{key} {var!r} needs the {', '.join(unmet)} table")
            missing += unmet
    without, lost_units = {}, 0
    n_required = len(units) - n_optional
    for k, unit in enumerate(units):
        lost = False
        for var in unit:
            unmet = _unmet(variable_tables(var, plan), present)
            if unmet:
                lost = True
                without.setdefault(var, f"{var} (needs {', '.join(unmet)})")
                missing += unmet
        lost_units += lost and k < n_required
    if n_required and lost_units == n_required and not reasons:
        tables = " or ".join(dict.fromkeys(missing))
        reasons.append(f"none of its variables can be derived without the {tables} table")
    return Gap(
        analysis.id,
        cannot_run="; ".join(reasons),
        without=tuple(without.values()) if not reasons else (),
        missing=tuple(dict.fromkeys(missing)),
    )


def plan_gaps(plan: Plan, tables: Iterable[str]) -> tuple[Gap, ...]:
    """The analyses of ``plan`` that a study with ``tables`` cannot run, or runs in part.

    Parameters
    ----------
    plan : Plan
    tables : iterable of str
        The names of the tables the study has.

    Returns
    -------
    tuple of Gap
        One per analysis that loses something, in plan order.
    """
    present = set(tables)
    gaps = (_gap(a, plan, present) for a in plan.analyses)
    return tuple(g for g in gaps if g.cannot_run or g.without)
