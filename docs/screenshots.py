"""Take the report screenshots docs/report.md shows (run by hand; needs the browser extra).

``python docs/screenshots.py REPORT_DIR`` opens ``REPORT_DIR/report.html`` (from
``cartkit demo --out REPORT_DIR``) in Debian's Chromium under Playwright, as a 390 px wide phone,
and writes ``docs/images/report_phone.png``: the overall-survival section, its wide table
scrolling in its own box and its figure scaled to the screen.
"""

from __future__ import annotations

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from tests.browser import PHONE, chromium, open_page

#: the section the phone screenshot starts at
SECTION = "sec-os_km"


def main(report_dir: str) -> Path:
    """Write the phone screenshot of the report in ``report_dir``; return its path."""
    out = Path(__file__).resolve().parent / "images" / "report_phone.png"
    url = (Path(report_dir).resolve() / "report.html").as_uri()
    with chromium() as browser, open_page(browser, url, PHONE, phone=True, scale=2) as page:
        page.evaluate(f"document.getElementById('{SECTION}').scrollIntoView()")
        page.screenshot(path=out)
    return out


if __name__ == "__main__":
    print(main(sys.argv[1]))
