"""The Word document's frame: page size and orientation, styles, footer, fixed metadata.

A4 pages with 2.5 cm margins; Arial throughout (the template's theme fonts are dropped so the
styles' font wins); paragraph styles a user can restyle in Word ("Table Title", "Table Note",
"Figure Caption", "Source Line"); the page number in the footer. The core properties carry
fixed dates, so the same content gives the same bytes.
"""

from __future__ import annotations

from dataclasses import dataclass

from docx import Document
from docx.enum.section import WD_ORIENT, WD_SECTION
from docx.enum.style import WD_STYLE_TYPE
from docx.enum.text import WD_ALIGN_PARAGRAPH
from docx.opc.constants import RELATIONSHIP_TYPE
from docx.oxml import OxmlElement
from docx.oxml.ns import qn
from docx.shared import Cm, Pt, RGBColor

from ..io.writers import _EPOCH
from ._docx_table import TABLE_PT, clean_text

__all__ = [
    "NOTE_PT",
    "SMALL_TABLE_PT",
    "Page",
    "heading",
    "new_document",
    "orientation",
    "paragraph",
    "table_style",
]

_FONT = "Arial"
_BODY_PT = 10.0
NOTE_PT = 8.0
#: tables too wide for the page at TABLE_PT are set in this size before turning the page
SMALL_TABLE_PT = 8.0
_MARGIN_CM = 2.5
#: A4, portrait (width, height) in cm
_PAGE_CM = (21.0, 29.7)
_MUTED = RGBColor(0x44, 0x44, 0x44)
#: style ids of the paragraph styles used (python-docx looks a style up by its name through
#: every style of the template, which costs more than building the tables)
STYLE_IDS = {
    "Title": "Title",
    "Heading 1": "Heading1",
    "Heading 2": "Heading2",
    "List Bullet": "ListBullet",
    "Table Title": "TableTitle",
    "Table Note": "TableNote",
    "Figure Caption": "FigureCaption",
    "Source Line": "SourceLine",
    "Table Text": "TableText",
    "Table Text Small": "TableTextSmall",
}
#: the paragraph style of table cells, by font size
TABLE_STYLES = {TABLE_PT: "Table Text", SMALL_TABLE_PT: "Table Text Small"}


@dataclass(frozen=True)
class Page:
    """The text area of a page in one orientation."""

    landscape: bool

    @property
    def width_cm(self) -> float:
        return (_PAGE_CM[1] if self.landscape else _PAGE_CM[0]) - 2 * _MARGIN_CM

    @property
    def height_cm(self) -> float:
        return (_PAGE_CM[0] if self.landscape else _PAGE_CM[1]) - 2 * _MARGIN_CM


# ---------------------------------------------------------------- the document and its styles


def _paragraph_style(doc, name: str, *, size: float, bold=False, italic=False, keep=False):
    style = doc.styles.add_style(name, WD_STYLE_TYPE.PARAGRAPH)
    style.base_style = doc.styles["Normal"]
    style.font.size = Pt(size)
    style.font.bold = bold
    style.font.italic = italic
    fmt = style.paragraph_format
    fmt.space_before, fmt.space_after = Pt(0), Pt(2)
    fmt.keep_with_next = keep
    return style


def _font(style, name: str) -> None:
    """Set the style's font, dropping the template's theme fonts (which would win over it)."""
    style.font.name = name
    fonts = style.element.rPr.find(qn("w:rFonts"))
    for attr in ("asciiTheme", "hAnsiTheme", "eastAsiaTheme", "cstheme"):
        fonts.attrib.pop(qn(f"w:{attr}"), None)
    fonts.set(qn("w:cs"), name)


