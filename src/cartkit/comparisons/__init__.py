"""Group comparisons, correlation and descriptive summaries; knows nothing of CAR-T."""

from .binomial import ThresholdOddsRatio, rate, threshold_odds_ratio
from .correlation import correlate
from .descriptive import DESCRIBE_COLUMNS, describe
from .tests import TESTS, compare

__all__ = [
    "DESCRIBE_COLUMNS",
    "TESTS",
    "ThresholdOddsRatio",
    "compare",
    "correlate",
    "describe",
    "rate",
    "threshold_odds_ratio",
]
