"""The report's title and the labelled reference column (report.html, console, results.json)."""

from __future__ import annotations

import base64
import dataclasses
import json
import re

import pytest
from report_render_analysis import make_analysis

from cartkit.errors import CartkitError
from cartkit.plan.default import default_plan, published_reference
from cartkit.plan.schema import Reference, ReferenceValue
from cartkit.report._content import results_content
from cartkit.report.front import default_title, reference_texts, report_title
from cartkit.report.html import render_html
from cartkit.report.outputs import headline_text
from cartkit.report.write import write_report

PNG = base64.b64decode(
    "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8/5+hHgAHggJ/PchI7wAAAABJRU5ErkJggg=="
)
PAPER_TITLE = "CD19 CAR-T in pediatric B-ALL with MRD positivity or chemotherapy intolerance"
PUBLISHED = "Published study (Wang et al., Front. Immunol. 2025)"


@pytest.fixture(scope="module")
def analysis():
    return make_analysis()


@pytest.fixture(scope="module")
def with_reference(analysis):
    plan = dataclasses.replace(default_plan(), reference=published_reference())
    return dataclasses.replace(analysis, plan=plan)


def _page(analysis, **kw):
    return render_html(analysis, figures_png={f: PNG for f in analysis.figures}, **kw)


def _with_provenance(analysis, **provenance):
    return dataclasses.replace(analysis, provenance=provenance)


def test_the_default_title_names_the_study_and_its_size(analysis):
    # the fixture's hostile source has a "/" in it: its file name is what follows
    assert default_title(analysis) == "Analysis of b>.xlsx: 50 patients"
    simulated = _with_provenance(analysis, source="simulated", seed=5)
    assert default_title(simulated) == "Analysis of a simulated cohort: 50 patients (seed 5)"
    folder = _with_provenance(analysis, source="/home/me/centre_2024/")
    assert default_title(folder) == "Analysis of centre_2024: 50 patients"
    assert default_title(_with_provenance(analysis)) == "Analysis of a study: 50 patients"


def test_the_title_given_wins_then_the_plans(analysis):
    titled = dataclasses.replace(
        analysis, plan=dataclasses.replace(default_plan(), title="CAR-T at my centre")
    )
    assert report_title(titled) == "CAR-T at my centre"
    assert report_title(titled, "  Interim analysis  ") == "Interim analysis"
    with pytest.raises(CartkitError, match="title must be a non-empty text, got ' '"):
        report_title(analysis, " ")


def test_the_page_is_titled_for_the_study_never_with_the_papers_title(analysis):
    page = _page(analysis)
    assert "<title>Analysis of b&gt;.xlsx: 50 patients</title>" in page
    assert "<h1>Analysis of b&gt;.xlsx: 50 patients</h1>" in page
    assert PAPER_TITLE not in page
    assert (
        '<p class="meta">50 patients · analysis plan: Default plan (the analyses of a published '
        "study of CD19 CAR-T in pediatric B-ALL), version 1</p>"
    ) in page
    mine = _page(analysis, title="Centre <X> 2024")
    assert "<title>Centre &lt;X&gt; 2024</title>" in mine
    assert "<h1>Centre &lt;X&gt; 2024</h1>" in mine


def test_without_a_reference_the_headline_has_no_other_column(analysis):
    page = _page(analysis)
    assert 'class="reference"' not in page and "reference-note" not in page
    assert '<th scope="col">Estimate (95% CI)</th><th scope="col">Based on</th></tr>' in page


def test_the_reference_is_a_column_headed_by_its_source(with_reference):
    page = _page(with_reference)
    assert (
        '<th scope="col">This study: estimate (95% CI)</th><th scope="col">Based on</th>'
        f'<th scope="col" class="reference">{PUBLISHED}</th></tr>'
    ) in page
    assert (
        '<tr id="headline-os_5y"><td>5-year overall survival</td><td class="value">69.1% '
        '(53.1–80.4)</td><td>12 at risk</td><td class="reference">74.9% (64.8–85.1)</td></tr>'
    ) in page
    assert '<td>49 of 50</td><td class="reference">98.0%, 49 of 50</td></tr>' in page
    assert '<td class="value">41,250</td><td></td><td class="reference">30,860</td>' in page
    assert (
        f'<p class="small reference-note">{PUBLISHED}: published values, for comparison only; '
        "they are not results of this study (intervals and counts as published).</p>"
    ) in page
    # the published values are in that column only (and in the plan's TOML, under [reference])
    above_provenance = page.split('<section id="provenance"')[0]
    body = re.sub(r'<td class="reference">[^<]*</td>', "", above_provenance)
    for printed in ("74.9", "64.8–85.1", "98.0%, 49", "30,860", "68.7", "10.5"):
        assert printed not in body, printed


