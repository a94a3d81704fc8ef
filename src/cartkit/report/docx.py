"""report.docx: the report as a Word document, laid out as a manuscript's tables and figures.

The sections are those of report.html, in the same order: the headline, the analyses that
could not run, one section per analysis (its notes, its tables in the journal layout, its
figures with their captions), the exclusions and data-quality findings, and the provenance
with the SHA-256 of every input file. Tables are real Word tables; figures are the PNGs the
report writes (200 dpi), never wider than the text. A table too wide for a portrait page puts
its analysis on landscape pages.

Every string from the data is literal text (never a field, hyperlink or markup; characters
XML forbids become U+FFFD). The document records no time: its dates are fixed and so are the
dates of its zip entries, so the same analysis gives byte-identical files.
"""

from __future__ import annotations

import io
from collections.abc import Iterable
from pathlib import Path

from docx.shared import Cm, Pt

from ..io.atomic import atomic_path, guard_inputs
from ..io.writers import fixed_zip_dates
from ._cells import (
    exclusion_counts,
    frame_text,
    header_rows,
    headline_rows,
    journal_rows,
    provenance_rows,
    provenance_text,
)
from ._content import check_analysis, excluded_and_findings
from ._docx_document import (
    NOTE_PT,
    SMALL_TABLE_PT,
    Page,
    heading,
    new_document,
    orientation,
    paragraph,
    table_style,
)
from ._docx_table import (
    KEEP_TOGETHER_ROWS,
    TABLE_PT,
    Grid,
    add_grid_table,
    add_text,
    clean_text,
    column_widths,
)
from .figures.save import PNG_DPI
from .front import reference_note, reference_texts, report_title

__all__ = ["DocxDraft", "draft_docx", "render_docx", "write_docx"]


# ---------------------------------------------------------------- tables and figures


def _plain_grid(columns, rows, *, size=NOTE_PT, wrap=None) -> Grid:
    """A plain table (lists, counts): one header row; columns of ``wrap`` (all if None) wrap."""
    k = max(len(columns), len(rows[0]) if rows else 0, 1)
    heads = [[{"text": str(c), "span": 1} for c in columns]] if columns else []
    body = [{"style": "", "label": r[0], "cells": list(r[1:]), "span": False} for r in rows]
    wrap = frozenset(range(k)) if wrap is None else frozenset(wrap)
    return Grid(heads=heads, rows=body, n_cols=k, wrap=wrap, size_pt=size, style=table_style(size))


def _add_grid(doc, grid: Grid, page: Page) -> None:
    widths, _ = column_widths(grid, page.width_cm)
    add_grid_table(doc, grid, widths, keep_together=len(grid.rows) <= KEEP_TOGETHER_ROWS)


def _journal_grid(table, size: float = TABLE_PT) -> Grid:
    display = table.display
    heads = header_rows(display.columns) if len(display.columns) else [[]]
    return Grid(
        heads=heads,
        rows=journal_rows(table),
        n_cols=max(len(display.columns), 1),
        size_pt=size,
        style=table_style(size),
    )


def _table_size(table, page: Page) -> float | None:
    """The font size at which ``table`` fits ``page`` (9 pt, else 8 pt), or None."""
    for size in (TABLE_PT, SMALL_TABLE_PT):
        if column_widths(_journal_grid(table, size), page.width_cm)[1]:
            return size
    return None


def _add_journal_table(doc, table, page: Page) -> None:
    title = paragraph(doc, "Table Title")
    add_text(title, table.title)
    if table.source:
        add_text(title, f" ({table.source})", bold=False)
    grid = _journal_grid(table, _table_size(table, page) or TABLE_PT)
    widths, _ = column_widths(grid, page.width_cm)
    short = len(grid.rows) <= KEEP_TOGETHER_ROWS
    add_grid_table(doc, grid, widths, keep_together=short)
    notes = [*table.footnotes, *([table.abbreviations] if table.abbreviations else [])]
    for i, note in enumerate(notes):
        para = paragraph(doc, "Table Note")
        para.paragraph_format.keep_with_next = short and i < len(notes) - 1
        if i == 0:
            para.paragraph_format.space_before = Pt(3)
        add_text(para, note)
    paragraph(doc).paragraph_format.space_after = Pt(2)


