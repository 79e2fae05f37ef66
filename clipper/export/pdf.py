"""PDF export rendered with Qt's own PDF writer (the only non-GUI module that imports Qt).

The document is built block by block with ``QTextCursor`` — user text is always inserted
as plain text, never parsed as HTML — laid out by ``QTextDocument`` with the page height
of the content area, then painted page by page on a ``QPdfWriter`` so the header and
footer ("Page n of m") live in the margins and can never overlap the content. The
coloured bar beside each quote is painted from the laid-out block rectangles.

Notes are Markdown: they are parsed with markdown-it-py (raw HTML and entities disabled)
and rebuilt as plain-text runs with bold/italic/code formats; links print as
``text (url)`` and images as ``[image: alt]``. Nothing is ever loaded:
``loadResource`` refuses every URL.
"""
from __future__ import annotations

import bisect
import os
from typing import BinaryIO

from markdown_it import MarkdownIt
from PySide6.QtCore import QBuffer, QByteArray, QIODevice, QMarginsF, QPointF, QRectF, QSizeF, Qt
from PySide6.QtGui import (
    QAbstractTextDocumentLayout,
    QBrush,
    QColor,
    QFont,
    QFontMetricsF,
    QGuiApplication,
    QPageLayout,
    QPageSize,
    QPainter,
    QPalette,
    QPdfWriter,
    QPen,
    QTextBlockFormat,
    QTextCharFormat,
    QTextCursor,
    QTextDocument,
    QTextFormat,
)

from clipper.errors import ExportError
from clipper.export.model import (
    ExportArticle,
    ExportDocument,
    ExportPassage,
    ExportTag,
    citation_parts,
    first_strong_direction,
    format_date,
    group_by_tag,
)

DPI = 300
MARGIN_MM = 18.0
HEADER_MM = 9.0  # baseline distance of header/footer text from the page edge
BAR_MM = 1.1
QUOTE_INDENT_MM = 4.0  # where the quote's bar starts
QUOTE_PAD_MM = 2.6  # between bar/background edge and the quote text
TEXT_INDENT_MM = QUOTE_INDENT_MM + BAR_MM + QUOTE_PAD_MM  # quote, chips and note text
PAD_V_MM = 1.4  # background above and below a quote
SANS = ["Noto Sans", "DejaVu Sans", "Liberation Sans", "Arial", "Helvetica"]
SERIF = ["Noto Serif", "DejaVu Serif", "Liberation Serif", "Times New Roman", "Times"]
MONO = ["Noto Sans Mono", "DejaVu Sans Mono", "Liberation Mono", "Courier New"]
INK = QColor("#1d1d1f")
MUTED = QColor("#5f6368")
LINK = QColor("#1a56b0")
DEFAULT_COLOR = "#ffd54f"


# --------------------------------------------------------------------------- Qt plumbing

def ensure_app():
    """Return the running Qt application, creating one if needed (offscreen if headless).

    A ``QApplication`` is created when QtWidgets is available so that a GUI started later in
    the same process (or pytest-qt) still finds a widgets-capable application.
    """
    app = QGuiApplication.instance()
    if app is not None:
        return app
    if not (os.environ.get("DISPLAY") or os.environ.get("WAYLAND_DISPLAY")):
        os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    try:
        from PySide6.QtWidgets import QApplication
    except ImportError:  # pragma: no cover - PySide6-Essentials ships QtWidgets
        return QGuiApplication(["clipper-export"])
    return QApplication(["clipper-export"])


class _SafeDocument(QTextDocument):
    """A text document that never loads anything (images, style sheets, files, URLs)."""

    def loadResource(self, type_, name):  # noqa: N802 - Qt override
        return None


def _mm(mm: float) -> float:
    return mm / 25.4 * DPI


def _font(families: list[str], size: float, bold: bool = False, italic: bool = False) -> QFont:
    font = QFont()
    font.setFamilies(families)
    font.setPointSizeF(size)
    font.setBold(bold)
    font.setItalic(italic)
    font.setStyleHint(QFont.StyleHint.SansSerif if families is SANS else QFont.StyleHint.Serif)
    return font


def _color(value: str, fallback: str = DEFAULT_COLOR) -> QColor:
    color = QColor(value or "")
    return color if color.isValid() else QColor(fallback)


def _luminance(color: QColor) -> float:
    def channel(c: float) -> float:
        return c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4

    return 0.2126 * channel(color.redF()) + 0.7152 * channel(color.greenF()) + 0.0722 * channel(
        color.blueF()
    )


