"""DOCX briefing (python-docx) for editors who work in Word.

The same :class:`BriefingDocument` as the PDF: cover page, a table of contents (a Word TOC
field over the section headings, which Word fills in with page numbers when the file is
opened — the file asks Word to update fields — with the section list already written in
it), sections as *Heading 1*, items as *Heading 2*, quotes as bordered paragraphs kept
together with their chips and note, analyst comments as shaded blocks, the bibliography
with hanging indents, and "Page n of m" in the footer. Text is inserted as text only.
RTL quotes are right-to-left paragraphs (``w:bidi``) aligned right.
"""
from __future__ import annotations

from typing import BinaryIO

from docx import Document
from docx.enum.text import WD_ALIGN_PARAGRAPH, WD_BREAK
from docx.oxml import OxmlElement
from docx.oxml.ns import qn
from docx.shared import Mm, Pt, RGBColor

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

MUTED = RGBColor(0x5F, 0x63, 0x68)
INK = RGBColor(0x1D, 0x1D, 0x1F)


def _hex(value: str, fallback: str = "FFD54F") -> str:
    value = (value or "").strip().lstrip("#")
    if len(value) == 3:
        value = "".join(c * 2 for c in value)
    if len(value) == 6 and all(c in "0123456789abcdefABCDEF" for c in value):
        return value.upper()
    return fallback


def _text_on(bg: str) -> RGBColor:
    r, g, b = (int(bg[i:i + 2], 16) / 255 for i in (0, 2, 4))
    return RGBColor(0x11, 0x11, 0x11) if 0.2126 * r + 0.7152 * g + 0.0722 * b > 0.5 else RGBColor(0xFF, 0xFF, 0xFF)


def _shade(element, fill: str) -> None:
    """Background shading on a run's or paragraph's properties."""
    shd = OxmlElement("w:shd")
    shd.set(qn("w:val"), "clear")
    shd.set(qn("w:color"), "auto")
    shd.set(qn("w:fill"), fill)
    element.append(shd)


def _border(paragraph, side: str, color: str, size: int = 24) -> None:
    ppr = paragraph._p.get_or_add_pPr()
    borders = ppr.find(qn("w:pBdr"))
    if borders is None:
        borders = OxmlElement("w:pBdr")
        ppr.append(borders)
    el = OxmlElement(f"w:{side}")
    el.set(qn("w:val"), "single")
    el.set(qn("w:sz"), str(size))
    el.set(qn("w:space"), "6")
    el.set(qn("w:color"), color)
    borders.append(el)


def _rtl(paragraph) -> None:
    ppr = paragraph._p.get_or_add_pPr()
    ppr.append(OxmlElement("w:bidi"))
    paragraph.alignment = WD_ALIGN_PARAGRAPH.RIGHT


def _run(paragraph, text: str, *, size: float | None = None, bold=False, italic=False,
         color: RGBColor | None = None, font: str | None = None, rtl: bool = False):
    run = paragraph.add_run(text)
    if size:
        run.font.size = Pt(size)
    run.bold = bold or None
    run.italic = italic or None
    if color is not None:
        run.font.color.rgb = color
    if font:
        run.font.name = font
    if rtl:
        run._r.get_or_add_rPr().append(OxmlElement("w:rtl"))
    return run


def _field(paragraph, instruction: str, placeholder: str = "1") -> None:
    """A Word field (PAGE, NUMPAGES, TOC …) with a placeholder result."""
    def fld(kind):
        el = OxmlElement("w:fldChar")
        el.set(qn("w:fldCharType"), kind)
        return el

    run = paragraph.add_run()
    run._r.append(fld("begin"))
    instr = OxmlElement("w:instrText")
    instr.set(qn("xml:space"), "preserve")
    instr.text = f" {instruction} "
    run = paragraph.add_run()
    run._r.append(instr)
    run = paragraph.add_run()
    run._r.append(fld("separate"))
    paragraph.add_run(placeholder)
    run = paragraph.add_run()
    run._r.append(fld("end"))


