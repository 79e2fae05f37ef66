"""DOCX briefing (python-docx) for editors who work in Word.

The same :class:`BriefingDocument` as the PDF: cover page, a table of contents (a Word TOC
field over the section headings, which Word fills in with page numbers when the file is
opened — the file asks Word to update fields — with the section list already written in
it), sections as *Heading 1*, items as *Heading 2*, quotes as bordered paragraphs kept
together with their chips and note, analyst comments as shaded blocks, the bibliography
with hanging indents, and "Page n of m" in the footer. Text is inserted as text only.
RTL quotes are right-to-left paragraphs (``w:bidi``) aligned right.

Speed: python-docx checks the schema order of every property it sets (a scan over dozens
of tag names per call), which made a 1,000-passage briefing take minutes. Paragraph and
run properties are therefore built once per distinct look with python-docx's own API
(so their XML is in schema order) and copied into each paragraph and run; paragraphs are
collected in a scratch body and moved into the document in batches.
"""
from __future__ import annotations

import copy
import functools
from typing import BinaryIO

from docx import Document
from docx.enum.text import WD_ALIGN_PARAGRAPH
from docx.oxml import OxmlElement
from docx.oxml.ns import qn
from docx.shared import Mm, Pt, RGBColor
from docx.text.paragraph import Paragraph as DocxParagraph
from docx.text.run import Run

from clipper.export.briefing import (
    BibliographyBlock,
    BriefingDocument,
    BriefingOptions,
    Cover,
    Heading,
    ItemBlock,
    Paragraph,
    PassageBlock,
    SectionBlock,
    Toc,
    briefing_document,
    markdown_blocks,
)
from clipper.export.model import ExportDocument, first_strong_direction

MUTED = "5F6368"
INK = "1D1D1F"
NOTE = "33363B"
COMMENT = "22324D"


def _hex(value: str, fallback: str = "FFD54F") -> str:
    value = (value or "").strip().lstrip("#")
    if len(value) == 3:
        value = "".join(c * 2 for c in value)
    if len(value) == 6 and all(c in "0123456789abcdefABCDEF" for c in value):
        return value.upper()
    return fallback


def _text_on(bg: str) -> str:
    r, g, b = (int(bg[i:i + 2], 16) / 255 for i in (0, 2, 4))
    return "111111" if 0.2126 * r + 0.7152 * g + 0.0722 * b > 0.5 else "FFFFFF"


# Schema order of the properties inserted by hand (python-docx does not keep its tables).
_PPR_ORDER = ("w:pStyle", "w:keepNext", "w:keepLines", "w:pageBreakBefore", "w:framePr", "w:widowControl",
              "w:numPr", "w:suppressLineNumbers", "w:pBdr", "w:shd", "w:tabs", "w:suppressAutoHyphens",
              "w:kinsoku", "w:wordWrap", "w:overflowPunct", "w:topLinePunct", "w:autoSpaceDE",
              "w:autoSpaceDN", "w:bidi", "w:adjustRightInd", "w:snapToGrid", "w:spacing", "w:ind",
              "w:contextualSpacing", "w:mirrorIndents", "w:suppressOverlap", "w:jc", "w:textDirection",
              "w:textAlignment", "w:textboxTightWrap", "w:outlineLvl", "w:divId", "w:cnfStyle", "w:rPr",
              "w:sectPr", "w:pPrChange")
_RPR_ORDER = ("w:rStyle", "w:rFonts", "w:b", "w:bCs", "w:i", "w:iCs", "w:caps", "w:smallCaps", "w:strike",
              "w:dstrike", "w:outline", "w:shadow", "w:emboss", "w:imprint", "w:noProof", "w:snapToGrid",
              "w:vanish", "w:webHidden", "w:color", "w:spacing", "w:w", "w:kern", "w:position", "w:sz",
              "w:szCs", "w:highlight", "w:u", "w:effect", "w:bdr", "w:shd", "w:fitText", "w:vertAlign",
              "w:rtl", "w:cs", "w:em", "w:lang", "w:eastAsianLayout", "w:specVanish", "w:oMath")
_AFTER_UPDATE_FIELDS = (
    "w:hdrShapeDefaults", "w:footnotePr", "w:endnotePr", "w:compat", "w:docVars", "w:rsids",
    "w:attachedSchema", "w:themeFontLang", "w:clrSchemeMapping", "w:doNotIncludeSubdocsInStats",
    "w:doNotAutoCompressPictures", "w:forceUpgrade", "w:captions", "w:readModeInkLockDown",
    "w:smartTagType", "w:shapeDefaults", "w:doNotEmbedSmartTags", "w:decimalSymbol", "w:listSeparator",
)


