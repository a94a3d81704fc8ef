"""What every section presenter gets and returns."""

from __future__ import annotations

from dataclasses import dataclass, field

from ...derive.registry import Labels
from ...plan.schema import Settings
from ..types import ReportFigure, ReportTable

__all__ = ["Section", "Show", "table_heading"]


@dataclass(frozen=True)
class Show:
    """How a run is printed: the variables' printed names and the plan's settings."""

    names: Labels
    settings: Settings

    def label(self, variable: str) -> str:
        """The printed name of ``variable``."""
        return self.names.label(variable)

    def header(self, variable: str) -> str:
        """The heading above the levels of ``variable`` (a derived threshold: what it splits)."""
        return self.names.header(variable)

    def level_label(self, variable: str, level) -> str:
        """The printed name of one level of ``variable``."""
        return self.names.level_label(variable, level)


@dataclass
class Section:
    """The journal tables and figures of one analysis, and notes added while presenting."""

    tables: list[ReportTable] = field(default_factory=list)
    figures: list[ReportFigure] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)


def table_heading(analysis) -> dict:
    """The id, title and source a table takes from its plan analysis (``ReportTable(**...)``)."""
    return {
        "id": analysis.id,
        "analysis_id": analysis.id,
        "title": analysis.title,
        "source": analysis.source,
    }
