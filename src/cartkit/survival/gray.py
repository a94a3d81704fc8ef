"""Gray's K-sample test for cumulative incidence functions, computed as R ``cmprsk::cuminc``.

For each cause, the score compares each group's subdistribution hazard with the pooled one,
weighted by ``(1 - F(t-))^rho`` (Gray 1988, Ann. Stat. 16:1141). The variance is Gray's
estimator as coded in cmprsk (its ``crstm`` routine), including the correction for tied events;
with ``strata`` the scores and variances are summed over strata. The statistic ``s' V^-1 s`` has
``K - 1`` degrees of freedom.
"""

from __future__ import annotations

from collections.abc import Hashable, Mapping
from dataclasses import dataclass

import numpy as np
import pandas as pd
import scipy.linalg
from scipy import stats

from .._core.frames import plain_text_result
from .._core.legacy import FrameAccess
from .._core.results import FrozenMap, Test
from ..errors import DataError
from ._cr_input import CompetingData, prepare

__all__ = ["GrayTests", "gray_test"]

_COLUMNS = ["cause", "statistic", "dof", "p_value"]


@dataclass(frozen=True, eq=False, repr=False)
class GrayTests(FrameAccess):
    """Gray's test of each cause: ``res[cause]`` is its :class:`cartkit.results.Test`.

    Attributes
    ----------
    tests : Mapping[int, Test]
        Cause code -> Gray's test of that cause (``test="Gray"``, ``statistic``, ``dof``,
        ``p_value``, ``n`` the subjects used; ``details``: ``cause``, ``n_events`` of the
        cause, ``rho``, ``groups`` compared, ``n_strata``), in cause order; read-only.

    Notes
    -----
    ``res.table`` lists the tests one row per cause (``cause, statistic, dof, p_value``, as
    ``cmprsk::cuminc(...)$Tests``). Until the next release the result also reads as the
    DataFrame ``gray_test`` used to return (``res["p_value"]``, ``res.loc``, ``res.iloc``,
    ``res.iterrows()``, ``len(res)``, iteration over its columns...), with a
    DeprecationWarning.
    """

    tests: Mapping

    _LEGACY_MESSAGE = (
        "ck.gray_test now returns a GrayTests (cause -> Test); use res[cause].p_value, "
        "res.tests or res.table instead of DataFrame access, which goes in the next release"
    )

    def __post_init__(self) -> None:
        object.__setattr__(self, "tests", FrozenMap(self.tests))

    @property
    def causes(self) -> tuple[int, ...]:
        """The cause codes tested, in order."""
        return tuple(self.tests)

    @property
    def table(self) -> pd.DataFrame:
        """One row per cause: ``cause, statistic, dof, p_value``."""
        rows = [(c, t.statistic, t.dof, t.p_value) for c, t in self.tests.items()]
        return pd.DataFrame(rows, columns=_COLUMNS).astype(
            {"cause": "int64", "statistic": float, "dof": float, "p_value": float}
        )

    def __getitem__(self, key):
        if isinstance(key, Hashable) and not isinstance(key, str) and key in self.tests:
            return self.tests[key]
        if isinstance(key, int | np.integer):
            raise KeyError(f"no Gray's test of cause {key}; the causes tested: {self.causes}")
        return self._old_frame()[key]

    def _legacy_frame(self) -> pd.DataFrame:
        return self.table

    def __repr__(self) -> str:
        return f"GrayTests(causes={self.causes})\n{self.table.to_string(index=False)}"

    def _repr_html_(self) -> str:
        return f"<p>Gray's test by cause</p>{self.table.to_html(index=False)}"


def _shift(x: np.ndarray, first: float) -> np.ndarray:
    """Values just before each time (left limits) of a per-time array."""
    out = np.empty_like(x)
    out[0] = first
    out[1:] = x[:-1]
    return out


