"""cartkit: the analysis of a CAR-T cell therapy study.

The public API is imported lazily, so ``import cartkit`` stays fast and loads pandas, scipy or
matplotlib only when a function that needs them is first used.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING

from ._core.version import __version__ as __version__

# public name -> "module:attribute"; the single list of what cartkit offers
_API: dict[str, str] = {
    "CartkitError": "cartkit.errors:CartkitError",
    "DataError": "cartkit.errors:DataError",
    "StudyValidationError": "cartkit.errors:StudyValidationError",
    "ConvergenceWarning": "cartkit.errors:ConvergenceWarning",
    "DataQualityWarning": "cartkit.errors:DataQualityWarning",
    "Test": "cartkit._core.results:Test",
    "RegressionResult": "cartkit._core.results:RegressionResult",
    "Study": "cartkit.study:Study",
    "read_study": "cartkit.schema.validate:read_study",
    "validate_study": "cartkit.schema.validate:validate_study",
    "ValidationReport": "cartkit.schema.validate:ValidationReport",
    "example_study_path": "cartkit.data:example_study_path",
    "simulate_study": "cartkit.simulate:simulate_study",
    "Scenario": "cartkit.simulate:Scenario",
    # non-compartmental analysis
    "nca": "cartkit.kinetics:nca",
    "nca_arrays": "cartkit.kinetics:nca_arrays",
    "summarize_nca": "cartkit.kinetics:summarize_nca",
    "expansion_responders": "cartkit.kinetics:expansion_responders",
    "summarize_expansion": "cartkit.kinetics:summarize_expansion",
    "NCA_PARAMETERS": "cartkit.kinetics:PARAMETERS",
    # population kinetic model (nonlinear mixed effects, SAEM)
    "fit_kinetic_model": "cartkit.kinetics.popmodel:fit_kinetic_model",
    "KineticModelResult": "cartkit.kinetics.popmodel:KineticModelResult",
    "KineticModel": "cartkit.kinetics.popmodel:KineticModel",
    "simulate_kinetic_model": "cartkit.kinetics.popmodel:simulate_kinetic_model",
    # Kaplan-Meier, log-rank, follow-up, time scales
    "kaplan_meier": "cartkit.survival.km:kaplan_meier",
    "KM": "cartkit.survival.km:KM",
    "logrank": "cartkit.survival.logrank:logrank",
    "median_follow_up": "cartkit.survival.follow_up:median_follow_up",
    "follow_up": "cartkit.survival.follow_up:follow_up",
    "days": "cartkit._core.units:days",
    "months_to_days": "cartkit._core.units:months_to_days",
    "years_to_days": "cartkit._core.units:years_to_days",
    "to_weeks": "cartkit._core.units:to_weeks",
    "to_months": "cartkit._core.units:to_months",
    "to_years": "cartkit._core.units:to_years",
    "DAYS_PER_MONTH": "cartkit._core.units:DAYS_PER_MONTH",
    "DAYS_PER_YEAR": "cartkit._core.units:DAYS_PER_YEAR",
    "DAYS_PER_WEEK": "cartkit._core.units:DAYS_PER_WEEK",
    # Cox proportional hazards
    "cox": "cartkit.survival.cox:cox",
    "Cox": "cartkit.survival.cox:Cox",
    # time-dependent covariates and landmarks
    "counting_process": "cartkit.survival.counting:counting_process",
    "landmark": "cartkit.survival.landmark:landmark",
    "Landmark": "cartkit.survival.landmark:Landmark",
    # competing risks
    "cumulative_incidence": "cartkit.survival.competing:cumulative_incidence",
    "CIF": "cartkit.survival.competing:CIF",
    "gray_test": "cartkit.survival.gray:gray_test",
    "GrayTests": "cartkit.survival.gray:GrayTests",
    "fine_gray": "cartkit.survival.fine_gray:fine_gray",
    "FineGrayResult": "cartkit.survival.fine_gray:FineGrayResult",
    # toxicity grading
    "grade_crs": "cartkit.derive.crs:grade_crs",
    "grade_icans": "cartkit.derive.icans:grade_icans",
    "derive_crs": "cartkit.derive.crs:derive_crs",
    "derive_icans": "cartkit.derive.icans:derive_icans",
    "grade_labs": "cartkit.derive.ctcae:grade_labs",
    "derive_neutropenia": "cartkit.derive.ctcae:derive_neutropenia",
    "derive_febrile_neutropenia": "cartkit.derive.ctcae:derive_febrile_neutropenia",
    "derive_infections": "cartkit.derive.infections:derive_infections",
    "grade_study": "cartkit.derive.toxicity:grade_study",
    # endpoints and analysis datasets
    "Derived": "cartkit.derive._common:Derived",
    "derive_response": "cartkit.derive.response:derive_response",
    "derive_mrd": "cartkit.derive.mrd:derive_mrd",
    "compute_mrd_category": "cartkit.derive.mrd:compute_mrd_category",
    "derive_eligibility": "cartkit.derive.eligibility:derive_eligibility",
    "check_eligibility": "cartkit.derive.eligibility:check_eligibility",
    "derive_bca": "cartkit.derive.bca:derive_bca",
    "derive_persistence": "cartkit.derive.persistence:derive_persistence",
    "derive_risk_group": "cartkit.derive.risk:derive_risk_group",
    "derive_time_to_event": "cartkit.derive.time_to_event:derive_time_to_event",
    "EventSource": "cartkit.derive.time_to_event:EventSource",
    "CensorSource": "cartkit.derive.time_to_event:CensorSource",
    "Endpoint": "cartkit.derive.time_to_event:Endpoint",
    "DEFAULT_ENDPOINTS": "cartkit.derive.time_to_event:DEFAULT_ENDPOINTS",
    "derive_adsl": "cartkit.derive.adam:derive_adsl",
    "derive_adam": "cartkit.derive.adam:derive_adam",
    "Adam": "cartkit.derive.adam:Adam",
    # regression, comparisons, descriptives
    "logistic": "cartkit.regression.logistic:logistic",
    "LogisticResult": "cartkit.regression.logistic:LogisticResult",
    "screen": "cartkit.regression.screening:screen",
    "compare_models": "cartkit.regression.screening:models",
    "Screening": "cartkit.regression.screening:Screening",
    "compare": "cartkit.comparisons.tests:compare",
    "correlate": "cartkit.comparisons.correlation:correlate",
    "describe": "cartkit.comparisons.descriptive:describe",
    "rate": "cartkit.comparisons.binomial:rate",
    "threshold_odds_ratio": "cartkit.comparisons.binomial:threshold_odds_ratio",
    # trial design
    "logrank_events": "cartkit.design.events:logrank_events",
    "logrank_power": "cartkit.design.events:logrank_power",
    "sample_size_survival": "cartkit.design.sample_size:sample_size_survival",
    "group_sequential": "cartkit.design.group_sequential:group_sequential",
    "GroupSequentialDesign": "cartkit.design.group_sequential:GroupSequentialDesign",
    "simon_two_stage": "cartkit.design.simon:simon_two_stage",
    "simulate_trials": "cartkit.design.simulation:simulate_trials",
    "SimulatedTrials": "cartkit.design.simulation:SimulatedTrials",
    "simulate_hsct_trials": "cartkit.design.cart:simulate_hsct_trials",
    "hsct_power_curve": "cartkit.design.cart:hsct_power_curve",
    # the whole analysis and its report
    "analyze": "cartkit.report.analyze:analyze",
    "run_plan": "cartkit.runner.runner:run_plan",
    "Analysis": "cartkit.report.types:Analysis",
    "ReportTable": "cartkit.report.types:ReportTable",
    "ReportFigure": "cartkit.report.types:ReportFigure",
    "write_report": "cartkit.report.write:write_report",
    "load_plan": "cartkit.plan.plan:load_plan",
    "default_plan": "cartkit.plan.default:default_plan",
    "Plan": "cartkit.plan.schema:Plan",
    "PlanError": "cartkit.plan.schema:PlanError",
}

__all__ = sorted([*_API, "__version__"])


def __getattr__(name: str):
    try:
        target = _API[name]
    except KeyError:
        raise AttributeError(f"module 'cartkit' has no attribute {name!r}") from None
    module_name, attr = target.split(":")
    value = getattr(importlib.import_module(module_name), attr)
    globals()[name] = value  # cache: later look-ups skip __getattr__
    return value


def __dir__():
    return __all__


if TYPE_CHECKING:  # pragma: no cover - for type checkers and IDEs only
    from ._core.results import RegressionResult, Test  # noqa: F401
    from ._core.units import (  # noqa: F401
        DAYS_PER_MONTH,
        DAYS_PER_WEEK,
        DAYS_PER_YEAR,
        days,
        months_to_days,
        to_months,
        to_weeks,
        to_years,
        years_to_days,
    )
    from .comparisons.binomial import rate, threshold_odds_ratio  # noqa: F401
    from .comparisons.correlation import correlate  # noqa: F401
    from .comparisons.descriptive import describe  # noqa: F401
    from .comparisons.tests import compare  # noqa: F401
    from .data import example_study_path  # noqa: F401
    from .derive._common import Derived  # noqa: F401
    from .derive.adam import Adam, derive_adam, derive_adsl  # noqa: F401
    from .derive.bca import derive_bca  # noqa: F401
    from .derive.crs import derive_crs, grade_crs  # noqa: F401
    from .derive.ctcae import derive_febrile_neutropenia, derive_neutropenia, grade_labs  # noqa: F401
    from .derive.eligibility import check_eligibility, derive_eligibility  # noqa: F401
    from .derive.icans import derive_icans, grade_icans  # noqa: F401
    from .derive.infections import derive_infections  # noqa: F401
    from .derive.mrd import compute_mrd_category, derive_mrd  # noqa: F401
    from .derive.persistence import derive_persistence  # noqa: F401
    from .derive.response import derive_response  # noqa: F401
    from .derive.risk import derive_risk_group  # noqa: F401
    from .derive.time_to_event import (  # noqa: F401
        DEFAULT_ENDPOINTS,
        CensorSource,
        Endpoint,
        EventSource,
        derive_time_to_event,
    )
    from .derive.toxicity import grade_study  # noqa: F401
    from .design.cart import hsct_power_curve, simulate_hsct_trials  # noqa: F401
    from .design.events import logrank_events, logrank_power  # noqa: F401
    from .design.group_sequential import GroupSequentialDesign, group_sequential  # noqa: F401
    from .design.sample_size import sample_size_survival  # noqa: F401
    from .design.simon import simon_two_stage  # noqa: F401
    from .design.simulation import SimulatedTrials, simulate_trials  # noqa: F401
    from .errors import (  # noqa: F401
        CartkitError,
        ConvergenceWarning,
        DataError,
        DataQualityWarning,
        StudyValidationError,
    )
    from .kinetics import (  # noqa: F401
        expansion_responders,
        nca,
        nca_arrays,
        summarize_expansion,
        summarize_nca,
    )
    from .kinetics.popmodel import (  # noqa: F401
        KineticModel,
        KineticModelResult,
        fit_kinetic_model,
        simulate_kinetic_model,
    )
    from .plan.default import default_plan  # noqa: F401
    from .plan.plan import load_plan  # noqa: F401
    from .plan.schema import Plan, PlanError  # noqa: F401
    from .regression.logistic import LogisticResult, logistic  # noqa: F401
    from .regression.screening import Screening, screen  # noqa: F401
    from .regression.screening import models as compare_models  # noqa: F401
    from .report.analyze import analyze  # noqa: F401
    from .report.write import write_report  # noqa: F401
    from .runner.runner import run_plan  # noqa: F401
    from .runner.types import Analysis, ReportFigure, ReportTable  # noqa: F401
    from .schema.validate import ValidationReport, read_study, validate_study  # noqa: F401
    from .simulate import Scenario, simulate_study  # noqa: F401
    from .study import Study  # noqa: F401
    from .survival.competing import CIF, cumulative_incidence  # noqa: F401
    from .survival.cox import Cox, cox  # noqa: F401
    from .survival.fine_gray import FineGrayResult, fine_gray  # noqa: F401
    from .survival.follow_up import follow_up, median_follow_up  # noqa: F401
    from .survival.gray import GrayTests, gray_test  # noqa: F401
    from .survival.km import KM, kaplan_meier  # noqa: F401
    from .survival.logrank import logrank  # noqa: F401
