"""Take the report screenshot docs/report.md shows (run by hand; needs the browser extra).

``python docs/screenshots.py REPORT_DIR`` opens ``REPORT_DIR/report.html`` (from
``cartkit demo --out REPORT_DIR``) in Debian's Chromium under Playwright as a 390 px wide phone
and writes ``docs/images/report_phone.png``: two screens side by side, the overall-survival
section (its figure scaled to the screen) and Table 2 scrolled sideways inside its own box (its
row labels stay in view).
"""

from __future__ import annotations

import io
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from PIL import Image
from tests.browser import PHONE, chromium, open_page

SCALE = 2
GAP = 24


def main(report_dir: str) -> Path:
    """Write the phone screenshot of the report in ``report_dir``; return its path."""
    out = Path(__file__).resolve().parent / "images" / "report_phone.png"
    url = (Path(report_dir).resolve() / "report.html").as_uri()
    shots = []
    with chromium() as browser, open_page(browser, url, PHONE, phone=True, scale=SCALE) as page:
        page.evaluate("document.getElementById('sec-os_km').scrollIntoView()")
        shots.append(page.screenshot())
        page.evaluate(
            """() => {
              const t = document.getElementById('tbl-table2_crs_grade3_logistic');
              t.scrollIntoView();
              t.querySelector('.scroll').scrollLeft = 10000;
            }"""
        )
        shots.append(page.screenshot())
    images = [Image.open(io.BytesIO(s)) for s in shots]
    width, height = images[0].size
    sheet = Image.new("RGB", (2 * width + GAP * SCALE, height), "#d0d0d0")
    for k, image in enumerate(images):
        sheet.paste(image, (k * (width + GAP * SCALE), 0))
    # 256 colours hold text, rules and the figures' few colours; the file is a third the size
    sheet.quantize(colors=256, dither=Image.Dither.NONE).save(out, optimize=True)
    return out


if __name__ == "__main__":
    print(main(sys.argv[1]))