def _png_size(png: bytes) -> tuple[int, int]:
    if png[:8] != b"\x89PNG\r\n\x1a\n" or len(png) < 24:
        raise ValueError("a figure's bytes are not a PNG image")
    return int.from_bytes(png[16:20], "big"), int.from_bytes(png[20:24], "big")


def _add_figure(doc, figure, page: Page, pictures: list) -> None:
    """The figure's paragraph (its picture added by :meth:`DocxDraft.finish`) and caption."""
    picture = paragraph(doc)
    picture.paragraph_format.keep_with_next = True
    picture.paragraph_format.space_before = Pt(8)
    pictures.append((picture.add_run(), figure.id, page))
    caption = paragraph(doc, "Figure Caption")
    add_text(caption, figure.title, bold=True)
    if figure.source:
        add_text(caption, f" ({figure.source})")
    if figure.caption:
        add_text(caption, f". {figure.caption}")


def _picture_width(png: bytes, page: Page) -> float:
    px_w, px_h = _png_size(png)
    # the drawn size (pixels at PNG_DPI), never wider than the text nor taller than most of
    # the page, so the picture keeps its print resolution and its caption stays with it
    width = min(px_w / PNG_DPI * 2.54, page.width_cm)
    return min(width, 0.75 * page.height_cm * px_w / px_h)


class DocxDraft:
    """report.docx but for its pictures: built while the figures are drawn (:func:`draft_docx`).

    :meth:`finish` adds each figure's PNG, in document order, and gives the file's bytes: the
    same as :func:`render_docx` would give.
    """

    def __init__(self, doc, pictures: list) -> None:
        self._doc = doc
        self._pictures = pictures
        self._done = False

    def finish(self, figures_png: dict[str, bytes]) -> bytes:
        """The .docx file with ``figures_png`` (figure id to PNG bytes) in place.

        Raises
        ------
        ValueError
            When a figure has no PNG bytes (or they are not a PNG), or when called twice.
        """
        if self._done:
            raise ValueError("this draft is finished already; draft the document again")
        for _run, fid, _page in self._pictures:
            if fid not in figures_png:
                raise ValueError(f"no PNG bytes for figure {fid!r}; pass figures_png")
        self._done = True
        for run, fid, page in self._pictures:
            png = figures_png[fid]
            run.add_picture(io.BytesIO(png), width=Cm(_picture_width(png, page)))
        buffer = io.BytesIO()
        self._doc.save(buffer)
        return fixed_zip_dates(buffer.getvalue())


# ---------------------------------------------------------------- the sections


def _notes(doc, notes) -> None:
    label = paragraph(doc, "Source Line")
    add_text(label, "Notes", bold=True, italic=False)
    for note in notes:
        item = paragraph(doc, "List Bullet")
        item.paragraph_format.space_after = Pt(1)
        # notes stay on the page of the table they qualify
        item.paragraph_format.keep_with_next = True
        add_text(item, note, size=9)


def _analysis_section(doc, title, source, n, notes, tables, figures, pictures, current):
    # an analysis with a table too wide for a portrait page, even at 8 pt, is set in landscape
    page = Page(landscape=any(_table_size(t, Page(landscape=False)) is None for t in tables))
    orientation(doc, page, current)
    heading(doc, title, 1)
    line = " · ".join(s for s in (source, "" if n is None else f"n = {int(n)} analysed") if s)
    if line:
        add_text(paragraph(doc, "Source Line"), line)
    if notes:
        _notes(doc, notes)
    for table in tables:
        _add_journal_table(doc, table, page)
    for figure in figures:
        _add_figure(doc, figure, page, pictures)
    if not tables and not figures:
        paragraph(doc, None, "This analysis produced no table or figure.")


