"""The ``cumulative_incidence`` plan kind: numbers equal the library's, layout, edge cases.

No R reference here: ``ck.cumulative_incidence`` and ``ck.gray_test`` are tested against R
cmprsk in their own modules; these tests check that the runner calls them on the right patients
and causes and reports their values unchanged.
"""

from __future__ import annotations

import dataclasses
import math

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
import pytest
from tests.present import run_and_present

import cartkit as ck
from cartkit.plan.default import default_plan
from cartkit.plan.schema import CumulativeIncidence
from cartkit.report.format import fmt_p
from cartkit.runner.context import build_context
from cartkit.runner.kinds.cumulative import RUNNERS, run_cumulative_incidence

PLAN = default_plan()
CIF_IDS = [a.id for a in PLAN.analyses if a.kind == "cumulative_incidence"]


def present(analysis, ctx):
    """``run_cumulative_incidence`` and its section: tables, figures, notes, n and the result."""
    return run_and_present(run_cumulative_incidence, analysis, ctx)


@pytest.fixture(scope="module")
def ctx():
    return build_context(ck.simulate_study(50, seed=0), PLAN)


@pytest.fixture(autouse=True)
def _close_figures():
    yield
    plt.close("all")


def _rows(ctx, analysis) -> pd.DataFrame:
    df = ctx.endpoint(analysis.endpoint, analysis.population)
    for var in (analysis.group, analysis.subgroup):
        if var is not None:
            df = df[df[var].notna()]
            if pd.api.types.is_bool_dtype(df[var].dtype):
                df = df.assign(**{var: df[var].astype(bool)})
    return df.reset_index(drop=True)


def _level(ctx, var, label, values):
    if var is None or label is None:
        return None
    found = [v for v in pd.unique(values) if ctx.level_label(var, v) == label]
    assert len(found) == 1
    return found[0]


def test_registry():
    assert RUNNERS == {"cumulative_incidence": run_cumulative_incidence}


@pytest.mark.parametrize("analysis_id", CIF_IDS)
def test_every_number_equals_the_library(ctx, analysis_id):
    analysis = PLAN.get(analysis_id)
    out = present(analysis, ctx)
    table = out.tables[0]
    df = _rows(ctx, analysis)
    assert out.n == len(df)
    data = table.data
    checked = 0
    assert [t.id for t in out.tables] == [analysis_id] + (
        [f"{analysis_id}_landmark"] if analysis.group == "hsct_after_cart" else []
    )
    for sub_label in data["subgroup"].drop_duplicates():
        block = df
        if analysis.subgroup is not None:
            level = _level(ctx, analysis.subgroup, sub_label, df[analysis.subgroup])
            block = df[df[analysis.subgroup] == level].reset_index(drop=True)
        cif = ck.cumulative_incidence(
            block,
            time="AVAL",
            event="cause",
            group=analysis.group,
            conf_level=ctx.settings.conf_level,
            conf_type="log-log",
        )
        rows = data[data["subgroup"].isna() if sub_label is None else data["subgroup"] == sub_label]
        for _, row in rows.iterrows():
            if row["measure"] == "Gray's test":
                gray = ck.gray_test(block, time="AVAL", event="cause", group=analysis.group)
                g = gray[row["cause"]]
                assert row["p_value"] == g.p_value
                assert row["test_statistic"] == g.statistic
                assert row["dof"] == g.dof
                checked += 1
                continue
            level = _level(ctx, analysis.group, row["group"], block.get(analysis.group))
            g = block if level is None else block[block[analysis.group] == level]
            when = ck.years_to_days(row["time_years"])
            assert row["n_risk"] == int((g["AVAL"] >= when).sum())
            assert row["longest_follow_up_months"] == ck.to_months(g["AVAL"].max())
            last = g[g["AVAL"] == g["AVAL"].max()]
            if row["n_risk"] == 0 and (last["cause"] > 0).all():
                # everyone followed to the end had an event: the incidences are final
                when = g["AVAL"].max()
            at = cif.at(when)
            at = at[(at["cause"] == row["cause"])]
            if level is not None:
                at = at[at["group"] == level]
            (r,) = at.itertuples()
            for col in ("estimate", "ci_lower", "ci_upper"):
                assert row[col] == getattr(r, col) or (
                    np.isnan(row[col]) and np.isnan(getattr(r, col))
                )
            assert row["n"] == len(g)
            assert row["n_events"] == int((g["cause"] == row["cause"]).sum())
            checked += 1
    assert checked == len(data)


