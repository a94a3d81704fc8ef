"""The ``swimmer`` kind: lanes, event counts and the figure, by hand on the example study.

The example study (8 patients): P01 HSCT day 80, last seen day 2010; P02 CD19-negative relapse
day 150, died day 402; P03 CD19-positive relapse day 478, last seen day 1512; P04 HSCT day 71,
died day 296; P05 died day 205 (no CR/CRi at day 28); P06 last seen day 1795; P07 HSCT day 95,
last seen day 1702; P08 last seen day 1650.
"""

import dataclasses
import io
import pickle

import matplotlib as mpl
import numpy as np
import pandas as pd
import pytest
from tests.present import run_and_present

import cartkit as ck
from cartkit.plan.default import default_plan
from cartkit.plan.schema import Swimmer
from cartkit.report.figures.swimmer import swimmer_figure
from cartkit.report.sections.swimmer import shown_lanes
from cartkit.runner.context import build_context
from cartkit.runner.kinds.swimmer import (
    GROUPS,
    LANE_COLUMNS,
    SWIMMER_COLUMNS,
    run_swimmer,
)

M = 30.4375  # days per month
ANALYSIS = default_plan().get("swimmer")


@pytest.fixture(scope="module")
def ctx():
    return build_context(ck.read_study(ck.example_study_path()), default_plan())


@pytest.fixture(scope="module")
def example(ctx):
    return run_and_present(run_swimmer, ANALYSIS, ctx)


@pytest.fixture(scope="module")
def demo():
    ctx = build_context(ck.simulate_study(50, seed=0), default_plan())
    return ctx, run_and_present(run_swimmer, ANALYSIS, ctx)


def test_lanes_are_grouped_by_outcome_and_sorted_by_follow_up(example):
    lanes = example.result.lanes
    assert tuple(lanes.columns) == LANE_COLUMNS
    assert lanes["patient_id"].tolist() == ["P01", "P06", "P07", "P08", "P03", "P02", "P04", "P05"]
    assert lanes["group"].tolist() == [GROUPS[0]] * 4 + [GROUPS[1]] + [GROUPS[2]] * 3
    assert lanes["end_day"].tolist() == [2010, 1795, 1702, 1650, 1512, 402, 296, 205]
    p02 = lanes.set_index("patient_id").loc["P02"]
    assert (p02["relapse_day"], p02["relapse_phenotype"], p02["death_day"]) == (
        150,
        "cd19_negative",
        402,
    )
    assert lanes.set_index("patient_id").loc["P05", "response"] is None


def test_event_counts_and_times_by_hand(example, ctx):
    data = example.tables[0].data.set_index("event")
    assert tuple(example.tables[0].data.columns) == SWIMMER_COLUMNS
    assert data["n"].eq(8).all()
    assert data.loc["cr_d28", "n_events"] == 7 and np.isnan(data.loc["cr_d28", "median"])
    hsct = data.loc["hsct"]
    assert (hsct["n_events"], hsct["median"], hsct["min"], hsct["max"]) == (
        3,
        80 / M,
        71 / M,
        95 / M,
    )
    assert data.loc["relapse_cd19_positive", "median"] == 478 / M
    assert data.loc["relapse_cd19_negative", "median"] == 150 / M
    assert (data.loc["death", "n_events"], data.loc["death", "median"]) == (3, 296 / M)
    alive = data.loc["alive_at_last_contact"]
    assert (alive["n_events"], alive["median"], alive["percent"]) == (5, 1702 / M, 62.5)
    assert "relapse_phenotype_unknown" not in data.index  # only listed when it happens
    # B-cell recovery is the BCA derivation's loss day
    adsl = ctx.patients.set_index("patient_id")
    lost = adsl[adsl["bca_loss"] == 1]
    days = (lost["bca_onset_day"] + lost["bca_duration_days"]).to_numpy()
    assert data.loc["bca_recovery", "n_events"] == len(days) == 1
    assert data.loc["bca_recovery", "median"] == days[0] / M


def test_the_table_and_caption_a_reader_sees(example):
    (table,) = example.tables
    shown = table.display.set_index("Event")
    assert shown.loc["HSCT after CAR-T"].tolist() == ["3 (37.5)", "2.6 (2.3–3.1)"]
    assert shown.loc["CR/CRi at day 28"].tolist() == ["7 (87.5)", "–"]
    assert shown.loc["Relapse, CD19-negative"].tolist() == ["1 (12.5)", "4.9 (4.9–4.9)"]
    assert table.footnotes[0] == "Percentages are of the 8 patients in the swimmer plot."
    (fig,) = example.figures
    assert fig.id == "swimmer"
    assert fig.caption == (
        "One bar per patient from CAR-T infusion (day 0) to the last contact or death, in "
        "months, grouped by outcome (alive without relapse, alive after relapse, died) and "
        "sorted by follow-up, longest first. Circles: CR/CRi at day 28 (filled: "
        "MRD-negative); triangles: B-cell recovery; diamonds: HSCT; squares: relapse (filled: "
        "CD19-positive, open: CD19-negative); crosses: death; arrowheads: alive at last contact."
    )