def _ci_label(plan) -> str:
    return f"{100 * getattr(getattr(plan, 'settings', None), 'conf_level', 0.95):g}% CI"


def _front(doc, analysis, title: str) -> None:
    plan, provenance = analysis.plan, analysis.provenance
    heading(doc, title, 0)
    source = provenance_text(provenance.get("source", ""))
    if source:
        add_text(paragraph(doc, "Source Line"), f"Study: {source}")
    n = analysis.headline.get("n_patients")
    meta = f"{n} patients · " if n is not None else ""
    add_text(
        paragraph(doc, "Source Line"),
        f"{meta}analysis plan: {getattr(plan, 'name', '')}, version {getattr(plan, 'version', '')}",
    )
    heading(doc, "Headline", 1)
    ci = _ci_label(plan)
    rows = headline_rows(analysis.headline, getattr(plan, "headline", ()))
    reference = reference_texts(plan)
    heads = ["Measure", f"Estimate ({ci})", "Based on"]
    cells = [[h["label"], h["value"], h["detail"]] for h in rows]
    if reference is not None:
        # the published values only in their own column, headed by their source
        heads = ["Measure", f"This study: estimate ({ci})", "Based on", plan.reference.source]
        cells = [[*c, reference.get(h["key"], "")] for c, h in zip(cells, rows, strict=True)]
    grid = _plain_grid(heads, [tuple(c) for c in cells], size=TABLE_PT, wrap={0})
    _add_grid(doc, grid, Page(landscape=False))
    note = paragraph(doc, "Table Note")
    add_text(note, f"Rates and survival probabilities in percent ({ci}); medians as numbers.")
    if reference is not None:
        add_text(paragraph(doc, "Table Note"), reference_note(plan))
    not_run = [r for r in analysis.results if r.not_run]
    if not_run:
        heading(doc, "Not run", 1)
        paragraph(doc, None, "Analyses of the plan that could not run on this study, and why.")
        for r in not_run:
            item = paragraph(doc, "List Bullet")
            add_text(item, r.title, bold=True)
            add_text(item, f" ({r.id}): {r.not_run}")


def _exclusions(doc, analysis) -> None:
    excluded, findings = excluded_and_findings(analysis)
    counts = exclusion_counts(excluded, findings)
    page = Page(landscape=False)
    heading(doc, "Exclusions and data-quality findings", 1)
    paragraph(
        doc,
        None,
        "Nothing was dropped silently: every input row or patient left out of a derivation is "
        "listed here with its reason, and every data-quality finding with its check. The same "
        "lists are in derived/excluded.csv and derived/findings.csv.",
    )
    ex, fi = counts["excluded"], counts["findings"]
    paragraph(
        doc,
        None,
        f"{ex['rows']} excluded row(s) concerning {ex['patients']} patient(s); "
        f"{fi['rows']} finding(s) concerning {fi['patients']} patient(s).",
    )
    for title, label, by in (
        ("Excluded rows by reason", "Reason", ex["by_reason"]),
        ("Findings by check", "Check", fi["by_check"]),
    ):
        heading(doc, title, 2)
        if by:
            rows = [(k, str(v)) for k, v in by.items()]
            _add_grid(doc, _plain_grid([label, "Rows"], rows, wrap={0}), page)
        else:
            paragraph(doc, None, "None.")
    for title, frame in (("excluded row(s)", excluded), ("finding(s)", findings)):
        columns, rows = frame_text(frame)
        if rows:
            heading(doc, f"All {len(rows)} {title}", 2)
            _add_grid(doc, _plain_grid(columns, rows), page)


