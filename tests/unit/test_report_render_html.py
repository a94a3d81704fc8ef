"""report.html: structure, escaping of every string from the data, self-containment."""

from __future__ import annotations

import base64
import hashlib
import html
import re
from html.parser import HTMLParser

import pytest
from hypothesis import given
from hypothesis import settings as hsettings
from hypothesis import strategies as st
from markupsafe import escape
from report_render_analysis import SCRIPT, make_analysis

from cartkit.report.html import render_html
from cartkit.report.types import Analysis, AnalysisResult, ReportTable

#: a 1x1 PNG is enough where the picture does not matter
PNG = base64.b64decode(
    "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8/5+hHgAHggJ/PchI7wAAAABJRU5ErkJggg=="
)


@pytest.fixture(scope="module")
def analysis():
    return make_analysis()


@pytest.fixture(scope="module")
def page(analysis):
    return render_html(analysis, figures_png={f: PNG for f in analysis.figures})


class _Tags(HTMLParser):
    def __init__(self):
        super().__init__()
        self.tags: list[tuple[str, dict]] = []
        self.data: dict[str, str] = {}
        self._open: list[str] = []

    def handle_starttag(self, tag, attrs):
        self.tags.append((tag, dict(attrs)))
        self._open.append(tag)

    def handle_endtag(self, tag):
        if self._open and self._open[-1] == tag:
            self._open.pop()

    def handle_data(self, data):
        if self._open:
            self.data[self._open[-1]] = self.data.get(self._open[-1], "") + data


def _parse(text):
    parser = _Tags()
    parser.feed(text)
    return parser


def test_hostile_strings_are_escaped(page):
    assert "<script>alert" not in page
    assert html.escape(SCRIPT) in page  # shown as text, in cells, notes, captions, ids
    assert page.count(html.escape(SCRIPT)) >= 5
    assert "<b>x</b>" not in page and "study_&lt;b&gt;x&lt;/b&gt;" in page
    assert "=HYPERLINK(&#34;http://x&#34;)" in page
    scripts = [a for t, a in _parse(page).tags if t == "script"]
    assert len(scripts) == 1  # only the page's own


def test_self_contained(page):
    tags = _parse(page).tags
    assert not [t for t, _ in tags if t in ("link", "iframe", "object", "embed")]
    for tag, attrs in tags:
        if tag == "img":
            assert attrs["src"].startswith("data:image/png;base64,")
        for key in ("src", "href"):
            value = attrs.get(key)
            if value is not None:
                assert value.startswith(("#", "data:")), (tag, value)
    assert 'name="viewport" content="width=device-width, initial-scale=1"' in page
    assert "@media print" in page


def test_csp_allows_only_the_pages_own_style_and_script(page):
    csp = html.unescape(
        re.search(r'http-equiv="Content-Security-Policy" content="([^"]+)"', page).group(1)
    )
    style = re.search(r"<style>(.*?)</style>", page, re.S).group(1)
    script = re.search(r"<script>(.*?)</script>", page, re.S).group(1)

    def digest(text):
        return base64.b64encode(hashlib.sha256(text.encode()).digest()).decode()

    assert f"style-src 'sha256-{digest(style)}'" in csp
    assert f"script-src 'sha256-{digest(script)}'" in csp
    assert "default-src 'none'" in csp and "img-src data:" in csp


def test_figures_are_embedded_with_alt_and_caption(analysis):
    page = render_html(analysis, figures_png={f: PNG for f in analysis.figures})
    encoded = base64.b64encode(PNG).decode()
    imgs = [a for t, a in _parse(page).tags if t == "img"]
    assert [a["alt"] for a in imgs] == [
        "Cumulative incidence of relapse",
        "Cmax and B-cell aplasia duration",
    ]
    assert all(a["src"] == f"data:image/png;base64,{encoded}" for a in imgs)
    # a 1x1 PNG at 200 dpi would be half a pixel wide: never drawn at zero size
    assert all(a["width"] == "1" and a["height"] == "1" for a in imgs)
    assert "Spearman correlation; &lt;script&gt;" in page


def test_sections_in_result_order_with_contents(page, analysis):
    ids = [a.get("id") for t, a in _parse(page).tags if t == "section"]
    expected = ["sec-" + r.id for r in analysis.results]
    assert [i for i in ids if i and i.startswith("sec-")] == expected
    assert ids[-2:] == ["exclusions", "provenance"]
    for r in analysis.results:
        assert f'<a href="#sec-{r.id}">{html.escape(r.title)}</a>' in page
    assert "n = 48 analysed" in page
    assert '<aside class="notes" role="note">' in page


