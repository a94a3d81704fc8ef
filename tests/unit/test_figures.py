"""Publication figures drawn from real cartkit results (simulated 50-patient study, seed 0).

The figures compute nothing: these tests check that what is drawn is what the result objects
say (curve values, numbers at risk, p-values, intervals), that saving is reproducible and that
no pyplot state is left behind.
"""

from __future__ import annotations

import matplotlib as mpl

mpl.use("Agg")

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
import pytest

import cartkit as ck
from cartkit.errors import DataError
from cartkit.report.figures import (
    cif_figure,
    forest_figure,
    kinetics_figure,
    km_figure,
    save_figure,
    scatter_figure,
)
from cartkit.report.figures.kinetics import visit_bins
from cartkit.report.figures.scatter import correlation_text
from cartkit.report.figures.style import PALETTE, format_p


@pytest.fixture(scope="module")
def data():
    study = ck.simulate_study(50, seed=0)
    adam = ck.derive_adam(study)
    adsl = adam.adsl
    tte = adam.adtte.merge(
        adsl[["USUBJID", "hsct_after_cart", "age_years", "cart_dose_e6_per_kg"]], on="USUBJID"
    )
    tte["event"] = 1 - tte["CNSR"]
    return {"study": study, "adsl": adsl, "tte": tte, "os": tte[tte["PARAMCD"] == "OS"]}


@pytest.fixture(scope="module")
def km_os(data):
    km = ck.kaplan_meier(data["os"], time="AVAL", event="event", group="hsct_after_cart")
    lr = ck.logrank(data["os"], time="AVAL", event="event", group="hsct_after_cart")
    return km, lr


def _texts(fig, gid):
    return [t for ax in fig.axes for t in ax.texts if t.get_gid() == gid]


def test_format_p():
    assert format_p(0.6405) == "p = 0.64"
    assert format_p(0.0042) == "p = 0.004"
    assert format_p(0.0004) == "p < 0.001"
    # rounding must not turn 0.0496 into "0.05" (looks non-significant) nor 0.996 into 1.00
    assert format_p(0.0496) == "p = 0.050"
    assert format_p(0.996) == "p = 0.996"
    assert format_p(float("nan")) == "p = NA"


def test_km_figure_draws_the_estimate(km_os):
    km, lr = km_os
    fig = km_figure(km, logrank=lr, group_labels={True: "HSCT", False: "No HSCT"})
    ax, ax_risk = fig.axes
    # per group: the step curve and the censor marks
    steps = [ln for ln in ax.lines if ln.get_linestyle() == "-"]
    marks = [ln for ln in ax.lines if ln.get_marker() == "+"]
    assert len(steps) == 2 and len(marks) == 2
    assert len(ax.collections) == 2  # confidence bands
    for i, level in enumerate(km.groups):
        rows = km.table[km.table["group"] == level]
        np.testing.assert_allclose(steps[i].get_ydata()[1:], rows["estimate"])
        np.testing.assert_allclose(steps[i].get_xdata()[1:], rows["time"] / ck.DAYS_PER_MONTH)
        assert steps[i].get_color() == PALETTE[i]
        cens = rows[rows["n_censored"] > 0]
        np.testing.assert_allclose(marks[i].get_ydata(), cens["estimate"])
    assert [t.get_text() for t in ax.get_legend().get_texts()] == [
        "No HSCT (n = 16)",
        "HSCT (n = 34)",
    ]
    (p_text,) = _texts(fig, "p")
    assert p_text.get_text() == "Log-rank p = 0.64" == f"Log-rank {format_p(lr.p_value)}"
    # probabilities 0 to 1, the x axis just below 0 so a curve at 0 is seen above it
    assert ax.get_ylim() == pytest.approx((-0.02, 1.02))
    assert tuple(ax.spines["left"].get_bounds()) == (0.0, 1.0)
    assert ax.yaxis.get_major_formatter()(0.5, 0) == "50%"
    names = ax_risk.get_yticklabels()
    assert [t.get_text() for t in names] == ["No HSCT", "HSCT"]
    assert [t.get_color() for t in names] == list(PALETTE[:2])


