"""Simon's two-stage designs against the published tables.

Simon R. Optimal two-stage designs for phase II clinical trials. Controlled Clinical Trials
1989;10:1-10, Table 1 (alpha = 0.05, beta = 0.20) and Table 2 (beta = 0.10): r1/n1, r/n, EN(p0)
and PET(p0). The first case is also reproduced (with alpha 0.047, power 0.812, PET 0.63, EN 12.0
and 0.043, 0.801, 0.54, 13.8) in the README of the R package mtdesign (openpharma/mtdesign).
"""

import pytest

from cartkit.design import simon_two_stage
from cartkit.errors import DataError

# (p0, p1, alpha, beta): (optimal r1, n1, r, n, EN0, PET0), (minimax ...)
PUBLISHED = {
    (0.05, 0.25, 0.05, 0.2): ((0, 9, 2, 17, 12.0, 0.63), (0, 12, 2, 16, 13.8, 0.54)),
    (0.10, 0.30, 0.05, 0.2): ((1, 10, 5, 29, 15.0, 0.74), (1, 15, 5, 25, 19.5, 0.55)),
    (0.20, 0.40, 0.05, 0.2): ((3, 13, 12, 43, 20.6, 0.75), (4, 18, 10, 33, 22.3, 0.72)),
    (0.30, 0.50, 0.05, 0.2): ((5, 15, 18, 46, 23.6, 0.72), (6, 19, 16, 39, 25.7, 0.67)),
    (0.05, 0.25, 0.05, 0.1): ((0, 9, 3, 30, 16.8, 0.63), (0, 15, 3, 25, 20.4, 0.46)),
    (0.20, 0.40, 0.05, 0.1): ((4, 19, 15, 54, 30.4, 0.67), (5, 24, 13, 45, 31.2, 0.66)),
}


@pytest.mark.parametrize("args", list(PUBLISHED), ids=str)
def test_published_designs(args):
    table = simon_two_stage(*args)
    for row, (r1, n1, r, n, en0, pet0) in zip(table.itertuples(), PUBLISHED[args], strict=True):
        assert (row.r1, row.n1, row.r, row.n) == (r1, n1, r, n)
        assert row.en0 == pytest.approx(en0, abs=0.05)
        assert row.pet0 == pytest.approx(pet0, abs=0.005)
        assert row.alpha <= args[2]
        assert row.power >= 1 - args[3]
    assert list(table["design"]) == ["optimal", "minimax"]


def test_minimax_is_never_larger_and_optimal_never_slower():
    t = simon_two_stage(0.1, 0.3)
    assert t.loc[1, "n"] <= t.loc[0, "n"]
    assert t.loc[0, "en0"] <= t.loc[1, "en0"]


@pytest.mark.parametrize(
    "args, words",
    [
        ((0.3, 0.2), "must exceed p0"),
        ((0.0, 0.2), "p0"),
        ((0.1, 0.3, 0.05, 0.2, 5), "no two-stage"),
    ],
)
def test_bad_arguments(args, words):
    with pytest.raises(DataError, match=words):
        simon_two_stage(*args)