def readable_text_color(background: QColor) -> QColor:
    """Near-black or white, whichever contrasts more with ``background`` (WCAG ratio)."""
    lum = _luminance(background)
    on_black = (lum + 0.05) / 0.05
    on_white = 1.05 / (lum + 0.05)
    return QColor("#111111") if on_black >= on_white else QColor("#ffffff")


def _tint(color: QColor, amount: float) -> QColor:
    return QColor(
        round(255 - (255 - color.red()) * amount),
        round(255 - (255 - color.green()) * amount),
        round(255 - (255 - color.blue()) * amount),
    )


def _linkable(url: str) -> bool:
    low = url.strip().lower()
    return low.startswith(("http://", "https://", "mailto:")) and not any(
        c.isspace() for c in url.strip()
    )


# --------------------------------------------------------------------------- builder

class _Builder:
    """Appends blocks to a document through one cursor; every string goes in as text."""

    def __init__(self, doc: QTextDocument):
        self.doc = doc
        self.cursor = QTextCursor(doc)
        self.first = True
        self.quote_blocks: list[tuple[int, QColor, bool]] = []  # (block number, colour, rtl)
        # (heading block, last block that must share its page): headings are not left
        # alone at the bottom of a page.
        self.keep_together: list[tuple[int, int]] = []
        self._open_heading: int | None = None
        self.md = MarkdownIt("commonmark", {"html": False}).disable(["entity"])
        self.md.enable("strikethrough")

    # -- blocks
    def block(self, text_for_direction: str = "", *, top: float = 0.0, bottom: float = 0.0,
              left: float = 0.0, right: float = 0.0, line_height: float = 0.0,
              background: QColor | None = None, page_break: bool = False,
              char: QTextCharFormat | None = None) -> QTextBlockFormat:
        fmt = QTextBlockFormat()
        rtl = first_strong_direction(text_for_direction) == "rtl"
        fmt.setLayoutDirection(Qt.LayoutDirection.RightToLeft if rtl
                               else Qt.LayoutDirection.LeftToRight)
        fmt.setTopMargin(_mm(top))
        fmt.setBottomMargin(_mm(bottom))
        # "left"/"right" are start/end: Qt does not mirror block margins for RTL text.
        fmt.setLeftMargin(_mm(right if rtl else left))
        fmt.setRightMargin(_mm(left if rtl else right))
        if line_height:
            fmt.setLineHeight(line_height * 100, QTextBlockFormat.LineHeightTypes.ProportionalHeight.value)
        if background is not None:
            fmt.setBackground(QBrush(background))
        if page_break:
            fmt.setPageBreakPolicy(QTextFormat.PageBreakFlag.PageBreak_AlwaysBefore)
        char = char or QTextCharFormat()
        if self.first:
            self.cursor.setBlockFormat(fmt)
            self.cursor.setBlockCharFormat(char)
            self.first = False
        else:
            self.cursor.insertBlock(fmt, char)
        return fmt

    def heading_starts(self) -> None:
        """The current block is a heading: keep it with what follows up to ``heading_ends``."""
        self._open_heading = self.cursor.block().blockNumber()

    def heading_ends(self) -> None:
        if self._open_heading is not None:
            self.keep_together.append((self._open_heading, self.cursor.block().blockNumber()))
            self._open_heading = None

    def text(self, text: str, fmt: QTextCharFormat) -> None:
        if text:
            # Paragraph breaks inside one block become line separators.
            self.cursor.insertText(text.replace("\r\n", "\n").replace("\n", "\u2028"), fmt)

    def link(self, url: str, fmt: QTextCharFormat) -> None:
        url = url.strip()
        if not _linkable(url):
            self.text(url, fmt)
            return
        link = QTextCharFormat(fmt)
        link.setAnchor(True)
        link.setAnchorHref(url)
        link.setForeground(LINK)
        self.cursor.insertText(url, link)

    def chips(self, tags: list[ExportTag], base: QTextCharFormat) -> None:
        for i, tag in enumerate(tags):
            if i:
                self.text("  ", base)
            bg = _color(tag.color)
            chip = QTextCharFormat(base)
            chip.setBackground(QBrush(bg))
            chip.setForeground(readable_text_color(bg))
            # Non-breaking spaces pad the chip and keep a multi-word tag on one line.
            self.cursor.insertText("\u00a0" + " ".join(tag.name.split()).replace(" ", "\u00a0")
                                   + "\u00a0", chip)

    # -- Markdown notes
    def markdown(self, source: str, base: QTextCharFormat, *, left: float, top: float = 0.0,
                 bottom: float = 0.0) -> None:
        tokens = self.md.parse(source)
        lists: list[list] = []  # stack of [ordered, next number]
        quote_depth = 0
        pending_prefix = ""
        first_block = True

        def new_block(text: str, extra_left: float = 0.0) -> None:
            nonlocal first_block
            self.block(text, left=left + extra_left + 4.0 * quote_depth,
                       top=top if first_block else 0.9, bottom=0.0, char=base)
            first_block = False

        for i, tok in enumerate(tokens):
            kind = tok.type
            if kind in ("bullet_list_open", "ordered_list_open"):
                start = int(tok.attrGet("start") or 1) if kind == "ordered_list_open" else 0
                lists.append([kind == "ordered_list_open", start])
            elif kind in ("bullet_list_close", "ordered_list_close"):
                lists.pop()
            elif kind == "list_item_open":
                ordered, number = lists[-1]
                pending_prefix = f"{number}.\u00a0" if ordered else "•\u00a0"
                if ordered:
                    lists[-1][1] += 1
            elif kind == "blockquote_open":
                quote_depth += 1
            elif kind == "blockquote_close":
                quote_depth -= 1
            elif kind == "inline":
                text = tok.content
                heading = i > 0 and tokens[i - 1].type == "heading_open"
                new_block(text, extra_left=4.0 * len(lists))
                fmt = QTextCharFormat(base)
                if heading:
                    fmt.setFontWeight(QFont.Weight.Bold)
                if quote_depth:
                    fmt.setFontItalic(True)
                if pending_prefix:
                    self.text(pending_prefix, fmt)
                    pending_prefix = ""
                self._inline(tok.children or [], fmt)
            elif kind in ("fence", "code_block", "html_block"):
                new_block(tok.content, extra_left=4.0 * len(lists))
                code = QTextCharFormat(base)
                code.setFontFamilies(MONO)
                self.text(tok.content.rstrip("\n"), code)
            elif kind == "hr":
                new_block("")
                self.text("⁂", base)
        if not first_block and bottom:
            fmt = self.cursor.blockFormat()
            fmt.setBottomMargin(_mm(bottom))
            self.cursor.setBlockFormat(fmt)

    def _inline(self, children, base: QTextCharFormat) -> None:
        stack = [base]
        hrefs: list[str] = []
        for child in children:
            kind = child.type
            cur = stack[-1]
            if kind == "text":
                self.text(child.content, cur)
            elif kind == "softbreak":
                self.text(" ", cur)
            elif kind == "hardbreak":
                self.cursor.insertText("\u2028", cur)
            elif kind in ("strong_open", "em_open", "s_open"):
                fmt = QTextCharFormat(cur)
                if kind == "strong_open":
                    fmt.setFontWeight(QFont.Weight.Bold)
                elif kind == "em_open":
                    fmt.setFontItalic(True)
                else:
                    fmt.setFontStrikeOut(True)
                stack.append(fmt)
            elif kind in ("strong_close", "em_close", "s_close"):
                if len(stack) > 1:
                    stack.pop()
            elif kind == "code_inline":
                fmt = QTextCharFormat(cur)
                fmt.setFontFamilies(MONO)
                self.text(child.content, fmt)
            elif kind == "link_open":
                href = child.attrGet("href") or ""
                hrefs.append(href)
                stack.append(QTextCharFormat(cur))
            elif kind == "link_close":
                if len(stack) > 1:
                    stack.pop()
                if hrefs:
                    href = hrefs.pop()
                    muted = QTextCharFormat(stack[-1])
                    muted.setForeground(MUTED)
                    self.text(" (", muted)
                    self.link(href, muted)
                    self.text(")", muted)
            elif kind == "image":
                alt = "".join(c.content for c in (child.children or []) if c.type == "text")
                self.text(f"[image: {alt}]" if alt else "[image]", cur)
            else:  # html_inline etc. never reach here with html disabled; print as text
                self.text(child.content, cur)