def test_without_marrow_and_labs_the_markers_are_said_to_be_missing(ctx):
    tables = {k: v for k, v in ctx.tables.items() if k not in ("marrow", "labs")}
    pats = ctx.patients.assign(
        responder_d28=pd.NA, mrd_negative_cr_d28=pd.NA, bca_loss=pd.NA
    ).astype({"bca_loss": "Int64"})
    out = run_and_present(
        run_swimmer, ANALYSIS, dataclasses.replace(ctx, tables=tables, patients=pats)
    )
    assert "Not shown: the day-28 response needs the marrow table" in out.notes
    assert "Not shown: B-cell recovery needs the labs table" in out.notes
    events = out.tables[0].data["event"].tolist()
    assert "cr_d28" not in events and "bca_recovery" not in events
    assert "Circles" not in out.figures[0].caption and "triangles" not in out.figures[0].caption


def test_demo_lanes_follow_the_sort_rule(demo):
    ctx, out = demo
    lanes = out.result.lanes
    assert len(lanes) == 50 == out.n
    rank = lanes["group"].map({g: i for i, g in enumerate(GROUPS)}).to_numpy()
    assert (np.diff(rank) >= 0).all()
    for _, block in lanes.groupby("group"):
        assert (np.diff(block["end_day"].to_numpy()) <= 0).all()
    # every death and relapse of the ADSL is drawn on its day
    adsl = ctx.patients.set_index("patient_id").loc[lanes["patient_id"]]
    np.testing.assert_array_equal(lanes["death_day"], adsl["death_day"].where(adsl["death"]))
    np.testing.assert_array_equal(
        lanes["relapse_day"], adsl["relapse_day"].where(adsl["relapse"].astype(bool))
    )


def _lanes(n: int) -> pd.DataFrame:
    rng = np.random.default_rng(7)
    group = np.repeat(GROUPS, [n // 2, n // 4, n - n // 2 - n // 4])
    end = np.concatenate([np.sort(rng.uniform(30, 3000, k))[::-1] for k in np.bincount(
        pd.Categorical(group, categories=GROUPS).codes)])  # fmt: skip
    died = group == "died"
    relapse = np.where(group != GROUPS[0], end * 0.5, np.nan)
    return pd.DataFrame(
        {
            "patient_id": [f"S{i:04d}" for i in range(n)],
            "group": group,
            "end_day": end,
            "alive": ~died,
            "response": np.where(np.arange(n) % 5 == 0, "cr", "mrd_negative_cr").astype(object),
            "response_day": 28.0,
            "bca_recovery_day": np.where(np.arange(n) % 3 == 0, 60.0, np.nan),
            "hsct_day": np.nan,
            "relapse_day": relapse,
            "relapse_phenotype": np.where(np.isnan(relapse), None, "cd19_positive"),
            "death_day": np.where(died, end, np.nan),
        }
    )


def test_many_patients_draw_an_evenly_spaced_selection():
    lanes = _lanes(2000)
    shown = shown_lanes(lanes, 150)
    assert len(shown) == 150
    assert shown["patient_id"].iloc[0] == "S0000" and shown["patient_id"].iloc[-1] == "S1999"
    assert shown["patient_id"].is_monotonic_increasing  # the order is kept
    share = shown["group"].value_counts() / 150
    want = lanes["group"].value_counts() / 2000
    assert (share - want).abs().max() < 0.01
    assert shown_lanes(lanes, 150).equals(shown)  # no randomness
    assert shown_lanes(lanes.head(100), 150).equals(lanes.head(100))


def test_a_large_cohort_figure_has_no_ids_and_says_what_is_drawn():
    fig = swimmer_figure(shown_lanes(_lanes(400), 150), ylabel="Patients (150 of 400 drawn)")
    ax = fig.axes[0]
    assert ax.get_yticks().size == 0
    assert ax.get_ylabel() == "Patients (150 of 400 drawn)"
    assert len(ax.patches) == 150


def test_figure_draws_what_the_lanes_say(example):
    fig = example.figures[0].figure
    ax = fig.axes[0]
    lanes = example.result.lanes
    widths = [p.get_width() for p in ax.patches]
    np.testing.assert_allclose(widths, lanes["end_day"] / M)
    assert [t.get_text() for t in ax.get_yticklabels()] == lanes["patient_id"].tolist()
    (deaths,) = [c for c in ax.collections if c.get_gid() == "death"]
    np.testing.assert_allclose(np.sort(deaths.get_offsets()[:, 0]), np.sort([205, 296, 402]) / M)
    groups = [t.get_text() for t in ax.texts if t.get_gid() == "group_label"]
    assert groups == ["Alive without relapse", "Alive after relapse", "Died"]
    labels = [t.get_text() for t in fig.legends[0].get_texts()]
    assert "Relapse, CD19 phenotype unknown" not in labels and "HSCT" in labels


def _svg(fig) -> bytes:
    buf = io.BytesIO()
    with mpl.rc_context({"svg.hashsalt": "test"}):
        fig.savefig(buf, format="svg", metadata={"Date": None})
    return buf.getvalue()


def test_figure_spec_pickles_and_draws_the_same(example, demo):
    for out in (example, demo[1]):
        spec = out.figures[0]
        assert "swimmer" in spec.id
        again = pickle.loads(pickle.dumps(spec.draw))
        assert _svg(again()) == _svg(spec.figure)


def test_an_analysis_id_without_swimmer_still_names_the_figure_so(ctx):
    out = run_and_present(run_swimmer, Swimmer(id="lanes", title="t", unit="days"), ctx)
    assert out.figures[0].id == "lanes_swimmer"
    assert out.tables[0].data.set_index("event").loc["hsct", "median"] == 80.0
