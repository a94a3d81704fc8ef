"""The study data format as Markdown, generated from the table specs (docs/data-format.md)."""

from __future__ import annotations

import math

from .spec import LAB_TESTS, TABLES, ColumnSpec

BEGIN = "<!-- BEGIN GENERATED TABLES (cartkit.schema.describe) -->"
END = "<!-- END GENERATED TABLES -->"


def _num(x: float) -> str:
    """A bound as the docs print it: powers of ten as 10^k, thousands separated."""
    if x and abs(x) >= 1e5 and math.log10(abs(x)).is_integer():
        return f"{'-' if x < 0 else ''}10^{int(math.log10(abs(x)))}"
    return f"{x:,g}"


def _type(col: ColumnSpec) -> str:
    if col.kind == "category":
        return " / ".join(f"`{a}`" for a in col.allowed or ())
    return {
        "number": "number",
        "integer": "whole number",
        "boolean": "boolean",
        "date": "date (YYYY-MM-DD)",
        "text": "text",
    }[col.kind]


def _bounds(lo, hi, exclusive: bool = False) -> str:
    if lo is not None and hi is not None:
        return f"> {_num(lo)} and ≤ {_num(hi)}" if exclusive else f"{_num(lo)} to {_num(hi)}"
    if lo is not None:
        return f"> {_num(lo)}" if exclusive else f"≥ {_num(lo)}"
    return "" if hi is None else f"≤ {_num(hi)}"


def _usual(lo, hi) -> str:
    if lo is not None and hi is not None:
        return f"warning below {_num(lo)} or above {_num(hi)}"
    if lo is not None:
        return f"warning below {_num(lo)}"
    return "" if hi is None else f"warning above {_num(hi)}"


def plausible(col: ColumnSpec) -> str:
    """The plausible range of a column as the docs state it (errors outside; warnings)."""
    if col.kind == "date":
        parts = [f"{col.earliest} to {col.latest}" if col.earliest else ""]
        if col.usual_earliest:
            parts.append(f"warning before {col.usual_earliest}")
    elif col.kind in ("number", "integer"):
        parts = [_bounds(col.minimum, col.maximum, col.exclusive_minimum)]
        parts.append(_usual(col.usual_minimum, col.usual_maximum))
    elif col.max_length is not None:
        parts = [f"at most {col.max_length} characters"]
    else:
        parts = []
    return "; ".join(p for p in parts if p)


def _required(col: ColumnSpec) -> str:
    if not col.required:
        return "no"
    return "yes, may be empty" if col.allow_missing else "yes"


def describe_format() -> str:
    """Markdown of every table and column of the study data format."""
    out = [BEGIN, ""]
    for spec in TABLES.values():
        need = "required" if spec.required else "optional"
        out.append(f"### `{spec.name}` ({need})")
        out.append("")
        out.append(spec.description[0].upper() + spec.description[1:] + ".")
        if spec.key:
            out.append(f"One row per {' and '.join(spec.key)}: duplicates are errors.")
        out.append("")
        out.append("| column | type | unit | required | plausible range | meaning |")
        out.append("|---|---|---|---|---|---|")
        for col in spec.columns:
            out.append(
                f"| `{col.name}` | {_type(col)} | {col.unit} | {_required(col)} | "
                f"{plausible(col)} | {col.description} |"
            )
        if spec.name == "labs":
            out.append("")
            out.append("| test | unit | plausible range | warning above |")
            out.append("|---|---|---|---|")
            for test, lab in LAB_TESTS.items():
                warn = "" if lab.usual_maximum is None else f"{_num(lab.usual_maximum)}: {lab.hint}"
                out.append(f"| `{test}` | {lab.unit} | 0 to {_num(lab.maximum)} | {warn} |")
        out.append("")
    out.append(END)
    return "\n".join(out)
