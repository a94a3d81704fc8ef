"""The shared result vocabulary (public name of :mod:`cartkit._core.results`)."""

from ._core.results import (
    CI_COLUMNS,
    ESTIMATE_COLUMNS,
    RATIO_COLUMNS,
    RegressionResult,
    Test,
    regression_columns,
)

__all__ = [
    "CI_COLUMNS",
    "ESTIMATE_COLUMNS",
    "RATIO_COLUMNS",
    "RegressionResult",
    "Test",
    "regression_columns",
]
