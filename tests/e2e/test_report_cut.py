"""A study whose follow-up ends at 4 years has no 5-year number anywhere in its report.

The survival and cumulative-incidence analyses of the default plan (with the landmark and the
time-dependent tables of Figure 1) and the 5-year headline run on the simulated study censored
at day 1461: every 5-year estimate is "NE" in the tables, null in results.json and in the
headline (with the reason and the longest follow-up), "NE" on the console and on the page, and
no caption quotes one.
"""

from __future__ import annotations

import dataclasses
import json
import warnings

import openpyxl
import pytest
from tests.cut import cut_study

import cartkit as ck
from cartkit.plan.default import default_plan
from cartkit.report.outputs import headline_text

CUT = 4 * 365.25  # day 1461
ANALYSES = ("os_km", "lfs_km", "cir_nrm", "figure1_os_by_hsct_preld")
HEADLINE = ("os_5y", "lfs_5y", "median_follow_up_months")


@pytest.fixture(scope="module")
def report(tmp_path_factory):
    study = cut_study(ck.simulate_study(50, seed=0), CUT)
    plan = default_plan()
    plan = dataclasses.replace(
        plan,
        analyses=tuple(a for a in plan.analyses if a.id in ANALYSES),
        headline=tuple(h for h in plan.headline if h.key in HEADLINE),
    )
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        analysis = ck.analyze(study, plan)
    out = tmp_path_factory.mktemp("cut")
    ck.write_report(analysis, out)
    last = study.tables["events"].query("event == 'last_contact'")["day"]
    return {
        "analysis": analysis,
        "out": out,
        "results": json.loads((out / "results.json").read_text(encoding="utf-8")),
        "longest": f"{ck.to_months(float(last.max())):.1f}",
    }


def test_the_cut_study_is_followed_to_4_years_at_most(report):
    assert report["longest"] == "48.0"


def test_every_5_year_cell_of_every_table_is_ne(report):
    tables = report["analysis"].tables
    assert {"os_km", "cir_nrm", "figure1_os_by_hsct_preld_simon_makuch"} <= set(tables)
    columns = 0
    for table in tables.values():
        for column in (c for c in table.display.columns if c.startswith("5-year")):
            columns += 1
            cells = [v for v in table.display[column] if v != ""]
            assert cells and set(cells) == {"NE"}, (table.id, cells)
            assert any(f.startswith("NE, not estimable: no patient") for f in table.footnotes)
    assert columns == 6  # OS, LFS, CIR, and Figure 1: naive, landmark, Simon-Makuch
    os_km = tables["os_km"]
    assert os_km.footnotes[-1] == (
        "NE, not estimable: no patient is followed to 5 years (longest follow-up 48.0 months)."
    )


def test_results_json_has_null_5_year_estimates(report):
    rows = [
        (tid, row)
        for tid, table in report["results"]["tables"].items()
        for row in table["rows"]
        if row.get("time_years") == 5
    ]
    assert len(rows) > 10
    for tid, row in rows:
        assert row["n_risk"] == 0, tid
        assert row["estimate"] is None and row["ci_lower"] is None and row["ci_upper"] is None


def test_the_headline_gives_the_reason_not_a_number(report):
    reason = f"no patient is followed to 5 years (longest follow-up {report['longest']} months)"
    for key in ("os_5y", "lfs_5y"):
        item = report["results"]["headline"][key]
        assert item["estimate"] is None and item["ci_lower"] is None and item["ci_upper"] is None
        assert item["n_risk"] == 0
        assert item["not_estimable"] == reason
    text = headline_text(report["analysis"].headline, report["analysis"].plan.headline)
    assert f"  5-year overall survival             NE: {reason}" in text.splitlines()
    page = (report["out"] / "report.html").read_text(encoding="utf-8")
    assert (
        '<tr id="headline-os_5y"><td>5-year overall survival</td><td class="value">NE</td>'
        f"<td>not estimable: {reason}</td></tr>"
    ) in page


def test_no_caption_quotes_a_5_year_estimate(report):
    figures = report["analysis"].figures
    assert figures
    for figure in figures.values():
        assert "5-year" not in figure.caption
        assert "5 years" not in figure.caption


def test_the_workbook_leaves_5_year_estimates_empty(report):
    wb = openpyxl.load_workbook(report["out"] / "tables.xlsx")
    ws = wb["os_km"]
    header = [c.value for c in ws[3]]
    rows = [dict(zip(header, r, strict=False)) for r in ws.iter_rows(min_row=4, values_only=True)]
    five = [r for r in rows if r.get("Time, years") == 5]
    assert len(five) == 1
    assert five[0]["Estimate"] is None and five[0]["At risk"] == 0
    assert five[0]["Longest follow-up, months"] == pytest.approx(48.0, abs=0.05)
