"""PDF export rendered with Qt's own PDF writer (the only non-GUI module that imports Qt).

The document is built as *flows* (see the comment above :class:`_Flow`): small
``QTextDocument``s — a heading, an item's head, one passage with its chips and note —
filled block by block with ``QTextCursor`` (user text is always inserted as plain text,
never parsed as HTML). A paginator places them on pages (a passage is never split when
it fits on a page, a heading never ends a page), then each page is painted on a
``QPdfWriter`` drawing only the lines that lie on it, with the header and footer
("Page n of m") in the margins. The coloured bar beside each quote is painted from the
laid-out block rectangles. Plain exports (:func:`render`) and briefings
(:func:`render_briefing`: cover, contents with page numbers, sections, bibliography)
share the engine.

Notes are Markdown: they are parsed with markdown-it-py (raw HTML and entities disabled)
and rebuilt as plain-text runs with bold/italic/code formats; links print as
``text (url)`` and images as ``[image: alt]``. Nothing is ever loaded:
``loadResource`` refuses every URL.
"""
from __future__ import annotations

import functools
import os
from dataclasses import dataclass, field
from typing import BinaryIO

from markdown_it import MarkdownIt
from PySide6.QtCore import QBuffer, QByteArray, QIODevice, QMarginsF, QPointF, QRectF, Qt
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

@functools.lru_cache(maxsize=1)
def _markdown_parser() -> MarkdownIt:
    md = MarkdownIt("commonmark", {"html": False}).disable(["entity"])
    md.enable("strikethrough")
    return md


@functools.lru_cache(maxsize=512)
def _parse_markdown(source: str) -> tuple:
    """Parsed note tokens (read-only here), cached: a briefing prints a passage's note under
    every tag it carries."""
    return tuple(_markdown_parser().parse(source))


class _Builder:
    """Appends blocks to a document through one cursor; every string goes in as text."""

    def __init__(self, doc: QTextDocument):
        self.doc = doc
        self.cursor = QTextCursor(doc)
        self.first = True
        self.quote_blocks: list[tuple[int, QColor, bool]] = []  # (block number, colour, rtl)
        self.md = _markdown_parser()

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
        tokens = _parse_markdown(source)
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
    """A character format (a fresh copy of a cached one: callers may change it)."""
    return QTextCharFormat(_cached_char(tuple(families), size, color.rgba(), bold, italic))


@functools.lru_cache(maxsize=256)
def _cached_char(families: tuple, size: float, rgba: int, bold: bool, italic: bool) -> QTextCharFormat:
    color = QColor.fromRgba(rgba)
    families = SANS if families == tuple(SANS) else SERIF if families == tuple(SERIF) else list(families)
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


