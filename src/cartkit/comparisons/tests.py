"""Group comparisons chosen by the study's rule, each test as R computes it.

Categorical variable: Pearson chi-square without continuity correction, or Fisher's exact test
when an expected count is below 5. Continuous variable: Shapiro-Wilk in each group; when every
group is normal (p > 0.05) Welch's t (two groups) or one-way ANOVA (more), else Mann-Whitney as R
``wilcox.test`` (two groups) or Kruskal-Wallis (more).
"""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
from scipy import stats

from .._core.checks import check_conf_level, require_columns
from .._core.results import Test
from ..errors import DataError
from ._fisher import fisher_2x2, fisher_rxc

__all__ = ["TESTS", "compare", "is_categorical", "shapiro_p"]

#: the tests ``compare(test=...)`` accepts, and the name each reports in ``Test.test``
TESTS = {
    "chisq": "Pearson chi-square",
    "chisq_yates": "Pearson chi-square with Yates correction",
    "fisher": "Fisher exact",
    "welch": "Welch t",
    "student": "Student t",
    "mannwhitney": "Mann-Whitney",
    "anova": "one-way ANOVA",
    "kruskal": "Kruskal-Wallis",
}
_CATEGORICAL_TESTS = {"chisq", "chisq_yates", "fisher"}
ALPHA_NORMAL = 0.05


def is_categorical(series: pd.Series) -> bool:
    """Whether a column is categorical: text, categorical, boolean, or numeric coded only 0/1."""
    if (
        isinstance(series.dtype, pd.CategoricalDtype)
        or pd.api.types.is_bool_dtype(series.dtype)
        or not pd.api.types.is_numeric_dtype(series.dtype)
    ):
        return True
    return bool(series.dropna().isin([0, 1]).all())


def shapiro_p(values: np.ndarray) -> float:
    """Shapiro-Wilk p-value as R ``shapiro.test``; NaN when it cannot be assessed.

    R requires 3 to 5000 values that are not all equal; outside that the normality of the group
    is unknown and cartkit's rule treats it as not normal.
    """
    values = np.asarray(values, float)
    if len(values) < 3 or len(values) > 5000 or np.ptp(values) == 0:
        return float("nan")
    return float(stats.shapiro(values).pvalue)


def _groups(df: pd.DataFrame, variable: str, group: str):
    require_columns(df, [variable, group], "compare data")
    if df[variable].isna().all():
        raise DataError(f"variable {variable!r} is missing in every row; nothing to compare")
    used = df[[variable, group]].dropna()
    n_missing = len(df) - len(used)
    gcol = used[group]
    levels = (
        [lv for lv in gcol.cat.categories if (gcol == lv).any()]
        if isinstance(gcol.dtype, pd.CategoricalDtype)
        else sorted(gcol.unique(), key=lambda v: (str(type(v)), v))
    )
    if len(levels) < 2:
        shown = [v.item() if isinstance(v, np.generic) else v for v in levels]
        raise DataError(
            f"group {group!r} has {len(levels)} level(s) {shown} among rows with {variable!r} "
            f"observed; a comparison needs at least two groups"
        )
    return used, levels, n_missing


def _contingency(used, variable, group, levels):
    var_levels = sorted(used[variable].unique(), key=lambda v: (str(type(v)), v))
    if isinstance(used[variable].dtype, pd.CategoricalDtype):
        var_levels = [lv for lv in used[variable].cat.categories if (used[variable] == lv).any()]
    table = np.array(
        [
            [int(((used[group] == g) & (used[variable] == v)).sum()) for v in var_levels]
            for g in levels
        ]
    )
    return table, var_levels


def _categorical(used, variable, group, levels, test, level, details) -> Test:
    table, var_levels = _contingency(used, variable, group, levels)
    details.update(table=table.tolist(), variable_levels=[str(v) for v in var_levels])
    if table.shape[1] < 2:
        raise DataError(
            f"variable {variable!r} takes one value ({var_levels[0]!r}) in every group; "
            f"there is nothing to compare"
        )
    expected = stats.contingency.expected_freq(table)
    details["expected"] = expected.tolist()
    if test is None:
        small = bool((expected < 5).any())
        test = "fisher" if small else "chisq"
        details["reason"] = (
            f"an expected count is below 5 (smallest {expected.min():.3g})"
            if small
            else "every expected count is at least 5"
        )
    n = int(table.sum())
    if test == "fisher":
        if table.shape == (2, 2):
            p, est, lo, hi = fisher_2x2(table, level)
            # the odds ratio compares the second group with the first, for the second level
            return Test(
                TESTS[test], p_value=p, estimate=est, ci_lower=lo, ci_upper=hi,
                conf_level=level, n=n, details=details,
            )  # fmt: skip
        try:
            p = fisher_rxc(table)
        except OverflowError:
            raise DataError(
                f"the {table.shape[0]} x {table.shape[1]} table of {variable!r} by {group!r} is "
                f"too large for an exact enumeration; use test='chisq'"
            ) from None
        return Test(TESTS[test], p_value=p, conf_level=level, n=n, details=details)
    chi2, p, dof, _ = stats.chi2_contingency(table, correction=test == "chisq_yates")
    return Test(
        TESTS[test], statistic=float(chi2), p_value=float(p), dof=float(dof),
        conf_level=level, n=n, details=details,
    )  # fmt: skip