def test_cause_labels_and_layout(ctx):
    out = present(PLAN.get("cir_by_hsct"), ctx)
    table = out.tables[0]
    assert table.display.iloc[:, 0].tolist() == [
        "Relapse",
        "No HSCT",
        "HSCT",
        "Non-relapse mortality",
        "No HSCT",
        "HSCT",
    ]
    assert table.row_styles == ("heading", "indent", "indent") * 2
    gray = table.data[table.data["measure"] == "Gray's test"].set_index("cause")
    assert table.display["p"].tolist() == [
        "",
        fmt_p(gray.loc[1, "p_value"]),
        "",
        "",
        fmt_p(gray.loc[2, "p_value"]),
        "",
    ]
    est = table.data[(table.data["cause"] == 1) & (table.data["group"] == "HSCT")]
    e1 = est[est["time_years"] == 1.0].iloc[0]
    assert table.display.iloc[2]["1-year (95% CI)"] == (
        f"{100 * e1['estimate']:.1f}% ({100 * e1['ci_lower']:.1f}–{100 * e1['ci_upper']:.1f})"
    )
    assert any("Gray's test" in f for f in table.footnotes)
    fig = out.figures[0]
    assert [f.id for f in out.figures] == ["cir_by_hsct", "cir_by_hsct_landmark"]
    # two groups x two causes
    assert len(fig.figure.axes[0].get_legend().get_texts()) == 4
    assert "Gray's test: relapse p = " in fig.caption
    assert "non-relapse mortality as competing event" in fig.caption


def test_ungrouped_rows_are_causes(ctx):
    out = present(PLAN.get("cir_nrm"), ctx)
    table = out.tables[0]
    assert table.display.iloc[:, 0].tolist() == ["Relapse", "Non-relapse mortality"]
    assert "p" not in table.display.columns
    assert table.data["group"].isna().all()
    assert len(out.figures[0].figure.axes[0].get_legend().get_texts()) == 2


def test_nrm_subgroups(ctx):
    out = present(PLAN.get("nrm_by_hsct_preld"), ctx)
    table = out.tables[0]
    assert table.display.iloc[0, 0] == "Pre-LD MRD < 10⁻⁴: Non-relapse mortality"
    # a figure per table, a panel per stratum with an event
    assert [f.id for f in out.figures] == ["nrm_by_hsct_preld", "nrm_by_hsct_preld_landmark"]
    assert len(out.figures[0].figure.axes) == 4  # per panel: curves and number at risk
    assert "in patients with (A) pre-LD MRD < 10⁻⁴ and (B) pre-LD MRD ≥ 10⁻⁴" in (
        out.figures[0].caption
    )
    # past the follow-up of the 3 patients without HSCT in the first stratum: all 3 had an
    # event (1 non-relapse death, 2 relapses), so the incidences are final, not unknown
    beyond = table.data[table.data["n_risk"] == 0]
    assert beyond["estimate"].tolist() == pytest.approx([1 / 3, 2 / 3], rel=1e-12)
    assert table.display.iloc[1, 3] == "33.3% (0.1–83.2)"
    assert not any(f.startswith("NE, not estimable") for f in table.footnotes)
    landmark = out.tables[1]
    ne = landmark.data[landmark.data["n_risk"] == 0]
    assert len(ne) == 2 and ne["estimate"].isna().all()
    assert landmark.footnotes[-2] == (
        "NE, not estimable: no patient in HSCT by day 73 (pre-LD MRD < 10⁻⁴) is followed to 5 "
        "years after the landmark (longest follow-up 49.6 months)."
    )