def test_km_risk_table_matches_at_risk_and_ticks(km_os):
    km, _ = km_os
    fig = km_figure(km)
    ax, ax_risk = fig.axes
    ticks = ax.get_xticks()
    np.testing.assert_allclose(ticks, np.arange(0, 85, 12))  # 7.4 years: every 12 months
    expected = km.at_risk(ticks * ck.DAYS_PER_MONTH)
    cells = _texts(fig, "at_risk")
    assert len(cells) == len(expected) == 2 * len(ticks)
    for cell, (_, row) in zip(cells, expected.iterrows(), strict=True):
        assert cell.get_text() == str(row["n_risk"])
    # each column is centred on its tick of the survival axes, in the group's row
    assert [c.get_position()[0] for c in cells[: len(ticks)]] == pytest.approx(ticks)
    assert {c.get_position()[1] for c in cells[len(ticks) :]} == {1}
    assert cells[0].get_text() == "16" and cells[len(ticks)].get_text() == "34"
    assert [t.get_text() for t in ax_risk.get_yticklabels()] == ["False", "True"]


def test_km_single_curve_custom_times_and_scale(data):
    km = ck.kaplan_meier(data["tte"][data["tte"]["PARAMCD"] == "LFS"], time="AVAL", event="event")
    fig = km_figure(km, time_scale="years", xlabel="Years", risk_times=[0, 1, 2, 5])
    ax, _ = fig.axes
    np.testing.assert_allclose(ax.get_xticks(), [0, 1, 2, 5])
    assert [t.get_text() for t in ax.get_legend().get_texts()] == ["All patients (n = 50)"]
    cells = [c.get_text() for c in _texts(fig, "at_risk")]
    expected = km.at_risk(np.array([0, 1, 2, 5]) * ck.DAYS_PER_YEAR)["n_risk"]
    assert cells == [str(v) for v in expected] and cells[0] == "50"
    assert _texts(fig, "p") == []
    with pytest.raises(DataError, match="time_scale"):
        km_figure(km, time_scale="fortnights")


def test_cif_figure_curves_and_gray(data):
    cir = data["tte"][data["tte"]["PARAMCD"] == "CIR"]
    cif = ck.cumulative_incidence(cir, time="AVAL", event="CAUSE", group="hsct_after_cart")
    gray = ck.gray_test(cir, time="AVAL", event="CAUSE", group="hsct_after_cart")
    labels = {1: "Relapse", 2: "Non-relapse death"}
    fig = cif_figure(cif, gray=gray, cause_labels=labels)
    ax, ax_risk = fig.axes
    # numbers at risk under the curves, as the KM figures have: followed and free of events
    ticks = ax.get_xticks()
    expected = cif.at_risk(ticks * ck.DAYS_PER_MONTH)["n_risk"].astype(str).tolist()
    assert [c.get_text() for c in _texts(fig, "at_risk")] == expected
    assert expected[0] == "16" and expected[len(ticks)] == "34"
    assert [t.get_text() for t in ax_risk.get_yticklabels()] == ["False", "True"]
    assert len(ax.lines) == 4  # 2 groups x 2 causes
    for line, (level, cause) in zip(
        ax.lines, [(False, 1), (False, 2), (True, 1), (True, 2)], strict=True
    ):
        rows = cif.table[(cif.table["group"] == level) & (cif.table["cause"] == cause)]
        y = line.get_ydata()
        assert y[0] == 0.0 and np.all(np.diff(y) >= 0)  # rising from 0
        np.testing.assert_allclose(y[1:], rows["estimate"])
    assert ax.lines[0].get_linestyle() == "-" and ax.lines[1].get_linestyle() == "--"
    (p_text,) = _texts(fig, "p")
    p1, p2 = gray[1].p_value, gray[2].p_value
    assert p_text.get_text() == (
        f"Gray's test\nRelapse: {format_p(p1)}\nNon-relapse death: {format_p(p2)}"
    )
    # only the relapse curves
    one = cif_figure(cif, causes=[1])
    assert len(one.axes[0].lines) == 2
    with pytest.raises(DataError, match="causes"):
        cif_figure(cif, causes=[3])


