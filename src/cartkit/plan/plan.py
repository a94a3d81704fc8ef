"""Read, validate and write analysis plans (TOML).

Every problem of a plan is found in one pass and reported together, each with its location in
the TOML document (``analyses[3].endpoint: 'OSS' is not an endpoint; known: OS, LFS, ...``).
Variables outside the known vocabulary are warnings only: a user may add columns.
"""

from __future__ import annotations

import math
import tomllib
import warnings
from collections.abc import Mapping
from pathlib import Path

from ..errors import DataQualityWarning
from . import _toml
from ._validate import _ID, _Checker, _is_number, _near, _show
from .schema import (
    ANALYSIS_KINDS,
    HEADLINE_SHOWS,
    KNOWN_VARIABLES,
    RULES,
    DerivedVariable,
    HeadlineItem,
    Model,
    Plan,
    PlanError,
    Settings,
)

__all__ = [
    "check_plan",
    "load_plan",
    "plan_from_dict",
    "plan_to_dict",
    "plan_to_toml",
    "validate_plan",
]

_COMMON = ("id", "kind", "title", "source", "population")
_DERIVED_KEYS = ("name", "from", "rule", "value", "combine", "description")
_TOP_KEYS = ("name", "version", "settings", "derived", "analyses", "headline")
_HEADLINE_KEYS = ("label", "analysis", "where", "show", "column", "table")
_NUMERIC_RULES = ("below", "at_most", "above", "at_least")
# tags whose key must be given
_REQUIRED = {"var", "vars+", "endpoint", "pairs", "number"}


def _unknown_keys(ck: _Checker, where: str, table: dict, known) -> None:
    for k in table:
        if k not in known:
            prefix = f"{where}." if where else ""
            ck.fail(f"{prefix}{k}", f"unknown key{_near(k, known)}; known: {', '.join(known)}")


def _settings(ck: _Checker, data) -> Settings:
    if data is None:
        return Settings()
    if not isinstance(data, dict):
        ck.fail("settings", f"must be a table, got {_show(data)}")
        return Settings()
    _unknown_keys(ck, "settings", data, tuple(Settings.fields_))
    values = {}
    for key, tag in Settings.fields_.items():
        if key in data:
            got = ck.convert(f"settings.{key}", tag, data[key])
            if got is not None:
                values[key] = got
    return Settings(**values)


def _derived_value(ck: _Checker, at: str, rule, value, n_sources: int):
    if rule in _NUMERIC_RULES:
        if value == "median":
            return value
        if not _is_number(value) or not math.isfinite(value):
            return ck.fail(
                f"{at}.value", f'rule {rule!r} needs a number or "median", got {_show(value)}'
            )
        return float(value)
    if rule == "not":
        if value is not None:
            ck.fail(f"{at}.value", "rule 'not' takes no value")
        if n_sources != 1:
            ck.fail(f"{at}.from", "rule 'not' negates exactly one boolean variable")
        return None
    if rule == "log10":
        if value is not None:
            ck.fail(f"{at}.value", "rule 'log10' takes no value")
        if n_sources != 1:
            ck.fail(f"{at}.from", "rule 'log10' transforms exactly one numeric variable")
        return None

    def scalar(x) -> bool:
        # NaN never equals a value, so a rule comparing with it could never hold
        return isinstance(x, str | bool) or (_is_number(x) and math.isfinite(x))

    if rule == "equals":
        if not scalar(value):
            return ck.fail(
                f"{at}.value",
                f"rule 'equals' needs one text, number or boolean, got {_show(value)}",
            )
        return value
    if not isinstance(value, list) or not value or not all(scalar(x) for x in value):
        return ck.fail(
            f"{at}.value", f"rule 'in' needs a non-empty list of values, got {_show(value)}"
        )
    return tuple(value)


