"""Cox model and cox.zph against R on the lung data.

Source: lung.csv and lung_reference.json (copies of /work/shared/reference), written by
/work/shared/reference/scripts/reference_visible.R with R 4.2.2, survival 3.5-3:

    for (ties in c("efron", "breslow"))
        coxph(Surv(time, event) ~ age + sex + ph.ecog, data = d, ties = ties)   # summary()
    cox.zph(coxph(Surv(time, event) ~ age + sex + ph.ecog, data = d))$table["GLOBAL", "p"]

where d is lung with event = status == 2. ``sex`` (1/2) and ``ph.ecog`` enter as numbers.
"""

import json
from pathlib import Path

import pandas as pd
import pytest

from cartkit.survival.cox import cox

HERE = Path(__file__).parent
LUNG = pd.read_csv(HERE / "lung.csv")
REF = json.loads((HERE / "lung_reference.json").read_text())
COVARIATES = ["age", "sex", "ph.ecog"]
COLUMNS = {
    "coef": "coef",
    "se": "se",
    "hr": "hr",
    "ci_lower": "lower",
    "ci_upper": "upper",
    "p_value": "p",
}


@pytest.fixture(scope="module", params=["efron", "breslow"])
def fitted(request):
    ties = request.param
    return ties, cox(LUNG, time="time", event="event", covariates=COVARIATES, ties=ties)


def test_coefficient_table_matches_r(fitted):
    ties, model = fitted
    expected = pd.DataFrame(REF["cox"][ties])
    assert model.table["term"].tolist() == expected["term"].tolist()
    for ours, theirs in COLUMNS.items():
        assert model.table[ours].tolist() == pytest.approx(expected[theirs].tolist(), rel=1e-6), (
            ours
        )


def test_counts_match_r(fitted):
    ties, model = fitted
    expected = REF["cox"][ties][0]
    assert model.n == expected["n"] == 227
    assert model.n_events == expected["events"] == 164
    # one of the 228 rows lacks ph.ecog
    assert model.n_excluded == len(LUNG) - 227 == 1


def test_efron_and_breslow_differ_with_ties(fitted):
    # lung has tied death times, so the two approximations must not coincide
    _, model = fitted
    other = REF["cox"]["breslow" if model.ties == "efron" else "efron"]
    assert model.table["coef"].iloc[0] != pytest.approx(other[0]["coef"], rel=1e-6)


def test_cox_zph_global_p_matches_r():
    model = cox(LUNG, time="time", event="event", covariates=COVARIATES)
    table = model.ph_test()
    assert table["term"].tolist() == [*COVARIATES, "GLOBAL"]
    glob = table.set_index("term").loc["GLOBAL"]
    assert glob["dof"] == 3
    assert glob["p_value"] == pytest.approx(REF["cox_zph_global_p"], rel=1e-6)