def _insert_in_order(parent, child, order: tuple) -> None:
    """Insert ``child`` where the schema wants it among ``parent``'s children."""
    name = next(t for t in order if qn(t) == child.tag)
    parent.insert_element_before(child, *order[order.index(name) + 1:])


def _shd(fill: str):
    shd = OxmlElement("w:shd")
    shd.set(qn("w:val"), "clear")
    shd.set(qn("w:color"), "auto")
    shd.set(qn("w:fill"), fill)
    return shd


# --------------------------------------------------------------------------- templates

@functools.lru_cache(maxsize=None)
def _rpr(size: float | None, bold: bool, italic: bool, color: str | None, font: str | None,
         rtl: bool, shade: str | None):
    run = Run(OxmlElement("w:r"), None)
    if size:
        run.font.size = Pt(size)
    if bold:
        run.bold = True
    if italic:
        run.italic = True
    if color:
        run.font.color.rgb = RGBColor.from_string(color)
    if font:
        run.font.name = font
    rpr = run._r.get_or_add_rPr()
    if shade:
        _insert_in_order(rpr, _shd(shade), _RPR_ORDER)
    if rtl:
        _insert_in_order(rpr, OxmlElement("w:rtl"), _RPR_ORDER)
    return rpr


@functools.lru_cache(maxsize=None)
def _ppr(style_id: str | None, left: float, right: float, first: float | None, before: float | None,
         after: float | None, keep_together: bool, keep_with_next: bool, page_break: bool,
         border: tuple | None, shade: str | None, rtl: bool):
    p = DocxParagraph(OxmlElement("w:p"), None)
    ppr = p._p.get_or_add_pPr()
    if style_id:
        ppr.style = style_id
    fmt = p.paragraph_format
    if left:
        fmt.left_indent = Mm(left)
    if right:
        fmt.right_indent = Mm(right)
    if first is not None:
        fmt.first_line_indent = Mm(first)
    if before is not None:
        fmt.space_before = Pt(before)
    if after is not None:
        fmt.space_after = Pt(after)
    if keep_together:
        fmt.keep_together = True
    if keep_with_next:
        fmt.keep_with_next = True
    if page_break:
        fmt.page_break_before = True
    if border:
        side, color, size = border
        borders = OxmlElement("w:pBdr")
        el = OxmlElement(f"w:{side}")
        el.set(qn("w:val"), "single")
        el.set(qn("w:sz"), str(size))
        el.set(qn("w:space"), "6")
        el.set(qn("w:color"), color)
        borders.append(el)
        _insert_in_order(ppr, borders, _PPR_ORDER)
    if shade:
        _insert_in_order(ppr, _shd(shade), _PPR_ORDER)
    if rtl:
        _insert_in_order(ppr, OxmlElement("w:bidi"), _PPR_ORDER)
        fmt.alignment = WD_ALIGN_PARAGRAPH.RIGHT
    return ppr


class _Sink:
    """Makes paragraphs from cached property templates into a scratch body (plain lxml
    appends) that :meth:`flush` moves into the document at the end."""

    def __init__(self, document):
        self.document = document
        self.target = document.element.body
        self.scratch = OxmlElement("w:body")
        self.style_ids: dict[str, str] = {}

    def style_id(self, name: str) -> str:
        if name not in self.style_ids:
            self.style_ids[name] = self.document.styles[name].style_id
        return self.style_ids[name]

    def paragraph(self, *, style: str | None = None, left: float = 0.0, right: float = 0.0,
                  first: float | None = None, before: float | None = None, after: float | None = None,
                  keep_together: bool = False, keep_with_next: bool = False, page_break: bool = False,
                  border: tuple | None = None, shade: str | None = None, rtl: bool = False) -> DocxParagraph:
        p = OxmlElement("w:p")
        p.append(copy.copy(_ppr(self.style_id(style) if style else None, left, right, first, before,
                                    after, keep_together, keep_with_next, page_break, border, shade, rtl)))
        self.scratch.append(p)
        return DocxParagraph(p, None)

    def heading(self, level: int, **kw) -> DocxParagraph:
        return self.paragraph(style=f"Heading {level}", **kw)

    def flush(self) -> None:
        """Move the paragraphs into the document body, before its section properties."""
        sect = self.target.find(qn("w:sectPr"))
        if sect is not None:
            self.target.remove(sect)
        self.target.extend(list(self.scratch))
        if sect is not None:
            self.target.append(sect)


