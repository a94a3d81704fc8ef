"""Read, validate and write analysis plans (TOML).

Every problem of a plan is found in one pass and reported together, each with its line in the
file and its location in the TOML document (``line 241: analyses[12].covariates[0]:
'bca_duraton_days' is not a variable of the analysis dataset (did you mean
'bca_duration_days'?)``). A plan is strict: an unknown key, kind, option or variable is an
error, never a warning, so no analysis runs without what it was asked for.
"""

from __future__ import annotations

import tomllib
from collections.abc import Iterable, Mapping
from pathlib import Path

from . import _toml
from ._locate import with_lines
from ._parse import parse_plan
from ._reference import reference_to_dict
from ._validate import _Checker, _show
from ._variables import unknown_variables
from .schema import Model, Plan, PlanError, Settings

__all__ = [
    "check_plan",
    "load_plan",
    "plan_from_dict",
    "plan_to_dict",
    "plan_to_toml",
    "validate_plan",
]


def plan_from_dict(
    data: Mapping, *, source: str | None = None, variables: Iterable[str] = ()
) -> Plan:
    """Build and validate a plan from its TOML structure (a mapping as ``tomllib`` returns).

    Parameters
    ----------
    data : mapping
        Keys ``name``, ``version``, ``title``, ``settings``, ``derived``, ``analyses``,
        ``headline``, ``reference`` (see docs/plan.md).
    source : str, optional
        Where the data came from, for the error message.
    variables : iterable of str
        Further variables the plan may name: columns a study adds to its patients table.

    Returns
    -------
    Plan

    Raises
    ------
    PlanError
        Listing every problem, each with its location: unknown keys, kinds, options, values,
        and variables that are not in the analysis dataset (ADSL, the patient variables, the
        plan's derived variables or ``variables``), each with the closest valid name.
    """
    if not isinstance(data, Mapping):
        raise PlanError([f"(plan): must be a table of keys, got {_show(data)}"], source)
    ck = _Checker()
    plan, positions = parse_plan(ck, data)
    problems = [*ck.errors, *unknown_variables(plan, variables, positions)]
    if problems:
        raise PlanError(problems, source)
    return plan


def check_plan(plan: Plan, variables: Iterable[str] = ()) -> tuple[str, ...]:
    """Variables a plan names that are not known, one located line each (empty when none).

    Parameters
    ----------
    plan : Plan
    variables : iterable of str
        Further known variables (columns a study adds to its patients table).

    Returns
    -------
    tuple of str
    """
    return unknown_variables(plan, variables)


def _is_file(text: str) -> bool:
    try:
        return Path(text).is_file()
    except (OSError, ValueError):  # NUL bytes, names too long
        return False


def _read(plan) -> tuple[dict, str | None, str]:
    one_line = isinstance(plan, str) and "\n" not in plan
    if isinstance(plan, Path) or (one_line and ("=" not in plan or _is_file(plan))):
        path = Path(plan)
        try:
            text = path.read_text(encoding="utf-8")
        except (OSError, ValueError) as exc:
            raise PlanError([f"(file): cannot read the plan file {str(path)!r}: {exc}"]) from None
        source = str(path)
    elif isinstance(plan, str):
        text, source = plan, None
    else:
        raise PlanError([f"(plan): give a path or TOML text, got {type(plan).__name__}"])
    try:
        return tomllib.loads(text), source, text
    except tomllib.TOMLDecodeError as exc:
        raise PlanError([f"(toml): not valid TOML: {exc}"], source) from None


def load_plan(plan: str | Path, *, variables: Iterable[str] = ()) -> Plan:
    """Read and validate an analysis plan.

    Parameters
    ----------
    plan : str or pathlib.Path
        A path to a ``.toml`` file, or the TOML text itself (a one-line string without ``=``,
        or naming an existing file, is a path; any other string is TOML text).

    Returns
    -------
    Plan

    Raises
    ------
    PlanError
        Listing every problem at once, each with its TOML location.
    """
    data, source, text = _read(plan)
    try:
        return plan_from_dict(data, source=source, variables=variables)
    except PlanError as err:
        raise PlanError(with_lines(err.problems, text), source) from None


def plan_to_dict(plan: Plan) -> dict:
    """The TOML structure of a plan (what :func:`plan_from_dict` reads back)."""
    out = {"name": plan.name, "version": plan.version}
    if plan.title is not None:
        out["title"] = plan.title
    out["settings"] = {k: _plain(getattr(plan.settings, k)) for k in Settings.fields_}
    derived = []
    for d in plan.derived:
        row = {"name": d.name, "from": list(d.source), "rule": d.rule}
        if d.value is not None:
            row["value"] = _plain(d.value)
        if d.combine != "any":
            row["combine"] = d.combine
        if d.description:
            row["description"] = d.description
        derived.append(row)
    if derived:
        out["derived"] = derived
    analyses = []
    for a in plan.analyses:
        row = {"id": a.id, "kind": a.kind, "title": a.title, "source": a.source}
        if a.population is not None:
            row["population"] = a.population
        for key, tag in a.fields_.items():
            v = getattr(a, key)
            if tag == "ck_effects":
                row[key] = {param: list(names) for param, names in v}
            elif v is not None:
                row[key] = _plain(v)
        analyses.append(row)
    out["analyses"] = analyses
    if plan.headline:
        out["headline"] = {
            h.key: {
                "label": h.label,
                "analysis": h.analysis,
                "where": dict(h.where),
                "show": h.show,
                "column": h.column,
                **({"table": h.table} if h.table is not None else {}),
            }
            for h in plan.headline
        }
    if plan.reference is not None:
        out["reference"] = reference_to_dict(plan.reference)
    return out


def _plain(v):
    if isinstance(v, Model):
        return {"name": v.name, "covariates": list(v.covariates)}
    if isinstance(v, tuple | list):
        return [_plain(x) for x in v]
    return v


def plan_to_toml(plan: Plan) -> str:
    """TOML text of a plan; ``load_plan(plan_to_toml(p)) == p`` for every valid plan."""
    return _toml.dumps(plan_to_dict(plan))


def validate_plan(plan: Plan, *, variables: Iterable[str] = ()) -> Plan:
    """Validate a plan built in Python, as :func:`load_plan` validates a file.

    Raises
    ------
    PlanError
        Listing every problem, located as in the plan's TOML form.
    """
    if not isinstance(plan, Plan):
        raise PlanError([f"(plan): expected a Plan, got {type(plan).__name__}"])
    try:
        data = plan_to_dict(plan)
    except (AttributeError, TypeError) as exc:
        raise PlanError([f"(plan): cannot read the plan's fields: {exc}"]) from None
    return plan_from_dict(data, variables=variables)
