"""The headline numbers as the console shows them (the report writes everything else)."""

from __future__ import annotations

__all__ = ["headline_lines", "headline_text"]


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
        elif kind == "rate" and value.get("estimate") is None:
            shown = "not available"
        elif kind == "rate":
            shown = (
                f"{100 * value['estimate']:5.1f}% ({100 * value['ci_lower']:.1f}–"
                f"{100 * value['ci_upper']:.1f})"
            )
        else:
            shown = f"{value:,.1f}"
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
