"""counting_process(): R tmerge's rules, its invariants, and a round trip through R's own output."""

from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from cartkit.errors import DataError
from cartkit.survival import counting_process, cox

PBC = pd.read_csv(Path(__file__).parents[1] / "reference" / "pbcseq_tv.csv")


def base_frame():
    return pd.DataFrame(
        {
            "pid": ["a", "b", "c", "d", "e", "f"],
            "os_days": [100.0, 50.0, 80.0, 30.0, 60.0, 40.0],
            "death": [1, 0, 1, 1, 0, 1],
            "age": [30, 40, 50, 60, 70, 80],
            "hsct_day": [20.0, np.nan, 80.0, 0.0, -3.0, 55.0],
        }
    )


def rows_of(out, pid):
    return out[out["pid"] == pid].reset_index(drop=True)


def test_switch_rules_follow_tmerge():
    out = counting_process(
        base_frame(), id="pid", time="os_days", event="death", tdc={"hsct": "hsct_day"}
    )
    assert out.columns.tolist() == ["pid", "tstart", "tstop", "death", "age", "hsct_day", "hsct"]
    a = rows_of(out, "a")  # switch inside follow-up: split at day 20, 1 from (20, ...]
    assert a[["tstart", "tstop", "death", "hsct"]].values.tolist() == [
        [0, 20, 0, 0],
        [20, 100, 1, 1],
    ]
    b = rows_of(out, "b")  # no day: never switches
    assert b[["tstart", "tstop", "hsct"]].values.tolist() == [[0, 50, 0]]
    c = rows_of(out, "c")  # switch on the day of death: the death is counted before it
    assert c[["tstart", "tstop", "death", "hsct"]].values.tolist() == [[0, 80, 1, 0]]
    d = rows_of(out, "d")  # day 0 (and before): on from the start
    e = rows_of(out, "e")
    assert d["hsct"].tolist() == [1] and e["hsct"].tolist() == [1]
    f = rows_of(out, "f")  # after the end of follow-up: never seen
    assert f[["tstop", "hsct"]].values.tolist() == [[40, 0]]
    assert out["age"].tolist() == [30, 30, 40, 50, 60, 70, 80]  # fixed covariates copied


def test_dated_records_values_and_counts():
    labs = pd.DataFrame(
        {"pid": ["a", "a", "a", "b", "zz"], "day": [0, 30, 70, 10, 5], "crp": [5, 9, 2, 40, 1]}
    )
    infections = pd.DataFrame({"pid": ["a", "a", "a", "b", "b"], "day": [10, 10, 50, 5, np.nan]})
    out = counting_process(
        base_frame().iloc[:2],
        id="pid",
        time="os_days",
        event="death",
        tdc={"crp": (labs, "day", "crp"), "any_infection": (infections, "day")},
        counts={"infections": (infections, "day")},
    )
    a = rows_of(out, "a")
    assert a["tstart"].tolist() == [0, 10, 30, 50, 70]
    assert a["crp"].tolist() == [5, 5, 9, 9, 2]  # last value carried forward
    assert a["infections"].tolist() == [0, 2, 2, 3, 3]  # two on day 10 count twice
    assert a["any_infection"].tolist() == [0, 1, 1, 1, 1]
    b = rows_of(out, "b")  # before its first record the value is missing (R's default NA)
    assert b["tstart"].tolist() == [0, 5, 10]
    assert np.isnan(b["crp"].iloc[:2]).all() and b["crp"].iloc[2] == 40
    assert b["infections"].tolist() == [0, 1, 1]  # the record with no day is ignored


def test_round_trip_through_r_tmerge_and_the_r_fit():
    # R built pbcseq_tv.csv with tmerge(pbc2, pbcseq, id, bili = tdc(day, bili), ...): rebuild
    # it from its own per-subject data and the visit days, then fit R's model on the result
    base = (
        PBC.groupby("id", sort=False)
        .agg(time=("tstop", "max"), death=("death", "last"), age=("age", "first"))
        .reset_index()
    )
    labs = PBC.rename(columns={"tstart": "day"})
    lab_names = ["log_bili", "albumin", "log_protime"]
    out = counting_process(
        base, id="id", time="time", event="death", tdc={c: (labs, "day", c) for c in lab_names}
    )
    expected = PBC[["id", "tstart", "tstop", "death", "age", *lab_names]]
    pd.testing.assert_frame_equal(out, expected, check_dtype=False)
    fit = cox(out, start="tstart", time="tstop", event="death", covariates=["age", *lab_names])
    assert fit.table["coef"].iloc[1] == pytest.approx(1.21656863903244, rel=1e-9)


