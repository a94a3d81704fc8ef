"""report.docx: sections, journal tables, figures, provenance, literal text, reproducible bytes.

The document is re-read with python-docx (and its XML inspected where python-docx has no API):
what a reader of the Word file sees is checked cell by cell.
"""

from __future__ import annotations

import io
import zipfile
from dataclasses import replace

import pandas as pd
import pytest
from docx import Document
from docx.enum.section import WD_ORIENT
from docx.oxml.ns import qn
from docx.shared import Cm
from hypothesis import given
from hypothesis import settings as hsettings
from hypothesis import strategies as st
from lxml import etree
from PIL import Image
from report_render_analysis import LONG_NOTE, SCRIPT, make_analysis

from cartkit.report._docx_document import STYLE_IDS, new_document
from cartkit.report._docx_table import _ORDER, Grid, clean_text, column_widths, text_cm
from cartkit.report.docx import render_docx, write_docx
from cartkit.report.front import report_title
from cartkit.report.types import AnalysisResult, ReportTable
from cartkit.report.write import write_report

W = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"
#: the text width of an A4 portrait page with 2.5 cm margins
TEXT_CM = 16.0


def _png(width_px: int, height_px: int) -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (width_px, height_px), "white").save(buffer, "PNG", dpi=(200, 200))
    return buffer.getvalue()


#: fig2_cmax_bca 4 x 3 inches at 200 dpi; cif_relapse 10 x 4 inches (wider than the text)
FIGURES_PNG = {"fig2_cmax_bca": _png(800, 600), "cif_relapse": _png(2000, 800)}


@pytest.fixture(scope="module")
def analysis():
    return make_analysis()


@pytest.fixture(scope="module")
def docx_bytes(analysis):
    return render_docx(analysis, figures_png=FIGURES_PNG)


@pytest.fixture(scope="module")
def doc(docx_bytes):
    return Document(io.BytesIO(docx_bytes))


def _body(doc):
    """The body's paragraphs and tables in document order."""
    out = []
    for child in doc.element.body.iterchildren():
        if child.tag == qn("w:p"):
            out.append(("p", child))
        elif child.tag == qn("w:tbl"):
            out.append(("tbl", child))
    return out


def _text(element) -> str:
    return "".join(t.text or "" for t in element.iter(qn("w:t")))


def _style(p) -> str:
    style = p.find(f"{W}pPr/{W}pStyle")
    return "" if style is None else style.get(qn("w:val"))


def _table_after(doc, title: str):
    """The python-docx Table right after the paragraph whose text is ``title``."""
    items = _body(doc)
    for k, (kind, el) in enumerate(items):
        if kind == "p" and _text(el) == title:
            assert items[k + 1][0] == "tbl", title
            return next(t for t in doc.tables if t._tbl is items[k + 1][1])
    raise AssertionError(f"no paragraph {title!r}")


def _rows(table) -> list[list[str]]:
    """Cell texts row by row, a merged cell once."""
    out = []
    for tr in table._tbl.tr_lst:
        out.append([_text(tc) for tc in tr.tc_lst])
    return out


def _paragraphs_after(doc, title: str, n: int) -> list[str]:
    items = _body(doc)
    k = next(i for i, (_, el) in enumerate(items) if _text(el) == title)
    return [_text(el) for _, el in items[k + 2 : k + 2 + n]]


def test_headings_follow_the_html_sections(doc, analysis):
    heads = [(p.style.name, p.text) for p in doc.paragraphs if p.style.name.startswith(("H", "T"))]
    level1 = [text for style, text in heads if style == "Heading 1"]
    assert level1 == [
        "Headline",
        "Baseline characteristics",
        "Leukaemia-free survival: multivariable Cox model",
        "Cmax by response",
        "Exclusions and data-quality findings",
        "Provenance",
    ]
    assert doc.paragraphs[0].style.name == "Title"
    # the report's own title (as report.html's), never the plan's name
    assert doc.paragraphs[0].text == report_title(analysis)
    assert doc.paragraphs[0].text != analysis.plan.name
    level2 = [text for style, text in heads if style == "Heading 2"]
    assert level2[:4] == [
        "Excluded rows by reason",
        "Findings by check",
        "All 3 excluded row(s)",
        "All 2 finding(s)",
    ]


