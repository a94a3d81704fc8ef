import numpy as np
import pandas as pd
import pytest

from cartkit._core.model_matrix import build_design
from cartkit.errors import DataError


def frame():
    return pd.DataFrame(
        {
            "age": [10.0, 12.0, np.nan, 5.0],
            "sex": ["M", "F", "F", "M"],
            "grp": pd.Categorical(["b", "a", "b", "c"], categories=["c", "b", "a"]),
            "flag": [True, False, True, False],
            "time": [1.0, 2.0, 3.0, np.nan],
        }
    )


def test_terms_and_reference_levels():
    d = build_design(frame(), ["age", "sex", "grp", "flag"], extra=["time"])
    # rows 2 (age missing) and 3 (time missing) are excluded
    assert d.rows.tolist() == [0, 1]
    assert d.n_excluded == 2
    # sex: sorted -> F reference; grp: categorical order -> c reference, but c absent in rows
    assert d.terms == ("age", "sex[M]", "grp[a]", "flag")
    assert d.reference == ("", "F", "b", "")
    np.testing.assert_array_equal(d.x, [[10, 1, 0, 1], [12, 0, 1, 0]])


def test_explicit_reference():
    d = build_design(frame(), ["sex"], reference={"sex": "M"})
    assert d.terms == ("sex[F]",)
    np.testing.assert_array_equal(d.x[:, 0], [0, 1, 1, 0])


def test_errors_name_the_problem():
    with pytest.raises(DataError, match="no column"):
        build_design(frame(), ["nope"])
    with pytest.raises(DataError, match="reference level 'X'"):
        build_design(frame(), ["sex"], reference={"sex": "X"})
    # text columns are categorical: each level is a term against the sorted-first level
    d = build_design(frame().assign(age=["1", "x", "3", "4"]), ["age"])
    assert d.terms == ("age[3]", "age[4]", "age[x]")