def _derived(ck: _Checker, data) -> tuple[DerivedVariable, ...]:
    if data is None:
        return ()
    if not isinstance(data, list):
        ck.fail("derived", f"must be an array of tables ([[derived]]), got {_show(data)}")
        return ()
    out, seen = [], {}
    for i, d in enumerate(data):
        at = f"derived[{i}]"
        if not isinstance(d, dict):
            ck.fail(at, f"must be a table, got {_show(d)}")
            continue
        _unknown_keys(ck, at, d, _DERIVED_KEYS)
        name = ck.text(f"{at}.name", d.get("name"))
        if name is not None:
            if not _ID.match(name):
                ck.fail(f"{at}.name", f"{name!r} must be letters, digits and _ (a column name)")
            elif name in KNOWN_VARIABLES:
                ck.fail(f"{at}.name", f"{name!r} is already a variable; choose another name")
            elif name in seen:
                ck.fail(f"{at}.name", f"{name!r} is also defined by derived[{seen[name]}]")
            seen.setdefault(name, i)
        src = d.get("from")
        src = [src] if isinstance(src, str) else src
        sources = ck.texts(f"{at}.from", src, nonempty=True)
        rule = ck.convert(f"{at}.rule", RULES, d.get("rule"))
        combine = ck.convert(f"{at}.combine", ("any", "all"), d.get("combine", "any"))
        desc = ck.text(f"{at}.description", d.get("description", ""), empty=True)
        value = None
        if rule is not None:
            value = _derived_value(ck, at, rule, d.get("value"), len(sources or ()))
        out.append(DerivedVariable(name, sources, rule, value, combine or "any", desc or ""))
    # derived variables are computed in order, so each may only use those defined before it
    for i, d in enumerate(out):
        for j, src in enumerate(d.source or ()):
            later = seen.get(src)
            if later is not None and later >= i:
                msg = (
                    f"{src!r} is the variable being defined; derive it from other variables"
                    if later == i
                    else f"{src!r} is derived[{later}], defined later; define it first"
                )
                ck.fail(f"derived[{i}].from[{j}]", msg)
    return tuple(out)


def _analysis(ck: _Checker, at: str, a):
    if not isinstance(a, dict):
        return ck.fail(at, f"must be a table, got {_show(a)}")
    kind = a.get("kind")
    cls = ANALYSIS_KINDS.get(kind) if isinstance(kind, str) else None
    if cls is None:
        known = ", ".join(ANALYSIS_KINDS)
        msg = "is missing" if kind is None else f"{_show(kind)} is not an analysis kind"
        return ck.fail(f"{at}.kind", f"{msg}; known: {known}{_near(kind, ANALYSIS_KINDS)}")
    n_before = len(ck.errors)
    _unknown_keys(ck, at, a, (*_COMMON, *cls.fields_))
    values = {
        "id": ck.text(f"{at}.id", a.get("id")),
        "title": ck.text(f"{at}.title", a.get("title")),
        "source": ck.text(f"{at}.source", a.get("source", ""), empty=True),
    }
    if values["id"] is not None and not _ID.match(values["id"]):
        ck.fail(
            f"{at}.id",
            f"{values['id']!r} must start with a letter and hold only letters, digits and _",
        )
    if "population" in a:
        values["population"] = ck.text(f"{at}.population", a["population"])
    for key, tag in cls.fields_.items():
        if key in a:
            values[key] = ck.convert(f"{at}.{key}", tag, a[key])
        elif tag in _REQUIRED:
            ck.fail(f"{at}.{key}", f"is required by kind {kind!r}")
    if values.get("group") and values.get("group") == values.get("subgroup"):
        ck.fail(f"{at}.subgroup", "must differ from group")
    if len(ck.errors) > n_before:
        return None
    return cls(**values)


def _headline(ck: _Checker, data, analysis_ids) -> tuple[HeadlineItem, ...]:
    if data is None:
        return ()
    if not isinstance(data, dict):
        ck.fail("headline", f"must be a table of [headline.<key>] tables, got {_show(data)}")
        return ()
    out = []
    for key, item in data.items():
        at = f"headline.{key}"
        if not _ID.match(key):
            ck.fail(at, f"{key!r} must start with a letter and hold only letters, digits and _")
            continue
        if not isinstance(item, dict):
            ck.fail(at, f"must be a table, got {_show(item)}")
            continue
        _unknown_keys(ck, at, item, _HEADLINE_KEYS)
        label = ck.text(f"{at}.label", item.get("label"))
        analysis = ck.text(f"{at}.analysis", item.get("analysis"))
        if analysis is not None and analysis not in analysis_ids:
            ck.fail(
                f"{at}.analysis",
                f"{analysis!r} is not the id of an analysis of this plan"
                f"{_near(analysis, analysis_ids)}",
            )
        show = ck.convert(f"{at}.show", tuple(HEADLINE_SHOWS), item.get("show", "number"))
        column = ck.text(f"{at}.column", item.get("column", "estimate"))
        table = item.get("table")
        if table is not None:
            table = ck.text(f"{at}.table", table)
        where = item.get("where", {})
        if not isinstance(where, dict) or not all(
            isinstance(v, str | bool) or (_is_number(v) and math.isfinite(v))
            for v in where.values()
        ):
            ck.fail(
                f"{at}.where",
                f"must be an inline table of column = text, number or boolean, got {_show(where)}",
            )
            where = {}
        out.append(
            HeadlineItem(
                key=key,
                label=label or "",
                analysis=analysis or "",
                where=tuple(where.items()),
                show=show or "number",
                column=column or "estimate",
                table=table,
            )
        )
    return tuple(out)


