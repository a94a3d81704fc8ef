"""The variables a plan names, and those it names that a study does not have."""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence

from ._validate import _near
from .schema import KNOWN_VARIABLES, Plan

__all__ = ["plan_variables", "unknown_variables"]


def plan_variables(plan: Plan, positions: Sequence[int] | None = None) -> Iterator[tuple[str, str]]:
    """(location, variable name) of every variable a plan refers to, in file order.

    ``positions`` gives each analysis's index in the file when some could not be parsed.
    """
    for i, d in enumerate(plan.derived):
        for j, s in enumerate(d.source or ()):
            yield f"derived[{i}].from[{j}]", s
    for i, a in enumerate(plan.analyses):
        at = f"analyses[{i if positions is None else positions[i]}]"
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
            elif tag == "ck_effects":
                for param, names in v:
                    yield from ((f"{at}.{key}.{param}[{j}]", x) for j, x in enumerate(names))


def unknown_variables(
    plan: Plan, variables: Iterable[str] = (), positions: Sequence[int] | None = None
) -> tuple[str, ...]:
    """One located problem per variable a plan names that is not known.

    Known: the registry's variables (ADSL and the patient variables), the plan's derived
    variables, and ``variables`` (columns a study adds to its patients table).
    """
    known = set(KNOWN_VARIABLES) | {d.name for d in plan.derived} | set(variables)
    return tuple(
        f"{where}: {name!r} is not a variable of the analysis dataset{_near(name, known)}"
        for where, name in plan_variables(plan, positions)
        if name not in known
    )
