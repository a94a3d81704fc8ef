"""The headline numbers as the console shows them (the report writes everything else)."""

from __future__ import annotations

import math

__all__ = ["headline_lines", "headline_number", "headline_text", "rate_text"]


def _finite(value) -> bool:
    try:
        return value is not None and math.isfinite(float(value))
    except (TypeError, ValueError):
        return False


def headline_number(value) -> str:
    """A headline number as the tables print it: whole above 1,000 ("24,463"), else 1 decimal.

    The tables print levels and exposures (thousands of copies) without decimals and times
    (days, months) with one, so the headline repeats the table's rounding, never a digit
    more.
    """
    x = float(value)
    return f"{x:,.0f}" if abs(x) >= 1000 else f"{x:,.1f}"


def rate_text(value: dict, width: int = 0) -> str:
    """A rate or survival probability with its interval, as the headline prints it.

    ``"74.9% (64.8–85.1)"``; an interval that cannot be computed (a Kaplan-Meier estimate of
    100% before any event has no log-log interval) prints as "CI not estimable", never as
    dashes or a made-up bound. ``width`` pads the percentage (the console aligns them).
    """
    estimate = value.get("estimate")
    if not _finite(estimate):
        return "not available"
    shown = f"{100 * float(estimate):{width}.1f}%"
    low, high = value.get("ci_lower"), value.get("ci_upper")
    if _finite(low) and _finite(high):
        return f"{shown} ({100 * float(low):.1f}–{100 * float(high):.1f})"
    return f"{shown} (CI not estimable)"


def headline_lines(items) -> list[tuple[str, str, str]]:
    """``(key, label, kind)`` of each headline item of a plan; kind is "rate" or "number".

    Rates and survival probabilities print alike: a percentage with its interval.
    """
    return [(h.key, h.label, "number" if h.show == "number" else "rate") for h in items]


def headline_text(headline: dict, items, reference: tuple[str, dict] | None = None) -> str:
    """The headline numbers as aligned console lines, labelled as the plan's ``[headline]``.

    ``reference``, ``(source, {key: text})`` as :mod:`cartkit.report.front` gives it, adds a
    column headed by its source beside the study's numbers. An estimate past the follow-up
    prints "NE" and why (no patient is followed that long).
    """
    lines = []
    for key, label, kind in headline_lines(items):
        value = headline.get(key)
        if value is None:
            shown = "not available"
        elif kind == "rate" and value.get("not_estimable"):
            shown = f"   NE: {value['not_estimable']}"
        elif kind == "rate":
            shown = rate_text(value, width=5)
        else:
            shown = headline_number(value)
        lines.append(f"  {label:<32} {shown}")
    if reference is not None:
        lines = _with_reference(lines, [key for key, _, _ in headline_lines(items)], *reference)
    return "\n".join(lines)


def _with_reference(lines: list[str], keys: list[str], source: str, texts: dict) -> list[str]:
    """The lines with the reference as a last column, under a header naming both columns."""
    width = max(len(line) for line in [*lines, f"  {'':<32} this study"])
    header = f"  {'':<32} {'this study':<{width - 35}}   {source}"
    rows = [
        f"{line:<{width}}   {texts.get(key, '')}" for line, key in zip(lines, keys, strict=True)
    ]
    return [header.rstrip(), *(row.rstrip() for row in rows)]