def plan_from_dict(data: Mapping, *, source: str | None = None) -> Plan:
    """Build and validate a plan from its TOML structure (a mapping as ``tomllib`` returns).

    Parameters
    ----------
    data : mapping
        Keys ``name``, ``version``, ``settings``, ``derived``, ``analyses``, ``headline`` (see
        docs/plan.md).
    source : str, optional
        Where the data came from, for the error message.

    Returns
    -------
    Plan

    Raises
    ------
    PlanError
        Listing every problem, each with its location.

    Warns
    -----
    DataQualityWarning
        For variables outside ADSL, the runner's variables and the plan's derived variables.
    """
    ck = _Checker()
    if not isinstance(data, Mapping):
        raise PlanError([f"(plan): must be a table of keys, got {_show(data)}"], source)
    data = dict(data)
    _unknown_keys(ck, "", data, _TOP_KEYS)
    name = ck.text("name", data.get("name"))
    version = data.get("version", "1")
    version = ck.text("version", version)
    settings = _settings(ck, data.get("settings"))
    derived = _derived(ck, data.get("derived"))
    raw = data.get("analyses")
    analyses = []
    if not isinstance(raw, list) or not raw:
        ck.fail("analyses", f"must be a non-empty array of tables ([[analyses]]), got {_show(raw)}")
        raw = []
    first: dict[str, int] = {}
    for i, a in enumerate(raw):
        got = _analysis(ck, f"analyses[{i}]", a)
        if got is not None:
            analyses.append(got)
        aid = a.get("id") if isinstance(a, dict) else None
        if isinstance(aid, str) and aid in first:
            ck.fail(
                f"analyses[{i}].id",
                f"{aid!r} is also the id of analyses[{first[aid]}]; ids must be unique",
            )
        if isinstance(aid, str):
            first.setdefault(aid, i)
    headline = _headline(ck, data.get("headline"), list(first))
    if ck.errors:
        raise PlanError(ck.errors, source)
    plan = Plan(name, version, settings, derived, tuple(analyses), headline)
    notes = check_plan(plan)
    if notes:
        warnings.warn(
            "analysis plan names variables that are not ADSL columns, runner variables or "
            "derived variables (add them as columns, or fix the names):\n  - "
            + "\n  - ".join(notes),
            DataQualityWarning,
            stacklevel=2,
        )
    return plan


def _names(plan: Plan):
    """(location, variable name) of every variable a plan refers to."""
    for i, d in enumerate(plan.derived):
        for j, s in enumerate(d.source):
            yield f"derived[{i}].from[{j}]", s
    for i, a in enumerate(plan.analyses):
        at = f"analyses[{i}]"
        if a.population is not None:
            yield f"{at}.population", a.population
        for key, tag in a.fields_.items():
            v = getattr(a, key)
            if tag in ("var", "var?") and v is not None:
                yield f"{at}.{key}", v
            elif tag in ("vars", "vars+"):
                yield from ((f"{at}.{key}[{j}]", x) for j, x in enumerate(v))
            elif tag == "pairs":
                for j, p in enumerate(v):
                    yield from ((f"{at}.{key}[{j}][{k}]", x) for k, x in enumerate(p))
            elif tag == "models":
                for j, m in enumerate(v):
                    for k, x in enumerate(m.covariates):
                        yield f"{at}.{key}[{j}].covariates[{k}]", x


def check_plan(plan: Plan) -> tuple[str, ...]:
    """Variables a plan names that are not known: ADSL, runner or its own derived variables.

    Parameters
    ----------
    plan : Plan

    Returns
    -------
    tuple of str
        One located line per unknown name (empty when every name is known).
    """
    known = set(KNOWN_VARIABLES) | {d.name for d in plan.derived}
    return tuple(
        f"{where}: {name!r} is not a known variable{_near(name, known)}"
        for where, name in _names(plan)
        if name not in known
    )


def _is_file(text: str) -> bool:
    try:
        return Path(text).is_file()
    except (OSError, ValueError):  # NUL bytes, names too long
        return False


def _read(plan) -> tuple[dict, str | None]:
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
        return tomllib.loads(text), source
    except tomllib.TOMLDecodeError as exc:
        raise PlanError([f"(toml): not valid TOML: {exc}"], source) from None


def load_plan(plan: str | Path) -> Plan:
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
    data, source = _read(plan)
    return plan_from_dict(data, source=source)


def plan_to_dict(plan: Plan) -> dict:
    """The TOML structure of a plan (what :func:`plan_from_dict` reads back)."""
    out = {"name": plan.name, "version": plan.version}
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
        for key in a.fields_:
            v = getattr(a, key)
            if v is not None:
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


def validate_plan(plan: Plan) -> Plan:
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
    return plan_from_dict(data)
