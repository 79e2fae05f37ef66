"""The passages panel: an article's passages as cards (colour bar, quote, tag chips, note).

Click or arrow onto a passage to scroll the reader to it; Enter or double-click edits it;
T changes its tags (the tag palette); Delete removes it (undoable). Notes are shown as
rendered Markdown (a document that loads nothing).
"""
from __future__ import annotations

from PySide6.QtCore import QRect, QRectF, QSize, Qt, Signal
from PySide6.QtGui import QFontMetrics, QPainter, QPalette, QTextCharFormat, QTextCursor, QTextDocument
from PySide6.QtWidgets import (QAbstractItemView, QListView, QMenu, QStyle, QStyledItemDelegate, QVBoxLayout,
                               QWidget)

from clipper.gui.models import PASSAGE_ROLE, PassagesModel
from clipper.gui.util import elide, plain_label, qcolor, readable_text_color

PAD = 8
BAR = 5
CHIP_H_PAD = 6


NOTE_LINES = 2


class SafeDocument(QTextDocument):
    """A QTextDocument for rendering notes: images and other resources are never loaded."""

    def loadResource(self, type_, name):  # noqa: N802 - Qt override
        return None


def note_document(note: str, font, width: int, color) -> SafeDocument:
    doc = SafeDocument()
    doc.setDefaultFont(font)
    doc.setDocumentMargin(0)
    doc.setMarkdown(note, QTextDocument.MarkdownDialectGitHub)
    cursor = QTextCursor(doc)
    cursor.select(QTextCursor.Document)
    fmt = QTextCharFormat()
    fmt.setForeground(color)
    cursor.mergeCharFormat(fmt)
    doc.setTextWidth(width)
    return doc