def _plain_flows(doc: ExportDocument, f: "_FlowFactory") -> list["_Flow"]:
    """The plain (non-briefing) export as flows: title block, then articles or tag groups;
    each passage (with its chips, note and, by tag, its citation) is one keep-together flow."""
    flows: list[_Flow] = []
    qdoc, b = f.new()
    _title_block(b, doc)
    if not doc.articles or not doc.passage_count and doc.group_by == "tag":
        msg = _char(SANS, 10, MUTED, italic=True)
        b.block("", top=6.0, char=msg)
        b.text("Nothing to export: no passages match this scope.", msg)
    flows.append(f.done(qdoc, b))
    if not doc.articles:
        return flows
    if doc.group_by == "tag":
        for n, (tag, entries) in enumerate(group_by_tag(doc)):
            qdoc, b = f.new()
            head = _char(SANS, 13, INK, bold=True)
            b.block(tag.name, top=0.0, bottom=1.0, char=head)
            b.chips([tag], _char(SANS, 13, INK, bold=True))
            count = _char(SANS, 9.5, MUTED)
            b.text(f"   {len(entries)} passage{'s' * (len(entries) != 1)}", count)
            flows.append(f.done(qdoc, b, keep_with_next=True, space_before=_mm(8.0 if n else 2.0)))
            for article, passage in entries:
                qdoc, b = f.new()
                others = [t for t in passage.tags if t.name.casefold() != tag.name.casefold()]
                _passage(b, passage, tags=others)
                _citation(b, article, size=8.0, left=TEXT_INDENT_MM)
                flows.append(f.done(qdoc, b, keep_together=True, space_before=_mm(3.5)))
        return flows
    for article in doc.articles:
        qdoc, b = f.new()
        _citation(b, article, heading=True)
        if article.tags:
            chip_fmt = _char(SANS, 7.5, INK, bold=True)
            b.block(article.title, bottom=1.0, line_height=1.3, char=chip_fmt)
            b.chips(article.tags, chip_fmt)
        flows.append(f.done(qdoc, b, keep_together=True, keep_with_next=bool(article.passages),
                            space_before=_mm(5.0)))
        if doc.include_article_notes:
            notes = [n for n in article.notes if n.strip()]
            if notes:
                qdoc, b = f.new()
                label = _char(SANS, 8, MUTED, bold=True)
                b.block("", top=0.0, char=label)
                b.text("ARTICLE NOTES", label)
                for note in notes:
                    b.markdown(note, _char(SANS, 9.0, QColor("#33363b")), left=0.0, top=0.8)
                flows.append(f.done(qdoc, b, keep_together=True, keep_with_next=bool(article.passages),
                                    space_before=_mm(1.5)))
        for passage in article.passages:
            qdoc, b = f.new()
            _passage(b, passage, tags=passage.tags)
            flows.append(f.done(qdoc, b, keep_together=True, space_before=_mm(3.5)))
    return flows


# --------------------------------------------------------------------------- painting

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



def render(doc: ExportDocument, page_size: str = "A4", author: str = "Clipper") -> bytes:
    """Render ``doc`` to PDF bytes (A4 or Letter)."""
    out = _PdfOut(page_size, doc.title or "Clipper export", author)
    flows = _plain_flows(doc, _FlowFactory(out.writer, out.content_w))
    return out.finish(flows, header_right=format_date(doc.created) or "")


def write(doc: ExportDocument, fh: BinaryIO, page_size: str = "A4") -> None:
    fh.write(render(doc, page_size=page_size))


# =========================================================================== briefing
#
# The briefing is laid out as a list of *flows*: small QTextDocuments (a heading, an item's
# head, one passage with its chips and note, a comment, a bibliography entry), each laid
# out at the content width with no page size. A paginator places them on pages with three
# rules: a flow marked keep-together (a passage, an item head) moves whole to the next
# page when it does not fit in what is left of this one but fits on a page; a flow marked
# keep-with-next (a heading) goes to the next page unless the next flow (whole when it
# keeps together, else its first line) fits after it; a flow taller than a page is split
# between lines. Each page then draws only the lines that lie on it, so no line is ever
# printed on two pages.

BRIEF_GAP_MM = 1.2  # between flows


@dataclass
class _Flow:
    qdoc: QTextDocument
    height: float
    keep_together: bool = False
    keep_with_next: bool = False
    page_break_before: bool = False
    space_before: float = 0.0  # device units, dropped at the top of a page
    panels: list = field(default_factory=list)  # quote panels (see _quote_panels)
    box: QColor | None = None  # a background behind the whole flow (comment blocks)
    box_bar: QColor | None = None
    section: int = 0  # a section heading: its number (for the contents' page numbers)
    toc_entry: int = 0  # a contents line: the section whose page number it shows
    toc_font: QFont | None = None
    rule: QColor | None = None  # a coloured rule under the flow (section headings)
    _breaks: list[tuple[float, float]] | None = None

    def lines(self) -> list[tuple[float, float]]:
        """(top, bottom) of every laid-out line, in flow coordinates."""
        if self._breaks is None:
            layout = self.qdoc.documentLayout()
            out = []
            block = self.qdoc.begin()
            while block.isValid():
                rect = layout.blockBoundingRect(block)
                tl = block.layout()
                for i in range(tl.lineCount()):
                    line = tl.lineAt(i)
                    top = rect.top() + line.y()
                    out.append((top, top + line.height()))
                block = block.next()
            self._breaks = out or [(0.0, self.height)]
        return self._breaks

    def first_line_bottom(self) -> float:
        return min(self.height, self.lines()[0][1] + _mm(PAD_V_MM))


