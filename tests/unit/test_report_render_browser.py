"""report.html in a real browser (Chromium under Playwright): it loads without console errors
and every image decodes; on a 390 px phone the page never scrolls sideways (wide tables scroll
in their own box, figures scale); printed, each section starts a page and no table or figure is
cut by a page break. Skipped only where Chromium or Playwright is missing (.ci/run installs both).
"""

from __future__ import annotations

import pytest
from report_render_analysis import LONG_NOTE, make_analysis
from tests.browser import (
    A4_CONTENT,
    DESKTOP,
    PHONE,
    PrintedPages,
    body_data,
    image_fit,
    open_page,
    print_layout,
    sideways,
    squeeze,
)

from cartkit.report.write import write_report

pytestmark = pytest.mark.browser


@pytest.fixture(scope="module")
def report(tmp_path_factory):
    out = tmp_path_factory.mktemp("browser_report")
    analysis = make_analysis()
    write_report(analysis, out)
    return (out / "report.html").as_uri(), analysis


def test_page_loads_without_errors_and_images_decode(browser, report):
    url, analysis = report
    with open_page(browser, url, DESKTOP) as page:
        assert body_data(page) == {"images": "2", "imagesOk": "true", "fitsWidth": "true"}
        for result in analysis.results:
            assert page.locator(f"#sec-{result.id} h2").inner_text() == result.title
        assert page.locator("#exclusions").count() == 1
        assert page.locator("#provenance").count() == 1
        # the hostile strings of the data are text, never a script that runs
        assert "<script>alert(1)</script>" in page.locator("#tbl-s1_baseline").inner_text()
        assert page.problems == []


def test_desktop_and_phone_screenshots_show_the_page(browser, report, tmp_path):
    url, _ = report
    for name, viewport, phone in (("desktop", DESKTOP, False), ("phone", PHONE, True)):
        with open_page(browser, url, viewport, phone=phone) as page:
            shot = page.screenshot(path=tmp_path / f"{name}.png")
            assert page.problems == []
        assert shot[:8] == b"\x89PNG\r\n\x1a\n"
        assert len(shot) > 20_000, name  # a blank page compresses to a few kilobytes


def test_on_a_phone_the_page_never_scrolls_sideways(browser, report):
    url, _ = report
    with open_page(browser, url, PHONE, phone=True) as page:
        assert sideways(page) == {"scrollWidth": 390, "innerWidth": 390, "scrollX": 0}
        assert body_data(page)["fitsWidth"] == "true"
        # the long unbroken note wraps inside the screen
        note = page.locator("li", has_text=LONG_NOTE[:30]).first.bounding_box()
        assert note["x"] + note["width"] <= 390
        for image in image_fit(page):
            assert image["width"] <= image["box"] <= 390 - 2 * 16, image
            assert image["distortion"] < 0.01, image


def test_printed_each_section_starts_a_page_and_nothing_is_cut(browser, report):
    url, analysis = report
    with open_page(browser, url, DESKTOP) as page:
        layout = print_layout(page)
        pages = PrintedPages(page.pdf(format="A4"))
    assert layout["sections"][: len(analysis.results)] == [r.title for r in analysis.results]
    assert layout["sections"][-2:] == [
        "Exclusions and data-quality findings",
        "Provenance",
    ]
    position = 0
    for title in layout["sections"]:
        at, _, position = pages.find(title, position)
        assert pages.texts[at].startswith(squeeze(title)), title
    assert layout["widest"] <= A4_CONTENT["width"]
    position, figure_pages = 0, []
    for block in layout["blocks"]:
        first, last, position = pages.block_pages(block["first"], block["last"], position)
        assert first == last, block["id"]
        if block["kind"] == "figure":
            figure_pages.append(first)
    images = [i for i, n in enumerate(pages.images) for _ in range(n)]
    assert images == figure_pages
