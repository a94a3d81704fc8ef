"""Numbers read from text: the plain-decimal fast path gives the general path's bits."""

import numpy as np
import pandas as pd
from hypothesis import given
from hypothesis import strategies as st

from cartkit.schema import coerce
from cartkit.schema.coerce import exact_numbers


def _general(values: pd.Series) -> np.ndarray:
    # the general path: pandas decides what is a number, Python's float() gives its value
    num = pd.to_numeric(values, errors="coerce").astype("float64").to_numpy(copy=True)
    ok = ~np.isnan(num)
    num[ok] = np.array([float(v) for v in values.to_numpy(dtype=object)[ok]])
    return num


plain = st.one_of(
    st.floats(allow_nan=False, allow_infinity=False).map(repr),
    st.floats(allow_nan=False, allow_infinity=False, width=32).map(lambda x: f"{x:.9g}"),
    st.integers(-(10**20), 10**20).map(str),
    st.from_regex(r"\A[+-]?(?:[0-9]{1,25}\.?[0-9]{0,25}|\.[0-9]{1,25})(?:[eE][+-]?[0-9]{1,3})?\Z"),
)


@given(st.lists(st.one_of(plain, st.none()), min_size=1, max_size=40))
def test_plain_decimals_read_to_the_same_bits(cells):
    values = pd.Series(cells, dtype=object)
    fast = coerce._plain_decimals(values)
    expected = _general(values)
    if all(c is None for c in cells):
        assert fast is None
        return
    assert fast is not None  # every cell plain: the fast path takes it
    assert np.array_equal(fast.to_numpy().view(np.int64), expected.view(np.int64))
    assert np.array_equal(exact_numbers(values).to_numpy(), expected, equal_nan=True)


def test_a_column_with_any_other_cell_takes_the_general_path():
    for other in ["1,5", "12 ", "inf", "nan", "1_000", "\u0663", "0x10", "--1", "1e", ""]:
        values = pd.Series(["1.25", other, "3"], dtype=object)
        assert coerce._plain_decimals(values) is None, other
        assert np.array_equal(exact_numbers(values).to_numpy(), _general(values), equal_nan=True), (
            other
        )
    assert coerce._plain_decimals(pd.Series([1.5, "2"], dtype=object)) is None  # not all text
    assert exact_numbers(pd.Series(["0.004980000000000001"], dtype=object))[0] == float(
        "0.004980000000000001"
    )