def test_journal_table_layout(page):
    heading = '<th scope="rowgroup" colspan="2"><span class="label">Sex</span></th>'
    assert f'<tr class="heading">{heading}</tr>' in page
    assert '<tr class="indent"><th scope="row">Female</th><td>22 (44%)</td></tr>' in page
    assert "<caption" not in page  # the caption is the figcaption above the scroll wrapper
    assert 'id="tbl-s1_baseline-cap">Baseline characteristics' in page
    assert "<p>Median (range) or n (%).</p>" in page
    assert "<p>CI, confidence interval; HR, hazard ratio; LD, lymphodepletion.</p>" in page


def test_headline_numbers(page):
    assert "98.0% (89.3–100.0)" in page  # 49/50 with its exact CI, in percent
    assert "49 of 50" in page
    assert "69.1% (53.1–80.4)" in page and "12 at risk" in page
    assert "41,250" in page and "41,250.0" not in page and "47.2" in page  # as its table
    assert "Estimate (95% CI)" in page


def test_exclusions_and_findings_listed(page):
    assert "Nothing was dropped silently" in page
    assert "3 excluded row(s) concerning 3 patient(s)" in page
    assert '<td>OS: no follow-up</td><td class="num">2</td>' in page
    assert "<summary>All 3 excluded row(s)</summary>" in page
    assert "<summary>All 2 finding(s)</summary>" in page
    assert "recorded &lt;script&gt;alert(1)&lt;/script&gt; disagrees" in page


def test_provenance_section(page, analysis):
    assert "ab" * 32 in page and "patients.csv" in page
    assert "<strong>Seed:</strong> 0" in page
    assert "The analysis plan (TOML)" in page
    assert html.escape(analysis.plan.name, quote=False) in page
    assert "screening_threshold = 0.2" in page


def test_same_analysis_same_page(analysis, page):
    again = render_html(make_analysis(), figures_png={f: PNG for f in analysis.figures})
    assert again == page


def test_missing_png_is_an_error(analysis):
    with pytest.raises(ValueError, match="cif_relapse"):
        render_html(analysis, figures_png={"fig2_cmax_bca": PNG})


def test_unreferenced_tables_are_still_shown(analysis):
    fields = {f: getattr(analysis, f) for f in analysis.__dataclass_fields__}
    fields["results"] = (analysis.results[0],)
    page = render_html(Analysis(**fields), figures_png={f: PNG for f in analysis.figures})
    assert 'id="sec-other"' in page and "Other tables and figures" in page
    assert 'id="tbl-t1a_lfs_cox_multivariable"' in page and 'id="fig-cif_relapse"' in page


def _one_cell_analysis(analysis, text: str) -> Analysis:
    import pandas as pd

    table = ReportTable(
        id="t",
        analysis_id="a",
        title=text,
        data=pd.DataFrame({"x": [text]}),
        display=pd.DataFrame({text: [text], "v": [text]}),
        row_styles=("heading",),
        footnotes=(text,),
    )
    result = AnalysisResult(id="a", kind="rates", title=text, tables=("t",), notes=(text,))
    return Analysis(
        tables={"t": table},
        figures={},
        headline={},
        derived={},
        results=(result,),
        plan=analysis.plan,
        provenance={"source": text},
    )


@hsettings(max_examples=40, deadline=None)
@given(st.text(alphabet=st.sampled_from("<>&\"'=/ ab\n"), min_size=1, max_size=20))
def test_any_text_from_the_data_is_escaped(analysis, text):
    page = render_html(_one_cell_analysis(analysis, text), figures_png={})
    main = page.split("<main>", 1)[1]
    # no tag other than the page's own: every "<" from the text became "&lt;"
    tags = {t for t, _ in _parse(main).tags}
    assert tags <= {
        "section",
        "h2",
        "h3",
        "p",
        "aside",
        "strong",
        "ul",
        "li",
        "figure",
        "figcaption",
        "div",
        "table",
        "thead",
        "tbody",
        "tr",
        "th",
        "td",
        "span",
        "code",
        "details",
        "summary",
        "pre",
        "footer",
        "a",
    }
    assert str(escape(text)) in page


def test_two_level_header_spans_the_upper_label(page):
    assert (
        '<tr><th scope="col"></th><th scope="col" colspan="2" class="group">Cmax</th></tr>'
    ) in page
    assert (
        '<tr><th scope="col">Group</th><th scope="col">Geometric mean</th><th scope="col">n</th>'
        "</tr>"
    ) in page


def test_provenance_values_print_plainly(analysis):
    from pathlib import Path

    fields = {f: getattr(analysis, f) for f in analysis.__dataclass_fields__}
    fields["provenance"] = {"source": Path("/data/s.xlsx"), "seed": 7, "window": (0, 28)}
    page = render_html(Analysis(**fields), figures_png={f: PNG for f in analysis.figures})
    assert '<p class="meta">Study: /data/s.xlsx</p>' in page
    assert "<strong>Seed:</strong> 7" in page
    assert "<strong>Window:</strong> [0, 28]" in page
