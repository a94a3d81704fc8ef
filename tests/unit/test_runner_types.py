"""Report tables hold their text the same way under every pandas version."""

import pandas as pd
import pytest

from cartkit.report.types import ReportTable


def test_text_columns_are_objects_with_none_for_missing():
    data = pd.DataFrame({"level": pd.array(["a", None, "b"], dtype="string"), "n": [1, 2, 3]})
    t = ReportTable(
        id="t", analysis_id="t", title="T", data=data, display=pd.DataFrame({"x": ["1"]})
    )
    assert t.data["level"].tolist() == ["a", None, "b"]
    assert t.data["level"].dtype == object
    assert t.data["n"].tolist() == [1, 2, 3]
    # the caller's frame is not changed
    assert isinstance(data["level"].dtype, pd.StringDtype)


def test_row_styles_must_match_the_display():
    with pytest.raises(ValueError, match="2 row styles for 1 display rows"):
        ReportTable(
            id="t",
            analysis_id="t",
            title="T",
            data=pd.DataFrame(),
            display=pd.DataFrame({"x": ["1"]}),
            row_styles=("", "indent"),
        )
