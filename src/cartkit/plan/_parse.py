"""Parsing a plan's TOML structure into plan values, every problem collected with its location."""

from __future__ import annotations

import math
from collections.abc import Mapping

from ._reference import parse_reference
from ._validate import _ID, _Checker, _is_number, _near, _show
from .schema import (
    ANALYSIS_KINDS,
    HEADLINE_SHOWS,
    KNOWN_VARIABLES,
    RULES,
    DerivedVariable,
    HeadlineItem,
    Plan,
    Settings,
)

__all__ = ["parse_plan"]

_COMMON = ("id", "kind", "title", "source", "population")
_DERIVED_KEYS = ("name", "from", "rule", "value", "combine", "description")
_TOP_KEYS = ("name", "version", "title", "settings", "derived", "analyses", "headline", "reference")
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
    if len(ck.errors) == n_before:
        for key, message in cls.cross_check(values):
            ck.fail(f"{at}.{key}", message)
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


def parse_plan(ck: _Checker, data: Mapping) -> tuple[Plan, tuple[int, ...]]:
    """The plan of a TOML structure, problems collected in ``ck``, and where its analyses are.

    With problems, the plan holds what could be parsed (to find more problems in it, such as
    the variables its valid analyses name); it is not a valid plan. The positions are the
    index in the file's ``[[analyses]]`` of each analysis of the plan.
    """
    data = dict(data)
    _unknown_keys(ck, "", data, _TOP_KEYS)
    name = ck.text("name", data.get("name"))
    version = data.get("version", "1")
    version = ck.text("version", version)
    title = ck.text("title", data["title"]) if "title" in data else None
    settings = _settings(ck, data.get("settings"))
    derived = _derived(ck, data.get("derived"))
    raw = data.get("analyses")
    analyses, positions = [], []
    if not isinstance(raw, list) or not raw:
        ck.fail("analyses", f"must be a non-empty array of tables ([[analyses]]), got {_show(raw)}")
        raw = []
    first: dict[str, int] = {}
    for i, a in enumerate(raw):
        got = _analysis(ck, f"analyses[{i}]", a)
        if got is not None:
            analyses.append(got)
            positions.append(i)
        aid = a.get("id") if isinstance(a, dict) else None
        if isinstance(aid, str) and aid in first:
            ck.fail(
                f"analyses[{i}].id",
                f"{aid!r} is also the id of analyses[{first[aid]}]; ids must be unique",
            )
        if isinstance(aid, str):
            first.setdefault(aid, i)
    headline = _headline(ck, data.get("headline"), list(first))
    reference = parse_reference(ck, data.get("reference"), headline)
    plan = Plan(name, version, settings, derived, tuple(analyses), headline, title, reference)
    return plan, tuple(positions)