def _provenance(doc, analysis) -> None:
    plan = analysis.plan
    heading(doc, "Provenance", 1)
    paragraph(
        doc,
        None,
        f"Analysis plan: {clean_text(getattr(plan, 'name', '') or 'Analysis report')}, version "
        f"{clean_text(getattr(plan, 'version', ''))}. The same inputs, plan and versions give "
        "the same numbers; provenance.json also lists the SHA-256 of every file of this report "
        "and holds the whole analysis plan as TOML (also in report.html).",
    )
    page = Page(landscape=False)
    for item in provenance_rows(dict(analysis.provenance)):
        if item["rows"] is None:
            para = paragraph(doc)
            add_text(para, f"{item['label']}: ", bold=True)
            add_text(para, item["value"])
            continue
        heading(doc, item["label"], 2)
        if item["rows"]:
            grid = _plain_grid([], item["rows"])
            _add_grid(doc, grid, page)
        else:
            paragraph(doc, None, "None.")


# ---------------------------------------------------------------- the whole document


def render_docx(analysis, *, figures_png: dict[str, bytes], title: str | None = None) -> bytes:
    """The Word document of an analysis, as bytes.

    Parameters
    ----------
    analysis : cartkit.report.types.Analysis
        The analysis to show (not changed).
    figures_png : dict of str to bytes
        PNG bytes of every figure, by figure id (as written by
        :func:`cartkit.report.figures.save_figure`); embedded as they are.
    title : str, optional
        The report's title (:func:`cartkit.report.front.report_title` when not given).

    Returns
    -------
    bytes
        The .docx file: the same analysis and PNGs give the same bytes.

    Raises
    ------
    ValueError
        When a result names a missing table or figure, or a figure has no PNG bytes.
    """
    return draft_docx(analysis, title=title).finish(figures_png)


def draft_docx(analysis, *, title: str | None = None) -> DocxDraft:
    """:func:`render_docx` but for the pictures, which :meth:`DocxDraft.finish` adds.

    The report builds the document while its figures are drawn.
    """
    check_analysis(analysis)
    title = report_title(analysis, title)
    doc = new_document(title)
    _front(doc, analysis, title)
    current = [False]  # the orientation of the last section: landscape or not
    pictures: list = []
    shown_t, shown_f = set(), set()
    for res in analysis.results:
        _analysis_section(
            doc,
            res.title,
            res.source,
            res.n,
            res.notes,
            [analysis.tables[t] for t in res.tables],
            [analysis.figures[f] for f in res.figures],
            pictures,
            current,
        )
        shown_t.update(res.tables)
        shown_f.update(res.figures)
    # a table or figure no analysis names is still shown, as on the page
    rest_t = [t for tid, t in analysis.tables.items() if tid not in shown_t]
    rest_f = [f for fid, f in analysis.figures.items() if fid not in shown_f]
    if rest_t or rest_f:
        _analysis_section(
            doc, "Other tables and figures", "", None, (), rest_t, rest_f, pictures, current
        )
    orientation(doc, Page(landscape=False), current)
    _exclusions(doc, analysis)
    _provenance(doc, analysis)
    return DocxDraft(doc, pictures)


def write_docx(
    analysis,
    path: str | Path,
    *,
    figures_png: dict[str, bytes],
    inputs: Iterable[str | Path] = (),
    title: str | None = None,
    draft: DocxDraft | None = None,
) -> Path:
    """Write :func:`render_docx` of ``analysis`` to ``path``, atomically.

    ``draft``: the document already built by :func:`draft_docx` of the same analysis and
    title (the report builds it while the figures are drawn); it is finished here.

    Raises
    ------
    OutputError
        When ``path`` is one of ``inputs``.
    """
    path = Path(path)
    guard_inputs([path], inputs)
    if draft is None:
        draft = draft_docx(analysis, title=title)
    content = draft.finish(figures_png)
    with atomic_path(path) as tmp:
        tmp.write_bytes(content)
    return path
