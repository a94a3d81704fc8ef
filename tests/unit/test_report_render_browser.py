"""report.html in headless Chromium: it loads without console errors, every image decodes, and
it renders at desktop and phone widths. Skipped only where no browser is installed (.ci/run
installs one).
"""

from __future__ import annotations

import re

import pytest
from report_render_analysis import make_analysis
from tests.browser import console_lines, find_browser, png_size, run_browser

from cartkit.report.write import write_report


@pytest.fixture(scope="module")
def browser():
    return find_browser()


@pytest.fixture(scope="module")
def report(tmp_path_factory):
    out = tmp_path_factory.mktemp("browser_report")
    analysis = make_analysis()
    write_report(analysis, out)
    return out / "report.html", analysis


def test_page_loads_without_errors_and_images_decode(browser, report, tmp_path):
    page, analysis = report
    run = run_browser(browser, tmp_path, "--window-size=1280,2000", "--dump-dom", page.as_uri())
    assert run.returncode == 0, run.stderr[-2000:]
    dom = run.stdout
    assert console_lines(run.stderr) == []
    body = re.search(r"<body[^>]*>", dom).group(0)
    assert 'data-images="2"' in body
    assert 'data-images-ok="true"' in body
    for result in analysis.results:
        assert f'id="sec-{result.id}"' in dom
        assert result.title in dom
    assert 'id="exclusions"' in dom and 'id="provenance"' in dom
    assert "<script>alert" not in dom


def test_desktop_screenshot(browser, report, tmp_path):
    page, _ = report
    shot = tmp_path / "page.png"
    run = run_browser(
        browser, tmp_path, f"--screenshot={shot}", "--window-size=1280,2000", page.as_uri()
    )
    assert run.returncode == 0, run.stderr[-2000:]
    assert console_lines(run.stderr) == []
    assert png_size(shot) == (1280, 2000)
    assert shot.stat().st_size > 20_000  # a blank page compresses to a few kilobytes


def test_phone_screenshot(browser, report, tmp_path):
    page, _ = report
    shot = tmp_path / "phone.png"
    run = run_browser(
        browser, tmp_path, f"--screenshot={shot}", "--window-size=390,1200", page.as_uri()
    )
    assert run.returncode == 0, run.stderr[-2000:]
    assert png_size(shot) == (390, 1200)
    assert shot.stat().st_size > 20_000


def test_phone_width_page_does_not_scroll_sideways(browser, report, tmp_path):
    page, _ = report
    run = run_browser(browser, tmp_path, "--window-size=390,1200", "--dump-dom", page.as_uri())
    body = re.search(r"<body[^>]*>", run.stdout).group(0)
    # wide tables scroll inside their own wrapper and long unbroken text wraps: the page itself
    # fits the screen (headless Chromium lays a --dump-dom page out at least 500 px wide)
    assert 'data-fits-width="true"' in body
