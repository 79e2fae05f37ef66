"""The reader: an article's clean text (plain text, never HTML) with its passages painted.

Imported text is put into the document with ``QTextCursor.insertText`` only, so markup in
an article (``<img src=...>``) is shown as the characters it is and nothing is ever loaded;
``loadResource`` is overridden to refuse anything anyway. Qt positions are UTF-16 units and
stored offsets are code points: every conversion goes through clipper.anchoring.
"""
from __future__ import annotations

import html

import re

from PySide6.QtCore import QEvent, QRectF, Qt, Signal
from PySide6.QtGui import (QAction, QColor, QFont, QPainter, QPalette, QTextBlockFormat, QTextCharFormat, QTextCursor,
                           QTextDocument, QTextFormat)
from PySide6.QtWidgets import QHBoxLayout, QLabel, QLineEdit, QSizePolicy, QTextEdit, QToolButton, QVBoxLayout, QWidget

from clipper.anchoring import codepoint_to_utf16, sentence_at, snap_to_words, utf16_to_codepoint
from clipper.models import Article, Passage
from clipper.gui.util import is_web_url, open_web_link, plain_label, qcolor

HIGHLIGHT_ALPHA = 70  # a light wash; each passage also gets its own underline bar
BAR = 3  # px: the height of a passage's underline bar; overlapping passages stack theirs
HEADING_MAX_WORDS = 12


def lanes(passages) -> dict[int, int]:
    """A lane (0, 1, 2…) per passage so that overlapping passages never share one: their
    underline bars are drawn one below the other, each in its own colour."""
    out: dict[int, int] = {}
    ends: list[int] = []  # per lane: where its last passage ends
    for p in sorted(passages, key=lambda p: (p.start, -(p.end - p.start), p.id)):
        lane = next((i for i, e in enumerate(ends) if e <= p.start), len(ends))
        if lane == len(ends):
            ends.append(p.end)
        else:
            ends[lane] = p.end
        out[p.id] = lane
    return out


def is_heading(paragraph: str) -> bool:
    """A kept section heading: a short line without a sentence end mark."""
    words = paragraph.split()
    return 0 < len(words) <= HEADING_MAX_WORDS and "\n" not in paragraph.strip() and \
        not re.search(r"[.!?:;,…\"”]$", paragraph.strip())


