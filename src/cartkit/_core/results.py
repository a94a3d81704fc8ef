"""The shared result vocabulary.

Column names of result tables never change with arguments, so downstream code (the report, a
user's notebook) can rely on them. A statistical test returns a :class:`Test`; a regression fit
(Cox, logistic, Firth, Fine-Gray) a :class:`RegressionResult`.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:  # pragma: no cover - pandas is imported by the fits, not by this module
    import pandas as pd

__all__ = [
    "CI_COLUMNS",
    "ESTIMATE_COLUMNS",
    "RATIO_COLUMNS",
    "FrozenMap",
    "RegressionResult",
    "Test",
    "regression_columns",
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


#: the model-specific ratio column of each regression model (its old name, kept beside
#: ``estimate``)
RATIO_COLUMNS = {"cox": "hr", "logistic": "odds_ratio", "firth": "odds_ratio", "fine_gray": "shr"}


def regression_columns(model: str) -> tuple[str, ...]:
    """The fixed leading columns of a :class:`RegressionResult` table of ``model``."""
    return (
        "term",
        "estimate",
        "ci_lower",
        "ci_upper",
        "p_value",
        "coef",
        "se",
        RATIO_COLUMNS[model],
        "covariate",
        "reference",
    )


@dataclass(frozen=True, eq=False, kw_only=True)
class RegressionResult:
    """A fitted regression model: Cox, logistic (maximum likelihood or Firth) or Fine-Gray.

    Every model reads the same way: one row per term in ``table``, the counts, whether the fit
    converged and what it warned. The subclasses (:class:`cartkit.survival.cox.Cox`,
    :class:`cartkit.regression.logistic.LogisticResult`,
    :class:`cartkit.survival.fine_gray.FineGrayResult`) add what is particular to a model.

    Attributes
    ----------
    model : str
        ``"cox"``, ``"logistic"``, ``"firth"`` or ``"fine_gray"``.
    table : pandas.DataFrame
        One row per term with the columns ``term, estimate, ci_lower, ci_upper, p_value, coef,
        se, <ratio>, covariate, reference`` in this order (:func:`regression_columns`), where
        ``estimate`` is the ratio the interval is on (hazard ratio, odds ratio or
        subdistribution hazard ratio, ``exp(coef)``), ``p_value`` the test of ``coef = 0``,
        ``<ratio>`` the same ratio under its model-specific name (``hr``, ``odds_ratio``,
        ``shr``: :data:`RATIO_COLUMNS`), ``covariate`` the input column of the term and
        ``reference`` the reference level of a categorical term (``""`` for a numeric one).
        A model may add columns after these (Cox's ``naive_se``, Fine-Gray's ``n`` and
        ``n_events``).
    n, n_events : int
        Rows used and events among them.
    n_excluded : int
        Rows left out for a missing value in a column of the model.
    converged : bool
        Whether the fit converged to finite estimates.
    warnings : tuple of str
        The messages of the warnings the fit issued (it still issues them as warnings).
    conf_level : float
        Confidence level of the intervals.
    loglik : float
        Log-likelihood at the estimate (partial, penalised or pseudo-likelihood, as the model
        maximises).
    details : Mapping[str, Any]
        Model-specific values (the subclass says which); read-only.
    """

    model: str
    table: pd.DataFrame
    n: int
    n_events: int
    n_excluded: int = 0
    converged: bool = True
    warnings: tuple[str, ...] = ()
    conf_level: float = 0.95
    loglik: float = float("nan")
    details: Any = field(default_factory=dict)

    def __post_init__(self):
        expected = regression_columns(self.model)
        if tuple(self.table.columns[: len(expected)]) != expected:
            raise ValueError(
                f"a {self.model} result table must start with the columns {list(expected)}; "
                f"got {list(self.table.columns)}"
            )
        object.__setattr__(self, "warnings", tuple(self.warnings))
        object.__setattr__(self, "details", FrozenMap(self.details))
        from .frames import plain_text_fields  # pandas only once a fit exists

        plain_text_fields(self)  # text columns as objects with None, under pandas 2 and 3

    @property
    def ratio(self) -> str:
        """The model-specific name of ``estimate`` in ``table`` (``"hr"``, ``"odds_ratio"``...)."""
        return RATIO_COLUMNS[self.model]

    def _summary(self) -> str:
        text = (
            f"{type(self).__name__}(model={self.model!r}, n={self.n}, n_events={self.n_events}, "
            f"converged={self.converged}"
        )
        return text + (f", warnings={len(self.warnings)})" if self.warnings else ")")

    def __repr__(self) -> str:
        return f"{self._summary()}\n{self.table.to_string(index=False)}"

    def _repr_html_(self) -> str:
        from html import escape

        return f"<p>{escape(self._summary())}</p>{self.table.to_html(index=False)}"
