"""Virtual cohorts in the study data format, calibrated to the published study."""

from .cohort import simulate_study
from .scenario import LESIONS, Scenario

__all__ = ["LESIONS", "Scenario", "simulate_study"]
