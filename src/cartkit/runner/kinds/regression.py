"""The regression pipeline of the model kinds (Cox and logistic; a Fine-Gray or Firth kind too).

A kind selects its patients, describes its model :class:`Family` (the library fit, its ratio and
how its warnings read) and lists the models it wants: each candidate alone (univariate
screening), the model of the candidates with p below a threshold, models of fixed covariates
(:class:`ModelSpec`). :func:`cartkit.runner.kinds._pipeline.fit_models` fits them through the
library in that order and writes the notes; :func:`regression_result` gives the numbers of the
kind's one table (:class:`RegressionKindResult`). :mod:`cartkit.report.sections._regression` prints
them.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import pandas as pd

from ..._core.frames import plain_text_fields
from ..._core.results import FrozenMap
from ..results import KindResult
from ._fits import Fitted
from ._terms import data_table

__all__ = [
    "Family",
    "Forest",
    "ModelSpec",
    "ModelTerms",
    "RegressionKindResult",
    "regression_result",
    "warning_notes",
]


def warning_notes(fitted: Fitted, what: str) -> list[str]:
    """Each warning a fit raised, as a note naming the model (``what``)."""
    return [f"{what}: {msg}" for msg in fitted.warnings]


@dataclass(frozen=True)
class Family:
    """How one kind of regression model is fitted, read and named in notes.

    Attributes
    ----------
    fit : callable
        The library fit, called ``fit(df, covariates=[...], reference=..., **options)``.
    ratio : str
        The fit's ratio column (``"hr"``, ``"odds_ratio"``), the ``estimate`` of its terms.
    required : tuple of str
        Columns every fit needs besides its covariates (time and event, or the outcome).
    options : mapping
        Keyword arguments of every fit.
    word : str
        The model in notes: "Univariate <word> model of Age: ...".
    terms : callable
        ``terms(result)``: a fit's term table in :data:`TERM_COLUMNS` and ``note``.
    counts : callable
        ``counts(result)``: the patients and events of a fit.
    fit_notes : callable
        ``fit_notes(fitted, what)``: notes on what a fit warned (:func:`warning_notes`).
    check : callable, optional
        ``check(result, what, notes)``: tests of a multivariable model's assumptions (the
        proportional-hazards test of a Cox model) as p-values by name; it adds its own notes.
    """

    fit: Callable
    ratio: str
    required: tuple[str, ...]
    options: Mapping[str, Any]
    word: str
    terms: Callable[[Any], pd.DataFrame]
    counts: Callable[[Any], tuple[int, int]]
    fit_notes: Callable[[Fitted, str], list[str]] = warning_notes
    check: Callable[[Any, str, list[str]], Mapping[str, float]] | None = None


@dataclass(frozen=True)
class ModelSpec:
    """A multivariable model a kind asks for: of fixed covariates, or of the screened ones.

    Attributes
    ----------
    name : str
        Its column in the table and its ``model`` in the numbers ("" for a kind's only model).
    what : str
        How the notes name it ("Multivariable Cox model of LFS", "Model 1").
    forest_id, forest_title : str
        Id and title of its forest plot (the notes on the plot name the title).
    covariates : tuple of str or None
        The fixed covariates; None for the model of the candidates with p below the threshold.
    noun : str
        The screened model in running text ("there is no multivariable model").
    failed : str
        The note when the screened model cannot be fitted, a template of ``what``,
        ``covariates`` (their labels) and ``error``.
    """

    name: str
    what: str
    forest_id: str
    forest_title: str
    covariates: tuple[str, ...] | None = None
    noun: str = ""
    failed: str = "{what}: not fitted ({error})."


@dataclass(frozen=True)
class Forest:
    """What a forest plot of one model draws: its estimable terms.

    Attributes
    ----------
    id, title : str
        The figure's id and title.
    terms : pandas.DataFrame
        The drawable terms (finite estimate, not separated) in :data:`TERM_COLUMNS`.
    """

    id: str
    title: str
    terms: pd.DataFrame

    def __post_init__(self) -> None:
        plain_text_fields(self)


@dataclass(frozen=True)
class ModelTerms:
    """One model of a regression table: a column of ratios and p-values.

    Attributes
    ----------
    name : str
        The column ("Univariate", "Multivariable", "Model 1"; "" for a kind's only model).
    role : str
        ``"univariate"`` (each candidate alone), ``"screened"`` or ``"fixed"``.
    terms : pandas.DataFrame
        :data:`TERM_COLUMNS` and ``note`` (why a variable has no estimate, or "separation");
        no rows when the model could not be fitted at all.
    variables : tuple of str
        The variables the model includes (a variable outside it is printed blank).
    n, n_events : int or None
        Patients and events of the fit; None for univariate models and failed fits.
    checks : mapping of str to float
        Assumption tests of the fit (``"ph_global_p"``: the global proportional-hazards test).
    forest : Forest or None
        Its forest plot, when it has one.
    """

    name: str
    role: str
    terms: pd.DataFrame
    variables: tuple[str, ...]
    n: int | None = None
    n_events: int | None = None
    checks: Mapping[str, float] = field(default_factory=dict)
    forest: Forest | None = None

    def __post_init__(self) -> None:
        object.__setattr__(self, "checks", FrozenMap(self.checks))
        plain_text_fields(self)

    @property
    def fitted(self) -> bool:
        """Whether the (multivariable) model was fitted."""
        return self.n is not None


@dataclass(frozen=True, kw_only=True)
class RegressionKindResult(KindResult):
    """The regression models of a ``cox``, ``cox_screening`` or ``logistic_screening`` analysis.

    ``data[analysis.id]`` stacks the models' term tables (with a leading ``model`` column when
    the models are named), one row per term; a kind whose model could not be fitted has none.
    (One fit of the library is a :class:`cartkit.results.RegressionResult`; this is a kind's
    table of several.)

    Attributes
    ----------
    ratio : str
        The ratio of every model (``"hr"``, ``"odds_ratio"``).
    models : tuple of ModelTerms
        Every model, in table order (a model with no term rows has no column).
    rows : tuple of str
        The table's variables, in order.
    threshold : float or None
        The screening threshold (univariate p below it enters the screened model).
    n_with_outcome, n_events : int
        Patients with a known outcome (an endpoint record) and events among them.
    time_dependent : tuple of str
        Covariates entered as time-dependent (0 before their day, 1 from it on) in every
        model that includes them.
    """

    ratio: str = "hr"
    models: tuple[ModelTerms, ...] = ()
    rows: tuple[str, ...] = ()
    threshold: float | None = None
    n_with_outcome: int = 0
    n_events: int = 0
    time_dependent: tuple[str, ...] = ()

    @property
    def columns(self) -> tuple[ModelTerms, ...]:
        """The models shown as columns of the table."""
        return tuple(m for m in self.models if not m.terms.empty)


def regression_result(
    analysis,
    *,
    ratio: str,
    models: Sequence[ModelTerms],
    rows: Sequence[str],
    notes: Sequence[str],
    n: int,
    n_with_outcome: int,
    n_events: int,
    threshold: float | None = None,
    time_dependent: Sequence[str] = (),
) -> RegressionKindResult:
    """A kind's :class:`RegressionKindResult`: its models and the numbers of its table.

    There is a table when a univariate column exists or a multivariable model was fitted;
    its rows carry a ``model`` column when the models are named.
    """
    data = {}
    if any(m.role == "univariate" or m.fitted for m in models):
        shown = [m for m in models if not m.terms.empty]
        named = any(m.name for m in shown)
        parts = [m.terms.assign(model=m.name) if named else m.terms for m in shown]
        data[analysis.id] = data_table(parts)
    return RegressionKindResult(
        analysis=analysis,
        n=n,
        notes=notes,
        data=data,
        ratio=ratio,
        models=tuple(models),
        rows=tuple(rows),
        threshold=threshold,
        n_with_outcome=n_with_outcome,
        n_events=n_events,
        time_dependent=tuple(time_dependent),
    )
