"""The analysis plan as data: settings, derived variables and one dataclass per analysis kind.

A plan is plain data (TOML on disk, frozen dataclasses in Python). It says which analyses run,
on which endpoints and variables, with which options; it computes nothing. The runner (issue #8)
turns each analysis into calls of the statistical API (``ck.describe``, ``ck.kaplan_meier``,
``ck.cox``, ``ck.logistic``, ...). See docs/plan.md for every key.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import ClassVar

from ..derive.adam import ADSL_COLUMNS
from ..derive.registry import PATIENT_VARIABLES
from ..derive.time_to_event import DEFAULT_ENDPOINTS
from ..errors import CartkitError
from .kinds import (  # re-exported: the plan vocabulary in one place
    ANALYSIS_KINDS,
    AnalysisSpec,
    Baseline,
    CompareGroups,
    Correlation,
    CoxModel,
    CoxScreening,
    CrsIcansCharacteristics,
    CumulativeIncidence,
    EventSummary,
    Kinetics,
    LogisticScreening,
    Model,
    PopulationKineticModel,
    Rates,
    Survival,
    Swimmer,
    ThresholdOR,
)

__all__ = [
    "ANALYSIS_KINDS",
    "ENDPOINTS",
    "KNOWN_VARIABLES",
    "RULES",
    "RUNNER_VARIABLES",
    "AnalysisSpec",
    "Baseline",
    "CompareGroups",
    "Correlation",
    "CoxModel",
    "CoxScreening",
    "CrsIcansCharacteristics",
    "CumulativeIncidence",
    "DerivedVariable",
    "EventSummary",
    "HeadlineItem",
    "Kinetics",
    "LogisticScreening",
    "Model",
    "Plan",
    "PlanError",
    "PopulationKineticModel",
    "Rates",
    "Reference",
    "ReferenceValue",
    "Settings",
    "Survival",
    "Swimmer",
    "ThresholdOR",
]

#: PARAMCD of :data:`cartkit.derive.time_to_event.DEFAULT_ENDPOINTS`, in that order
ENDPOINTS = tuple(e.paramcd for e in DEFAULT_ENDPOINTS)

#: per-patient variables added beside ADSL (grading, NCA, labs); a plan may name them like ADSL
#: columns (name -> description; the registry :data:`cartkit.derive.registry.VARIABLES` holds
#: their labels and roles)
RUNNER_VARIABLES = PATIENT_VARIABLES

#: names a plan may use without a warning (plus its own derived variables)
KNOWN_VARIABLES = frozenset(ADSL_COLUMNS) | frozenset(RUNNER_VARIABLES)

#: rules of a derived variable; each makes a boolean column (missing where the source is missing)
RULES = ("below", "at_most", "above", "at_least", "equals", "in", "not", "log10")


class PlanError(CartkitError, ValueError):
    """An analysis plan that cannot be used; carries every problem found, not just the first.

    Parameters
    ----------
    problems : sequence of str
        One line per problem, each starting with its location in the plan
        (``analyses[3].endpoint: ...``).
    source : str, optional
        Where the plan was read from, for the message.
    """

    def __init__(self, problems, source: str | None = None):
        self.problems = tuple(problems)
        self.source = source
        where = f" in {source}" if source else ""
        lines = [f"{len(self.problems)} problem(s) in the analysis plan{where}:"]
        lines += [f"  - {p}" for p in self.problems]
        super().__init__("\n".join(lines))


@dataclass(frozen=True)
class Settings:
    """Options shared by every analysis of a plan (an analysis may override some).

    Attributes
    ----------
    conf_level : float
        Confidence level of every interval, in (0, 1).
    alpha : float
        Significance level used to flag p-values, in (0, 1).
    km_conf_type : {"log-log", "log", "plain"}
        Kaplan-Meier interval transform.
    screening_threshold : float
        Univariate p below which a candidate enters the multivariable model, in (0, 1].
    cox_ties : {"efron", "breslow"}
        Cox tie handling.
    nca_window : tuple of float
        ``(start, end)`` days of the partial AUC (AUC0-28d).
    lloq : float
        Lower limit of quantification of the qPCR, copies/µg DNA (> 0).
    auc_method : {"lin-up/log-down", "linear"}
        NCA AUC rule.
    time_points_years : tuple of float
        Times (years) of survival and cumulative incidence estimates.
    ae_window_days : float
        Adverse events are counted from infusion to this day.
    """

    conf_level: float = 0.95
    alpha: float = 0.05
    km_conf_type: str = "log-log"
    screening_threshold: float = 0.2
    cox_ties: str = "efron"
    nca_window: tuple[float, float] = (0.0, 28.0)
    lloq: float = 100.0
    auc_method: str = "lin-up/log-down"
    time_points_years: tuple[float, ...] = (1.0, 3.0, 5.0)
    ae_window_days: float = 28.0

    fields_: ClassVar[dict] = {
        "conf_level": "prob",
        "alpha": "prob",
        "km_conf_type": ("log-log", "log", "plain"),
        "screening_threshold": "prob1",
        "cox_ties": ("efron", "breslow"),
        "nca_window": "window",
        "lloq": "positive",
        "auc_method": ("lin-up/log-down", "linear"),
        "time_points_years": "times",
        "ae_window_days": "positive",
    }


@dataclass(frozen=True)
class DerivedVariable:
    """A covariate computed from other variables by a simple rule (boolean, or log10 numeric).

    Attributes
    ----------
    name : str
        Name of the new column (must not clash with a known variable).
    source : tuple of str
        The variables it is computed from (TOML key ``from``; a string or a list).
    rule : str
        One of :data:`RULES`: ``below`` (<), ``at_most`` (<=), ``above`` (>), ``at_least`` (>=)
        a number or ``"median"`` (of the source over the analysed patients); ``equals`` a value;
        ``in`` a list of values; ``not`` negates a boolean source (no value); ``log10`` is the
        base-10 logarithm of one positive numeric source (no value; missing where the source
        is missing or not positive), e.g. a concentration entered per 10-fold change.
    value : float, str, bool, tuple or None
        The rule's operand.
    combine : {"any", "all"}
        With several sources: true when the rule holds for any (all) of them.
    description : str
        Label for tables.
    """

    name: str
    source: tuple[str, ...]
    rule: str
    value: float | str | bool | tuple | None = None
    combine: str = "any"
    description: str = ""


#: what a headline item shows: the fields each ``show`` takes from its row
HEADLINE_SHOWS = {
    "rate": ("estimate", "ci_lower", "ci_upper", "n_events", "n"),
    "survival": ("estimate", "ci_lower", "ci_upper", "n_risk", "time_years"),
    "number": (),
}


@dataclass(frozen=True)
class HeadlineItem:
    """One headline number: a row of an analysis's table, named by column values.

    Attributes
    ----------
    key : str
        Its key in results.json (``os_5y``).
    label : str
        Printed name ("5-year overall survival").
    analysis : str
        The analysis whose table holds it (its first table; ``table`` names another).
    where : tuple of (str, value) pairs
        Column values that select exactly one row of that table.
    show : {"rate", "survival", "number"}
        ``rate``: estimate, CI, events and n; ``survival``: estimate, CI, number at risk and
        the time; ``number``: the value of ``column``.
    column : str
        The column shown by ``show = "number"``.
    table : str or None
        The table id, when the analysis makes several (``<analysis>_landmark``).
    """

    key: str
    label: str
    analysis: str
    where: tuple[tuple[str, object], ...] = ()
    show: str = "number"
    column: str = "estimate"
    table: str | None = None


#: the fields a reference value may give, by the ``show`` of its headline item
REFERENCE_FIELDS = {
    "rate": ("estimate", "ci_lower", "ci_upper", "n_events", "n"),
    "survival": ("estimate", "ci_lower", "ci_upper"),
    "number": ("estimate",),
}


@dataclass(frozen=True)
class ReferenceValue:
    """A published value of one headline item, shown beside the study's own.

    Attributes
    ----------
    estimate : float
        The value; a proportion in [0, 1] for a ``rate`` or ``survival`` item.
    ci_lower, ci_upper : float or None
        Its interval, as published (both or neither).
    n_events, n : int or None
        Events and patients behind a published rate (both or neither).
    """

    estimate: float
    ci_lower: float | None = None
    ci_upper: float | None = None
    n_events: int | None = None
    n: int | None = None


@dataclass(frozen=True)
class Reference:
    """Published values to compare the headline with: the plan's ``[reference]`` table.

    They are another study's results: the report shows them only in a column of the headline
    labelled with ``source`` (and results.json under ``reference``), never as this study's.

    Attributes
    ----------
    source : str
        Where the values come from, the column's heading ("Published study (journal, year)").
    values : tuple of (str, ReferenceValue) pairs
        One value per headline key it gives, in the order of the file.
    """

    source: str
    values: tuple[tuple[str, ReferenceValue], ...] = ()

    def get(self, key: str) -> ReferenceValue | None:
        """The value given for a headline key, or None."""
        return dict(self.values).get(key)


#: NCA parameters a kinetics analysis may summarise
NCA_PARAMETERS = ("cmax", "tmax", "tlast", "clast", "auc_window", "auclast", "half_life")


@dataclass(frozen=True)
class Plan:
    """A statistical analysis plan.

    Attributes
    ----------
    name : str
        Name of the plan.
    version : str
        Version of the plan (free text).
    settings : Settings
        Shared options.
    derived : tuple of DerivedVariable
        Variables computed before the analyses run.
    analyses : tuple of AnalysisSpec
        The analyses, in report order.
    headline : tuple of HeadlineItem
        The headline numbers, each a row of an analysis's table.
    title : str or None
        The report's title; None builds one from the study ("Analysis of my_study.xlsx:
        37 patients").
    reference : Reference or None
        Published values shown beside the headline, labelled with their source.
    """

    name: str
    version: str = "1"
    settings: Settings = field(default_factory=Settings)
    derived: tuple[DerivedVariable, ...] = ()
    analyses: tuple[AnalysisSpec, ...] = ()
    headline: tuple[HeadlineItem, ...] = ()
    title: str | None = None
    reference: Reference | None = None

    def get(self, analysis_id: str) -> AnalysisSpec:
        """The analysis with this id.

        Raises
        ------
        KeyError
            When no analysis has that id.
        """
        for a in self.analyses:
            if a.id == analysis_id:
                return a
        raise KeyError(analysis_id)


_RENAMED = {"Analysis": "AnalysisSpec", "Cox": "CoxModel"}


def __getattr__(name: str):
    # the old names of two classes that shared their names with cartkit.Analysis and cartkit.Cox
    if name in _RENAMED:
        import warnings

        new = _RENAMED[name]
        warnings.warn(
            f"cartkit.plan.schema.{name} is now {new}; the old name goes in the next release",
            DeprecationWarning,
            stacklevel=2,
        )
        return globals()[new]
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