def test_kinetics_figure(data):
    kin = data["study"].tables["kinetics"]
    by = data["adsl"].set_index("patient_id")["mrd_negative_cr_d28"]
    fig = kinetics_figure(kin, by=by)
    (ax,) = fig.axes
    profiles = [ln for ln in ax.lines if ln.get_gid() == "profile"]
    medians = [ln for ln in ax.lines if ln.get_gid() == "median"]
    grouped = kin["patient_id"].map(by).notna()
    assert len(profiles) == kin.loc[grouped, "patient_id"].nunique()
    assert len(medians) == by.dropna().nunique() == 2
    assert ax.get_yscale() == "log"
    (lloq,) = [ln for ln in ax.lines if ln.get_gid() == "lloq"]
    assert lloq.get_ydata()[0] == 100.0 and lloq.get_linestyle() == "--"
    # below-LLOQ samples (zeros included) sit at LLOQ/2 instead of vanishing from a log axis
    assert min(np.min(ln.get_ydata()) for ln in profiles) == 50.0
    # ungrouped: the day-14 median equals the median over patients sampled at visit 14
    fig = kinetics_figure(kin)
    (median,) = [ln for ln in fig.axes[0].lines if ln.get_gid() == "median"]
    sub = kin[visit_bins(kin["day"]) == 14]
    conc = np.where(sub["copies_per_ug"] < 100, 50.0, sub["copies_per_ug"])
    per_patient = pd.Series(conc).groupby(sub["patient_id"].to_numpy()).median()
    x = np.asarray(median.get_xdata())
    assert median.get_ydata()[x == 14][0] == pytest.approx(per_patient.median())


def test_visit_bins():
    days = np.array([0, 3, 5, 8, 9, 12, 17, 18, 27, 77, 189, 729, 1086, 1641])
    np.testing.assert_array_equal(
        visit_bins(days), [0, 4, 4, 7, 10, 10, 14, 21, 28, 84, 182, 728, 1093, 1823]
    )
    with pytest.raises(DataError, match="increasing"):
        visit_bins(days, visits=[0, 7, 7])


def test_scatter_figure(data):
    nca = ck.nca(data["study"].tables["kinetics"]).merge(
        data["adsl"][["patient_id", "bca_duration_days"]], on="patient_id"
    )
    test = ck.correlate(nca, x="cmax", y="bca_duration_days")
    fig = scatter_figure(
        nca, x="cmax", y="bca_duration_days", test=test, log_x=True, xlabel="Cmax", ylabel="BCA"
    )
    (ax,) = fig.axes
    assert len(ax.collections) == 1
    used = nca.dropna(subset=["cmax", "bca_duration_days"])
    assert len(ax.collections[0].get_offsets()) == len(used)
    (fit,) = [ln for ln in ax.lines if ln.get_gid() == "fit"]
    slope, intercept = np.polyfit(np.log10(used["cmax"]), used["bca_duration_days"], 1)
    xs = np.asarray(fit.get_xdata())
    np.testing.assert_allclose(fit.get_ydata(), intercept + slope * np.log10(xs))
    (p_text,) = _texts(fig, "p")
    assert p_text.get_text() == correlation_text(test)
    assert p_text.get_text() == f"ρ = {test.estimate:.2f}, {format_p(test.p_value)}"
    assert ax.get_xscale() == "log" and ax.get_xlabel() == "Cmax"
    pearson = ck.correlate(nca, x="cmax", y="auclast", method="pearson")
    assert correlation_text(pearson).startswith("r = ")
    with pytest.raises(DataError, match="log axis"):
        scatter_figure(nca.assign(zero=0.0), x="zero", y="cmax", log_x=True)