# --------------------------------------------------------------------------- content

def _char(families: list[str], size: float, color: QColor = INK, bold: bool = False,
          italic: bool = False) -> QTextCharFormat:
    fmt = QTextCharFormat()
    fmt.setFont(_font(families, size, bold, italic), QTextCharFormat.FontPropertiesInheritanceBehavior.FontPropertiesAll)
    fmt.setForeground(color)
    return fmt


def _title_block(b: _Builder, doc: ExportDocument) -> None:
    title = doc.title or "Clipper export"
    b.block(title, bottom=1.5, char=_char(SANS, 20, bold=True))
    b.text(title, _char(SANS, 20, INK, bold=True))
    meta = _char(SANS, 9.5, MUTED)
    created = format_date(doc.created) or doc.created
    line = f"Exported {created}" if created else "Exported"
    articles, passages = len(doc.articles), doc.passage_count
    line += f"  ·  {articles} article{'s' * (articles != 1)}, {passages} passage{'s' * (passages != 1)}"
    b.block(line, bottom=0.6, char=meta)
    b.text(line, meta)
    if doc.scope:
        b.block(doc.scope, bottom=0.6, char=meta)
        b.text("Scope: ", _char(SANS, 9.5, MUTED, bold=True))
        b.text(doc.scope, meta)
    rule = b.block("", top=1.0, bottom=3.0, char=_char(SANS, 4))
    rule.setProperty(QTextFormat.Property.BlockTrailingHorizontalRulerWidth, 1)
    rule.setForeground(QColor("#c9ccd1"))
    b.cursor.setBlockFormat(rule)