def test_every_table_and_picture_is_there(doc):
    # headline, 3 journal tables, 2 counts, 2 lists, 3 provenance mappings
    assert len(doc.tables) == 11
    assert len(doc.inline_shapes) == 2


def test_headline_table(doc):
    table = _table_after(doc, "Headline")
    rows = _rows(table)
    assert rows[0] == ["Measure", "Estimate (95% CI)", "Based on"]
    assert rows[1] == ["CR/CRi at day 28", "98.0% (89.3–100.0)", "49 of 50"]
    assert ["5-year overall survival", "69.1% (53.1–80.4)", "12 at risk"] in rows


def test_journal_table_cells_footnotes_and_abbreviations(doc):
    title = "Multivariable Cox model of leukaemia-free survival (Table 1A)"
    rows = _rows(_table_after(doc, title))
    assert rows[0] == ["Variable", "HR (95% CI)", "p"]
    assert rows[1] == ["Pre-LD MRD positive", "2.50 (1.10–5.70)", "0.027"]
    assert rows[3] == ['=HYPERLINK("http://x")', "1.00 (0.50–2.00)", "1.00"]
    assert [r[0] for r in rows[4:]] == ["+1", "-2", "@SUM(A1)"]
    assert _paragraphs_after(doc, title, 2) == [
        "Cox proportional hazards model, Efron ties; Wald p-values.",
        "CI, confidence interval; HR, hazard ratio; LD, lymphodepletion.",
    ]


def test_heading_rows_span_and_levels_are_indented(doc):
    table = _table_after(doc, "Baseline characteristics (Supplementary Table S1)")
    rows = table._tbl.tr_lst
    assert _rows(table)[2] == ["Sex"]  # one cell across the table
    span = rows[2].tc_lst[0].find(f"{W}tcPr/{W}gridSpan")
    assert span is not None and span.get(qn("w:val")) == "2"
    assert all(r.bold for r in table.rows[2].cells[0].paragraphs[0].runs)
    female = table.rows[3].cells[0].paragraphs[0]
    assert female.text == "Female"
    assert female.paragraph_format.left_indent.cm == pytest.approx(0.4, abs=0.001)
    assert table.rows[1].cells[0].paragraphs[0].paragraph_format.left_indent is None
    assert _rows(table)[5] == [SCRIPT, "3 (6%)"]


def test_two_level_head_spans_its_columns(doc):
    table = _table_after(doc, "Geometric mean Cmax by day-28 MRD-negative CR")
    rows = _rows(table)
    assert rows[:2] == [["", "Cmax"], ["Group", "Geometric mean", "n"]]
    group = table._tbl.tr_lst[0].tc_lst[1]
    assert group.find(f"{W}tcPr/{W}gridSpan").get(qn("w:val")) == "2"
    # the spanning head is underlined, and the head rows repeat on every page
    assert group.find(f"{W}tcPr/{W}tcBorders/{W}bottom") is not None
    for tr in table._tbl.tr_lst[:2]:
        assert tr.find(f"{W}trPr/{W}tblHeader") is not None
    assert table._tbl.tr_lst[2].find(f"{W}trPr/{W}tblHeader") is None


def test_journal_rules(doc):
    table = _table_after(doc, "Geometric mean Cmax by day-28 MRD-negative CR")
    borders = table._tbl.tblPr.find(f"{W}tblBorders")
    assert borders.find(f"{W}top").get(qn("w:sz")) == "12"
    assert borders.find(f"{W}bottom").get(qn("w:sz")) == "12"
    assert borders.find(f"{W}insideV").get(qn("w:val")) == "nil"


