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
    from .errors import (  # noqa: F401
        CartkitError,
        ConvergenceWarning,
        DataError,
        DataQualityWarning,
        StudyValidationError,
    )
    from .results import Test  # noqa: F401
    from .schema.validate import ValidationReport, read_study, validate_study  # noqa: F401
    from .study import Study  # noqa: F401
