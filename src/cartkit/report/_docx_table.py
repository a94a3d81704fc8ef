"""Word tables in the journal layout, and the text and paragraph helpers of report.docx.

A table has horizontal rules only (a heavy rule above the column heads and below the body, a
thin one under the heads and under a head that spans several columns), heading rows that span
the table in bold, level rows indented, and column widths measured from the text so numbers
never wrap. Every string goes into a ``w:t`` element as literal text: nothing becomes a field,
a hyperlink or markup.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass

from docx.enum.table import WD_CELL_VERTICAL_ALIGNMENT, WD_TABLE_ALIGNMENT
from docx.enum.text import WD_ALIGN_PARAGRAPH
from docx.oxml import OxmlElement
from docx.oxml.ns import qn
from docx.shared import Cm, Pt

__all__ = ["Grid", "add_grid_table", "add_text", "clean_text", "column_widths"]

#: characters XML 1.0 cannot hold (tab, line feed and carriage return it can)
_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff\ud800-\udfff]")
#: font size of table text and of the notes under a table
TABLE_PT = 9.0
#: room for a cell's padding (the Normal Table style: 0.19 cm each side) and for the renderer
#: rounding widths differently from this estimate
_CELL_PAD_CM = 0.5
_INDENT_CM = 0.4
#: a column head longer than this wraps (between words) rather than widen its column
_HEAD_CM = 4.0
#: at most this many rows are kept on one page with their title (a longer table may break,
#: its column heads repeated on every page)
KEEP_TOGETHER_ROWS = 30


def clean_text(value) -> str:
    """``value`` as text XML can hold: forbidden control characters become U+FFFD."""
    return _NOT_XML.sub("\ufffd", "" if value is None else str(value))


def add_text(paragraph, text, *, bold=None, italic=None, size=None):
    """Append ``text`` to ``paragraph`` as one literal run (a tab or line break stays one).

    ``bold`` and ``italic`` left None take the paragraph style's; True or False override it.
    """
    run = paragraph.add_run(clean_text(text))
    if bold is not None:
        run.bold = bold
    if italic is not None:
        run.italic = italic
    if size is not None:
        run.font.size = Pt(size)
    return run


# ---------------------------------------------------------------- measuring text


#: advance widths (1/1000 em) of printable ASCII in Arial/Helvetica, space (32) to "~" (126)
_ASCII_WIDTHS = (
    278, 278, 355, 556, 556, 889, 667, 191, 333, 333, 389, 584, 278, 333, 278, 278,
    556, 556, 556, 556, 556, 556, 556, 556, 556, 556, 278, 278, 584, 584, 584, 556,
    1015, 667, 667, 722, 722, 667, 611, 778, 722, 278, 500, 667, 556, 833, 722, 778,
    667, 778, 722, 667, 611, 722, 667, 944, 667, 667, 611, 278, 278, 278, 469, 556,
    333, 556, 556, 500, 556, 556, 278, 556, 556, 222, 222, 500, 222, 833, 556, 556,
    556, 556, 333, 500, 278, 556, 500, 722, 500, 500, 500, 334, 260, 334, 584,
)  # fmt: skip
#: the same for characters the tables use beyond ASCII (dashes, signs, superscripts)
_OTHER_WIDTHS = {"–": 556, "—": 1000, "±": 584, "≥": 549, "≤": 549, "×": 584, "·": 278,
                 "µ": 556, "⁻": 333, "⁰": 333, "¹": 333, "²": 333, "³": 333, "⁴": 333,
                 "⁵": 333, "⁶": 333, "⁷": 333, "⁸": 333, "⁹": 333, "’": 222}  # fmt: skip


def _char_em(ch: str) -> float:
    """Advance width of a character in em, as Arial (or Liberation Sans) draws it."""
    code = ord(ch)
    if 32 <= code <= 126:
        return _ASCII_WIDTHS[code - 32] / 1000
    if ch in _OTHER_WIDTHS:
        return _OTHER_WIDTHS[ch] / 1000
    if unicodedata.east_asian_width(ch) in ("W", "F"):
        return 1.0
    return 0.6


def text_cm(text: str, size_pt: float = TABLE_PT, *, bold: bool = False) -> float:
    """Width of the longest line of ``text`` in cm at ``size_pt``."""
    widest = max((sum(_char_em(c) for c in line) for line in str(text).split("\n")), default=0)
    # bold Arial is up to 10% wider
    return widest * size_pt * (1.10 if bold else 1.02) / 72 * 2.54


def _longest_word_cm(text: str, size_pt: float, *, bold: bool = False) -> float:
    return max((text_cm(w, size_pt, bold=bold) for w in str(text).split()), default=0.0)


@dataclass(frozen=True)
class Grid:
    """A table to lay out: header rows of ``{text, span}`` cells, body rows, their styles.

    ``rows`` are ``{style, label, cells, span}`` as :func:`cartkit.report._cells.journal_rows`
    gives them; ``wrap`` names the columns whose cells may wrap (the row labels, and in plain
    tables any long text), the others keep each cell on one line. ``style`` is the id of the
    paragraph style of the cells, whose font size is ``size_pt`` (an empty cell is as high as
    its style's text).
    """

    heads: list
    rows: list
    n_cols: int
    wrap: frozenset = frozenset({0})
    size_pt: float = TABLE_PT
    style: str | None = None


def column_widths(grid: Grid, text_width_cm: float) -> tuple[list[float], bool]:
    """Widths in cm of each column, and whether the table fits ``text_width_cm``.

    Numbers never wrap; a column head wraps between words; the row-label column (and any
    column of ``grid.wrap``) may wrap down to its longest word. A table whose unbreakable
    content is wider than the text width does not fit (it goes on a landscape page) and its
    columns are shrunk in proportion.
    """
    size, k = grid.size_pt, grid.n_cols
    least, wanted = [_CELL_PAD_CM] * k, [_CELL_PAD_CM] * k
    for row in grid.rows:
        texts = [row["label"], *row["cells"]]
        if row["span"]:
            continue
        bold = row["style"] == "heading"
        for j, text in enumerate(texts[:k]):
            pad = _CELL_PAD_CM + (_INDENT_CM if j == 0 and row["style"] == "indent" else 0)
            full = text_cm(text, size, bold=bold) + pad
            if j in grid.wrap:
                least[j] = max(least[j], _longest_word_cm(text, size, bold=bold) + pad)
                wanted[j] = max(wanted[j], min(full, 7.0))
            else:
                least[j] = max(least[j], full)
                wanted[j] = max(wanted[j], full)
    for head in grid.heads:
        j = 0
        for cell in head:
            if cell["span"] == 1 and j < k:
                word = _longest_word_cm(cell["text"], size, bold=True) + _CELL_PAD_CM
                least[j] = max(least[j], word)
                full = text_cm(cell["text"], size, bold=True)
                wanted[j] = max(wanted[j], min(full, _HEAD_CM) + _CELL_PAD_CM)
            j += cell["span"]
    wanted = [max(w, m) for w, m in zip(wanted, least, strict=True)]
    total = sum(wanted)
    if total <= text_width_cm:
        # a narrow table still reads as a table: at least 60% of the text width
        scale = max(1.0, 0.6 * text_width_cm / total) if total else 1.0
        return [w * scale for w in wanted], True
    floor = sum(least)
    if floor <= text_width_cm:
        # give the wrapping columns what is left, in proportion to what they wanted
        spare = text_width_cm - floor
        extra = [w - m for w, m in zip(wanted, least, strict=True)]
        share = spare / sum(extra) if sum(extra) else 0.0
        return [m + e * share for m, e in zip(least, extra, strict=True)], True
    return [m * text_width_cm / floor for m in least], False


# ---------------------------------------------------------------- raw XML properties


#: the schema's order of the children of the property elements this module writes: Word
#: refuses a file whose properties are out of order (``w:trPr`` takes any order)
_ORDER = {
    "w:tblPr": (
        "w:tblStyle", "w:tblpPr", "w:tblOverlap", "w:bidiVisual", "w:tblStyleRowBandSize",
        "w:tblStyleColBandSize", "w:tblW", "w:jc", "w:tblCellSpacing", "w:tblInd",
        "w:tblBorders", "w:shd", "w:tblLayout", "w:tblCellMar", "w:tblLook",
    ),
    "w:tcPr": (
        "w:cnfStyle", "w:tcW", "w:gridSpan", "w:hMerge", "w:vMerge", "w:tcBorders", "w:shd",
        "w:noWrap", "w:tcMar", "w:textDirection", "w:tcFitText", "w:vAlign", "w:hideMark",
    ),
    "w:tblBorders": (
        "w:top", "w:left", "w:start", "w:bottom", "w:right", "w:end", "w:insideH", "w:insideV",
    ),
    "w:tcBorders": (
        "w:top", "w:left", "w:start", "w:bottom", "w:right", "w:end", "w:insideH", "w:insideV",
        "w:tl2br", "w:tr2bl",
    ),
}  # fmt: skip


def _set(parent, tag: str, **attrs):
    """The child ``tag`` of ``parent`` with ``attrs``; a new one goes in the schema's place."""
    child = parent.find(qn(tag))
    if child is None:
        child = OxmlElement(tag)
        order = _ORDER.get(parent.tag.replace(qn("w:"), "w:"), ())
        later = {qn(t) for t in order[order.index(tag) + 1 :]} if tag in order else set()
        follower = next((c for c in parent if c.tag in later), None)
        if follower is None:
            parent.append(child)
        else:
            follower.addprevious(child)
    for key, value in attrs.items():
        child.set(qn(f"w:{key}"), str(value))
    return child


def _border(cell, edge: str, size_eighths: int) -> None:
    borders = _set(cell._tc.get_or_add_tcPr(), "w:tcBorders")
    _set(borders, f"w:{edge}", val="single", sz=size_eighths, space=0, color="000000")


def _table_rules(table) -> None:
    """Heavy rules above and below the table, nothing else (the journal style)."""
    tbl_pr = table._tbl.tblPr
    borders = _set(tbl_pr, "w:tblBorders")
    for edge, size in (("top", 12), ("left", 0), ("bottom", 12), ("right", 0)):
        if size:
            _set(borders, f"w:{edge}", val="single", sz=size, space=0, color="000000")
        else:
            _set(borders, f"w:{edge}", val="nil")
    for edge in ("insideH", "insideV"):
        _set(borders, f"w:{edge}", val="nil")
    _set(tbl_pr, "w:tblLayout", type="fixed")


def _row_props(row, *, header: bool) -> None:
    tr_pr = row._tr.get_or_add_trPr()
    _set(tr_pr, "w:cantSplit")
    if header:
        _set(tr_pr, "w:tblHeader")


def _fill(cell, text, *, bold=False, align=WD_ALIGN_PARAGRAPH.CENTER, indent=False, grid=None):
    paragraph = cell.paragraphs[0]
    paragraph.alignment = align
    if grid.style is not None:
        paragraph._p.style = grid.style
    else:
        fmt = paragraph.paragraph_format
        fmt.space_before = fmt.space_after = Pt(1)
    if indent:
        paragraph.paragraph_format.left_indent = Cm(_INDENT_CM)
    add_text(paragraph, text, bold=bold or None, size=None if grid.style else grid.size_pt)
    return paragraph


# ---------------------------------------------------------------- the table


def add_grid_table(doc, grid: Grid, widths_cm: list[float], *, keep_together: bool):
    """Add ``grid`` to ``doc`` as a Word table with ``widths_cm``; returns the table.

    Header rows repeat on every page; no row breaks across pages; with ``keep_together``
    every row is kept with the next so a short table is never split from its title or notes.
    """
    k = grid.n_cols
    table = doc.add_table(rows=len(grid.heads) + len(grid.rows), cols=k)
    table.alignment = WD_TABLE_ALIGNMENT.LEFT
    table.autofit = False
    _table_rules(table)
    for j, column in enumerate(table.columns):
        column.width = Cm(widths_cm[j])
    rows = table.rows
    # widths before merging: a merged cell's width is the sum of the cells it swallows
    for row in rows:
        for j, cell in enumerate(row.cells):
            cell.width = Cm(widths_cm[j])
    paragraphs = []
    for h, head in enumerate(grid.heads):
        row = rows[h]
        _row_props(row, header=True)
        cells, last = row.cells, h == len(grid.heads) - 1
        j = 0
        for cell_view in head:
            span = cell_view["span"]
            cell = cells[j].merge(cells[j + span - 1]) if span > 1 else cells[j]
            cell.vertical_alignment = WD_CELL_VERTICAL_ALIGNMENT.BOTTOM
            align = WD_ALIGN_PARAGRAPH.LEFT if j == 0 else WD_ALIGN_PARAGRAPH.CENTER
            paragraphs.append(_fill(cell, cell_view["text"], bold=True, align=align, grid=grid))
            if last:
                _border(cell, "bottom", 6)
            elif span > 1 and cell_view["text"]:
                _border(cell, "bottom", 4)
            j += span
    for i, view in enumerate(grid.rows):
        row = rows[len(grid.heads) + i]
        _row_props(row, header=False)
        cells = row.cells
        heading = view["style"] == "heading"
        if view["span"]:
            cell = cells[0].merge(cells[-1]) if k > 1 else cells[0]
            paragraphs.append(
                _fill(cell, view["label"], bold=True, align=WD_ALIGN_PARAGRAPH.LEFT, grid=grid)
            )
            continue
        texts = [view["label"], *view["cells"]]
        for j, cell in enumerate(cells):
            text = texts[j] if j < len(texts) else ""
            align = WD_ALIGN_PARAGRAPH.LEFT if j == 0 or j in grid.wrap else None
            paragraphs.append(
                _fill(
                    cell,
                    text,
                    bold=heading,
                    align=align if align is not None else WD_ALIGN_PARAGRAPH.CENTER,
                    indent=j == 0 and view["style"] == "indent",
                    grid=grid,
                )
            )
    if keep_together:
        for paragraph in paragraphs:
            paragraph.paragraph_format.keep_with_next = True
    else:
        for paragraph in paragraphs[: sum(len(h) for h in grid.heads)]:
            paragraph.paragraph_format.keep_with_next = True
    return table