def test_figures_are_embedded_with_title_and_caption(doc, docx_bytes):
    shapes = doc.inline_shapes
    # cif_relapse (10 in) is cut to the text width; fig2_cmax_bca (4 in) keeps its drawn size
    assert shapes[0].width == Cm(TEXT_CM)
    assert shapes[1].width == Cm(4 * 2.54)
    assert shapes[1].height == Cm(3 * 2.54)
    captions = [p.text for p in doc.paragraphs if p.style.name == "Figure Caption"]
    assert captions == [
        "Cumulative incidence of relapse. Gray's test.",
        f"Cmax and B-cell aplasia duration (Figure 2A). Spearman correlation; {SCRIPT}",
    ]
    with zipfile.ZipFile(io.BytesIO(docx_bytes)) as z:
        media = sorted(n for n in z.namelist() if n.startswith("word/media/"))
        assert [z.read(n) for n in media] == [
            FIGURES_PNG["cif_relapse"],
            FIGURES_PNG["fig2_cmax_bca"],
        ]


def test_notes_and_source_line(doc):
    texts = [p.text for p in doc.paragraphs]
    assert "Table 1A · n = 48 analysed" in texts
    bullets = [p.text for p in doc.paragraphs if p.style.name == "List Bullet"]
    assert bullets == [f"2 patients left out: no follow-up ({SCRIPT}).", LONG_NOTE]


def test_provenance_lists_the_input_hashes(doc):
    rows = _rows(_table_after(doc, "Input files"))
    assert rows == [["events.csv", "cd" * 32], ["patients.csv", "ab" * 32]]
    texts = [p.text for p in doc.paragraphs]
    assert "Source: /data/study_<b>x</b>.xlsx" in texts
    assert "Seed: 0" in texts
    assert _rows(_table_after(doc, "Versions")) == [["cartkit", "0.1.0"], ["numpy", "2.0"]]


def test_exclusion_lists(doc):
    rows = _rows(_table_after(doc, "All 3 excluded row(s)"))
    assert rows[0] == ["patient_id", "reason"]
    assert rows[1] == [SCRIPT, "OS: no follow-up"]


def test_same_analysis_same_bytes_and_no_clock(analysis, docx_bytes, doc):
    assert render_docx(analysis, figures_png=FIGURES_PNG) == docx_bytes
    props = doc.core_properties
    assert props.created.year == 2000 and props.modified.year == 2000
    assert props.author == "cartkit"
    with zipfile.ZipFile(io.BytesIO(docx_bytes)) as z:
        assert {i.date_time for i in z.infolist()} == {(1980, 1, 1, 0, 0, 0)}
        # the template's thumbnail (a picture of another document) is gone
        assert not any("thumbnail" in n for n in z.namelist())


def test_text_from_the_data_is_never_a_field(docx_bytes):
    with zipfile.ZipFile(io.BytesIO(docx_bytes)) as z:
        body = z.read("word/document.xml").decode("utf-8")
        footers = [z.read(n).decode("utf-8") for n in z.namelist() if "footer" in n]
    for marker in ("fldSimple", "instrText", "fldChar", "w:hyperlink"):
        assert marker not in body
    assert '=HYPERLINK("http://x")' in body.replace("&quot;", '"')
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in body
    # the only field is the page number in the footer
    assert any('w:instr="PAGE"' in f for f in footers)


def test_control_characters_are_replaced(analysis, tmp_path):
    table = analysis.tables["s1_baseline"]
    odd = replace(
        table,
        title="bell\x07 and nul\x00",
        display=table.display.assign(
            **{"All patients (n = 50)": ["a\x01b", "", "tab\there", "x\x1fy", "ok"]}
        ),
        footnotes=("form\x0cfeed",),
    )
    result = AnalysisResult(id="odd", kind="baseline", title="odd\x0b", tables=("s1_baseline",))
    odd_analysis = replace(analysis, tables={"s1_baseline": odd}, figures={}, results=(result,))
    path = write_docx(odd_analysis, tmp_path / "odd.docx", figures_png={})
    doc = Document(str(path))
    texts = [p.text for p in doc.paragraphs]
    assert "odd\ufffd" in texts
    title = "bell\ufffd and nul\ufffd (Supplementary Table S1)"
    assert title in texts
    assert "form\ufffdfeed" in texts
    table = _table_after(doc, title)
    # python-docx reads a w:tab back as "\t": the tab stayed a tab
    cells = [row.cells[1].text for row in table.rows[1:] if len(row._tr.tc_lst) > 1]
    assert cells == ["a\ufffdb", "tab\there", "x\ufffdy", "ok"]


