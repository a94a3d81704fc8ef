"""The report on cohorts unlike the paper's: what cannot run is listed, with its reason."""

import json

import pytest

import cartkit as ck
from cartkit.cli import main
from cartkit.study import Study


@pytest.fixture(scope="module")
def no_kinetics_no_labs():
    full = ck.simulate_study(30, seed=3)
    tables = {k: v for k, v in full.tables.items() if k not in ("kinetics", "labs")}
    return Study(tables=tables, metadata=dict(full.metadata))


@pytest.fixture(scope="module")
def analysis(no_kinetics_no_labs):
    return ck.analyze(no_kinetics_no_labs)


def test_analyses_that_need_an_absent_table_are_not_run_with_the_reason(analysis):
    by_id = {r.id: r for r in analysis.results}
    assert by_id["kinetics_overall"].not_run == "NCA parameters need the kinetics table."
    assert by_id["kinetics_overall"].tables == () and by_id["kinetics_overall"].figures == ()
    assert by_id["il6_odds_ratios"].not_run == "marker 'il6_peak' needs the labs table."
    assert by_id["kinetic_model"].not_run == "it needs the kinetics table."
    assert by_id["kinetic_model"].tables == () and by_id["kinetic_model"].figures == ()
    assert not by_id["os_km"].not_run and by_id["os_km"].tables == ("os_km",)


def test_a_model_without_a_planned_covariate_says_so_in_title_and_footnote(analysis):
    t = analysis.tables["table1a_lfs_multivariable"]
    assert t.title == "Multivariable analysis of LFS (without B-cell recovery)"
    assert any("bca_loss (needs labs)" in f for f in t.footnotes)
    assert "bca_loss" not in set(t.data["variable"])
    (r,) = [r for r in analysis.results if r.id == "table1a_lfs_multivariable"]
    assert r.notes[0] == ("Runs without bca_loss (needs labs): this study has no labs table.")


def test_results_json_and_the_page_list_what_did_not_run(analysis, tmp_path):
    ck.write_report(analysis, tmp_path)
    results = json.loads((tmp_path / "results.json").read_text(encoding="utf-8"))
    not_run = {r["id"]: r["reason"] for r in results["not_run"]}
    assert not_run["persistence_by_mrd_cr"] == "the PERSIST endpoint needs the kinetics table."
    assert not_run["bca_duration_km"] == "the BCADUR endpoint needs the labs table."
    assert not_run["kinetic_model"] == "it needs the kinetics table."
    # and two comparisons with one group in this cohort: nobody not bridged had MRD >= 10^-2
    one_group = "only one group: no patient had pre-LD MRD ≥ 10⁻² (pre_ld_mrd_below_1e2)"
    assert not_run["sfig_s1_mrd_high_no_hsct"].startswith(one_group)
    assert not_run["sfig_s1_mrd_high_no_hsct_lfs"].startswith(one_group)
    assert len(not_run) == 17
    table1a = next(a for a in results["analyses"] if a["id"] == "table1a_lfs_multivariable")
    assert table1a["without"] == ["bca_loss (needs labs)"] and table1a["not_run"] is None
    page = (tmp_path / "report.html").read_text(encoding="utf-8")
    assert '<section id="not-run"' in page and "Not run (17)" in page


def test_validate_names_the_absent_tables_and_what_they_disable(
    no_kinetics_no_labs, tmp_path, capsys
):
    no_kinetics_no_labs.write(tmp_path / "study", "csv")
    assert main(["validate", str(tmp_path / "study")]) == 0
    out = capsys.readouterr().out
    assert "optional tables absent: kinetics, labs" in out
    assert "with the default plan, 15 analysis(es) cannot run:" in out
    assert "  - kinetic_model: it needs the kinetics table" in out
    assert "  - kinetics_overall: NCA parameters need the kinetics table" in out
    assert "  - table1a_lfs_multivariable: without bca_loss (needs labs)" in out


def test_adverse_events_without_icans_rows_and_no_icans_table_leave_icans_unknown(tmp_path, capsys):
    import shutil

    import pandas as pd

    study = tmp_path / "study"
    shutil.copytree(ck.example_study_path(), study)
    (study / "icans.csv").unlink()
    ae = pd.read_csv(study / "adverse_events.csv")
    ae[ae["term"].str.lower() != "icans"].to_csv(study / "adverse_events.csv", index=False)
    assert main(["report", str(study), "--out", str(tmp_path / "out")]) == 0
    out = capsys.readouterr().out
    assert "  ICANS, any grade                 not available" in out
    results = json.loads((tmp_path / "out" / "results.json").read_text(encoding="utf-8"))
    assert results["headline"]["icans_any_rate"]["estimate"] is None
    assert results["headline"]["crs_any_rate"]["estimate"] == 6 / 8
