"""Kaplan-Meier, log-rank and reverse-KM follow-up against R on the lung data.

Source: lung.csv and lung_reference.json, byte-identical copies of /work/shared/reference/, written
by /work/shared/reference/scripts/reference_visible.R with R 4.2.2 and survival 3.5-3
(``event = status == 2``):

- ``km.<type>``: ``summary(survfit(Surv(time, event) ~ 1, data = d, conf.type = type),
  times = c(180, 365, 730), extend = TRUE)``: time, n.risk, surv, std.err, lower, upper;
- ``median.<type>``: ``summary(fit)$table[c("median", "0.95LCL", "0.95UCL")]``;
- ``km_by_sex_loglog``: the same summary at 365 days of ``conf.type = "log-log"`` fits per sex;
- ``logrank_sex``: ``survdiff(Surv(time, event) ~ sex, data = d)``: chisq, df, p;
- ``median_followup_reverse_km``: ``summary(survfit(Surv(time, 1 - event) ~ 1))$table["median"]``.
"""

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from cartkit.survival import follow_up, kaplan_meier, logrank, median_follow_up

HERE = Path(__file__).parent
LUNG = pd.read_csv(HERE / "lung.csv")
REF = json.loads((HERE / "lung_reference.json").read_text())
RTOL = 1e-6
TYPES = ["plain", "log", "log-log"]


@pytest.mark.parametrize("conf_type", TYPES)
def test_survival_at_180_365_730(conf_type):
    km = kaplan_meier(LUNG, time="time", event="event", conf_type=conf_type)
    got = km.survival_at([180, 365, 730])
    want = pd.DataFrame(REF["km"][conf_type])
    np.testing.assert_array_equal(got["time"], want["time"])
    np.testing.assert_array_equal(got["n_risk"], want["n_risk"])
    np.testing.assert_allclose(got["estimate"], want["surv"], rtol=RTOL)
    np.testing.assert_allclose(got["std_err"], want["std_err"], rtol=RTOL)
    np.testing.assert_allclose(got["ci_lower"], want["lower"], rtol=RTOL)
    np.testing.assert_allclose(got["ci_upper"], want["upper"], rtol=RTOL)


@pytest.mark.parametrize("conf_type", TYPES)
def test_median_and_its_interval(conf_type):
    km = kaplan_meier(LUNG, time="time", event="event", conf_type=conf_type)
    got = km.median().iloc[0]
    want = REF["median"][conf_type]
    assert got["estimate"] == pytest.approx(want["median"], rel=RTOL)
    assert got["ci_lower"] == pytest.approx(want["0.95LCL"], rel=RTOL)
    assert got["ci_upper"] == pytest.approx(want["0.95UCL"], rel=RTOL)


@pytest.mark.parametrize("conf_type", TYPES)
def test_quantile_half_is_the_median(conf_type):
    km = kaplan_meier(LUNG, time="time", event="event", conf_type=conf_type)
    got = km.quantile(0.5).iloc[0]
    want = REF["median"][conf_type]
    assert [got["estimate"], got["ci_lower"], got["ci_upper"]] == pytest.approx(
        [want["median"], want["0.95LCL"], want["0.95UCL"]], rel=RTOL
    )


def test_km_by_sex_log_log_at_365():
    km = kaplan_meier(LUNG, time="time", event="event", group="sex")
    got = km.survival_at(365)
    assert got["group"].tolist() == [1, 2]
    for sex, row in zip(["1", "2"], got.itertuples(), strict=True):
        want = REF["km_by_sex_loglog"][sex][0]
        assert row.n_risk == want["n_risk"]
        assert row.estimate == pytest.approx(want["surv"], rel=RTOL)
        assert row.std_err == pytest.approx(want["std_err"], rel=RTOL)
        assert row.ci_lower == pytest.approx(want["lower"], rel=RTOL)
        assert row.ci_upper == pytest.approx(want["upper"], rel=RTOL)


def test_grouped_fit_equals_separate_fits():
    both = kaplan_meier(LUNG, time="time", event="event", group="sex").table
    for sex in (1, 2):
        alone = kaplan_meier(LUNG[LUNG["sex"] == sex], time="time", event="event").table
        mine = both[both["group"] == sex].drop(columns="group").reset_index(drop=True)
        pd.testing.assert_frame_equal(mine, alone.drop(columns="group"))


def test_logrank_by_sex():
    res = logrank(LUNG, time="time", event="event", group="sex")
    want = REF["logrank_sex"]
    assert res.test == "log-rank"
    assert res.statistic == pytest.approx(want["chisq"], rel=RTOL)
    assert res.dof == want["df"]
    assert res.p_value == pytest.approx(want["p"], rel=RTOL)
    assert res.n == 228
    # observed deaths by sex are fixed by the data; expected ones sum to them
    assert res.details["observed"] == {1: 112.0, 2: 53.0}
    assert sum(res.details["expected"].values()) == pytest.approx(165.0, rel=1e-12)


def test_reverse_km_median_follow_up():
    want = REF["median_followup_reverse_km"]
    assert median_follow_up(LUNG, time="time", event="event") == pytest.approx(want, rel=RTOL)
    table = follow_up(LUNG, time="time", event="event")
    assert table["estimate"].iloc[0] == pytest.approx(want, rel=RTOL)
    assert table["ci_lower"].iloc[0] <= want <= table["ci_upper"].iloc[0]
