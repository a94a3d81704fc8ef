"""What the runner computes: numbers, fits and notes, never display text or figures.

Each analysis kind returns a :class:`KindResult` subclass (frozen): the plan analysis it ran,
how many patients it analysed, notes for the reader, and its numbers — ``data`` holds one
numeric table per report table (the numbers of tables.xlsx and results.json), and a kind adds
the fits its figures are drawn from. :mod:`cartkit.report.sections` turns a result into
journal tables, captions and figure specs; :func:`run_plan` runs a whole plan.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import pandas as pd

from .._core.frames import plain_text_fields
from .._core.results import FrozenMap

__all__ = ["KindResult", "PlanRun"]


@dataclass(frozen=True, kw_only=True)
class KindResult:
    """The numbers of one analysis of the plan.

    Attributes
    ----------
    analysis : cartkit.plan.schema.AnalysisSpec
        The plan analysis that was run.
    n : int
        Patients analysed (after the population filter).
    notes : tuple of str
        What the reader must know: patients left out and why, a model that could not be
        fitted, a choice made for these data.
    data : mapping of str to pandas.DataFrame
        One numeric table per report table, by table id (the analysis id, plus a suffix when
        the analysis makes several), in report order.
    without : tuple of str
        Variables the plan names that this study cannot give (a table is absent), each with
        the tables it needs: the analysis ran without them.
    """

    analysis: Any
    n: int = 0
    notes: tuple[str, ...] = ()
    data: Mapping[str, pd.DataFrame] = field(default_factory=dict)
    without: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        object.__setattr__(self, "notes", tuple(self.notes))
        object.__setattr__(self, "data", FrozenMap(self.data))
        # every kind's frames (data, and any a kind adds) hold text one way on pandas 2 and 3
        plain_text_fields(self)

    @property
    def id(self) -> str:
        """The analysis id."""
        return self.analysis.id

    @property
    def kind(self) -> str:
        """The analysis kind."""
        return self.analysis.kind


@dataclass(frozen=True)
class PlanRun:
    """A plan run on a study: every analysis's result and the datasets they came from.

    Attributes
    ----------
    plan : cartkit.plan.schema.Plan
        The plan that was run.
    results : tuple of KindResult
        One per plan analysis, in plan order.
    headline : dict
        The headline numbers: each item of ``plan.headline`` taken from its analysis's
        numbers, and ``n_patients``.
    derived : dict of str to pandas.DataFrame
        The analysis datasets (adsl with the plan's variables, adtte, nca, crs, icans,
        excluded, findings).
    names : cartkit.derive.registry.Labels
        Printed names of the variables and their levels.
    provenance : dict
        Input hashes, versions, settings and seed.
    """

    plan: Any
    results: tuple
    headline: dict
    derived: dict
    names: Any
    provenance: dict

    def __post_init__(self) -> None:
        plain_text_fields(self)
