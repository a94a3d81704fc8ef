"""cartkit: the analysis of a CAR-T cell therapy study.

The public API is imported lazily, so ``import cartkit`` stays fast and loads pandas, scipy or
matplotlib only when a function that needs them is first used.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING

__version__ = "0.1.0"

# public name -> "module:attribute"; the single list of what cartkit offers
_API: dict[str, str] = {
    "CartkitError": "cartkit.errors:CartkitError",
    "DataError": "cartkit.errors:DataError",
    "StudyValidationError": "cartkit.errors:StudyValidationError",
    "ConvergenceWarning": "cartkit.errors:ConvergenceWarning",
    "DataQualityWarning": "cartkit.errors:DataQualityWarning",
    "Test": "cartkit.results:Test",
    "Study": "cartkit.study:Study",
    "read_study": "cartkit.schema.validate:read_study",
    "validate_study": "cartkit.schema.validate:validate_study",
    "ValidationReport": "cartkit.schema.validate:ValidationReport",
    "example_study_path": "cartkit.data:example_study_path",
    # non-compartmental analysis
    "nca": "cartkit.kinetics:nca",
    "nca_arrays": "cartkit.kinetics:nca_arrays",
    "summarize_nca": "cartkit.kinetics:summarize_nca",
    "expansion_responders": "cartkit.kinetics:expansion_responders",
    "summarize_expansion": "cartkit.kinetics:summarize_expansion",
    "NCA_PARAMETERS": "cartkit.kinetics:PARAMETERS",
    # Kaplan-Meier, log-rank, follow-up, time scales
    "kaplan_meier": "cartkit.survival.km:kaplan_meier",
    "KM": "cartkit.survival.km:KM",
    "logrank": "cartkit.survival.logrank:logrank",
    "median_follow_up": "cartkit.survival.follow_up:median_follow_up",
    "follow_up": "cartkit.survival.follow_up:follow_up",
    "days": "cartkit.survival.timescale:days",
    "months_to_days": "cartkit.survival.timescale:months_to_days",
    "years_to_days": "cartkit.survival.timescale:years_to_days",
    "to_weeks": "cartkit.survival.timescale:to_weeks",
    "to_months": "cartkit.survival.timescale:to_months",
    "to_years": "cartkit.survival.timescale:to_years",
    "DAYS_PER_MONTH": "cartkit.survival.timescale:DAYS_PER_MONTH",
    "DAYS_PER_YEAR": "cartkit.survival.timescale:DAYS_PER_YEAR",
    "DAYS_PER_WEEK": "cartkit.survival.timescale:DAYS_PER_WEEK",
    # competing risks
    "cumulative_incidence": "cartkit.survival.competing:cumulative_incidence",
    "CIF": "cartkit.survival.competing:CIF",
    "gray_test": "cartkit.survival.gray:gray_test",
    "fine_gray": "cartkit.survival.fine_gray:fine_gray",
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
    from .data import example_study_path  # noqa: F401
    from .derive.crs import derive_crs, grade_crs  # noqa: F401
    from .derive.ctcae import derive_febrile_neutropenia, derive_neutropenia, grade_labs  # noqa: F401
    from .derive.icans import derive_icans, grade_icans  # noqa: F401
    from .derive.infections import derive_infections  # noqa: F401
    from .derive.toxicity import grade_study  # noqa: F401
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
    from .results import Test  # noqa: F401
    from .schema.validate import ValidationReport, read_study, validate_study  # noqa: F401
    from .study import Study  # noqa: F401
    from .survival.competing import CIF, cumulative_incidence  # noqa: F401
    from .survival.fine_gray import fine_gray  # noqa: F401
    from .survival.follow_up import follow_up, median_follow_up  # noqa: F401
    from .survival.gray import gray_test  # noqa: F401
    from .survival.km import KM, kaplan_meier  # noqa: F401
    from .survival.logrank import logrank  # noqa: F401
    from .survival.timescale import (  # noqa: F401
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