def _styles(doc) -> None:
    normal = doc.styles["Normal"]
    _font(normal, _FONT)
    normal.font.size = Pt(_BODY_PT)
    normal.paragraph_format.space_after = Pt(4)
    for name, size in (("Title", 18), ("Heading 1", 14), ("Heading 2", 11.5)):
        style = doc.styles[name]
        _font(style, _FONT)
        style.font.size = Pt(size)
        style.font.bold = True
        style.font.color.rgb = RGBColor(0, 0, 0)
    doc.styles["Heading 1"].paragraph_format.space_before = Pt(18)
    doc.styles["Heading 2"].paragraph_format.space_before = Pt(10)
    # the Title style draws a coloured rule under the title; a manuscript has none
    title_pr = doc.styles["Title"].element.pPr
    if title_pr is not None and title_pr.find(qn("w:pBdr")) is not None:
        title_pr.remove(title_pr.find(qn("w:pBdr")))
    table_title = _paragraph_style(doc, "Table Title", size=_BODY_PT, bold=True, keep=True)
    table_title.paragraph_format.space_before = Pt(10)
    _paragraph_style(doc, "Table Note", size=NOTE_PT)
    caption = _paragraph_style(doc, "Figure Caption", size=9).paragraph_format
    caption.space_after, caption.keep_together = Pt(10), True
    _paragraph_style(doc, "Source Line", size=9, italic=True, keep=True).font.color.rgb = _MUTED
    for size, name in TABLE_STYLES.items():
        cell = _paragraph_style(doc, name, size=size).paragraph_format
        cell.space_before = cell.space_after = Pt(1)


def table_style(size: float) -> str:
    """The style id of table cells with text of ``size`` points."""
    return STYLE_IDS[TABLE_STYLES[size]]


def _page_setup(section, page: Page) -> None:
    width, height = _PAGE_CM if not page.landscape else _PAGE_CM[::-1]
    section.orientation = WD_ORIENT.LANDSCAPE if page.landscape else WD_ORIENT.PORTRAIT
    section.page_width, section.page_height = Cm(width), Cm(height)
    for side in ("left_margin", "right_margin", "top_margin", "bottom_margin"):
        setattr(section, side, Cm(_MARGIN_CM))


def _page_number_footer(section) -> None:
    """The page number, centred in the footer (the document's only field)."""
    paragraph = section.footer.paragraphs[0]
    paragraph.alignment = WD_ALIGN_PARAGRAPH.CENTER
    field = OxmlElement("w:fldSimple")
    field.set(qn("w:instr"), "PAGE")
    run = OxmlElement("w:r")
    text = OxmlElement("w:t")
    text.text = "1"
    run.append(text)
    field.append(run)
    paragraph._p.append(field)


def new_document(title: str):
    doc = Document()
    package = doc.part.package
    # the template's preview picture is of another document
    for r_id, rel in list(package.rels.items()):
        if rel.reltype == RELATIONSHIP_TYPE.THUMBNAIL:
            package.rels.pop(r_id)
    props = doc.core_properties
    props.title = clean_text(title)
    props.author = props.last_modified_by = "cartkit"
    props.comments = "Written by cartkit"
    props.created = props.modified = _EPOCH
    props.revision = 1
    _styles(doc)
    _page_setup(doc.sections[0], Page(landscape=False))
    _page_number_footer(doc.sections[0])
    return doc


def orientation(doc, page: Page, current: list) -> None:
    """Start a new page in ``page``'s orientation unless the document is already in it."""
    if current[0] == page.landscape:
        return
    _page_setup(doc.add_section(WD_SECTION.NEW_PAGE), page)
    current[0] = page.landscape


def paragraph(doc, style: str | None = None, text: str | None = None):
    """A new paragraph at the end of ``doc`` in ``style`` (a name of :data:`STYLE_IDS`)."""
    para = doc.add_paragraph()
    if style is not None:
        para._p.style = STYLE_IDS[style]
    if text is not None:
        para.add_run(clean_text(text))
    return para


def heading(doc, text: str, level: int):
    """A heading (level 0 is the document's title), its text literal."""
    return paragraph(doc, "Title" if level == 0 else f"Heading {level}", text)
