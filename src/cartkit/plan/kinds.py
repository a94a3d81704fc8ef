"""The analysis kinds of a plan: one frozen dataclass per kind, with its keys and their types.

``fields_`` maps each key of a kind to its type tag (see :mod:`cartkit.plan._validate`): the
parser converts and checks every value by it, and the strict variable check finds every
variable a plan names through it.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

__all__ = [
    "ANALYSIS_KINDS",
    "AnalysisSpec",
    "Baseline",
    "CompareGroups",
    "Correlation",
    "CoxModel",
    "CoxScreening",
    "CrsIcansCharacteristics",
    "CumulativeIncidence",
    "EventSummary",
    "Kinetics",
    "LogisticScreening",
    "Model",
    "PopulationKineticModel",
    "Rates",
    "Survival",
    "Swimmer",
    "ThresholdOR",
]


@dataclass(frozen=True)
class Model:
    """A named multivariable model (e.g. "Model 1" of Table 2)."""

    name: str
    covariates: tuple[str, ...]


@dataclass(frozen=True)
class AnalysisSpec:
    """Fields every analysis of a plan has (the kinds below add their own).

    Attributes
    ----------
    id : str
        Unique identifier (letters, digits, ``_``), used for file and table names.
    title : str
        Title of the table or figure.
    source : str
        Where the analysis appears in the paper ("Table 1A", "Supplementary Table S2", ...).
    population : str or None
        Boolean variable selecting the analysed patients (``None``: all).
    """

    id: str
    title: str
    source: str = ""
    population: str | None = None

    kind: ClassVar[str] = ""
    fields_: ClassVar[dict] = {}
    #: study tables the kind itself needs beyond patients and events (every group needed, any
    #: table of a group will do), for a kind that names no variable to need them through
    needs_tables: ClassVar[tuple[tuple[str, ...], ...]] = ()

    @staticmethod
    def cross_check(values: dict) -> list[tuple[str, str]]:
        """Problems between the keys of one analysis, as (key, message); none by default."""
        return []


@dataclass(frozen=True)
class Baseline(AnalysisSpec):
    """Descriptive summary (mean ± SD or median (range); n (%)) of variables, as ``ck.describe``."""

    variables: tuple[str, ...] = ()
    group: str | None = None
    kind: ClassVar[str] = "baseline"
    fields_: ClassVar[dict] = {"variables": "vars+", "group": "var?"}


@dataclass(frozen=True)
class Rates(AnalysisSpec):
    """Proportions of binary variables with exact (Clopper-Pearson) confidence intervals.

    ``missing = "exclude"`` leaves a patient with an unknown value out of N; ``"failure"``
    counts them as without the event (intention to treat: a response rate over every treated
    patient, a patient who died before assessment counting as a non-responder).
    """

    variables: tuple[str, ...] = ()
    group: str | None = None
    missing: str = "exclude"
    kind: ClassVar[str] = "rates"
    fields_: ClassVar[dict] = {
        "variables": "vars+",
        "group": "var?",
        "missing": ("exclude", "failure"),
    }


@dataclass(frozen=True)
class EventSummary(AnalysisSpec):
    """Count of an event and median (range) of its time, overall and by a variable."""

    event: str = ""
    time: str = ""
    by: str | None = None
    unit: str = "months"
    kind: ClassVar[str] = "event_summary"
    fields_: ClassVar[dict] = {
        "event": "var",
        "time": "var",
        "by": "var?",
        "unit": ("days", "months", "years"),
    }


@dataclass(frozen=True)
class Survival(AnalysisSpec):
    """Kaplan-Meier of an endpoint, estimates at time points, medians, log-rank by group.

    ``subgroup`` repeats the analysis within each level of a variable (Figure 1); ``follow_up``
    adds the median follow-up by reverse Kaplan-Meier. Empty ``time_points_years`` uses
    ``settings.time_points_years``.
    """

    endpoint: str = ""
    group: str | None = None
    subgroup: str | None = None
    time_points_years: tuple[float, ...] = ()
    logrank: bool = True
    median: bool = True
    follow_up: bool = False
    kind: ClassVar[str] = "survival"
    fields_: ClassVar[dict] = {
        "endpoint": "endpoint",
        "group": "var?",
        "subgroup": "var?",
        "time_points_years": "times0",
        "logrank": "bool",
        "median": "bool",
        "follow_up": "bool",
    }


@dataclass(frozen=True)
class CumulativeIncidence(AnalysisSpec):
    """Aalen-Johansen cumulative incidence of an endpoint with competing risks; Gray's test."""

    endpoint: str = ""
    group: str | None = None
    subgroup: str | None = None
    time_points_years: tuple[float, ...] = ()
    gray: bool = True
    kind: ClassVar[str] = "cumulative_incidence"
    fields_: ClassVar[dict] = {
        "endpoint": "endpoint",
        "group": "var?",
        "subgroup": "var?",
        "time_points_years": "times0",
        "gray": "bool",
    }


