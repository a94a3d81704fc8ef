"""The study data format as Markdown, generated from the table specs (docs/data-format.md)."""

from __future__ import annotations

from .spec import LAB_TESTS, TABLES, ColumnSpec

BEGIN = "<!-- BEGIN GENERATED TABLES (cartkit.schema.describe) -->"
END = "<!-- END GENERATED TABLES -->"


def _type(col: ColumnSpec) -> str:
    if col.kind == "category":
        return " / ".join(f"`{a}`" for a in col.allowed or ())
    if col.kind in ("number", "integer"):
        word = "whole number" if col.kind == "integer" else "number"
        lo = "" if col.minimum is None else f"{col.minimum:g}"
        hi = "" if col.maximum is None else f"{col.maximum:g}"
        if col.name == "cart_dose_e6_per_kg":
            return f"{word} > 0"
        if lo and hi:
            return f"{word} {lo}–{hi}"
        if lo:
            return f"{word} ≥ {lo}"
        return word
    return {"boolean": "boolean", "date": "date (YYYY-MM-DD)", "text": "text"}[col.kind]


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
        out.append("| column | type | unit | required | meaning |")
        out.append("|---|---|---|---|---|")
        for col in spec.columns:
            out.append(
                f"| `{col.name}` | {_type(col)} | {col.unit} | {_required(col)} | "
                f"{col.description} |"
            )
        if spec.name == "labs":
            out.append("")
            out.append("| test | unit | range |")
            out.append("|---|---|---|")
            for test, (unit, lo, hi) in LAB_TESTS.items():
                rng = f"{lo:g}–{hi:g}" if hi is not None else f"≥ {lo:g}"
                out.append(f"| `{test}` | {unit} | {rng} |")
        out.append("")
    out.append(END)
    return "\n".join(out)