def _continuous(used, variable, group, levels, test, level, details) -> Test:
    values = pd.to_numeric(used[variable], errors="coerce")
    if values.isna().any():
        bad = used[variable][values.isna()]
        raise DataError(
            f"variable {variable!r} is not numeric at index {bad.index[0]} ({bad.iloc[0]!r}); "
            f"pass a categorical variable as text, or fix the value"
        )
    samples = [values[used[group] == g].to_numpy(float) for g in levels]
    sizes = [len(s) for s in samples]
    details["group_sizes"] = sizes
    shapiro = [shapiro_p(s) for s in samples]
    details["shapiro_p"] = shapiro
    if test is None:
        normal = all(p > ALPHA_NORMAL for p in shapiro)  # NaN (not assessable) is not normal
        two = len(levels) == 2
        test = ("welch" if two else "anova") if normal else ("mannwhitney" if two else "kruskal")
        details["reason"] = (
            "Shapiro-Wilk p > 0.05 in every group"
            if normal
            else "Shapiro-Wilk p <= 0.05, or normality not assessable (fewer than 3 distinct "
            "values), in at least one group"
        )
    if test in ("welch", "student", "mannwhitney") and len(levels) != 2:
        raise DataError(f"test {test!r} compares two groups; {group!r} has {len(levels)}")
    n = int(sum(sizes))
    if test in ("welch", "student"):
        if min(sizes) < 2:
            raise DataError(
                f"a t-test needs at least 2 values per group; group sizes are "
                f"{dict(zip(map(str, levels), sizes, strict=True))}; use test='mannwhitney'"
            )
        res = stats.ttest_ind(samples[0], samples[1], equal_var=test == "student")
        ci = res.confidence_interval(level)
        return Test(
            TESTS[test], statistic=float(res.statistic), p_value=float(res.pvalue),
            dof=float(res.df), estimate=float(samples[0].mean() - samples[1].mean()),
            ci_lower=float(ci.low), ci_upper=float(ci.high), conf_level=level, n=n,
            details=details,
        )  # fmt: skip
    if test == "mannwhitney":
        return _wilcox(samples[0], samples[1], level, details)
    if min(sizes) < 1 or (test == "anova" and n - len(levels) < 1):
        raise DataError(f"too few values for {TESTS[test]}: group sizes {sizes}")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        res = stats.f_oneway(*samples) if test == "anova" else stats.kruskal(*samples)
    dof = len(levels) - 1
    return Test(
        TESTS[test], statistic=float(res.statistic), p_value=float(res.pvalue), dof=float(dof),
        conf_level=level, n=n, details=details,
    )  # fmt: skip


def _wilcox(x: np.ndarray, y: np.ndarray, level: float, details: dict) -> Test:
    """Mann-Whitney as R ``wilcox.test(x, y)``; W is the statistic of x.

    Exact when both samples have fewer than 50 values and nothing is tied, else the normal
    approximation with tie correction and continuity correction.
    """
    pooled = np.concatenate([x, y])
    ties = len(np.unique(pooled)) < len(pooled)
    exact = len(x) < 50 and len(y) < 50 and not ties
    method = "exact" if exact else "asymptotic"
    res = stats.mannwhitneyu(x, y, alternative="two-sided", method=method, use_continuity=True)
    details["method"] = "exact" if exact else "normal approximation with continuity correction"
    return Test(
        TESTS["mannwhitney"], statistic=float(res.statistic), p_value=float(res.pvalue),
        conf_level=level, n=len(pooled), details=details,
    )  # fmt: skip


def compare(
    df: pd.DataFrame,
    *,
    variable: str,
    group: str,
    test: str | None = None,
    categorical: bool | None = None,
    conf_level: float = 0.95,
) -> Test:
    """Compare a variable between groups with the test the study's rule chooses.

    Parameters
    ----------
    df : pandas.DataFrame
        One row per subject.
    variable : str
        The variable compared. Text, categorical, boolean and 0/1 columns are categorical;
        other numeric columns are continuous.
    group : str
        The grouping column (two or more levels, in sorted or categorical order).
    test : str, optional
        Force a test: one of ``chisq``, ``chisq_yates``, ``fisher``, ``welch``, ``student``,
        ``mannwhitney``, ``anova``, ``kruskal``. By default the rule chooses (module docstring).
    categorical : bool, optional
        Treat the variable as categorical (True) or continuous (False) whatever its type, e.g. a
        numerically coded category; by default decided by :func:`is_categorical`.
    conf_level : float
        Confidence level of the estimate's interval (Fisher odds ratio, t-test difference).

    Returns
    -------
    cartkit.results.Test
        ``test`` names the test performed and ``details["reason"]`` why it was chosen. For a
        2 x 2 Fisher test ``estimate`` is R's conditional MLE odds ratio (odds of the second
        variable level in the second group over the first) with its exact CI; for t-tests the
        difference of means (first group minus second) and its CI; ``statistic`` of
        Mann-Whitney is R's W for the first group. ``details`` also holds the table and
        expected counts or the group sizes and Shapiro-Wilk p-values, and ``n_missing``.

    Raises
    ------
    DataError
        Missing columns, an all-missing variable, fewer than two groups, a test that does not
        fit the variable, too few values for the test.
    """
    level = check_conf_level(conf_level)
    if test is not None and test not in TESTS:
        raise DataError(f"unknown test {test!r}; choose one of {sorted(TESTS)}")
    used, levels, n_missing = _groups(df, variable, group)
    details = {"groups": [str(g) for g in levels], "n_missing": int(n_missing)}
    if categorical is None:
        categorical = is_categorical(df[variable])
    if test is not None:
        categorical = test in _CATEGORICAL_TESTS
        details["reason"] = "test chosen by the caller"
    if categorical:
        return _categorical(used, variable, group, levels, test, level, details)
    return _continuous(used, variable, group, levels, test, level, details)