@dataclass(frozen=True)
class CoxModel(AnalysisSpec):
    """One Cox model with fixed covariates (a published multivariable table)."""

    endpoint: str = ""
    covariates: tuple[str, ...] = ()
    kind: ClassVar[str] = "cox"
    fields_: ClassVar[dict] = {"endpoint": "endpoint", "covariates": "vars+"}


@dataclass(frozen=True)
class CoxScreening(AnalysisSpec):
    """Univariate Cox of each candidate, then the model of those with p < threshold.

    ``threshold`` of ``None`` uses ``settings.screening_threshold``.
    """

    endpoint: str = ""
    candidates: tuple[str, ...] = ()
    threshold: float | None = None
    kind: ClassVar[str] = "cox_screening"
    fields_: ClassVar[dict] = {
        "endpoint": "endpoint",
        "candidates": "vars+",
        "threshold": "prob1?",
    }


@dataclass(frozen=True)
class LogisticScreening(AnalysisSpec):
    """Univariate logistic regression of each candidate, then multivariable models.

    ``screened_model`` fits the model of the candidates with p < threshold; ``models`` are
    further named models with fixed covariates (Table 2's Model 1 and Model 2).
    """

    outcome: str = ""
    candidates: tuple[str, ...] = ()
    method: str = "ml"
    ci: str = "wald"
    threshold: float | None = None
    screened_model: bool = True
    models: tuple[Model, ...] = ()
    kind: ClassVar[str] = "logistic_screening"
    fields_: ClassVar[dict] = {
        "outcome": "var",
        "candidates": "vars+",
        "method": ("ml", "firth"),
        "ci": ("wald", "profile"),
        "threshold": "prob1?",
        "screened_model": "bool",
        "models": "models",
    }


@dataclass(frozen=True)
class CompareGroups(AnalysisSpec):
    """Each variable compared between the levels of ``group`` (the study's test rule).

    ``summary`` ``auto`` follows the normality rule; ``geometric_mean`` reports geometric means.
    """

    variables: tuple[str, ...] = ()
    group: str = ""
    summary: str = "auto"
    kind: ClassVar[str] = "compare"
    fields_: ClassVar[dict] = {
        "variables": "vars+",
        "group": "var",
        "summary": ("auto", "median", "mean", "geometric_mean"),
    }


@dataclass(frozen=True)
class Correlation(AnalysisSpec):
    """Correlation of pairs of variables; ``auto`` picks Pearson when both look normal."""

    pairs: tuple[tuple[str, str], ...] = ()
    method: str = "auto"
    kind: ClassVar[str] = "correlation"
    fields_: ClassVar[dict] = {"pairs": "pairs", "method": ("auto", "spearman", "pearson")}


@dataclass(frozen=True)
class Kinetics(AnalysisSpec):
    """NCA parameters summarised overall and within each subgroup, with the group test (Table 3)."""

    parameters: tuple[str, ...] = ("cmax", "auc_window", "tlast")
    subgroups: tuple[str, ...] = ()
    summary: str = "median"
    test: str = "mann_whitney"
    kind: ClassVar[str] = "kinetics"
    fields_: ClassVar[dict] = {
        "parameters": "nca+",
        "subgroups": "vars",
        "summary": ("median", "geometric_mean"),
        "test": ("mann_whitney", "auto"),
    }


@dataclass(frozen=True)
class ThresholdOR(AnalysisSpec):
    """Odds ratio of each outcome for ``marker >= threshold`` versus below."""

    marker: str = ""
    threshold: float = 0.0
    outcomes: tuple[str, ...] = ()
    kind: ClassVar[str] = "threshold_or"
    fields_: ClassVar[dict] = {"marker": "var", "threshold": "number", "outcomes": "vars+"}