def test_no_events(ctx):
    adtte = ctx.adtte.copy()
    cir = adtte["PARAMCD"] == "CIR"
    adtte.loc[cir, "CNSR"] = 1
    adtte.loc[cir, "CAUSE"] = 0
    # groups compared on a cause of interest nobody had: not run, and said so
    out = present(PLAN.get("cir_by_hsct"), dataclasses.replace(ctx, adtte=adtte))
    assert out.tables == [] and out.figures == []
    assert (
        "Not run: no relapse event among the 50 patients analysed: every group's curve is "
        "flat, nothing to compare" in out.notes
    )
    # without groups the incidences are 0 (no interval), and the note says so plainly
    out = present(PLAN.get("cir_nrm"), dataclasses.replace(ctx, adtte=adtte))
    table = out.tables[0]
    assert out.figures == []
    assert (table.data["n_events"] == 0).all()
    assert (table.data["estimate"] == 0).all() and table.data["ci_lower"].isna().all()
    assert set(table.display["5-year (95% CI)"]) == {"0.0%"}
    assert "0 relapse events: its cumulative incidence is 0 throughout the follow-up" in out.notes


def test_empty_population(ctx):
    c = dataclasses.replace(ctx, patients=ctx.patients.assign(nobody=False))
    a = CumulativeIncidence(id="x", title="x", endpoint="CIR", population="nobody")
    out = present(a, c)
    assert out.tables == [] and out.n == 0
    assert any("nothing to estimate" in n for n in out.notes)


def test_hostile_group_levels(ctx):
    p = ctx.patients.copy()
    p["risk_group"] = np.where(np.arange(len(p)) % 2 == 0, "<b>x</b>", "=1+1")
    a = CumulativeIncidence(id="x", title="x", endpoint="CIR", group="risk_group")
    out = present(a, dataclasses.replace(ctx, patients=p))
    table = out.tables[0]
    assert set(table.display.iloc[:, 0]) >= {"<b>x</b>", "=1+1"}
    assert set(table.data["group"].dropna()) == {"<b>x</b>", "=1+1"}


def test_landmark_equals_the_library(ctx):
    analysis = PLAN.get("cir_by_hsct")
    out = present(analysis, ctx)
    lm = out.tables[1]
    assert lm.id == "cir_by_hsct_landmark"
    df = _rows(ctx, analysis)
    hsct = df["hsct_after_cart"].to_numpy(dtype=bool)
    day = math.ceil(float(np.median(df.loc[hsct, "hsct_day"])))
    kept = df[df["AVAL"] >= day].copy()
    kept["g"] = kept["hsct_after_cart"].astype(bool) & (kept["hsct_day"] <= day)
    kept["t"] = kept["AVAL"] - day
    cif = ck.cumulative_incidence(kept, time="t", event="cause", group="g")
    gray = ck.gray_test(kept, time="t", event="cause", group="g")
    labels = {f"No HSCT by day {day}": False, f"HSCT by day {day}": True}
    assert (lm.data["landmark_day"] == day).all()
    for _, row in lm.data.iterrows():
        if row["measure"] == "Gray's test":
            assert row["p_value"] == gray[row["cause"]].p_value
            continue
        at = cif.at(ck.years_to_days(row["time_years"]))
        r = at[(at["cause"] == row["cause"]) & (at["group"] == labels[row["group"]])].iloc[0]
        assert row["estimate"] == r["estimate"]
        assert row["ci_lower"] == r["ci_lower"] and row["ci_upper"] == r["ci_upper"]
        assert row["n"] == int((kept["g"] == labels[row["group"]]).sum())
    assert any("immortal-time bias" in n for n in out.notes)
    assert lm.footnotes[0].startswith(f"Landmark analysis at day {day}")
    assert "from the day-" in out.figures[1].caption