def _citation(b: _Builder, article: ExportArticle, *, size: float = 9.0, left: float = 0.0,
              heading: bool = False) -> None:
    title, source, url = citation_parts(article)
    if article.citation:  # in the export's citation style: it replaces the source line
        source, url = article.citation, ""
    if heading:
        b.block(title, top=5.0, bottom=1.0, left=left, char=_char(SERIF, 13.5, bold=True))
        b.heading_starts()
        b.text(title, _char(SERIF, 13.5, INK, bold=True))
        if article.dek.strip():
            b.block(article.dek, bottom=1.0, left=left, char=_char(SERIF, 10, MUTED, italic=True))
            b.text(" ".join(article.dek.split()), _char(SERIF, 10, MUTED, italic=True))
        meta = _char(SANS, 8.5, MUTED)
        if source:
            b.block(source, bottom=0.4, left=left, char=meta)
            b.text(source, meta)
        if url:
            b.block(url, bottom=1.5, left=left, char=meta)
            b.link(url, meta)
        return
    meta = _char(SANS, size, MUTED)
    b.block(title, top=1.0, bottom=0.0, left=left, char=meta)
    b.text("— ", meta)
    if article.citation:
        b.text(article.citation, meta)
        return
    b.text(title, _char(SANS, size, INK, bold=True))
    if source:
        b.text(". " if title[-1] not in ".?!…" else " ", meta)
        b.text(source, meta)
    if url:
        b.text(". ", meta)
        b.link(url, meta)


def _passage(b: _Builder, passage: ExportPassage, *, tags: list[ExportTag]) -> None:
    bar = _color(passage.color)
    quote = passage.quote.strip() or "(empty passage)"
    quote_fmt = _char(SERIF, 10.5, INK)
    fmt_rtl = first_strong_direction(quote) == "rtl"
    b.block(quote, top=4.0, bottom=PAD_V_MM, left=TEXT_INDENT_MM, right=QUOTE_PAD_MM,
            line_height=1.18, char=quote_fmt)
    b.quote_blocks.append((b.cursor.block().blockNumber(), bar, fmt_rtl))
    b.text(quote, quote_fmt)
    b.heading_ends()
    chip_tags = list(tags)
    if passage.status == "orphaned":
        chip_tags.append(ExportTag("orphaned", "#e0e0e0"))
    if chip_tags:
        chip_fmt = _char(SANS, 7.5, INK, bold=True)
        b.block(quote, top=PAD_V_MM + 0.8, left=TEXT_INDENT_MM, line_height=1.2, char=chip_fmt)
        b.chips(chip_tags, chip_fmt)
    if passage.note.strip():
        b.markdown(passage.note, _char(SANS, 9.0, QColor("#33363b")), left=TEXT_INDENT_MM,
                   top=1.0 if chip_tags else PAD_V_MM + 1.2)


