"""The headline numbers as the console shows them (the report writes everything else)."""

from __future__ import annotations

#: headline numbers as shown on the console: key, label, kind
HEADLINE_LINES = (
    ("cr_rate", "CR/CRi at day 28", "rate"),
    ("mrd_negative_cr_rate", "MRD-negative CR at day 28", "rate"),
    ("os_5y", "5-year overall survival", "rate"),
    ("lfs_5y", "5-year leukemia-free survival", "rate"),
    ("median_follow_up_months", "median follow-up (months)", "number"),
    ("cmax_median", "median Cmax (copies/µg DNA)", "number"),
    ("tmax_median", "median Tmax (days)", "number"),
    ("crs_any_rate", "CRS, any grade", "rate"),
    ("crs_grade3plus_rate", "CRS, grade ≥ 3", "rate"),
    ("icans_any_rate", "ICANS, any grade", "rate"),
)


def headline_text(headline: dict) -> str:
    """The headline numbers as aligned console lines."""
    lines = []
    for key, label, kind in HEADLINE_LINES:
        value = headline.get(key)
        if value is None:
            shown = "not available"
        elif kind == "rate":
            shown = (
                f"{100 * value['estimate']:5.1f}% ({100 * value['ci_lower']:.1f}–"
                f"{100 * value['ci_upper']:.1f})"
            )
        else:
            shown = f"{value:,.1f}"
        lines.append(f"  {label:<32} {shown}")
    return "\n".join(lines)