@functools.lru_cache(maxsize=None)
def _run_template(size, bold, italic, color, font, rtl, shade):
    r = OxmlElement("w:r")
    rpr = _rpr(size, bold, italic, color, font, rtl, shade)
    if len(rpr):
        r.append(copy.deepcopy(rpr))
    t = OxmlElement("w:t")
    t.set(qn("xml:space"), "preserve")
    r.append(t)
    return r


_BREAK = None


def _run(paragraph: DocxParagraph, text: str, *, size: float | None = None, bold=False, italic=False,
         color: str | None = None, font: str | None = None, rtl: bool = False, shade: str | None = None) -> None:
    """Append ``text`` (line breaks kept) as runs with the given look."""
    global _BREAK
    template = _run_template(size, bool(bold), bool(italic), color, font, bool(rtl), shade)
    p = paragraph._p
    for i, line in enumerate(text.split("\n")):
        if i:
            if _BREAK is None:
                _BREAK = OxmlElement("w:r")
                _BREAK.append(OxmlElement("w:br"))
            p.append(copy.copy(_BREAK))
        r = copy.copy(template)  # lxml copies the whole run element (rPr and w:t)
        r[-1].text = line
        p.append(r)


def _field(paragraph: DocxParagraph, instruction: str, placeholder: str = "1", size: float = 8) -> None:
    """A Word field (PAGE, NUMPAGES, TOC …) with a placeholder result."""
    def run_with(el):
        r = OxmlElement("w:r")
        r.append(el)
        paragraph._p.append(r)

    def fld(kind):
        el = OxmlElement("w:fldChar")
        el.set(qn("w:fldCharType"), kind)
        return el

    run_with(fld("begin"))
    instr = OxmlElement("w:instrText")
    instr.set(qn("xml:space"), "preserve")
    instr.text = f" {instruction} "
    run_with(instr)
    run_with(fld("separate"))
    if placeholder:
        _run(paragraph, placeholder, size=size, color=MUTED)
    run_with(fld("end"))


# --------------------------------------------------------------------------- blocks

def _markdown(sink: _Sink, source: str, *, indent_mm: float = 0.0, size: float = 9.5,
              color: str | None = None, keep_with_next: bool = False, shade: str | None = None) -> None:
    blocks = markdown_blocks(source)
    for n, block in enumerate(blocks):
        text = "".join(t for t, _ in block.runs)
        rtl = first_strong_direction(text) == "rtl"
        last = n == len(blocks) - 1
        p = sink.paragraph(left=indent_mm + 4 * block.depth, after=2, keep_together=True,
                           keep_with_next=keep_with_next or not last, shade=shade, rtl=rtl)
        if block.prefix:
            _run(p, block.prefix, size=size, color=color)
        for piece, fmt in block.runs:
            _run(p, piece, size=size, bold=fmt.get("b"), italic=fmt.get("i"),
                 color=MUTED if fmt.get("muted") else color,
                 font="Courier New" if fmt.get("code") else None, rtl=rtl)


def _passage(sink: _Sink, p: PassageBlock) -> None:
    rtl = first_strong_direction(p.quote) == "rtl"
    quote = sink.paragraph(left=5, right=3, before=9, after=3, keep_together=True,
                           keep_with_next=bool(p.chips or p.note.strip()),
                           border=("right" if rtl else "left", _hex(p.color), 24), shade="F7F7F5", rtl=rtl)
    _run(quote, p.quote, size=11, font="Georgia", color=INK, rtl=rtl)
    if p.chips:
        chips = sink.paragraph(left=5, after=2, keep_together=True, keep_with_next=bool(p.note.strip()))
        for i, tag in enumerate(p.chips):
            if i:
                _run(chips, "  ", size=8)
            bg = _hex(tag.color)
            _run(chips, "\u00a0" + tag.name + "\u00a0", size=8, bold=True, color=_text_on(bg), shade=bg)
    if p.note.strip():
        _markdown(sink, p.note, indent_mm=5, size=9.5, color=NOTE)


