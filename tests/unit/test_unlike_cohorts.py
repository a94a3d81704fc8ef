"""Reports on cohorts unlike the published one (issue 14 review): what a reader must not misread.

Small simulated cohorts edited the way the reviewer edited theirs: every HSCT and death event
removed (nobody transplanted, nobody died), and the follow-up cut at day 900. Each test would
have caught one finding of the review: a comparison with one group printed under a comparison
title, notes about a landmark table read as about the main one, a biased p copied from a
figure without its caveat, a Simon-Makuch curve drawn from 100% before anybody is in it, line
styles that swap between panels.
"""

from __future__ import annotations

import dataclasses

import matplotlib.pyplot as plt
import numpy as np
import pytest
from tests.cut import cut_study
from tests.present import run_and_present

import cartkit as ck
from cartkit.cli import main
from cartkit.plan.default import default_plan
from cartkit.report._cells import exclusion_counts
from cartkit.report.analyze import _not_run
from cartkit.report.outputs import headline_number
from cartkit.report.sections import Show, present
from cartkit.runner.context import build_context
from cartkit.runner.kinds.correlation import run_correlation
from cartkit.runner.kinds.cumulative import run_cumulative_incidence
from cartkit.runner.kinds.kinetic_model import model_input
from cartkit.runner.kinds.kinetics import run_kinetics
from cartkit.runner.kinds.models import run_cox_screening
from cartkit.runner.kinds.survival import run_survival
from cartkit.runner.runner import _exclusions, _findings
from cartkit.study import Study

PLAN = default_plan()


def without_events(study: Study, *events: str) -> Study:
    """``study`` with every event of the given kinds removed from its events table."""
    tables = dict(study.tables)
    e = tables["events"]
    tables["events"] = e[~e["event"].isin(events)].reset_index(drop=True)
    return Study(tables, source=f"{study.source} without {', '.join(events)}")


@pytest.fixture(scope="module")
def no_hsct():
    """40 patients, nobody transplanted after CAR-T and nobody dead (as the review's s40)."""
    study = without_events(ck.simulate_study(40, seed=3), "hsct", "death")
    return build_context(study, PLAN)


@pytest.fixture(scope="module")
def short():
    """23 patients followed to day 900 at most (as the review's s23)."""
    return build_context(cut_study(ck.simulate_study(23, seed=5), 900.0), PLAN)


@pytest.fixture(autouse=True)
def _close_figures():
    yield
    plt.close("all")


def _why_not(run, analysis_id: str, ctx) -> str:
    """What the report's "Not run" list says of an analysis ("" when it shows something)."""
    result = run(PLAN.get(analysis_id), ctx)
    return _not_run(result, present(result, Show(ctx.names, ctx.settings)))


NOBODY = (
    "only one group: no patient had HSCT after CAR-T (hsct_after_cart); all 40 analysed: No HSCT"
)


@pytest.mark.parametrize(
    ("run", "analysis_id"),
    [
        (run_survival, "figure1_os_by_hsct_preld"),
        (run_survival, "figure1_lfs_by_hsct_postld"),
        (run_cumulative_incidence, "cir_by_hsct"),
        (run_cumulative_incidence, "nrm_by_hsct_preld"),
    ],
)
def test_a_comparison_by_hsct_nobody_had_is_not_run_with_the_reason(no_hsct, run, analysis_id):
    # no one-curve figure under a comparison title, no Simon-Makuch or landmark copy of it
    assert _why_not(run, analysis_id, no_hsct) == NOBODY


