"""landmark(): who is kept, the group by an event before the landmark, times from it."""

import numpy as np
import pandas as pd
import pytest

from cartkit.errors import DataError
from cartkit.survival import Landmark, kaplan_meier, landmark


def cohort():
    return pd.DataFrame(
        {
            "pid": list("abcdefg"),
            "os_days": [400.0, 60.0, 90.0, 300.0, 120.0, 90.0, 500.0],
            "death": [0, 1, 1, 0, 1, 0, 1],
            "hsct": [True, True, False, True, False, True, True],
            "hsct_day": [50.0, 40.0, np.nan, 150.0, np.nan, np.nan, 90.0],
        },
        index=[10, 11, 12, 13, 14, 15, 16],
    )


def test_kept_rows_groups_and_times():
    lm = landmark(cohort(), time="os_days", event="death", at=90, event_day="hsct_day", had="hsct")
    assert isinstance(lm, Landmark) and lm.at == 90.0 and lm.group == "landmark_group"
    # b ended before day 90; f had an HSCT without a day
    assert lm.before.tolist() == [11] and lm.unknown_day.tolist() == [15]
    data = lm.data.set_index("pid")
    assert data.index.tolist() == ["a", "c", "d", "e", "g"]
    # c ends on the landmark day itself: kept, with time 0 from the landmark
    assert data["os_days"].tolist() == [310.0, 0.0, 210.0, 30.0, 410.0]
    # an HSCT on or before day 90 (a, g on day 90) groups; d's (day 150) is after it
    assert data["landmark_group"].tolist() == [True, False, False, False, True]
    assert lm.n_with_day == 4  # a, b, d, g
    assert data["death"].tolist() == [0, 1, 0, 1, 1]  # carried unchanged


def test_without_had_a_missing_day_is_no_event():
    lm = landmark(cohort(), time="os_days", at=90, event_day="hsct_day")
    assert lm.unknown_day.empty
    assert lm.data.loc[15, "landmark_group"] == np.False_  # f: no day, so no event
    assert lm.n_with_day == 4


def test_without_event_day_it_only_restricts_and_shifts():
    lm = landmark(cohort(), time="os_days", at=100)
    assert lm.group is None and "landmark_group" not in lm.data
    assert (lm.data["os_days"] >= 0).all() and len(lm.data) == 4


def test_landmark_curve_is_conditional_survival():
    # KM from the landmark = KM from 0 divided by its value at the landmark (no ties at it)
    rng = np.random.default_rng(2)
    df = pd.DataFrame(
        {"t": rng.exponential(300, 200).round(1) + 0.05, "e": rng.integers(0, 2, 200)}
    )
    lm = landmark(df, time="t", event="e", at=100)
    late = kaplan_meier(lm.data, time="t", event="e").survival_at([50.0, 200.0])
    full = kaplan_meier(df, time="t", event="e").survival_at([100.0, 150.0, 300.0])
    s = full["estimate"].to_numpy()
    np.testing.assert_allclose(late["estimate"], s[1:] / s[0], rtol=1e-12)


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"at": -1}, "at must be a day"),
        ({"at": "soon"}, "at must be a day"),
        ({"at": 90, "had": "hsct"}, "had needs event_day"),
        ({"at": 90, "event_day": "hsct_day", "group": "hsct"}, "exists already"),
        ({"at": 90, "event": "pid"}, "not numbers"),
    ],
)
def test_bad_arguments(kwargs, message):
    with pytest.raises(DataError, match=message):
        landmark(cohort(), time="os_days", **kwargs)
