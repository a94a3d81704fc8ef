"""The shared result vocabulary.

Column names of result tables never change with arguments, so downstream code (the report, a
user's notebook) can rely on them. A statistical test returns a :class:`Test`.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any

__all__ = [
    "CI_COLUMNS",
    "ESTIMATE_COLUMNS",
    "FrozenMap",
    "Test",
]

#: columns every estimate table carries, in this order
ESTIMATE_COLUMNS = ("estimate", "ci_lower", "ci_upper")
#: confidence-interval columns
CI_COLUMNS = ("ci_lower", "ci_upper")
#: other fixed names: ``p_value``, ``n``, ``n_events``, ``group``, ``term``, ``time``


class FrozenMap(Mapping):
    """A read-only mapping that pickles (a ``types.MappingProxyType`` does not).

    Result objects hold their mappings in one, so a result (or a figure spec bound to it) can
    be sent to another process to be drawn.
    """

    __slots__ = ("_items",)

    def __init__(self, items=()) -> None:
        object.__setattr__(self, "_items", dict(items))

    def __getitem__(self, key):
        return self._items[key]

    def __iter__(self) -> Iterator:
        return iter(self._items)

    def __len__(self) -> int:
        return len(self._items)

    def __setattr__(self, name, value) -> None:
        raise AttributeError("a FrozenMap cannot be changed")

    def __reduce__(self):
        return (FrozenMap, (self._items,))

    def __repr__(self) -> str:
        return f"FrozenMap({self._items!r})"

    def __eq__(self, other) -> bool:
        return dict(self) == dict(other) if isinstance(other, Mapping) else NotImplemented

    def __hash__(self) -> int:
        return hash(tuple(self._items.items()))


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
        object.__setattr__(self, "details", FrozenMap(self.details))

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
