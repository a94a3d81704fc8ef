"""Median follow-up by the reverse Kaplan-Meier method.

The reverse Kaplan-Meier estimate treats censoring as the event and the event as censoring
(R ``survfit(Surv(time, 1 - event) ~ 1)``); its median is the median potential follow-up, which
unlike the median observed time is not shortened by early events.
"""

from __future__ import annotations

import pandas as pd

from .._core.checks import check_conf_level
from .._core.frames import plain_text_result
from ._km_input import survival_data
from .km import _fit, check_conf_type

__all__ = ["follow_up", "median_follow_up"]


@plain_text_result
def follow_up(
    df: pd.DataFrame,
    *,
    time: str,
    event: str,
    group: str | None = None,
    conf_level: float = 0.95,
    conf_type: str = "log-log",
) -> pd.DataFrame:
    """Median follow-up (reverse Kaplan-Meier) with its confidence interval.

    Parameters
    ----------
    df : pandas.DataFrame
        One row per patient.
    time : str
        Column of follow-up times (>= 0).
    event : str
        Column of event indicators (1/True event, 0/False censored) of the endpoint, e.g.
        death for overall survival; they are reversed here.
    group : str, optional
        Column giving one follow-up per level; without it ``group`` is null.
    conf_level : float, default 0.95
        Confidence level.
    conf_type : {"log-log", "log", "plain"}, default "log-log"
        Interval transform of the reverse curve, as for :func:`kaplan_meier`.

    Returns
    -------
    pandas.DataFrame
        ``group, estimate, ci_lower, ci_upper, n``, one row per group: the median of the
        reverse Kaplan-Meier curve by R's median rule, its interval where the bands reach 0.5,
        and the rows used. NaN where the reverse curve never reaches 0.5 (fewer than half
        censored by the last time).
    """
    conf_level = check_conf_level(conf_level)
    conf_type = check_conf_type(conf_type)
    data = survival_data(df, time=time, event=event, group=group, what="follow_up")
    reverse = _fit(data, ~data.event, conf_level, conf_type)
    out = reverse.median()
    out["n"] = reverse.counts()["n"].to_numpy()
    return out


def median_follow_up(df: pd.DataFrame, *, time: str, event: str) -> float:
    """Median follow-up by the reverse Kaplan-Meier method, as R.

    The median of ``survfit(Surv(time, 1 - event) ~ 1)`` (R's median rule); use
    :func:`follow_up` for its confidence interval or one value per group.

    Parameters
    ----------
    df : pandas.DataFrame
        One row per patient.
    time : str
        Column of follow-up times (>= 0).
    event : str
        Column of event indicators (1/True event, 0/False censored).

    Returns
    -------
    float
        The median follow-up, in the unit of ``time``; NaN when fewer than half the patients
        are censored by the end of follow-up.

    Examples
    --------
    >>> to_months(median_follow_up(os, time="day", event="death"))  # doctest: +SKIP
    """
    return float(follow_up(df, time=time, event=event)["estimate"].iloc[0])
