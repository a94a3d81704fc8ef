"""The content of results.json and provenance.json, built from an Analysis."""

from __future__ import annotations

from ..derive._common import EXCLUDED_COLUMNS, FINDING_COLUMNS
from ..plan.plan import plan_to_toml
from ._cells import derived_frame, exclusion_counts, frame_records
from .front import reference_content, report_title
from .results_json import deep_plain


def check_analysis(analysis) -> None:
    """Raise ValueError when a result names a table or figure the analysis does not have."""
    for res in analysis.results:
        for kind, ids, known in (
            ("table", res.tables, analysis.tables),
            ("figure", res.figures, analysis.figures),
        ):
            missing = [i for i in ids if i not in known]
            if missing:
                raise ValueError(
                    f"analysis {res.id!r} names {kind}(s) {', '.join(map(repr, missing))} that "
                    f"are not in Analysis.{kind}s; the runner must add them or drop the ids"
                )


def excluded_and_findings(analysis):
    """The exclusion and finding frames of ``analysis`` (empty frames when absent)."""
    return (
        derived_frame(analysis.derived, "excluded", EXCLUDED_COLUMNS),
        derived_frame(analysis.derived, "findings", FINDING_COLUMNS),
    )


def table_content(table) -> dict:
    """One table of results.json: its identity, notes and its ``data`` rows as records."""
    return {
        "title": table.title,
        "source": table.source,
        "analysis_id": table.analysis_id,
        "columns": [str(c) for c in table.data.columns],
        "column_labels": {str(k): str(v) for k, v in table.column_labels.items()},
        "footnotes": list(table.footnotes),
        "abbreviations": table.abbreviations,
        "rows": frame_records(table.data),
    }


def results_content(analysis, title: str | None = None, *, svg: bool = False) -> dict:
    """The content of results.json (before NaN and numpy scalars are made JSON-safe).

    ``title`` is the report's (:func:`cartkit.report.front.report_title`); ``reference`` holds
    the plan's published values apart from the study's ``headline`` (null without one).
    ``svg``: the figures were also written as SVG files (listed after each PNG).
    """
    excluded, findings = excluded_and_findings(analysis)
    return {
        "title": report_title(analysis, title),
        "headline": deep_plain(analysis.headline),
        "reference": reference_content(analysis.plan),
        "tables": {tid: table_content(t) for tid, t in analysis.tables.items()},
        "figures": {
            fid: {
                "title": f.title,
                "caption": f.caption,
                "source": f.source,
                "analysis_id": f.analysis_id,
                "files": [f"figures/{fid}.png", *([f"figures/{fid}.svg"] if svg else [])],
            }
            for fid, f in analysis.figures.items()
        },
        "analyses": [
            {
                "id": r.id,
                "kind": r.kind,
                "title": r.title,
                "source": r.source,
                "n": int(r.n),
                "tables": list(r.tables),
                "figures": list(r.figures),
                "notes": list(r.notes),
                "not_run": r.not_run or None,
                "without": list(r.without),
            }
            for r in analysis.results
        ],
        "not_run": [
            {"id": r.id, "title": r.title, "reason": r.not_run}
            for r in analysis.results
            if r.not_run
        ],
        "exclusions": exclusion_counts(excluded, findings),
        "provenance": deep_plain(analysis.provenance),
    }


def provenance_content(analysis, files: dict[str, str]) -> dict:
    """provenance.json: the analysis's provenance, the plan as TOML and the files written."""
    plan = analysis.plan
    out = deep_plain(dict(analysis.provenance))
    out["plan"] = {
        "name": getattr(plan, "name", ""),
        "version": getattr(plan, "version", ""),
        "toml": plan_to_toml(plan) if plan is not None else "",
    }
    out["files"] = dict(sorted(files.items()))
    return out