def _build(b: _Builder, doc: ExportDocument) -> None:
    _title_block(b, doc)
    if not doc.articles or not doc.passage_count and doc.group_by == "tag":
        msg = _char(SANS, 10, MUTED, italic=True)
        b.block("", top=6.0, char=msg)
        b.text("Nothing to export: no passages match this scope.", msg)
        if not doc.articles:
            return
    if doc.group_by == "tag":
        for n, (tag, entries) in enumerate(group_by_tag(doc)):
            head = _char(SANS, 13, INK, bold=True)
            b.block(tag.name, top=8.0 if n else 2.0, bottom=1.0, char=head)
            b.heading_starts()
            b.chips([tag], _char(SANS, 13, INK, bold=True))
            count = _char(SANS, 9.5, MUTED)
            b.text(f"   {len(entries)} passage{'s' * (len(entries) != 1)}", count)
            for article, passage in entries:
                others = [t for t in passage.tags if t.name.casefold() != tag.name.casefold()]
                _passage(b, passage, tags=others)
                _citation(b, article, size=8.0, left=TEXT_INDENT_MM)
        return
    for article in doc.articles:
        _citation(b, article, heading=True)
        if article.tags:
            chip_fmt = _char(SANS, 7.5, INK, bold=True)
            b.block(article.title, bottom=1.0, line_height=1.3, char=chip_fmt)
            b.chips(article.tags, chip_fmt)
        if doc.include_article_notes:
            notes = [n for n in article.notes if n.strip()]
            if notes:
                label = _char(SANS, 8, MUTED, bold=True)
                b.block("", top=1.5, char=label)
                b.text("ARTICLE NOTES", label)
                for note in notes:
                    b.markdown(note, _char(SANS, 9.0, QColor("#33363b")), left=0.0, top=0.8)
        for passage in article.passages:
            _passage(b, passage, tags=passage.tags)
        b.heading_ends()  # an article without passages
        b.block("", top=0.0, bottom=2.0, char=_char(SANS, 4))


# --------------------------------------------------------------------------- painting