@dataclass
class _Placed:
    flow: _Flow
    y: float  # top on the page (content coordinates)
    start: float  # part of the flow shown: [start, end)
    end: float


class _FlowFactory:
    """Makes flows that share the writer (for font metrics) and the content width."""

    def __init__(self, writer, width: float):
        self.writer = writer
        self.width = width
        self._shared: dict = {}

    def shared(self, key, make) -> _Flow:
        """The flow for ``key``, made once."""
        flow = self._shared.get(key)
        if flow is None:
            flow = self._shared[key] = make()
        return flow

    def new(self) -> tuple[QTextDocument, _Builder]:
        qdoc = _SafeDocument()
        qdoc.documentLayout().setPaintDevice(self.writer)
        qdoc.setDocumentMargin(0)
        qdoc.setDefaultFont(_font(SANS, 10))
        qdoc.setUndoRedoEnabled(False)
        qdoc.setTextWidth(self.width)
        # Room above the first block for a quote panel's top padding (a document drops
        # its first block's top margin).
        frame = qdoc.rootFrame().frameFormat()
        frame.setTopMargin(_mm(PAD_V_MM) * 96 / DPI)  # the layout scales margins by dpi/96
        qdoc.rootFrame().setFrameFormat(frame)
        builder = _Builder(qdoc)
        builder.cursor.beginEditBlock()  # lay out once, in done(), not after every insert
        return qdoc, builder

    def done(self, qdoc: QTextDocument, builder: _Builder, **flags) -> _Flow:
        builder.cursor.endEditBlock()
        height = qdoc.documentLayout().documentSize().height()
        flow = _Flow(qdoc=qdoc, height=height, **flags)
        if builder.quote_blocks:
            flow.panels = _quote_panels(qdoc, builder.quote_blocks, self.width)
        return flow


def _runs_into(b: _Builder, runs, base: QTextCharFormat) -> None:
    for text, italic, bold in runs:
        fmt = QTextCharFormat(base)
        if italic:
            fmt.setFontItalic(True)
        if bold:
            fmt.setFontWeight(QFont.Weight.Bold)
        b.text(text, fmt)