def test_not_run_and_an_analysis_without_output(analysis):
    results = (
        *analysis.results,
        AnalysisResult(id="crs_t", kind="rates", title="CRS timing", not_run="no crs table"),
    )
    doc = Document(
        io.BytesIO(render_docx(replace(analysis, results=results), figures_png=FIGURES_PNG))
    )
    texts = [p.text for p in doc.paragraphs]
    k = texts.index("Not run")
    assert texts[k + 2] == "CRS timing (crs_t): no crs table"
    assert texts.index("Not run") < texts.index("Baseline characteristics")
    j = texts.index("CRS timing")
    assert texts[j + 1 : j + 3] == ["n = 0 analysed", "This analysis produced no table or figure."]


def test_a_table_too_wide_for_portrait_turns_its_analysis_to_landscape(analysis):
    cells = {f"Column {j}": ["123,456,789 (123,456–987,654)"] for j in range(6)}
    wide = ReportTable(
        id="wide",
        analysis_id="wide",
        title="Wide",
        data=pd.DataFrame({"x": [1]}),
        display=pd.DataFrame({"Characteristic": ["Row"], **cells}),
    )
    result = AnalysisResult(id="wide", kind="rates", title="A wide table", tables=("wide",))
    wide_analysis = replace(
        analysis,
        tables={**analysis.tables, "wide": wide},
        results=(*analysis.results, result),
    )
    doc = Document(io.BytesIO(render_docx(wide_analysis, figures_png=FIGURES_PNG)))
    orientations = [s.orientation for s in doc.sections]
    assert orientations == [WD_ORIENT.PORTRAIT, WD_ORIENT.LANDSCAPE, WD_ORIENT.PORTRAIT]
    assert doc.sections[1].page_width.cm == pytest.approx(29.7, abs=0.001)
    # the landscape section holds the analysis's heading and table, and nothing else
    items = _body(doc)
    ends = [k for k, (_, el) in enumerate(items) if el.find(f"{W}pPr/{W}sectPr") is not None]
    heading = next(k for k, (_, el) in enumerate(items) if _text(el) == "A wide table")
    previous = next(k for k, (_, el) in enumerate(items) if _text(el) == "Cmax by response")
    assert previous < ends[0] < heading < ends[1]
    assert _text(items[ends[1] + 1][1]) == "Exclusions and data-quality findings"
    assert _rows(_table_after(doc, "Wide"))[1][1] == "123,456,789 (123,456–987,654)"


def test_properties_are_in_schema_order(docx_bytes):
    # Word refuses a document whose property children are out of order
    with zipfile.ZipFile(io.BytesIO(docx_bytes)) as z:
        root = etree.fromstring(z.read("word/document.xml"))
    checked = 0
    for parent_tag, order in _ORDER.items():
        for parent in root.iter(qn(parent_tag)):
            tags = [child.tag.replace(W, "w:") for child in parent]
            known = [t for t in tags if t in order]
            assert known == sorted(known, key=order.index), (parent_tag, tags)
            checked += 1
    assert checked > 100


def test_style_ids_match_the_template():
    doc = new_document("x")
    for name, style_id in STYLE_IDS.items():
        assert doc.styles[name].style_id == style_id


# ---------------------------------------------------------------- column widths


def test_numbers_never_wrap_and_the_table_fits():
    grid = Grid(
        heads=[[{"text": h, "span": 1} for h in ("Variable", "HR (95% CI)", "p")]],
        rows=[
            {"style": "", "label": "Age, years", "cells": ["0.96 (0.87–1.05)", "0.385"]},
            {"style": "indent", "label": "Poor risk", "cells": ["0.50 (0.15–1.72)", "0.271"]},
        ],
        n_cols=3,
    )
    grid = replace(grid, rows=[dict(r, span=False) for r in grid.rows])
    widths, fits = column_widths(grid, TEXT_CM)
    assert fits
    assert widths[1] >= text_cm("0.96 (0.87–1.05)")
    # a narrow table is widened to 60% of the text width
    assert sum(widths) == pytest.approx(0.6 * TEXT_CM)


