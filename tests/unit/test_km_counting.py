"""Kaplan-Meier and log-rank on counting-process rows: delayed entry and groups that change.

A row ``(start, stop]`` is at risk at ``t`` when ``start < t <= stop`` (R's survfit and
coxph). Splitting a subject's follow-up into contiguous pieces must change no estimate; with
``id`` the table is even row-for-row that of the unsplit data.
"""

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from cartkit.errors import DataError
from cartkit.survival import kaplan_meier, logrank

TIMES = [0.0, 3.0, 10.5, 20.0, 41.0, 60.0, 500.0]
COLUMNS = ["time", "n_risk", "n_events", "n_censored", "estimate", "std_err", "ci_lower"]


def right_censored(seed, n=60):
    rng = np.random.default_rng(seed)
    arm = rng.integers(0, 2, size=n)
    t = np.ceil(rng.exponential(30 * np.exp(0.4 * arm)))
    c = np.ceil(rng.exponential(50, size=n))
    return pd.DataFrame(
        {"id": np.arange(n), "time": np.minimum(t, c), "event": (t <= c).astype(int), "arm": arm}
    )


def split(df, rng):
    """Cut each row at 0-3 random whole days inside its follow-up (vectorised)."""
    time = df["time"].to_numpy()
    owner = np.repeat(np.arange(len(df)), rng.integers(0, 4, size=len(df)))
    cuts = np.ceil(rng.uniform(size=len(owner)) * (time[owner] - 1))
    points = pd.DataFrame(
        {
            "row": np.r_[np.arange(len(df)), owner, np.arange(len(df))],
            "t": np.r_[np.zeros(len(df)), cuts, time],
        }
    )
    points = points[(points["t"] >= 0)].drop_duplicates().sort_values(["row", "t"])
    row, t = points["row"].to_numpy(), points["t"].to_numpy()
    same = row[1:] == row[:-1]
    owner_of, start, stop = row[1:][same], t[:-1][same], t[1:][same]
    pieces = df.iloc[owner_of].reset_index(drop=True)
    pieces["start"], pieces["time"] = start, stop
    last = np.r_[owner_of[1:] != owner_of[:-1], True]
    pieces["event"] = np.where(last, pieces["event"], 0)
    return pieces


@settings(max_examples=10, deadline=None)
@given(
    seed=st.integers(0, 2**16),
    data_seed=st.integers(0, 4),
    conf_type=st.sampled_from(["log-log", "log", "plain"]),
)
def test_splitting_rows_changes_no_estimate(seed, data_seed, conf_type):
    df = right_censored(data_seed)
    pieces = split(df, np.random.default_rng(seed))
    whole = kaplan_meier(df, time="time", event="event", group="arm", conf_type=conf_type)
    parts = kaplan_meier(
        pieces, start="start", time="time", event="event", group="arm", conf_type=conf_type
    )
    pd.testing.assert_frame_equal(parts.survival_at(TIMES), whole.survival_at(TIMES))
    pd.testing.assert_frame_equal(parts.median(), whole.median())
    pd.testing.assert_frame_equal(parts.quantile([0.25, 0.5]), whole.quantile([0.25, 0.5]))
    pd.testing.assert_frame_equal(parts.at_risk(TIMES)[["group", "time", "n_risk"]],
                                  whole.at_risk(TIMES)[["group", "time", "n_risk"]])  # fmt: skip
    # without id every split is a (fake) censoring time; with id the table is the same
    with_id = kaplan_meier(
        pieces, start="start", time="time", event="event", group="arm", id="id",
        conf_type=conf_type,
    )  # fmt: skip
    pd.testing.assert_frame_equal(with_id.table, whole.table)
    pd.testing.assert_frame_equal(with_id.counts(), whole.counts())
    pd.testing.assert_frame_equal(with_id.at_risk(TIMES), whole.at_risk(TIMES))
    assert len(parts.table) >= len(whole.table)
    assert parts.counts()["n"].sum() == len(pieces)


@settings(max_examples=10, deadline=None)
@given(seed=st.integers(0, 2**16), data_seed=st.integers(0, 4))
def test_splitting_rows_keeps_the_logrank_test(seed, data_seed):
    df = right_censored(data_seed)
    pieces = split(df, np.random.default_rng(seed))
    whole = logrank(df, time="time", event="event", group="arm")
    parts = logrank(pieces, start="start", time="time", event="event", group="arm")
    assert parts.statistic == pytest.approx(whole.statistic, rel=1e-12)
    assert parts.details["expected"] == pytest.approx(whole.details["expected"], rel=1e-12)