def test_a_comparison_with_no_event_is_not_run_and_one_curve_with_none_is_shown(no_hsct):
    why = _why_not(run_survival, "sfig_s2_os_by_risk", no_hsct)
    assert why == (
        "no OS event among the 40 patients analysed: every group's curve is flat, nothing to "
        "compare"
    )
    assert _why_not(run_survival, "os_km", no_hsct) == ""
    # the incidence of a cause nobody had is 0, said plainly, not a dash
    out = run_and_present(run_cumulative_incidence, PLAN.get("cir_nrm"), no_hsct)
    data = out.tables[0].data
    nrm = data[data["cause_label"] == "Non-relapse mortality"]
    assert (nrm["n_events"] == 0).all() and (nrm["estimate"].dropna() == 0).all()
    assert (
        "0 non-relapse mortality events: its cumulative incidence is 0 throughout the follow-up"
        in out.notes
    )


def test_a_population_that_leaves_nobody_out_gets_no_selection_bias_warning(no_hsct):
    # "not bridged to HSCT" is everybody when nobody was transplanted
    out = run_and_present(run_survival, PLAN.get("sfig_s1_mrd_high_no_hsct_lfs"), no_hsct)
    assert not [n for n in out.notes if "selection (immortal-time) bias" in n]


def test_landmark_notes_say_they_are_about_the_landmark_table(short):
    out = run_and_present(run_cumulative_incidence, PLAN.get("nrm_by_hsct_preld"), short)
    main, landmark = (t.data for t in out.tables)
    # the main table has an NRM event where the landmark table has none: the notes must not
    # read as if about the main table
    nrm = "Non-relapse mortality"
    assert main.loc[main["cause_label"] == nrm, "n_events"].sum() > 0
    assert landmark.loc[landmark["cause_label"] == nrm, "n_events"].sum() == 0
    assert (
        "0 non-relapse mortality events in Pre-LD MRD ≥ 10⁻⁴: its cumulative incidence is 0 "
        "throughout the follow-up" not in out.notes
    )
    assert (
        "Landmark analysis: 0 non-relapse mortality events in Pre-LD MRD ≥ 10⁻⁴: its "
        "cumulative incidence is 0 throughout the follow-up" in out.notes
    )
    # every note after the bias note is about the landmark table, and says so
    bias = next(i for i, n in enumerate(out.notes) if "immortal-time bias" in n)
    assert out.notes[bias + 1 :]
    assert all(n.startswith("Landmark analysis") for n in out.notes[bias + 1 :])


def test_a_naive_comparison_by_hsct_carries_the_bias_caveat_in_its_caption(short):
    out = run_and_present(run_survival, PLAN.get("figure1_os_by_hsct_preld"), short)
    naive, landmark, sm = out.figures
    caveat = "it is subject to immortal-time bias"
    assert caveat in naive.caption
    assert "see the landmark analysis at day" in naive.caption
    assert "and the Simon-Makuch figure (time-dependent groups)" in naive.caption
    assert caveat not in landmark.caption and caveat not in sm.caption
    cir = run_and_present(run_cumulative_incidence, PLAN.get("cir_by_hsct"), short)
    assert caveat in cir.figures[0].caption and caveat not in cir.figures[1].caption
    # no table id in a note a reader sees
    assert not [n for n in [*out.notes, *cir.notes] if "_landmark" in n or "_simon_makuch" in n]


def test_a_simon_makuch_curve_starts_when_its_first_patient_enters_the_group(short):
    out = run_and_present(run_survival, PLAN.get("figure1_os_by_hsct_preld"), short)
    (sm,) = [f for f in out.figures if f.id.endswith("_simon_makuch")]
    fits = out.result.fits[2]
    figure = sm.draw()
    for k, block in enumerate(fits.blocks):
        ax = figure.axes[2 * k]
        entered = block.intervals.loc[block.intervals["group"], "start"].min()
        hsct = next(line for line in ax.get_lines() if line.get_label().startswith("HSCT"))
        first = hsct.get_xdata()[0]
        assert first == pytest.approx(ck.to_months(entered)) and first > 0
        assert hsct.get_ydata()[0] == 1.0
        no = next(line for line in ax.get_lines() if line.get_label().startswith("No HSCT"))
        assert no.get_xdata()[0] == 0