_cell_text = st.text(alphabet="0123456789.,–() abcxyzABC%", min_size=0, max_size=30)


@hsettings(max_examples=60, deadline=None)
@given(
    st.lists(st.lists(_cell_text, min_size=3, max_size=3), min_size=1, max_size=8),
    st.floats(min_value=4.0, max_value=30.0),
)
def test_column_widths_property(rows, text_width):
    grid = Grid(
        heads=[[{"text": "Head word", "span": 1}] * 3],
        rows=[{"style": "", "label": r[0], "cells": r[1:], "span": False} for r in rows],
        n_cols=3,
    )
    widths, fits = column_widths(grid, text_width)
    assert len(widths) == 3 and all(w > 0 for w in widths)
    if fits:
        assert sum(widths) <= text_width + 1e-9
        for j in (1, 2):  # a number column holds its widest cell on one line
            assert widths[j] >= max(text_cm(r[j]) for r in rows)
    else:
        assert sum(widths) == pytest.approx(text_width)


@hsettings(max_examples=100)
@given(st.text(max_size=40))
def test_clean_text_is_always_xml(text):
    cleaned = clean_text(text)
    assert len(cleaned) == len(text)
    element = etree.Element("t")
    element.text = cleaned  # lxml raises on anything XML cannot hold
    assert all(a == b or b == "\ufffd" for a, b in zip(text, cleaned, strict=True))


def test_write_report_writes_the_docx_with_the_rendered_pngs(tmp_path):
    analysis = make_analysis()
    write_report(analysis, tmp_path)
    doc = Document(str(tmp_path / "report.docx"))
    with zipfile.ZipFile(tmp_path / "report.docx") as z:
        media = sorted(n for n in z.namelist() if n.startswith("word/media/"))
        embedded = {z.read(n) for n in media}
    assert embedded == {
        (tmp_path / "figures" / f"{fid}.png").read_bytes() for fid in analysis.figures
    }
    assert len(doc.inline_shapes) == 2


def test_the_published_reference_is_only_a_labelled_column_and_the_title_is_given(analysis):
    import dataclasses

    from cartkit.plan.default import published_reference

    plan = dataclasses.replace(analysis.plan, reference=published_reference())
    with_ref = dataclasses.replace(analysis, plan=plan)
    doc = Document(
        io.BytesIO(render_docx(with_ref, figures_png=FIGURES_PNG, title="Centre A, 2019–2024"))
    )
    assert doc.paragraphs[0].text == "Centre A, 2019–2024"
    headline = doc.tables[0]
    heads = [c.text for c in headline.rows[0].cells]
    assert heads == [
        "Measure",
        "This study: estimate (95% CI)",
        "Based on",
        plan.reference.source,
    ]
    os_row = next(r for r in headline.rows if r.cells[0].text == "5-year overall survival")
    assert os_row.cells[3].text == "74.9% (64.8–85.1)"
    notes = [p.text for p in doc.paragraphs if p.style.name == "Table Note"]
    assert any("published values, for comparison only" in n for n in notes)


def test_a_draft_finished_later_is_the_same_document(analysis, docx_bytes):
    from cartkit.report.docx import draft_docx

    draft = draft_docx(analysis)  # built before any figure is drawn, as the report does
    assert draft.finish(FIGURES_PNG) == docx_bytes
    with pytest.raises(ValueError, match="finished already"):
        draft.finish(FIGURES_PNG)
    missing = dict(FIGURES_PNG)
    fid = next(iter(missing))
    del missing[fid]
    with pytest.raises(ValueError, match=f"no PNG bytes for figure '{fid}'"):
        draft_docx(analysis).finish(missing)
