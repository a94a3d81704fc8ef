"""Log-rank test of two or more groups, optionally stratified, as R ``survdiff`` (rho = 0).

With counting-process rows ``(start, stop]`` (delayed entry, a group that changes over time)
the risk sets count the rows with ``start < t <= stop``; R's survdiff takes right-censored
data only, and this is then the score test of a Cox model with the group as a time-dependent
covariate (Breslow ties with the hypergeometric variance).

Written here, vectorised with numpy: statsmodels' ``survdiff`` gives the same statistic but not
the observed and expected counts per group, and is slower on large data (docs/methods.md).
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from scipy.stats import chi2

from .._core.results import Test
from ..errors import DataError
from ._km_core import fix_times, split_groups
from ._km_input import survival_data

__all__ = ["logrank"]


def _stratum(time, event, codes, n_groups, start=None):
    """Observed, expected and variance matrix of one stratum (R's ``survdiff2``), unsorted input."""
    death_times = np.unique(time[event])
    observed = np.zeros(n_groups)
    if len(death_times) == 0:
        return observed, np.zeros(n_groups), np.zeros((n_groups, n_groups))
    order, offsets = split_groups(codes, n_groups)
    if order is not None:
        time, event = time[order], event[order]
        start = None if start is None else start[order]
    risk = np.empty((len(death_times), n_groups))
    dead = np.empty((len(death_times), n_groups))
    for g in range(n_groups):
        tg = time[offsets[g] : offsets[g + 1]]
        eg = event[offsets[g] : offsets[g + 1]]
        ts = np.sort(tg)
        te = np.sort(tg[eg])
        # at risk at a death time: everyone in the group whose time is at or after it
        risk[:, g] = len(ts) - np.searchsorted(ts, death_times, side="left")
        if start is not None:  # ... less those who enter at or after it
            sg = np.sort(start[offsets[g] : offsets[g + 1]])
            risk[:, g] -= len(sg) - np.searchsorted(sg, death_times, side="left")
        dead[:, g] = np.searchsorted(te, death_times, side="right") - np.searchsorted(
            te, death_times, side="left"
        )
        observed[g] = len(te)
    deaths = dead.sum(axis=1)
    nrisk = risk.sum(axis=1)
    expected = (risk * (deaths / nrisk)[:, None]).sum(axis=0)
    # hypergeometric variance; a time with one subject at risk adds none
    with np.errstate(divide="ignore", invalid="ignore"):
        w = np.where(nrisk > 1, deaths * (nrisk - deaths) / (nrisk * (nrisk - 1)), 0.0)
    var = np.diag((w[:, None] * risk).sum(axis=0)) - (risk * (w / nrisk)[:, None]).T @ risk
    return observed, expected, var


def logrank(
    df: pd.DataFrame,
    *,
    time: str,
    event: str,
    group: str,
    strata: str | None = None,
    start: str | None = None,
) -> Test:
    """Log-rank test of equal survival across groups, as R ``survdiff``.

    ``logrank(df, time="t", event="e", group="g")`` is ``survdiff(Surv(t, e) ~ g)``; with
    ``strata="s"`` it is ``survdiff(Surv(t, e) ~ g + strata(s))``: observed and expected counts
    and their variance are summed over strata.

    Parameters
    ----------
    df : pandas.DataFrame
        One row per patient.
    time : str
        Column of follow-up times (>= 0).
    event : str
        Column of event indicators (1/True event, 0/False censored).
    group : str
        Column of the groups compared (two or more levels).
    strata : str, optional
        Column of strata.
    start : str, optional
        Column of interval starts of counting-process rows (``start < t <= time`` at risk);
        ``group`` may then change between a subject's rows.

    Returns
    -------
    cartkit.results.Test
        ``test="log-rank"``, ``statistic`` (chi-squared), ``dof`` (groups with a positive
        expected count, minus 1), ``p_value``, ``n`` (rows used). ``details`` holds per group
        (keyed by level, in R's factor order) ``n``, ``observed`` and ``expected`` events,
        and ``variance`` (the matrix, rows and columns in ``groups`` order), ``groups``,
        ``n_excluded`` (rows with a missing value) and ``n_strata``.

    Raises
    ------
    DataError
        Fewer than two groups; or any input problem :func:`kaplan_meier` also rejects.

    Notes
    -----
    Groups whose expected count is 0 (never at risk at an event time) are left out of the
    statistic, as R does. When fewer than two groups remain (e.g. no events at all), the
    statistic and p-value are NaN and ``details["note"]`` says why (R reports a chi-squared
    of 0 there).
    """
    data = survival_data(
        df, time=time, event=event, group=group, strata=strata, start=start, what="logrank"
    )
    levels = data.levels
    k = len(levels)
    if k < 2:
        raise DataError(
            f"logrank: column {group!r} has {k} level(s) among the complete rows ({levels});"
            " a log-rank test compares two or more groups"
        )
    observed = np.zeros(k)
    expected = np.zeros(k)
    var = np.zeros((k, k))
    # near-ties are merged over the whole data before strata are split, as R does
    b = data.start
    if b is None:
        t = fix_times(data.time)
    else:
        both = fix_times(np.concatenate([b, data.time]))
        b, t = both[: len(data.time)], both[len(data.time) :]
    if data.strata_codes is None:
        observed, expected, var = _stratum(t, data.event, data.codes, k, b)
        n_strata = 1
    else:
        n_strata = len(data.strata_levels)
        order, bounds = split_groups(data.strata_codes, n_strata)
        ts, es, cs = t[order], data.event[order], data.codes[order]
        bs = None if b is None else b[order]
        for s in range(n_strata):
            rows = slice(bounds[s], bounds[s + 1])
            o, x, v = _stratum(ts[rows], es[rows], cs[rows], k, None if bs is None else bs[rows])
            observed += o
            expected += x
            var += v
    used = expected > 0
    dof = int(used.sum()) - 1
    note = ""
    if dof < 1:
        statistic = p_value = np.nan
        note = "fewer than two groups were at risk at an event time: no test"
    else:
        diff = (observed - expected)[used][1:]
        vv = var[np.ix_(used, used)][1:, 1:]
        try:
            statistic = float(diff @ np.linalg.solve(vv, diff))
            p_value = float(chi2.sf(statistic, dof))
        except np.linalg.LinAlgError:  # R's solve() stops here
            statistic = p_value = np.nan
            note = "the variance matrix is singular (e.g. everyone at risk died at once): no test"
    n_per = np.bincount(data.codes, minlength=k)
    details = {
        "groups": list(levels),
        "n": dict(zip(levels, n_per.tolist(), strict=True)),
        "observed": dict(zip(levels, observed.tolist(), strict=True)),
        "expected": dict(zip(levels, expected.tolist(), strict=True)),
        "variance": var.tolist(),
        "n_excluded": data.n_excluded,
        "n_strata": n_strata,
    }
    if note:
        details["note"] = note
    return Test(
        test="log-rank",
        statistic=float(statistic),
        p_value=float(p_value),
        dof=float(max(dof, 0)),
        n=len(data.time),
        details=details,
    )
