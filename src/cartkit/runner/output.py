"""What one analysis kind returns to the runner."""

from __future__ import annotations

from dataclasses import dataclass, field

from ..report.types import ReportFigure, ReportTable

__all__ = ["Output", "table_heading"]


@dataclass
class Output:
    """Tables, figures and notes of one analysis, and how many patients it analysed.

    Notes are sentences for the reader: who was left out and why (missing values, a group
    too small to test), a model that could not be fitted, a choice made for these data.
    """

    tables: list[ReportTable] = field(default_factory=list)
    figures: list[ReportFigure] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    n: int = 0


def table_heading(analysis) -> dict:
    """The id, title and source a table takes from its plan analysis (``ReportTable(**...)``)."""
    return {
        "id": analysis.id,
        "analysis_id": analysis.id,
        "title": analysis.title,
        "source": analysis.source,
    }
