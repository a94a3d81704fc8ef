"""Printed names of the levels of a plan's derived variables, as a clinician writes them.

A derived variable is a rule on other variables (``crs_grade3plus = crs_max_grade at_least 3``);
its two levels print from the rule and the source's registry entry, never from the variable's
name: a threshold on a grade reads "CRS grade ≥ 3" / "CRS grade 0–2" and "ICANS, any grade" /
"No ICANS"; a threshold on a quantity reads "Age > 10 years" / "Age ≤ 10 years"; a value of a
coded variable reads its level names ("Poor risk" / "Standard risk or unclassified"); ``not``
swaps the source's levels.
"""

from __future__ import annotations

import math
from collections.abc import Mapping

import numpy as np

__all__ = ["derived_header", "derived_levels", "lower_first", "number_text", "yes_no_levels"]

_SUPERSCRIPT = str.maketrans("-0123456789", "⁻⁰¹²³⁴⁵⁶⁷⁸⁹")
_SYMBOL = {"below": "<", "at_most": "≤", "above": ">", "at_least": "≥"}
_OPPOSITE = {"below": "at_least", "at_most": "above", "above": "at_most", "at_least": "below"}


def number_text(value) -> str:
    """A cut point as printed: ``10``, ``7``, ``10⁻⁴``, ``2.5×10⁵`` or ``median``."""
    if value == "median":
        return "median"
    v = float(value)
    if v != 0 and (abs(v) <= 1e-2 or abs(v) >= 1e5):
        exp = int(f"{v:e}".split("e")[1])
        mant = v / 10**exp
        power = "10" + str(exp).translate(_SUPERSCRIPT)
        return power if abs(mant - 1) < 1e-12 else f"{mant:g}×{power}"
    return f"{v:g}"


def lower_first(text: str) -> str:
    """``text`` to follow other words: "Post-LD MRD" -> "post-LD MRD"; "CRS" stays "CRS"."""
    if len(text) > 1 and text[0].isupper() and text[1].islower():
        return text[0].lower() + text[1:]
    return text


def _upper_first(text: str) -> str:
    return text[:1].upper() + text[1:]


def yes_no_levels(label: str) -> dict:
    """Levels of a yes/no variable known only by its label: "Infection" / "No infection"."""
    return {True: label, False: f"No {lower_first(label)}"}


def _name_unit(label: str) -> tuple[str, str]:
    """The quantity and its unit (after the first comma): "Age, years" -> ("Age", "years")."""
    name, _, unit = label.partition(",")
    return name.strip(), unit.strip()


def _grade_side(noun: str, rule: str, value) -> str:
    """One side of a threshold on a highest grade (0 = none) in words."""
    v = float(value)
    if rule in ("at_least", "above"):
        k = math.ceil(v) if rule == "at_least" else math.floor(v) + 1
        if k <= 0:
            return f"{_upper_first(noun)}, any grade or none"
        return f"{_upper_first(noun)}, any grade" if k == 1 else f"{_upper_first(noun)} grade ≥ {k}"
    m = math.ceil(v) - 1 if rule == "below" else math.floor(v)
    if m < 0:
        return f"{_upper_first(noun)} grade < 0"
    return f"No {lower_first(noun)}" if m == 0 else f"{_upper_first(noun)} grade 0–{m}"


def _threshold_side(names: list[str], unit: str, rule: str, value, combine: str) -> str:
    """One side of a threshold rule: "Age > 10 years", "Pre-LD MRD or post-LD MRD ≥ 10⁻³"."""
    joined = names[0]
    if len(names) > 1:
        word = " or " if combine == "any" else " and "
        joined = word.join([names[0], *map(lower_first, names[1:])])
    cut = number_text(value)
    tail = f" {unit}" if unit and value != "median" else ""
    return f"{joined} {_SYMBOL[rule]} {cut}{tail}"


def _threshold(var, labels: Mapping[str, str], grades: Mapping[str, str]) -> dict:
    sources = list(var.source)
    if len(sources) == 1 and sources[0] in grades and var.value != "median":
        noun = grades[sources[0]]
        return {
            True: _grade_side(noun, var.rule, var.value),
            False: _grade_side(noun, _OPPOSITE[var.rule], var.value),
        }
    parts = [_name_unit(labels.get(s, s)) for s in sources]
    names = [name for name, _ in parts]
    units = {unit for _, unit in parts}
    unit = units.pop() if len(units) == 1 else ""
    # with several sources, "any above" is negated as "all at most" (De Morgan)
    other = "all" if var.combine == "any" else "any"
    return {
        True: _threshold_side(names, unit, var.rule, var.value, var.combine),
        False: _threshold_side(names, unit, _OPPOSITE[var.rule], var.value, other),
    }


def _values(var, levels: Mapping[str, Mapping]) -> dict | None:
    """``equals``/``in`` a value of one coded source: its level names and their complement."""
    if len(var.source) != 1:
        return None
    known = levels.get(var.source[0])
    chosen = var.value if isinstance(var.value, tuple | list) else (var.value,)
    if not known or not all(v in known for v in chosen):
        return None
    rest = [k for k in known if k not in chosen and not isinstance(k, bool | np.bool_)]
    true = " or ".join([known[chosen[0]], *(lower_first(known[v]) for v in chosen[1:])])
    if not rest:
        return {True: true, False: f"Not {lower_first(true)}"}
    false = " or ".join([known[rest[0]], *(lower_first(known[v]) for v in rest[1:])])
    return {True: true, False: false}


def derived_levels(
    var,
    labels: Mapping[str, str],
    levels: Mapping[str, Mapping],
    grades: Mapping[str, str],
) -> dict:
    """The printed names of the True and False levels of one derived variable.

    Parameters
    ----------
    var : object
        A derived variable (``name``, ``source``, ``rule``, ``value``, ``combine``,
        ``description``; :class:`cartkit.plan.schema.DerivedVariable`).
    labels : mapping
        Printed name of each variable known so far ("Age, years": the quantity, then its unit).
    levels : mapping
        Printed names of the levels of each variable known so far.
    grades : mapping
        For a highest-grade variable (0 = none), the condition it grades ("CRS").

    Returns
    -------
    dict
        ``{True: ..., False: ...}``.
    """
    if var.rule in _SYMBOL:
        return _threshold(var, labels, grades)
    if var.rule == "not" and len(var.source) == 1:
        src = levels.get(var.source[0]) or yes_no_levels(labels.get(var.source[0], var.source[0]))
        if True in src and False in src:
            return {True: src[False], False: src[True]}
    if var.rule in ("equals", "in"):
        out = _values(var, levels)
        if out is not None:
            return out
    return yes_no_levels(var.description or var.name)


def derived_header(var, labels: Mapping[str, str], grades: Mapping[str, str]) -> str | None:
    """The heading above the two levels of a derived variable, or None (its label will do).

    Not one of its levels ("Age > 10 years" above "Age ≤ 10 years" and "Age > 10 years"), but
    what they split: a threshold on one quantity reads "Age, cut-off 10 years" ("CRS grade" for
    a grade), the negation of a variable reads that variable's label ("Prior HSCT").
    """
    if len(var.source) != 1:
        return None
    source = var.source[0]
    if var.rule == "not":
        return labels.get(source, source)
    if var.rule not in _SYMBOL:
        return None
    if source in grades:
        return f"{_upper_first(grades[source])} grade"
    name, unit = _name_unit(labels.get(source, source))
    if var.value == "median":
        return f"{name}, cut-off the median"
    tail = f" {unit}" if unit else ""
    return f"{name}, cut-off {number_text(var.value)}{tail}"