def test_a_cause_keeps_its_line_style_in_every_incidence_figure_and_panel(short):
    styles = {}
    for analysis_id in ("cir_by_hsct", "nrm_by_hsct_preld", "cir_nrm"):
        out = run_and_present(run_cumulative_incidence, PLAN.get(analysis_id), short)
        figure = out.figures[0].draw()
        for ax in figure.axes[::2]:
            for line in ax.get_lines():
                cause = line.get_label().rpartition(": ")[2]
                if cause.startswith("_"):
                    continue
                styles.setdefault(cause, set()).add(line.get_linestyle())
    assert styles == {"Relapse": {"-"}, "Non-relapse mortality": {"--"}}


def test_a_panel_with_one_group_says_so(short):
    p = short.patients.copy()
    low = p["post_ld_mrd_below_1e4"].fillna(False).to_numpy(dtype=bool)
    p.loc[low, "hsct_after_cart"] = False
    p.loc[low, "hsct_day"] = np.nan
    ctx = dataclasses.replace(short, patients=p)
    out = run_and_present(run_cumulative_incidence, PLAN.get("cir_by_hsct"), ctx)
    assert out.tables  # both groups exist overall
    analysis = dataclasses.replace(PLAN.get("nrm_by_hsct_preld"), subgroup="post_ld_mrd_below_1e4")
    out = run_and_present(run_cumulative_incidence, analysis, ctx)
    note = (
        "In post-LD MRD < 10⁻⁴ every patient is in No HSCT (nobody in HSCT): one group, so no "
        "comparison and no Gray's test; its table rows and figure panel show No HSCT alone"
    )
    assert note in out.notes
    (figure,) = [f for f in out.figures if f.id == analysis.id]
    assert figure.draw.keywords["titles"][0] == "Post-LD MRD < 10⁻⁴: only No HSCT, no comparison"
    assert "(A) has one group only" in figure.caption


def test_notes_use_labels_not_code_names_or_numpy_objects(short):
    table3 = run_and_present(run_kinetics, PLAN.get("table3_kinetics_by_subgroup"), short)
    # nobody had prior HSCT: one note, in the registry's words
    assert (
        "Prior HSCT: one group only, so no test (all 23 patients with kinetics: No prior HSCT)"
        in table3.notes
    )
    assert len([n for n in table3.notes if n.startswith("Prior HSCT")]) == 1
    screening = run_and_present(run_cox_screening, PLAN.get("s2_lfs_cox_screening"), short)
    assert (
        "Univariate Cox model of No HSCT history: the same for all 23 patients: No prior HSCT, "
        "no effect to estimate" in screening.notes
    )
    _, _, _, notes = model_input(PLAN.get("kinetic_model"), short)
    assert "1 patient(s) not in the model: Day-28 MRD-negative CR/CRi unknown (P011)" in notes
    for note in [*table3.notes, *screening.notes, *notes]:
        assert "np." not in note and "remove '" not in note and "no_prior" not in note


def test_a_group_heading_names_what_its_levels_split_not_one_of_them(short, no_hsct):
    table3 = run_and_present(run_kinetics, PLAN.get("table3_kinetics_by_subgroup"), short)
    (table,) = table3.tables
    headings = table.display["Characteristic"][[s == "heading" for s in table.row_styles]]
    assert {"Age, cut-off 10 years", "CAR-T dose, cut-off the median", "Prior HSCT"} <= set(
        headings
    )
    assert "Pre-LD MRD, cut-off 10⁻⁴" in set(headings)
    assert not {"Age > 10 years", "CAR-T dose below the median"} & set(headings)
    s1 = run_and_present(run_survival, PLAN.get("sfig_s1_mrd_high_no_hsct_lfs"), no_hsct)
    assert s1.tables[0].display.iloc[0, 0] == "Pre-LD MRD, cut-off 10⁻²"
    assert "by pre-LD MRD, cut-off 10⁻² (population" in s1.figures[0].caption


