"""The results of running an analysis plan: journal tables, figures and the whole analysis.

A :class:`ReportTable` carries a table twice: ``data`` holds its numbers as numbers (for
tables.xlsx, results.json and anyone checking them), ``display`` the journal layout as text
(for report.html). Both are built by the same analysis, from the same results.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from functools import partial
from typing import Any

import pandas as pd

from .._core.frames import plain_text

__all__ = ["Analysis", "AnalysisResult", "ReportFigure", "ReportTable", "RowStyle", "drawn"]

#: how a display row is drawn: a plain row, a section heading (spans the table, bold), or a row
#: indented under the heading above it (a level of a categorical variable)
RowStyle = str  # "" | "heading" | "indent"


@dataclass(frozen=True)
class ReportTable:
    """One table of the report.

    Attributes
    ----------
    id : str
        Unique id (letters, digits, ``_``): the analysis id, plus a suffix when the analysis
        makes several tables (``s2_lfs_cox_screening_univariate``). Used for xlsx sheets and
        results.json keys.
    analysis_id : str
        The plan analysis that made it.
    title : str
        Caption, as a journal would print it above the table.
    source : str
        Where the table appears in the paper ("Table 1A"), or "".
    data : pandas.DataFrame
        The numbers: label columns as text, every number as a number (int or float, NaN where
        absent), the fixed result column names where they apply (``estimate, ci_lower,
        ci_upper, p_value, n, n_events, term, group``).
    display : pandas.DataFrame
        The journal layout: every cell a string (already formatted, "" for empty); the first
        column holds the row labels; column names are the printed headers.
    row_styles : tuple of str
        One per ``display`` row: "" (plain), "heading" (a section heading row) or "indent".
    footnotes : tuple of str
        Printed under the table: the tests and methods used, how values are summarised.
    abbreviations : str
        Printed under the footnotes ("CI, confidence interval; HR, hazard ratio.").
    column_labels : mapping of str to str
        Header text of ``data`` columns in tables.xlsx (a column not named keeps its name).
    """

    id: str
    analysis_id: str
    title: str
    data: pd.DataFrame
    display: pd.DataFrame
    source: str = ""
    row_styles: tuple[RowStyle, ...] = ()
    footnotes: tuple[str, ...] = ()
    abbreviations: str = ""
    column_labels: Mapping[str, str] = field(default_factory=dict)

    def __post_init__(self) -> None:
        # text as objects with None for missing under pandas 2 and 3 (the tables' readers and
        # results.json see one kind of missing label)
        object.__setattr__(self, "data", plain_text(self.data))
        object.__setattr__(self, "display", plain_text(self.display))
        if not self.row_styles:
            object.__setattr__(self, "row_styles", ("",) * len(self.display))
        if len(self.row_styles) != len(self.display):
            raise ValueError(
                f"table {self.id}: {len(self.row_styles)} row styles for "
                f"{len(self.display)} display rows"
            )


@dataclass(frozen=True)
class ReportFigure:
    """One figure of the report, drawn when it is needed (the report writes it).

    Attributes
    ----------
    id : str
        Unique id; the files are ``figures/<id>.png`` (and ``figures/<id>.svg`` when the
        report is written with ``svg=True``).
    analysis_id : str
        The plan analysis that made it.
    title : str
        Figure title, printed above the caption.
    draw : callable
        Called with no argument, returns the :class:`matplotlib.figure.Figure` (a function of
        :mod:`cartkit.report.figures` bound to the results it shows, so it pickles and can be
        drawn in another process).
    caption : str
        Legend text: what is shown, the test and its p-value, abbreviations.
    source : str
        Where the figure appears in the paper, or "".
    """

    id: str
    analysis_id: str
    title: str
    draw: Callable[[], Any]
    caption: str = ""
    source: str = ""

    @property
    def figure(self):
        """The figure, newly drawn."""
        return self.draw()


def _same(figure):
    return figure


def drawn(figure) -> Callable[[], Any]:
    """A ``draw`` for a figure that is already drawn."""
    return partial(_same, figure)


@dataclass(frozen=True)
class AnalysisResult:
    """What one analysis of the plan produced, in report order.

    Attributes
    ----------
    id, kind, title, source : str
        From the plan.
    tables, figures : tuple of str
        Ids into :attr:`Analysis.tables` and :attr:`Analysis.figures`.
    notes : tuple of str
        What the reader must know: warnings raised while running (convergence, too few
        events), patients left out and why, or why the analysis could not run at all.
    n : int
        Patients analysed (after the population filter).
    not_run : str
        Why the analysis could not run at all ("" when it ran).
    without : tuple of str
        Variables of the plan it ran without (a table the study lacks), with the tables they
        need.
    """

    id: str
    kind: str
    title: str
    source: str = ""
    tables: tuple[str, ...] = ()
    figures: tuple[str, ...] = ()
    notes: tuple[str, ...] = ()
    n: int = 0
    not_run: str = ""
    without: tuple[str, ...] = ()


@dataclass(frozen=True)
class Analysis:
    """A study's whole analysis (returned by :func:`cartkit.analyze`).

    Attributes
    ----------
    tables : dict of str to ReportTable
        Every table, in report order.
    figures : dict of str to ReportFigure
        Every figure, in report order.
    headline : dict
        The headline numbers (CONTRACT §3).
    derived : dict of str to pandas.DataFrame
        The analysis datasets (adsl with the plan's variables, adtte, nca, crs, icans,
        excluded, findings).
    results : tuple of AnalysisResult
        One per plan analysis, in plan order (the report's sections).
    plan : cartkit.plan.schema.Plan
        The plan that was run.
    provenance : dict
        Input hashes, versions, settings and seed.
    """

    tables: dict[str, ReportTable]
    figures: dict[str, ReportFigure]
    headline: dict
    derived: dict[str, pd.DataFrame]
    results: tuple[AnalysisResult, ...]
    plan: Any
    provenance: dict

    @property
    def excluded(self) -> pd.DataFrame:
        """Every input row or patient left out of a derivation, with the reason."""
        return self.derived["excluded"]

    @property
    def findings(self) -> pd.DataFrame:
        """Data-quality findings (recorded and derived values that disagree, and the like)."""
        return self.derived["findings"]