def test_common_late_entry_is_the_km_of_those_still_followed():
    # everyone enters at day 15: the curve is S(t | T > 15), the KM of the rows past day 15
    df = right_censored(1)
    late = df[df["time"] > 15].assign(start=15.0)
    km = kaplan_meier(late, start="start", time="time", event="event")
    plain = kaplan_meier(late, time="time", event="event")
    later = [20.0, 41.0, 60.0, 500.0]
    pd.testing.assert_frame_equal(km.survival_at(later), plain.survival_at(later))


def test_delayed_entry_by_hand():
    # entries at 0, 0, 2, 4; deaths at 3 and 5; censored at 6 and 7
    df = pd.DataFrame(
        {"start": [0, 0, 2, 4], "stop": [3, 6, 5, 7], "event": [1, 0, 1, 0]}, dtype=float
    )
    km = kaplan_meier(df, start="start", time="stop", event="event")
    table = km.table.set_index("time")
    # at 3: rows 1-3 at risk (row 4 enters at 4); at 5: rows 2, 3, 4
    assert table.loc[3.0, "n_risk"] == 3 and table.loc[5.0, "n_risk"] == 3
    s3, s5 = 2 / 3, 2 / 3 * 2 / 3
    assert table.loc[3.0, "estimate"] == pytest.approx(s3)
    assert table.loc[5.0, "estimate"] == pytest.approx(s5)
    greenwood = 1 / (3 * 2) + 1 / (3 * 2)
    assert table.loc[5.0, "std_err"] == pytest.approx(s5 * np.sqrt(greenwood))
    # as R's summary.survfit: the number at risk at the next time of the table (5), which
    # counts the row entering at 4
    risk = km.at_risk([0.0, 3.0, 3.5, 4.5, 7.0, 7.5]).set_index("time")["n_risk"]
    assert risk.tolist() == [3, 3, 3, 3, 1, 0]


def test_simon_makuch_subject_moves_between_groups():
    # subject 1 is in group "no" until day 4, then "yes"; the others stay
    df = pd.DataFrame(
        {
            "id": [1, 1, 2, 3, 4, 5],
            "start": [0, 4, 0, 0, 0, 0],
            "stop": [4, 9, 6, 8, 5, 10],
            "event": [0, 1, 1, 0, 1, 0],
            "hsct": ["no", "yes", "no", "no", "yes", "yes"],
        }
    )
    km = kaplan_meier(df, start="start", time="stop", event="event", group="hsct", id="id")
    yes = km.table[km.table["group"] == "yes"].set_index("time")
    # "yes" at day 5: subjects 4, 5 and 1 (since day 4) at risk; at day 9: 1 and 5
    assert yes.loc[5.0, "n_risk"] == 3 and yes.loc[9.0, "n_risk"] == 2
    assert yes.loc[9.0, "estimate"] == pytest.approx((2 / 3) * (1 / 2))
    no = km.table[km.table["group"] == "no"].set_index("time")
    # subject 1 leaves "no" at day 4: a censoring there, then not at risk at day 6
    assert no.loc[4.0, "n_censored"] == 1 and no.loc[6.0, "n_risk"] == 2
    counts = km.counts().set_index("group")
    assert counts.loc["no", "n"] == 3 and counts.loc["yes", "n"] == 3
    assert counts["n_events"].tolist() == [1, 2]


@pytest.mark.parametrize(
    ("change", "kwargs", "message"),
    [
        (lambda d: d.assign(start=d["time"]), {}, "end no later than they start"),
        (lambda d: d.assign(start=-1.0), {}, "negative times"),
        (lambda d: pd.concat([d, d.iloc[:1]]), {"id": "id"}, "overlap"),
    ],
)
def test_bad_counting_process_rows(change, kwargs, message):
    df = change(right_censored(2).assign(start=0.0))
    with pytest.raises(DataError, match=message):
        kaplan_meier(df, start="start", time="time", event="event", **kwargs)


def test_id_needs_start():
    with pytest.raises(DataError, match="id needs start"):
        kaplan_meier(right_censored(2), time="time", event="event", id="id")


def test_missing_start_is_excluded():
    df = right_censored(3).assign(start=0.0)
    df.loc[[1, 2], "start"] = np.nan
    km = kaplan_meier(df, start="start", time="time", event="event")
    assert km.n_excluded == 2 and km.n == len(df) - 2 and km.start == "start"