def _item(sink: _Sink, item: ItemBlock) -> None:
    if item.headline:
        rtl = first_strong_direction(item.headline) == "rtl"
        _run(sink.heading(2, keep_with_next=True, rtl=rtl), item.headline, rtl=rtl)
    if item.meta:
        _run(sink.paragraph(after=1, keep_with_next=True), item.meta, size=9, color=MUTED)
    if item.citation:
        p = sink.paragraph(after=1, keep_with_next=True)
        for text, italic, bold in item.citation:
            _run(p, text, size=9, italic=italic, bold=bold, color=MUTED)
    if item.also:
        _run(sink.paragraph(keep_with_next=True), item.also, size=9, italic=True, color="7A4F00")
    for comment in item.comments:
        label = sink.paragraph(before=6, after=0, keep_with_next=True, shade="EEF3FB")
        _run(label, "ANALYST COMMENT", size=7.5, bold=True, color="5B6F94")
        _markdown(sink, comment, size=9.5, color=COMMENT, shade="EEF3FB")
    for p in item.passages:
        _passage(sink, p)
    for para in item.extra:
        _runs_paragraph(sink, para.runs)


def _runs_paragraph(sink: _Sink, runs, size: float = 10, **kw) -> DocxParagraph:
    p = sink.paragraph(**kw)
    for text, italic, bold in runs:
        _run(p, text, size=size, italic=italic, bold=bold)
    return p


def render(doc: BriefingDocument, page_size: str = "A4"):
    document = Document()
    section = document.sections[0]
    if page_size.lower() == "letter":
        section.page_width, section.page_height = Mm(215.9), Mm(279.4)
    else:
        section.page_width, section.page_height = Mm(210), Mm(297)
    for side in ("left_margin", "right_margin", "top_margin", "bottom_margin"):
        setattr(section, side, Mm(20))
    document.core_properties.title = doc.title
    document.core_properties.author = doc.author or "Clipper"
    document.styles["Normal"].font.name = "Calibri"
    document.styles["Normal"].font.size = Pt(10)

    footer = section.footer.paragraphs[0]
    footer.alignment = WD_ALIGN_PARAGRAPH.RIGHT
    _run(footer, "Page ", size=8, color=MUTED)
    _field(footer, "PAGE")
    _run(footer, " of ", size=8, color=MUTED)
    _field(footer, "NUMPAGES")

    sink = _Sink(document)
    sections = doc.sections
    first_content = True
    for block in doc.blocks:
        if isinstance(block, Cover):
            _run(sink.paragraph(before=160), block.title, size=28, bold=True, color=INK)
            if block.subtitle:
                _run(sink.paragraph(), block.subtitle, size=14, color=INK)
            for line in block.lines:
                _run(sink.paragraph(), line, size=10.5, color=MUTED)
            first_content = False
        elif isinstance(block, Toc) and sections:
            _run(sink.paragraph(page_break=not first_content), block.title, size=16, bold=True)
            _field(sink.paragraph(), 'TOC \\o "1-1" \\h \\z \\u', placeholder="")
            for s in sections:  # what the contents show until Word updates them with page numbers
                _run(sink.paragraph(left=4), s.title, size=10)
            first_content = False
        elif isinstance(block, SectionBlock):
            border = ("bottom", _hex(block.color, "C9CCD1"), 12) if block.color else None
            h = sink.heading(1, keep_with_next=True, page_break=block.number == 1 and not first_content,
                             before=None if block.number == 1 else 18, border=border)
            _run(h, block.title)
            for child in block.children:
                if isinstance(child, ItemBlock):
                    _item(sink, child)
                elif isinstance(child, Paragraph):
                    _runs_paragraph(sink, child.runs)
                elif isinstance(child, Heading):
                    _run(sink.heading(3, keep_with_next=True), child.text)
        elif isinstance(block, BibliographyBlock) and block.entries:
            _run(sink.heading(1, keep_with_next=True, page_break=True), block.title)
            for entry in block.entries:
                _runs_paragraph(sink, entry, size=10, left=8, first=-8, after=4, keep_together=True)
        elif isinstance(block, Heading):
            _run(sink.heading(2, keep_with_next=True), block.text)
        elif isinstance(block, Paragraph):
            _runs_paragraph(sink, block.runs)
        elif isinstance(block, ItemBlock):
            _item(sink, block)
    sink.flush()

    # Ask Word to refresh fields (the contents' page numbers) when the file is opened.
    update = OxmlElement("w:updateFields")
    update.set(qn("w:val"), "true")
    document.settings.element.insert_element_before(update, *_AFTER_UPDATE_FIELDS)
    return document


def write(doc: ExportDocument, fh: BinaryIO, briefing: BriefingOptions | None = None,
          page_size: str = "A4") -> None:
    render(briefing_document(doc, briefing), page_size=page_size).save(fh)


__all__ = ["render", "write"]