def _stratum_score(
    t: np.ndarray, m: np.ndarray, g: np.ndarray, ng: int, rho: float
) -> tuple[np.ndarray, np.ndarray]:
    """Score vector (first ng - 1 groups) and its variance matrix within one stratum.

    ``m`` is 1 for an event of the cause tested, 2 for a competing event, 0 for censoring.
    """
    times, inverse = np.unique(t, return_inverse=True)
    nt = len(times)
    cnt = np.zeros((nt, ng))
    d1 = np.zeros((nt, ng))
    d2 = np.zeros((nt, ng))
    np.add.at(cnt, (inverse, g), 1.0)
    np.add.at(d1, (inverse, g), (m == 1).astype(float))
    np.add.at(d2, (inverse, g), (m == 2).astype(float))
    # keep only times with an event: censoring-only times change nothing in the statistic
    at_risk_all = cnt.sum(axis=0) - np.vstack((np.zeros(ng), np.cumsum(cnt, axis=0)[:-1]))
    has_event = (d1 + d2).sum(axis=1) > 0
    rs, d1, d2 = at_risk_all[has_event], d1[has_event], d2[has_event]
    if len(rs) == 0:
        return np.zeros(ng - 1), np.zeros((ng - 1, ng - 1))
    live = rs > 0
    with np.errstate(divide="ignore", invalid="ignore"):
        step = np.where(live, (rs - d1 - d2) / rs, 1.0)
        skm = np.cumprod(step, axis=0)  # all-cause KM per group, right-continuous
        skmm = _shift(skm, 1.0)
        f1 = np.cumsum(np.where(live, skmm * d1 / rs, 0.0), axis=0)
        f1m = _shift(f1, 0.0)
        t1 = np.where(live, rs / skmm, 0.0)
        tr = t1.sum(axis=1)
        tq = np.where(live, rs * (1.0 - f1m) / skmm, 0.0).sum(axis=1)
        nd1 = d1.sum(axis=1)
        f = np.cumsum(nd1 / tr)  # pooled cumulative incidence
        fm = _shift(f, 0.0)
        fb = (1.0 - fm) ** rho
        # a: the weight matrix at each time; c: its running integral against the pooled hazard
        a = fb[:, None, None] * (
            t1[:, :, None] * np.eye(ng)[None] - t1[:, :, None] * t1[:, None, :] / tr[:, None, None]
        )
        dc = np.where((nd1 > 0)[:, None, None], a * (nd1 / (tr * (1.0 - fm)))[:, None, None], 0.0)
        c = np.cumsum(dc, axis=0)
        expected = nd1[:, None] * rs * (1.0 - f1m) / (skmm * tq[:, None])
        score = np.where(live, fb[:, None] * (d1 - expected), 0.0)
        # events of the cause tested
        ev1 = live & (nd1 > 0)[:, None]
        t4 = np.where(skm > 0, 1.0 - (1.0 - f)[:, None] / skm, 1.0)
        tie = np.where(
            (nd1 > 1)[:, None], 1.0 - (nd1 - 1.0)[:, None] / (tr[:, None] * skmm - 1.0), 1.0
        )
        t3 = np.where(ev1, tie * skmm * nd1[:, None] / (tr[:, None] * rs), 0.0)
        # competing events
        ev2 = (skm > 0) & (d2 > 0)
        t4b = np.where(ev2, (1.0 - f)[:, None] / skm, 0.0)
        tieb = np.where(d2 > 1, 1.0 - (d2 - 1.0) / (rs - 1.0), 1.0)
        t3b = np.where(ev2, tieb * skmm**2 * d2 / rs**2, 0.0)
    k = ng - 1
    a, c = a[:, :k, :], c[:, :k, :]
    term1 = a - t4[:, None, :] * c  # (time, i, group)
    term2 = t4b[:, None, :] * c
    v3 = (t4**2 * t3).sum(axis=0) + (t4b**2 * t3b).sum(axis=0)
    v2 = (term1 * (t4 * t3)[:, None, :]).sum(axis=0) - (term2 * (t4b * t3b)[:, None, :]).sum(axis=0)
    var = np.einsum("tik,tjk,tk->ij", term1, term1, t3) + np.einsum(
        "tik,tjk,tk->ij", term2, term2, t3b
    )
    cf = c[-1]
    var += (cf * v3) @ cf.T + cf @ v2.T + v2 @ cf.T
    return score.sum(axis=0)[:k], var


def _quadratic_form(s: np.ndarray, v: np.ndarray) -> float:
    """``s' V^-1 s``, NaN when V is singular (cmprsk reports -1 there)."""
    _, r, _ = scipy.linalg.qr(v, pivoting=True)
    diag = np.abs(np.diag(r))
    if len(diag) == 0 or diag[0] == 0 or np.any(diag < 1e-7 * diag[0]):
        return float("nan")
    return float(s @ np.linalg.solve(v, s))


def gray_statistics(data: CompetingData, causes, *, rho: float = 0.0) -> GrayTests:
    """Gray's test for each cause on prepared data (used by ``CIF.gray_test``)."""
    try:
        rho = float(rho)
    except (TypeError, ValueError):
        raise DataError(f"rho must be a number, got {rho!r}") from None
    ng = len(data.group_levels)
    if ng < 2:
        raise DataError("Gray's test needs at least two groups with data")
    order = np.argsort(data.time, kind="stable")
    t, e, g, st = data.time[order], data.event[order], data.group[order], data.strata[order]
    groups = tuple(g.item() if isinstance(g, np.generic) else g for g in data.group_levels)
    tests = {}
    for cause in causes:
        m = np.where(e == cause, 1, np.where(e > 0, 2, 0))
        s = np.zeros(ng - 1)
        v = np.zeros((ng - 1, ng - 1))
        for k in range(len(data.strata_levels)):
            inside = st == k
            if inside.any():
                sk, vk = _stratum_score(t[inside], m[inside], g[inside], ng, rho)
                s += sk
                v += vk
        stat = _quadratic_form(s, v)
        dof = ng - 1
        tests[int(cause)] = Test(
            test="Gray",
            statistic=stat,
            p_value=float(stats.chi2.sf(stat, dof)),
            dof=float(dof),
            n=len(t),
            details={
                "cause": int(cause),
                "n_events": int((e == cause).sum()),
                "rho": rho,
                "groups": groups,
                "n_strata": len(data.strata_levels),
            },
        )
    return GrayTests(tests)


@plain_text_result
def gray_test(
    df: pd.DataFrame,
    *,
    time: str,
    event: str,
    group: str,
    strata: str | None = None,
    rho: float = 0.0,
) -> GrayTests:
    """Gray's test of equal cumulative incidence across groups, for each cause.

    Parameters
    ----------
    df : pandas.DataFrame
        One row per subject.
    time, event : str
        Follow-up time and event code (0 censored, 1, 2, ... causes).
    group : str
        Column of the groups compared.
    strata : str, optional
        Column of strata: scores and variances are computed within strata and summed.
    rho : float
        Power of the weight ``(1 - F(t-))^rho``; 0 is cmprsk's default.

    Returns
    -------
    GrayTests
        ``res[cause]``: the :class:`cartkit.results.Test` of each cause with an event;
        ``res.table``: one row per cause, ``cause, statistic, dof, p_value``, as
        ``cmprsk::cuminc(time, event, group, strata, rho)$Tests``. (It returned that table
        before; DataFrame access still works until the next release, with a
        DeprecationWarning.)
    """
    data = prepare(df, time=time, event=event, group=group, strata=strata, what="data")
    causes = np.unique(data.event[data.event > 0])
    return gray_statistics(data, causes, rho=rho)
