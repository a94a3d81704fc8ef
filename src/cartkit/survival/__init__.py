"""Survival and competing-risks analysis; knows nothing of CAR-T."""

# competing risks: cumulative incidence, Gray's test, Fine-Gray
from .competing import CIF, cumulative_incidence  # noqa: F401
from .fine_gray import fine_gray  # noqa: F401
from .gray import gray_test  # noqa: F401
