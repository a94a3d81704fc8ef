"""Trial design: log-rank events and power, survival sample size, group-sequential designs,
Simon's two-stage designs and power by simulation (docs/design.md).

The analytic functions give rpact's numbers (rpact 3.3.4, ``getDesignGroupSequential``,
``getDesignCharacteristics``, ``getSampleSizeSurvival``); the simulation runs event-driven
trials vectorised over trials, in process or on a Dask cluster.
"""

from .events import logrank_events, logrank_power
from .group_sequential import GroupSequentialDesign, group_sequential

__all__ = [
    "GroupSequentialDesign",
    "group_sequential",
    "logrank_events",
    "logrank_power",
]