def _markdown(document, source: str, *, indent_mm: float = 0.0, size: float = 9.5,
              color: RGBColor | None = None, keep_with_next: bool = False) -> list:
    paragraphs = []
    for block in markdown_blocks(source):
        text = "".join(t for t, _ in block.runs)
        p = document.add_paragraph()
        p.paragraph_format.left_indent = Mm(indent_mm + 4 * block.depth)
        p.paragraph_format.space_after = Pt(2)
        p.paragraph_format.keep_together = True
        p.paragraph_format.keep_with_next = keep_with_next
        rtl = first_strong_direction(text) == "rtl"
        if rtl:
            _rtl(p)
        if block.prefix:
            _run(p, block.prefix, size=size, color=color)
        for piece, fmt in block.runs:
            lines = piece.split("\n")
            for i, line in enumerate(lines):
                if i:
                    p.add_run().add_break(WD_BREAK.LINE)
                _run(p, line, size=size, bold=bool(fmt.get("b")), italic=bool(fmt.get("i")),
                     color=MUTED if fmt.get("muted") else color,
                     font="Courier New" if fmt.get("code") else None, rtl=rtl)
        paragraphs.append(p)
    return paragraphs


def _passage(document, p: PassageBlock) -> None:
    rtl = first_strong_direction(p.quote) == "rtl"
    quote = document.add_paragraph()
    fmt = quote.paragraph_format
    fmt.left_indent = Mm(5)
    fmt.right_indent = Mm(3)
    fmt.space_before = Pt(9)
    fmt.space_after = Pt(3)
    fmt.keep_together = True
    fmt.keep_with_next = bool(p.chips or p.note.strip())
    _border(quote, "right" if rtl else "left", _hex(p.color))
    _shade(quote._p.get_or_add_pPr(), "F7F7F5")
    if rtl:
        _rtl(quote)
    lines = p.quote.split("\n")
    for i, line in enumerate(lines):
        if i:
            quote.add_run().add_break(WD_BREAK.LINE)
        _run(quote, line, size=11, font="Georgia", color=INK, rtl=rtl)
    if p.chips:
        chips = document.add_paragraph()
        chips.paragraph_format.left_indent = Mm(5)
        chips.paragraph_format.space_after = Pt(2)
        chips.paragraph_format.keep_together = True
        chips.paragraph_format.keep_with_next = bool(p.note.strip())
        for i, tag in enumerate(p.chips):
            if i:
                _run(chips, "  ", size=8)
            bg = _hex(tag.color)
            run = _run(chips, "\u00a0" + tag.name + "\u00a0", size=8, bold=True, color=_text_on(bg))
            _shade(run._r.get_or_add_rPr(), bg)
    if p.note.strip():
        paras = _markdown(document, p.note, indent_mm=5, size=9.5, color=RGBColor(0x33, 0x36, 0x3B),
                          keep_with_next=True)
        if paras:
            paras[-1].paragraph_format.keep_with_next = False


def _item(document, item: ItemBlock) -> None:
    if item.headline:
        h = document.add_heading(level=2)
        _run(h, item.headline, rtl=first_strong_direction(item.headline) == "rtl")
        h.paragraph_format.keep_with_next = True
        if first_strong_direction(item.headline) == "rtl":
            _rtl(h)
    for text, size, color in ((item.meta, 9, MUTED),):
        if text:
            p = document.add_paragraph()
            p.paragraph_format.space_after = Pt(1)
            p.paragraph_format.keep_with_next = True
            _run(p, text, size=size, color=color)
    if item.citation:
        p = document.add_paragraph()
        p.paragraph_format.space_after = Pt(1)
        p.paragraph_format.keep_with_next = True
        for text, italic, bold in item.citation:
            _run(p, text, size=9, italic=italic, bold=bold, color=MUTED)
    if item.also:
        p = document.add_paragraph()
        p.paragraph_format.keep_with_next = True
        _run(p, item.also, size=9, italic=True, color=RGBColor(0x7A, 0x4F, 0x00))
    for comment in item.comments:
        label = document.add_paragraph()
        label.paragraph_format.space_before = Pt(6)
        label.paragraph_format.space_after = Pt(0)
        label.paragraph_format.keep_with_next = True
        _shade(label._p.get_or_add_pPr(), "EEF3FB")
        _run(label, "ANALYST COMMENT", size=7.5, bold=True, color=RGBColor(0x5B, 0x6F, 0x94))
        for para in _markdown(document, comment, size=9.5, color=RGBColor(0x22, 0x32, 0x4D), keep_with_next=True):
            _shade(para._p.get_or_add_pPr(), "EEF3FB")
    for p in item.passages:
        _passage(document, p)
    for para in item.extra:
        _runs_paragraph(document, para.runs)