class ReaderView(QTextEdit):
    selection_ready = Signal()  # the mouse let go of a non-empty selection
    tag_selection_requested = Signal()  # "Highlight with tag…" (menu or the T key)
    passage_clicked = Signal(int)
    edit_passage_requested = Signal(int)
    delete_passage_requested = Signal(int)
    tag_passage_requested = Signal(int)
    move_passage_requested = Signal(int)

    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent)
        self.setReadOnly(True)
        self.setAcceptRichText(False)
        self.setUndoRedoEnabled(False)
        self.setTextInteractionFlags(Qt.TextSelectableByMouse | Qt.TextSelectableByKeyboard)
        self.setLineWrapMode(QTextEdit.WidgetWidth)
        self.document().setDocumentMargin(18)
        self.setObjectName("reader")
        self.article: Article | None = None
        self.passages: list[Passage] = []
        self.current_passage: int | None = None
        self.zoom_steps = 0
        self.search_terms: list[str] = []
        self._lanes: dict[int, int] = {}
        self._bmp = True  # the article has no character beyond U+FFFF: offsets are the same in UTF-16
        self._bars_version = 0  # bumped when the passages change: the cached bars are stale
        self._bars: tuple | None = None  # (key, [(rect in document coordinates, colour)])
        font = self.font()
        font.setPointSizeF(max(font.pointSizeF(), 10.0) + 1.5)
        self.setFont(font)

    # ---- safety: nothing is ever loaded ------------------------------------------------------
    def loadResource(self, type_, name):  # noqa: N802 - Qt override
        return None

    def insertFromMimeData(self, source):  # noqa: N802 - read-only, but be explicit
        return

    # ---- content ---------------------------------------------------------------------------
    def set_article(self, article: Article | None, passages: list[Passage] = ()) -> None:
        self.article = article
        self._bmp = article is None or not article.text or max(article.text) <= "\uffff"
        self.current_passage = None
        doc = self.document()
        doc.clear()
        if article is None:
            self.passages = []
            self.setExtraSelections([])
            return
        cursor = QTextCursor(doc)
        block = QTextBlockFormat()
        block.setLineHeight(135, 1)  # 1 = ProportionalHeight
        cursor.setBlockFormat(block)
        text = article.text.replace("\r", " ")
        cursor.insertText(text, QTextCharFormat())
        # "\n\n" between paragraphs makes empty blocks: keep them (positions must stay equal
        # to the text's UTF-16 offsets) but make them a small gap instead of a full line.
        gap = QTextBlockFormat()
        gap.setLineHeight(8, 2)  # 2 = FixedHeight
        heading = QTextCharFormat()
        heading.setFontWeight(QFont.DemiBold)
        heading.setFontPointSize(self.font().pointSizeF() * 1.12)
        heading_block = QTextBlockFormat()
        heading_block.setTopMargin(10)
        heading_block.setLineHeight(135, 1)
        b = doc.begin()
        first = True
        while b.isValid():
            if b.length() <= 1:
                c = QTextCursor(b)
                c.setBlockFormat(gap)
            else:
                if not first and is_heading(b.text()):  # section headings look like headings
                    c = QTextCursor(b)
                    c.setBlockFormat(heading_block)
                    c.movePosition(QTextCursor.StartOfBlock)
                    c.movePosition(QTextCursor.EndOfBlock, QTextCursor.KeepAnchor)
                    c.mergeCharFormat(heading)
                first = False
            b = b.next()
        self.moveCursor(QTextCursor.Start)
        self.set_passages(passages)

    def set_passages(self, passages, current: int | None = None) -> None:
        self.passages = [p for p in passages]
        if current is not None:
            self.current_passage = current
        self._paint()

    def _utf16(self, cp: int) -> int:
        text = self.article.text if self.article else ""
        cp = max(0, min(cp, len(text)))
        return cp if self._bmp else codepoint_to_utf16(text, cp)

    def set_search_terms(self, terms) -> None:
        """Words a search matched: marked wherever they occur in the article."""
        self.search_terms = [t for t in dict.fromkeys(t.strip() for t in terms or ()) if t]
        self._paint()

    def _term_selections(self) -> list:
        if not self.search_terms or self.article is None:
            return []
        text = self.article.text
        pattern = re.compile("|".join(r"\b" + re.escape(t) for t in sorted(self.search_terms, key=len, reverse=True)),
                             re.IGNORECASE)
        link = self.palette().color(QPalette.Link)
        out = []
        for m in pattern.finditer(text):
            end = m.end()
            while end < len(text) and text[end].isalnum():  # the whole word: "missile" marks "missiles"
                end += 1
            sel = QTextEdit.ExtraSelection()
            cursor = QTextCursor(self.document())
            cursor.setPosition(self._utf16(m.start()))
            cursor.setPosition(self._utf16(end), QTextCursor.KeepAnchor)
            sel.cursor = cursor
            fmt = QTextCharFormat()
            bg = QColor(link)
            bg.setAlpha(55)
            fmt.setBackground(bg)
            fmt.setFontOverline(True)
            fmt.setProperty(QTextFormat.UserProperty + 2, True)
            sel.format = fmt
            out.append(sel)
        return out

    def _anchored(self):
        return [p for p in self.passages
                if p.status == "anchored" and p.start is not None and p.end is not None and p.end > p.start]

    def _paint(self) -> None:
        selections = []
        self._lanes = lanes(self._anchored())
        self._bars_version += 1
        for p in self._anchored():
            sel = QTextEdit.ExtraSelection()
            cursor = QTextCursor(self.document())
            cursor.setPosition(self._utf16(p.start))
            cursor.setPosition(self._utf16(p.end), QTextCursor.KeepAnchor)
            sel.cursor = cursor
            fmt = QTextCharFormat()
            # the current passage (clicked, chosen in the list) gets a stronger wash
            fmt.setBackground(qcolor(p.color, HIGHLIGHT_ALPHA * 2 if p.id == self.current_passage else HIGHLIGHT_ALPHA))
            fmt.setProperty(QTextFormat.UserProperty + 1, p.id)
            sel.format = fmt
            selections.append(sel)
        self.setExtraSelections(selections + self._term_selections())
        self.viewport().update()

    def paintEvent(self, event):  # noqa: N802 - the passages' underline bars, stacked when they overlap
        super().paintEvent(event)
        if not self._lanes or self.article is None:
            return
        painter = QPainter(self.viewport())
        dx, dy = -self.horizontalScrollBar().value(), -self.verticalScrollBar().value()
        visible = QRectF(event.rect())
        try:
            for rect, color in self._bar_rects():
                rect = rect.translated(dx, dy)
                if rect.intersects(visible):
                    painter.fillRect(rect, color)
        finally:
            painter.end()

    def _bar_rects(self) -> list:
        """The underline bars in document coordinates, measured once per layout (a paint
        happens on every cursor move; measuring each passage's lines then cost milliseconds)."""
        doc = self.document()
        size = doc.size()  # lays the document out if it must; a new width or font changes it
        key = (self._bars_version, size.width(), size.height(), self.viewport().width())
        if self._bars is not None and self._bars[0] == key:
            return self._bars[1]
        bars = []
        for p in self._anchored():
            lane = self._lanes.get(p.id, 0)
            color = qcolor(p.color)
            a, b = self._utf16(p.start), self._utf16(p.end)
            block = doc.findBlock(a)
            while block.isValid() and block.position() < b:
                layout = block.layout()
                origin = layout.position()
                for i in range(layout.lineCount()):
                    line = layout.lineAt(i)
                    ls = block.position() + line.textStart()
                    le = ls + line.textLength()
                    s0, s1 = max(a, ls), min(b, le)
                    if s1 <= s0:
                        continue
                    x0 = line.cursorToX(s0 - block.position())[0]
                    x1 = line.cursorToX(s1 - block.position())[0]
                    y = origin.y() + line.y() + line.ascent() + line.descent() + 1 + lane * (BAR + 1)
                    bars.append((QRectF(origin.x() + x0, y, max(1.0, x1 - x0), BAR), color))
                block = block.next()
        self._bars = (key, bars)
        return bars

    # ---- selection <-> offsets ------------------------------------------------------------------
    def selection_span(self) -> tuple[int, int] | None:
        """The selected span as code-point offsets into the article text (None: nothing selected)."""
        if self.article is None:
            return None
        cursor = self.textCursor()
        if not cursor.hasSelection():
            return None
        text = self.article.text
        start = utf16_to_codepoint(text, min(cursor.selectionStart(), self._utf16_len()))
        end = utf16_to_codepoint(text, min(cursor.selectionEnd(), self._utf16_len()))
        # Whole words, no surrounding space: a drag ending mid-word takes the whole word.
        start, end = snap_to_words(text, start, end)
        return (start, end) if end > start else None

    def select_sentence(self) -> bool:
        """Select the sentence at the cursor (the S key)."""
        if self.article is None:
            return False
        cp = utf16_to_codepoint(self.article.text, min(self.textCursor().position(), self._utf16_len()))
        start, end = sentence_at(self.article.text, cp)
        if end <= start:
            return False
        self.select_span(start, end)
        return True

    def _utf16_len(self) -> int:
        return len(self.article.text.encode("utf-16-le", "surrogatepass")) // 2 if self.article else 0

    def select_span(self, start: int, end: int) -> None:
        """Select code-point offsets ``start``..``end`` (keyboard users, tests, search hits)."""
        cursor = QTextCursor(self.document())
        cursor.setPosition(self._utf16(start))
        cursor.setPosition(self._utf16(end), QTextCursor.KeepAnchor)
        self.setTextCursor(cursor)

    def selection_rect(self):
        """The selection's box (left of its start, bottom of its end) in viewport coordinates,
        to place the tag palette just under it."""
        cursor = self.textCursor()
        start = QTextCursor(cursor)
        start.setPosition(cursor.selectionStart())
        end = QTextCursor(cursor)
        end.setPosition(cursor.selectionEnd())
        a, b = self.cursorRect(start), self.cursorRect(end)
        left = a.left() if a.top() == b.top() else min(a.left(), b.left())
        return a.united(b).adjusted(left - a.united(b).left(), 0, 0, 0)

    def passage_at(self, utf16_pos: int) -> Passage | None:
        if self.article is None:
            return None
        cp = utf16_to_codepoint(self.article.text, min(max(0, utf16_pos), self._utf16_len()))
        hits = [p for p in self.passages if p.status == "anchored" and p.start is not None and p.start <= cp < p.end]
        if not hits:
            return None
        return min(hits, key=lambda p: p.end - p.start)  # the innermost of overlapping passages

    def scroll_to_passage(self, passage: Passage) -> None:
        if passage.status != "anchored" or passage.start is None:
            return
        self.current_passage = passage.id
        self._paint()
        cursor = QTextCursor(self.document())
        cursor.setPosition(self._utf16(passage.end))
        self.setTextCursor(cursor)
        self.ensureCursorVisible()
        cursor.setPosition(self._utf16(passage.start))
        self.setTextCursor(cursor)
        self.ensureCursorVisible()

    # ---- line width ---------------------------------------------------------------------------
    def set_line_width(self, chars: int) -> None:
        """Keep lines to about ``chars`` characters (0: as wide as the pane), centred."""
        self.line_chars = max(0, int(chars))
        self._fit_lines()

    def _fit_lines(self) -> None:
        chars = getattr(self, "line_chars", 0)
        if not chars:
            self.setViewportMargins(0, 0, 0, 0)
            return
        want = int(self.fontMetrics().averageCharWidth() * chars * (1.0 + 0.1 * self.zoom_steps)) + 36
        spare = max(0, self.width() - want - self.verticalScrollBar().sizeHint().width())
        self.setViewportMargins(spare // 2, 0, spare - spare // 2, 0)

    def resizeEvent(self, event):  # noqa: N802
        super().resizeEvent(event)
        self._fit_lines()

    # ---- zoom -------------------------------------------------------------------------------
    def zoom(self, steps: int) -> None:
        if steps == 0:
            self.zoomOut(self.zoom_steps)
            self.zoom_steps = 0
            return
        target = max(-6, min(12, self.zoom_steps + steps))
        delta = target - self.zoom_steps
        if delta > 0:
            self.zoomIn(delta)
        elif delta < 0:
            self.zoomOut(-delta)
        self.zoom_steps = target
        self._fit_lines()

    # ---- events -----------------------------------------------------------------------------
    def mouseReleaseEvent(self, event):  # noqa: N802
        super().mouseReleaseEvent(event)
        if event.button() != Qt.LeftButton:
            return
        if self.textCursor().hasSelection():
            self.selection_ready.emit()
        else:
            p = self.passage_at(self.cursorForPosition(event.position().toPoint()).position())
            if p is not None:
                self.passage_clicked.emit(p.id)

    def keyPressEvent(self, event):  # noqa: N802
        plain = not (event.modifiers() & ~Qt.KeypadModifier)
        if event.key() == Qt.Key_T and plain and self.article is not None:
            self.tag_selection_requested.emit()  # the selection, or the passage at the cursor
            return
        if event.key() == Qt.Key_S and plain and self.select_sentence():
            return
        super().keyPressEvent(event)

    def contextMenuEvent(self, event):  # noqa: N802
        menu = self.createStandardContextMenu(event.pos())
        menu.addSeparator()
        tag = QAction("Highlight with tag…", menu)
        tag.setShortcut("T")
        tag.setEnabled(self.textCursor().hasSelection())
        tag.triggered.connect(self.tag_selection_requested)
        menu.addAction(tag)
        p = self.passage_at(self.cursorForPosition(event.pos()).position())
        if p is not None:
            tag_p = menu.addAction("Tags of this passage…")
            tag_p.triggered.connect(lambda: self.tag_passage_requested.emit(p.id))
            if self.textCursor().hasSelection():
                span = menu.addAction("Set this passage to the selection")
                span.triggered.connect(lambda: self.move_passage_requested.emit(p.id))
            edit = menu.addAction("Edit passage…")
            edit.triggered.connect(lambda: self.edit_passage_requested.emit(p.id))
            delete = menu.addAction("Delete passage")
            delete.triggered.connect(lambda: self.delete_passage_requested.emit(p.id))
        menu.popup(event.globalPos())
        self._menu = menu


class ReaderHeader(QWidget):
    """Title, outlet/agency/author/date, source link and tags — all shown as plain text."""

    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent)
        self.setObjectName("readerHeader")
        layout = QVBoxLayout(self)
        layout.setContentsMargins(18, 12, 18, 6)
        layout.setSpacing(3)
        self.title = plain_label("", self, word_wrap=True)
        self.title.setObjectName("readerTitle")
        f = self.title.font()
        f.setPointSizeF(f.pointSizeF() * 1.5)
        f.setWeight(QFont.DemiBold)
        self.title.setFont(f)
        self.title.setTextInteractionFlags(Qt.TextSelectableByMouse)
        self.meta = plain_label("", self, word_wrap=True)
        self.meta.setObjectName("readerMeta")
        self._tone_meta()
        self.dek = plain_label("", self, word_wrap=True)
        fd = self.dek.font()
        fd.setItalic(True)
        self.dek.setFont(fd)
        # The link label is rich text built only from escaped pieces; clicks go through
        # open_web_link (http/https only), never through Qt's own link handling.
        self.link = QLabel(self)
        self.link.setTextFormat(Qt.RichText)
        self.link.setOpenExternalLinks(False)
        self.link.setTextInteractionFlags(Qt.LinksAccessibleByMouse | Qt.LinksAccessibleByKeyboard)
        self.link.linkActivated.connect(open_web_link)
        # a long address must not set the pane's minimum width: it is clipped instead
        self.link.setSizePolicy(QSizePolicy.Ignored, QSizePolicy.Preferred)
        self.link.setMinimumWidth(1)
        self.note = plain_label("", self, word_wrap=True)
        self.note.setObjectName("readerNote")
        for w in (self.title, self.meta, self.dek, self.link, self.note):
            layout.addWidget(w)
        self.note.hide()

    def _tone_meta(self) -> None:
        """The byline in a softer tone that still reads well on light and dark palettes:
        the text colour mixed a third of the way towards the background."""
        pal = self.palette()
        fg, bg = pal.color(QPalette.WindowText), pal.color(QPalette.Window)
        mixed = QColor(round(fg.red() * 0.68 + bg.red() * 0.32), round(fg.green() * 0.68 + bg.green() * 0.32),
                       round(fg.blue() * 0.68 + bg.blue() * 0.32))
        meta_pal = self.meta.palette()
        meta_pal.setColor(QPalette.WindowText, mixed)
        self.meta.setPalette(meta_pal)

    def changeEvent(self, event):  # noqa: N802 - follow a palette switch (light/dark)
        super().changeEvent(event)
        if event.type() == QEvent.PaletteChange and hasattr(self, "meta"):
            self._tone_meta()

    def set_note(self, notes) -> None:
        """The article's notes (Markdown source shown as plain text, shortened)."""
        text = "  ·  ".join(" ".join(n.text.split()) for n in notes)
        if len(text) > 300:
            text = text[:299] + "…"
        self.note.setText(f"Note: {text}" if text else "")
        self.note.setVisible(bool(text))

    def set_article(self, article: Article | None) -> None:
        if article is None:
            for w in (self.title, self.meta, self.dek):
                w.setText("")
            self.link.setText("")
            return
        self.title.setText(" ".join(article.title.split()))
        when = (article.published or "")[:10]
        parts = [article.outlet, article.agency, article.author, when]
        self.meta.setText("  ·  ".join(p for p in parts if p))
        self.dek.setText(article.dek or "")
        self.dek.setVisible(bool(article.dek))
        url = article.url or ""
        if is_web_url(url):
            shown = url if len(url) <= 90 else url[:89] + "…"
            self.link.setText(f'<a href="{html.escape(url, quote=True)}">{html.escape(shown)}</a>')
        else:
            self.link.setText(html.escape(url))
        self.link.setVisible(bool(url))


