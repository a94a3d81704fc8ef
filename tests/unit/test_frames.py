"""Result tables hold text one way (objects, None for missing) under pandas 2 and 3."""

import dataclasses

import numpy as np
import pandas as pd
from hypothesis import given
from hypothesis import strategies as st

import cartkit as ck
from cartkit._core.frames import plain_text, plain_text_fields, plain_text_result
from cartkit._core.results import FrozenMap


def test_text_columns_become_objects_with_none_for_missing():
    text = pd.Series(["x", np.nan, "z"])  # pandas 3: the str dtype; pandas 2: objects with NaN
    frame = pd.DataFrame(
        {
            "text": text,
            "reindexed": text.reindex([0, 5, 2]).to_numpy(),
            "string": pd.array(["p", None, "q"], dtype="string"),
            "number": [1.0, np.nan, 2.0],
            "mixed": pd.Series([1, "x", np.nan], dtype=object),
            "none": [None, None, None],
        }
    )
    out = plain_text(frame)
    for column in ("text", "reindexed", "string"):
        assert out[column].dtype == object
    assert out["text"].tolist() == ["x", None, "z"]
    assert out["reindexed"].tolist() == ["x", None, "z"]
    assert out["string"].tolist() == ["p", None, "q"]
    # numbers, and objects that are not all text, are kept as they are
    assert out["number"].dtype == np.float64 and np.isnan(out["number"][1])
    assert out["mixed"][2] is not None and np.isnan(out["mixed"][2])
    assert out["none"].tolist() == [None, None, None]
    # the caller's frame is not changed
    assert frame["string"].tolist()[1] is pd.NA


def test_a_plain_frame_is_returned_as_it_is():
    frame = pd.DataFrame({"a": pd.Series(["x", None], dtype=object), "b": [1, 2]})
    assert plain_text(frame) is frame
    empty = pd.DataFrame({"source": pd.Series([], dtype="string")})
    assert plain_text(empty)["source"].dtype == object


def test_repeated_column_names_are_made_plain_by_position():
    frame = pd.DataFrame([["a", np.nan], [None, "b"]], columns=["x", "x"]).astype("string")
    out = plain_text(frame)
    assert list(out.columns) == ["x", "x"]
    assert out.iloc[:, 0].tolist() == ["a", None] and out.iloc[:, 1].tolist() == [None, "b"]


@dataclasses.dataclass(frozen=True)
class _Result:
    table: pd.DataFrame
    tables: FrozenMap
    n: int = 0

    def __post_init__(self):
        plain_text_fields(self)


def test_a_result_makes_its_frames_plain():
    t = pd.DataFrame({"group": pd.array(["a", None], dtype="string")})
    r = _Result(table=t, tables=FrozenMap({"x": t, "note": "kept"}), n=2)
    assert r.table["group"].tolist() == ["a", None]
    assert isinstance(r.tables, FrozenMap) and r.tables["note"] == "kept"
    assert r.tables["x"]["group"].dtype == object


@given(st.lists(st.one_of(st.none(), st.text(max_size=3)), max_size=12))
def test_plain_text_keeps_every_value_and_is_idempotent(values):
    frame = pd.DataFrame({"t": pd.array(values, dtype="string"), "i": range(len(values))})
    out = plain_text(frame)
    assert out["t"].dtype == object
    assert out["t"].tolist() == values
    assert out["i"].tolist() == list(range(len(values)))
    assert plain_text(out) is out


def test_a_decorated_function_returns_plain_text_and_keeps_its_name():
    @plain_text_result
    def table(n):
        """Doc."""
        return pd.DataFrame({"group": pd.array(["a", None][:n], dtype="string")})

    assert table(2)["group"].tolist() == ["a", None] and table(2)["group"].dtype == object
    assert table.__name__ == "table" and table.__doc__ == "Doc."


def test_public_tables_have_object_text_columns():
    # the same dtype whatever pandas is installed (pandas 3 would give its str dtype)
    df = pd.DataFrame(
        {"time": [5.0, 8.0, 3.0, 9.0], "event": [1, 0, 1, 1], "arm": ["a", "b", "a", "b"]}
    )
    km = ck.kaplan_meier(df, time="time", event="event", group="arm")
    for table in (km.table, km.median(), km.survival_at([4.0]), ck.rate(3, 10)):
        for column in table.columns:
            assert not isinstance(table[column].dtype, pd.StringDtype), column
    assert km.median()["group"].dtype == object
