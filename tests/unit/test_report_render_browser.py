"""report.html in headless Chromium: it loads without console errors, every image decodes, and
it renders at desktop and phone widths. Skipped only where no browser is installed (.ci/run
installs one).
"""

from __future__ import annotations

import re
import shutil
import struct
import subprocess

import pytest
from report_render_analysis import make_analysis

from cartkit.report.write import write_report

BROWSERS = ("chromium", "chromium-browser", "google-chrome", "google-chrome-stable")
FLAGS = (
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--enable-logging=stderr",
    "--v=0",
)


@pytest.fixture(scope="module")
def browser():
    for name in BROWSERS:
        path = shutil.which(name)
        if path:
            return path
    pytest.skip("no browser installed")


@pytest.fixture(scope="module")
def report(tmp_path_factory):
    out = tmp_path_factory.mktemp("browser_report")
    analysis = make_analysis()
    write_report(analysis, out)
    return out / "report.html", analysis


def _run(browser, tmp_path, *args) -> subprocess.CompletedProcess:
    profile = tmp_path / f"profile{len(list(tmp_path.glob('profile*')))}"
    return subprocess.run(
        [browser, *FLAGS, f"--user-data-dir={profile}", *args],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


def _console_lines(stderr: str) -> list[str]:
    # Chromium logs every console message and uncaught error as "...:CONSOLE..." on stderr;
    # a Content-Security-Policy violation (something external) is one of them
    return [line for line in stderr.splitlines() if "CONSOLE" in line or "Uncaught" in line]


def _png_size(path) -> tuple[int, int]:
    head = path.read_bytes()[:24]
    assert head[:8] == b"\x89PNG\r\n\x1a\n"
    return struct.unpack(">II", head[16:24])


def test_page_loads_without_errors_and_images_decode(browser, report, tmp_path):
    page, analysis = report
    run = _run(browser, tmp_path, "--window-size=1280,2000", "--dump-dom", page.as_uri())
    assert run.returncode == 0, run.stderr[-2000:]
    dom = run.stdout
    assert _console_lines(run.stderr) == []
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
    run = _run(browser, tmp_path, f"--screenshot={shot}", "--window-size=1280,2000", page.as_uri())
    assert run.returncode == 0, run.stderr[-2000:]
    assert _console_lines(run.stderr) == []
    assert _png_size(shot) == (1280, 2000)
    assert shot.stat().st_size > 20_000  # a blank page compresses to a few kilobytes


def test_phone_screenshot(browser, report, tmp_path):
    page, _ = report
    shot = tmp_path / "phone.png"
    run = _run(browser, tmp_path, f"--screenshot={shot}", "--window-size=390,1200", page.as_uri())
    assert run.returncode == 0, run.stderr[-2000:]
    assert _png_size(shot) == (390, 1200)
    assert shot.stat().st_size > 20_000


def test_phone_width_page_does_not_scroll_sideways(browser, report, tmp_path):
    page, _ = report
    run = _run(browser, tmp_path, "--window-size=390,1200", "--dump-dom", page.as_uri())
    body = re.search(r"<body[^>]*>", run.stdout).group(0)
    # wide tables scroll inside their own wrapper and long unbroken text wraps: the page itself
    # fits the screen (headless Chromium lays a --dump-dom page out at least 500 px wide)
    assert 'data-fits-width="true"' in body