@dataclass(frozen=True)
class CrsIcansCharacteristics(AnalysisSpec):
    """CRS and ICANS: patients by grade, onset, duration and treatment, and the daily grades.

    ``days`` is the window (days after infusion, inclusive) of the figure of daily grades.
    """

    days: tuple[float, float] = (0.0, 28.0)
    kind: ClassVar[str] = "crs_icans_characteristics"
    fields_: ClassVar[dict] = {"days": "window"}
    needs_tables: ClassVar[tuple[tuple[str, ...], ...]] = (("crs", "icans", "adverse_events"),)


@dataclass(frozen=True)
class Swimmer(AnalysisSpec):
    """One bar per patient from infusion to last contact, with the events of follow-up.

    Above ``max_patients`` patients the figure draws an evenly spaced selection of them (the
    table counts every patient).
    """

    unit: str = "months"
    max_patients: float = 150.0
    kind: ClassVar[str] = "swimmer"
    fields_: ClassVar[dict] = {
        "unit": ("days", "months", "years"),
        "max_patients": "positive",
    }


#: parameters of the Stein et al. (2019) model, as :data:`cartkit.kinetics.popmodel.MODELS`
#: names them (kept here so reading a plan does not import the estimator; a test checks them)
STEIN_PARAMETERS = ("cmax", "tmax", "rho", "alpha", "beta", "fb")
#: residual error models of :func:`cartkit.fit_kinetic_model`
KINETIC_ERRORS = ("log_additive", "additive", "proportional", "combined")


@dataclass(frozen=True)
class PopulationKineticModel(AnalysisSpec):
    """Population cellular-kinetic model of the transgene levels (``ck.fit_kinetic_model``).

    ``random`` names the parameters that vary between patients (``None``: all of them);
    ``covariates`` is a table of parameter -> variables of the analysis dataset, each a
    covariate effect on that parameter's log (logit for ``fb``) scale, tested by a
    likelihood-ratio test; ``iterations`` the SAEM iterations (exploratory, smoothing;
    ``None``: the estimator's default); ``seed`` seeds the estimation (the same study, plan
    and seed give the same numbers). ``max_patients`` caps the patients in the fit: when more
    are eligible, the model is fitted to a simple random sample of that many (drawn with
    ``seed``; the report says so). A registry's population estimates need hundreds of
    patients, not its every one, and the fit's time grows with each patient.
    """

    model: str = "stein2019"
    error: str = "log_additive"
    random: tuple[str, ...] | None = None
    covariates: tuple[tuple[str, tuple[str, ...]], ...] = ()
    iterations: tuple[int, int] | None = None
    seed: int = 0
    max_patients: int = 300
    kind: ClassVar[str] = "kinetic_model"
    fields_: ClassVar[dict] = {
        "model": ("stein2019",),
        "error": KINETIC_ERRORS,
        "random": "ck_params?",
        "covariates": "ck_effects",
        "iterations": "iterations?",
        "seed": "seed",
        "max_patients": "count",
    }
    needs_tables: ClassVar[tuple[tuple[str, ...], ...]] = (("kinetics",),)

    @staticmethod
    def cross_check(values: dict) -> list[tuple[str, str]]:
        """(key, problem) for each covariate effect on a parameter without a random effect."""
        random, effects = values.get("random"), values.get("covariates") or ()
        if random is None:
            return []
        return [
            (
                f"covariates.{param}",
                f"{param!r} has no between-patient variability (it is not in random), so a "
                "covariate cannot act on it; add it to random or remove the effect",
            )
            for param, _variables in effects
            if param not in random
        ]


#: kind name -> dataclass
ANALYSIS_KINDS = {
    cls.kind: cls
    for cls in (
        Baseline,
        Rates,
        EventSummary,
        Survival,
        CumulativeIncidence,
        CoxModel,
        CoxScreening,
        LogisticScreening,
        CompareGroups,
        Correlation,
        Kinetics,
        PopulationKineticModel,
        ThresholdOR,
        CrsIcansCharacteristics,
        Swimmer,
    )
}