def _briefing_flows(bdoc, f: _FlowFactory) -> list[_Flow]:
    from clipper.export import briefing as bm

    flows: list[_Flow] = []
    gap = _mm(BRIEF_GAP_MM)
    sections = bdoc.sections
    after_front = False  # the first section after a cover/contents starts a new page
    for block in bdoc.blocks:
        if isinstance(block, bm.Cover):
            qdoc, b = f.new()
            b.block("", top=0, bottom=0, char=_char(SANS, 10))
            b.block(block.title, top=22.0, bottom=2.0, char=_char(SERIF, 28, bold=True))  # block margins scale by dpi/96
            b.text(block.title, _char(SERIF, 28, INK, bold=True))
            if block.subtitle:
                b.block(block.subtitle, bottom=5.0, char=_char(SANS, 14))
                b.text(block.subtitle, _char(SANS, 14, INK))
            rule = b.block("", top=1.0, bottom=5.0, char=_char(SANS, 4))
            rule.setProperty(QTextFormat.Property.BlockTrailingHorizontalRulerWidth, 2)
            rule.setForeground(INK)
            b.cursor.setBlockFormat(rule)
            for line in block.lines:
                b.block(line, bottom=1.5, char=_char(SANS, 11, MUTED))
                b.text(line, _char(SANS, 11, MUTED))
            flows.append(f.done(qdoc, b, keep_together=True))
            after_front = True
        elif isinstance(block, bm.Toc):
            if not sections:
                continue
            qdoc, b = f.new()
            b.block(block.title, bottom=4.0, char=_char(SANS, 18, bold=True))
            b.text(block.title, _char(SANS, 18, INK, bold=True))
            flows.append(f.done(qdoc, b, keep_with_next=True, page_break_before=bool(flows)))
            entry_font = _font(SANS, 10.5)
            for s in sections:
                qdoc, b = f.new()
                label = f"{s.number}.  {s.title}"
                b.block(label, top=0.0, bottom=1.2, right=18.0, char=_char(SANS, 10.5))
                b.text(label, _char(SANS, 10.5, INK))
                flows.append(f.done(qdoc, b, keep_together=True, toc_entry=s.number,
                                    toc_font=entry_font))
            after_front = True
        elif isinstance(block, bm.SectionBlock):
            qdoc, b = f.new()
            color = _color(block.color, "#c9ccd1")
            head = _char(SANS, 16, INK, bold=True)
            b.block(block.title, top=0.0, bottom=4.0, char=head)
            b.text(block.title, head)
            flows.append(f.done(qdoc, b, keep_with_next=True, section=block.number, rule=color,
                                page_break_before=after_front, space_before=_mm(7.0)))
            after_front = False
            for child in block.children:
                if isinstance(child, bm.ItemBlock):
                    flows += _item_flows(child, f)
                elif isinstance(child, bm.Paragraph):
                    qdoc, b = f.new()
                    b.block("", bottom=1.0, char=_char(SANS, 10))
                    _runs_into(b, child.runs, _char(SANS, 10, INK))
                    flows.append(f.done(qdoc, b, space_before=gap))
                elif isinstance(child, bm.Heading):
                    qdoc, b = f.new()
                    b.block(child.text, bottom=1.0, char=_char(SANS, 12, bold=True))
                    b.text(child.text, _char(SANS, 12, INK, bold=True))
                    flows.append(f.done(qdoc, b, keep_with_next=True, space_before=_mm(4)))
        elif isinstance(block, bm.BibliographyBlock):
            if not block.entries:
                continue
            qdoc, b = f.new()
            b.block(block.title, bottom=3.0, char=_char(SANS, 16, bold=True))
            b.text(block.title, _char(SANS, 16, INK, bold=True))
            flows.append(f.done(qdoc, b, keep_with_next=True, page_break_before=True))
            for entry in block.entries:
                qdoc, b = f.new()
                fmt = b.block("".join(t for t, _, _ in entry), bottom=2.0, left=8.0, char=_char(SERIF, 10))
                fmt.setTextIndent(-_mm(8.0))
                b.cursor.setBlockFormat(fmt)
                _runs_into(b, entry, _char(SERIF, 10, INK))
                flows.append(f.done(qdoc, b, keep_together=True))
        elif isinstance(block, bm.Heading):
            qdoc, b = f.new()
            b.block(block.text, bottom=2.0, char=_char(SANS, 14, bold=True))
            b.text(block.text, _char(SANS, 14, INK, bold=True))
            flows.append(f.done(qdoc, b, keep_with_next=True, space_before=_mm(5)))
        elif isinstance(block, bm.Paragraph):
            qdoc, b = f.new()
            b.block("", bottom=1.0, char=_char(SANS, 10))
            _runs_into(b, block.runs, _char(SANS, 10, INK))
            flows.append(f.done(qdoc, b, space_before=gap))
        elif isinstance(block, bm.ItemBlock):
            flows += _item_flows(block, f)
    return flows


