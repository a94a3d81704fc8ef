"""Write what the analysis has so far: derived datasets and results.json.

The full report (tables, figures, HTML) is assembled on top of these outputs.
"""

from __future__ import annotations

from pathlib import Path

from ..io.writers import write_tables
from ..plan.headline import compute_headline, derive_headline_inputs
from .provenance import provenance
from .results_json import write_results_json

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


def write_outputs(study, out_dir: str | Path, settings: dict | None = None) -> dict:
    """Derive the analysis datasets and headline numbers of ``study`` and write them.

    Writes ``derived/`` (adsl, adtte, nca, crs, icans, excluded, findings as csv) and
    ``results.json`` (headline, provenance) into ``out_dir``; never over an input file.

    Returns
    -------
    dict
        The content of results.json.
    """
    out_dir = Path(out_dir)
    inputs = derive_headline_inputs(study)
    headline = compute_headline(study, inputs)
    derived = {"adsl": inputs.adam.adsl, "adtte": inputs.adam.adtte}
    for name in ("nca", "crs", "icans"):
        frame = getattr(inputs, name)
        if frame is not None:
            derived[name] = frame
    derived["excluded"] = inputs.adam.excluded
    derived["findings"] = inputs.adam.findings
    protected = list(study.metadata.get("files", {}))
    write_tables(derived, out_dir / "derived", "csv", inputs=protected)
    results = {"headline": headline, "provenance": provenance(study, settings)}
    write_results_json(results, out_dir / "results.json", inputs=protected)
    return results


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