def _keep_headings(qdoc: QTextDocument, groups: list[tuple[int, int]], page_h: float) -> None:
    """Move a heading to the next page when it would be split from its first passage."""
    layout = qdoc.documentLayout()
    slack = page_h * 0.45  # only a heading in the lower part of a page is moved
    for head_no, tail_no in groups:
        head = qdoc.findBlockByNumber(head_no)
        top = layout.blockBoundingRect(head).top()
        if top % page_h < page_h - slack:
            continue
        tail = qdoc.findBlockByNumber(tail_no)
        bottom = layout.blockBoundingRect(tail).top() + tail.layout().lineAt(0).height() \
            if tail.layout().lineCount() else layout.blockBoundingRect(tail).bottom()
        if int(top // page_h) == int((bottom - 1) // page_h):
            continue  # the heading and the first line of its first passage share a page
        fmt = head.blockFormat()
        fmt.setPageBreakPolicy(QTextFormat.PageBreakFlag.PageBreak_AlwaysBefore)
        QTextCursor(head).setBlockFormat(fmt)


def _quote_panels(qdoc: QTextDocument, blocks, width: float) -> list[tuple]:
    """Laid-out quote backgrounds and bars: (top, bottom, background rect, bar rect, colour)."""
    layout = qdoc.documentLayout()
    bar_w, indent, pad = _mm(BAR_MM), _mm(QUOTE_INDENT_MM), _mm(PAD_V_MM)
    block = qdoc.begin()
    wanted = {number: (color, rtl) for number, color, rtl in blocks}
    panels = []
    while block.isValid():
        found = wanted.get(block.blockNumber())
        if found is not None:
            color, rtl = found
            rect = layout.blockBoundingRect(block)
            # blockBoundingRect excludes the block margins; the quote's bottom margin and
            # the next block's top margin leave room for this padding.
            top, height = rect.top() - pad, rect.height() + 2 * pad
            background = QRectF(0 if rtl else indent, top, width - indent, height)
            bar = QRectF(width - indent - bar_w if rtl else indent, top, bar_w, height)
            panels.append((top, top + height, background, bar, color))
        block = block.next()
    return panels


def _paint_panels(painter: QPainter, panels: list[tuple], tops: list[float],
                  clip: QRectF) -> None:
    # Panels are in document order (sorted by top): start a little before the page.
    first = max(0, bisect.bisect_left(tops, clip.top()) - 1)
    for top, bottom, background, bar, color in panels[first:]:
        if top > clip.bottom():
            break
        if bottom < clip.top():
            continue
        painter.fillRect(background, _tint(color, 0.13))
        painter.fillRect(bar, color)


def render(doc: ExportDocument, page_size: str = "A4", author: str = "Clipper") -> bytes:
    """Render ``doc`` to PDF bytes (A4 or Letter)."""
    ensure_app()
    sizes = {"a4": QPageSize.PageSizeId.A4, "letter": QPageSize.PageSizeId.Letter}
    size_id = sizes.get(str(page_size).strip().lower())
    if size_id is None:
        raise ExportError(f"Unknown page size {page_size!r} (choose A4 or Letter)")

    data = QByteArray()
    buffer = QBuffer(data)
    buffer.open(QIODevice.OpenModeFlag.WriteOnly)
    writer = QPdfWriter(buffer)
    writer.setResolution(DPI)
    writer.setPageLayout(QPageLayout(QPageSize(size_id), QPageLayout.Orientation.Portrait,
                                     QMarginsF(0, 0, 0, 0), QPageLayout.Unit.Millimeter))
    writer.setTitle(doc.title or "Clipper export")
    writer.setAuthor(author)
    writer.setCreator("Clipper")

    page_rect = writer.pageLayout().fullRectPixels(DPI)
    page_w, page_h = float(page_rect.width()), float(page_rect.height())
    margin = _mm(MARGIN_MM)
    content_w, content_h = page_w - 2 * margin, page_h - 2 * margin

    qdoc = _SafeDocument()
    qdoc.documentLayout().setPaintDevice(writer)
    qdoc.setDocumentMargin(0)
    qdoc.setDefaultFont(_font(SANS, 10))
    qdoc.setUndoRedoEnabled(False)
    qdoc.setPageSize(QSizeF(content_w, content_h))
    builder = _Builder(qdoc)
    builder.cursor.beginEditBlock()
    _build(builder, doc)
    builder.cursor.endEditBlock()
    pages = max(1, qdoc.pageCount())

    _keep_headings(qdoc, builder.keep_together, content_h)
    pages = max(1, qdoc.pageCount())
    panels = _quote_panels(qdoc, builder.quote_blocks, content_w)
    tops = [p[0] for p in panels]

    painter = QPainter()
    if not painter.begin(writer):
        raise ExportError("Cannot start the PDF writer")
    try:
        header_font = _font(SANS, 7.5)
        painter.setFont(header_font)
        fm = QFontMetricsF(header_font, writer)
        header_title = fm.elidedText(doc.title or "Clipper export", Qt.TextElideMode.ElideRight,
                                     content_w * 0.62)
        header_right = format_date(doc.created) or ""
        ctx = QAbstractTextDocumentLayout.PaintContext()
        ctx.palette.setColor(QPalette.ColorRole.Text, INK)
        for page in range(pages):
            if page:
                writer.newPage()
            # Header and footer, in the margins.
            painter.setPen(QPen(MUTED))
            painter.setFont(header_font)
            top_base = _mm(HEADER_MM) + fm.ascent()
            if page:  # the first page carries the big title block instead
                painter.drawText(QPointF(margin, top_base), header_title)
                painter.drawText(QPointF(page_w - margin - fm.horizontalAdvance(header_right),
                                         top_base), header_right)
                painter.setPen(QPen(QColor("#d5d8dc"), _mm(0.2)))
                y = top_base + fm.descent() + _mm(1.2)
                painter.drawLine(QPointF(margin, y), QPointF(page_w - margin, y))
                painter.setPen(QPen(MUTED))
            footer = f"Page {page + 1} of {pages}"
            bottom_base = page_h - _mm(HEADER_MM)
            painter.drawText(QPointF(page_w - margin - fm.horizontalAdvance(footer), bottom_base),
                             footer)
            painter.drawText(QPointF(margin, bottom_base), "Clipper")
            # Content.
            painter.save()
            top = page * content_h
            painter.translate(margin, margin - top)
            clip = QRectF(0, top, content_w, content_h)
            painter.setClipRect(clip)
            _paint_panels(painter, panels, tops, clip)
            ctx.clip = clip
            qdoc.documentLayout().draw(painter, ctx)
            painter.restore()
    finally:
        painter.end()
    del writer
    buffer.close()
    return bytes(data.data())


def write(doc: ExportDocument, fh: BinaryIO, page_size: str = "A4") -> None:
    fh.write(render(doc, page_size=page_size))
