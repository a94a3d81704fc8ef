"""Text transforms computed once per distinct value equal the transform of every row."""

import numpy as np
import pandas as pd

from cartkit.derive._common import by_value


def test_by_value_equals_the_transform_of_every_row():
    rng = np.random.default_rng(0)
    words = np.array([" ANC", "plt ", "Hgb", None, np.nan, pd.NA, "IL6", "x"], dtype=object)
    cells = words[rng.integers(0, len(words), 5000)]
    transforms = (
        lambda s: s.astype("string").str.strip().str.lower(),
        lambda s: s.astype(str).str.strip().str.upper(),  # None, NaN and NA print differently
        lambda s: s.where(s.notna(), "").astype(str).str.lower(),
    )
    for dtype in (object, "string"):
        column = pd.Series(cells, dtype=dtype, name="test", index=np.arange(5000) * 2)
        for transform in transforms:
            pd.testing.assert_series_equal(
                by_value(column, transform), transform(column), check_exact=True
            )
