"""Trial design: log-rank events and power, survival sample size, group-sequential designs,
Simon's two-stage designs and power by simulation (docs/design.md).

The analytic functions give rpact's numbers (rpact 3.3.4: ``getDesignGroupSequential``,
``getDesignCharacteristics``, ``getSampleSizeSurvival``); the simulation runs event-driven
trials vectorised over trials, in process or on a Dask cluster. :mod:`cartkit.design.cart`
draws the patients of a trial from the virtual CAR-T cohort.
"""

from .events import logrank_events, logrank_power
from .group_sequential import GroupSequentialDesign, group_sequential
from .sample_size import SampleSizeSurvival, sample_size_survival
from .simon import simon_two_stage
from .simulation import SimulatedTrials, simulate_trials

__all__ = [
    "GroupSequentialDesign",
    "SampleSizeSurvival",
    "SimulatedTrials",
    "group_sequential",
    "logrank_events",
    "logrank_power",
    "sample_size_survival",
    "simon_two_stage",
    "simulate_trials",
]