def test_forest_figure_cox_and_logistic(data):
    cox = ck.cox(
        data["os"],
        time="AVAL",
        event="event",
        covariates=["age_years", "hsct_after_cart", "cart_dose_e6_per_kg"],
    )
    fig = forest_figure(cox.table, term_labels={"age_years": "Age (years)"})
    (ax,) = fig.axes
    t = cox.table
    assert [x.get_text() for x in ax.get_yticklabels()] == [
        "Age (years)",
        "hsct_after_cart",
        "cart_dose_e6_per_kg",
    ]
    whiskers = [ln for ln in ax.lines if len(ln.get_xdata()) == 2 and ln.get_gid() is None]
    assert len(whiskers) == 3
    for w, (_, row) in zip(whiskers, t.iterrows(), strict=True):
        np.testing.assert_allclose(w.get_xdata(), [row["ci_lower"], row["ci_upper"]])
    assert ax.get_xscale() == "log"
    (ref,) = [ln for ln in ax.lines if ln.get_gid() == "reference"]
    assert ref.get_xdata()[0] == 1.0
    ci = [x.get_text() for x in _texts(fig, "ci_text")]
    assert ci[0] == f"{t['hr'][0]:.2f} ({t['ci_lower'][0]:.2f}–{t['ci_upper'][0]:.2f})"
    assert [x.get_text() for x in _texts(fig, "p_text")] == [
        format_p(p).removeprefix("p = ") for p in t["p_value"]
    ]
    assert any(x.get_text() == "HR (95% CI)" for x in fig.texts)

    adsl = data["adsl"]
    lg = ck.logistic(
        adsl.assign(y=adsl["mrd_negative_cr_d28"].astype(float)),
        outcome="y",
        covariates=["age_years", "cart_dose_e6_per_kg"],
    )
    fig = forest_figure(lg, estimate="odds_ratio", label="Odds ratio")
    labels = [x.get_text() for x in fig.axes[0].get_yticklabels()]
    assert labels == ["age_years", "cart_dose_e6_per_kg"]  # intercept skipped
    assert any(x.get_text() == "OR (95% CI)" for x in fig.texts)
    with pytest.raises(DataError, match="odds_ratio"):
        forest_figure(cox.table, estimate="odds_ratio")


def test_save_figure_reproducible_and_atomic(km_os, tmp_path):
    km, lr = km_os
    fig = km_figure(km, logrank=lr, title="Overall survival")
    png, svg = save_figure(fig, tmp_path / "a" / "os")
    first = (png.read_bytes(), svg.read_bytes())
    assert png.name == "os.png" and svg.name == "os.svg"
    assert first[0][:8] == b"\x89PNG\r\n\x1a\n"
    assert first[1].lstrip().startswith(b"<?xml") and b"<dc:date>" not in first[1]
    save_figure(fig, tmp_path / "a" / "os")
    assert (png.read_bytes(), svg.read_bytes()) == first
    # a freshly drawn figure of the same result gives the same bytes too
    save_figure(km_figure(km, logrank=lr, title="Overall survival"), tmp_path / "b" / "os")
    assert (tmp_path / "b" / "os.png").read_bytes() == first[0]
    assert (tmp_path / "b" / "os.svg").read_bytes() == first[1]
    assert sorted(p.name for p in (tmp_path / "a").iterdir()) == ["os.png", "os.svg"]


def test_no_global_state_left(km_os):
    before = mpl.rcParams["font.size"], mpl.rcParams["svg.hashsalt"]
    km_figure(km_os[0])
    assert plt.get_fignums() == []
    assert (mpl.rcParams["font.size"], mpl.rcParams["svg.hashsalt"]) == before


def test_kinetics_large_groups_draw_a_percentile_band():
    from cartkit.report.figures import kinetics_figure

    rng = np.random.default_rng(1)
    days = np.array([0, 4, 7, 10, 14, 21, 28])
    n = 30
    kin = pd.DataFrame(
        {
            "patient_id": np.repeat([f"P{i}" for i in range(n)], len(days)),
            "day": np.tile(days, n),
            "copies_per_ug": rng.lognormal(8, 1, n * len(days)),
        }
    )
    fig = kinetics_figure(kin, max_profiles=10)
    ax = fig.axes[0]
    assert not [ln for ln in ax.lines if ln.get_gid() == "profile"]
    bands = [c for c in ax.collections if c.get_gid() == "band"]
    assert len(bands) == 1
    # the band spans the 10th to 90th percentile of the day-10 values
    day10 = kin.loc[kin["day"] == 10, "copies_per_ug"]
    verts = bands[0].get_paths()[0].vertices
    at10 = verts[np.isclose(verts[:, 0], 10)][:, 1]
    assert np.isclose(at10.min(), np.quantile(day10, 0.1))
    assert np.isclose(at10.max(), np.quantile(day10, 0.9))


def test_forest_ticks_keep_both_sides_of_one():
    from cartkit.report.figures.forest import _ticks

    # an interval from 0.067 to 7.5: decades alone would leave 0.1 and 1, nothing above 1
    assert _ticks(0.06, 7.6) == [0.1, 0.5, 1.0, 5.0]
    assert _ticks(0.01, 1000) == [0.01, 0.1, 1.0, 10.0, 100.0, 1000.0]
    assert _ticks(0.5, 3) == [0.5, 1.0, 2.0, 3.0]