def _runs_paragraph(document, runs, size: float = 10):
    p = document.add_paragraph()
    for text, italic, bold in runs:
        _run(p, text, size=size, italic=italic, bold=bold)
    return p


def render(doc: BriefingDocument, page_size: str = "A4") -> Document:
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
    styles = document.styles
    styles["Normal"].font.name = "Calibri"
    styles["Normal"].font.size = Pt(10)

    footer = section.footer.paragraphs[0]
    footer.alignment = WD_ALIGN_PARAGRAPH.RIGHT
    _run(footer, "Page ", size=8, color=MUTED)
    _field(footer, "PAGE")
    _run(footer, " of ", size=8, color=MUTED)
    _field(footer, "NUMPAGES")

    sections = doc.sections
    first_content = True
    for block in doc.blocks:
        if isinstance(block, Cover):
            title = document.add_paragraph()
            title.paragraph_format.space_before = Pt(160)
            _run(title, block.title, size=28, bold=True, color=INK)
            if block.subtitle:
                _run(document.add_paragraph(), block.subtitle, size=14, color=INK)
            for line in block.lines:
                _run(document.add_paragraph(), line, size=10.5, color=MUTED)
            document.add_paragraph().add_run().add_break(WD_BREAK.PAGE)
        elif isinstance(block, Toc) and sections:
            h = document.add_paragraph()
            _run(h, block.title, size=16, bold=True)
            toc = document.add_paragraph()
            _field(toc, 'TOC \\o "1-1" \\h \\z \\u', placeholder="")
            for s in sections:  # what the TOC holds until Word updates it with page numbers
                entry = document.add_paragraph()
                entry.paragraph_format.left_indent = Mm(4)
                _run(entry, s.title, size=10)
            document.add_paragraph().add_run().add_break(WD_BREAK.PAGE)
        elif isinstance(block, SectionBlock):
            h = document.add_heading(level=1)
            _run(h, block.title)
            h.paragraph_format.keep_with_next = True
            if not first_content:
                h.paragraph_format.space_before = Pt(18)
            first_content = False
            if block.color:
                _border(h, "bottom", _hex(block.color, "C9CCD1"), size=12)
            for child in block.children:
                if isinstance(child, ItemBlock):
                    _item(document, child)
                elif isinstance(child, Paragraph):
                    _runs_paragraph(document, child.runs)
                elif isinstance(child, Heading):
                    h3 = document.add_heading(level=3)
                    _run(h3, child.text)
        elif isinstance(block, BibliographyBlock) and block.entries:
            h = document.add_heading(level=1)
            _run(h, block.title)
            h.paragraph_format.page_break_before = True
            for entry in block.entries:
                p = _runs_paragraph(document, entry, size=10)
                p.paragraph_format.left_indent = Mm(8)
                p.paragraph_format.first_line_indent = Mm(-8)
                p.paragraph_format.space_after = Pt(4)
        elif isinstance(block, Heading):
            h = document.add_heading(level=2)
            _run(h, block.text)
        elif isinstance(block, Paragraph):
            _runs_paragraph(document, block.runs)
        elif isinstance(block, ItemBlock):
            _item(document, block)

    # Ask Word to refresh fields (the TOC's page numbers) when the file is opened.
    settings = document.settings.element
    update = OxmlElement("w:updateFields")
    update.set(qn("w:val"), "true")
    settings.append(update)
    return document


def write(doc: ExportDocument, fh: BinaryIO, briefing: BriefingOptions | None = None,
          page_size: str = "A4") -> None:
    render(briefing_document(doc, briefing), page_size=page_size).save(fh)