class PassageDelegate(QStyledItemDelegate):
    def __init__(self, model: PassagesModel, parent=None):
        super().__init__(parent)
        self.model = model

    def _lines(self, option, p):
        fm = QFontMetrics(option.font)
        quote_rect_w = max(50, option.rect.width() - BAR - 3 * PAD)
        quote = elide(p.quote, 400)
        flags = Qt.TextWordWrap
        qr = fm.boundingRect(QRect(0, 0, quote_rect_w, 10_000), flags, quote)
        max_h = fm.lineSpacing() * 4
        return quote, min(qr.height(), max_h), fm

    def sizeHint(self, option, index):  # noqa: N802
        p = index.data(PASSAGE_ROLE)
        if p is None:
            return super().sizeHint(option, index)
        _quote, qh, fm = self._lines(option, p)
        h = PAD + qh + PAD
        if p.tags:
            h += fm.height() + 6
        if p.status == "orphaned":
            h += fm.lineSpacing() + 2
        if p.note:
            h += fm.lineSpacing() * NOTE_LINES + 2
        return QSize(option.rect.width() or 240, h + PAD // 2)

    def paint(self, painter: QPainter, option, index):
        p = index.data(PASSAGE_ROLE)
        if p is None:
            return super().paint(painter, option, index)
        painter.save()
        pal = option.palette
        selected = bool(option.state & QStyle.State_Selected)
        rect = option.rect.adjusted(2, 2, -2, -2)
        bg = pal.color(QPalette.Highlight if selected else QPalette.Base)
        if selected:
            bg.setAlpha(60)
        painter.setRenderHint(QPainter.Antialiasing)
        painter.setPen(pal.color(QPalette.Mid))
        painter.setBrush(bg)
        painter.drawRoundedRect(rect, 4, 4)
        painter.setPen(Qt.NoPen)
        painter.setBrush(qcolor(p.color))
        painter.drawRoundedRect(QRect(rect.left(), rect.top(), BAR, rect.height()), 2, 2)
        quote, qh, fm = self._lines(option, p)
        x = rect.left() + BAR + PAD
        w = rect.width() - BAR - 2 * PAD
        painter.setPen(pal.color(QPalette.Text))
        painter.setFont(option.font)
        y = rect.top() + PAD - 2
        painter.drawText(QRect(x, y, w, qh), Qt.TextWordWrap, quote)
        y += qh + 4
        if p.tags:
            cx = x
            for name in p.tags:
                color = qcolor(self.model.tag_colors.get(name.casefold(), p.color))
                tw = fm.horizontalAdvance(name) + 2 * CHIP_H_PAD
                if cx + tw > x + w and cx > x:
                    break
                chip = QRect(cx, y, min(tw, w), fm.height() + 2)
                painter.setPen(Qt.NoPen)
                painter.setBrush(color)
                painter.drawRoundedRect(chip, chip.height() / 2, chip.height() / 2)
                painter.setPen(readable_text_color(color))
                painter.drawText(chip, Qt.AlignCenter, fm.elidedText(name, Qt.ElideRight, chip.width() - 4))
                cx += tw + 4
            y += fm.height() + 6
        if p.status == "orphaned":
            f = option.font
            f.setItalic(True)
            painter.setFont(f)
            painter.setPen(pal.color(QPalette.PlaceholderText))
            painter.drawText(QRect(x, y, w, fm.lineSpacing()), Qt.AlignLeft,
                             QFontMetrics(f).elidedText("⚠ orphaned: quote no longer found in the text.",
                                                        Qt.ElideRight, w))
            y += fm.lineSpacing() + 2
        if p.note:
            doc = note_document(p.note, option.font, w, pal.color(QPalette.Text))
            painter.translate(x, y)
            doc.drawContents(painter, QRectF(0, 0, w, fm.lineSpacing() * NOTE_LINES))
        painter.restore()


class PassageListView(QListView):
    edit_requested = Signal(int)
    delete_requested = Signal(int)
    tag_requested = Signal(int)

    def contextMenuEvent(self, event):  # noqa: N802
        index = self.indexAt(event.pos())
        p = index.data(PASSAGE_ROLE)
        if p is None:
            return
        self.setCurrentIndex(index)
        menu = QMenu(self)
        menu.addAction("Tags…", lambda: self.tag_requested.emit(p.id))
        menu.addAction("Edit passage…", lambda: self.edit_requested.emit(p.id))
        menu.addSeparator()
        menu.addAction("Delete passage", lambda: self.delete_requested.emit(p.id))
        menu.popup(event.globalPos())
        self._menu = menu

    def keyPressEvent(self, event):  # noqa: N802
        p = self.currentIndex().data(PASSAGE_ROLE)
        if p is not None and event.key() == Qt.Key_T and not (event.modifiers() & ~Qt.KeypadModifier):
            self.tag_requested.emit(p.id)
            return
        if p is not None and event.key() in (Qt.Key_Return, Qt.Key_Enter):
            self.edit_requested.emit(p.id)
            return
        if p is not None and event.key() in (Qt.Key_Delete, Qt.Key_Backspace):
            self.delete_requested.emit(p.id)
            return
        super().keyPressEvent(event)


class PassagesPanel(QWidget):
    passage_activated = Signal(int)  # scroll the reader to it
    edit_requested = Signal(int)
    delete_requested = Signal(int)
    tag_requested = Signal(int)

    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(2)
        self.title = plain_label("Passages", self)
        self.title.setObjectName("sectionTitle")
        self.model = PassagesModel(self)
        self.view = PassageListView(self)
        self.view.setObjectName("passageList")
        self.view.setModel(self.model)
        self.view.setItemDelegate(PassageDelegate(self.model, self.view))
        self.view.setSelectionMode(QAbstractItemView.SingleSelection)
        self.view.setVerticalScrollMode(QAbstractItemView.ScrollPerPixel)
        self.view.setWordWrap(True)
        self.view.setUniformItemSizes(False)
        self.view.setResizeMode(QListView.Adjust)
        layout.addWidget(self.title)
        layout.addWidget(self.view)
        self.view.selectionModel().currentChanged.connect(self._current_changed)
        self.view.doubleClicked.connect(lambda idx: self.edit_requested.emit(idx.data(PASSAGE_ROLE).id))
        self.view.edit_requested.connect(self.edit_requested)
        self.view.delete_requested.connect(self.delete_requested)
        self.view.tag_requested.connect(self.tag_requested)
        self.view.clicked.connect(lambda idx: self.passage_activated.emit(idx.data(PASSAGE_ROLE).id))

    def set_passages(self, passages, tag_colors) -> None:
        current = self.current_id()
        self.model.set_passages(passages, tag_colors)
        n = len(passages)
        self.title.setText(f"Passages ({n})" if n else "Passages — select text in the article and press T to tag it")
        if current is not None:
            self.select(current, emit=False)

    def current_id(self) -> int | None:
        p = self.view.currentIndex().data(PASSAGE_ROLE)
        return p.id if p is not None else None

    def select(self, passage_id: int, emit: bool = False) -> None:
        row = self.model.row_of(passage_id)
        if row < 0:
            return
        self.view.blockSignals(not emit)
        self.view.selectionModel().blockSignals(not emit)
        self.view.setCurrentIndex(self.model.index(row))
        self.view.selectionModel().blockSignals(False)
        self.view.blockSignals(False)
        self.view.scrollTo(self.model.index(row))

    def _current_changed(self, current, _previous) -> None:
        p = current.data(PASSAGE_ROLE)
        if p is not None:
            self.passage_activated.emit(p.id)
