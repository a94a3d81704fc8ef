"""The shared result vocabulary.

Column names of result tables never change with arguments, so downstream code (the report, a
user's notebook) can rely on them. A statistical test returns a :class:`Test`.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Any

__all__ = [
    "CI_COLUMNS",
    "ESTIMATE_COLUMNS",
    "Test",
]

#: columns every estimate table carries, in this order
ESTIMATE_COLUMNS = ("estimate", "ci_lower", "ci_upper")
#: confidence-interval columns
CI_COLUMNS = ("ci_lower", "ci_upper")
#: other fixed names: ``p_value``, ``n``, ``n_events``, ``group``, ``term``, ``time``


@dataclass(frozen=True)
class Test:
    """The result of one statistical test or correlation.

    Attributes
    ----------
    test : str
        Name of the test actually performed (``"log-rank"``, ``"Welch t"``, ``"Fisher exact"``).
    statistic : float
        The test statistic (NaN when the test has none, as Fisher's exact test).
    p_value : float
        Two-sided p-value unless ``alternative`` says otherwise.
    dof : float
        Degrees of freedom, NaN where not applicable.
    estimate : float
        The effect estimate where the test has one (correlation coefficient, odds ratio,
        difference in means), else NaN.
    ci_lower, ci_upper : float
        Confidence interval of ``estimate`` at ``conf_level``, NaN where not available.
    conf_level : float
        Confidence level of the interval.
    n : int
        Number of observations used.
    alternative : str
        ``"two-sided"``, ``"less"`` or ``"greater"``.
    details : Mapping[str, Any]
        Further, test-specific values (observed and expected counts, group sizes, the reason
        a test was chosen); read-only.
    """

    __test__ = False  # not a pytest test class, despite the name

    test: str
    statistic: float = float("nan")
    p_value: float = float("nan")
    dof: float = float("nan")
    estimate: float = float("nan")
    ci_lower: float = float("nan")
    ci_upper: float = float("nan")
    conf_level: float = 0.95
    n: int = 0
    alternative: str = "two-sided"
    details: Any = field(default_factory=dict)

    def __post_init__(self):
        object.__setattr__(self, "details", MappingProxyType(dict(self.details)))

    def __getstate__(self) -> dict[str, Any]:
        # a mappingproxy does not pickle; a figure spec holding a Test is drawn in another
        # process, so the details travel as a dict
        return {**self.__dict__, "details": dict(self.details)}

    def __setstate__(self, state: dict[str, Any]) -> None:
        for name, value in state.items():
            object.__setattr__(self, name, value)
        object.__setattr__(self, "details", MappingProxyType(dict(self.details)))

    def to_dict(self) -> dict[str, Any]:
        """Plain dict of every field (``details`` included), for JSON output."""
        return {
            "test": self.test,
            "statistic": self.statistic,
            "p_value": self.p_value,
            "dof": self.dof,
            "estimate": self.estimate,
            "ci_lower": self.ci_lower,
            "ci_upper": self.ci_upper,
            "conf_level": self.conf_level,
            "n": self.n,
            "alternative": self.alternative,
            "details": dict(self.details),
        }