@st.composite
def cohorts(draw):
    n = draw(st.integers(1, 12))
    time = draw(st.lists(st.integers(1, 60), min_size=n, max_size=n))
    death = draw(st.lists(st.integers(0, 1), min_size=n, max_size=n))
    day = draw(st.lists(st.one_of(st.none(), st.integers(-5, 70)), min_size=n, max_size=n))
    m = draw(st.integers(0, 20))
    rec_id = draw(st.lists(st.integers(0, n - 1), min_size=m, max_size=m))
    rec_day = draw(st.lists(st.integers(-5, 70), min_size=m, max_size=m))
    base = pd.DataFrame(
        {"id": range(n), "time": np.array(time, float), "event": death,
         "day": [np.nan if d is None else float(d) for d in day]}
    )  # fmt: skip
    records = pd.DataFrame({"id": rec_id, "day": np.array(rec_day, float)})
    return base, records


@settings(max_examples=30, deadline=None)
@given(cohorts())
def test_invariants(cohort):
    base, records = cohort
    out = counting_process(
        base,
        id="id",
        time="time",
        event="event",
        tdc={"on": "day", "rec": (records, "day")},
        counts={"k": (records, "day")},
    )
    g = out.groupby("id", sort=False)
    # follow-up preserved, contiguous from 0, event only on the last row
    pd.testing.assert_series_equal(
        (out["tstop"] - out["tstart"]).groupby(out["id"]).sum(),
        base.set_index("id")["time"],
        check_names=False,
    )
    assert (g["tstart"].first() == 0).all()
    assert (out["tstart"].to_numpy()[1:] == out["tstop"].to_numpy()[:-1])[
        (out["id"].to_numpy()[1:] == out["id"].to_numpy()[:-1])
    ].all()
    assert (out["tstart"] < out["tstop"]).all()
    last = ~out["id"].duplicated(keep="last")
    assert (out.loc[~last, "event"] == 0).all()
    assert out.loc[last, "event"].tolist() == base["event"].tolist()
    # a switch is on exactly on the rows starting on or after its day, and never goes off
    day = base.set_index("id")["day"].reindex(out["id"]).to_numpy()
    np.testing.assert_array_equal(out["on"], (day <= out["tstart"].to_numpy()).astype(int))
    assert (g["k"].diff().fillna(0) >= 0).all()
    # rows = 1 + distinct cut days strictly inside (0, time)
    cuts = pd.concat([base[["id", "day"]], records]).dropna().drop_duplicates()
    cuts = cuts.merge(base[["id", "time"]], on="id")
    inside = cuts[(cuts["day"] > 0) & (cuts["day"] < cuts["time"])].groupby("id").size()
    np.testing.assert_array_equal(g.size(), 1 + inside.reindex(base["id"], fill_value=0))


@pytest.mark.parametrize(
    ("change", "kwargs", "message"),
    [
        (lambda d: d.assign(pid=["a", "a", "c", "d", "e", "f"]), {}, "repeats"),
        (lambda d: d.assign(os_days=d["os_days"].where(d.index != 2, 0.0)), {}, "> 0"),
        (lambda d: d.assign(death=d["death"].where(d.index != 1, 2)), {}, "0 or 1"),
        (lambda d: d, {"tdc": {"age": "hsct_day"}}, "clash"),
        (lambda d: d, {"tdc": {"hsct": "nope"}}, "'nope'"),
        (lambda d: d, {"tdc": {"hsct": 3}}, "must be a column"),
    ],
)
def test_bad_input(change, kwargs, message):
    with pytest.raises(DataError, match=message):
        counting_process(change(base_frame()), id="pid", time="os_days", event="death", **kwargs)