class FindBar(QWidget):
    """Find within the article (Ctrl+F): Enter/F3 next, Shift+Enter/Shift+F3 previous, Esc closes."""

    def __init__(self, reader: ReaderView, parent: QWidget | None = None):
        super().__init__(parent)
        self.reader = reader
        self.setObjectName("findBar")
        row = QHBoxLayout(self)
        row.setContentsMargins(18, 4, 18, 4)
        self.edit = QLineEdit(self)
        self.edit.setPlaceholderText("Find in this article")
        self.edit.setClearButtonEnabled(True)
        self.count = plain_label("", self)
        prev_b, next_b, close_b = QToolButton(self), QToolButton(self), QToolButton(self)
        prev_b.setText("↑")
        prev_b.setToolTip("Previous (Shift+Enter)")
        next_b.setText("↓")
        next_b.setToolTip("Next (Enter)")
        close_b.setText("✕")
        close_b.setToolTip("Close (Esc)")
        for w in (self.edit, self.count, prev_b, next_b, close_b):
            row.addWidget(w, 1 if w is self.edit else 0)
        prev_b.clicked.connect(lambda: self.find(backward=True))
        next_b.clicked.connect(lambda: self.find())
        close_b.clicked.connect(self.close_bar)
        self.edit.textChanged.connect(lambda _t: self.find(from_start=True))
        self.edit.installEventFilter(self)
        self.hide()

    def open(self) -> None:
        self.show()
        self.edit.setFocus(Qt.ShortcutFocusReason)
        self.edit.selectAll()

    def close_bar(self) -> None:
        self.hide()
        self.reader.setFocus(Qt.OtherFocusReason)

    def matches(self) -> int:
        needle = self.edit.text()
        if not needle or self.reader.article is None:
            return 0
        return self.reader.article.text.casefold().count(needle.casefold())

    def find(self, backward: bool = False, from_start: bool = False) -> bool:
        needle = self.edit.text()
        n = self.matches()
        self.count.setText(f"{n} found" if needle else "")
        if not needle:
            return False
        if from_start:
            c = self.reader.textCursor()
            c.setPosition(c.selectionStart())
            self.reader.setTextCursor(c)
        flags = QTextDocument.FindBackward if backward else QTextDocument.FindFlag(0)
        found = self.reader.find(needle, flags)
        if not found and n:  # wrap around
            c = self.reader.textCursor()
            c.movePosition(QTextCursor.End if backward else QTextCursor.Start)
            self.reader.setTextCursor(c)
            found = self.reader.find(needle, flags)
        return found

    def eventFilter(self, obj, event):  # noqa: N802
        if obj is self.edit and event.type() == QEvent.KeyPress:
            key, shift = event.key(), bool(event.modifiers() & Qt.ShiftModifier)
            if key in (Qt.Key_Return, Qt.Key_Enter, Qt.Key_F3):
                self.find(backward=shift)
                return True
            if key == Qt.Key_Escape:
                self.close_bar()
                return True
        return super().eventFilter(obj, event)
