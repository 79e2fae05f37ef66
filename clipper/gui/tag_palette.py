"""The tag palette: pops up next to a selection in the reader.

Press 1–9 for the first nine tags shown, click a tag, or type a name and press Enter (an
existing tag is matched without regard to case; otherwise a new tag is created). Typing
filters the list; Up/Down move through it; Esc closes. So: select, then one key.
"""
from __future__ import annotations

from PySide6.QtCore import QEvent, QPoint, QSize, Qt, Signal
from PySide6.QtWidgets import QFrame, QLabel, QLineEdit, QListWidget, QListWidgetItem, QVBoxLayout, QWidget

from clipper.models import Tag
from clipper.gui.util import swatch_icon, tooltip_text

MAX_SHOWN = 30


class TagPalette(QFrame):
    tag_chosen = Signal(str)  # the tag name (an existing one, or a new one to create)
    dismissed = Signal()

    def __init__(self, parent: QWidget | None = None, *, popup: bool = True):
        super().__init__(parent, Qt.Popup if popup else Qt.Widget)
        self.setObjectName("tagPalette")
        self.setFrameShape(QFrame.StyledPanel)
        self.setAttribute(Qt.WA_DeleteOnClose, False)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(6, 6, 6, 6)
        layout.setSpacing(4)
        self.hint = QLabel("Press 1–9, click a tag, or type a new name", self)
        self.hint.setTextFormat(Qt.PlainText)
        f = self.hint.font()
        f.setPointSizeF(f.pointSizeF() * 0.9)
        self.hint.setFont(f)
        self.edit = QLineEdit(self)
        self.edit.setPlaceholderText("Tag name…")
        self.edit.setClearButtonEnabled(True)
        self.list = QListWidget(self)
        self.list.setFocusPolicy(Qt.NoFocus)
        self.list.setUniformItemSizes(True)
        self.list.setIconSize(QSize(14, 14))
        self.list.setHorizontalScrollBarPolicy(Qt.ScrollBarAlwaysOff)
        layout.addWidget(self.hint)
        layout.addWidget(self.edit)
        layout.addWidget(self.list)
        self.setFixedWidth(290)
        self._tags: list[Tag] = []
        self.edit.textChanged.connect(self._refilter)
        self.edit.returnPressed.connect(self._enter)
        self.edit.installEventFilter(self)
        self.list.itemClicked.connect(lambda item: self._choose(item.data(Qt.UserRole)))

    # ---- content -----------------------------------------------------------------------------
    def set_tags(self, tags: list[Tag]) -> None:
        """Tags in the order to offer them (most used first is a good order)."""
        self._tags = list(tags)
        self.edit.clear()
        self._refilter("")

    def shown_names(self) -> list[str]:
        return [self.list.item(i).data(Qt.UserRole) for i in range(self.list.count())]

    def _refilter(self, text: str) -> None:
        needle = " ".join(text.split()).casefold()
        self.list.clear()
        shown = [t for t in self._tags if needle in t.name.casefold()] if needle else self._tags
        shown = sorted(shown, key=lambda t: (not t.name.casefold().startswith(needle), 0)) if needle else shown
        for n, tag in enumerate(shown[:MAX_SHOWN]):
            label = f"{n + 1}   {tag.name}" if n < 9 else f"     {tag.name}"
            item = QListWidgetItem(swatch_icon(tag.color, 14), label)
            item.setData(Qt.UserRole, tag.name)
            item.setToolTip(tooltip_text(tag.name))
            self.list.addItem(item)
        exact = any(t.name.casefold() == needle for t in self._tags)
        if needle and not exact:
            item = QListWidgetItem(f"+   Create “{' '.join(text.split())}”")
            item.setData(Qt.UserRole, " ".join(text.split()))
            self.list.addItem(item)
        if self.list.count():
            self.list.setCurrentRow(0)
        # every row gets the same explicit height, so ten rows fit exactly (no half row)
        row_h = self._row_height()
        for i in range(self.list.count()):
            self.list.item(i).setSizeHint(QSize(0, row_h))
        rows = min(self.list.count(), 10)
        self.list.setFixedHeight(max(1, rows) * row_h + 2 * self.list.frameWidth())
        self.adjustSize()

    def _row_height(self) -> int:
        return max(self.list.fontMetrics().height(), self.list.iconSize().height()) + 6

    # ---- choosing ------------------------------------------------------------------------------
    def _choose(self, name: str | None) -> None:
        if not name:
            return
        self.hide()
        self.tag_chosen.emit(name)

    def _enter(self) -> None:
        text = " ".join(self.edit.text().split())
        if text:
            existing = next((t.name for t in self._tags if t.name.casefold() == text.casefold()), None)
            self._choose(existing or text)
            return
        item = self.list.currentItem()
        if item is not None:
            self._choose(item.data(Qt.UserRole))

    def choose_number(self, n: int) -> bool:
        names = self.shown_names()
        if 1 <= n <= min(9, len(names)):
            self._choose(names[n - 1])
            return True
        return False

    def eventFilter(self, obj, event):  # noqa: N802
        if obj is self.edit and event.type() == QEvent.KeyPress:
            key = event.key()
            if Qt.Key_1 <= key <= Qt.Key_9 and not self.edit.text():
                return self.choose_number(key - Qt.Key_0)
            if key in (Qt.Key_Down, Qt.Key_Up) and self.list.count():
                row = self.list.currentRow() + (1 if key == Qt.Key_Down else -1)
                self.list.setCurrentRow(max(0, min(self.list.count() - 1, row)))
                return True
            if key == Qt.Key_Escape:
                self.hide()
                self.dismissed.emit()
                return True
        return super().eventFilter(obj, event)

    def keyPressEvent(self, event):  # noqa: N802 - keys that reach the frame itself
        key = event.key()
        if Qt.Key_1 <= key <= Qt.Key_9 and not self.edit.text():
            if self.choose_number(key - Qt.Key_0):
                return
        if key == Qt.Key_Escape:
            self.hide()
            self.dismissed.emit()
            return
        super().keyPressEvent(event)

    def popup_at(self, global_pos: QPoint) -> None:
        self.adjustSize()
        screen = self.screen().availableGeometry() if self.screen() else None
        pos = QPoint(global_pos)
        if screen is not None:
            pos.setX(max(screen.left(), min(pos.x(), screen.right() - self.width())))
            if pos.y() + self.height() > screen.bottom():
                pos.setY(max(screen.top(), global_pos.y() - self.height() - 24))
        self.move(pos)
        self.show()
        self.raise_()
        self.activateWindow()
        self.edit.setFocus(Qt.PopupFocusReason)