def _item_flows(item, f: _FlowFactory) -> list[_Flow]:
    """An item's flows. Flows are read-only once laid out, so an item head, comment or
    passage printed again (a passage under each of its tags) reuses the same flow."""
    flows: list[_Flow] = []
    head_key = ("head", item.headline, item.meta, tuple(item.citation), item.also)
    if item.headline or item.meta or item.citation or item.also:
        flows.append(f.shared(head_key, lambda: _item_head(item, f)))
    for comment in item.comments:
        flows.append(f.shared(("comment", comment), lambda: _comment_flow(comment, f)))
    for p in item.passages:
        key = ("passage", p.quote, p.color, tuple((t.name, t.color) for t in p.chips), p.note)
        flows.append(f.shared(key, lambda: _passage_flow(p, f)))
    for para in item.extra:
        qdoc, b = f.new()
        b.block("", bottom=1.0, char=_char(SANS, 10))
        _runs_into(b, para.runs, _char(SANS, 10, INK))
        flows.append(f.done(qdoc, b))
    return flows


def _item_head(item, f: _FlowFactory) -> _Flow:
    qdoc, b = f.new()
    if item.headline:
        b.block(item.headline, top=0.0, bottom=1.0, char=_char(SERIF, 13, bold=True))
        b.text(item.headline, _char(SERIF, 13, INK, bold=True))
    meta = _char(SANS, 8.5, MUTED)
    if item.meta:
        b.block(item.meta, bottom=0.5, char=meta)
        b.text(item.meta, meta)
    if item.citation:
        b.block("".join(t for t, _, _ in item.citation), bottom=0.5, char=meta)
        _runs_into(b, item.citation, meta)
    if item.also:
        also = _char(SANS, 8.5, QColor("#7a4f00"), italic=True)
        b.block(item.also, bottom=0.5, char=also)
        b.text(item.also, also)
    return f.done(qdoc, b, keep_together=True, keep_with_next=True, space_before=_mm(5.0))


def _comment_flow(comment: str, f: _FlowFactory) -> _Flow:
    qdoc, b = f.new()
    label = _char(SANS, 7, QColor("#5b6f94"), bold=True)
    b.block("", top=2.0, left=3.0, right=3.0, char=label)
    b.text("ANALYST COMMENT", label)
    b.markdown(comment, _char(SANS, 9.0, QColor("#22324d")), left=3.0, top=0.6, bottom=2.0)
    return f.done(qdoc, b, keep_together=True, box=QColor("#eef3fb"), box_bar=QColor("#8aa4cf"),
                  space_before=_mm(2.0))


def _passage_flow(p, f: _FlowFactory) -> _Flow:
    qdoc, b = f.new()
    passage = ExportPassage(id=0, article_id=0, start=0, end=0, quote=p.quote, color=p.color, note=p.note)
    _passage(b, passage, tags=list(p.chips))
    # The passage's last block gets a little room below (the panel pad + gap).
    fmt = b.cursor.blockFormat()
    fmt.setBottomMargin(max(fmt.bottomMargin(), _mm(PAD_V_MM)))
    b.cursor.setBlockFormat(fmt)
    return f.done(qdoc, b, keep_together=True, space_before=_mm(3.0))


