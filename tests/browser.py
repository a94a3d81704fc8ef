"""The report in a real browser: Debian's Chromium driven by Playwright.

Playwright never downloads a browser here: it launches the installed Chromium
(``executable_path``). A test that needs it is marked ``browser`` and skips, saying why, where
Chromium or Playwright is missing (.ci/run installs both: ``apt-get install chromium`` and
``pip install ".[test,browser]"``).
"""

from __future__ import annotations

import contextlib
import re
import shutil

import pytest

BROWSERS = ("chromium", "chromium-browser", "google-chrome", "google-chrome-stable")
# without the background-networking flags Chromium tries to reach Google's hosts at every start
FLAGS = (
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
)
DESKTOP = {"width": 1280, "height": 2000}
PHONE = {"width": 390, "height": 844}
#: the printed page (A4, the margins of report.css's @page) in CSS pixels
A4_CONTENT = {"width": round((210 - 24) / 25.4 * 96), "height": round((297 - 28) / 25.4 * 96)}


def find_browser() -> str:
    """The browser's path; skips the test where none is installed."""
    for name in BROWSERS:
        path = shutil.which(name)
        if path:
            return path
    pytest.skip("no Chromium installed (.ci/run installs Debian's: apt-get install chromium)")


@contextlib.contextmanager
def chromium():
    """A headless Chromium (the installed one) under Playwright."""
    sync_api = pytest.importorskip(
        "playwright.sync_api", reason="Playwright not installed: pip install '.[browser]'"
    )
    path = find_browser()
    with sync_api.sync_playwright() as p:
        browser = p.chromium.launch(executable_path=path, args=list(FLAGS))
        try:
            yield browser
        finally:
            browser.close()


@contextlib.contextmanager
def open_page(browser, url: str, viewport: dict, *, phone: bool = False, scale: int = 1):
    """A page showing ``url``; its ``problems`` list collects console errors, uncaught errors
    and dialogs (a script from the data that ran)."""
    context = browser.new_context(
        viewport=viewport, is_mobile=phone, has_touch=phone, device_scale_factor=scale
    )
    page = context.new_page()
    problems: list[str] = []
    page.on("console", lambda m: problems.append(f"console {m.type}: {m.text}"))
    page.on("pageerror", lambda e: problems.append(f"error: {e}"))
    page.on("dialog", lambda d: (problems.append(f"dialog: {d.message}"), d.dismiss()))
    page.problems = problems
    try:
        page.goto(url, wait_until="load")
        yield page
    finally:
        context.close()


def body_data(page) -> dict:
    """What the page's own script marked on the body once loaded (images, width)."""
    return page.evaluate("() => Object.assign({}, document.body.dataset)")


def sideways(page) -> dict:
    """How the page fits its window: widths, and where it is after trying to scroll right."""
    return page.evaluate(
        """() => {
          window.scrollTo(10000, window.scrollY);
          const out = {scrollWidth: document.documentElement.scrollWidth,
                       innerWidth: window.innerWidth, scrollX: window.scrollX};
          window.scrollTo(0, window.scrollY);
          return out;
        }"""
    )


def scrolling_boxes(page) -> list[str]:
    """Ids of the table figures (or labels of the boxes) whose box scrolls sideways."""
    return page.evaluate(
        """() => [...document.querySelectorAll('.scroll')]
          .filter(s => s.scrollWidth > s.clientWidth + 1)
          .map(s => (s.closest('figure') || {}).id || s.getAttribute('aria-label'))"""
    )


def labels_after_scrolling(page, figure_id: str) -> dict:
    """Scroll a table's box to its right end: where its box, row labels and heading labels are."""
    return page.evaluate(
        """id => {
          const box = document.querySelector('#' + id + ' .scroll');
          box.scrollLeft = box.scrollWidth;
          const left = e => Math.round(e.getBoundingClientRect().left);
          const out = {scrolled: box.scrollLeft, box: left(box),
            rows: [...new Set([...box.querySelectorAll('tbody th[scope=row]')].map(left))],
            headings: [...new Set([...box.querySelectorAll('tr.heading .label')].map(left))]};
          box.scrollLeft = 0;
          return out;
        }""",
        figure_id,
    )


