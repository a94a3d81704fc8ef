"""One presenter per analysis kind: a result's numbers as journal tables, captions and figures.

A presenter is ``present(result, show) -> Section``: it formats every number (with
:mod:`cartkit.report.format`), writes titles, footnotes, abbreviations and captions, and gives
each figure as a spec drawn when the report is written (:mod:`cartkit.report.figures`). It
computes no statistic. :data:`PRESENTERS` maps each kind to its presenter.
"""

from __future__ import annotations

from collections.abc import Callable

from ...runner.results import KindResult
from ._base import Section, Show

__all__ = ["PRESENTERS", "Section", "Show", "present"]


def _presenters() -> dict[str, Callable]:
    from . import (
        correlation,
        cumulative,
        describe,
        kinetic_model,
        kinetics,
        logistic,
        models,
        odds,
        rates,
        survival,
        swimmer,
        toxicity,
    )

    table: dict[str, Callable] = {}
    modules = (
        describe, rates, survival, cumulative, models, logistic, odds, kinetics, correlation,
        toxicity, swimmer, kinetic_model,
    )  # fmt: skip
    for module in modules:
        table.update(module.PRESENTERS)
    return table


PRESENTERS: dict[str, Callable] = {}


def present(result, show: Show) -> Section:
    """The section of one analysis result (empty when the analysis did not run)."""
    if not PRESENTERS:
        PRESENTERS.update(_presenters())
    if type(result) is KindResult or not result.data:
        return Section()  # not run, or nothing to show: its notes say why
    return PRESENTERS[result.kind](result, show)