def paginate(flows: list[_Flow], page_h: float) -> list[list[_Placed]]:
    """Place flows on pages (see the comment above :class:`_Flow`)."""
    pages: list[list[_Placed]] = [[]]
    y = 0.0

    def need(i: int) -> float:
        """Height needed at the top of this placement so that flow i's keep rules hold."""
        total = 0.0
        j = i
        while True:
            fl = flows[j]
            last = not fl.keep_with_next or j + 1 >= len(flows)
            whole = fl.keep_together and fl.height <= page_h
            if last:
                total += fl.height if whole else fl.first_line_bottom()
                return total
            total += fl.height
            j += 1
            total += flows[j].space_before

    for i, fl in enumerate(flows):
        if fl.page_break_before and pages[-1]:
            pages.append([])
            y = 0.0
        space = fl.space_before if pages[-1] else 0.0
        if pages[-1] and y + space + need(i) > page_h:
            pages.append([])
            y, space = 0.0, 0.0
        y += space
        start = 0.0
        while True:
            room = page_h - y
            if fl.height - start <= room:
                pages[-1].append(_Placed(fl, y, start, fl.height))
                y += fl.height - start
                break
            # Split between lines: the last line that ends inside the room.
            cut = start
            for top, bottom in fl.lines():
                if top < start - 0.5:
                    continue
                if bottom - start <= room:
                    cut = bottom
                else:
                    break
            if cut <= start:  # not even one line fits here
                if pages[-1] and y > 0:
                    pages.append([])
                    y = 0.0
                    continue
                cut = start + room  # a single line taller than a page: cut it
            pages[-1].append(_Placed(fl, y, start, cut))
            # The next part starts at the next line's top.
            nxt = next((top for top, _ in fl.lines() if top >= cut - 0.5), fl.height)
            start = nxt
            pages.append([])
            y = 0.0
    if not pages[-1] and len(pages) > 1:
        pages.pop()
    return pages