def image_fit(page) -> list[dict]:
    """Every image: its rendered and its box's width, and how far its aspect ratio moved."""
    return page.evaluate(
        """() => [...document.images].map(i => {
          const r = i.getBoundingClientRect();
          return {id: i.closest('figure').id, width: r.width,
                  box: i.closest('figure').getBoundingClientRect().width,
                  distortion: Math.abs(r.height / r.width - i.naturalHeight / i.naturalWidth)};
        })"""
    )


def print_layout(page) -> dict:
    """The printed blocks in order, as laid out for paper (print media, A4's width).

    ``sections``: each analysis section's heading text; ``blocks``: each table or figure
    (``kind``, ``id``, ``first`` and ``last`` text, print ``height`` in CSS px, ``header``: a
    table's column heads); ``widest``: the width of the widest table.
    """
    page.set_viewport_size(A4_CONTENT)
    page.emulate_media(media="print")
    try:
        return page.evaluate(
            """() => {
              const text = e => e ? e.textContent : '';
              const sections = [...document.querySelectorAll('main > section')]
                .map(s => text(s.querySelector('h2')));
              const blocks = [...document.querySelectorAll('main figure')].map(f => {
                const tbl = f.classList.contains('tbl');
                const notes = f.querySelectorAll('.table-notes p');
                // a row's label is painted last (it is sticky): its last cell, not the row
                const cells = f.querySelectorAll('tbody tr:last-child > *');
                const last = tbl ? (notes.length ? notes[notes.length - 1]
                                                 : cells[cells.length - 1])
                                 : f.querySelector('figcaption');
                return {kind: tbl ? 'table' : 'figure', id: f.id,
                        first: text(f.querySelector('figcaption')), last: text(last),
                        header: tbl ? [...f.querySelectorAll('thead tr:last-child th')]
                                        .map(text).filter(t => t.trim()) : [],
                        height: f.getBoundingClientRect().height};
              });
              const widest = Math.max(0, ...[...document.querySelectorAll('main table')]
                .map(t => t.getBoundingClientRect().width));
              return {sections, blocks, widest};
            }"""
        )
    finally:
        page.emulate_media(media="null")  # "screen" would make page.pdf() print the screen


def squeeze(text: str) -> str:
    """Text without whitespace: what the PDF's text and the DOM's text have in common."""
    return re.sub(r"\s+", "", text)


class PrintedPages:
    """The pages of a PDF: their text (without whitespace) and how many images each holds."""

    def __init__(self, pdf_bytes: bytes):
        pypdf = pytest.importorskip("pypdf", reason="pypdf not installed: pip install '.[browser]'")
        import io

        reader = pypdf.PdfReader(io.BytesIO(pdf_bytes))
        self.texts = [squeeze(p.extract_text()) for p in reader.pages]
        self.images = [self._image_count(p) for p in reader.pages]
        self._starts = []
        total = 0
        for t in self.texts:
            self._starts.append(total)
            total += len(t)
        self._all = "".join(self.texts)

    @staticmethod
    def _image_count(page) -> int:
        xobjects = page.get("/Resources", {}).get("/XObject", {})
        return sum(1 for x in xobjects.values() if x.get_object().get("/Subtype") == "/Image")

    def find(self, text: str, start: int = 0) -> tuple[int, int, int]:
        """The first ``text`` at or after ``start``: (page index, start, end) in all the text."""
        at = self._all.find(squeeze(text), start)
        if at < 0:
            raise AssertionError(f"{text[:80]!r} is not in the printed pages after {start}")
        page = max(i for i, s in enumerate(self._starts) if s <= at)
        return page, at, at + len(squeeze(text))

    def block_pages(self, first: str, last: str, start: int = 0) -> tuple[int, int, int]:
        """Pages of a block's first and last text (``last`` found from ``first`` on), and where
        the block ends in all the text."""
        page, at, end = self.find(first, start)
        last_page, _, last_end = self.find(last, at)
        return page, last_page, max(end, last_end)