def test_one_rounding_and_one_name_for_the_headline_and_its_tables(short):
    assert headline_number(24463.4) == "24,463" and headline_number(13.0) == "13.0"
    (item,) = [h for h in PLAN.headline if h.key == "mrd_negative_cr_rate"]
    assert item.label == "MRD-negative CR/CRi at day 28"
    assert short.label("mrd_negative_cr_d28").endswith("MRD-negative CR/CRi")
    overall = run_and_present(run_kinetics, PLAN.get("kinetics_overall"), short).tables[0]
    cmax = overall.display.loc[overall.data["parameter"] == "cmax"].iloc[0, 2]
    median = overall.data.loc[overall.data["parameter"] == "cmax", "median"].iloc[0]
    assert cmax.startswith(headline_number(median) + " (")


def test_footnotes_define_only_what_the_table_shows(short):
    overall = run_and_present(run_kinetics, PLAN.get("kinetics_overall"), short).tables[0]
    assert "CV" not in overall.abbreviations and "CV" not in " ".join(overall.display.columns)
    s3 = run_and_present(run_correlation, PLAN.get("sfig_s3_expansion_persistence"), short)
    (table,) = s3.tables
    assert set(table.data["method"]) == {"spearman"}
    assert not table.footnotes[0].startswith("r, Pearson")
    assert table.footnotes[0].startswith("ρ, Spearman's rank correlation coefficient; p two-")


def test_time_to_b_cell_recovery_reads_the_right_way_round(short):
    # the review: "All patients | 22 | 12 | 1-year 0.0%" read as "nobody recovered by 1 year"
    out = run_and_present(run_survival, PLAN.get("bca_duration_km"), short)
    (table,) = out.tables
    header = "Still in B-cell aplasia at 1 year (95% CI)"
    assert header in table.display.columns
    one = table.data[(table.data["measure"] == "survival")].iloc[0]
    assert one["n_risk"] == 0 and one["estimate"] == 0
    assert table.display[header].iloc[0] == "0.0%"
    assert any(f.startswith("Still in B-cell aplasia at a time point") for f in table.footnotes)
    assert table.footnotes[-1].startswith(
        "0.0% past the follow-up is the end of the curve, not an extrapolation: All patients: "
        "the curve reached 0 at "
    )


@pytest.fixture(scope="module")
def no_labs():
    """30 patients without a labs table (as the review's s200)."""
    tables = dict(ck.simulate_study(30, seed=9).tables)
    del tables["labs"]
    return Study(tables, source="simulated without labs")


def test_a_study_without_labs_gets_one_line_per_absent_table_not_one_per_patient(no_labs):
    ctx = build_context(no_labs, PLAN)
    excluded = _exclusions(ctx)
    absent = excluded[excluded["patient_id"].isna()]
    assert absent["reason"].tolist() == [
        "labs table absent: B-cell aplasia (onset, duration, B-cell recovery) not derived for "
        "any patient (30 patients)",
        "BCADUR: labs table absent, duration of B-cell aplasia not derived for any patient "
        "(30 patients)",
    ]
    # the per-patient rows of what only some patients lack stay
    assert excluded["patient_id"].notna().sum() == len(excluded) - 2
    findings = _findings(ctx, no_labs)
    undecided = findings[findings["check"] == "response_counts"]
    (message,) = undecided["message"]
    assert message.startswith("labs table absent: CR and CRi cannot be told apart")
    assert undecided["patient_id"].isna().all()
    counts = exclusion_counts(excluded, findings)
    assert counts["excluded"]["rows"] == len(excluded) < 10
    assert counts["findings"] == {"rows": 1, "patients": 0, "by_check": {"response_counts": 1}}


def test_validate_says_cr_and_cri_cannot_be_told_apart_without_labs(no_labs, tmp_path, capsys):
    no_labs.write(tmp_path / "study", "csv")
    assert main(["validate", str(tmp_path / "study")]) == 0
    out = capsys.readouterr().out
    assert "optional tables absent: labs\nwithout the labs table, CR and CRi cannot be told " in out