class _PdfOut:
    """A QPdfWriter on a memory buffer, and the painting of paginated flows onto it."""

    def __init__(self, page_size: str, title: str, author: str):
        ensure_app()
        sizes = {"a4": QPageSize.PageSizeId.A4, "letter": QPageSize.PageSizeId.Letter}
        size_id = sizes.get(str(page_size).strip().lower())
        if size_id is None:
            raise ExportError(f"Unknown page size {page_size!r} (choose A4 or Letter)")
        self.title = title
        self.data = QByteArray()
        self.buffer = QBuffer(self.data)
        self.buffer.open(QIODevice.OpenModeFlag.WriteOnly)
        writer = self.writer = QPdfWriter(self.buffer)
        writer.setResolution(DPI)
        writer.setPageLayout(QPageLayout(QPageSize(size_id), QPageLayout.Orientation.Portrait,
                                         QMarginsF(0, 0, 0, 0), QPageLayout.Unit.Millimeter))
        writer.setTitle(title)
        writer.setAuthor(author or "Clipper")
        writer.setCreator("Clipper")
        page_rect = writer.pageLayout().fullRectPixels(DPI)
        self.page_w, self.page_h = float(page_rect.width()), float(page_rect.height())
        self.margin = _mm(MARGIN_MM)
        self.content_w = self.page_w - 2 * self.margin
        self.content_h = self.page_h - 2 * self.margin

    def finish(self, flows: list[_Flow], header_right: str = "") -> bytes:
        pages = paginate(flows, self.content_h)
        section_page: dict[int, int] = {}
        for n, placed in enumerate(pages):
            for p in placed:
                if p.flow.section and p.flow.section not in section_page:
                    section_page[p.flow.section] = n + 1
        writer, margin, content_w = self.writer, self.margin, self.content_w
        painter = QPainter()
        if not painter.begin(writer):
            raise ExportError("Cannot start the PDF writer")
        try:
            header_font = _font(SANS, 7.5)
            fm = QFontMetricsF(header_font, writer)
            header_title = fm.elidedText(self.title, Qt.TextElideMode.ElideRight, content_w * 0.62)
            total = len(pages)
            ctx = QAbstractTextDocumentLayout.PaintContext()
            ctx.palette.setColor(QPalette.ColorRole.Text, INK)
            inset = 0.75  # keeps a line that ends exactly at a cut off the other page
            for n, placed in enumerate(pages):
                if n:
                    writer.newPage()
                painter.setFont(header_font)
                painter.setPen(QPen(MUTED))
                top_base = _mm(HEADER_MM) + fm.ascent()
                if n:  # the first page carries the title block or the cover instead
                    painter.drawText(QPointF(margin, top_base), header_title)
                    if header_right:
                        painter.drawText(QPointF(self.page_w - margin - fm.horizontalAdvance(header_right),
                                                 top_base), header_right)
                    painter.setPen(QPen(QColor("#d5d8dc"), _mm(0.2)))
                    y = top_base + fm.descent() + _mm(1.2)
                    painter.drawLine(QPointF(margin, y), QPointF(self.page_w - margin, y))
                    painter.setPen(QPen(MUTED))
                footer = f"Page {n + 1} of {total}"
                bottom_base = self.page_h - _mm(HEADER_MM)
                painter.drawText(QPointF(self.page_w - margin - fm.horizontalAdvance(footer), bottom_base),
                                 footer)
                painter.drawText(QPointF(margin, bottom_base), "Clipper")
                for p in placed:
                    self._draw(painter, ctx, p, inset, section_page)
        finally:
            painter.end()
        del self.writer
        self.buffer.close()
        return bytes(self.data.data())

    def _draw(self, painter: QPainter, ctx, p: _Placed, inset: float, section_page: dict) -> None:
        fl, content_w = p.flow, self.content_w
        painter.save()
        painter.translate(self.margin, self.margin + p.y - p.start)
        clip = QRectF(0, p.start, content_w, p.end - p.start)
        if fl.box is not None:
            painter.save()
            painter.setClipRect(clip)
            painter.fillRect(QRectF(0, 0, content_w, fl.height), fl.box)
            painter.fillRect(QRectF(0, 0, _mm(0.9), fl.height), fl.box_bar)
            painter.restore()
        if fl.panels:
            painter.save()
            painter.setClipRect(clip)
            for _top, _bottom, background, bar, color in fl.panels:
                painter.fillRect(background, _tint(color, 0.13))
                painter.fillRect(bar, color)
            painter.restore()
        if fl.rule is not None and p.end >= fl.height:
            painter.fillRect(QRectF(0, fl.height - _mm(1.6), content_w, _mm(0.8)), fl.rule)
        # Only the lines inside [start, end) are drawn: a line is never printed on two pages.
        text_clip = clip.adjusted(0, inset, 0, -inset)
        painter.setClipRect(text_clip)
        ctx.clip = text_clip
        fl.qdoc.documentLayout().draw(painter, ctx)
        if fl.toc_entry:
            self._toc_number(painter, fl, str(section_page.get(fl.toc_entry, "")))
        painter.restore()

    def _toc_number(self, painter: QPainter, fl: _Flow, number: str) -> None:
        content_w = self.content_w
        font = fl.toc_font or _font(SANS, 10.5)
        painter.setFont(font)
        painter.setPen(QPen(INK))
        metrics = QFontMetricsF(font, self.writer)
        first = fl.qdoc.begin()
        rect = fl.qdoc.documentLayout().blockBoundingRect(first)
        tl = first.layout()
        line = tl.lineAt(tl.lineCount() - 1)  # the number sits on the entry's last line
        baseline = rect.top() + line.y() + line.ascent()
        number_x = content_w - metrics.horizontalAdvance(number)
        painter.drawText(QPointF(number_x, baseline), number)
        end_x = line.x() + line.naturalTextWidth() + _mm(2)
        if end_x < number_x - _mm(4):  # a dotted leader from the title to the number
            painter.setPen(QPen(QColor("#b0b4ba"), _mm(0.25), Qt.PenStyle.DotLine))
            painter.drawLine(QPointF(end_x, baseline), QPointF(number_x - _mm(2), baseline))


def render_briefing(bdoc, page_size: str = "A4", author: str | None = None) -> bytes:
    """Render a :class:`clipper.export.briefing.BriefingDocument` to PDF bytes."""
    out = _PdfOut(page_size, bdoc.title or "Briefing", author or bdoc.author or "Clipper")
    flows = _briefing_flows(bdoc, _FlowFactory(out.writer, out.content_w))
    return out.finish(flows)


def write_briefing(doc: ExportDocument, fh: BinaryIO, page_size: str = "A4", briefing=None) -> None:
    from clipper.export.briefing import briefing_document

    fh.write(render_briefing(briefing_document(doc, briefing), page_size=page_size))