def test_a_headline_item_without_a_reference_value_shows_a_dash(analysis):
    ref = Reference("Trial X", (("os_5y", ReferenceValue(0.7)),))
    partial = dataclasses.replace(analysis, plan=dataclasses.replace(default_plan(), reference=ref))
    cells = reference_texts(partial.plan)
    assert cells["os_5y"] == "70.0%" and cells["cr_rate"] == "—"
    assert '<td>0 of 50</td><td class="reference">—</td></tr>' in _page(partial)


def test_the_console_adds_the_reference_as_a_labelled_column(with_reference):
    plan = with_reference.plan
    plain = headline_text(with_reference.headline, plan.headline)
    text = headline_text(with_reference.headline, plan.headline, (PUBLISHED, reference_texts(plan)))
    lines = text.split("\n")
    # the study's column is as wide as its widest line; the reference follows, 3 spaces after
    assert lines[0] == " " * 35 + "this study" + " " * 12 + PUBLISHED
    assert lines[1] == "  CR/CRi at day 28                  98.0% (89.3–100.0)   98.0%, 49 of 50"
    assert lines[3] == "  5-year overall survival           69.1% (53.1–80.4)    74.9% (64.8–85.1)"
    assert lines[6] == "  median Cmax (copies/µg DNA)      41,250                30,860"
    assert [line[:54].rstrip() for line in lines[1:]] == plain.split("\n")
    assert "74.9" not in plain and "this study" not in plain


def test_results_json_keeps_the_reference_apart_from_the_headline(analysis, with_reference):
    plain = results_content(analysis)
    assert plain["title"] == "Analysis of b>.xlsx: 50 patients"
    assert plain["reference"] is None
    content = results_content(with_reference, "Demo")
    assert content["title"] == "Demo"
    assert content["headline"] == plain["headline"]
    assert content["reference"]["source"] == PUBLISHED
    assert content["reference"]["values"]["os_5y"] == {
        "estimate": 0.749,
        "ci_lower": 0.648,
        "ci_upper": 0.851,
    }
    assert content["reference"]["values"]["cr_rate"] == {"estimate": 0.98, "n_events": 49, "n": 50}
    assert content["reference"]["values"]["cmax_median"] == 30860.0


def test_write_report_titles_the_page_and_results_json(analysis, tmp_path):
    write_report(analysis, tmp_path, title="Centre A, 2019-2024")
    results = json.loads((tmp_path / "results.json").read_text(encoding="utf-8"))
    assert results["title"] == "Centre A, 2019-2024" and results["reference"] is None
    page = (tmp_path / "report.html").read_text(encoding="utf-8")
    assert "<title>Centre A, 2019-2024</title>" in page
    with pytest.raises(CartkitError, match="non-empty text"):
        write_report(analysis, tmp_path / "x", title="")
    assert not (tmp_path / "x").exists()


def test_a_rate_without_an_interval_says_so_on_the_console_and_the_page():
    # a cohort in which nobody died: the 5-year OS is 100% and its log-log CI is undefined
    from cartkit.report._cells import headline_rows
    from cartkit.report.outputs import rate_text

    plan = default_plan()
    os_item = next(h for h in plan.headline if h.key == "os_5y")
    value = {"estimate": 1.0, "ci_lower": None, "ci_upper": None, "n_risk": 20}
    assert rate_text(value) == "100.0% (CI not estimable)"
    assert rate_text({**value, "ci_lower": 0.5, "ci_upper": 0.9}) == "100.0% (50.0–90.0)"
    assert rate_text({"estimate": None}) == "not available"
    console = headline_text({"os_5y": value}, [os_item])
    assert console.endswith("100.0% (CI not estimable)")
    (row,) = headline_rows({"os_5y": value}, [os_item])
    assert (row["value"], row["detail"]) == ("100.0% (CI not estimable)", "20 at risk")
