"""Survival and competing-risks analysis; knows nothing of CAR-T."""

from .._core.units import (  # noqa: F401
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
from .competing import CIF, cumulative_incidence  # noqa: F401
from .counting import counting_process  # noqa: F401
from .cox import Cox, cox  # noqa: F401
from .fine_gray import FineGrayResult, fine_gray  # noqa: F401
from .follow_up import follow_up, median_follow_up  # noqa: F401
from .gray import GrayTests, gray_test  # noqa: F401
from .km import KM, kaplan_meier  # noqa: F401
from .landmark import Landmark, landmark  # noqa: F401
from .logrank import logrank  # noqa: F401
